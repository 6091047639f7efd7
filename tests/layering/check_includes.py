#!/usr/bin/env python3
"""Fails when a file under src/serval/<layer>/ includes a header of a layer it may not use.

Unit tests (*_test.cc) and test helpers (testing/) are exempt: a test may build fixtures from any
layer (a planner test needs real kernels). The allowed table is read from cmake/serval.cmake (SERVAL_ALLOWED_DEPS_<layer>), so CMake's link
check and this include check cannot drift apart.
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()
table = {}
with open(os.path.join(root, "cmake", "serval.cmake")) as f:
    for m in re.finditer(r'set\(SERVAL_ALLOWED_DEPS_(\w+) "([^"]*)"\)', f.read()):
        table[m.group(1)] = set(filter(None, m.group(2).split(";")))

def layer_of(rel):  # "kernels/cpu/x.cc" -> "kernels_cpu"
    parts = rel.split("/")
    if parts[0] == "kernels" and len(parts) > 2:
        return "kernels_" + parts[1]
    return parts[0]

src = os.path.join(root, "src", "serval")
bad = []
include_re = re.compile(r'^\s*#\s*include\s+"serval/([^"]+)"', re.M)
for dirpath, _, files in os.walk(src):
    for name in files:
        if not name.endswith((".h", ".cc")) or name.endswith("_test.cc"):
            continue
        path = os.path.join(dirpath, name)
        if os.sep + "testing" + os.sep in path:
            continue
        layer = layer_of(os.path.relpath(path, src))
        if layer not in table:
            bad.append(f"{path}: layer '{layer}' is not in cmake/serval.cmake")
            continue
        with open(path, errors="replace") as f:
            for m in include_re.finditer(f.read()):
                dep = layer_of(m.group(1))
                if dep != layer and dep not in table[layer]:
                    bad.append(f"{path}: includes serval/{m.group(1)} (layer '{dep}'), "
                               f"but '{layer}' may only use {sorted(table[layer])}")
for b in bad:
    print(b)
print(f"layering: {len(bad)} violation(s)")
sys.exit(1 if bad else 0)
