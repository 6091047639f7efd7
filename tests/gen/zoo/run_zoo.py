#!/usr/bin/python3
"""Runs one Keras layer zoo case (tools/serval_zoo) against its committed goldens.

For the case: `serval_zoo` writes its Keras 2 and Keras 3 SavedModels, `serval ops` must report no
missing kernel except those the case declares in `needs`, and `serval check` runs the goldens
(tests/gen/zoo/goldens/<case>.b<batch>.json, computed by golden.js with TensorFlow.js) on
  * Keras 2: signature serving_default with the Keras 2 keys, as committed;
  * Keras 3: signatures serving_default and serve, keys mapped to keras_tensor[_N] / output_N, and
    the golden's `keras3_outputs` instead of `outputs` where it has them (a layer Keras 3 defines
    differently, e.g. hard_sigmoid).
A case whose declared kernels are still missing prints "SKIPPED: ..." (CTest's skip regex) and
exits 0; anything else that fails (including wrong values from a declared kernel that now exists)
exits 1.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def missing_ops(serval, model):
    rc, out = run([serval, "ops", model])
    missing = [line.split()[1] for line in out.splitlines() if line.strip().startswith("MISSING")]
    # An op without even an OpDef stops `serval ops` at the first such node.
    missing += re.findall(r"uses op '([A-Za-z0-9_]+)', which Serval does not know", out)
    return rc, missing, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serval", required=True)
    ap.add_argument("--zoo_gen", required=True)
    ap.add_argument("--out", required=True, help="scratch folder for the generated models")
    ap.add_argument("--goldens", required=True)
    ap.add_argument("--case", required=True)
    args = ap.parse_args()
    name = args.case
    os.makedirs(args.out, exist_ok=True)
    rc, out = run([args.zoo_gen, args.out, "--case", name])
    if rc != 0:
        print(f"FAIL {name}: serval_zoo failed:\n{out}")
        return 1
    cases = json.load(open(os.path.join(args.out, name + ".json")))
    if len(cases) != 1:
        print(f"FAIL {name}: serval_zoo has no case '{name}'")
        return 1
    case = cases[0]
    goldens = sorted(glob.glob(os.path.join(args.goldens, name + ".b*.json")))
    if len(goldens) != len(case["batches"]):
        print(f"FAIL {name}: {len(goldens)} golden files for batches {case['batches']}: run tests/gen/zoo/golden.js")
        return 1
    needs = case["needs"]
    need_ops = {n.split()[0] for n in needs}
    failures = 0
    skipped = []
    for flavor in ("keras2", "keras3"):
        model = os.path.join(args.out, flavor, name)
        rc, missing, report = missing_ops(args.serval, model)
        undeclared = [m for m in missing if m not in need_ops]
        if undeclared:
            print(f"FAIL {name} ({flavor}): no kernel for {undeclared} (not declared in the case's needs)\n{report}")
            failures += 1
            continue
        files = goldens
        if flavor == "keras2" and any("keras3_outputs" in json.load(open(g)) for g in goldens):
            # A golden with Keras 3 outputs of its own (the layer differs between Keras versions):
            # the Keras 2 model gets the golden without them.
            files = []
            for g in goldens:
                doc = json.load(open(g))
                doc.pop("keras3_outputs", None)
                path = os.path.join(args.out, flavor, os.path.basename(g))
                json.dump(doc, open(path, "w"))
                files.append(path)
        if flavor == "keras3":
            files = []
            for g in goldens:
                doc = json.load(open(g))
                doc["inputs"] = {i["keras3_key"]: doc["inputs"][i["key"]] for i in case["inputs"]}
                expected = doc.pop("keras3_outputs", doc["outputs"])
                doc["outputs"] = {o["keras3_key"]: expected[o["key"]] for o in case["outputs"]}
                for sig in ("serving_default", "serve"):
                    doc["signature"] = sig
                    path = os.path.join(args.out, flavor, f"{os.path.basename(g)[:-5]}.{sig}.json")
                    json.dump(doc, open(path, "w"))
                    files.append(path)
        rc, out = run([args.serval, "check", model] + files)
        print(f"--- {name} ({flavor})\n{out.rstrip()}")
        if rc == 0:
            continue
        # Skip only while a declared kernel is really absent: a declared op still missing, or (for a
        # declared kernel variant such as "Conv2D (grouped)") the run failing with an error rather
        # than a value mismatch. Wrong values always fail.
        value_mismatch = "max_abs_err=" in out and re.search(r"^FAIL .*max_abs_err=", out, re.M)
        qualified = [n for n in needs if " " in n]
        if set(missing) & need_ops or (qualified and not value_mismatch):
            skipped.append(f"{flavor}: missing {missing or qualified}")
            continue
        failures += 1
    if failures:
        print(f"{name}: {failures} failure(s)")
        return 1
    if skipped:
        print(f"SKIPPED: {name} ({case['layer']}) needs kernel {', '.join(needs)} [{'; '.join(skipped)}]")
        return 0
    if needs:
        print(f"NOTE {name}: passes although the case declares needs {needs}: drop `needs` in tools/serval_zoo")
    print(f"{name}: OK (Keras 2 and Keras 3 structure, batches {case['batches']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
