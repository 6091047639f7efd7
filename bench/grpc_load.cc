// grpc_load: a closed-loop gRPC load generator for TF Serving's PredictionService/Predict, built
// on Serval's generated stubs. Each of --connections threads owns its own channel (a separate TCP
// connection) and sends one request after another; latencies are measured per call on the client.
//   grpc_load --target=127.0.0.1:8500 --model=mlp --shape=1,4 --duration=10 --connections=4
//   grpc_load --target=... --model=mlp --instances=body.json --requests=20000
// The request is built once: from a TF Serving REST :predict body (--instances; {"instances": ...}
// or {"inputs": ...}, decoded by Serval's JSON codec against the signature that GetModelMetadata
// returns) or as a float tensor of --shape with deterministic values in [-1, 1) for --input (or
// the signature's only input). Prints requests/s, p50/p90/p99/max latency and the error count,
// and exits 1 when any request failed (2 on bad usage or when the model cannot be reached).
#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "serval/base/status.h"
#include "serval/codec/tfs_json.h"
#include "serval/loader/saved_model.h"
#include "serval/tensor/tensor_proto.h"
#include "tensorflow_serving/apis/prediction_service.grpc.pb.h"

namespace {

namespace tfs = tensorflow::serving;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string target = "127.0.0.1:8500";
  std::string model;
  std::string signature = "serving_default";
  int64_t version = -1;  // -1: latest
  std::string instances;  // path of a :predict JSON body
  std::string input;      // input alias for --shape
  std::string shape;      // "1,4"
  std::string ca_file;    // TLS: trust this CA (PEM); plaintext when empty
  std::string ssl_target_name;  // TLS: expected server name (default: the target host)
  int connections = 1;
  double duration_s = 10;
  int64_t requests = 0;  // > 0: stop after this many requests in total (instead of --duration)
  int warmup = 10;       // requests per connection before measuring
  bool tensor_content = true;
  double timeout_s = 30;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return in ? ss.str() : std::string();
}

std::shared_ptr<grpc::Channel> MakeChannel(const Options& o, const std::string& ca) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one TCP connection per channel
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (!ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca;
    creds = grpc::SslCredentials(ssl);
    if (!o.ssl_target_name.empty()) args.SetSslTargetNameOverride(o.ssl_target_name);
  }
  return grpc::CreateCustomChannel(o.target, creds, args);
}

void FillSpec(const Options& o, tfs::ModelSpec* spec) {
  spec->set_name(o.model);
  spec->set_signature_name(o.signature);
  if (o.version >= 0) spec->mutable_version()->set_value(o.version);
}

// The signature's input aliases and dtypes, from GetModelMetadata (enough for the JSON codec).
serval::Result<serval::loader::Signature> FetchSignature(const Options& o, tfs::PredictionService::Stub& stub) {
  tfs::GetModelMetadataRequest req;
  FillSpec(o, req.mutable_model_spec());
  req.mutable_model_spec()->clear_signature_name();
  req.add_metadata_field("signature_def");
  tfs::GetModelMetadataResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status s = stub.GetModelMetadata(&ctx, req, &resp);
  if (!s.ok()) {
    return serval::Status(static_cast<serval::StatusCode>(s.error_code()), "GetModelMetadata: " + s.error_message());
  }
  tfs::SignatureDefMap map;
  auto it = resp.metadata().find("signature_def");
  if (it == resp.metadata().end() || !it->second.UnpackTo(&map)) {
    return serval::Internal("GetModelMetadata: no SignatureDefMap in the response");
  }
  auto def = map.signature_def().find(o.signature);
  if (def == map.signature_def().end()) {
    return serval::NotFound("model '" + o.model + "' has no signature '" + o.signature + "'");
  }
  serval::loader::Signature sig;
  sig.key = o.signature;
  sig.method_name = def->second.method_name();
  for (const auto& [alias, info] : def->second.inputs()) {
    serval::loader::SignatureTensor t;
    t.key = alias;
    t.dtype = static_cast<serval::DataType>(info.dtype());
    t.tensor_name = info.name();
    sig.inputs.push_back(std::move(t));
  }
  std::sort(sig.inputs.begin(), sig.inputs.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return sig;
}

serval::Result<tfs::PredictRequest> BuildRequest(const Options& o, const serval::loader::Signature& sig) {
  tfs::PredictRequest req;
  FillSpec(o, req.mutable_model_spec());
  std::map<std::string, serval::Tensor> inputs;
  if (!o.instances.empty()) {
    const std::string body = ReadFile(o.instances);
    if (body.empty()) return serval::InvalidArgument("cannot read --instances file " + o.instances);
    auto parsed = serval::codec::ParsePredictRequest(body, [&](const std::string& name)
                                                               -> serval::Result<const serval::loader::Signature*> {
      if (name != sig.key) return serval::InvalidArgument("the body names signature '" + name + "'");
      return &sig;
    });
    if (!parsed.ok()) return parsed.status().WithContext(o.instances);
    inputs = std::move(parsed->inputs);
  } else {
    std::string alias = o.input;
    if (alias.empty()) {
      if (sig.inputs.size() != 1) return serval::InvalidArgument("the signature has several inputs: pass --input");
      alias = sig.inputs[0].key;
    }
    std::vector<int64_t> dims;
    std::stringstream ss(o.shape);
    std::string part;
    while (std::getline(ss, part, ',')) dims.push_back(std::stoll(part));
    serval::TensorShape shape(dims);
    serval::Tensor t(serval::DataType::kFloat, shape);
    auto flat = t.flat<float>();
    uint32_t state = 12345;
    for (int64_t i = 0; i < shape.num_elements(); ++i) {
      state = state * 1664525u + 1013904223u;
      flat[i] = static_cast<float>(state >> 8) / static_cast<float>(1u << 24) * 2.0f - 1.0f;
    }
    inputs.emplace(alias, std::move(t));
  }
  for (const auto& [alias, tensor] : inputs) {
    if (serval::Status s = serval::TensorToProto(tensor, &(*req.mutable_inputs())[alias], o.tensor_content); !s.ok()) {
      return s.WithContext("input '" + alias + "'");
    }
  }
  return req;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()));
  return sorted[std::min(rank, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"gRPC Predict load generator for TF Serving-compatible servers"};
  app.add_option("--target", o.target, "host:port of the gRPC server");
  app.add_option("--model", o.model, "model name")->required();
  app.add_option("--signature", o.signature, "signature name");
  app.add_option("--version", o.version, "model version (default: latest)");
  auto* inst = app.add_option("--instances", o.instances, "a TF Serving :predict JSON body file");
  app.add_option("--shape", o.shape, "generated float input shape, e.g. 1,4")->excludes(inst);
  app.add_option("--input", o.input, "input alias for --shape (default: the signature's only input)");
  app.add_option("--connections", o.connections, "concurrent connections, one thread each")->check(CLI::Range(1, 4096));
  app.add_option("--duration", o.duration_s, "seconds to measure (ignored with --requests)");
  app.add_option("--requests", o.requests, "total requests to measure (instead of --duration)");
  app.add_option("--warmup", o.warmup, "unmeasured requests per connection first");
  app.add_option("--tensor_content", o.tensor_content, "send inputs as tensor_content (else typed *_val)");
  app.add_option("--timeout", o.timeout_s, "per-request deadline in seconds");
  app.add_option("--ca", o.ca_file, "TLS: PEM file of the CA to trust (plaintext without)");
  app.add_option("--ssl_target_name", o.ssl_target_name, "TLS: server name to verify");
  CLI11_PARSE(app, argc, argv);
  if (o.instances.empty() && o.shape.empty()) {
    std::fprintf(stderr, "pass --instances FILE or --shape DIMS\n");
    return 2;
  }
  const std::string ca = o.ca_file.empty() ? "" : ReadFile(o.ca_file);
  if (!o.ca_file.empty() && ca.empty()) {
    std::fprintf(stderr, "cannot read --ca %s\n", o.ca_file.c_str());
    return 2;
  }

  auto probe = tfs::PredictionService::NewStub(MakeChannel(o, ca));
  auto sig = FetchSignature(o, *probe);
  if (!sig.ok()) {
    std::fprintf(stderr, "%s\n", sig.status().ToString().c_str());
    return 2;
  }
  auto request = BuildRequest(o, *sig);
  if (!request.ok()) {
    std::fprintf(stderr, "%s\n", request.status().ToString().c_str());
    return 2;
  }

  std::atomic<int64_t> issued{0}, errors{0};
  std::atomic<bool> stop{false}, go{false};
  std::atomic<int> ready{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::string first_error;
  auto worker = [&] {
    auto stub = tfs::PredictionService::NewStub(MakeChannel(o, ca));
    std::vector<double> mine;
    auto call = [&](bool measured) {
      tfs::PredictResponse response;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::microseconds(static_cast<int64_t>(o.timeout_s * 1e6)));
      const auto t0 = Clock::now();
      grpc::Status s = stub->Predict(&ctx, *request, &response);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (s.ok()) {
        if (measured) mine.push_back(ms);
        return;
      }
      errors.fetch_add(1);  // a failing warmup call is a failure too
      std::lock_guard<std::mutex> lock(mu);
      if (first_error.empty()) first_error = std::to_string(s.error_code()) + ": " + s.error_message();
    };
    for (int i = 0; i < o.warmup; ++i) call(false);
    ready.fetch_add(1);
    while (!go.load()) std::this_thread::sleep_for(std::chrono::microseconds(200));
    while (!stop.load(std::memory_order_relaxed)) {
      if (o.requests > 0 && issued.fetch_add(1) >= o.requests) break;
      call(true);
    }
    std::lock_guard<std::mutex> lock(mu);
    latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
  };

  // Every connection warms up (connects, first calls) before the measured window starts.
  std::vector<std::thread> threads;
  for (int i = 0; i < o.connections; ++i) threads.emplace_back(worker);
  while (ready.load() < o.connections) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto start = Clock::now();
  go.store(true);
  if (o.requests <= 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(o.duration_s));
    stop.store(true);
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  std::sort(latencies_ms.begin(), latencies_ms.end());
  const int64_t ok = static_cast<int64_t>(latencies_ms.size());
  std::printf("target %s model %s signature %s, %d connection(s), %.1f s\n", o.target.c_str(), o.model.c_str(),
              o.signature.c_str(), o.connections, seconds);
  std::printf("requests %lld ok, %lld errors; %.1f requests/s\n", static_cast<long long>(ok),
              static_cast<long long>(errors.load()), static_cast<double>(ok) / seconds);
  std::printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", Percentile(latencies_ms, 50),
              Percentile(latencies_ms, 90), Percentile(latencies_ms, 99),
              latencies_ms.empty() ? 0.0 : latencies_ms.back());
  if (errors.load() > 0) {
    std::printf("first error: %s\n", first_error.c_str());
    return 1;
  }
  return 0;
}
