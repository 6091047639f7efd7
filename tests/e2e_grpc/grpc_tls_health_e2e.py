#!/usr/bin/python3
"""TLS, mutual TLS, grpc.health.v1.Health and server reflection of the real server binary.

Runs with /usr/bin/python3 and Debian's python3-grpcio; every message is hand-encoded with wire.py
(no generated code). Certificates are made at test time with the `openssl` CLI in a temp folder: a
CA, a server certificate for localhost/127.0.0.1 signed by it, a client certificate signed by it,
and a second "rogue" CA with its own client certificate. The model is the build's example
half_plus_two (build/models/half_plus_two/1: y = 0.5 * x + 2), so no fixture is needed.

Server 1: --ssl_config_file without client_verify, --enable_grpc_healthcheck_service, two models:
'hp2' (loaded) and 'pending' (an empty base path). Checks:
  - Predict over TLS with the CA works; a plaintext client and a client trusting only the rogue CA
    both fail;
  - Health Check: "" is NOT_SERVING while 'pending' has no version, 'hp2', 'PredictionService' and
    'ModelService' are SERVING, 'pending' NOT_SERVING, an unknown name NOT_FOUND;
  - Health Watch('pending') streams NOT_SERVING, then SERVING once a version folder appears under
    its base path; "" is then SERVING;
  - reflection (grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo, a bidi stream):
    list_services names PredictionService, ModelService and Health; file_containing_symbol for
    PredictionService returns tensorflow_serving/apis/prediction_service.proto with Predict.
Server 2: client_verify true: a client without a certificate and one with the rogue CA's
certificate are refused, one with the CA's client certificate gets a Predict answer; without
--enable_grpc_healthcheck_service Health is UNIMPLEMENTED.
Server 3: an SSLConfig with client_verify but no custom_ca makes the server exit with an error.
Prints one line per check and "N passed, M failed"; exits 1 on any failure.
"""
import argparse
import os
import shutil
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
ap.add_argument("--model", required=True, help="a half_plus_two SavedModel folder (build/models/half_plus_two/1)")
ap.add_argument("--openssl", default="openssl")
ap.add_argument("--expect-reflection", choices=("yes", "no"), default="yes",
                help="whether the server was built with gRPC reflection")
ap.add_argument("--keep", action="store_true")
args = ap.parse_args()

import grpc  # noqa: E402  (python3-grpcio; a missing package is a failure, not a skip)

results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    line = f"{'PASS' if ok else 'FAIL'} {name}"
    if detail and not ok:
        line += f": {detail}"
    print(line, flush=True)
    return ok


tmp = tempfile.mkdtemp(prefix="serval_grpc_tls_")
procs = []


def finish():
    for p, log in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
        log.close()
    if results["failed"]:
        for name in sorted(os.listdir(tmp)):
            if name.endswith(".log"):
                with open(os.path.join(tmp, name), errors="replace") as f:
                    print(f"---- {name} (tail) ----\n" + "".join(f.readlines()[-30:]))
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if not os.path.isfile(os.path.join(args.model, "saved_model.pb")):
    check("example model exists", False, f"{args.model}/saved_model.pb is missing (build example_models)")
    finish()

# ---------------------------------------------------------------------------------------------
# Certificates (openssl CLI)


def openssl(*cmd):
    r = subprocess.run([args.openssl, *cmd], cwd=tmp, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(cmd)}: {r.stderr[-800:]}")


def make_ca(name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN=Serval test {name}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")


def make_cert(name, ca, cn, ext):
    with open(os.path.join(tmp, f"{name}.ext"), "w") as f:
        f.write(ext + "\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")


try:
    make_ca("ca")
    make_ca("rogue_ca")
    make_cert("server", "ca", "localhost",
              "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth")
    make_cert("client", "ca", "serval-test-client", "extendedKeyUsage=clientAuth")
    make_cert("rogue_client", "rogue_ca", "serval-rogue-client", "extendedKeyUsage=clientAuth")
    check("openssl makes a CA, server and client certificates", True)
except (RuntimeError, OSError) as e:
    check("openssl makes a CA, server and client certificates", False, str(e))
    finish()


def read(name):
    with open(os.path.join(tmp, name), "rb") as f:
        return f.read()


CA, ROGUE_CA = read("ca.pem"), read("rogue_ca.pem")


def ssl_config(path, client_verify, with_ca=True):
    def q(b):
        return '"' + b.decode().replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    text = f"server_key: {q(read('server.key'))}\nserver_cert: {q(read('server.pem'))}\n"
    if with_ca:
        text += f"custom_ca: {q(CA)}\n"
    text += f"client_verify: {'true' if client_verify else 'false'}\n"
    with open(path, "w") as f:
        f.write(text)
    return path


# ---------------------------------------------------------------------------------------------
# Models and servers

models_dir = os.path.join(tmp, "models")
os.makedirs(os.path.join(models_dir, "hp2"))
os.makedirs(os.path.join(models_dir, "pending"))
os.symlink(os.path.abspath(args.model), os.path.join(models_dir, "hp2", "1"))
config = os.path.join(tmp, "models.config")
with open(config, "w") as f:
    f.write("model_config_list {\n"
            f"  config {{ name: 'hp2' base_path: '{models_dir}/hp2' model_platform: 'tensorflow' }}\n"
            f"  config {{ name: 'pending' base_path: '{models_dir}/pending' model_platform: 'tensorflow' }}\n"
            "}\n")


def start(tag, extra):
    port = fixture_layout.free_port()
    log = open(os.path.join(tmp, f"{tag}.log"), "wb")
    cmd = [args.server, f"--port={port}", "--rest_api_port=0", f"--model_config_file={config}",
           "--file_system_poll_wait_seconds=1", *extra]
    print("starting: " + " ".join(cmd), flush=True)
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    procs.append((p, log))
    return p, port


TARGET_OPTS = [("grpc.ssl_target_name_override", "localhost")]


def tls_channel(port, root=CA, key=None, cert=None):
    creds = grpc.ssl_channel_credentials(root_certificates=root, private_key=key, certificate_chain=cert)
    return grpc.secure_channel(f"127.0.0.1:{port}", creds, options=TARGET_OPTS)


def unary(channel, path, data, timeout=10):
    fn = channel.unary_unary(path, request_serializer=lambda b: b, response_deserializer=lambda b: b)
    try:
        return fn(data, timeout=timeout), None
    except grpc.RpcError as e:
        return None, e


def err_text(e):
    return f"{e.code().name}: {e.details()}" if e is not None else "no error"


PREDICT = "/tensorflow.serving.PredictionService/Predict"
PREDICT_REQ = wire.predict_request("hp2", None, {"x": wire.tensor_float([3, 1], [1.0, 2.0, 5.0])})


def predict_ok(channel):
    """"" when Predict answers y = 0.5 * x + 2, else what went wrong."""
    resp, e = unary(channel, PREDICT, PREDICT_REQ)
    if e is not None:
        return err_text(e)
    outputs = dict(wire.map_entries(resp, 1))  # PredictResponse.outputs = 1
    if "y" not in outputs:
        return f"no output 'y' in {sorted(outputs)}"
    dtype, shape, vals = wire.decode_tensor(outputs["y"])
    want = [2.5, 3.0, 4.5]
    if dtype != 1 or shape != [3, 1] or any(abs(a - b) > 1e-6 for a, b in zip(vals, want)) or len(vals) != 3:
        return f"got dtype {dtype} shape {shape} values {vals}, expected DT_FLOAT [3, 1] {want}"
    return ""


def wait_port(port, proc, seconds=60):
    """Waits until the TLS port completes a handshake (or the server dies)."""
    end = time.time() + seconds
    while time.time() < end and proc.poll() is None:
        ch = tls_channel(port, key=read("client.key"), cert=read("client.pem"))
        try:
            grpc.channel_ready_future(ch).result(timeout=1)
            return True
        except grpc.FutureTimeoutError:
            pass
        finally:
            ch.close()
    return False


# grpc.health.v1: HealthCheckRequest{string service = 1}, HealthCheckResponse{ServingStatus status = 1}
HEALTH = "/grpc.health.v1.Health/"
SERVING_STATUS = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def health(channel, service):
    resp, e = unary(channel, HEALTH + "Check", wire.f_str(1, service) if service else b"")
    if e is not None:
        return e.code().name
    return SERVING_STATUS.get(wire.get_one(resp, 1, 0), "?")


def wait_health(channel, service, want, seconds):
    end = time.time() + seconds
    got = None
    while time.time() < end:
        got = health(channel, service)
        if got == want:
            break
        time.sleep(0.2)
    return got


# ---------------------------------------------------------------------------------------------
# Server 1: TLS, health, reflection

p1, port1 = start("tls", [f"--ssl_config_file={ssl_config(os.path.join(tmp, 'tls.config'), False)}",
                          "--enable_grpc_healthcheck_service=true"])
if not check("TLS server accepts a TLS handshake", wait_port(port1, p1), f"server exited {p1.poll()}"):
    finish()
tls = tls_channel(port1)
got = wait_health(tls, "hp2", "SERVING", 60)
check("health: 'hp2' becomes SERVING once loaded", got == "SERVING", f"got {got}")
err = predict_ok(tls)
check("TLS: Predict with the CA as root works (y = 0.5x + 2)", err == "", err)

plain = grpc.insecure_channel(f"127.0.0.1:{port1}")
resp, e = unary(plain, PREDICT, PREDICT_REQ, timeout=5)
check("TLS: a plaintext client gets no answer (UNAVAILABLE)",
      e is not None and e.code() == grpc.StatusCode.UNAVAILABLE, err_text(e))
plain.close()
untrusting = tls_channel(port1, root=ROGUE_CA)
resp, e = unary(untrusting, PREDICT, PREDICT_REQ, timeout=5)
check("TLS: a client that does not trust the server's CA fails (UNAVAILABLE)",
      e is not None and e.code() == grpc.StatusCode.UNAVAILABLE, err_text(e))
untrusting.close()

for service, want in (("PredictionService", "SERVING"), ("ModelService", "SERVING"), ("hp2", "SERVING"),
                      ("pending", "NOT_SERVING"), ("", "NOT_SERVING"), ("no_such_model", "NOT_FOUND")):
    got = health(tls, service)
    check(f"health: Check('{service}') is {want}" + (" (a configured model has no version)" if service == "" else ""),
          got == want, f"got {got}")

# Watch('pending'): a server stream; the first message is the current status, then every change.
watch = tls.unary_stream(HEALTH + "Watch", request_serializer=lambda b: b, response_deserializer=lambda b: b)
stream = watch(wire.f_str(1, "pending"), timeout=60)
seen = []
try:
    first = next(stream)
    seen.append(SERVING_STATUS.get(wire.get_one(first, 1, 0), "?"))
    os.symlink(os.path.abspath(args.model), os.path.join(models_dir, "pending", "7"))
    for msg in stream:
        seen.append(SERVING_STATUS.get(wire.get_one(msg, 1, 0), "?"))
        if seen[-1] == "SERVING":
            break
except grpc.RpcError as e:
    seen.append(err_text(e))
stream.cancel()
check("health: Watch('pending') streams NOT_SERVING, then SERVING when version 7 appears",
      seen[:1] == ["NOT_SERVING"] and seen[-1:] == ["SERVING"], f"saw {seen}")
got = wait_health(tls, "", "SERVING", 10)
check("health: Check('') is SERVING once every model has a version", got == "SERVING", f"got {got}")

# Reflection: ServerReflectionRequest{host = 1, file_containing_symbol = 4, list_services = 7};
# ServerReflectionResponse{file_descriptor_response = 4 {file_descriptor_proto = 1 repeated bytes},
# list_services_response = 6 {service = 1 {name = 1}}, error_response = 7}.
REFLECT = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


def reflect(requests):
    fn = tls.stream_stream(REFLECT, request_serializer=lambda b: b, response_deserializer=lambda b: b)
    try:
        return list(fn(iter(requests), timeout=10)), None
    except grpc.RpcError as e:
        return None, e


responses, e = reflect([wire.f_str(7, "*"), wire.f_str(4, "tensorflow.serving.PredictionService")])
if args.expect_reflection == "no":
    check("reflection: absent from this build (UNIMPLEMENTED)",
          e is not None and e.code() == grpc.StatusCode.UNIMPLEMENTED, err_text(e))
elif check("reflection: ServerReflectionInfo answers both requests", e is None and len(responses) == 2,
           err_text(e) if e else f"{len(responses)} responses"):
    listed = wire.get_one(responses[0], 6)
    names = sorted(wire.get_one(s, 1, b"").decode() for _, s in wire.get_all(listed or b"", 1))
    for want in ("tensorflow.serving.PredictionService", "tensorflow.serving.ModelService",
                 "grpc.health.v1.Health"):
        check(f"reflection: list_services names {want}", want in names, f"listed {names}")
    from google.protobuf import descriptor_pb2
    fdr = wire.get_one(responses[1], 4)
    error = wire.get_one(responses[1], 7)  # ErrorResponse{error_code = 1, error_message = 2}
    files = [descriptor_pb2.FileDescriptorProto.FromString(b) for _, b in wire.get_all(fdr or b"", 1)]
    ps = [f for f in files if f.name == "tensorflow_serving/apis/prediction_service.proto"]
    methods = [m.name for f in ps for s in f.service if s.name == "PredictionService" for m in s.method]
    check("reflection: file_containing_symbol PredictionService gives prediction_service.proto with Predict",
          bool(ps) and "Predict" in methods and "GetModelMetadata" in methods,
          f"files {[f.name for f in files]}, methods {methods}"
          + (f", error {wire.get_one(error, 2, b'').decode()}" if error else ""))
tls.close()

# ---------------------------------------------------------------------------------------------
# Server 2: mutual TLS (client_verify), no health service

p2, port2 = start("mtls", [f"--ssl_config_file={ssl_config(os.path.join(tmp, 'mtls.config'), True)}"])
if check("mTLS server accepts a client-certificate handshake", wait_port(port2, p2), f"server exited {p2.poll()}"):
    no_cert = tls_channel(port2)
    resp, e = unary(no_cert, PREDICT, PREDICT_REQ, timeout=5)
    check("mTLS: a client without a certificate is refused (UNAVAILABLE)",
          e is not None and e.code() == grpc.StatusCode.UNAVAILABLE, err_text(e))
    no_cert.close()
    rogue = tls_channel(port2, key=read("rogue_client.key"), cert=read("rogue_client.pem"))
    resp, e = unary(rogue, PREDICT, PREDICT_REQ, timeout=5)
    check("mTLS: a client certificate from another CA is refused (UNAVAILABLE)",
          e is not None and e.code() == grpc.StatusCode.UNAVAILABLE, err_text(e))
    rogue.close()
    good = tls_channel(port2, key=read("client.key"), cert=read("client.pem"))
    end = time.time() + 60
    err = "not tried"
    while time.time() < end:
        err = predict_ok(good)
        if err == "" or "NOT_FOUND" not in err:
            break
        time.sleep(0.2)
    check("mTLS: a client with the CA's certificate gets a Predict answer", err == "", err)
    got = health(good, "")
    check("mTLS: without --enable_grpc_healthcheck_service Health is UNIMPLEMENTED", got == "UNIMPLEMENTED",
          f"got {got}")
    good.close()

# ---------------------------------------------------------------------------------------------
# Server 3: client_verify without custom_ca is a startup error

p3, port3 = start("bad_ssl", [f"--ssl_config_file={ssl_config(os.path.join(tmp, 'bad.config'), True, False)}"])
try:
    rc = p3.wait(timeout=60)
except subprocess.TimeoutExpired:
    rc = None
with open(os.path.join(tmp, "bad_ssl.log"), errors="replace") as f:
    bad_log = f.read()
check("bad SSLConfig (client_verify without custom_ca): the server exits non-zero naming the problem",
      rc not in (None, 0) and "custom_ca" in bad_log, f"exit {rc}, log tail {bad_log[-300:]!r}")

finish()
