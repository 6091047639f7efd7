#!/usr/bin/env python3
"""Fault tests against the real server binary (tensorflow_model_server = `serval serve`).

One server (REST + gRPC) serves copies of fixtures from a temp folder (fixtures are copied, never
edited, because these tests truncate and chmod files), while this script breaks things under it:
  - copy in progress: a version folder appears with half a saved_model.pb, then with the data
    shard half written, then complete -> it loads once complete; meanwhile the old version serves
    every request (client threads run throughout and must see zero failures);
  - a version whose data shard is truncated -> END with an error naming the file, old version serves;
  - a version folder deleted right after it appears (during its load) -> no crash, old one serves;
  - a model's base path that becomes unreadable (chmod 000) -> loaded versions keep serving; a new
    version folder that is unreadable -> END with the error, old version serves. When this runs as
    root, chmod does not block reads, so the server runs as `nobody` (setpriv); if that is not
    possible the two checks are skipped with the reason;
  - config files with errors (invalid model name, duplicate model, bad policy, the file deleted)
    -> the previous config stays in force and the error is in the log;
  - clients that disconnect mid-body, right after sending a slow request, or send the header or
    body slowly (slowloris, 40 connections) -> the server keeps answering others and closes the
    slow connections after --rest_api_timeout_in_ms;
  - a request that exceeds --rest_api_timeout_in_ms (504, "timed out") and a gRPC call whose
    deadline passes (DEADLINE_EXCEEDED at the client) -> the server keeps serving.
Prints one line per check, "N passed, M failed"; exit 1 on any failure; skips (exit 0) when the
fixture folder is absent.
"""
import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import server_harness as sh  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--server", required=True)
ap.add_argument("--fixtures", default=None)
ap.add_argument("--proto-dir", default=None, help="Serval's .proto folder (gRPC deadline check)")
ap.add_argument("--keep", action="store_true")
args = ap.parse_args()

FIX = sh.fixtures_dir(args.fixtures)
if FIX is None:
    print("SKIPPED: fixture folder is absent; set SERVAL_FIXTURES to run the fault tests")
    sys.exit(0)
MODELS = os.path.join(FIX, "savedmodels")
HP2 = os.path.join(MODELS, "tfs_half_plus_two_cpu", "00000123")   # y = 0.5 x + 2
HP3 = os.path.join(MODELS, "tfs_half_plus_three", "00000123")     # y = 0.5 x + 3
LSTM = os.path.join(MODELS, "keras_lstm_stock")                   # [-1, 60, 1] -> [-1, 1]
for p in (HP2, HP3, LSTM):
    if not os.path.isdir(p):
        print(f"SKIPPED: fixture {p} is absent")
        sys.exit(0)

R = sh.Results()
tmp = tempfile.mkdtemp(prefix="serval_faults_")
os.chmod(tmp, 0o755)

# Who the server runs as: chmod 000 only blocks reads for a non-root process.
run_as = []
as_nobody_why = ""
if os.geteuid() == 0:
    setpriv = shutil.which("setpriv")
    if setpriv:
        run_as = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = subprocess.run(run_as + ["/bin/true"], capture_output=True)
        if probe.returncode != 0:
            run_as, as_nobody_why = [], f"setpriv failed: {probe.stderr.decode()[-200:]}"
    else:
        as_nobody_why = "running as root and setpriv is not installed"
can_chmod = os.geteuid() != 0 or bool(run_as)
if run_as:
    R.note("running as root: the server runs as nobody (setpriv) so that chmod 000 blocks its reads")


def copy_version(src, dst):
    shutil.copytree(src, dst)
    for root, dirs, files in os.walk(dst):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)


def mkbase(name, versions):
    base = os.path.join(tmp, name)
    os.makedirs(base)
    os.chmod(base, 0o755)
    for v, src in versions.items():
        copy_version(src, os.path.join(base, str(v)))
    return base


bases = {
    "copying": mkbase("copying", {1: HP2}),
    "trunc": mkbase("trunc", {1: HP2}),
    "locked": mkbase("locked", {1: HP2}),
    "slow": mkbase("slow", {1: LSTM}),
}
config_path = os.path.join(tmp, "models.config")


def config_text(models):
    body = "".join(f"  config {{ name: '{n}' base_path: '{b}' model_platform: 'tensorflow' }}\n"
                   for n, b in models.items())
    return "model_config_list {\n" + body + "}\n"


def write_config(text):
    t = config_path + ".tmp"
    with open(t, "w") as f:
        f.write(text)
    os.chmod(t, 0o644)
    os.replace(t, config_path)


write_config(config_text(bases))

TIMEOUT_MS = 1500
flags = [f"--model_config_file={config_path}", "--model_config_file_poll_wait_seconds=1",
         "--file_system_poll_wait_seconds=1", "--max_num_load_retries=1",
         "--load_retry_interval_micros=60000000",  # only a change of the files may trigger a retry
         f"--rest_api_timeout_in_ms={TIMEOUT_MS}", "--rest_api_num_threads=2"]
grpc_wanted = args.proto_dir is not None
srv = sh.Server(args.server, tmp, flags, grpc=grpc_wanted, prefix=run_as)
api = srv.api


def finish():
    alive = srv.alive()
    R.check("server process is still alive at the end (no crash)", alive, f"exit code {srv.proc.returncode}")
    rc = srv.stop(60)  # abandoned model runs are not interrupted: in-flight work finishes first
    if alive:
        R.check("SIGTERM after all faults: exit 0", rc == 0, f"exit code {rc}")
    if R.failed:
        print("---- server log (tail) ----\n" + srv.log_tail(80))
    for root, dirs, files in os.walk(tmp):  # undo chmod 000 so the folder can be removed
        for d in dirs:
            try:
                os.chmod(os.path.join(root, d), 0o755)
            except OSError:
                pass
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(R.summary())


if not R.check("server becomes ready", srv.wait_ready(120), srv.log_tail()):
    finish()


def predict(model, xs, timeout=30):
    """(HTTP status, predictions or error text)."""
    try:
        st, body = api.post(f"/v1/models/{model}:predict", {"instances": [[x] for x in xs]}, timeout=timeout)
    except OSError as e:
        return -1, str(e)
    if st == 200 and isinstance(body, dict):
        return st, [p[0] if isinstance(p, list) else p for p in body.get("predictions", [])]
    return st, body


def answers(model, offset):
    """True when the model answers y = 0.5 x + offset (tells half_plus_two from half_plus_three)."""
    st, got = predict(model, [2.0, 4.0])
    return st == 200 and isinstance(got, list) and len(got) == 2 and \
        all(abs(g - (0.5 * x + offset)) < 1e-5 for g, x in zip(got, [2.0, 4.0]))


class Traffic:
    """Client threads hammering one model; counts failures (any non-200 or wrong answer)."""

    def __init__(self, model, offsets, threads=2):
        self.model, self.offsets = model, offsets
        self.ok = 0
        self.failed = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def run(self):
        client = sh.Http(srv.rest_port)
        while not self.stop.is_set():
            try:
                st, body = client.post(f"/v1/models/{self.model}:predict", {"instances": [[2.0]]}, timeout=30)
                y = body["predictions"][0][0] if st == 200 else None
                good = y is not None and any(abs(y - (1.0 + o)) < 1e-5 for o in self.offsets)
            except (OSError, KeyError, IndexError, TypeError) as e:
                st, body, good = -1, str(e), False
            if good:
                self.ok += 1
            elif len(self.failed) < 100:
                self.failed.append(f"HTTP {st} {str(body)[:200]}")
            time.sleep(0.005)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()
        return self.ok, self.failed


def state(model, v):
    return srv.version_states(model).get(str(v))


def version_error(model, v):
    try:
        st, body = api.get(f"/v1/models/{model}", timeout=10)
        for e in body.get("model_version_status", []):
            if str(e.get("version")) == str(v):
                return e.get("status", {}).get("error_message", "")
    except (OSError, AttributeError):
        pass
    return ""


POLL = 1.0  # --file_system_poll_wait_seconds


def settle(polls=2.5):
    time.sleep(sh.scaled(POLL * polls))


# ---------------------------------------------------------------------------------------------
# 1. A version folder that appears before its files are completely written.
traffic = Traffic("copying", offsets=[2.0, 3.0])
v2 = os.path.join(bases["copying"], "2")
os.makedirs(os.path.join(v2, "variables"))
with open(os.path.join(HP3, "saved_model.pb"), "rb") as f:
    pb_bytes = f.read()
with open(os.path.join(v2, "saved_model.pb"), "wb") as f:
    f.write(pb_bytes[: len(pb_bytes) // 3])  # a third of the graph so far
settle()
R.check("copy in progress (saved_model.pb a third written): old version 1 still serves half_plus_two",
        answers("copying", 2.0) and state("copying", 1) == "AVAILABLE", str(srv.version_states("copying")))
R.check("copy in progress: version 2 is not AVAILABLE and its error names saved_model.pb",
        state("copying", 2) != "AVAILABLE" and "saved_model.pb" in version_error("copying", 2),
        f"{srv.version_states('copying')} error {version_error('copying', 2)!r}")
# The graph is complete, the index too, but the data shard only half written (a copy that
# writes variables.data last).
with open(os.path.join(v2, "saved_model.pb"), "wb") as f:
    f.write(pb_bytes)
shutil.copy(os.path.join(HP3, "variables", "variables.index"), os.path.join(v2, "variables"))
data_name = os.path.basename(glob.glob(os.path.join(HP3, "variables", "variables.data-*"))[0])
with open(os.path.join(HP3, "variables", data_name), "rb") as f:
    data_bytes = f.read()
with open(os.path.join(v2, "variables", data_name), "wb") as f:
    f.write(data_bytes[: len(data_bytes) // 2])
settle()
R.check("copy in progress (data shard half written): old version 1 still serves",
        answers("copying", 2.0) and state("copying", 1) == "AVAILABLE", str(srv.version_states("copying")))
R.check("copy in progress: version 2 still not AVAILABLE, its error names the data file",
        state("copying", 2) != "AVAILABLE" and "variables.data" in version_error("copying", 2),
        f"{srv.version_states('copying')} error {version_error('copying', 2)!r}")
with open(os.path.join(v2, "variables", data_name), "wb") as f:
    f.write(data_bytes)
if os.path.isdir(os.path.join(HP3, "assets")):
    shutil.copytree(os.path.join(HP3, "assets"), os.path.join(v2, "assets"))
for root, dirs, files in os.walk(v2):
    os.chmod(root, 0o755)
    for fn in files:
        os.chmod(os.path.join(root, fn), 0o644)
ok = sh.wait_until(lambda: state("copying", 2) == "AVAILABLE", 10)
R.check("copy complete: version 2 loads (although its load failed twice and the retry interval is 60 s)",
        ok, f"{srv.version_states('copying')} error {version_error('copying', 2)!r}")
sh.wait_until(lambda: state("copying", 1) in ("END", None), 10)
R.check("copy complete: requests now get half_plus_three and version 1 is unloaded",
        answers("copying", 3.0) and state("copying", 1) in ("END", None), str(srv.version_states("copying")))
ok_n, failed = traffic.finish()
R.check(f"copy in progress: zero failed requests during the whole copy ({ok_n} ok)",
        not failed and ok_n > 0, f"{len(failed)} failed: {failed[:3]}")

# ---------------------------------------------------------------------------------------------
# 2. Files truncated or deleted during load.
# Versions 5..7 below may load before their folder goes (then they answer half_plus_three).
traffic = Traffic("trunc", offsets=[2.0, 3.0])
copy_version(HP3, os.path.join(bases["trunc"], "2"))
with open(os.path.join(bases["trunc"], "2", "variables", data_name), "r+b") as f:
    f.truncate(0)
settle()
err = version_error("trunc", 2)
R.check("truncated data shard: version 2 is END with an error naming the data file",
        state("trunc", 2) == "END" and data_name in err, f"{srv.version_states('trunc')} error {err!r}")
R.check("truncated data shard: version 1 still serves", answers("trunc", 2.0) and state("trunc", 1) == "AVAILABLE",
        str(srv.version_states("trunc")))
shutil.rmtree(os.path.join(bases["trunc"], "2"))
# Versions 3..7 appear and are deleted again at once, some while their load is under way.
for v in range(3, 8):
    d = os.path.join(bases["trunc"], str(v))
    copy_version(HP3, d)
    time.sleep(0.2 * (v - 3))
    shutil.rmtree(d)
settle()
R.check("version folders deleted during their load: version 1 serves, the deleted ones are not AVAILABLE",
        answers("trunc", 2.0) and all(state("trunc", v) != "AVAILABLE" for v in range(2, 8)),
        str(srv.version_states("trunc")))
# The files of the AVAILABLE version deleted under it: the loaded copy keeps serving.
for fn in glob.glob(os.path.join(bases["trunc"], "1", "variables", "*")):
    os.unlink(fn)
settle()
R.check("variables/ of the serving version deleted: it keeps serving from memory", answers("trunc", 2.0),
        str(srv.version_states("trunc")))
ok_n, failed = traffic.finish()
R.check(f"truncate/delete: zero failed requests ({ok_n} ok)", not failed and ok_n > 0,
        f"{len(failed)} failed: {failed[:3]}")

# ---------------------------------------------------------------------------------------------
# 3. A model folder that becomes unreadable.
if not can_chmod:
    R.skip("unreadable base path / version folder", as_nobody_why)
else:
    traffic = Traffic("locked", offsets=[2.0, 3.0])  # version 2 (half_plus_three) loads at the end
    d2 = os.path.join(bases["locked"], "2")
    copy_version(HP3, d2)
    os.chmod(d2, 0)
    settle()
    err = version_error("locked", 2)
    R.check("unreadable version folder (chmod 000): version 2 END with a permission error, version 1 serves",
            state("locked", 2) == "END" and "ermission" in err and answers("locked", 2.0),
            f"{srv.version_states('locked')} error {err!r}")
    os.chmod(bases["locked"], 0)
    settle()
    R.check("unreadable base path (chmod 000): the loaded version keeps serving",
            answers("locked", 2.0) and state("locked", 1) == "AVAILABLE", str(srv.version_states("locked")))
    R.check("unreadable base path: the server log says it cannot read the base path",
            "cannot read base path" in srv.log_text(), srv.log_tail(10))
    os.chmod(bases["locked"], 0o755)
    os.chmod(d2, 0o755)
    ok = sh.wait_until(lambda: state("locked", 2) == "AVAILABLE", 10)
    R.check("readable again: version 2 loads and serves half_plus_three", ok and answers("locked", 3.0),
            f"{srv.version_states('locked')} error {version_error('locked', 2)!r}")
    ok_n, failed = traffic.finish()
    R.check(f"unreadable folders: zero failed requests ({ok_n} ok)", not failed and ok_n > 0,
            f"{len(failed)} failed: {failed[:3]}")

# ---------------------------------------------------------------------------------------------
# 4. Config files with errors: the previous config stays in force and the error is logged.
models_now = {"copying": bases["copying"], "trunc": bases["trunc"], "locked": bases["locked"],
              "slow": bases["slow"]}
bad_configs = [
    ("a model name with '/'", config_text({**models_now, "a/b": bases["trunc"]}), "a/b"),
    ("a model listed twice",
     config_text(models_now)[:-2] + f"  config {{ name: 'trunc' base_path: '{bases['trunc']}' }}\n}}\n",
     "more than once"),
    ("a specific policy with no versions",
     config_text(models_now)[:-2] + "  config { name: 'nov' base_path: '/x' model_version_policy { specific { } } }\n}\n",
     "lists no versions"),
    ("an unsupported platform",
     config_text(models_now)[:-2] + "  config { name: 'tfl' base_path: '/x' model_platform: 'tflite' }\n}\n",
     "tflite"),
    ("an empty base_path", config_text(models_now)[:-2] + "  config { name: 'nobase' }\n}\n", "base_path"),
]
for what, text, needle in bad_configs:
    before = srv.log_text()
    write_config(text.replace("'slow'", "'slow_renamed'"))  # would remove 'slow' if it were applied
    settle(2.5)
    new_log = srv.log_text()[len(before):]
    R.check(f"config with {what}: previous config stays ('slow' still served, nothing added)",
            srv.version_states("slow").get("1") == "AVAILABLE" and api.get("/v1/models/slow_renamed")[0] == 404,
            f"slow {srv.version_states('slow')}")
    R.check(f"config with {what}: the error is logged (mentions {needle!r})", needle in new_log,
            new_log[-600:] or "(nothing new in the log)")
os.unlink(config_path)
settle(2.5)
R.check("config file deleted: previous config stays", answers("trunc", 2.0) and state("slow", 1) == "AVAILABLE",
        str(srv.version_states("slow")))
write_config(config_text(models_now))
settle(1.5)
R.check("config file restored: models still served", answers("trunc", 2.0))

# ---------------------------------------------------------------------------------------------
# 5. Clients that disconnect or are slow.


def raw_conn():
    s = socket.create_connection(("127.0.0.1", srv.rest_port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


body = b'{"instances": [[1.0], [2.0]]}'
head = (f"POST /v1/models/trunc:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n").encode()
# Slowloris: 40 connections trickle their header or body, one byte every 0.3 s.
slow_socks = []
for i in range(40):
    s = raw_conn()
    s.sendall((head if i % 2 else head[:10]))  # half stuck in the header, half in the body
    slow_socks.append(s)
stop_trickle = threading.Event()


def trickle():
    while not stop_trickle.is_set():
        for s in slow_socks:
            try:
                s.send(b" ")
            except OSError:
                pass
        time.sleep(0.3)


tt = threading.Thread(target=trickle, daemon=True)
tt.start()
t0 = time.time()
good = 0
lat = []
while time.time() - t0 < sh.scaled(1.0):
    t1 = time.time()
    if answers("trunc", 2.0):
        good += 1
    lat.append(time.time() - t1)
R.check(f"slowloris (40 trickling connections): other clients are served ({good} ok, max latency "
        f"{max(lat) * 1000:.0f} ms)", good > 0 and good == len(lat) and max(lat) < sh.scaled(1.0),
        f"{good}/{len(lat)} ok")
time.sleep(TIMEOUT_MS / 1000.0 + sh.scaled(1.5))
closed = 0
for s in slow_socks:
    s.settimeout(0.5)
    try:
        data = s.recv(4096)
        # Closed (b"") or answered with an error and then closed: either ends the attack.
        if data == b"" or data.startswith(b"HTTP/1.1 4") or data.startswith(b"HTTP/1.1 5"):
            closed += 1
    except (ConnectionResetError, BrokenPipeError):
        closed += 1
    except (socket.timeout, OSError):
        pass
stop_trickle.set()
tt.join()
for s in slow_socks:
    s.close()
R.check(f"slowloris: the server dropped the slow connections after --rest_api_timeout_in_ms ({closed}/40)",
        closed == 40, f"only {closed} of 40 closed")


for i in range(20):  # half a body, then gone
    s = raw_conn()
    s.sendall(head + body[: len(body) // 2])
    s.close()
for i in range(10):  # a reset (RST) in the middle of the header
    s = raw_conn()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.sendall(head[:20])
    s.close()
# A slow request whose client leaves before the answer.
lstm_body = ('{"instances": ' + str([[[0.5]] * 60] * 8) + "}").encode()
lstm_head = (f"POST /v1/models/slow:predict HTTP/1.1\r\nHost: x\r\nContent-Length: {len(lstm_body)}\r\n\r\n").encode()
for i in range(2):
    s = raw_conn()
    s.sendall(lstm_head + lstm_body)
    s.close()
# Their model runs are not interrupted (they finish on an io thread), so allow time for those.
R.check("clients that disconnect mid-body, reset mid-header or leave before the answer: server serves others",
        sh.wait_until(lambda: answers("trunc", 2.0), 60))


# ---------------------------------------------------------------------------------------------
# 6. Deadlines.


def timed_predict(model, body, timeout=60):
    t0 = time.time()
    st, resp = api.post(f"/v1/models/{model}:predict", body, timeout=timeout)
    return st, resp, time.time() - t0


# A batch large enough to take longer than the REST timeout; grow it until it does.
batch, st, resp, took = 64, 0, None, 0.0
while batch <= 65536:
    st, resp, took = timed_predict("slow", {"instances": [[[0.5]] * 60] * batch})
    if st != 200 or took * 1000 > TIMEOUT_MS:
        break
    batch *= 4
msg = resp.get("error", "") if isinstance(resp, dict) else str(resp)
if st == 200:
    R.skip("REST request past --rest_api_timeout_in_ms", f"even batch {batch} finished in {took:.2f}s")
else:
    R.check(f"REST request past --rest_api_timeout_in_ms={TIMEOUT_MS} (LSTM batch {batch}, {took:.1f}s): 504 "
            "'timed out'", st == 504 and "timed out" in msg, f"HTTP {st} {msg[:300]!r}")
R.check("after a timed-out request the server answers others", answers("trunc", 2.0))

if grpc_wanted:
    try:
        import grpc
        pb = sh.grpc_modules(args.proto_dir, tmp)
    except Exception as e:  # noqa: BLE001
        grpc = None
        R.skip("gRPC deadline", f"python3-grpcio or protoc unavailable: {e}")
    if grpc is not None:
        channel = grpc.insecure_channel(f"127.0.0.1:{srv.grpc_port}")
        predict_fn = channel.unary_unary("/tensorflow.serving.PredictionService/Predict",
                                         request_serializer=lambda m: m.SerializeToString(),
                                         response_deserializer=pb["predict_pb2"].PredictResponse.FromString)

        def grpc_req(model, name, shape, values):
            req = pb["predict_pb2"].PredictRequest()
            req.model_spec.name = model
            t = req.inputs[name]
            t.dtype = pb["types_pb2"].DataType.Value("DT_FLOAT")
            for d in shape:
                t.tensor_shape.dim.add().size = d
            t.float_val.extend(values)
            return req

        big = batch
        code = None
        t0 = time.time()
        try:
            predict_fn(grpc_req("slow", "lstm_input", [big, 60, 1], [0.5] * (big * 60)), timeout=0.05)
        except grpc.RpcError as e:
            code = e.code()
        R.check(f"gRPC Predict with a 50 ms deadline on a slow request: DEADLINE_EXCEEDED "
                f"({time.time() - t0:.2f}s)", code == grpc.StatusCode.DEADLINE_EXCEEDED, f"got {code}")
        for i in range(1):  # an abandoned call still runs on the server
            try:
                predict_fn(grpc_req("slow", "lstm_input", [big, 60, 1], [0.5] * (big * 60)), timeout=0.02)
            except grpc.RpcError:
                pass
        try:
            r = predict_fn(grpc_req("trunc", "x", [2, 1], [2.0, 4.0]), timeout=sh.scaled(30))
            vals = list(r.outputs["y"].float_val)
            good = len(vals) == 2 and abs(vals[0] - 3.0) < 1e-5 and abs(vals[1] - 4.0) < 1e-5
            detail = str(vals)
        except grpc.RpcError as e:
            good, detail = False, f"{e.code()} {e.details()}"
        R.check("after expired gRPC deadlines the server answers a gRPC Predict", good, detail)
        channel.close()

finish()
