#!/usr/bin/env python3
"""Hostile-input tests against the real server binary (REST and, with --proto-dir, gRPC).

  - path traversal in model names and version labels (percent-encoded slashes and dots, absolute
    paths, labels with '/'): never 200, never a file's contents, 4xx with an error;
  - model names that equal folder names: a request name is a key of the served-model table, never a
    path (a model named like a temp folder is 404);
  - enormous declared shapes and element counts: gRPC TensorProto with a huge tensor_shape and few or
    no values, tensor_content that does not match, JSON with a huge declared batch (columnar "inputs"
    with mismatched lengths), 10^6-element rows: refused with 400 / INVALID_ARGUMENT while the
    server's resident memory stays far below what the declared shape would take;
  - request bodies past --rest_api_max_body_bytes: a declared Content-Length (413 before any body
    byte is read), a chunked body streamed past the limit (413 or closed once past the limit, not
    after buffering it all, with the server's RSS staying small), and gzip bombs (a 100 KB gzip body
    that inflates past the decompression limit: 413 and small RSS);
  - the server keeps answering good requests after each of them.
Prints one line per check and "N passed, M failed"; exit 1 on any failure.
"""
import argparse
import gzip
import os
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import server_harness as sh  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--server", required=True)
ap.add_argument("--fixtures", default=None)
ap.add_argument("--proto-dir", default=None)
ap.add_argument("--keep", action="store_true")
args = ap.parse_args()

FIX = sh.fixtures_dir(args.fixtures)
if FIX is None:
    print("SKIPPED: fixture folder is absent; set SERVAL_FIXTURES to run the hostile-input tests")
    sys.exit(0)
HP2 = os.path.join(FIX, "savedmodels", "tfs_half_plus_two_cpu")

R = sh.Results()
tmp = tempfile.mkdtemp(prefix="serval_hostile_")
MAX_BODY = 1 << 20  # 1 MiB
config_path = os.path.join(tmp, "models.config")
with open(config_path, "w") as f:
    f.write("model_config_list {\n"
            f"  config {{ name: 'hp2' base_path: '{HP2}' model_platform: 'tensorflow'\n"
            "           version_labels { key: 'stable' value: 123 } }\n"
            "}\n")
srv = sh.Server(args.server, tmp, [f"--model_config_file={config_path}", f"--rest_api_max_body_bytes={MAX_BODY}",
                                   "--rest_api_timeout_in_ms=5000",
                                   "--allow_version_labels_for_unavailable_models=true"],
                grpc=args.proto_dir is not None)
api = srv.api


def finish():
    alive = srv.alive()
    R.check("server process is still alive at the end (no crash)", alive, f"exit code {srv.proc.returncode}")
    rc = srv.stop()
    if alive:
        R.check("SIGTERM: exit 0", rc == 0, f"exit code {rc}")
    if R.failed:
        print("---- server log (tail) ----\n" + srv.log_tail(60))
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(R.summary())


if not R.check("server becomes ready", srv.wait_ready(120), srv.log_tail()):
    finish()


def good():
    try:
        st, body = api.post("/v1/models/hp2:predict", {"instances": [[2.0]]}, timeout=30)
    except OSError:
        return False
    return st == 200 and abs(body["predictions"][0][0] - 3.0) < 1e-5


def rss_kb():
    return srv.peak_rss_kb()  # peak, so a buffer allocated and freed within the request still counts


base_rss = rss_kb()
R.note(f"server peak RSS after loading: {base_rss // 1024} MB (RSS +N below is growth of the peak)")

# ---------------------------------------------------------------------------------------------
# Path traversal

with open("/etc/passwd") as f:
    passwd_head = f.read(20)
traversal = [
    ("GET", "/v1/models/..%2F..%2Fetc"),
    ("GET", "/v1/models/..%2F..%2Fetc%2Fpasswd/metadata"),
    ("POST", "/v1/models/..%2F..%2Fetc:predict"),
    ("POST", "/v1/models/%2E%2E%2F%2E%2E%2Fetc:predict"),
    ("POST", "/v1/models/..:predict"),
    ("POST", "/v1/models/%2Fetc%2Fpasswd:predict"),
    ("POST", "/v1/models/hp2%2F..%2F..%2Fetc:predict"),
    ("GET", "/v1/models/../../etc/passwd"),
    ("POST", "/v1/models/hp2/labels/..%2F..%2Fetc:predict"),
    ("POST", "/v1/models/hp2/labels/a%2Fb:predict"),
    ("POST", "/v1/models/hp2/labels/../../etc:predict"),
    ("GET", "/v1/models/hp2/labels/%2Fetc%2Fpasswd"),
    ("POST", "/v1/models/hp2/versions/..%2F1:predict"),
    ("POST", "/v1/models/hp2/versions/-1:predict"),
    ("GET", "/v1/models/hp2%00/metadata"),
    ("GET", "/%2E%2E/%2E%2E/etc/passwd"),
]
for method, path in traversal:
    try:
        st, body = api.request(method, path, {"instances": [[1.0]]} if method == "POST" else None, timeout=30)
    except OSError as e:
        R.check(f"traversal {method} {path}", False, f"connection error {e}")
        continue
    text = body if isinstance(body, str) else str(body)
    R.check(f"traversal {method} {path}: {st}, no file contents", 400 <= st < 500 and passwd_head not in text,
            f"HTTP {st} {text[:200]!r}")
R.check("after the traversal attempts the server answers a good request", good())

# A model name equal to a folder on disk is still just a name: only configured models answer.
tmp_name = os.path.basename(tmp)
st, _ = api.get(f"/v1/models/{tmp_name}")
R.check(f"model name equal to a folder name ('{tmp_name}') is 404", st == 404, f"HTTP {st}")

# ---------------------------------------------------------------------------------------------
# Enormous declared shapes in JSON


def post(path, body, headers=None, timeout=60):
    try:
        return api.post(path, body, headers=headers, timeout=timeout)
    except OSError as e:
        return -1, str(e)


# Columnar inputs whose lengths disagree, and a typed golden-style tensor declaring a huge shape.
cases = [
    ("columnar input with 2*10^5 values on a [-1,1] input as a flat list",
     '{"inputs": {"x": [' + ",".join(["1"] * 200000) + "]}}", (200, 400)),
    ("b64 string value into a float input", '{"instances": [{"b64": "' + "A" * 100000 + '"}]}', (400,)),
    ("huge exponent numbers", '{"instances": [[1e999999999], [-1e999999999]]}', (200, 400)),
    ("2^63 integer literal", '{"instances": [[9223372036854775808]]}', (200, 400)),
    ("10^5 nested empty lists", '{"instances": ' + "[" * 100000 + "]" * 100000 + "}", (400,)),
]
for what, body, ok_codes in cases:
    before = rss_kb()
    st, resp = post("/v1/models/hp2:predict", body)
    grew = (rss_kb() - before) // 1024
    R.check(f"JSON {what}: HTTP {st} (allowed {ok_codes}), RSS +{grew} MB",
            st in ok_codes and grew < 512, f"HTTP {st} {str(resp)[:200]!r}")
R.check("after the JSON shape attacks the server answers a good request", good())

# ---------------------------------------------------------------------------------------------
# Body limits


def raw(data_chunks, read_timeout=10, pause=0.0):
    """Sends raw bytes (a list of chunks); returns (status line or '', seconds, bytes sent)."""
    s = socket.create_connection(("127.0.0.1", srv.rest_port), timeout=read_timeout)
    sent = 0
    t0 = time.time()
    try:
        for c in data_chunks:
            try:
                s.sendall(c)
                sent += len(c)
            except (BrokenPipeError, ConnectionResetError):
                break
            if pause:
                time.sleep(pause)
        s.settimeout(read_timeout)
        try:
            data = s.recv(4096)
        except (ConnectionResetError, socket.timeout):
            data = b""
        return data.split(b"\r\n", 1)[0].decode(errors="replace"), time.time() - t0, sent
    finally:
        s.close()


head = "POST /v1/models/hp2:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
# Declared too large: refused from the header alone.
line, took, sent = raw([(head + f"Content-Length: {MAX_BODY * 1000}\r\n\r\n").encode()])
R.check(f"Content-Length {MAX_BODY * 1000} > limit: 413 before any body byte ('{line}')", " 413 " in line + " ", line)
line, took, sent = raw([(head + "Content-Length: 99999999999999999999999\r\n\r\n").encode()])
R.check(f"Content-Length past 2^64: 4xx ('{line}')", line.startswith("HTTP/1.1 4"), line)

# Chunked, streamed past the limit: the server must stop reading (413/close) once past it, so the
# client cannot get 20x the limit in, and the server's RSS stays small.


def chunked_stream(total, chunk=64 * 1024):
    yield (head + "Transfer-Encoding: chunked\r\n\r\n").encode()
    piece = b"[" + b"1.0," * (chunk // 4)
    n = 0
    while n < total:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        n += len(piece)
    yield b"0\r\n\r\n"


before = rss_kb()
line, took, sent = raw(chunked_stream(MAX_BODY * 20))
grew = (rss_kb() - before) // 1024
R.check(f"chunked body streamed to 20x the limit: '{line}' after {sent // 1024} KB sent, RSS +{grew} MB",
        line.startswith("HTTP/1.1 413") and grew < 64, f"status '{line}', sent {sent}")
R.check("after the chunked body the server answers a good request", good())

# gzip bombs: small on the wire, huge inflated.
bomb = gzip.compress(b'{"instances": [' + b"0," * (150 << 20) + b"0]}", compresslevel=9)
before = rss_kb()
st, resp = post("/v1/models/hp2:predict", bomb, headers={"Content-Encoding": "gzip"})
grew = (rss_kb() - before) // 1024
msg = resp.get("error", "") if isinstance(resp, dict) else str(resp)
# --rest_api_max_body_bytes also caps the inflated size, so the server never holds more than ~1 MB.
R.check(f"gzip bomb ({len(bomb) // 1024} KB inflating to 300 MB): 413 naming the {MAX_BODY}-byte limit, RSS +{grew} MB",
        st == 413 and "ecompress" in msg and str(MAX_BODY) in msg and grew < 32, f"HTTP {st} {msg[:200]!r}")
nested = gzip.compress(gzip.compress(b"0" * (50 << 20)))
st, resp = post("/v1/models/hp2:predict", nested, headers={"Content-Encoding": "gzip"})
R.check(f"gzip of gzip ({len(nested)} bytes): 4xx", 400 <= st < 500, f"HTTP {st} {str(resp)[:200]!r}")
st, resp = post("/v1/models/hp2:predict", b"\x1f\x8b\x08\x00garbage", headers={"Content-Encoding": "gzip"})
R.check(f"corrupt gzip body: 400 ({st})", st == 400, f"HTTP {st} {str(resp)[:200]!r}")
small = gzip.compress(b'{"instances": [[2.0]]}')
st, resp = post("/v1/models/hp2:predict", small, headers={"Content-Encoding": "gzip"})
R.check("a good gzip body still works", st == 200, f"HTTP {st} {str(resp)[:200]!r}")
R.check("after the gzip bombs the server answers a good request", good())

# ---------------------------------------------------------------------------------------------
# gRPC: traversal in names/labels and enormous declared TensorProto shapes

if args.proto_dir:
    try:
        import grpc
        pb = sh.grpc_modules(args.proto_dir, tmp)
    except Exception as e:  # noqa: BLE001
        grpc = None
        R.skip("gRPC hostile inputs", f"python3-grpcio or protoc unavailable: {e}")
    if grpc is not None:
        channel = grpc.insecure_channel(f"127.0.0.1:{srv.grpc_port}",
                                        options=[("grpc.max_send_message_length", 64 << 20)])
        predict_fn = channel.unary_unary("/tensorflow.serving.PredictionService/Predict",
                                         request_serializer=lambda m: m.SerializeToString(),
                                         response_deserializer=pb["predict_pb2"].PredictResponse.FromString)

        def req(name="hp2", label=None, shape=(1, 1), values=(2.0,), content=None, dtype="DT_FLOAT"):
            r = pb["predict_pb2"].PredictRequest()
            r.model_spec.name = name
            if label is not None:
                r.model_spec.version_label = label
            t = r.inputs["x"]
            t.dtype = pb["types_pb2"].DataType.Value(dtype)
            for d in shape:
                t.tensor_shape.dim.add().size = d
            if content is not None:
                t.tensor_content = content
            elif dtype == "DT_STRING":
                t.string_val.extend(values)
            else:
                t.float_val.extend(values)
            return r

        def call(r):
            try:
                return predict_fn(r, timeout=sh.scaled(60)), None
            except grpc.RpcError as e:
                return None, e

        def grpc_good():
            resp, err = call(req())
            return err is None and abs(resp.outputs["y"].float_val[0] - 3.0) < 1e-5

        for name, label in (("../../etc", None), ("/etc/passwd", None), ("..", None), ("hp2/../hp2", None),
                            ("hp2", "../stable"), ("hp2", "a/b"), ("hp2", "/etc/passwd")):
            resp, err = call(req(name=name, label=label))
            code = err.code() if err else None
            R.check(f"gRPC traversal name={name!r} label={label!r}: {code}",
                    code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT),
                    f"got {code} {err.details() if err else resp}")

        huge_cases = [
            ("shape [2^40] with one float_val", dict(shape=(1 << 40, 1), values=(1.0,))),
            ("shape [2^33, 1] with no values", dict(shape=(1 << 33, 1), values=())),
            ("shape [2^28, 1] (1 GB) with one float_val", dict(shape=(1 << 28, 1), values=(1.0,))),
            ("shape [2^28, 1] with 4 bytes of tensor_content", dict(shape=(1 << 28, 1), content=b"\0\0\0\0")),
            ("shape [2^62, 4] (element count overflows)", dict(shape=(1 << 62, 4), values=(1.0,))),
            ("shape [-5, 1]", dict(shape=(-5, 1), values=(1.0,))),
            ("DT_STRING shape [2^27] with one string_val",
             dict(shape=(1 << 27, 1), values=(b"x",), dtype="DT_STRING")),
        ]
        for what, kw in huge_cases:
            before = rss_kb()
            t0 = time.time()
            resp, err = call(req(**kw))
            grew = (rss_kb() - before) // 1024
            code = err.code() if err else None
            R.check(f"gRPC TensorProto {what}: {code} in {time.time() - t0:.2f}s, RSS +{grew} MB",
                    code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED) and grew < 256,
                    f"got {code} {err.details()[:200] if err else ''}")
            if not srv.alive():
                break
        R.check("after the gRPC attacks the server answers a gRPC Predict", srv.alive() and grpc_good())
        channel.close()

R.check("after everything the server answers a REST predict", good())
finish()
