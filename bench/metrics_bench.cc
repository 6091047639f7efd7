// Cost of recording a metric on the request path (existing label set: shared lock, map lookup,
// relaxed atomic add) and of one whole RequestScope, single- and multi-threaded.
#include <benchmark/benchmark.h>

#include "serval/monitoring/metrics.h"
#include "serval/monitoring/serving_metrics.h"

namespace serval::monitoring {
namespace {

Registry& BenchRegistry() {
  static Registry* r = new Registry();
  return *r;
}

void BM_CounterIncrement(benchmark::State& state) {
  Counter& c = BenchRegistry().AddCounter("bench_counter", "h", {"model_name", "status"});
  const Labels labels{"mlp", "OK"};
  for (auto _ : state) c.Increment(labels);
}
BENCHMARK(BM_CounterIncrement)->Threads(1)->Threads(2)->Threads(8);

void BM_HistogramObserve(benchmark::State& state) {
  Histogram& h = BenchRegistry().AddHistogram("bench_histogram", "h", {"model_name", "API", "entrypoint"},
                                              ExponentialBuckets(10, 1.8, 33));
  const Labels labels{"mlp", "Predict", "REST"};
  double v = 1;
  for (auto _ : state) {
    h.Observe(labels, v);
    v = v < 1e6 ? v * 1.1 : 1;
  }
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(2)->Threads(8);

// Everything a front end records for one successful predict.
void BM_RequestScope(benchmark::State& state) {
  RegisterServingMetrics();
  const std::string model = "mlp", signature = "serving_default";
  for (auto _ : state) {
    RequestScope scope(kRest, kPredict);
    scope.set_model(model);
    scope.set_version(1);
    scope.set_signature(signature);
    scope.AddRuntime(std::chrono::microseconds(100));
    scope.Finish(Status::Ok());
  }
}
BENCHMARK(BM_RequestScope)->Threads(1)->Threads(2);

void BM_ExportPrometheus(benchmark::State& state) {
  Registry r;
  Histogram& h = r.AddHistogram("h", "h", {"model"}, ExponentialBuckets(10, 1.8, 33));
  for (int m = 0; m < state.range(0); ++m) h.Observe({"model" + std::to_string(m)}, 100);
  for (auto _ : state) benchmark::DoNotOptimize(r.ExportPrometheus());
}
BENCHMARK(BM_ExportPrometheus)->Arg(10)->Arg(100);

}  // namespace
}  // namespace serval::monitoring

BENCHMARK_MAIN();
