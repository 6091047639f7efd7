#!/usr/bin/env python3
"""End-to-end test of the real server binary (tensorflow_model_server = `serval serve`).

Starts the binary on free loopback ports with a --model_config_file listing every fixture of
$SERVAL_FIXTURES/savedmodels (except neg_fuzz_*), waits for /v2/health/ready, and checks over
HTTP (standard library only, plus one curl run):
  - every golden case of golden/<fixture>/ through :predict in row (instances) and columnar
    (inputs) formats, tf.Example cases through :classify / :regress when the signature has that
    method (skipped with a note otherwise), the stateful counter's sequence.json in order;
  - GET status (an AVAILABLE version) and metadata (the manifest's signature keys) per fixture;
  - a version folder added and then removed under a served base path while a client thread keeps
    sending requests: zero failed requests, the status transitions;
  - a model added to and removed from the config file (200 then 404); a broken config file keeps
    the previous config;
  - bad inputs: each returns its code and an {"error": ...} naming the problem, and the server
    still answers a good request afterwards;
  - SIGTERM: exit 0 within a few seconds.
Bare SavedModel folders are served through a temp base path holding a symlink `1 -> fixture`
(fixtures are never copied or edited). Prints one line per check and "N passed, M failed";
exits 1 on any failure; skips loudly (exit 0) when the fixture folder is absent.
"""
import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_layout  # noqa: E402
import server_harness  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--server", required=True, help="path of the tensorflow_model_server binary")
ap.add_argument("--serval", help="path of the serval binary (for `serval serve --version`)")
ap.add_argument("--fixtures", default=os.environ.get("SERVAL_FIXTURES", "../shared/fixtures"))
ap.add_argument("--keep", action="store_true", help="keep the temp folder and server log")
args = ap.parse_args()

GOLDEN = os.path.join(args.fixtures, "golden")
MODELS = os.path.join(args.fixtures, "savedmodels")
if not os.path.isdir(GOLDEN) or not os.path.isdir(MODELS):
    print(f"SKIPPED: fixture folder {args.fixtures} is absent; set SERVAL_FIXTURES to run the e2e server test")
    sys.exit(0)

results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    line = f"{'PASS' if ok else 'FAIL'} {name}"
    if detail and not ok:
        line += f": {detail}"
    print(line, flush=True)
    return ok


def note(msg):
    print(f"NOTE {msg}", flush=True)


free_port = fixture_layout.free_port


Http = server_harness.Http  # the REST client shared with the fault, hostile-input and soak tests


# ---------------------------------------------------------------------------------------------
# Comparison helpers


def shape_of(v):
    shape = []
    while isinstance(v, list):
        shape.append(len(v))
        if not v:
            break
        v = v[0]
    return shape


def flatten(v):
    if isinstance(v, list):
        out = []
        for x in v:
            out.extend(flatten(x))
        return out
    return [v]


def as_number(x):
    if isinstance(x, str):  # TF Serving writes NaN/Infinity as bare tokens; be lenient with strings
        try:
            return float(x)
        except ValueError:
            return x
    return x


def compare(got, want, dtype, atol, rtol):
    """Returns "" when equal within tolerance, else a description."""
    g, w = flatten(got), flatten(want)
    if len(g) != len(w):
        return f"{len(g)} values, expected {len(w)}"
    for i, (a, b) in enumerate(zip(g, w)):
        if dtype in ("DT_FLOAT", "DT_DOUBLE", "DT_HALF", "DT_BFLOAT16"):
            a, b = as_number(a), as_number(b)
            if not isinstance(a, (int, float)) or isinstance(a, bool):
                return f"value {i}: got {a!r}, expected a number"
            if isinstance(b, float) and math.isnan(b):
                if not math.isnan(a):
                    return f"value {i}: got {a}, expected NaN"
                continue
            if abs(a - b) > atol + rtol * abs(b):
                return f"value {i}: got {a}, expected {b} (atol {atol}, rtol {rtol})"
        elif dtype == "DT_STRING":
            if isinstance(a, dict) and "b64" in a:
                import base64
                a = base64.b64decode(a["b64"]).decode("utf-8", errors="replace")
            if isinstance(b, dict) and "b64" in b:
                import base64
                b = base64.b64decode(b["b64"]).decode("utf-8", errors="replace")
            if a != b:
                return f"value {i}: got {a!r}, expected {b!r}"
        elif dtype == "DT_BOOL":
            if bool(a) != bool(b):
                return f"value {i}: got {a!r}, expected {b!r}"
        else:
            if a != b:
                return f"value {i}: got {a!r}, expected {b!r}"
    return ""


def compare_outputs(got_by_name, golden, expected_shapes=True):
    errs = []
    for name, spec in golden["outputs"].items():
        if name not in got_by_name:
            errs.append(f"output '{name}' missing (got {sorted(got_by_name)})")
            continue
        got = got_by_name[name]
        want = spec["data"]
        if expected_shapes and shape_of(got) != list(spec["shape"]):
            errs.append(f"output '{name}': shape {shape_of(got)}, expected {spec['shape']}")
            continue
        e = compare(got, want, spec["dtype"], golden.get("atol", 0) or 0, golden.get("rtol", 0) or 0)
        if e:
            errs.append(f"output '{name}': {e}")
    return "; ".join(errs)


def is_wrapped(obj, names):
    """True when a response value is an object keyed by output names (several outputs)."""
    return isinstance(obj, dict) and not (set(obj) == {"b64"}) and any(n in obj for n in names)


# ---------------------------------------------------------------------------------------------
# Fixture discovery and the model config

manifest = fixture_layout.load_manifest(args.fixtures)


def signatures_of(fixture, version_dir=None):
    return fixture_layout.signatures_of(manifest, fixture, version_dir)


version_dirs = fixture_layout.version_dirs
tmp = tempfile.mkdtemp(prefix="serval_e2e_")
fixtures = fixture_layout.servable_fixtures(MODELS)
base_paths = fixture_layout.base_paths_for(MODELS, fixtures, tmp)

# The version-swap model: starts with 00000123 only.
TWO_VERSIONS = os.path.abspath(os.path.join(MODELS, "tfs_half_plus_two_2_versions"))
swap_base = os.path.join(tmp, "swap")
os.makedirs(swap_base)
have_swap = os.path.isdir(os.path.join(TWO_VERSIONS, "00000123")) and os.path.isdir(os.path.join(TWO_VERSIONS, "00000124"))
if have_swap:
    os.symlink(os.path.join(TWO_VERSIONS, "00000123"), os.path.join(swap_base, "00000123"))


def config_text(extra=None):
    parts = ["model_config_list {"]
    models = dict(base_paths)
    if have_swap:
        models["swap_model"] = swap_base
    models.update(extra or {})
    for name, bp in models.items():
        policy = ""
        if name in base_paths and len(version_dirs(bp)) > 1:
            policy = " model_version_policy { all {} }"  # goldens target older versions too
        parts.append(f"  config {{ name: '{name}' base_path: '{bp}' model_platform: 'tensorflow'{policy} }}")
    parts.append("}")
    return "\n".join(parts) + "\n"


config_path = os.path.join(tmp, "models.config")


def write_config(text):
    t = config_path + ".tmp"
    with open(t, "w") as f:
        f.write(text)
    os.replace(t, config_path)  # atomic: the poller never reads half a file


write_config(config_text())

# ---------------------------------------------------------------------------------------------
# Start the server

MAX_BODY = 4 << 20
rest_port = free_port()
grpc_port = free_port()
log_path = os.path.join(tmp, "server.log")
log = open(log_path, "wb")
cmd = [args.server, f"--port={grpc_port}", f"--rest_api_port={rest_port}",
       f"--model_config_file={config_path}", "--model_config_file_poll_wait_seconds=1",
       "--file_system_poll_wait_seconds=1", f"--rest_api_max_body_bytes={MAX_BODY}",
       "--enable_batching=false", "--rest_api_timeout_in_ms=60000"]
print("starting: " + " ".join(cmd), flush=True)
proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
api = Http(rest_port)


def server_log_tail(n=40):
    try:
        with open(log_path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def wait_until(pred, timeout, interval=0.2):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(interval)
    return False


def ready():
    if proc.poll() is not None:
        return True
    try:
        return api.get("/v2/health/ready", timeout=5)[0] == 200
    except OSError:
        return False


def finish(code):
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    log.close()
    if results["failed"]:
        print("---- server log (tail) ----\n" + server_log_tail(60))
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(code)


t0 = time.time()
wait_until(ready, 300, 0.25)
if proc.poll() is not None:
    check("server starts", False, f"exited with {proc.returncode}:\n{server_log_tail()}")
    finish(1)
is_ready = api.get("/v2/health/ready", timeout=5)[0] == 200 if proc.poll() is None else False
check(f"GET /v2/health/ready is 200 after loading {len(fixtures)} fixtures ({time.time() - t0:.1f}s)", is_ready,
      "still not ready after 300 s (see status checks below)")
st, _ = api.get("/v2/health/live")
check("GET /v2/health/live is 200", st == 200, f"status {st}")

# --version of both binaries
for exe, extra in ((args.server, []), (args.serval, ["serve"])):
    if not exe:
        continue
    p = subprocess.run([exe, *extra, "--version"], capture_output=True, text=True, timeout=30)
    check(f"{os.path.basename(exe)} {' '.join(extra + ['--version'])} exits 0 and prints a version",
          p.returncode == 0 and "ModelServer" in p.stdout, f"rc {p.returncode} out {p.stdout!r} err {p.stderr[-300:]!r}")
p = subprocess.run([args.server, "--rest_api_port=0", "--no_such_flag=1", "--model_base_path=/nonexistent"],
                   capture_output=True, text=True, timeout=30)
check("unknown flag is refused (exit != 0)", p.returncode != 0, f"rc {p.returncode}")

# ---------------------------------------------------------------------------------------------
# Status and metadata for every fixture

for fx in fixtures:
    st, body = api.get(f"/v1/models/{fx}")
    states = []
    if st == 200 and isinstance(body, dict):
        states = [(v.get("version"), v.get("state"), v.get("status", {}).get("error_message", ""))
                  for v in body.get("model_version_status", [])]
    check(f"status {fx}: an AVAILABLE version", st == 200 and any(s[1] == "AVAILABLE" for s in states),
          f"HTTP {st} {json.dumps(body)[:400]}")
    st, body = api.get(f"/v1/models/{fx}/metadata")
    keys = set()
    if st == 200 and isinstance(body, dict):
        keys = set(body.get("metadata", {}).get("signature_def", {}).get("signature_def", {}).keys())
    vdirs = version_dirs(os.path.join(MODELS, fx))
    want = set(signatures_of(fx, vdirs[-1] if vdirs else None)) - {"__saved_model_init_op"}
    ok = st == 200 and bool(want) and want <= keys
    check(f"metadata {fx}: signatures {sorted(want)}", ok, f"HTTP {st}, got keys {sorted(keys)} {str(body)[:300]}")

# ---------------------------------------------------------------------------------------------
# Golden cases


def model_url(fx, version):
    if version and fx in base_paths and version_dirs(os.path.join(MODELS, fx)):
        return f"/v1/models/{fx}/versions/{int(version)}"
    return f"/v1/models/{fx}"


def tf_refusal(st, resp):
    """TF Serving's REST refuses a signature with no inputs and an 'inputs' object that omits an
    input (so signature defaults cannot be used over REST); Serval keeps those texts. Such golden
    cases are noted, not failed."""
    msg = resp.get("error", "") if isinstance(resp, dict) else ""
    if st == 400 and "Failed to get input map for signature" in msg:
        return "TF Serving's REST refuses signatures with no inputs (\"Failed to get input map\"); Serval matches"
    if st == 400 and "Missing named input" in msg:
        return "TF Serving's REST needs every input in 'inputs' (no signature defaults); Serval matches"
    return ""


def run_predict_cases(fx, gfile, g):
    sig = g["signature"]
    url = model_url(fx, g.get("version")) + ":predict"
    inputs = g.get("inputs", {})
    tag = f"{fx}/{gfile}"
    # Columnar.
    body = {"signature_name": sig, "inputs": {k: v["data"] for k, v in inputs.items()}}
    st, resp = api.post(url, body)
    refusal = tf_refusal(st, resp)
    if refusal:
        note(f"golden {tag} skipped: {refusal}")
        return
    if st != 200 or not isinstance(resp, dict) or "outputs" not in resp:
        check(f"golden {tag} columnar", False, f"HTTP {st} {str(resp)[:400]}")
    else:
        out = resp["outputs"]
        names = list(g["outputs"])
        got = out if is_wrapped(out, names) else {names[0]: out}
        err = compare_outputs(got, g) if (is_wrapped(out, names) or len(names) == 1) else "several outputs expected"
        check(f"golden {tag} columnar", not err, err)
    # Row format: needs every input batched with the same first dimension.
    dims = {tuple(v["shape"][:1]) for v in inputs.values()}
    if not inputs or any(len(v["shape"]) == 0 for v in inputs.values()) or len(dims) != 1:
        note(f"golden {tag} row format skipped: inputs are scalars or empty (the row format needs a batch dimension)")
        return
    n = inputs[next(iter(inputs))]["shape"][0]
    if len(inputs) == 1:
        instances = next(iter(inputs.values()))["data"]
    else:
        instances = [{k: v["data"][i] for k, v in inputs.items()} for i in range(n)]
    st, resp = api.post(url, {"signature_name": sig, "instances": instances})
    if st != 200 or not isinstance(resp, dict) or "predictions" not in resp:
        check(f"golden {tag} row", False, f"HTTP {st} {str(resp)[:400]}")
        return
    preds = resp["predictions"]
    names = list(g["outputs"])
    if preds and isinstance(preds, list) and is_wrapped(preds[0], names):
        got = {k: [row.get(k) for row in preds] for k in names}
    else:
        got = {names[0]: preds}
    err = compare_outputs(got, g)
    check(f"golden {tag} row", not err, err)


def run_examples_case(fx, gfile, g, method):
    sig = g["signature"]
    tag = f"{fx}/{gfile}"
    examples = None
    for v in g["inputs"].values():
        if v.get("encoding") == "tf.Example":
            examples = v["examples"]
    verb = "classify" if method.endswith("classify") else "regress"
    url = model_url(fx, g.get("version")) + ":" + verb
    st, resp = api.post(url, {"signature_name": sig, "examples": examples})
    if st != 200 or not isinstance(resp, dict) or "results" not in resp:
        check(f"golden {tag} :{verb}", False, f"HTTP {st} {str(resp)[:400]}")
        return
    res = resp["results"]
    outs = g["outputs"]
    err = ""
    if verb == "regress":
        spec = next(iter(outs.values()))
        err = compare(res, flatten(spec["data"]), "DT_FLOAT", g.get("atol", 0), g.get("rtol", 0))
    else:
        if "scores" in outs:
            got = [[pair[1] for pair in row] for row in res]
            err = compare(got, outs["scores"]["data"], "DT_FLOAT", g.get("atol", 0), g.get("rtol", 0))
        if not err and "classes" in outs:
            got = [[pair[0] for pair in row] for row in res]
            err = compare(got, outs["classes"]["data"], "DT_STRING", 0, 0)
    check(f"golden {tag} :{verb}", not err, err)


for fx in sorted(os.listdir(GOLDEN)):
    if fx not in base_paths:
        continue  # neg_fuzz_* (must fail to load: covered by the fixture tests) or not served
    for gfile in sorted(os.listdir(os.path.join(GOLDEN, fx))):
        if not gfile.endswith(".json") or gfile == "sequence.json":
            continue
        with open(os.path.join(GOLDEN, fx, gfile)) as f:
            g = json.load(f)
        if g.get("expect_load_error") or "outputs" not in g:
            continue
        uses_examples = any(v.get("encoding") == "tf.Example" for v in g.get("inputs", {}).values())
        if uses_examples:
            v = g.get("version")
            method = signatures_of(fx, v if v else None).get(g["signature"], "")
            if method.endswith("/classify") or method.endswith("/regress"):
                run_examples_case(fx, gfile, g, method)
            else:
                note(f"golden {fx}/{gfile} skipped: tf.Example input on a signature with method "
                     f"'{method}' (only classify/regress signatures take \"examples\" over REST)")
            continue
        run_predict_cases(fx, gfile, g)

# The stateful counter, in order, on the one loaded instance.
seq_path = os.path.join(GOLDEN, "tfs_saved_model_counter", "sequence.json")
if os.path.exists(seq_path) and "tfs_saved_model_counter" in base_paths:
    with open(seq_path) as f:
        seq = json.load(f)
    err = ""
    for i, step in enumerate(seq["steps"]):
        body = {"signature_name": step["signature"], "inputs": {k: v["data"] for k, v in step["inputs"].items()}}
        st, resp = api.post("/v1/models/tfs_saved_model_counter:predict", body)
        if tf_refusal(st, resp):
            err = "SKIP: " + tf_refusal(st, resp)
            break
        if st != 200 or not isinstance(resp, dict) or "outputs" not in resp:
            err = f"step {i} ({step['signature']}): HTTP {st} {str(resp)[:300]}"
            break
        names = list(step["outputs"])
        out = resp["outputs"]
        got = out if is_wrapped(out, names) else {names[0]: out}
        e = compare_outputs(got, {"outputs": step["outputs"], "atol": seq.get("atol", 0), "rtol": seq.get("rtol", 0)})
        if e:
            err = f"step {i} ({step['signature']}): {e}"
            break
    if err.startswith("SKIP: "):
        note(f"golden tfs_saved_model_counter/sequence.json skipped: {err[6:]}")
    else:
        check(f"golden tfs_saved_model_counter/sequence.json ({len(seq['steps'])} steps in order)", not err, err)

# ---------------------------------------------------------------------------------------------
# curl

GOOD_MODEL = "tfs_half_plus_two_cpu" if "tfs_half_plus_two_cpu" in base_paths else None
GOOD_BODY = {"instances": [[1.0], [2.0], [5.0]]}
GOOD_WANT = [2.5, 3.0, 4.5]


def good_request_ok():
    if not GOOD_MODEL:
        return True
    st, resp = api.post(f"/v1/models/{GOOD_MODEL}:predict", GOOD_BODY)
    return st == 200 and isinstance(resp, dict) and not compare(resp.get("predictions"), GOOD_WANT, "DT_FLOAT", 1e-5, 1e-4)


if GOOD_MODEL:
    # TF Serving's own README example: x is [-1,1] in the signature, yet TF Serving accepts the flat
    # list (TF sessions do not check feed shapes) and answers [2.5, 3.0, 4.5]. Clients rely on it.
    st, resp = api.post(f"/v1/models/{GOOD_MODEL}:predict", {"instances": [1.0, 2.0, 5.0]})
    check("TF Serving README example {\"instances\": [1.0, 2.0, 5.0]} on half_plus_two -> [2.5, 3.0, 4.5]",
          st == 200 and isinstance(resp, dict) and not compare(resp.get("predictions"), GOOD_WANT, "DT_FLOAT", 1e-5, 1e-4),
          f"HTTP {st} {str(resp)[:300]}")


curl = shutil.which("curl")
if GOOD_MODEL:
    if not curl:
        check("curl predict", False, "curl is not installed (scripts/packages.txt installs it)")
    else:
        p = subprocess.run([curl, "-sS", "-X", "POST", "-d", json.dumps(GOOD_BODY),
                            f"http://127.0.0.1:{rest_port}/v1/models/{GOOD_MODEL}:predict"],
                           capture_output=True, text=True, timeout=60)
        try:
            got = json.loads(p.stdout).get("predictions")
        except ValueError:
            got = None
        check(f"curl POST /v1/models/{GOOD_MODEL}:predict", p.returncode == 0 and got is not None
              and not compare(got, GOOD_WANT, "DT_FLOAT", 1e-5, 1e-4), f"rc {p.returncode} out {p.stdout[:300]!r} {p.stderr[:200]!r}")
        p = subprocess.run([curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                            f"http://127.0.0.1:{rest_port}/v2/health/ready"], capture_output=True, text=True, timeout=60)
        check("curl GET /v2/health/ready", p.stdout.strip() == "200", f"rc {p.returncode} code {p.stdout!r}")

# ---------------------------------------------------------------------------------------------
# Bad inputs


def bad_case(name, method, path, body, want_status, words):
    try:
        st, resp = api.request(method, path, body)
    except OSError as e:
        check(f"bad input: {name}", False, f"connection error {e}")
        return
    msg = resp.get("error", "") if isinstance(resp, dict) else ""
    ok = st == want_status and isinstance(msg, str) and msg != ""
    mentions = any(w.lower() in msg.lower() for w in words)
    check(f"bad input: {name} -> {want_status} with {{\"error\"}} naming it", ok and mentions,
          f"HTTP {st}, body {str(resp)[:300]!r} (wanted {want_status}, a message with one of {words})")
    check(f"bad input: {name}: server still answers a good request", good_request_ok())


if GOOD_MODEL:
    url = f"/v1/models/{GOOD_MODEL}:predict"
    bad_case("malformed JSON", "POST", url, '{"instances": [1.0, 2.0', 400, ["json", "parse"])
    bad_case("unknown model", "POST", "/v1/models/no_such_model_xyz:predict", GOOD_BODY, 404, ["no_such_model_xyz"])
    bad_case("unknown model status", "GET", "/v1/models/no_such_model_xyz", None, 404, ["no_such_model_xyz"])
    bad_case("unknown signature", "POST", url, {"signature_name": "no_such_sig", "instances": [1.0]}, 400, ["no_such_sig"])
    bad_case("wrong dtype (string to a float input)", "POST", url, {"instances": ["abc", "def"]}, 400,
             ["float", "string", "type", "number"])
    bad_case("ragged rows", "POST", url, {"instances": [[1.0], [1.0, 2.0]]}, 400,
             ["ragged", "same", "shape", "size", "dimension", "length", "list"])
    deep = '{"instances": ' + "[" * 500000 + "]" * 500000 + "}"
    bad_case("500k-deep nesting", "POST", url, deep, 400, ["nest", "deep", "depth", "json", "parse", "shape", "rank"])
    huge = '{"instances": [' + ",".join(["1.0"] * ((MAX_BODY // 4) + 1000)) + "]}"
    bad_case(f"body over --rest_api_max_body_bytes ({len(huge)} > {MAX_BODY} bytes)", "POST", url, huge, 413,
             ["body", "large", "size", "byte", "limit"])

# ---------------------------------------------------------------------------------------------
# Version folder added and removed under load


def version_states(model):
    st, body = api.get(f"/v1/models/{model}", timeout=10)
    if st != 200 or not isinstance(body, dict):
        return {}
    return {str(v.get("version")): v.get("state") for v in body.get("model_version_status", [])}


if have_swap:
    stop = threading.Event()
    counts = {"ok": 0, "failed": 0, "errors": []}
    swap_api = Http(rest_port)

    def client():
        while not stop.is_set():
            try:
                st, resp = swap_api.post("/v1/models/swap_model:predict", {"instances": [[1.0], [2.0]]}, timeout=30)
                good = st == 200 and isinstance(resp, dict) and "predictions" in resp
            except OSError as e:
                st, resp, good = -1, str(e), False
            if good:
                counts["ok"] += 1
            else:
                counts["failed"] += 1
                if len(counts["errors"]) < 5:
                    counts["errors"].append(f"HTTP {st} {str(resp)[:200]}")

    if not wait_until(lambda: version_states("swap_model").get("123") == "AVAILABLE", 60):
        check("swap: version 123 AVAILABLE before the swap", False, str(version_states("swap_model")))
    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    os.symlink(os.path.join(TWO_VERSIONS, "00000124"), os.path.join(swap_base, "00000124"))
    seen = []

    def track():
        s = version_states("swap_model")
        if not seen or seen[-1] != s:
            seen.append(s)
        return s

    ok124 = wait_until(lambda: track().get("124") == "AVAILABLE", 60)
    check("swap: added version 124 becomes AVAILABLE", ok124, f"states seen {seen}")
    end123 = wait_until(lambda: track().get("123") in ("END", None), 60)
    check("swap: then the old version 123 is END (unloaded)", end123, f"states seen {seen}")
    time.sleep(1.0)
    os.unlink(os.path.join(swap_base, "00000124"))
    back123 = wait_until(lambda: track().get("123") == "AVAILABLE", 60)
    check("swap: version 124 folder removed -> 123 AVAILABLE again", back123, f"states seen {seen}")
    end124 = wait_until(lambda: track().get("124") in ("END", None), 60)
    check("swap: then version 124 is END", end124, f"states seen {seen}")
    time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join()
    print(f"     swap: states seen {seen}")
    check(f"swap: zero failed requests during the swaps ({counts['ok']} ok)",
          counts["failed"] == 0 and counts["ok"] > 0, f"{counts['failed']} failed: {counts['errors']}")

# ---------------------------------------------------------------------------------------------
# Model added to and removed from the config file; a broken config keeps the previous one

if GOOD_MODEL:
    added = {"added_by_reload": os.path.abspath(os.path.join(MODELS, GOOD_MODEL))}
    write_config(config_text(added))
    ok = wait_until(lambda: api.get("/v1/models/added_by_reload", timeout=10)[0] == 200
                    and "AVAILABLE" in version_states("added_by_reload").values(), 60)
    check("config reload: added model answers status 200 with an AVAILABLE version", ok,
          str(api.get("/v1/models/added_by_reload")))
    st, resp = api.post("/v1/models/added_by_reload:predict", GOOD_BODY)
    check("config reload: added model answers :predict", st == 200, f"HTTP {st} {str(resp)[:200]}")
    write_config("model_config_list { config { name: 'broken' base_path: \n")  # does not parse
    time.sleep(3)
    check("config reload: a config that does not parse keeps the previous config",
          api.get("/v1/models/added_by_reload")[0] == 200 and good_request_ok(),
          str(api.get("/v1/models/added_by_reload")))
    write_config(config_text())
    ok = wait_until(lambda: api.get("/v1/models/added_by_reload", timeout=10)[0] == 404, 60)
    check("config reload: removed model answers status 404", ok, str(api.get("/v1/models/added_by_reload")))
    check("config reload: the other models still answer", good_request_ok())

# ---------------------------------------------------------------------------------------------
# SIGTERM: stop accepting, finish in-flight, exit 0

if proc.poll() is not None:
    check("server still running before SIGTERM", False, f"exited with {proc.returncode}")
else:
    t1 = time.time()
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=15)
        check(f"SIGTERM: exits 0 ({time.time() - t1:.1f}s)", rc == 0, f"exit code {rc}")
    except subprocess.TimeoutExpired:
        check("SIGTERM: exits 0 within 15 s", False, "still running")

finish(1 if results["failed"] else 0)
