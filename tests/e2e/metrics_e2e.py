#!/usr/bin/env python3
"""End-to-end test of Prometheus metrics, the failed-request log and the access log.

Starts the real tensorflow_model_server with the build's example models (build/models/mlp and
half_plus_two, written by serval_gen, so no fixture is needed), --monitoring_config_file
(prometheus_config { enable: true }, default path), --access_log_file and gRPC when built. Runs a
mixed workload (successful and failing predicts over REST and gRPC, unknown models, malformed
bodies, status and metadata calls, 16 concurrent clients), scrapes /monitoring/prometheus/metrics, parses it with the
strict text-format parser below (standard library only) and asserts the expected counts exactly;
then checks the access log (one well-formed line per request) and the server log (one
"request failed:" line per failed request). A second server checks a custom path and that
monitoring is off without the flag. Prints one line per check and "N passed, M failed".
"""
import argparse
import glob
import http.client
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_layout  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--server", required=True, help="path of the tensorflow_model_server binary")
ap.add_argument("--models", required=True, help="build/models (example models from serval_gen)")
ap.add_argument("--proto-dir", help="src/serval/proto (enables the gRPC part)")
ap.add_argument("--protoc", default="protoc")
ap.add_argument("--keep", action="store_true")
args = ap.parse_args()

results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    line = f"{'PASS' if ok else 'FAIL'} {name}"
    if detail and not ok:
        line += f": {detail}"
    print(line, flush=True)
    return ok


# ---------------------------------------------------------------------------------------------
# Strict Prometheus text format (0.0.4) parser.

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class ParseError(Exception):
    pass


def parse_value(text, where):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        raise ParseError(f"{where}: bad value {text!r}")
    return float(text)


def parse_labels(s, i, where):
    """s[i] == '{'. Returns (tuple of (name, value)), index after '}')."""
    assert s[i] == "{"
    i += 1
    labels = []
    seen = set()
    while True:
        if i >= len(s):
            raise ParseError(f"{where}: unterminated label set")
        if s[i] == "}":
            return tuple(labels), i + 1
        m = LABEL_NAME.match(s, i)
        if not m:
            raise ParseError(f"{where}: bad label name at {s[i:i + 20]!r}")
        name = m.group(0)
        if name.startswith("__"):
            raise ParseError(f"{where}: reserved label name {name}")
        if name in seen:
            raise ParseError(f"{where}: duplicate label {name}")
        seen.add(name)
        i = m.end()
        if s[i:i + 2] != '="':
            raise ParseError(f"{where}: expected =\" after label {name}")
        i += 2
        value = []
        while True:
            if i >= len(s):
                raise ParseError(f"{where}: unterminated label value")
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt == "\\":
                    value.append("\\")
                elif nxt == '"':
                    value.append('"')
                elif nxt == "n":
                    value.append("\n")
                else:
                    raise ParseError(f"{where}: bad escape \\{nxt}")
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise ParseError(f"{where}: raw newline in label value")
            else:
                value.append(c)
                i += 1
        labels.append((name, "".join(value)))
        if s[i] == ",":
            i += 1
        elif s[i] != "}":
            raise ParseError(f"{where}: expected , or }} after label value")


def family_of(sample_name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        if sample_name.endswith(suffix):
            base = sample_name[:-len(suffix)]
            if types.get(base) == "histogram":
                return base
    return sample_name


def parse_exposition(text):
    """Returns {family: {"type", "help", "samples": {(sample_name, labels): value}}}. Raises
    ParseError on anything the 0.0.4 text format does not allow, and checks histogram rules."""
    if text and not text.endswith("\n"):
        raise ParseError("exposition does not end with a newline")
    families = {}
    types = {}
    finished = set()  # families whose sample block has ended
    current = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {n}"
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) < 3 or parts[0] != "#" or parts[1] not in ("HELP", "TYPE"):
                raise ParseError(f"{where}: unexpected comment {line!r}")
            name = parts[2]
            if not METRIC_NAME.fullmatch(name):
                raise ParseError(f"{where}: bad metric name {name!r}")
            fam = families.setdefault(name, {"type": None, "help": None, "samples": {}})
            if name in finished or (fam["samples"] and current != name):
                raise ParseError(f"{where}: {parts[1]} for {name} after its samples")
            if parts[1] == "TYPE":
                if len(parts) != 4 or parts[3] not in TYPES:
                    raise ParseError(f"{where}: bad TYPE line {line!r}")
                if fam["type"] is not None:
                    raise ParseError(f"{where}: second TYPE for {name}")
                if fam["samples"]:
                    raise ParseError(f"{where}: TYPE after samples of {name}")
                fam["type"] = parts[3]
                types[name] = parts[3]
            else:
                if fam["help"] is not None:
                    raise ParseError(f"{where}: second HELP for {name}")
                help_text = parts[3] if len(parts) == 4 else ""
                if re.search(r"\\[^\\n]", help_text.replace("\\\\", "")):
                    raise ParseError(f"{where}: bad escape in HELP")
                fam["help"] = help_text
            if current is not None and current != name:
                finished.add(current)
            current = name
            continue
        m = METRIC_NAME.match(line)
        if not m:
            raise ParseError(f"{where}: bad sample line {line!r}")
        sample_name = m.group(0)
        i = m.end()
        labels = ()
        if i < len(line) and line[i] == "{":
            labels, i = parse_labels(line, i, where)
        if i >= len(line) or line[i] != " ":
            raise ParseError(f"{where}: expected a space before the value")
        rest = line[i + 1:].split(" ")
        if len(rest) not in (1, 2) or (len(rest) == 2 and not re.fullmatch(r"-?\d+", rest[1])):
            raise ParseError(f"{where}: bad value/timestamp {line[i + 1:]!r}")
        value = parse_value(rest[0], where)
        fam_name = family_of(sample_name, types)
        if fam_name in finished:
            raise ParseError(f"{where}: samples of {fam_name} are not contiguous")
        if current is not None and current != fam_name:
            finished.add(current)
        current = fam_name
        fam = families.setdefault(fam_name, {"type": None, "help": None, "samples": {}})
        key = (sample_name, labels)
        if key in fam["samples"]:
            raise ParseError(f"{where}: duplicate series {sample_name}{dict(labels)}")
        if fam["type"] == "counter" and not value >= 0:
            raise ParseError(f"{where}: negative counter")
        fam["samples"][key] = value
    for name, fam in families.items():
        if fam["type"] == "histogram":
            check_histogram(name, fam)
    return families


def check_histogram(name, fam):
    groups = {}
    for (sample, labels), value in fam["samples"].items():
        if sample == name + "_bucket":
            le = [v for k, v in labels if k == "le"]
            if len(le) != 1:
                raise ParseError(f"{name}: bucket without le")
            rest = tuple((k, v) for k, v in labels if k != "le")
            groups.setdefault(rest, {"buckets": [], "sum": None, "count": None})["buckets"].append(
                (parse_value(le[0], name), value))
        elif sample == name + "_sum":
            groups.setdefault(labels, {"buckets": [], "sum": None, "count": None})["sum"] = value
        elif sample == name + "_count":
            groups.setdefault(labels, {"buckets": [], "sum": None, "count": None})["count"] = value
        else:
            raise ParseError(f"{name}: unexpected sample {sample} in a histogram")
    for labels, g in groups.items():
        b = g["buckets"]
        if not b or g["sum"] is None or g["count"] is None:
            raise ParseError(f"{name}{dict(labels)}: needs buckets, _sum and _count")
        les = [le for le, _ in b]
        if les != sorted(les) or len(set(les)) != len(les):
            raise ParseError(f"{name}{dict(labels)}: le values not strictly increasing")
        if les[-1] != math.inf:
            raise ParseError(f"{name}{dict(labels)}: last bucket is not +Inf")
        counts = [c for _, c in b]
        if any(x > y for x, y in zip(counts, counts[1:])):
            raise ParseError(f"{name}{dict(labels)}: buckets not cumulative")
        if counts[-1] != g["count"]:
            raise ParseError(f"{name}{dict(labels)}: +Inf bucket {counts[-1]} != _count {g['count']}")


def self_test_parser():
    """The parser must reject what the format forbids (else the scrape check proves nothing)."""
    good = ('# HELP a x\n# TYPE a counter\na{m="q\\"\\\\\\n"} 1\n'
            '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n')
    try:
        fams = parse_exposition(good)
        check("parser accepts valid text", fams["a"]["samples"][("a", (("m", 'q"\\\n'),))] == 1)
    except ParseError as e:
        check("parser accepts valid text", False, str(e))
    bad = {
        "no newline at end": "a 1",
        "bad name": "# TYPE 1a counter\n",
        "bad escape": 'a{m="\\x"} 1\n',
        "unquoted": "a{m=x} 1\n",
        "bad value": "a 1,5\n",
        "two TYPE": "# TYPE a counter\n# TYPE a counter\n",
        "not cumulative": '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
        "no +Inf": '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',
        "count mismatch": '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2\n',
        "no _sum": '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n',
        "duplicate": "a 1\na 2\n",
        "not contiguous": "a 1\nb 1\na{x=\"1\"} 1\n",
        "stray comment": "# hello\n",
    }
    for what, text in bad.items():
        try:
            parse_exposition(text)
            check(f"parser rejects {what}", False, "accepted")
        except ParseError:
            check(f"parser rejects {what}", True)


self_test_parser()

# ---------------------------------------------------------------------------------------------
# Server

MLP = os.path.join(args.models, "mlp")
HP2 = os.path.join(args.models, "half_plus_two")
if not os.path.isdir(os.path.join(MLP, "1")) or not os.path.isdir(os.path.join(HP2, "1")):
    check("example models exist", False, f"{MLP}/1 and {HP2}/1 (built by the example_models target)")
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1)

tmp = tempfile.mkdtemp(prefix="serval_metrics_e2e_")
config_path = os.path.join(tmp, "models.config")
with open(config_path, "w") as f:
    f.write("model_config_list {\n"
            f"  config {{ name: 'mlp' base_path: '{MLP}' model_platform: 'tensorflow' }}\n"
            f"  config {{ name: 'half_plus_two' base_path: '{HP2}' model_platform: 'tensorflow' }}\n"
            "}\n")
monitoring_path = os.path.join(tmp, "monitoring.config")
with open(monitoring_path, "w") as f:
    f.write("prometheus_config {\n  enable: true\n}\n")
access_path = os.path.join(tmp, "access.log")
DEFAULT_PATH = "/monitoring/prometheus/metrics"

procs = []


def start_server(extra, name):
    rest_port = fixture_layout.free_port()
    log_path = os.path.join(tmp, f"{name}.log")
    log = open(log_path, "wb")
    cmd = [args.server, f"--rest_api_port={rest_port}", f"--model_config_file={config_path}",
           "--file_system_poll_wait_seconds=0", *extra]
    print("starting: " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    procs.append((proc, log))
    t0 = time.time()
    while time.time() - t0 < 60 and proc.poll() is None:
        try:
            if request(rest_port, "GET", "/v2/health/ready")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    return proc, rest_port, log_path


def request(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        conn.request(method, path, body=body)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace"), dict(r.getheaders())
    finally:
        conn.close()


def finish():
    for proc, log in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


grpc_port = fixture_layout.free_port() if args.proto_dir else 0
proc, port, log_path = start_server([f"--port={grpc_port}", f"--monitoring_config_file={monitoring_path}",
                                     f"--access_log_file={access_path}"], "server")
if not check("server starts and is ready", proc.poll() is None and request(port, "GET", "/v2/health/ready")[0] == 200,
             open(log_path, errors="replace").read()[-3000:]):
    finish()

http_requests = 1  # the readiness probe that succeeded (earlier failed probes never connected)


def rest(method, path, body=None):
    global http_requests
    http_requests += 1
    return request(port, method, path, body)


def scrape():
    status, text, headers = rest("GET", DEFAULT_PATH)
    check("scrape answers 200 text/plain; version=0.0.4",
          status == 200 and headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
          f"{status} {headers}")
    try:
        return parse_exposition(text), text
    except ParseError as e:
        check("exposition parses strictly", False, str(e))
        return {}, text


def value(fams, family, sample, **labels):
    fam = fams.get(family)
    if not fam:
        return None
    for (name, lab), v in fam["samples"].items():
        if name == sample and dict(lab) == labels:
            return v
    return None


# Before any request: every serving metric is listed, and the loads are recorded.
fams, text = scrape()
check("exposition parses strictly before traffic", bool(fams))
for family, kind in ((":tensorflow:serving:request_count", "counter"),
                     (":tensorflow:serving:request_latency", "histogram"),
                     (":tensorflow:serving:runtime_latency", "histogram"),
                     (":tensorflow:serving:request_example_counts", "histogram"),
                     (":tensorflow:cc:saved_model:load_attempt_count", "counter"),
                     (":tensorflow:cc:saved_model:load_latency", "counter"),
                     ("serval_requests_total", "counter"), ("serval_request_latency_seconds", "histogram"),
                     ("serval_requests_in_flight", "gauge"), ("serval_model_load_seconds", "gauge"),
                     ("serval_model_resident_bytes", "gauge")):
    check(f"{family} is a {kind}", fams.get(family, {}).get("type") == kind, str(fams.get(family)))
for model, weights in (("mlp", (4 * 8 + 8 + 8 * 3 + 3) * 4), ("half_plus_two", 2 * 4)):
    vdir = os.path.join(args.models, model, "1")
    check(f"load_attempt_count {model} success == 1",
          value(fams, ":tensorflow:cc:saved_model:load_attempt_count",
                ":tensorflow:cc:saved_model:load_attempt_count", model_path=vdir, status="success") == 1)
    lat = value(fams, ":tensorflow:cc:saved_model:load_latency", ":tensorflow:cc:saved_model:load_latency",
                model_path=vdir)
    check(f"load_latency {model} > 0 us", lat is not None and lat > 0, str(lat))
    secs = value(fams, "serval_model_load_seconds", "serval_model_load_seconds", model=model, version="1")
    check(f"serval_model_load_seconds {model} ~ load_latency",
          secs is not None and lat is not None and abs(secs * 1e6 - lat) < 1, f"{secs} {lat}")
    # The example models hold only float variables (tools/serval_gen: mlp 4x8+8+8x3+3, half_plus_two
    # 2 scalars) and no constants on the serving path.
    rb = value(fams, "serval_model_resident_bytes", "serval_model_resident_bytes", model=model, version="1")
    check(f"serval_model_resident_bytes {model} == {weights}", rb == weights, str(rb))

# ---- REST workload ----
ok_mlp = 5
for i in range(ok_mlp):
    st, body, _ = rest("POST", "/v1/models/mlp:predict", {"instances": [[1.0, 2.0, 3.0, float(i)]]})
    check(f"REST mlp predict {i} -> 200", st == 200, body)
bad_input = 3
for i in range(bad_input):
    st, body, _ = rest("POST", "/v1/models/mlp:predict", {"inputs": {"nope": [[1.0, 2.0, 3.0, 4.0]]}})
    check(f"REST mlp predict with unknown input {i} -> 400", st == 400, body)
st, body, _ = rest("POST", "/v1/models/mlp:predict", "{not json")
check("REST mlp malformed body -> 400", st == 400, body)
st, body, _ = rest("POST", "/v1/models/half_plus_two/versions/1:predict", {"instances": [[1.0], [2.0]]})
check("REST half_plus_two v1 predict -> 200", st == 200 and json.loads(body)["predictions"] == [[2.5], [3.0]], body)
st, body, _ = rest("POST", "/v1/models/half_plus_two/versions/7:predict", {"instances": [[1.0]]})
check("REST half_plus_two v7 (absent) -> 404", st == 404, body)
unknown = 2
for i in range(unknown):
    st, body, _ = rest("POST", f"/v1/models/ghost{i}:predict", {"instances": [[1.0]]})
    check(f"REST unknown model ghost{i} -> 404", st == 404, body)
st, body, _ = rest("GET", "/v1/models/mlp")
check("REST status mlp -> 200", st == 200, body)
st, body, _ = rest("GET", "/v1/models/mlp/metadata")
check("REST metadata mlp -> 200", st == 200, body)
st, body, _ = rest("GET", "/v1/models/ghost9/metadata")
check("REST metadata ghost9 -> 404", st == 404, body)
rest_failed = bad_input + 1 + 1 + unknown + 1

# Concurrent clients: no update may be lost (counted exactly below).
THREADS, PER_THREAD = 16, 10
burst_errors = []


def burst_client(t):
    for i in range(PER_THREAD):
        try:
            st, body, _ = request(port, "POST", "/v1/models/half_plus_two:predict", {"instances": [[float(t)]]})
            if st != 200 or json.loads(body)["predictions"] != [[0.5 * t + 2]]:
                burst_errors.append(f"{st} {body}")
        except Exception as e:  # noqa: BLE001
            burst_errors.append(repr(e))


workers = [threading.Thread(target=burst_client, args=(t,)) for t in range(THREADS)]
for w in workers:
    w.start()
for w in workers:
    w.join()
http_requests += THREADS * PER_THREAD
burst = THREADS * PER_THREAD
check(f"{burst} concurrent REST predicts from {THREADS} clients all correct", not burst_errors, str(burst_errors[:3]))

# ---- gRPC workload (Predict ok/fail, GetModelStatus) ----
grpc_calls = {"ok": 0, "fail": 0}
grpc_on = False
if args.proto_dir:
    try:
        import grpc
        gen_dir = os.path.join(tmp, "py")
        os.makedirs(gen_dir)
        protos = sorted(os.path.relpath(p, args.proto_dir)
                        for p in glob.glob(os.path.join(args.proto_dir, "**", "*.proto"), recursive=True))
        subprocess.run([args.protoc, f"--python_out={gen_dir}", "-I", args.proto_dir, *protos], check=True,
                       capture_output=True)
        sys.path.insert(0, gen_dir)
        from tensorflow_serving.apis import predict_pb2, get_model_status_pb2  # noqa: E402
        from tensorflow.core.framework import tensor_pb2, types_pb2, tensor_shape_pb2  # noqa: E402,F401
        grpc_on = True
    except Exception as e:  # noqa: BLE001
        check("gRPC client set up (python3-grpcio, protoc)", False, f"{type(e).__name__}: {e}")

if grpc_on:
    channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}")

    def call(path, req, resp_cls):
        fn = channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                                 response_deserializer=resp_cls.FromString)
        try:
            return fn(req, timeout=30), None
        except grpc.RpcError as e:
            return None, e

    def hp2_request(alias):
        req = predict_pb2.PredictRequest()
        req.model_spec.name = "half_plus_two"
        t = req.inputs[alias]
        t.dtype = types_pb2.DT_FLOAT
        t.tensor_shape.dim.add().size = 2
        t.tensor_shape.dim.add().size = 1
        t.float_val.extend([1.0, 4.0])
        return req

    for i in range(2):
        resp, err = call("/tensorflow.serving.PredictionService/Predict", hp2_request("x"),
                         predict_pb2.PredictResponse)
        check(f"gRPC half_plus_two Predict {i} OK",
              err is None and list(resp.outputs["y"].float_val) == [2.5, 4.0], str(err))
        grpc_calls["ok"] += 1
    resp, err = call("/tensorflow.serving.PredictionService/Predict", hp2_request("bogus"),
                     predict_pb2.PredictResponse)
    check("gRPC half_plus_two Predict with bad alias -> INVALID_ARGUMENT",
          err is not None and err.code() == grpc.StatusCode.INVALID_ARGUMENT, str(err))
    grpc_calls["fail"] += 1
    sreq = get_model_status_pb2.GetModelStatusRequest()
    sreq.model_spec.name = "mlp"
    resp, err = call("/tensorflow.serving.ModelService/GetModelStatus", sreq,
                     get_model_status_pb2.GetModelStatusResponse)
    check("gRPC GetModelStatus mlp OK", err is None, str(err))
    grpc_calls["ok"] += 1

# ---- Scrape and assert exact counts ----
fams, text = scrape()
RC = ":tensorflow:serving:request_count"
expect_counts = {
    (RC, "mlp", "OK"): ok_mlp,
    (RC, "mlp", "INVALID_ARGUMENT"): bad_input + 1,
    (RC, "half_plus_two", "OK"): 1 + burst + (2 if grpc_on else 0),
    (RC, "half_plus_two", "NOT_FOUND"): 1,
    (RC, "half_plus_two", "INVALID_ARGUMENT"): 1 if grpc_on else None,
    (RC, "", "NOT_FOUND"): unknown,
}
for (fam, model, status), want in expect_counts.items():
    got = value(fams, fam, fam, model_name=model, status=status)
    check(f"request_count{{model_name={model!r},status={status}}} == {want}", got == want, f"got {got}")
check("unknown model names are not label values", "ghost" not in text)

RL = ":tensorflow:serving:request_latency"
check("request_latency count mlp/Predict/REST == 9",
      value(fams, RL, RL + "_count", model_name="mlp", API="Predict", entrypoint="REST") == ok_mlp + bad_input + 1)
check(f"request_latency count half_plus_two/Predict/REST == {burst + 2}",
      value(fams, RL, RL + "_count", model_name="half_plus_two", API="Predict", entrypoint="REST") == burst + 2)
if grpc_on:
    check("request_latency count half_plus_two/Predict/GRPC == 3",
          value(fams, RL, RL + "_count", model_name="half_plus_two", API="Predict", entrypoint="GRPC") == 3)
# 33 buckets of 10 * 1.8^i microseconds, plus +Inf.
les = sorted(dict(lab)["le"] for (name, lab) in fams[RL]["samples"]
             if name == RL + "_bucket" and dict(lab).get("model_name") == "mlp")
check("request_latency has 33 finite buckets from 10 us",
      len(les) == 34 and {"10", "18", "32.4", "58.32"} <= set(les), str(les))
RT = ":tensorflow:serving:runtime_latency"
# Only requests that reached the model run: the unknown-input and malformed ones fail before.
check("runtime_latency count mlp/Predict/TF1 == 5",
      value(fams, RT, RT + "_count", model_name="mlp", API="Predict", runtime="TF1") == ok_mlp)
rt_sum = value(fams, RT, RT + "_sum", model_name="mlp", API="Predict", runtime="TF1")
rl_sum = value(fams, RL, RL + "_sum", model_name="mlp", API="Predict", entrypoint="REST")
check("runtime_latency sum <= request_latency sum", rt_sum is not None and 0 < rt_sum <= rl_sum, f"{rt_sum} {rl_sum}")

SR = "serval_requests_total"
serval_expect = [
    ({"entrypoint": "REST", "api": "Predict", "model": "mlp", "version": "1", "signature": "serving_default",
      "status": "OK"}, ok_mlp),
    ({"entrypoint": "REST", "api": "Predict", "model": "mlp", "version": "1", "signature": "serving_default",
      "status": "INVALID_ARGUMENT"}, bad_input),
    ({"entrypoint": "REST", "api": "Predict", "model": "mlp", "version": "1", "signature": "",
      "status": "INVALID_ARGUMENT"}, 1),
    ({"entrypoint": "REST", "api": "Predict", "model": "half_plus_two", "version": "7", "signature": "",
      "status": "NOT_FOUND"}, 1),
    ({"entrypoint": "REST", "api": "Predict", "model": "half_plus_two", "version": "1",
      "signature": "serving_default", "status": "OK"}, 1 + burst),
    ({"entrypoint": "REST", "api": "Predict", "model": "", "version": "", "signature": "",
      "status": "NOT_FOUND"}, unknown),
    ({"entrypoint": "REST", "api": "GetModelStatus", "model": "mlp", "version": "", "signature": "",
      "status": "OK"}, 1),
    ({"entrypoint": "REST", "api": "GetModelMetadata", "model": "mlp", "version": "", "signature": "",
      "status": "OK"}, 1),
    ({"entrypoint": "REST", "api": "GetModelMetadata", "model": "", "version": "", "signature": "",
      "status": "NOT_FOUND"}, 1),
]
if grpc_on:
    serval_expect += [
        ({"entrypoint": "GRPC", "api": "Predict", "model": "half_plus_two", "version": "1",
          "signature": "serving_default", "status": "OK"}, 2),
        ({"entrypoint": "GRPC", "api": "Predict", "model": "half_plus_two", "version": "1",
          "signature": "serving_default", "status": "INVALID_ARGUMENT"}, 1),
        ({"entrypoint": "GRPC", "api": "GetModelStatus", "model": "mlp", "version": "", "signature": "",
          "status": "OK"}, 1),
    ]
for labels, want in serval_expect:
    got = value(fams, SR, SR, **labels)
    check(f"serval_requests_total{labels} == {want}", got == want, f"got {got}")
total = sum(v for (name, _), v in fams[SR]["samples"].items())
check("serval_requests_total has no other requests", total == sum(w for _, w in serval_expect),
      f"{total} vs {sum(w for _, w in serval_expect)}")
SL = "serval_request_latency_seconds"
check("serval latency count mlp v1 serving_default == 8",
      value(fams, SL, SL + "_count", entrypoint="REST", api="Predict", model="mlp", version="1",
            signature="serving_default") == ok_mlp + bad_input)
check("in-flight gauge back to 0 (REST)",
      value(fams, "serval_requests_in_flight", "serval_requests_in_flight", entrypoint="REST") == 0)

# ---- Access log: one line per HTTP request and gRPC call ----
rest_lines, grpc_lines = [], []
LINE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) (REST|GRPC) (\S+) (\S+) (\S+) "
                  r"(\d+\.\d{3}) (\d+) (\d+)")
bad_lines = []
with open(access_path) as f:
    for line in f:
        m = LINE.fullmatch(line.rstrip("\n"))
        if not m:
            bad_lines.append(line)
        elif m.group(3) == "REST":
            rest_lines.append(m)
        else:
            grpc_lines.append(m)
check("access log lines are well-formed", not bad_lines, "".join(bad_lines[:3]))
# Lines are written before the reply is sent, so every request made so far is in the file.
# Readiness probes are left out: how many the start-up loop sent depends on timing.
not_probe = [m for m in rest_lines if m.group(5) != "/v2/health/ready"]
check("access log has one line per REST request",
      len(not_probe) == http_requests - 1, f"{len(not_probe)} vs {http_requests - 1}")
predict_200 = [m for m in rest_lines if m.group(4) == "POST" and m.group(5) == "/v1/models/mlp:predict"
               and m.group(6) == "200"]
check("access log: 5 mlp predicts with 200, peer 127.0.0.1, sizes",
      len(predict_200) == ok_mlp and all(m.group(2).startswith("127.0.0.1:") and int(m.group(8)) > 0
                                         and int(m.group(9)) > 0 for m in predict_200))
if grpc_on:
    want = ["/tensorflow.serving.PredictionService/Predict OK"] * 2 + [
        "/tensorflow.serving.PredictionService/Predict INVALID_ARGUMENT",
        "/tensorflow.serving.ModelService/GetModelStatus OK"]
    check("access log: gRPC calls with RPC method and status name",
          [f"{m.group(5)} {m.group(6)}" for m in grpc_lines] == want and all(m.group(4) == "RPC" for m in grpc_lines),
          str([m.group(0) for m in grpc_lines]))

# ---- Server log: one line per failed request ----
with open(log_path, errors="replace") as f:
    failed = [line for line in f if "request failed:" in line]
want_failed = rest_failed + grpc_calls["fail"]
check(f"server log has {want_failed} 'request failed' lines", len(failed) == want_failed,
      "".join(failed))
check("failed-request line names model, version, signature and error",
      any("REST Predict model 'mlp' version 1 signature 'serving_default' status INVALID_ARGUMENT:" in l
          and "nope" in l for l in failed), "".join(failed[:3]))

# ---- A custom path; monitoring off without the flag ----
for proc_, log_ in procs:
    proc_.terminate()
    proc_.wait()
custom = os.path.join(tmp, "custom.config")
with open(custom, "w") as f:
    f.write('prometheus_config { enable: true path: "/my/metrics" }\n')
proc2, port2, _ = start_server(["--port=0", f"--monitoring_config_file={custom}"], "custom")
st, body, _ = request(port2, "GET", "/my/metrics")
check("custom prometheus_config.path serves metrics", st == 200 and "# TYPE :tensorflow:serving:request_count" in body)
st, _, _ = request(port2, "GET", DEFAULT_PATH)
check("default path is not served when a custom path is set", st == 404, str(st))
proc2.terminate()
proc2.wait()
proc3, port3, _ = start_server(["--port=0"], "off")
st, _, _ = request(port3, "GET", DEFAULT_PATH)
check("no --monitoring_config_file: no metrics endpoint", st == 404, str(st))
disabled = os.path.join(tmp, "disabled.config")
with open(disabled, "w") as f:
    f.write("prometheus_config { enable: false }\n")
proc3.terminate()
proc3.wait()
proc4, port4, _ = start_server(["--port=0", f"--monitoring_config_file={disabled}"], "disabled")
st, _, _ = request(port4, "GET", DEFAULT_PATH)
check("enable: false: no metrics endpoint", st == 404, str(st))
finish()
