// The serving metrics every front end and the model manager record, in Registry::Global(): TF
// Serving's names and labels (serving-spec §3.4) so existing dashboards work, plus Serval's own
// (prefix serval_) with per version and signature labels. docs/operations.md lists them all.
//
// RequestScope is how a front end records one request: create it when the request arrives (the
// in-flight gauge goes up), fill in what becomes known (model, version, signature, runtime), then
// Finish(status) once; the destructor finishes with OK/whatever was set if Finish was not called.
// A failed request also logs one line with model, version, signature and the error.
// Thread safety: a RequestScope belongs to one request (one thread at a time); everything else
// may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "serval/base/status.h"
#include "serval/monitoring/metrics.h"

namespace serval::monitoring {

// Front end names (TF Serving's `entrypoint` label values).
inline constexpr const char* kRest = "REST";
inline constexpr const char* kGrpc = "GRPC";

// TF Serving's `API` label values; the first four are TF Serving's inference APIs (they feed the
// :tensorflow:serving:* request metrics), the rest only Serval's metrics.
inline constexpr const char* kPredict = "Predict";
inline constexpr const char* kClassify = "Classify";
inline constexpr const char* kRegress = "Regress";
inline constexpr const char* kMultiInference = "MultiInference";
inline constexpr const char* kGetModelMetadata = "GetModelMetadata";
inline constexpr const char* kGetModelStatus = "GetModelStatus";
inline constexpr const char* kReloadConfig = "HandleReloadConfigRequest";

// Creates every serving metric in the global registry (idempotent), so a scrape lists them all,
// with TYPE lines, before the first request, as TF Serving does.
void RegisterServingMetrics();

class RequestScope {
 public:
  RequestScope(const char* entrypoint, const char* api);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

  // Model name as requested, and whether it is a configured model: requests for unknown names
  // are recorded under model "" so a client cannot create unbounded label sets.
  void set_model(const std::string& name, bool configured = true);
  void set_version(int64_t v) { version_ = v; }
  void set_signature(const std::string& s) { signature_ = s; }
  // Examples in a classify/regress request (:tensorflow:serving:request_example_counts).
  void set_example_count(int64_t n) { examples_ = n; }
  // Time spent in the model run (LoadedModel::Run), for :tensorflow:serving:runtime_latency.
  void AddRuntime(std::chrono::steady_clock::duration d) { runtime_ += d; has_runtime_ = true; }

  // Records the request with its final status (once; later calls are ignored).
  void Finish(const Status& status);

 private:
  const char* entrypoint_;
  const char* api_;
  std::chrono::steady_clock::time_point start_;
  std::string model_;
  std::optional<int64_t> version_;
  std::string signature_;
  int64_t examples_ = -1;
  std::chrono::steady_clock::duration runtime_{};
  bool has_runtime_ = false;
  bool finished_ = false;
};

// Model manager events (servable layer).
void RecordModelLoad(const std::string& model, int64_t version, const std::string& path,
                     const Status& status, std::chrono::steady_clock::duration took,
                     int64_t resident_bytes);
void RecordModelUnload(const std::string& model, int64_t version);

}  // namespace serval::monitoring
