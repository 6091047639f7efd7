#!/usr/bin/env python3
"""Soak test: N minutes of mixed REST + gRPC traffic over several models while version folders are
added and removed every few seconds, against the real server binary.

Models (symlinked, never copied, from $SERVAL_FIXTURES/savedmodels into a temp folder):
  keras_mlp_stock, tfs_half_plus_two_cpu (both churned: a new version folder appears every
  --churn-seconds, the lowest is deleted, and every third step the highest, serving, version is
  deleted so the server falls back to the one below), keras_lstm_stock and tfjs_model_multi_output
  (static). Each request is a golden case of $SERVAL_FIXTURES/golden and its answer is compared
  with the golden outputs, so a wrong answer counts as a failure, not only an HTTP error.

Every --sample-seconds the server's resident memory, open file descriptors and threads are read
from /proc and printed with the request counts (the curve). Fails when any request that should
have succeeded failed, or when after warm-up (the first quarter of the run) memory, fds or threads
grow: the mean RSS of the last quarter may exceed the mean of the second quarter by at most
max(10 %, 16 MB), the maximum fds and threads of the last quarter may exceed those of the second
quarter by at most 8.

  tests/soak/soak.py --server build/bin/tensorflow_model_server --proto-dir src/serval/proto [--minutes 10]
"""
import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import server_harness as sh  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--server", required=True)
ap.add_argument("--fixtures", default=None)
ap.add_argument("--proto-dir", default=None, help="Serval's .proto folder; without it no gRPC traffic")
ap.add_argument("--minutes", type=float, default=10.0)
ap.add_argument("--seconds", type=float, default=None, help="overrides --minutes")
ap.add_argument("--rest-clients", type=int, default=2)
ap.add_argument("--grpc-clients", type=int, default=2)
ap.add_argument("--churn-seconds", type=float, default=3.0)
ap.add_argument("--sample-seconds", type=float, default=5.0)
ap.add_argument("--json-out", default=None, help="write the samples here")
ap.add_argument("--keep", action="store_true")
args = ap.parse_args()
duration = args.seconds if args.seconds is not None else args.minutes * 60

FIX = sh.fixtures_dir(args.fixtures)
if FIX is None:
    print("SKIPPED: fixture folder is absent; set SERVAL_FIXTURES to run the soak test")
    sys.exit(0)
MODELS = os.path.join(FIX, "savedmodels")
GOLDEN = os.path.join(FIX, "golden")

# name -> (version folder to link, churned?)
SPECS = {
    "keras_mlp_stock": (os.path.join(MODELS, "keras_mlp_stock", "1"), True),
    "tfs_half_plus_two_cpu": (os.path.join(MODELS, "tfs_half_plus_two_cpu", "00000123"), True),
    "keras_lstm_stock": (os.path.join(MODELS, "keras_lstm_stock"), False),
    "tfjs_model_multi_output": (os.path.join(MODELS, "tfjs_model_multi_output"), False),
}
SPECS = {k: v for k, v in SPECS.items() if os.path.isdir(v[0])}
if not SPECS:
    print("SKIPPED: none of the soak fixtures is present")
    sys.exit(0)


def load_case(model):
    """The first predict golden case of a model: (signature, inputs, outputs, atol, rtol)."""
    d = os.path.join(GOLDEN, model)
    for fn in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        with open(os.path.join(d, fn)) as f:
            g = json.load(f)
        ins = g.get("inputs", {})
        if not ins or any(v.get("encoding") for v in ins.values()) or "outputs" not in g:
            continue
        if any(v["dtype"] != "DT_FLOAT" for v in list(ins.values()) + list(g["outputs"].values())):
            continue
        return g["signature"], ins, g["outputs"], g.get("atol", 1e-5) or 1e-5, g.get("rtol", 1e-4) or 1e-4
    return None


CASES = {m: load_case(m) for m in SPECS}
CASES = {m: c for m, c in CASES.items() if c}
if not CASES:
    print("SKIPPED: no float golden case for the soak models")
    sys.exit(0)


def flat(v):
    if isinstance(v, list):
        out = []
        for x in v:
            out.extend(flat(x))
        return out
    return [v]


def close_enough(got, want, atol, rtol):
    g, w = flat(got), flat(want)
    return len(g) == len(w) and all(isinstance(a, (int, float)) and abs(a - b) <= atol + rtol * abs(b)
                                    for a, b in zip(g, w))


tmp = tempfile.mkdtemp(prefix="serval_soak_")
bases = {}
for m, (src, _) in SPECS.items():
    bases[m] = os.path.join(tmp, m)
    os.makedirs(bases[m])
    os.symlink(src, os.path.join(bases[m], "1"))
config_path = os.path.join(tmp, "models.config")
with open(config_path, "w") as f:
    f.write("model_config_list {\n" + "".join(
        f"  config {{ name: '{m}' base_path: '{b}' model_platform: 'tensorflow' }}\n" for m, b in bases.items()) + "}\n")

use_grpc = args.proto_dir is not None and args.grpc_clients > 0
srv = sh.Server(args.server, tmp, [f"--model_config_file={config_path}", "--file_system_poll_wait_seconds=1",
                                   "--rest_api_timeout_in_ms=60000"], grpc=use_grpc)
R = sh.Results()


def finish(code_extra=0):
    alive = srv.alive()
    R.check("server still alive at the end", alive, f"exit code {srv.proc.returncode}")
    rc = srv.stop(30)
    if alive:
        R.check("SIGTERM: exit 0", rc == 0, f"exit code {rc}")
    if R.failed:
        print("---- server log (tail) ----\n" + srv.log_tail(60))
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(R.summary() or code_extra)


if not R.check("server becomes ready", srv.wait_ready(180), srv.log_tail()):
    finish()

pb = None
if use_grpc:
    try:
        import grpc
        pb = sh.grpc_modules(args.proto_dir, tmp)
    except Exception as e:  # noqa: BLE001
        R.check("gRPC client available (python3-grpcio, protoc)", False, str(e))
        finish()

stop = threading.Event()
lock = threading.Lock()
counts = {"rest_ok": 0, "grpc_ok": 0, "failed": 0}
failures = []


def record(kind, ok, detail=""):
    with lock:
        if ok:
            counts[kind + "_ok"] += 1
        else:
            counts["failed"] += 1
            if len(failures) < 20:
                failures.append(f"{time.strftime('%H:%M:%S')} {kind}: {detail}")


def rest_client(seed):
    rnd = random.Random(seed)
    client = sh.Http(srv.rest_port)
    models = sorted(CASES)
    while not stop.is_set():
        m = rnd.choice(models)
        sig, ins, outs, atol, rtol = CASES[m]
        body = {"signature_name": sig, "inputs": {k: v["data"] for k, v in ins.items()}}
        try:
            st, resp = client.post(f"/v1/models/{m}:predict", body, timeout=60)
        except OSError as e:
            record("rest", False, f"{m}: {e}")
            continue
        if st != 200 or not isinstance(resp, dict) or "outputs" not in resp:
            record("rest", False, f"{m}: HTTP {st} {str(resp)[:200]}")
            continue
        out = resp["outputs"]
        names = list(outs)
        got = out if isinstance(out, dict) else {names[0]: out}
        ok = all(n in got and close_enough(got[n], outs[n]["data"], atol, rtol) for n in names)
        record("rest", ok, f"{m}: wrong answer {str(out)[:200]}")


def grpc_client(seed):
    rnd = random.Random(seed)
    channel = grpc.insecure_channel(f"127.0.0.1:{srv.grpc_port}")
    fn = channel.unary_unary("/tensorflow.serving.PredictionService/Predict",
                             request_serializer=lambda m: m.SerializeToString(),
                             response_deserializer=pb["predict_pb2"].PredictResponse.FromString)
    models = sorted(CASES)
    while not stop.is_set():
        m = rnd.choice(models)
        sig, ins, outs, atol, rtol = CASES[m]
        req = pb["predict_pb2"].PredictRequest()
        req.model_spec.name = m
        req.model_spec.signature_name = sig
        for k, v in ins.items():
            t = req.inputs[k]
            t.dtype = pb["types_pb2"].DataType.Value("DT_FLOAT")
            for d in v["shape"]:
                t.tensor_shape.dim.add().size = d
            t.float_val.extend(flat(v["data"]))
        try:
            resp = fn(req, timeout=60)
        except grpc.RpcError as e:
            record("grpc", False, f"{m}: {e.code()} {e.details()[:200]}")
            continue
        ok = all(n in resp.outputs and close_enough(list(resp.outputs[n].float_val), outs[n]["data"], atol, rtol)
                 for n in outs)
        record("grpc", ok, f"{m}: wrong answer")
    channel.close()


churn_log = {"steps": 0, "errors": []}


def churner():
    """Per churned model: add version N+1; delete the lowest when 3 are on disk; every third step
    delete the highest (the serving one) instead, so the server falls back to the one below."""
    next_v = {m: 2 for m, (_, churn) in SPECS.items() if churn}
    step = 0
    while not stop.wait(args.churn_seconds):
        step += 1
        for m in next_v:
            base = bases[m]
            try:
                on_disk = sorted(int(d) for d in os.listdir(base) if d.isdigit())
                if step % 3 == 0 and len(on_disk) > 1:
                    os.unlink(os.path.join(base, str(on_disk[-1])))
                else:
                    os.symlink(SPECS[m][0], os.path.join(base, str(next_v[m])))
                    next_v[m] += 1
                    if len(on_disk) + 1 > 2:
                        os.unlink(os.path.join(base, str(on_disk[0])))
            except OSError as e:
                churn_log["errors"].append(str(e))
        churn_log["steps"] = step


samples = []  # (t, rss_kb, fds, threads, rest_ok, grpc_ok, failed)


def sample(t0):
    st = srv.proc_stats()
    if st is None:
        return None
    with lock:
        s = (time.time() - t0, st[0], st[1], st[2], counts["rest_ok"], counts["grpc_ok"], counts["failed"])
    samples.append(s)
    print(f"  t={s[0]:6.0f}s rss={s[1] / 1024:7.1f} MB fds={s[2]:4d} threads={s[3]:3d} "
          f"rest_ok={s[4]:7d} grpc_ok={s[5]:7d} failed={s[6]}", flush=True)
    return s


threads = [threading.Thread(target=rest_client, args=(i,), daemon=True) for i in range(args.rest_clients)]
if use_grpc:
    threads += [threading.Thread(target=grpc_client, args=(100 + i,), daemon=True) for i in range(args.grpc_clients)]
threads.append(threading.Thread(target=churner, daemon=True))
print(f"soak: {duration:.0f}s, models {sorted(CASES)}, {args.rest_clients} REST + "
      f"{args.grpc_clients if use_grpc else 0} gRPC clients, churn every {args.churn_seconds}s", flush=True)
t0 = time.time()
for t in threads:
    t.start()
while time.time() - t0 < duration and srv.alive():
    sample(t0)
    time.sleep(min(args.sample_seconds, max(0.0, duration - (time.time() - t0))))
sample(t0)
stop.set()
for t in threads:
    t.join(timeout=120)

if args.json_out:
    with open(args.json_out, "w") as f:
        json.dump({"columns": ["t_s", "rss_kb", "fds", "threads", "rest_ok", "grpc_ok", "failed"],
                   "samples": samples, "churn_steps": churn_log["steps"]}, f)

total_ok = counts["rest_ok"] + counts["grpc_ok"]
R.check(f"churn: {churn_log['steps']} steps of version adds/removes, no file errors",
        churn_log["steps"] >= 2 and not churn_log["errors"], str(churn_log["errors"][:3]))
R.check(f"zero failed requests ({counts['rest_ok']} REST + {counts['grpc_ok']} gRPC ok)",
        counts["failed"] == 0 and total_ok > 0, f"{counts['failed']} failed: {failures[:5]}")
R.check("every client kind got answers", counts["rest_ok"] > 0 and (counts["grpc_ok"] > 0 or not use_grpc),
        str(counts))

n = len(samples)
if n >= 8:
    q = n // 4
    warm, last = samples[q:2 * q], samples[n - q:]
    rss_warm = statistics.mean(s[1] for s in warm)
    rss_last = statistics.mean(s[1] for s in last)
    allowed = max(0.10 * rss_warm, 16 * 1024)
    R.check(f"RSS flat after warm-up: mean {rss_warm / 1024:.1f} MB (2nd quarter) -> {rss_last / 1024:.1f} MB "
            f"(last quarter), allowed +{allowed / 1024:.1f} MB", rss_last - rss_warm <= allowed,
            f"grew {(rss_last - rss_warm) / 1024:.1f} MB")
    fd_warm, fd_last = max(s[2] for s in warm), max(s[2] for s in last)
    R.check(f"fds flat: max {fd_warm} (2nd quarter) -> {fd_last} (last quarter)", fd_last <= fd_warm + 8,
            f"grew by {fd_last - fd_warm}")
    th_warm, th_last = max(s[3] for s in warm), max(s[3] for s in last)
    R.check(f"threads flat: max {th_warm} (2nd quarter) -> {th_last} (last quarter)", th_last <= th_warm + 8,
            f"grew by {th_last - th_warm}")
else:
    R.note(f"only {n} samples: growth checks need 8 (run longer or sample more often)")
finish()
