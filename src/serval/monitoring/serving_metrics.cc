#include "serval/monitoring/serving_metrics.h"

#include <cstring>

#include "serval/base/logging.h"

namespace serval::monitoring {
namespace {

using std::chrono::duration;
using std::chrono::steady_clock;

constexpr size_t kMaxLoggedError = 1024;

// Every metric once, in the global registry; references stay valid for the process.
struct ServingMetrics {
  Registry& r = Registry::Global();
  // TF Serving (tensorflow_serving/servables/tensorflow/util.cc and TF core), spec §3.4.
  Counter& request_count = r.AddCounter(
      ":tensorflow:serving:request_count",
      "Inference requests (Predict, Classify, Regress, MultiInference) by final status.",
      {"model_name", "status"});
  Histogram& request_latency = r.AddHistogram(
      ":tensorflow:serving:request_latency",
      "End-to-end latency of inference requests, in microseconds.",
      {"model_name", "API", "entrypoint"}, ExponentialBuckets(10, 1.8, 33));
  Histogram& runtime_latency = r.AddHistogram(
      ":tensorflow:serving:runtime_latency",
      "Time spent running the model for inference requests, in microseconds.",
      {"model_name", "API", "runtime"}, ExponentialBuckets(10, 1.8, 33));
  Histogram& example_counts = r.AddHistogram(
      ":tensorflow:serving:request_example_counts", "Examples per Classify/Regress request.",
      {"model"}, ExponentialBuckets(1, 2, 15));
  Counter& example_count_total = r.AddCounter(
      ":tensorflow:serving:request_example_count_total",
      "Examples received in Classify/Regress requests.", {"model"});
  Counter& load_attempt_count = r.AddCounter(
      ":tensorflow:cc:saved_model:load_attempt_count",
      "SavedModel load attempts by outcome (success/fail).", {"model_path", "status"});
  Counter& load_latency = r.AddCounter(
      ":tensorflow:cc:saved_model:load_latency",
      "Total time spent loading SavedModels, in microseconds.", {"model_path"});
  // Serval's own.
  Counter& requests = r.AddCounter(
      "serval_requests_total",
      "Model API requests (REST and gRPC) by front end, API, model, version, signature and status.",
      {"entrypoint", "api", "model", "version", "signature", "status"});
  Histogram& latency = r.AddHistogram(
      "serval_request_latency_seconds",
      "End-to-end latency of model API requests, in seconds.",
      {"entrypoint", "api", "model", "version", "signature"}, ExponentialBuckets(1e-4, 2, 20));
  Histogram& runtime = r.AddHistogram(
      "serval_runtime_latency_seconds",
      "Time spent running the model (including a batching queue), in seconds.",
      {"model", "version", "signature"}, ExponentialBuckets(1e-5, 2, 24));
  Gauge& in_flight = r.AddGauge("serval_requests_in_flight",
                                "Model API requests being handled now.", {"entrypoint"});
  Counter& loads = r.AddCounter("serval_model_loads_total",
                                "Model version loads (including prepare steps) by outcome.",
                                {"model", "status"});
  Gauge& load_seconds = r.AddGauge("serval_model_load_seconds",
                                   "How long the serving model version took to load, in seconds.",
                                   {"model", "version"});
  Gauge& resident_bytes = r.AddGauge(
      "serval_model_resident_bytes",
      "Estimated bytes of weights held by a loaded model version (checkpoint tensors plus graph "
      "constants).",
      {"model", "version"});
};

ServingMetrics& M() {
  static ServingMetrics* m = new ServingMetrics();
  return *m;
}

bool IsInferenceApi(const char* api) {
  return std::strcmp(api, kPredict) == 0 || std::strcmp(api, kClassify) == 0 ||
         std::strcmp(api, kRegress) == 0 || std::strcmp(api, kMultiInference) == 0;
}

double Micros(steady_clock::duration d) { return duration<double, std::micro>(d).count(); }
double Seconds(steady_clock::duration d) { return duration<double>(d).count(); }

}  // namespace

void RegisterServingMetrics() { (void)M(); }

RequestScope::RequestScope(const char* entrypoint, const char* api)
    : entrypoint_(entrypoint), api_(api), start_(steady_clock::now()) {
  M().in_flight.Add({entrypoint_}, 1);
}

RequestScope::~RequestScope() { Finish(Status::Ok()); }

void RequestScope::set_model(const std::string& name, bool configured) {
  model_ = configured ? name : std::string();
}

void RequestScope::Finish(const Status& status) {
  if (finished_) return;
  finished_ = true;
  ServingMetrics& m = M();
  const auto elapsed = steady_clock::now() - start_;
  m.in_flight.Add({entrypoint_}, -1);
  const std::string code(StatusCodeName(status.code()));
  const std::string version = version_ ? std::to_string(*version_) : std::string();

  if (IsInferenceApi(api_)) {
    m.request_count.Increment({model_, code});
    m.request_latency.Observe({model_, api_, entrypoint_}, Micros(elapsed));
    if (has_runtime_) m.runtime_latency.Observe({model_, api_, "TF1"}, Micros(runtime_));
    if (examples_ >= 0) {
      m.example_counts.Observe({model_}, static_cast<double>(examples_));
      m.example_count_total.Increment({model_}, static_cast<double>(examples_));
    }
  }
  m.requests.Increment({entrypoint_, api_, model_, version, signature_, code});
  m.latency.Observe({entrypoint_, api_, model_, version, signature_}, Seconds(elapsed));
  if (has_runtime_) m.runtime.Observe({model_, version, signature_}, Seconds(runtime_));

  if (!status.ok()) {
    std::string error = status.message();
    if (error.size() > kMaxLoggedError) error = error.substr(0, kMaxLoggedError) + "...";
    for (char& c : error) {
      if (c == '\n' || c == '\r') c = ' ';  // one line per failed request
    }
    std::string line = std::string("request failed: ") + entrypoint_ + " " + api_ + " model '" +
                       model_ + "' version " + (version.empty() ? "-" : version) +
                       " signature '" + signature_ + "' status " + code + ": " + error;
    const bool server_fault = status.code() == StatusCode::kInternal ||
                              status.code() == StatusCode::kUnknown ||
                              status.code() == StatusCode::kDataLoss;
    if (server_fault) {
      SERVAL_LOG_ERROR(line);
    } else {
      SERVAL_LOG_WARNING(line);
    }
  }
}

void RecordModelLoad(const std::string& model, int64_t version, const std::string& path,
                     const Status& status, steady_clock::duration took, int64_t resident_bytes) {
  ServingMetrics& m = M();
  m.load_attempt_count.Increment({path, status.ok() ? "success" : "fail"});
  m.loads.Increment({model, std::string(StatusCodeName(status.code()))});
  if (!status.ok()) return;
  m.load_latency.Increment({path}, Micros(took));
  const std::string v = std::to_string(version);
  m.load_seconds.Set({model, v}, Seconds(took));
  if (resident_bytes >= 0) m.resident_bytes.Set({model, v}, static_cast<double>(resident_bytes));
}

void RecordModelUnload(const std::string& model, int64_t version) {
  ServingMetrics& m = M();
  const std::string v = std::to_string(version);
  m.load_seconds.Remove({model, v});
  m.resident_bytes.Remove({model, v});
}

}  // namespace serval::monitoring
