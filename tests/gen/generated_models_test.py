#!/usr/bin/python3
"""Checks the example SavedModels that tools/serval_gen writes at build time.

  * `serval inspect --json`: TF 2.14-style export (tags, stripped defaults, init op NoOp), the
    signature (keys, dtypes, shapes), checkpoint keys/dtypes/shapes, no lint warnings;
  * `serval run`: outputs equal values computed here independently: y = 0.5 * x + 2 for
    half_plus_two, a numpy forward pass for the mlp (weights by the same formula as the generator).
"""
import argparse
import json
import math
import subprocess
import sys

import numpy as np


# Must match tools/serval_gen/main.cc (Kernel, Bias).
def kernel(layer, rows, cols):
    return np.array([[0.5 * math.sin(7 * i + 3 * j + 11 * layer) for j in range(cols)] for i in range(rows)],
                    dtype=np.float32)


def bias(layer, n):
    return np.array([0.1 * math.cos(5 * j + 13 * layer) for j in range(n)], dtype=np.float32)


FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print("command failed:", " ".join(cmd), "\n", p.stdout, p.stderr)
        sys.exit(1)
    return p.stdout


def inspect(serval, path):
    return json.loads(run([serval, "inspect", "--json", path]))


def predict(serval, path, body):
    out = run([serval, "run", path, "--input", json.dumps(body)])
    return json.loads(out)


def check_common(info, name, var_entries):
    check(info["tags"] == ["serve"], f"{name}: tags {info['tags']}")
    check(info["tensorflow_version"] == "2.14.0", f"{name}: tensorflow_version")
    check("serval-writer" in info["tensorflow_git_version"], f"{name}: git version")
    check(info["stripped_default_attrs"] is True, f"{name}: stripped_default_attrs")
    check(info["init_op"] == "NoOp", f"{name}: init_op {info['init_op']}")
    check(info["version"] == 1, f"{name}: version {info['version']}")
    check([s["key"] for s in info["signatures"]] == ["serving_default"], f"{name}: signatures")
    check(info["checkpoint"]["present"], f"{name}: checkpoint present")
    got = {v["name"]: (v["dtype"], v["shape"]) for v in info["variables"]}
    want = dict(var_entries)
    want["_CHECKPOINTABLE_OBJECT_GRAPH"] = ("DT_STRING", [])
    check(got == want, f"{name}: variables {got} != {want}")
    check(all(l["severity"] != "warning" for l in info["lint"]), f"{name}: lint warnings {info['lint']}")
    ops = {o["op"] for o in info["ops"]}
    for op in ("VarHandleOp", "RestoreV2", "AssignVariableOp", "SaveV2", "MergeV2Checkpoints", "ReadVariableOp"):
        check(op in ops, f"{name}: op {op} missing from {sorted(ops)}")
    check(info["functions"]["total"] == info["functions"]["reachable"] == 4, f"{name}: functions {info['functions']}")


def tensor(sig, side, key):
    return next(t for t in sig[side] if t["key"] == key)


def test_half_plus_two(serval, models):
    path = models + "/half_plus_two"
    info = inspect(serval, path)
    check_common(info, "half_plus_two", {"a/.ATTRIBUTES/VARIABLE_VALUE": ("DT_FLOAT", []),
                                         "b/.ATTRIBUTES/VARIABLE_VALUE": ("DT_FLOAT", [])})
    sig = info["signatures"][0]
    x = tensor(sig, "inputs", "x")
    y = tensor(sig, "outputs", "y")
    check((x["dtype"], x["shape"], x["name"]) == ("DT_FLOAT", [-1, 1], "serving_default_x:0"), f"input x {x}")
    check((y["dtype"], y["shape"], y["name"]) == ("DT_FLOAT", [-1, 1], "StatefulPartitionedCall:0"), f"output y {y}")
    xs = [[1.0], [2.0], [-3.5], [0.0], [1e6]]
    resp = predict(serval, path, {"instances": xs})
    want = [[0.5 * v[0] + 2.0] for v in xs]
    check(np.allclose(resp["predictions"], want, rtol=1e-6), f"half_plus_two predictions {resp} != {want}")
    resp = predict(serval, path, {"inputs": {"x": [[4.0]]}})
    check(np.allclose(resp["outputs"], [[4.0]]), f"half_plus_two columnar {resp}")


def test_mlp(serval, models):
    path = models + "/mlp"
    info = inspect(serval, path)
    check_common(info, "mlp", {
        "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE": ("DT_FLOAT", [4, 8]),
        "layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE": ("DT_FLOAT", [8]),
        "layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE": ("DT_FLOAT", [8, 3]),
        "layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE": ("DT_FLOAT", [3]),
    })
    sig = info["signatures"][0]
    x = tensor(sig, "inputs", "dense_input")
    y = tensor(sig, "outputs", "dense_1")
    check((x["dtype"], x["shape"]) == ("DT_FLOAT", [-1, 4]), f"input dense_input {x}")
    check((y["dtype"], y["shape"]) == ("DT_FLOAT", [-1, 3]), f"output dense_1 {y}")
    ops = {o["op"] for o in info["ops"]}
    for op in ("MatMul", "BiasAdd", "Relu", "Softmax"):
        check(op in ops, f"mlp: op {op} missing")

    rng = np.random.default_rng(7)
    xs = rng.uniform(-2, 2, size=(5, 4)).astype(np.float32)
    h = np.maximum(xs @ kernel(0, 4, 8) + bias(0, 8), 0)
    logits = h @ kernel(1, 8, 3) + bias(1, 3)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    want = e / e.sum(axis=1, keepdims=True)
    resp = predict(serval, path, {"instances": xs.tolist()})
    got = np.array(resp["predictions"], dtype=np.float64)
    check(got.shape == (5, 3), f"mlp output shape {got.shape}")
    check(np.allclose(got, want, rtol=1e-5, atol=1e-6), f"mlp predictions {got} != {want}")
    check(np.allclose(got.sum(axis=1), 1.0, atol=1e-5), "mlp softmax rows sum to 1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serval", required=True)
    ap.add_argument("--models", required=True)
    args = ap.parse_args()
    test_half_plus_two(args.serval, args.models)
    test_mlp(args.serval, args.models)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("generated models OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
