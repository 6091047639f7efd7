// engine_bench: Serval's Session::Run side by side with ONNX Runtime's CPU engine on the same
// models with the same weights, at batch 1, 8, 32 and 128, in one process and one run.
//
// Intra-op threads: Serval's kernels (oneDNN) use OpenMP, so the count is the process's
// OMP_NUM_THREADS (default 1); ONNX Runtime gets the same number through SetIntraOpNumThreads.
// Each benchmark reports per-call p50/p99 (counters p50_us, p99_us) besides Google Benchmark's
// mean. Before timing, each model runs once through both engines on the same batch-3 input and the
// outputs are compared (printed as `CHECK ...` on stderr); a model whose outputs disagree gets no
// ONNX Runtime benchmark, so no ratio is ever computed against a different computation.
//
// Environment:
//   SERVAL_FIXTURES  fixture folder (default ../shared/fixtures)
//   BENCH_MODELS     root written by `bench_models write` (mlp784/1, cnn/1); models absent are skipped
//   BENCH_ONNX       folder with <model>.onnx (bench/onnx_models.py); absent: no peer
//   ORT_LIB          path to libonnxruntime.so.1 (from npm onnxruntime-node); absent: no peer
//   BENCH_BATCHES    comma-separated batch sizes (default 1,8,32,128)
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ort_c_api.h"
#include "serval/loader/version_dirs.h"
#include "serval/session/session.h"

namespace {

std::string Env(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

int IntraThreads() { return std::max(1, std::atoi(Env("OMP_NUM_THREADS", "1").c_str())); }

// --- ONNX Runtime through its C API ---------------------------------------------------------------

class OrtRuntime {
 public:
  // nullptr (and a message on stderr) when the library cannot be used.
  static std::unique_ptr<OrtRuntime> Open(const std::string& path) {
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      std::fprintf(stderr, "ORT: cannot dlopen %s: %s\n", path.c_str(), dlerror());
      return nullptr;
    }
    using GetApiBaseFn = const OrtApiBase* (*)();
    auto get_base = reinterpret_cast<GetApiBaseFn>(dlsym(lib, "OrtGetApiBase"));
    if (!get_base) {
      std::fprintf(stderr, "ORT: %s exports no OrtGetApiBase\n", path.c_str());
      return nullptr;
    }
    const OrtApiBase* base = get_base();
    auto rt = std::unique_ptr<OrtRuntime>(new OrtRuntime);
    rt->version_ = base->GetVersionString();
    // API version 13 (ORT 1.13): every entry we use exists from there on, at the same index.
    rt->api_ = base->GetApi(13);
    if (!rt->api_) {
      std::fprintf(stderr, "ORT %s: GetApi(13) returned null\n", rt->version_.c_str());
      return nullptr;
    }
    // Table-layout check: a status made by entry 0 must come back through entries 1 and 2.
    OrtStatus* probe = rt->api_->CreateStatus(kOrtFail, "serval-probe");
    const bool ok = rt->api_->GetErrorCode(probe) == kOrtFail &&
                    std::string(rt->api_->GetErrorMessage(probe)) == "serval-probe";
    rt->api_->ReleaseStatus(probe);
    if (!ok) {
      std::fprintf(stderr, "ORT %s: C API table layout check failed\n", rt->version_.c_str());
      return nullptr;
    }
    if (!rt->Check(rt->api_->CreateEnv(kOrtLoggingWarning, "serval-bench", &rt->env_), "CreateEnv") ||
        !rt->Check(rt->api_->CreateCpuMemoryInfo(kOrtArenaAllocator, kOrtMemTypeDefault, &rt->cpu_), "CreateCpuMemoryInfo")) {
      return nullptr;
    }
    return rt;
  }

  ~OrtRuntime() {
    if (cpu_) api_->ReleaseMemoryInfo(cpu_);
    if (env_) api_->ReleaseEnv(env_);
  }

  const std::string& version() const { return version_; }
  const OrtApi* api() const { return api_; }

  // Prints and releases a failed status.
  bool Check(OrtStatus* s, const char* what) const {
    if (!s) return true;
    std::fprintf(stderr, "ORT %s failed: %s\n", what, api_->GetErrorMessage(s));
    api_->ReleaseStatus(s);
    return false;
  }

  OrtSession* LoadSession(const std::string& onnx_path, int threads) const {
    OrtSessionOptions* opts = nullptr;
    OrtSession* session = nullptr;
    bool ok = Check(api_->CreateSessionOptions(&opts), "CreateSessionOptions") &&
              Check(api_->SetIntraOpNumThreads(opts, threads), "SetIntraOpNumThreads") &&
              Check(api_->SetInterOpNumThreads(opts, 1), "SetInterOpNumThreads") &&
              Check(api_->SetSessionGraphOptimizationLevel(opts, kOrtEnableAll), "SetSessionGraphOptimizationLevel") &&
              Check(api_->CreateSession(env_, onnx_path.c_str(), opts, &session), "CreateSession");
    if (opts) api_->ReleaseSessionOptions(opts);
    return ok ? session : nullptr;
  }

  // Runs input "x" -> output "y". Returns false on error. The input buffer is only borrowed.
  bool Run(OrtSession* session, serval::Tensor& x, std::vector<float>* out) const {
    const auto& d = x.shape().dims();
    OrtValue* in = nullptr;
    if (!Check(api_->CreateTensorWithDataAsOrtValue(cpu_, x.raw_data(), x.byte_size(), d.data(), d.size(), kOrtFloat, &in),
               "CreateTensorWithDataAsOrtValue")) {
      return false;
    }
    const char* in_names[] = {"x"};
    const char* out_names[] = {"y"};
    OrtValue* y = nullptr;
    bool ok = Check(api_->Run(session, nullptr, in_names, &in, 1, out_names, 1, &y), "Run");
    if (ok && out) {
      OrtTensorTypeAndShapeInfo* info = nullptr;
      size_t n = 0;
      void* data = nullptr;
      ok = Check(api_->GetTensorTypeAndShape(y, &info), "GetTensorTypeAndShape") &&
           Check(api_->GetTensorShapeElementCount(info, &n), "GetTensorShapeElementCount") &&
           Check(api_->GetTensorMutableData(y, &data), "GetTensorMutableData");
      if (info) api_->ReleaseTensorTypeAndShapeInfo(info);
      if (ok) out->assign(static_cast<const float*>(data), static_cast<const float*>(data) + n);
    }
    if (y) api_->ReleaseValue(y);
    api_->ReleaseValue(in);
    return ok;
  }

 private:
  OrtRuntime() = default;
  const OrtApi* api_ = nullptr;
  std::string version_;
  OrtEnv* env_ = nullptr;
  OrtMemoryInfo* cpu_ = nullptr;
};

// --- models -----------------------------------------------------------------------------------------

struct Model {
  std::string name;
  std::unique_ptr<serval::session::Session> session;
  std::string input;
  std::string output;
  std::vector<int64_t> dims;  // signature input shape; dim 0 is the batch
  OrtSession* ort = nullptr;  // set when the peer exists and agreed with Serval
};

serval::Tensor MakeInput(const Model& m, int64_t batch) {
  std::vector<int64_t> dims = m.dims;
  dims[0] = batch;
  serval::Tensor x(serval::DataType::kFloat, serval::TensorShape(dims));
  uint32_t seed = 12345;
  for (float& v : x.flat<float>()) {
    seed = seed * 1664525u + 1013904223u;
    v = static_cast<float>(seed >> 8) / 16777216.0f - 0.5f;
  }
  return x;
}

std::unique_ptr<Model> LoadServal(const std::string& name, const std::string& path) {
  auto dir = serval::loader::ResolveModelDir(path, std::nullopt);
  if (!dir.ok()) {
    std::fprintf(stderr, "SKIP %s: %s\n", name.c_str(), dir.status().ToString().c_str());
    return nullptr;
  }
  auto s = serval::session::Session::Load(*dir);
  if (!s.ok()) {
    std::fprintf(stderr, "SKIP %s: %s\n", name.c_str(), s.status().ToString().c_str());
    return nullptr;
  }
  auto m = std::make_unique<Model>();
  m->name = name;
  const auto* sig = (*s)->FindSignature("serving_default");
  m->input = sig->inputs[0].key;
  m->output = sig->outputs[0].key;
  m->dims = sig->inputs[0].shape.dims();
  for (size_t i = 1; i < m->dims.size(); ++i) {
    if (m->dims[i] < 0) {
      std::fprintf(stderr, "SKIP %s: input has an unknown non-batch dimension\n", name.c_str());
      return nullptr;
    }
  }
  m->session = std::move(*s);
  return m;
}

// Same input through both engines; the peer is kept only if outputs agree.
void AttachPeer(Model& m, const OrtRuntime& ort, const std::string& onnx_path) {
  if (!std::filesystem::exists(onnx_path)) {
    std::fprintf(stderr, "CHECK %s: no ONNX model (%s)\n", m.name.c_str(), onnx_path.c_str());
    return;
  }
  OrtSession* session = ort.LoadSession(onnx_path, IntraThreads());
  if (!session) return;
  serval::Tensor x = MakeInput(m, 3);
  auto got = m.session->Run("serving_default", {{m.input, x}});
  std::vector<float> peer;
  if (!got.ok() || !ort.Run(session, x, &peer)) {
    std::fprintf(stderr, "CHECK %s: run failed\n", m.name.c_str());
    return;
  }
  auto ours = got->at(m.output).flat<float>();
  double max_abs = 0, max_ref = 0;
  bool same_size = ours.size() == peer.size();
  for (size_t i = 0; same_size && i < ours.size(); ++i) {
    max_abs = std::max(max_abs, std::fabs(static_cast<double>(ours[i]) - peer[i]));
    max_ref = std::max(max_ref, std::fabs(static_cast<double>(peer[i])));
  }
  const bool ok = same_size && max_abs <= 1e-4 + 1e-4 * max_ref;
  std::fprintf(stderr, "CHECK %s: %zu values, max |serval - ort| = %.3g (max |ort| = %.3g): %s\n", m.name.c_str(),
               peer.size(), max_abs, max_ref, ok ? "ok" : "MISMATCH, peer not timed");
  if (ok) m.ort = session;
}

// Per-call latency percentiles as counters (microseconds).
void Percentiles(benchmark::State& state, std::vector<double>& us) {
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<size_t>(q * static_cast<double>(us.size())))]; };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
}

void BM_Serval(benchmark::State& state, const Model* m) {
  serval::Tensor x = MakeInput(*m, state.range(0));
  std::vector<double> us;
  us.reserve(1 << 16);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto out = m->session->Run("serving_default", {{m->input, x}});
    const auto t1 = std::chrono::steady_clock::now();
    if (!out.ok()) {
      state.SkipWithError(out.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(out);
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  Percentiles(state, us);
}

void BM_Ort(benchmark::State& state, const Model* m, const OrtRuntime* ort) {
  serval::Tensor x = MakeInput(*m, state.range(0));
  std::vector<double> us;
  us.reserve(1 << 16);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const bool ok = ort->Run(m->ort, x, nullptr);
    const auto t1 = std::chrono::steady_clock::now();
    if (!ok) {
      state.SkipWithError("ONNX Runtime Run failed");
      return;
    }
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  Percentiles(state, us);
}

std::vector<int64_t> Batches() {
  std::vector<int64_t> out;
  std::string s = Env("BENCH_BATCHES", "1,8,32,128");
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t comma = std::min(s.find(',', pos), s.size());
    if (comma > pos) out.push_back(std::atoll(s.substr(pos, comma - pos).c_str()));
    pos = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const std::string fixtures = Env("SERVAL_FIXTURES", "../shared/fixtures");
  const std::string bench_models = Env("BENCH_MODELS");
  const std::string onnx_dir = Env("BENCH_ONNX");
  const std::string ort_lib = Env("ORT_LIB");

  std::vector<std::pair<std::string, std::string>> specs = {
      {"keras_mlp_stock", fixtures + "/savedmodels/keras_mlp_stock"},
      {"keras_subclassed_mlp", fixtures + "/savedmodels/keras_subclassed_mlp"},
      {"cppflow_load_model", fixtures + "/savedmodels/cppflow_load_model"},
      {"keras_lstm_stock", fixtures + "/savedmodels/keras_lstm_stock"},
  };
  if (!bench_models.empty()) {
    specs.push_back({"mlp784", bench_models + "/mlp784"});
    specs.push_back({"cnn", bench_models + "/cnn"});
  }

  std::unique_ptr<OrtRuntime> ort;
  if (!ort_lib.empty() && !onnx_dir.empty()) ort = OrtRuntime::Open(ort_lib);
  if (ort) {
    std::fprintf(stderr, "ORT version %s, intra-op threads %d\n", ort->version().c_str(), IntraThreads());
  } else {
    std::fprintf(stderr, "ORT: peer disabled (set ORT_LIB and BENCH_ONNX)\n");
  }

  std::vector<std::unique_ptr<Model>> models;
  for (const auto& [name, path] : specs) {
    auto m = LoadServal(name, path);
    if (!m) continue;
    if (ort) AttachPeer(*m, *ort, onnx_dir + "/" + name + ".onnx");
    models.push_back(std::move(m));
  }
  const std::vector<int64_t> batches = Batches();
  for (const auto& m : models) {
    auto* b = benchmark::RegisterBenchmark(("serval/" + m->name).c_str(), BM_Serval, m.get());
    for (int64_t n : batches) b->Arg(n);
    b->Unit(benchmark::kMicrosecond);
    if (m->ort) {
      auto* p = benchmark::RegisterBenchmark(("ort/" + m->name).c_str(), BM_Ort, m.get(), ort.get());
      for (int64_t n : batches) p->Arg(n);
      p->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
