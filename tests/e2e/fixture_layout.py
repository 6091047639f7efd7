"""Shared by the REST and gRPC end-to-end tests: the fixture manifest, version folders, and the
base paths a server is given (bare SavedModel folders are served as version 1 through a symlink,
so the fixtures are never copied or edited)."""
import json
import os
import socket


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_manifest(fixtures_dir):
    """{fixture name: manifest entry}; empty when manifest.json is absent."""
    manifest = {}
    path = os.path.join(fixtures_dir, "manifest.json")
    if os.path.exists(path):
        with open(path) as f:
            for entry in json.load(f):
                manifest[entry["name"]] = entry
    return manifest


def signatures_of(manifest, fixture, version_dir=None):
    """{signature key: method_name} from the manifest (first matching inventory)."""
    entry = manifest.get(fixture)
    if not entry:
        return {}
    for inv in entry.get("inventories", []):
        if version_dir and not inv["dir"].endswith("/" + version_dir):
            continue
        for mg in inv.get("meta_graphs", []):
            if "serve" in mg.get("tags", []):
                return {k: v.get("method_name", "") for k, v in mg.get("signatures", {}).items()}
    return {}


def version_dirs(path):
    try:
        return sorted(d for d in os.listdir(path) if d.isdigit() and os.path.isdir(os.path.join(path, d)))
    except OSError:
        return []


def servable_fixtures(models_dir):
    """Every fixture folder except the neg_fuzz_* models, which must fail to load."""
    return sorted(d for d in os.listdir(models_dir)
                  if os.path.isdir(os.path.join(models_dir, d)) and not d.startswith("neg_fuzz_"))


def base_paths_for(models_dir, fixtures, tmp):
    """{fixture: base path}: the fixture itself when it has version folders, else a folder under
    tmp holding a symlink `1` to the bare SavedModel."""
    base_paths = {}
    for fx in fixtures:
        src = os.path.abspath(os.path.join(models_dir, fx))
        if version_dirs(src):
            base_paths[fx] = src
        else:
            bp = os.path.join(tmp, "bare", fx)
            os.makedirs(bp)
            os.symlink(src, os.path.join(bp, "1"))
            base_paths[fx] = bp
    return base_paths
