#include "serval/monitoring/serving_metrics.h"

#include <gtest/gtest.h>

#include "serval/monitoring/access_log.h"

namespace serval::monitoring {
namespace {

// These tests use the global registry; each uses its own model name so they do not interfere.
// The fixture registers the serving metrics first, so the lookups below (any label names) return
// them rather than creating look-alikes.
class ServingMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterServingMetrics(); }
};
using AccessLogTest = ServingMetricsTest;

Counter& TfRequestCount() {
  return Registry::Global().AddCounter(":tensorflow:serving:request_count", "", {});
}
Histogram& ServalLatency() {
  return Registry::Global().AddHistogram("serval_request_latency_seconds", "", {}, {});
}
Gauge& InFlight() { return Registry::Global().AddGauge("serval_requests_in_flight", "", {}); }

TEST_F(ServingMetricsTest, RegisteredUpFrontWithTfServingNames) {
  RegisterServingMetrics();
  std::string text = Registry::Global().ExportPrometheus();
  for (const char* line : {"# TYPE :tensorflow:serving:request_count counter",
                           "# TYPE :tensorflow:serving:request_latency histogram",
                           "# TYPE :tensorflow:serving:runtime_latency histogram",
                           "# TYPE :tensorflow:cc:saved_model:load_attempt_count counter",
                           "# TYPE :tensorflow:cc:saved_model:load_latency counter",
                           "# TYPE serval_requests_in_flight gauge",
                           "# TYPE serval_model_resident_bytes gauge"}) {
    EXPECT_NE(text.find(std::string(line) + "\n"), std::string::npos) << line;
  }
  // Re-adding with other label names returns the same metric (idempotent by name).
  EXPECT_EQ(&TfRequestCount(), &Registry::Global().AddCounter(":tensorflow:serving:request_count",
                                                              "x", {"a"}));
}

TEST_F(ServingMetricsTest, RequestScopeRecordsTfAndServalMetrics) {
  RegisterServingMetrics();
  {
    RequestScope scope(kRest, kPredict);
    EXPECT_EQ(InFlight().Value({kRest}), 1);
    scope.set_model("scope_model");
    scope.set_version(3);
    scope.set_signature("serving_default");
    scope.AddRuntime(std::chrono::microseconds(250));
    scope.Finish(InvalidArgument("bad input"));
    scope.Finish(Status::Ok());  // ignored: recorded once
  }
  { RequestScope ok(kGrpc, kPredict); ok.set_model("scope_model"); }  // destructor finishes OK
  EXPECT_EQ(InFlight().Value({kRest}), 0);
  EXPECT_EQ(TfRequestCount().Value({"scope_model", "INVALID_ARGUMENT"}), 1);
  EXPECT_EQ(TfRequestCount().Value({"scope_model", "OK"}), 1);
  auto& requests = Registry::Global().AddCounter("serval_requests_total", "", {});
  EXPECT_EQ(requests.Value({"REST", "Predict", "scope_model", "3", "serving_default",
                            "INVALID_ARGUMENT"}), 1);
  EXPECT_EQ(requests.Value({"GRPC", "Predict", "scope_model", "", "", "OK"}), 1);
  EXPECT_EQ(ServalLatency().Count({"REST", "Predict", "scope_model", "3", "serving_default"}), 1u);
  auto& runtime = Registry::Global().AddHistogram(":tensorflow:serving:runtime_latency", "", {}, {});
  EXPECT_EQ(runtime.Count({"scope_model", "Predict", "TF1"}), 1u);
}

TEST_F(ServingMetricsTest, MetadataIsNotATfServingInferenceRequest) {
  { RequestScope s(kRest, kGetModelMetadata); s.set_model("meta_model"); }
  EXPECT_EQ(TfRequestCount().Value({"meta_model", "OK"}), 0);
  auto& requests = Registry::Global().AddCounter("serval_requests_total", "", {});
  EXPECT_EQ(requests.Value({"REST", "GetModelMetadata", "meta_model", "", "", "OK"}), 1);
}

TEST_F(ServingMetricsTest, UnknownModelNamesShareOneLabelSet) {
  for (const char* name : {"nope1", "nope2"}) {
    RequestScope s(kRest, kPredict);
    s.set_model(name, /*configured=*/false);
    s.Finish(NotFound("Servable not found"));
  }
  EXPECT_EQ(TfRequestCount().Value({"", "NOT_FOUND"}), 2);
  EXPECT_EQ(Registry::Global().ExportPrometheus().find("nope1"), std::string::npos);
}

TEST_F(ServingMetricsTest, ExampleCounts) {
  {
    RequestScope s(kGrpc, kClassify);
    s.set_model("ex_model");
    s.set_example_count(5);
  }
  auto& total = Registry::Global().AddCounter(":tensorflow:serving:request_example_count_total",
                                              "", {});
  EXPECT_EQ(total.Value({"ex_model"}), 5);
}

TEST_F(ServingMetricsTest, LoadAndUnload) {
  RecordModelLoad("load_model", 7, "/m/7", Status::Ok(), std::chrono::milliseconds(20), 4096);
  RecordModelLoad("load_model", 8, "/m/8", Internal("boom"), std::chrono::milliseconds(1), -1);
  auto& attempts =
      Registry::Global().AddCounter(":tensorflow:cc:saved_model:load_attempt_count", "", {});
  EXPECT_EQ(attempts.Value({"/m/7", "success"}), 1);
  EXPECT_EQ(attempts.Value({"/m/8", "fail"}), 1);
  auto& latency = Registry::Global().AddCounter(":tensorflow:cc:saved_model:load_latency", "", {});
  EXPECT_EQ(latency.Value({"/m/7"}), 20000);
  auto& bytes = Registry::Global().AddGauge("serval_model_resident_bytes", "", {});
  EXPECT_EQ(bytes.Value({"load_model", "7"}), 4096);
  const std::string series = "serval_model_resident_bytes{model=\"load_model\",version=\"7\"} 4096\n";
  EXPECT_NE(Registry::Global().ExportPrometheus().find(series), std::string::npos);
  RecordModelUnload("load_model", 7);
  EXPECT_EQ(Registry::Global().ExportPrometheus().find(series), std::string::npos);
}

TEST_F(AccessLogTest, FormatsOneSpaceSeparatedLine) {
  AccessRecord r;
  r.peer = "127.0.0.1:5000";
  r.entrypoint = "REST";
  r.method = "POST";
  r.target = "/v1/models/a b:predict";
  r.status = "200";
  r.latency = std::chrono::microseconds(1250);
  r.bytes_in = 38;
  r.bytes_out = 61;
  // 2026-11-25T14:29:42.123Z
  std::chrono::system_clock::time_point t{std::chrono::milliseconds(1795616982123)};
  EXPECT_EQ(AccessLog::FormatLine(r, t),
            "2026-11-25T14:29:42.123Z 127.0.0.1:5000 REST POST /v1/models/a%20b:predict 200 1.250 "
            "38 61\n");
  r.peer = {};
  EXPECT_EQ(AccessLog::FormatLine(r, t).substr(25, 7), "- REST ");
}

TEST_F(AccessLogTest, UnopenableFileIsAnError) {
  auto log = AccessLog::Open("/nonexistent-dir/x/access.log");
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("/nonexistent-dir/x/access.log"), std::string::npos);
}

}  // namespace
}  // namespace serval::monitoring
