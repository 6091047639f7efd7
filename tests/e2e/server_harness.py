"""Shared by the end-to-end, fault, hostile-input and soak tests: start the real server binary on
free loopback ports, wait for it, talk HTTP to it, read its log and its /proc numbers, stop it.
Standard library only (runs under /usr/bin/python3).

SERVAL_TEST_SLOWDOWN (default 1) multiplies every wait, for sanitizer builds (scripts/sanitize)."""
import http.client
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_layout import free_port  # noqa: E402,F401  (re-exported)

SLOWDOWN = float(os.environ.get("SERVAL_TEST_SLOWDOWN", "1") or 1)


def scaled(seconds):
    return seconds * SLOWDOWN


class Results:
    """PASS/FAIL lines and the final count; `check` returns its verdict."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        ok = bool(ok)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        line = f"{'PASS' if ok else 'FAIL'} {name}"
        if detail and not ok:
            line += f": {detail}"
        print(line, flush=True)
        return ok

    def note(self, msg):
        print(f"NOTE {msg}", flush=True)

    def skip(self, name, why):
        print(f"SKIP {name}: {why}", flush=True)

    def summary(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0


class Http:
    def __init__(self, port, host="127.0.0.1"):
        self.port = port
        self.host = host

    def request(self, method, path, body=None, headers=None, timeout=120):
        """Returns (status, parsed JSON or raw text). Never raises for HTTP errors (OSError for
        connection failures)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode()
            hdrs = {"Content-Type": "application/json"} if body is not None else {}
            hdrs.update(headers or {})
            try:
                conn.request(method, path, body=body, headers=hdrs)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer (413) and close before the whole body is sent
            resp = conn.getresponse()
            raw = resp.read().decode("utf-8", errors="replace")
            try:
                return resp.status, json.loads(raw)
            except ValueError:
                return resp.status, raw
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)


def wait_until(pred, timeout, interval=0.1):
    end = time.time() + scaled(timeout)
    while time.time() < end:
        if pred():
            return True
        time.sleep(interval)
    return pred()


class Server:
    """One `tensorflow_model_server` process with its log in `log_path`. `flags` are extra
    command-line flags; the REST (and, with grpc=True, gRPC) port is chosen here; `prefix` runs
    it through another command (setpriv to drop root)."""

    def __init__(self, binary, workdir, flags, grpc=False, name="server", prefix=()):
        self.rest_port = free_port()
        self.grpc_port = free_port() if grpc else 0
        self.log_path = os.path.join(workdir, f"{name}.log")
        self._log = open(self.log_path, "wb")
        cmd = list(prefix) + [binary, f"--rest_api_port={self.rest_port}"]  # prefix: e.g. setpriv ...
        if grpc:
            cmd.append(f"--port={self.grpc_port}")
        cmd += list(flags)
        self.cmd = cmd
        print("starting: " + " ".join(cmd), flush=True)
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT)
        self.api = Http(self.rest_port)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def ready(self):
        if not self.alive():
            return True  # stop waiting; the caller checks alive()
        try:
            return self.api.get("/v2/health/ready", timeout=5)[0] == 200
        except OSError:
            return False

    def wait_ready(self, timeout=120):
        """True when /v2/health/ready answered 200 (False when the process exited or timed out)."""
        wait_until(self.ready, timeout, 0.1)
        return self.alive() and self.ready()

    def version_states(self, model):
        try:
            st, body = self.api.get(f"/v1/models/{model}", timeout=10)
        except OSError:
            return {}
        if st != 200 or not isinstance(body, dict):
            return {}
        return {str(v.get("version")): v.get("state") for v in body.get("model_version_status", [])}

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=40):
        return "".join(self.log_text().splitlines(keepends=True)[-n:])

    def proc_stats(self):
        """(rss_kb, open fds, threads) from /proc, or None when the process is gone."""
        try:
            rss = threads = 0
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1])
                    elif line.startswith("Threads:"):
                        threads = int(line.split()[1])
            fds = len(os.listdir(f"/proc/{self.pid}/fd"))
            return rss, fds, threads
        except OSError:
            return None

    def peak_rss_kb(self):
        """VmHWM: the highest resident size so far (catches a big buffer that was freed again)."""
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def stop(self, timeout=15):
        """SIGTERM, wait; kill if it hangs. Returns the exit code (None when it had to be killed)."""
        rc = None
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=scaled(timeout))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        else:
            rc = self.proc.returncode
        self._log.close()
        return rc


def fixtures_dir(arg=None):
    """The fixture root (argument, $SERVAL_FIXTURES, or ../shared/fixtures), or None if absent."""
    d = arg or os.environ.get("SERVAL_FIXTURES", "../shared/fixtures")
    return d if os.path.isdir(os.path.join(d, "savedmodels")) else None


def grpc_modules(proto_dir, workdir, protoc="protoc"):
    """Compiles Serval's .proto files with `protoc --python_out` into workdir/py and imports the
    message modules the tests use: {"predict_pb2": ..., "types_pb2": ..., ...}. Raises on failure."""
    import glob
    gen_dir = os.path.join(workdir, "py")
    os.makedirs(gen_dir, exist_ok=True)
    protos = sorted(os.path.relpath(p, proto_dir)
                    for p in glob.glob(os.path.join(proto_dir, "**", "*.proto"), recursive=True))
    p = subprocess.run([protoc, f"--python_out={gen_dir}", "-I", proto_dir, *protos], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"protoc failed: {p.stderr[-800:]}")
    if gen_dir not in sys.path:
        sys.path.insert(0, gen_dir)
    mods = {}
    for mod in ("tensorflow.core.framework.tensor_pb2", "tensorflow.core.framework.types_pb2",
                "tensorflow_serving.apis.predict_pb2", "tensorflow_serving.apis.model_pb2",
                "tensorflow_serving.apis.get_model_status_pb2"):
        mods[mod.rsplit(".", 1)[1]] = __import__(mod, fromlist=["x"])
    return mods
