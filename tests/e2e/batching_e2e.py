#!/usr/bin/env python3
"""Dynamic batching end to end: the real server with --enable_batching and Prometheus metrics on.

- 32 concurrent REST clients send the keras_mlp_stock golden cases (batch 1 and batch > 1
  rows); each must get exactly its golden answer, and the batch histograms must show that
  requests were merged (fewer batches than requests, and batches holding several requests);
- allowed_batch_sizes: every processed batch has an allowed size, answers stay right;
- a request larger than max_batch_size is split and reassembled (tfs_half_plus_two: y = x/2 + 2);
- queue full: a second server with a one-batch queue answers 503 with the message, and every
  answered request is still right.
Skips (exit 0, "SKIPPED: fixture folder") when the fixtures are absent.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_layout import free_port  # noqa: E402

FAILURES = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)
    if not ok:
        FAILURES.append(name)


def post(port, path, body, timeout=60):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def get_text(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
        return r.read().decode()


def flatten(v):
    if isinstance(v, list):
        out = []
        for x in v:
            out.extend(flatten(x))
        return out
    return [v]


def close(got, want, rtol, atol):
    g, w = flatten(got), flatten(want)
    return len(g) == len(w) and all(abs(a - b) <= atol + rtol * abs(b) for a, b in zip(g, w))


class Server:
    def __init__(self, binary, args, log_path):
        self.port = free_port()
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([binary, "--port=0", f"--rest_api_port={self.port}"] + args,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v2/health/ready", timeout=2) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()

    def log_tail(self, n=30):
        with open(self.log_path) as f:
            return "".join(f.readlines()[-n:])


# ---- Prometheus text parsing (just what this test reads; metrics_e2e.py checks the format) ----
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(text, name):
    """[(labels dict, value)] of every sample line whose metric name is `name`."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if m and m.group(1) == name:
            out.append((dict(LABEL.findall(m.group(3) or "")), float(m.group(4))))
    return out


def histogram(text, name, **want_labels):
    """(count, sum, {le: cumulative count}) summed over label sets matching want_labels."""
    def match(labels):
        return all(labels.get(k) == v for k, v in want_labels.items())
    count = sum(v for l, v in samples(text, name + "_count") if match(l))
    total = sum(v for l, v in samples(text, name + "_sum") if match(l))
    buckets = {}
    for l, v in samples(text, name + "_bucket"):
        if match(l):
            buckets[l["le"]] = buckets.get(l["le"], 0) + v
    return count, total, buckets


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--fixtures", required=True)
    args = ap.parse_args()
    models = os.path.join(args.fixtures, "savedmodels")
    golden_dir = os.path.join(args.fixtures, "golden", "keras_mlp_stock")
    if not os.path.isdir(models) or not os.path.isdir(golden_dir):
        print("SKIPPED: fixture folder not found:", args.fixtures)
        return 0

    goldens = []
    for f in sorted(os.listdir(golden_dir)):
        with open(os.path.join(golden_dir, f)) as fh:
            goldens.append(json.load(fh))

    tmp = tempfile.mkdtemp(prefix="serval_batching_e2e_")
    try:
        config = os.path.join(tmp, "models.config")
        with open(config, "w") as f:
            f.write(f"""model_config_list {{
  config {{ name: "mlp" base_path: "{os.path.join(models, 'keras_mlp_stock')}" }}
  config {{ name: "half" base_path: "{os.path.join(models, 'tfs_half_plus_two_cpu')}" }}
}}
""")
        params = os.path.join(tmp, "batching.txt")
        with open(params, "w") as f:
            f.write("max_batch_size { value: 16 }\nbatch_timeout_micros { value: 5000 }\n"
                    "max_enqueued_batches { value: 1000 }\nnum_batch_threads { value: 1 }\n"
                    "allowed_batch_sizes: [4, 8, 16]\n")
        monitoring = os.path.join(tmp, "monitoring.txt")
        with open(monitoring, "w") as f:
            f.write('prometheus_config { enable: true path: "/metrics" }\n')

        server = Server(args.server, [f"--model_config_file={config}", "--enable_batching",
                                      f"--batching_parameters_file={params}",
                                      f"--monitoring_config_file={monitoring}"],
                        os.path.join(tmp, "server.log"))
        try:
            if not server.wait_ready():
                check("batching server becomes ready", False, server.log_tail())
                return 1
            run_main_checks(server, goldens)
        finally:
            server.stop()

        run_queue_full_check(args.server, models, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(FAILURES)} failure(s)" if FAILURES else "all batching checks passed")
    return 1 if FAILURES else 0


def run_main_checks(server, goldens):
    port = server.port
    clients, rounds = 32, 4
    results = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(c):
        start.wait()
        for r in range(rounds):
            g = goldens[(c + r) % len(goldens)]
            inputs = g["inputs"]["dense_input"]["data"]
            status, body = post(port, "/v1/models/mlp:predict", {"instances": inputs})
            ok = status == 200 and close(body.get("predictions"), g["outputs"]["dense_3"]["data"],
                                         g.get("rtol", 1e-4), g.get("atol", 1e-5))
            with lock:
                results.append((ok, status, len(inputs), body if not ok else None))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wrong = [r for r in results if not r[0]]
    check(f"{clients} concurrent clients x {rounds} requests each get their golden answer",
          not wrong and len(results) == clients * rounds, str(wrong[:3]))
    rows_sent = sum(r[2] for r in results)

    text = get_text(port, "/metrics")
    count, total, buckets = histogram(text, "serval_batch_requests", model="mlp")
    check("every request went through the batcher (serval_batch_requests sum = requests)",
          total == len(results), f"sum {total}, requests {len(results)}")
    check("requests were merged: fewer batches than requests", 0 < count < len(results),
          f"batches {count}, requests {len(results)}")
    check("some batch held more than one request", buckets.get("1", count) < count, str(buckets))
    pcount, _, pbuckets = histogram(text, ":tensorflow:serving:batching_session:processed_batch_size")
    # allowed_batch_sizes [4, 8, 16]: processed sizes are only ever 4, 8 or 16.
    lower = {le: v for le, v in pbuckets.items() if le not in ("+Inf",) and float(le) < 4}
    check("processed batches are padded up to allowed sizes (none below 4 rows)",
          pcount > 0 and all(v == 0 for v in lower.values()), str(pbuckets))
    icount, itotal, _ = histogram(text, ":tensorflow:serving:batching_session:input_batch_size")
    check("input_batch_size counts the rows that arrived", itotal >= rows_sent, f"{itotal} < {rows_sent}")

    # A request larger than max_batch_size (16) is split and reassembled.
    xs = [float(i) for i in range(40)]
    status, body = post(port, "/v1/models/half:predict", {"instances": [[x] for x in xs]})
    check("a 40-row request with max_batch_size 16 is split and reassembled",
          status == 200 and flatten(body.get("predictions")) == [x / 2 + 2 for x in xs], f"{status} {body}")

    # A malformed request is refused alone, with the model/version/signature in its message.
    status, body = post(port, "/v1/models/mlp:predict", {"instances": [["a"] * 10]})
    check("a bad request in a batching server gets its own 400",
          status == 400 and "model 'mlp'" in body.get("error", ""), f"{status} {body}")


def run_queue_full_check(binary, models, tmp):
    # Each 3-row request fills a batch, and one batch may wait: concurrent clients overflow it.
    params = os.path.join(tmp, "tiny_queue.txt")
    with open(params, "w") as f:
        f.write("max_batch_size { value: 3 }\nbatch_timeout_micros { value: 0 }\n"
                "max_enqueued_batches { value: 1 }\nnum_batch_threads { value: 1 }\n")
    # keras_lstm_stock is a bare SavedModel folder: serve it as version 1 through a symlink.
    base = os.path.join(tmp, "lstm_base")
    os.makedirs(base, exist_ok=True)
    os.symlink(os.path.join(models, "keras_lstm_stock"), os.path.join(base, "1"))
    server = Server(binary, ["--model_name=lstm", f"--model_base_path={base}",
                             "--enable_batching", f"--batching_parameters_file={params}"],
                    os.path.join(tmp, "tiny.log"))
    try:
        if not server.wait_ready():
            check("tiny-queue server becomes ready", False, server.log_tail())
            return
        golden_dir = os.path.join(os.path.dirname(models), "golden", "keras_lstm_stock")
        with open(os.path.join(golden_dir, "serving_default.json")) as f:
            g = json.load(f)
        name, spec = next(iter(g["inputs"].items()))
        out_name = next(iter(g["outputs"]))
        statuses = []
        lock = threading.Lock()
        start = threading.Barrier(48)

        def client():
            start.wait()
            for _ in range(3):
                status, body = post(server.port, "/v1/models/lstm:predict", {"inputs": {name: spec["data"]}})
                ok = (status == 200 and close(body.get("outputs"), g["outputs"][out_name]["data"],
                                              g.get("rtol", 1e-4), g.get("atol", 1e-5))) or \
                     (status == 503 and "queue" in body.get("error", "") and "model 'lstm'" in body.get("error", ""))
                with lock:
                    statuses.append((status, ok, body if not ok else None))

        threads = [threading.Thread(target=client) for _ in range(48)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bad = [s for s in statuses if not s[1]]
        check("with a one-batch queue every answer is right or a 503 naming the queue and model", not bad, str(bad[:3]))
        check("a full queue answered 503 at least once", any(s[0] == 503 for s in statuses),
              f"statuses {sorted(set(s[0] for s in statuses))}")
        check("and served the rest", any(s[0] == 200 for s in statuses), "")
        check("the server is still up after the flood", server.proc.poll() is None, server.log_tail())
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
