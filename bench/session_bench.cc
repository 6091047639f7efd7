// Engine latency: Session::Run on the fixture Keras models at batch 1 and 32, one thread.
// Inputs are deterministic pseudo-random floats shaped from each signature (batch dim replaced).
// Run: build/bin/session_bench [--benchmark_filter=...]; fixtures from $SERVAL_FIXTURES or
// ../shared/fixtures.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "serval/loader/version_dirs.h"
#include "serval/session/session.h"

namespace {

std::string Fixtures() {
  const char* env = std::getenv("SERVAL_FIXTURES");
  return env ? env : "../shared/fixtures";
}

struct Loaded {
  std::unique_ptr<serval::session::Session> session;
  std::string input;
  std::vector<int64_t> dims;  // from the signature; dim 0 is the batch
};

const Loaded* Load(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Loaded>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  auto dir = serval::loader::ResolveModelDir(Fixtures() + "/savedmodels/" + name, std::nullopt);
  if (!dir.ok()) return nullptr;
  auto s = serval::session::Session::Load(*dir);
  if (!s.ok()) return nullptr;
  auto l = std::make_unique<Loaded>();
  const auto* sig = (*s)->FindSignature("serving_default");
  l->input = sig->inputs[0].key;
  l->dims = sig->inputs[0].shape.dims();
  l->session = std::move(*s);
  return (cache[name] = std::move(l)).get();
}

void BM_Session(benchmark::State& state, const std::string& model) {
  const Loaded* l = Load(model);
  if (!l) {
    state.SkipWithError(("cannot load fixture " + model).c_str());
    return;
  }
  std::vector<int64_t> dims = l->dims;
  dims[0] = state.range(0);
  serval::TensorShape shape(dims);
  serval::Tensor x(serval::DataType::kFloat, shape);
  uint32_t seed = 12345;
  for (float& v : x.flat<float>()) {
    seed = seed * 1664525u + 1013904223u;
    v = static_cast<float>(seed >> 8) / 16777216.0f - 0.5f;
  }
  for (auto _ : state) {
    auto out = l->session->Run("serving_default", {{l->input, x}});
    if (!out.ok()) {
      state.SkipWithError(out.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

}  // namespace

BENCHMARK_CAPTURE(BM_Session, keras_mlp_stock, std::string("keras_mlp_stock"))->Arg(1)->Arg(32);
BENCHMARK_CAPTURE(BM_Session, keras_subclassed_mlp, std::string("keras_subclassed_mlp"))->Arg(1)->Arg(32);
BENCHMARK_CAPTURE(BM_Session, cppflow_load_model, std::string("cppflow_load_model"))->Arg(1)->Arg(32);
BENCHMARK_CAPTURE(BM_Session, keras_lstm_stock, std::string("keras_lstm_stock"))->Arg(1)->Arg(32);

BENCHMARK_MAIN();
