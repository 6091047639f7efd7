#!/usr/bin/python3
"""Writes the layer table of docs/keras-layers.md from the zoo: for each case, the Keras layer(s),
what the case exercises, the op types its Keras 2 and Keras 3 exports reach (`serval_zoo --ops`, minus
the plumbing every model has) and its status (declared missing kernels, else whether
run_zoo.py passes).

  /usr/bin/python3 tests/gen/zoo/layer_table.py --serval build/bin/serval --zoo_gen build/bin/serval_zoo \
      --goldens tests/gen/zoo/goldens --out build/zoo_table > table.md
"""
import argparse
import json
import os
import subprocess

PLUMBING = {"Const", "Identity", "NoOp", "ReadVariableOp", "Placeholder", "StatefulPartitionedCall"}


def reached_ops(zoo_gen):
    out = subprocess.run([zoo_gen, "--ops"], capture_output=True, text=True, check=True).stdout
    table = {}
    for line in out.splitlines():
        name, flavor, *ops = line.split()
        table[(name, flavor)] = [o for o in ops if o not in PLUMBING]
    return table


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serval", required=True)
    ap.add_argument("--zoo_gen", required=True)
    ap.add_argument("--goldens", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    subprocess.run([args.zoo_gen, args.out], check=True)
    cases = json.load(open(os.path.join(args.out, "cases.json")))
    table = reached_ops(args.zoo_gen)
    here = os.path.dirname(os.path.abspath(__file__))
    print("| layer | case | what the case exercises | ops (Keras 2) | ops only in Keras 3 | status |")
    print("|---|---|---|---|---|---|")
    for c in cases:
        k2 = table[(c["name"], "keras2")]
        k3 = table[(c["name"], "keras3")]
        only3 = [o for o in k3 if o not in k2]
        r = subprocess.run(["/usr/bin/python3", os.path.join(here, "run_zoo.py"), "--serval", args.serval,
                            "--zoo_gen", args.zoo_gen, "--out", os.path.join(args.out, "run"),
                            "--goldens", args.goldens, "--case", c["name"]], capture_output=True, text=True)
        if r.returncode != 0:
            status = "**fails**"
        elif "SKIPPED:" in r.stdout:
            status = "needs kernel " + ", ".join(c["needs"])
        else:
            status = "passes"
        note = c["note"].replace("|", "\\|")
        print(f"| {c['layer']} | `{c['name']}` | {note} | {', '.join(k2)} | {', '.join(only3) or '-'} | {status} |")


if __name__ == "__main__":
    main()
