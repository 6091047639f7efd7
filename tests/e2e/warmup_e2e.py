#!/usr/bin/env python3
"""End-to-end warmup test: `serval warmup` writes the file, the real server replays it.

Works on COPIES of Serval's generated example model (build/models/mlp/1, dense_input [-1,4]) in a
temp dir, so it needs no fixtures:
  - `serval warmup <copy> a.json b.json` writes assets.extra/tf_serving_warmup_requests; the file
    is checked here independently (TFRecord framing, masked CRC32C computed in Python, each
    record a PredictionLog whose predict_log field (6) is set);
  - the server (--num_request_iterations_for_warmup=3, --synthetic_warmup) replays it: the log line
    names 2 records, 6 runs and a time, and the version is AVAILABLE and answers :predict;
  - a copy whose file has one flipped data byte, one truncated, and one with 1001 records each end
    in state END with a message naming the file, the record and the error, while the good model
    keeps serving;
  - a copy without a file gets the synthetic warmup (log line) and is AVAILABLE.
Prints one line per check and "N passed, M failed"; exits 1 on any failure.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--server", required=True)
ap.add_argument("--serval", required=True)
ap.add_argument("--model", required=True, help="the example mlp export dir (build/models/mlp/1)")
ap.add_argument("--keep", action="store_true")
args = ap.parse_args()

results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ""), flush=True)
    return ok


# CRC32C (Castagnoli), bitwise, as an independent check of the C++ writer.
_TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    _TABLE.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked(c):
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def read_tfrecords(data):
    """[(offset of data, bytes)]; raises ValueError on any framing or CRC problem."""
    out, pos = [], 0
    while pos < len(data):
        if len(data) - pos < 12:
            raise ValueError("truncated header")
        (length,) = struct.unpack_from("<Q", data, pos)
        (len_crc,) = struct.unpack_from("<I", data, pos + 8)
        if masked(crc32c(data[pos:pos + 8])) != len_crc:
            raise ValueError("length crc")
        start = pos + 12
        if start + length + 4 > len(data):
            raise ValueError("truncated data")
        rec = data[start:start + length]
        (data_crc,) = struct.unpack_from("<I", data, start + length)
        if masked(crc32c(rec)) != data_crc:
            raise ValueError("data crc")
        out.append((start, rec))
        pos = start + length + 4
    return out


tmp = tempfile.mkdtemp(prefix="serval_warmup_e2e_")
models = {}
for name in ("mlp", "flipped", "truncated", "many", "synth"):
    models[name] = os.path.join(tmp, name)
    shutil.copytree(args.model, os.path.join(models[name], "1"))  # a copy: build/models stays untouched
warmup_rel = os.path.join("assets.extra", "tf_serving_warmup_requests")

# --- the writer ------------------------------------------------------------------------------
bodies = {
    "a.json": {"instances": [[1.0, 2.0, 3.0, 4.0], [0.5, 0.5, 0.5, 0.5]]},
    "b.json": {"signature_name": "serving_default", "inputs": {"dense_input": [[-1.0, 0.0, 1.0, 2.0]]}},
}
for fname, body in bodies.items():
    with open(os.path.join(tmp, fname), "w") as f:
        json.dump(body, f)
p = subprocess.run([args.serval, "warmup", os.path.join(models["mlp"], "1"),
                    os.path.join(tmp, "a.json"), os.path.join(tmp, "b.json")],
                   capture_output=True, text=True, timeout=120)
warm_path = os.path.join(models["mlp"], "1", warmup_rel)
check("serval warmup writes 2 records", p.returncode == 0 and "wrote 2 warmup records" in p.stdout
      and os.path.isfile(warm_path), f"rc {p.returncode} out {p.stdout!r} err {p.stderr!r}")
good = open(warm_path, "rb").read() if os.path.isfile(warm_path) else b""
try:
    recs = read_tfrecords(good)
    # PredictionLog.predict_log is field 6, length-delimited: tag byte 0x32.
    check("file is 2 CRC-valid TFRecords of predict_log PredictionLogs",
          len(recs) == 2 and all(r[:1] == b"\x32" for _, r in recs), f"{len(recs)} records")
except ValueError as e:
    recs = []
    check("file is 2 CRC-valid TFRecords of predict_log PredictionLogs", False, str(e))

p = subprocess.run([args.serval, "warmup", os.path.join(models["synth"], "1"), os.path.join(tmp, "bad.json")],
                   capture_output=True, text=True, timeout=120)
check("serval warmup refuses a missing request file and writes nothing",
      p.returncode == 1 and not os.path.exists(os.path.join(models["synth"], "1", warmup_rel)), p.stderr)
with open(os.path.join(tmp, "wrong.json"), "w") as f:
    json.dump({"inputs": {"dense_input": [[1.0, 2.0]]}}, f)
p = subprocess.run([args.serval, "warmup", os.path.join(models["synth"], "1"), os.path.join(tmp, "wrong.json")],
                   capture_output=True, text=True, timeout=120)
check("serval warmup replays before writing: a request the model rejects writes nothing",
      p.returncode == 1 and "record 0" in p.stderr
      and not os.path.exists(os.path.join(models["synth"], "1", warmup_rel)), p.stderr)

# --- corrupt copies --------------------------------------------------------------------------
def put(name, data):
    os.makedirs(os.path.join(models[name], "1", "assets.extra"), exist_ok=True)
    with open(os.path.join(models[name], "1", warmup_rel), "wb") as f:
        f.write(data)


if len(recs) == 2:
    flipped = bytearray(good)
    flipped[recs[1][0] + 3] ^= 0x10  # a data byte of record 1
    put("flipped", bytes(flipped))
    put("truncated", good[:-2])
    first = good[:recs[1][0] - 12]  # record 0 with its framing
    put("many", first * 1001)

# --- the server ------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


config = os.path.join(tmp, "models.config")
with open(config, "w") as f:
    f.write("model_config_list {\n" + "".join(
        f'  config {{ name: "{n}" base_path: "{path}" model_platform: "tensorflow" }}\n'
        for n, path in models.items()) + "}\n")
rest_port = free_port()
log_path = os.path.join(tmp, "server.log")
log = open(log_path, "wb")
proc = subprocess.Popen([args.server, "--port=0", f"--rest_api_port={rest_port}", f"--model_config_file={config}",
                         "--max_num_load_retries=0", "--num_request_iterations_for_warmup=3",
                         "--synthetic_warmup"], stdout=log, stderr=subprocess.STDOUT)


def get(path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", rest_port, timeout=30)
    try:
        conn.request("POST" if body is not None else "GET", path, body=json.dumps(body) if body is not None else None)
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")
    finally:
        conn.close()


def status_of(name):
    code, body = get(f"/v1/models/{name}")
    if code != 200:
        return None, ""
    v = body.get("model_version_status", [{}])[0]
    return v.get("state"), v.get("status", {}).get("error_message", "")


up = False
end = time.time() + 120
while time.time() < end and proc.poll() is None:
    try:
        if get("/v2/health/live")[0] == 200:
            up = True
            break
    except OSError:
        pass
    time.sleep(0.2)
check("server starts", up)
server_log = open(log_path, errors="replace").read()

if up:
    state, err = status_of("mlp")
    check("warmed model is AVAILABLE", state == "AVAILABLE", f"{state} {err}")
    m = re.search(r"model 'mlp' version 1: warmup replayed (\d+) records \((\d+) runs, 3 iterations each\) from "
                  + re.escape(warm_path) + r" in ([0-9.e+-]+) ms", server_log)
    check("log line: 2 records, 6 runs, time", m is not None and m.group(1) == "2" and m.group(2) == "6"
          and float(m.group(3)) > 0, server_log[-2000:])
    code, body = get("/v1/models/mlp:predict", {"instances": [[1.0, 2.0, 3.0, 4.0]]})
    preds = body.get("predictions", [[]])
    check("warmed model serves :predict", code == 200 and len(preds[0]) == 3
          and abs(sum(preds[0]) - 1.0) < 1e-4, f"{code} {body}")
    for name, want in (("flipped", r"record 1 \(at byte \d+\): data crc mismatch"),
                       ("truncated", r"record 1 \(at byte \d+\): truncated"),
                       ("many", r"Number of warmup records exceeds the maximum \(1000\) at ")):
        state, err = status_of(name)
        path = os.path.join(models[name], "1", warmup_rel)
        check(f"{name} warmup file fails that version's load with a clear message",
              state == "END" and f"model '{name}' version 1: warmup" in err and path in err
              and re.search(want, err) is not None, f"{state} {err!r}")
    state, err = status_of("synth")
    check("model without a file gets the synthetic warmup and is AVAILABLE",
          state == "AVAILABLE" and "model 'synth' version 1: synthetic warmup ran 1 of 1 signatures in " in server_log,
          f"{state} {err}")
    check("server still serves after the failed loads", get("/v1/models/mlp:predict",
                                                           {"instances": [[0.0, 0.0, 0.0, 0.0]]})[0] == 200)
    proc.send_signal(signal.SIGTERM)
    try:
        check("SIGTERM exits 0", proc.wait(timeout=30) == 0)
    except subprocess.TimeoutExpired:
        check("SIGTERM exits 0", False, "timeout")

if proc.poll() is None:
    proc.kill()
    proc.wait()
log.close()
if results["failed"]:
    print("---- server log ----\n" + open(log_path, errors="replace").read()[-4000:])
if args.keep:
    print(f"kept {tmp}")
else:
    shutil.rmtree(tmp, ignore_errors=True)
print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
