// The model manager's monitoring records: load attempts, load time and the resident-bytes
// estimate on load, and the per-version gauges removed on unload. Models are written by Serval's
// own SavedModelBuilder into a temp folder, so the expected byte counts are known exactly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "serval/loader/saved_model_writer.h"
#include "serval/monitoring/metrics.h"
#include "serval/monitoring/serving_metrics.h"
#include "serval/servable/resident_bytes.h"
#include "serval/servable/servable_manager.h"

namespace serval::servable {
namespace {

namespace fs = std::filesystem;
using loader::FunctionBuilder;
using loader::SavedModelBuilder;

// y = x * w + c: w a [3] float variable (12 bytes), c a [3] float Const on the signature path
// (12 bytes). An unused function holds a [100] float Const (400 bytes) that must not count.
Status WriteModel(const std::string& dir) {
  SavedModelBuilder b;
  auto w = b.AddVariable("w", Tensor::FromVector<float>({1, 2, 3}, TensorShape{3}));
  FunctionBuilder f = b.NewFunction("__inference_predict_" + std::to_string(b.NextId()));
  const std::string x = f.AddInput("x", DataType::kFloat, PartialShape({-1, 3}));
  const std::string rw = f.ReadVariable(w, "Mul/ReadVariableOp");
  f.AddNode("Mul", "Mul", {x, rw}, {{"T", loader::attr::Type(DataType::kFloat)}});
  const std::string c = f.AddConst("c", Tensor::FromVector<float>({1, 1, 1}, TensorShape{3}));
  f.AddNode("Add", "AddV2", {"Mul:z:0", c}, {{"T", loader::attr::Type(DataType::kFloat)}});
  f.AddOutput("Add:z:0", DataType::kFloat, PartialShape({-1, 3}));
  b.AddSignature("serving_default", {{"x", DataType::kFloat, PartialShape({-1, 3})}},
                 {{"y", DataType::kFloat, PartialShape({-1, 3})}}, f);
  FunctionBuilder unused = b.NewFunction("__inference_unused_" + std::to_string(b.NextId()));
  const std::string big = unused.AddConst("big", Tensor(DataType::kFloat, TensorShape{100}));
  unused.AddOutput(big, DataType::kFloat, PartialShape({100}));
  b.AddFunction(unused);
  return b.Save(dir);
}

class LoadMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The serving metrics must exist (with their label names) before the test looks them up.
    monitoring::RegisterServingMetrics();
    tmp_ = fs::temp_directory_path() / ("serval_load_metrics_test_" + std::to_string(::getpid()));
    fs::remove_all(tmp_);
    base_ = (tmp_ / "m").string();
    ASSERT_TRUE(WriteModel(base_ + "/1").ok());
  }
  void TearDown() override { fs::remove_all(tmp_); }
  fs::path tmp_;
  std::string base_;
};

TEST_F(LoadMetricsTest, ResidentBytesCountsVariablesAndReachableConstants) {
  auto session = session::Session::Load(base_ + "/1");
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ(EstimateResidentBytes(**session), 12 + 12);
}

TEST_F(LoadMetricsTest, LoadAndUnloadAreRecorded) {
  auto& reg = monitoring::Registry::Global();
  auto& attempts = reg.AddCounter(":tensorflow:cc:saved_model:load_attempt_count", "", {});
  auto& bytes = reg.AddGauge("serval_model_resident_bytes", "", {});
  const std::string path = base_ + "/1";
  ManagerOptions o;
  o.file_system_poll_wait_seconds = -1;
  ServableManager manager(o);
  ModelConfig c;
  c.name = "load_metrics_model";
  c.base_path = base_;
  manager.SetModels({c});
  ASSERT_TRUE(manager.Get("load_metrics_model").ok());
  EXPECT_EQ(attempts.Value({path, "success"}), 1);
  EXPECT_EQ(bytes.Value({"load_metrics_model", "1"}), 24);
  const std::string series = "serval_model_resident_bytes{model=\"load_metrics_model\",version=\"1\"} 24\n";
  EXPECT_NE(reg.ExportPrometheus().find(series), std::string::npos);
  manager.SetModels({});  // unloads
  EXPECT_EQ(reg.ExportPrometheus().find(series), std::string::npos);
}

TEST_F(LoadMetricsTest, FailedLoadIsRecorded) {
  auto& attempts = monitoring::Registry::Global().AddCounter(":tensorflow:cc:saved_model:load_attempt_count", "", {});
  const std::string broken = (tmp_ / "b" / "1").string();
  fs::create_directories(broken);
  {
    std::ofstream(broken + "/saved_model.pb") << "not a proto";
  }
  ManagerOptions o;
  o.file_system_poll_wait_seconds = -1;
  o.max_load_retries = 0;
  ServableManager manager(o);
  ModelConfig c;
  c.name = "broken_model";
  c.base_path = (tmp_ / "b").string();
  manager.SetModels({c});
  EXPECT_FALSE(manager.Get("broken_model").ok());
  EXPECT_EQ(attempts.Value({broken, "fail"}), 1);
}

}  // namespace
}  // namespace serval::servable
