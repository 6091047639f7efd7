#!/usr/bin/python3
"""Every case `serval_zoo --list` knows has committed goldens, and every golden belongs to a case."""
import argparse
import glob
import os
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--zoo_gen", required=True)
ap.add_argument("--goldens", required=True)
args = ap.parse_args()
cases = subprocess.run([args.zoo_gen, "--list"], capture_output=True, text=True, check=True).stdout.split()
have = {os.path.basename(p).split(".b")[0] for p in glob.glob(os.path.join(args.goldens, "*.b*.json"))}
no_golden = sorted(set(cases) - have)
stale = sorted(have - set(cases))
for c in no_golden:
    print(f"FAIL case {c}: no goldens; run tests/gen/zoo/golden.js (see its header)")
for c in stale:
    print(f"FAIL goldens/{c}.b*.json: no such case in serval_zoo")
if not cases:
    print("FAIL serval_zoo lists no case")
    sys.exit(1)
print(f"{len(cases) - len(no_golden)} passed, {len(no_golden) + len(stale)} failed")
sys.exit(1 if no_golden or stale else 0)
