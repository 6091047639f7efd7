#!/usr/bin/env python3
"""End-to-end and wire-level test of the TF Serving gRPC API of the real server binary.

Runs with /usr/bin/python3 and Debian's python3-grpcio / python3-protobuf. Python messages are
generated at test time with `protoc --python_out` from Serval's own .proto files (--proto-dir), and
every call goes through grpc's generic `channel.unary_unary('/tensorflow.serving.X/Y', ...)`.

Starts tensorflow_model_server on free loopback ports (--port, --rest_api_port) with a
--model_config_file listing every fixture of $SERVAL_FIXTURES/savedmodels except neg_fuzz_* (bare
SavedModel folders are served as version 1 through a symlink), waits for REST /v2/health/ready and
for the gRPC port, then checks:
  - every golden case through Predict (inputs as tensor_content for some cases, typed *_val fields
    for others), tf.Example cases through Classify / Regress (ExampleList) when the signature's
    method is classify / regress, else as a DT_STRING tensor of serialized examples through Predict;
  - the counter's sequence.json in order (zero-input signatures are allowed over gRPC);
  - GetModelMetadata (Any -> SignatureDefMap with the manifest's signature keys) and
    GetModelStatus (an AVAILABLE version) for every fixture;
  - bad inputs and their status codes; output_filter; scalar broadcast; MultiInference;
  - HandleReloadConfigRequest removing a model (then NOT_FOUND) and adding it back;
  - wire level (wire.py, no generated code): Predict, Classify, Regress, GetModelMetadata and
    GetModelStatus request bytes built by hand from the §2 field numbers, responses decoded field
    by field.
Prints one line per check and "N passed, M failed"; exits 1 on any failure. Skips loudly (exit 0)
when the fixture folder is absent or when the server does not accept / open --port
("SKIPPED: gRPC not available"); once gRPC answers, every failure counts.
"""
import argparse
import glob
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import fixture_layout  # noqa: E402
import wire  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--server", required=True, help="path of the tensorflow_model_server binary")
ap.add_argument("--proto-dir", required=True, help="src/serval/proto")
ap.add_argument("--fixtures", default=os.environ.get("SERVAL_FIXTURES", "../shared/fixtures"))
ap.add_argument("--protoc", default="protoc")
ap.add_argument("--keep", action="store_true", help="keep the temp folder and server log")
args = ap.parse_args()

GOLDEN = os.path.join(args.fixtures, "golden")
MODELS = os.path.join(args.fixtures, "savedmodels")
if not os.path.isdir(GOLDEN) or not os.path.isdir(MODELS):
    print(f"SKIPPED: fixture folder {args.fixtures} is absent; set SERVAL_FIXTURES to run the gRPC e2e test")
    sys.exit(0)

try:
    import grpc
except ImportError:
    print("FAIL python3-grpcio is not installed (apt-get install python3-grpcio)")
    print("0 passed, 1 failed")
    sys.exit(1)

results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    line = f"{'PASS' if ok else 'FAIL'} {name}"
    if detail and not ok:
        line += f": {detail}"
    print(line, flush=True)
    return ok


def note(msg):
    print(f"NOTE {msg}", flush=True)


free_port = fixture_layout.free_port


# ---------------------------------------------------------------------------------------------
# Fixtures, manifest and the model config (tests/e2e/fixture_layout.py)

manifest = fixture_layout.load_manifest(args.fixtures)


def signatures_of(fixture, version_dir=None):
    return fixture_layout.signatures_of(manifest, fixture, version_dir)


version_dirs = fixture_layout.version_dirs
tmp = tempfile.mkdtemp(prefix="serval_grpc_e2e_")
fixtures = fixture_layout.servable_fixtures(MODELS)
base_paths = fixture_layout.base_paths_for(MODELS, fixtures, tmp)


def multi_version(name):
    return len(version_dirs(base_paths[name])) > 1


def config_text(models):
    parts = ["model_config_list {"]
    for name, bp in models.items():
        policy = " model_version_policy { all {} }" if multi_version(name) else ""
        parts.append(f"  config {{ name: '{name}' base_path: '{bp}' model_platform: 'tensorflow'{policy} }}")
    parts.append("}")
    return "\n".join(parts) + "\n"


config_path = os.path.join(tmp, "models.config")
with open(config_path, "w") as f:
    f.write(config_text(base_paths))

# ---------------------------------------------------------------------------------------------
# Generated messages

gen_dir = os.path.join(tmp, "py")
os.makedirs(gen_dir)
protos = sorted(os.path.relpath(p, args.proto_dir)
                for p in glob.glob(os.path.join(args.proto_dir, "**", "*.proto"), recursive=True))
protoc = subprocess.run([args.protoc, f"--python_out={gen_dir}", "-I", args.proto_dir, *protos],
                        capture_output=True, text=True)
protoc_err = "" if protoc.returncode == 0 else protoc.stderr[-1500:]
sys.path.insert(0, gen_dir)
pb = {}
pb_err = {}
for mod in ("tensorflow.core.framework.tensor_pb2", "tensorflow.core.framework.types_pb2",
            "tensorflow.core.example.example_pb2", "tensorflow.core.example.feature_pb2",
            "tensorflow_serving.apis.model_pb2", "tensorflow_serving.apis.predict_pb2",
            "tensorflow_serving.apis.classification_pb2", "tensorflow_serving.apis.regression_pb2",
            "tensorflow_serving.apis.inference_pb2", "tensorflow_serving.apis.input_pb2",
            "tensorflow_serving.apis.get_model_metadata_pb2", "tensorflow_serving.apis.get_model_status_pb2",
            "tensorflow_serving.apis.model_management_pb2",
            "tensorflow_serving.config.model_server_config_pb2"):
    try:
        pb[mod.rsplit(".", 1)[1]] = __import__(mod, fromlist=["x"])
    except Exception as e:  # noqa: BLE001 - reported below once gRPC is known to answer
        pb_err[mod] = f"{type(e).__name__}: {e}"

# ---------------------------------------------------------------------------------------------
# Start the server

rest_port = free_port()
grpc_port = free_port()
log_path = os.path.join(tmp, "server.log")
log = open(log_path, "wb")
cmd = [args.server, f"--port={grpc_port}", f"--rest_api_port={rest_port}",
       f"--model_config_file={config_path}", "--file_system_poll_wait_seconds=1",
       "--enable_batching=false"]
print("starting: " + " ".join(cmd), flush=True)
proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)


def server_log_tail(n=40):
    try:
        with open(log_path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def finish(code, skipped=None):
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    log.close()
    if results["failed"]:
        print("---- server log (tail) ----\n" + server_log_tail(60))
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    if skipped:
        print(f"SKIPPED: gRPC not available ({skipped})")
        sys.exit(0)
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(code)


def rest_ready():
    import http.client
    try:
        c = http.client.HTTPConnection("127.0.0.1", rest_port, timeout=5)
        c.request("GET", "/v2/health/ready")
        st = c.getresponse().status
        c.close()
        return st == 200
    except OSError:
        return False


t0 = time.time()
while time.time() - t0 < 300 and proc.poll() is None and not rest_ready():
    time.sleep(0.25)
if proc.poll() is not None:
    tail = server_log_tail()
    if "port" in tail.lower() and ("unknown" in tail.lower() or "unrecognized" in tail.lower()
                                   or "not supported" in tail.lower()):
        finish(0, skipped=f"the server refused --port: {tail.strip()[-300:]}")
    check("server starts", False, f"exited with {proc.returncode}:\n{tail}")
    finish(1)
check(f"REST /v2/health/ready after loading {len(fixtures)} fixtures ({time.time() - t0:.1f}s)", rest_ready(),
      "still not ready after 300 s")

channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}",
                                options=[("grpc.max_receive_message_length", -1),
                                         ("grpc.max_send_message_length", -1)])
try:
    grpc.channel_ready_future(channel).result(timeout=15)
except grpc.FutureTimeoutError:
    finish(0, skipped=f"nothing listens on --port={grpc_port} after 15 s")

# gRPC answers: from here on every failure counts.
check("protoc --python_out compiles Serval's .proto files", not protoc_err, protoc_err)
check("generated modules import", not pb_err, "; ".join(f"{k}: {v}" for k, v in pb_err.items()))

PS = "/tensorflow.serving.PredictionService/"
MS = "/tensorflow.serving.ModelService/"
TIMEOUT = 120


def call(path, req, resp_cls):
    """Returns (response, None) or (None, grpc.RpcError)."""
    fn = channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                             response_deserializer=resp_cls.FromString)
    try:
        return fn(req, timeout=TIMEOUT), None
    except grpc.RpcError as e:
        return None, e


def call_raw(path, data):
    fn = channel.unary_unary(path, request_serializer=lambda b: b, response_deserializer=lambda b: b)
    try:
        return fn(data, timeout=TIMEOUT), None
    except grpc.RpcError as e:
        return None, e


def err_text(e):
    return f"{e.code().name}: {e.details()}" if e is not None else ""


# ---------------------------------------------------------------------------------------------
# Tensor helpers

PACK = {"DT_FLOAT": "f", "DT_DOUBLE": "d", "DT_INT32": "i", "DT_INT64": "q", "DT_INT16": "h",
        "DT_INT8": "b", "DT_UINT8": "B", "DT_UINT16": "H", "DT_UINT32": "I", "DT_UINT64": "Q", "DT_BOOL": "?"}
VAL_FIELD = {"DT_FLOAT": "float_val", "DT_DOUBLE": "double_val", "DT_INT32": "int_val", "DT_INT16": "int_val",
             "DT_INT8": "int_val", "DT_UINT8": "int_val", "DT_UINT16": "int_val", "DT_INT64": "int64_val",
             "DT_BOOL": "bool_val", "DT_STRING": "string_val", "DT_UINT32": "uint32_val",
             "DT_UINT64": "uint64_val", "DT_HALF": "half_val", "DT_BFLOAT16": "half_val"}


def flatten(v):
    if isinstance(v, list):
        out = []
        for x in v:
            out.extend(flatten(x))
        return out
    return [v]


def make_tensor(dtype, shape, values, use_content):
    t = pb["tensor_pb2"].TensorProto()
    t.dtype = pb["types_pb2"].DataType.Value(dtype)
    for d in shape:
        t.tensor_shape.dim.add().size = d
    vals = flatten(values)
    if dtype == "DT_STRING":
        t.string_val.extend(v if isinstance(v, bytes) else str(v).encode() for v in vals)
    elif use_content and dtype in PACK:
        t.tensor_content = struct.pack(f"<{len(vals)}{PACK[dtype]}", *vals)
    else:
        getattr(t, VAL_FIELD[dtype]).extend(vals)
    return t


def tensor_values(t):
    """(dtype name, shape, flat values) of a response TensorProto, per §2.3 decoding rules."""
    dtype = pb["types_pb2"].DataType.Name(t.dtype)
    shape = [d.size for d in t.tensor_shape.dim]
    n = 1
    for d in shape:
        n *= d
    if t.tensor_content and dtype in PACK:
        c = PACK[dtype]
        vals = list(struct.unpack(f"<{len(t.tensor_content) // struct.calcsize(c)}{c}", t.tensor_content))
    else:
        vals = list(getattr(t, VAL_FIELD.get(dtype, "float_val")))
        if dtype == "DT_STRING":
            vals = [v.decode("utf-8", errors="replace") for v in vals]
        if 0 < len(vals) < n:
            vals += [vals[-1]] * (n - len(vals))
    return dtype, shape, vals


def compare(got, want, dtype, atol, rtol):
    if len(got) != len(want):
        return f"{len(got)} values, expected {len(want)}"
    for i, (a, b) in enumerate(zip(got, want)):
        if dtype in ("DT_FLOAT", "DT_DOUBLE", "DT_HALF", "DT_BFLOAT16"):
            if isinstance(b, float) and math.isnan(b):
                if not math.isnan(a):
                    return f"value {i}: got {a}, expected NaN"
                continue
            if abs(a - b) > atol + rtol * abs(b):
                return f"value {i}: got {a}, expected {b} (atol {atol}, rtol {rtol})"
        elif dtype == "DT_BOOL":
            if bool(a) != bool(b):
                return f"value {i}: got {a!r}, expected {b!r}"
        elif a != b:
            return f"value {i}: got {a!r}, expected {b!r}"
    return ""


def compare_outputs(outputs, golden_outputs, atol, rtol):
    errs = []
    for name, spec in golden_outputs.items():
        if name not in outputs:
            errs.append(f"output '{name}' missing (got {sorted(outputs)})")
            continue
        dtype, shape, vals = tensor_values(outputs[name])
        if dtype != spec["dtype"]:
            errs.append(f"output '{name}': dtype {dtype}, expected {spec['dtype']}")
            continue
        if shape != list(spec["shape"]):
            errs.append(f"output '{name}': shape {shape}, expected {spec['shape']}")
            continue
        e = compare(vals, flatten(spec["data"]), spec["dtype"], atol, rtol)
        if e:
            errs.append(f"output '{name}': {e}")
    return "; ".join(errs)


def example_bytes(feats):
    ex = pb["example_pb2"].Example()
    for k, vs in feats.items():
        vs = vs if isinstance(vs, list) else [vs]
        feat = ex.features.feature[k]
        if all(isinstance(v, str) for v in vs):
            feat.bytes_list.value.extend(v.encode() for v in vs)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in vs):
            feat.int64_list.value.extend(vs)
        else:
            feat.float_list.value.extend(float(v) for v in vs)
    return ex


def spec_for(req_spec, fx, version, signature):
    req_spec.name = fx
    if signature is not None:
        req_spec.signature_name = signature
    if version and version_dirs(os.path.join(MODELS, fx)):
        req_spec.version.value = int(version)


# ---------------------------------------------------------------------------------------------
# Status and metadata for every fixture

if not pb_err:
    P = pb["predict_pb2"]
    for fx in fixtures:
        req = pb["get_model_status_pb2"].GetModelStatusRequest()
        req.model_spec.name = fx
        resp, e = call(MS + "GetModelStatus", req, pb["get_model_status_pb2"].GetModelStatusResponse)
        states = [] if e else [(s.version, s.state, s.status.error_code) for s in resp.model_version_status]
        check(f"GetModelStatus {fx}: an AVAILABLE version with error_code OK",
              not e and any(s[1] == 30 and s[2] == 0 for s in states), err_text(e) or f"got {states}")

        req = pb["get_model_metadata_pb2"].GetModelMetadataRequest()
        req.model_spec.name = fx
        req.metadata_field.append("signature_def")
        resp, e = call(PS + "GetModelMetadata", req, pb["get_model_metadata_pb2"].GetModelMetadataResponse)
        vdirs = version_dirs(os.path.join(MODELS, fx))
        want = set(signatures_of(fx, vdirs[-1] if vdirs else None)) - {"__saved_model_init_op"}
        detail = err_text(e)
        ok = False
        if not e:
            anyv = resp.metadata.get("signature_def") if "signature_def" in resp.metadata else None
            if anyv is None:
                detail = f"no metadata['signature_def'] (keys {list(resp.metadata)})"
            elif anyv.type_url != "type.googleapis.com/tensorflow.serving.SignatureDefMap":
                detail = f"type_url {anyv.type_url!r}"
            else:
                sdm = pb["get_model_metadata_pb2"].SignatureDefMap()
                sdm.ParseFromString(anyv.value)
                keys = set(sdm.signature_def.keys())
                want_version = int(vdirs[-1]) if vdirs else 1
                ok = bool(want) and want <= keys and resp.model_spec.name == fx and \
                    resp.model_spec.version.value == want_version
                detail = f"keys {sorted(keys)}, model_spec {resp.model_spec}".replace("\n", " ")
        check(f"GetModelMetadata {fx}: SignatureDefMap with {sorted(want)}", ok, detail)

# ---------------------------------------------------------------------------------------------
# Golden cases

case_no = [0]


def run_predict_case(fx, tag, g, inputs, outputs, version, signature, atol, rtol):
    req = P.PredictRequest()
    spec_for(req.model_spec, fx, version, signature)
    enc = []
    for k, v in inputs.items():
        if v.get("encoding") == "tf.Example":
            exs = [example_bytes(x).SerializeToString() for x in v["examples"]]
            req.inputs[k].CopyFrom(make_tensor("DT_STRING", v["shape"], exs, False))
            enc.append("tf.Example strings")
        else:
            case_no[0] += 1
            use_content = case_no[0] % 2 == 0
            req.inputs[k].CopyFrom(make_tensor(v["dtype"], v["shape"], v["data"], use_content))
            enc.append("tensor_content" if use_content and v["dtype"] in PACK else "*_val")
    resp, e = call(PS + "Predict", req, P.PredictResponse)
    if e:
        return err_text(e), enc
    return compare_outputs(resp.outputs, outputs, atol, rtol), enc


def run_examples_case(fx, tag, g, method):
    examples = next(v["examples"] for v in g["inputs"].values() if v.get("encoding") == "tf.Example")
    verb = "Classify" if method.endswith("classify") else "Regress"
    mod = pb["classification_pb2"] if verb == "Classify" else pb["regression_pb2"]
    req = mod.ClassificationRequest() if verb == "Classify" else mod.RegressionRequest()
    spec_for(req.model_spec, fx, g.get("version"), g["signature"])
    for x in examples:
        req.input.example_list.examples.add().CopyFrom(example_bytes(x))
    resp, e = call(PS + verb, req, mod.ClassificationResponse if verb == "Classify" else mod.RegressionResponse)
    atol, rtol = g.get("atol", 0) or 0, g.get("rtol", 0) or 0
    outs = g["outputs"]
    if e:
        err = err_text(e)
    elif verb == "Regress":
        got = [r.value for r in resp.result.regressions]
        err = compare(got, flatten(next(iter(outs.values()))["data"]), "DT_FLOAT", atol, rtol)
    else:
        err = ""
        rows = resp.result.classifications
        if "scores" in outs:
            err = compare([c.score for row in rows for c in row.classes], flatten(outs["scores"]["data"]),
                          "DT_FLOAT", atol, rtol)
        if not err and "classes" in outs:
            err = compare([c.label for row in rows for c in row.classes], flatten(outs["classes"]["data"]),
                          "DT_STRING", 0, 0)
    if not err and resp.model_spec.name != fx:
        err = f"response model_spec.name {resp.model_spec.name!r}"
    check(f"golden {tag} {verb}", not err, err)


if not pb_err:
    for fx in sorted(os.listdir(GOLDEN)):
        if fx not in base_paths:
            continue
        for gfile in sorted(os.listdir(os.path.join(GOLDEN, fx))):
            if not gfile.endswith(".json") or gfile == "sequence.json":
                continue
            with open(os.path.join(GOLDEN, fx, gfile)) as f:
                g = json.load(f)
            if g.get("expect_load_error") or "outputs" not in g:
                continue
            tag = f"{fx}/{gfile}"
            inputs = g.get("inputs", {})
            if any(v.get("encoding") == "tf.Example" for v in inputs.values()):
                v = g.get("version")
                method = signatures_of(fx, v if v else None).get(g["signature"], "")
                if method.endswith("/classify") or method.endswith("/regress"):
                    run_examples_case(fx, tag, g, method)
                    continue
            err, enc = run_predict_case(fx, tag, g, inputs, g["outputs"], g.get("version"), g["signature"],
                                        g.get("atol", 0) or 0, g.get("rtol", 0) or 0)
            check(f"golden {tag} Predict ({', '.join(enc) or 'no inputs'})", not err, err)

    seq_path = os.path.join(GOLDEN, "tfs_saved_model_counter", "sequence.json")
    if os.path.exists(seq_path) and "tfs_saved_model_counter" in base_paths:
        with open(seq_path) as f:
            seq = json.load(f)
        err = ""
        for i, step in enumerate(seq["steps"]):
            e, _ = run_predict_case("tfs_saved_model_counter", "", step, step["inputs"], step["outputs"], None,
                                    step["signature"], seq.get("atol", 0) or 0, seq.get("rtol", 0) or 0)
            if e:
                err = f"step {i} ({step['signature']}): {e}"
                break
        check(f"golden tfs_saved_model_counter/sequence.json Predict ({len(seq['steps'])} steps in order)",
              not err, err)

# ---------------------------------------------------------------------------------------------
# Semantics and bad inputs (on tfs_half_plus_two_cpu: serving_default x[-1,1] float -> y)

HP2 = "tfs_half_plus_two_cpu"


def predict(name=HP2, sig=None, inputs=None, version=None, output_filter=()):
    req = P.PredictRequest()
    req.model_spec.name = name
    if sig is not None:
        req.model_spec.signature_name = sig
    if version is not None:
        req.model_spec.version.value = version
    for k, t in (inputs if inputs is not None else {"x": make_tensor("DT_FLOAT", [3, 1], [1, 2, 5], False)}).items():
        req.inputs[k].CopyFrom(t)
    req.output_filter.extend(output_filter)
    return call(PS + "Predict", req, P.PredictResponse)


def expect_code(name, result, code, contains=""):
    resp, e = result
    if e is None:
        return check(name, False, f"succeeded, expected {code.name}")
    ok = e.code() == code and contains in (e.details() or "")
    return check(name, ok, f"got {err_text(e)}; expected {code.name}" + (f" containing {contains!r}" if contains else ""))


if not pb_err and HP2 in base_paths:
    SC = grpc.StatusCode
    resp, e = predict()
    ok = not e and compare(tensor_values(resp.outputs["y"])[2], [2.5, 3.0, 4.5], "DT_FLOAT", 1e-5, 1e-4) == ""
    check("Predict half_plus_two x=[1,2,5] -> y=[2.5,3,4.5]", ok, err_text(e) or str(resp)[:300])
    if not e:
        ms = resp.model_spec
        check("PredictResponse.model_spec: name, signature used and version served",
              ms.name == HP2 and ms.signature_name == "serving_default" and ms.HasField("version")
              and ms.version.value == 123, str(ms).replace("\n", " "))
    resp, e = predict(version=123)
    check("Predict with model_spec.version=123", not e, err_text(e))
    resp, e = predict(inputs={"x": make_tensor("DT_FLOAT", [3, 1], [7.0], False)})
    ok = not e and compare(tensor_values(resp.outputs["y"])[2], [5.5] * 3, "DT_FLOAT", 1e-5, 1e-4) == ""
    check("Predict: a single float_val broadcasts to shape [3,1]", ok, err_text(e) or str(resp)[:300])

    expect_code("bad input: wrong dtype (DT_INT32 for a DT_FLOAT input) is INVALID_ARGUMENT",
                predict(inputs={"x": make_tensor("DT_INT32", [3, 1], [1, 2, 5], False)}), SC.INVALID_ARGUMENT)
    # Shapes pass through unchecked, as in TF Serving: half_plus_two is elementwise, so [3,2] runs.
    # A shape the graph cannot run (keras_mlp_stock's MatMul needs 10 columns) fails, and the
    # error names the declared shape.
    expect_code("bad input: a shape the graph cannot run ([2,9] for [-1,10]) is INVALID_ARGUMENT",
                predict(name="keras_mlp_stock",
                        inputs={"dense_input": make_tensor("DT_FLOAT", [2, 9], [0.5] * 18, False)}),
                SC.INVALID_ARGUMENT, "the signature declares [-1,10]")
    expect_code("bad input: tensor_content of the wrong length is INVALID_ARGUMENT",
                predict(inputs={"x": make_tensor("DT_FLOAT", [3, 1], [1, 2], True)}), SC.INVALID_ARGUMENT)
    expect_code("bad input: unknown signature is FAILED_PRECONDITION",
                predict(sig="no_such_signature"), SC.FAILED_PRECONDITION,
                'Serving signature key "no_such_signature" not found')
    expect_code("bad input: unknown input name is INVALID_ARGUMENT",
                predict(inputs={"z": make_tensor("DT_FLOAT", [3, 1], [1, 2, 5], False)}), SC.INVALID_ARGUMENT)
    expect_code("bad input: an extra input is INVALID_ARGUMENT",
                predict(inputs={"x": make_tensor("DT_FLOAT", [3, 1], [1, 2, 5], False),
                                "extra": make_tensor("DT_FLOAT", [3, 1], [1, 2, 5], False)}),
                SC.INVALID_ARGUMENT, "input size does not match signature")
    expect_code("bad input: missing model is NOT_FOUND", predict(name="no_such_model"), SC.NOT_FOUND)
    expect_code("bad input: missing version is NOT_FOUND", predict(version=999), SC.NOT_FOUND,
                "Servable not found for request")
    expect_code("bad input: unknown output_filter alias is INVALID_ARGUMENT",
                predict(output_filter=["nope"]), SC.INVALID_ARGUMENT, "output tensor alias not found in signature")
    expect_code("bad input: duplicate output_filter alias is INVALID_ARGUMENT",
                predict(output_filter=["y", "y"]), SC.INVALID_ARGUMENT, "duplicate output tensor alias")
    resp, e = predict(output_filter=["y"])
    check("Predict with output_filter ['y'] returns just y", not e and list(resp.outputs) == ["y"],
          err_text(e) or str(list(resp.outputs)))
    MD = pb["get_model_metadata_pb2"]
    req = MD.GetModelMetadataRequest()
    req.model_spec.name = HP2
    expect_code("bad input: GetModelMetadata without metadata_field is INVALID_ARGUMENT",
                call(PS + "GetModelMetadata", req, MD.GetModelMetadataResponse), SC.INVALID_ARGUMENT)
    req.metadata_field.append("bogus")
    expect_code("bad input: GetModelMetadata with an unsupported field is INVALID_ARGUMENT",
                call(PS + "GetModelMetadata", req, MD.GetModelMetadataResponse), SC.INVALID_ARGUMENT,
                "Metadata field bogus is not supported")
    ST = pb["get_model_status_pb2"]
    req = ST.GetModelStatusRequest()
    req.model_spec.name = "no_such_model"
    expect_code("bad input: GetModelStatus of a missing model is NOT_FOUND",
                call(MS + "GetModelStatus", req, ST.GetModelStatusResponse), SC.NOT_FOUND)
    resp, e = predict()
    check("a good Predict still works after the bad ones", not e, err_text(e))

    # MultiInference: classify + regress over one Input.
    I = pb["inference_pb2"]
    req = I.MultiInferenceRequest()
    for sig, method in (("classify_x_to_y", "tensorflow/serving/classify"),
                        ("regress_x_to_y", "tensorflow/serving/regress")):
        t = req.tasks.add()
        t.model_spec.name = HP2
        t.model_spec.signature_name = sig
        t.method_name = method
    for x in (1.0, 2.0, 5.0):
        req.input.example_list.examples.add().CopyFrom(example_bytes({"x": [x]}))
    resp, e = call(PS + "MultiInference", req, I.MultiInferenceResponse)
    err = err_text(e)
    if not e:
        if len(resp.results) != 2:
            err = f"{len(resp.results)} results"
        else:
            err = compare([c.score for row in resp.results[0].classification_result.classifications
                           for c in row.classes], [2.5, 3.0, 4.5], "DT_FLOAT", 1e-5, 1e-4) or \
                compare([r.value for r in resp.results[1].regression_result.regressions], [2.5, 3.0, 4.5],
                        "DT_FLOAT", 1e-5, 1e-4)
    check("MultiInference classify_x_to_y + regress_x_to_y", not err, err)

# ---------------------------------------------------------------------------------------------
# Wire level: hand-built request bytes, responses decoded field by field


def wire_check(name, fn):
    try:
        err = fn()
    except Exception as ex:  # noqa: BLE001 - a decode error is a failure of the check
        err = f"{type(ex).__name__}: {ex}"
    check(f"wire: {name}", not err, err)


def wire_predict():
    data = wire.predict_request(HP2, "serving_default", {"x": wire.tensor_float([3, 1], [1, 2, 5])})
    out, e = call_raw(PS + "Predict", data)
    if e:
        return err_text(e)
    if not set(wire.field_numbers(out)) <= {1, 2}:
        return f"PredictResponse has fields {wire.field_numbers(out)}, expected only 1 (outputs), 2 (model_spec)"
    outs = wire.map_entries(out, 1)
    if list(outs) != ["y"]:
        return f"outputs (field 1) keys {list(outs)}"
    dtype, shape, vals = wire.decode_tensor(outs["y"])
    if dtype != 1 or shape != [3, 1] or compare(vals, [2.5, 3.0, 4.5], "DT_FLOAT", 1e-5, 1e-4):
        return f"y: dtype(1)={dtype} shape(2)={shape} values={vals}"
    ms = wire.decode_model_spec(wire.get_one(out, 2, b""))
    if ms["name"] != HP2 or ms["version"] != 123 or ms["signature_name"] != "serving_default":
        return f"model_spec (field 2) {ms}"
    return ""


def wire_examples(verb, sig, want):
    exs = [wire.example_floats({"x": [x]}) for x in (1.0, 2.0, 5.0)]
    out, e = call_raw(PS + verb, wire.classification_request(HP2, sig, exs))
    if e:
        return err_text(e)
    if not set(wire.field_numbers(out)) <= {1, 2}:
        return f"{verb}Response has fields {wire.field_numbers(out)}"
    result = wire.get_one(out, 1, b"")
    if verb == "Classify":  # ClassificationResult{classifications=1{classes=1{label=1, score=2}}}
        got = [wire.float_of(c, 2) for _, row in wire.get_all(result, 1) for _, c in wire.get_all(row, 1)]
    else:  # RegressionResult{regressions=1{value=1}}
        got = [wire.float_of(r, 1) for _, r in wire.get_all(result, 1)]
    err = compare(got, want, "DT_FLOAT", 1e-5, 1e-4)
    if err:
        return f"result (field 1): {err}"
    ms = wire.decode_model_spec(wire.get_one(out, 2, b""))
    if ms["name"] != HP2 or ms["version"] != 123 or ms["signature_name"] != sig:
        return f"model_spec (field 2) {ms}"
    return ""


def wire_metadata():
    out, e = call_raw(PS + "GetModelMetadata", wire.metadata_request(HP2))
    if e:
        return err_text(e)
    if not set(wire.field_numbers(out)) <= {1, 2}:
        return f"GetModelMetadataResponse has fields {wire.field_numbers(out)}"
    ms = wire.decode_model_spec(wire.get_one(out, 1, b""))
    if ms["name"] != HP2 or ms["version"] != 123:
        return f"model_spec (field 1) {ms}"
    md = wire.map_entries(out, 2)
    if "signature_def" not in md:
        return f"metadata (field 2) keys {list(md)}"
    type_url = wire.get_one(md["signature_def"], 1, b"").decode()
    if type_url != "type.googleapis.com/tensorflow.serving.SignatureDefMap":
        return f"Any.type_url (field 1) {type_url!r}"
    sigs = wire.map_entries(wire.get_one(md["signature_def"], 2, b""), 1)  # SignatureDefMap.signature_def = 1
    want = {"serving_default", "classify_x_to_y", "regress_x_to_y", "regress_x_to_y2", "regress_x2_to_y3"}
    if not want <= set(sigs):
        return f"SignatureDefMap keys {sorted(sigs)}"
    sd = sigs["serving_default"]  # SignatureDef{inputs=1, outputs=2, method_name=3}
    ins, outs = wire.map_entries(sd, 1), wire.map_entries(sd, 2)
    method = wire.get_one(sd, 3, b"").decode()
    if list(ins) != ["x"] or list(outs) != ["y"] or method != "tensorflow/serving/predict":
        return f"serving_default inputs {list(ins)} outputs {list(outs)} method_name {method!r}"
    ti = ins["x"]  # TensorInfo{name=1, dtype=2, tensor_shape=3}
    name, dtype = wire.get_one(ti, 1, b"").decode(), wire.get_one(ti, 2, 0)
    dims = [wire.as_int64(wire.get_one(d, 1, 0)) for _, d in wire.get_all(wire.get_one(ti, 3, b""), 2)]
    if not name.startswith("x") or dtype != 1 or dims != [-1, 1]:
        return f"TensorInfo x: name(1)={name!r} dtype(2)={dtype} dims(3)={dims}"
    method = wire.get_one(sigs["classify_x_to_y"], 3, b"").decode()
    if method != "tensorflow/serving/classify":
        return f"classify_x_to_y method_name {method!r}"
    return ""


def wire_status():
    out, e = call_raw(MS + "GetModelStatus", wire.status_request(HP2))
    if e:
        return err_text(e)
    if wire.field_numbers(out) != [1]:
        return f"GetModelStatusResponse has fields {wire.field_numbers(out)}"
    mvs = [v for _, v in wire.get_all(out, 1)]  # ModelVersionStatus{version=1, state=2, status=3}
    got = [(wire.get_one(m, 1, 0), wire.get_one(m, 2, 0), wire.get_one(wire.get_one(m, 3, b""), 1, 0)) for m in mvs]
    if (123, 30, 0) not in got:
        return f"(version, state, error_code) {got}, expected (123, 30 AVAILABLE, 0)"
    return ""


if HP2 in base_paths:
    wire_check("Predict request/response field by field", wire_predict)
    wire_check("Classify (hand-built tf.Example) scores", lambda: wire_examples("Classify", "classify_x_to_y",
                                                                                [2.5, 3.0, 4.5]))
    wire_check("Regress (hand-built tf.Example) values", lambda: wire_examples("Regress", "regress_x_to_y2",
                                                                               [3.5, 4.0, 5.5]))
    wire_check("GetModelMetadata: Any -> SignatureDefMap -> SignatureDef -> TensorInfo", wire_metadata)
    wire_check("GetModelStatus: version 123 AVAILABLE", wire_status)
else:
    check("wire: fixture tfs_half_plus_two_cpu is present", False, "absent")

# ---------------------------------------------------------------------------------------------
# HandleReloadConfigRequest: remove a model, then add it back

RELOAD = "tfs_half_plus_three"
if not pb_err and RELOAD in base_paths:
    MM = pb["model_management_pb2"]
    SC = grpc.StatusCode

    def reload(models):
        req = MM.ReloadConfigRequest()
        for name, bp in models.items():
            c = req.config.model_config_list.config.add()
            c.name = name
            c.base_path = bp
            c.model_platform = "tensorflow"
            if multi_version(name):
                c.model_version_policy.all.SetInParent()
        return call(MS + "HandleReloadConfigRequest", req, MM.ReloadConfigResponse)

    def predict_three():
        return predict(name=RELOAD, inputs={"x": make_tensor("DT_FLOAT", [3, 1], [1, 2, 5], False)})

    resp, e = predict_three()
    check(f"reload: {RELOAD} serves before the reload", not e, err_text(e))
    without = {k: v for k, v in base_paths.items() if k != RELOAD}
    resp, e = reload(without)
    check(f"reload: HandleReloadConfigRequest without {RELOAD} returns status OK",
          not e and resp.status.error_code == 0, err_text(e) or str(resp.status))
    end = time.time() + 30
    last = None
    while time.time() < end:
        last = predict_three()
        if last[1] is not None and last[1].code() == SC.NOT_FOUND:
            break
        time.sleep(0.2)
    expect_code(f"reload: Predict on removed {RELOAD} is NOT_FOUND", last, SC.NOT_FOUND)
    resp, e = predict()
    check("reload: the other models still serve", not e, err_text(e))
    resp, e = reload(base_paths)
    check(f"reload: HandleReloadConfigRequest adding {RELOAD} back returns status OK",
          not e and resp.status.error_code == 0, err_text(e) or str(resp.status))
    end = time.time() + 60
    while time.time() < end:
        resp, e = predict_three()
        if not e:
            break
        time.sleep(0.2)
    ok = not e and compare(tensor_values(resp.outputs["y"])[2], [3.5, 4.0, 5.5], "DT_FLOAT", 1e-5, 1e-4) == ""
    check(f"reload: {RELOAD} serves again after being added back", ok, err_text(e) or str(resp)[:300])

finish(1 if results["failed"] else 0)
