// Session tests on the real TensorFlow exports in $SERVAL_FIXTURES (skipped when absent).
#include "serval/session/session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "serval/base/file.h"
#include "serval/loader/version_dirs.h"

namespace serval::session {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("SERVAL_FIXTURES");
    root_ = env ? JoinPath(env, "savedmodels") : "";
    if (root_.empty() || !IsDirectory(root_)) {
      GTEST_SKIP() << "SERVAL_FIXTURES/savedmodels not found; real-export session tests SKIPPED";
    }
  }
  std::string Dir(const std::string& name) {
    auto dir = loader::ResolveModelDir(JoinPath(root_, name), std::nullopt);
    EXPECT_TRUE(dir.ok()) << dir.status().ToString();
    return dir.ok() ? *dir : "";
  }
  // A fresh session (stateful models must not share one across tests).
  std::unique_ptr<Session> Fresh(const std::string& name) {
    auto s = Session::Load(Dir(name));
    EXPECT_TRUE(s.ok()) << name << ": " << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // Stateless models are loaded once for the whole suite.
  const Session* Shared(const std::string& name) {
    static std::mutex mu;
    static std::map<std::string, std::unique_ptr<Session>> cache;
    std::lock_guard<std::mutex> lock(mu);
    auto& s = cache[name];
    if (!s) s = Fresh(name);
    return s.get();
  }

  std::string root_;
};

Tensor Floats(std::vector<float> v, TensorShape shape) { return Tensor::FromVector<float>(v, std::move(shape)); }

TEST_F(SessionTest, KerasMlpEmptyBatch) {
  const Session* s = Shared("keras_mlp_stock");
  ASSERT_NE(s, nullptr);
  auto out = s->Run("serving_default", {{"dense_input", Tensor(DataType::kFloat, TensorShape{0, 10})}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->count("dense_3"), 1u);
  EXPECT_EQ(out->at("dense_3").dtype(), DataType::kFloat);
  EXPECT_EQ(out->at("dense_3").shape().ToString(), "[0,3]");
}

TEST_F(SessionTest, KerasMlpBatchRowsMatchSingleRows) {
  // Rows of a batch are independent in an MLP: running [3,10] must equal running each row
  // alone ([1,10]), and "" selects serving_default.
  const Session* s = Shared("keras_mlp_stock");
  ASSERT_NE(s, nullptr);
  std::vector<float> data(30);
  for (int i = 0; i < 30; ++i) data[static_cast<size_t>(i)] = static_cast<float>((i * 7) % 11) / 10.f - 0.3f;
  auto batch = s->Run("", {{"dense_input", Floats(data, TensorShape{3, 10})}});
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const Tensor& y = batch->at("dense_3");
  ASSERT_EQ(y.shape().ToString(), "[3,3]");
  for (int r = 0; r < 3; ++r) {
    std::vector<float> row(data.begin() + r * 10, data.begin() + r * 10 + 10);
    auto one = s->Run("serving_default", {{"dense_input", Floats(row, TensorShape{1, 10})}});
    ASSERT_TRUE(one.ok()) << one.status().ToString();
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(one->at("dense_3").flat<float>()[static_cast<size_t>(c)], y.flat<float>()[static_cast<size_t>(r * 3 + c)],
                  1e-5)
          << "row " << r << " col " << c;
    }
  }
}

TEST_F(SessionTest, InputErrors) {
  const Session* s = Shared("keras_mlp_stock");
  ASSERT_NE(s, nullptr);
  auto dtype = s->Run("serving_default", {{"dense_input", Tensor(DataType::kInt32, TensorShape{1, 10})}});
  EXPECT_EQ(dtype.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(dtype.status().message(), StartsWith("signature 'serving_default': "));
  EXPECT_THAT(dtype.status().message(), HasSubstr("input 'dense_input' has dtype DT_INT32, expected DT_FLOAT"));

  auto batchless = s->Run("serving_default", {{"dense_input", Tensor(DataType::kFloat, TensorShape{10})}});
  EXPECT_EQ(batchless.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(batchless.status().message(), HasSubstr("has shape [10], but the signature declares [-1,10]"));
  EXPECT_THAT(batchless.status().message(), HasSubstr("the first dimension is the batch"));

  auto width = s->Run("serving_default", {{"dense_input", Tensor(DataType::kFloat, TensorShape{2, 9})}});
  EXPECT_EQ(width.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(width.status().message(), HasSubstr("has shape [2,9], but the signature declares [-1,10]"));

  auto unknown = s->Run("serving_default", {{"dense_input", Tensor(DataType::kFloat, TensorShape{1, 10})},
                                            {"bogus", Tensor::Scalar<float>(1)}});
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown input 'bogus'; the signature takes 'dense_input'"));

  auto missing = s->Run("serving_default", {});
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("input 'dense_input' is missing"));

  auto sig = s->Run("nope", {});
  EXPECT_EQ(sig.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(sig.status().message(), HasSubstr("signature 'nope' not found; the model has 'serving_default'"));
  EXPECT_EQ(s->FindSignature(""), s->FindSignature("serving_default"));
  EXPECT_EQ(s->FindSignature("nope"), nullptr);
}

TEST_F(SessionTest, OutputFilter) {
  const Session* s = Shared("cppflow_multi_input_output");
  ASSERT_NE(s, nullptr);
  std::map<std::string, Tensor> in = {{"my_input_1", Floats(std::vector<float>(10, 0.5f), TensorShape{2, 5})},
                                      {"my_input_2", Floats(std::vector<float>(10, -1.f), TensorShape{2, 5})}};
  auto all = s->Run("serving_default", in);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), 2u);
  auto one = s->Run("serving_default", in, {"my_outputs_2"});
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_EQ(one->size(), 1u);
  ASSERT_EQ(one->count("my_outputs_2"), 1u);
  EXPECT_EQ(one->at("my_outputs_2").shape().ToString(), "[2,1]");
  EXPECT_EQ(one->at("my_outputs_2").flat<float>()[0], all->at("my_outputs_2").flat<float>()[0]);
  auto bad = s->Run("serving_default", in, {"my_outputs_3"});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(),
              HasSubstr("output 'my_outputs_3' is not in the signature; it has 'my_outputs_1', 'my_outputs_2'"));
}

float Scalar(const Result<std::map<std::string, Tensor>>& r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return -1e9f;
  EXPECT_EQ(r->at("output").num_elements(), 1);
  return r->at("output").flat<float>()[0];
}

TEST_F(SessionTest, CounterKeepsStateAcrossCalls) {
  auto s = Fresh("tfs_saved_model_counter");
  ASSERT_NE(s, nullptr);
  // Restored from the checkpoint as 0; +1, +1, +3, reset.
  EXPECT_EQ(Scalar(s->Run("get_counter", {})), 0.f);
  EXPECT_EQ(Scalar(s->Run("incr_counter", {})), 1.f);
  EXPECT_EQ(Scalar(s->Run("incr_counter", {})), 2.f);
  EXPECT_EQ(Scalar(s->Run("get_counter", {})), 2.f);
  EXPECT_EQ(Scalar(s->Run("incr_counter_by", {{"delta", Tensor::Scalar<float>(3.f)}})), 5.f);
  EXPECT_EQ(Scalar(s->Run("get_counter", {})), 5.f);
  EXPECT_EQ(Scalar(s->Run("reset_counter", {})), 0.f);
  EXPECT_EQ(Scalar(s->Run("get_counter", {})), 0.f);
}

TEST_F(SessionTest, CounterConcurrentIncrementsAreSerialised) {
  auto s = Fresh("tfs_saved_model_counter");
  ASSERT_NE(s, nullptr);
  std::mutex mu;
  std::vector<float> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto r = s->Run("incr_counter", {});
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(r.ok() ? r->at("output").flat<float>()[0] : -1.f);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(Scalar(s->Run("get_counter", {})), 800.f);  // exactly 8 x 100 increments
  // Each increment returned its own new value: 1..800, each exactly once.
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(seen.size(), 800u);
  for (int i = 0; i < 800; ++i) ASSERT_EQ(seen[static_cast<size_t>(i)], static_cast<float>(i + 1)) << i;
}

TEST_F(SessionTest, SignatureDefaultsFillOmittedInputs) {
  const Session* s = Shared("tfs_half_plus_two_tf2_cpu");
  ASSERT_NE(s, nullptr);
  // Only serving_default declares defaults (x = [0.0], from its PlaceholderWithDefault).
  std::vector<std::string> with_defaults;
  for (const auto& sig : s->signatures())
    if (!sig.defaults.empty()) with_defaults.push_back(sig.key);
  ASSERT_EQ(with_defaults, std::vector<std::string>{"serving_default"});
  ASSERT_EQ(s->FindSignature("serving_default")->defaults.count("x"), 1u);

  auto dflt = s->Run("serving_default", {});
  ASSERT_TRUE(dflt.ok()) << dflt.status().ToString();
  // y = 0.5 * 0 + 2.
  EXPECT_EQ(dflt->at("y").shape().ToString(), "[1]");
  EXPECT_FLOAT_EQ(dflt->at("y").flat<float>()[0], 2.f);
  auto fed = s->Run("serving_default", {{"x", Floats({1.f}, TensorShape{1})}});
  ASSERT_TRUE(fed.ok()) << fed.status().ToString();
  EXPECT_FLOAT_EQ(fed->at("y").flat<float>()[0], 2.5f);  // 0.5 * 1 + 2
  // A signature without defaults still requires its input.
  auto missing = s->Run("classify_x2_to_y3", {});
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("input 'inputs' is missing"));
}

TEST_F(SessionTest, ReadOnlyModelsFreezeVariables) {
  const Session* lstm = Shared("keras_lstm_stock");
  ASSERT_NE(lstm, nullptr);
  auto ops = lstm->PlannedOps();
  ASSERT_EQ(ops.count("serving_default"), 1u);
  EXPECT_THAT(ops["serving_default"], Not(Contains("ReadVariableOp")));
  EXPECT_THAT(ops["serving_default"], Not(Contains("VarHandleOp")));
  EXPECT_THAT(ops["serving_default"], Contains("While"));
  // The frozen model still runs: [-1,60,1] -> [-1,1].
  std::vector<float> seq(60);
  for (int i = 0; i < 60; ++i) seq[static_cast<size_t>(i)] = static_cast<float>(i) / 60.f;
  auto out = lstm->Run("serving_default", {{"lstm_input", Floats(seq, TensorShape{1, 60, 1})}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->at("dense_1").shape().ToString(), "[1,1]");

  auto counter = Fresh("tfs_saved_model_counter");
  ASSERT_NE(counter, nullptr);
  auto cops = counter->PlannedOps();
  // The counter's signatures write the variable, so reads stay per call.
  EXPECT_THAT(cops["get_counter"], Contains("ReadVariableOp"));
  EXPECT_THAT(cops["incr_counter"], Contains("AssignAdd"));
}

TEST_F(SessionTest, ConcurrentRunsOfALoopModelAgree) {
  // The LSTM runs a While whose bodies are compiled Plans shared by all callers: 8 threads
  // running different inputs must each get the single-threaded answer for their input.
  const Session* lstm = Shared("keras_lstm_stock");
  ASSERT_NE(lstm, nullptr);
  auto input = [](int t) {
    std::vector<float> seq(60);
    for (int i = 0; i < 60; ++i) seq[static_cast<size_t>(i)] = static_cast<float>((i + 7 * t) % 13) / 13.f;
    return Floats(seq, TensorShape{1, 60, 1});
  };
  std::vector<float> want(8);
  for (int t = 0; t < 8; ++t) {
    auto r = lstm->Run("serving_default", {{"lstm_input", input(t)}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    want[static_cast<size_t>(t)] = r->at("dense_1").flat<float>()[0];
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto r = lstm->Run("serving_default", {{"lstm_input", input(t)}});
        if (!r.ok() || r->at("dense_1").flat<float>()[0] != want[static_cast<size_t>(t)]) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(SessionTest, ReportOpsFindsNoMissingOps) {
  for (const auto& entry : std::filesystem::directory_iterator(root_)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    if (name.rfind("neg_fuzz_", 0) == 0) continue;
    auto model = loader::LoadSavedModel(Dir(name));
    ASSERT_TRUE(model.ok()) << name << ": " << model.status().ToString();
    auto report = ReportOps(**model);
    ASSERT_TRUE(report.ok()) << name << ": " << report.status().ToString();
    EXPECT_FALSE(report->ops.empty()) << name;
    EXPECT_TRUE(report->missing.empty()) << name << " misses " << ::testing::PrintToString(report->missing);
    EXPECT_EQ(report->ops.count("StatefulPartitionedCall"), 0u) << name << ": calls are inlined";
  }
}

TEST_F(SessionTest, ReportOpsCountsControlFlowBodies) {
  auto model = loader::LoadSavedModel(Dir("keras_lstm_stock"));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto report = ReportOps(**model);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  // The LSTM's TensorList reads live in the While body, reachable only through its attrs.
  EXPECT_GT(report->ops.count("TensorListGetItem"), 0u);
  EXPECT_GT(report->ops.count("While"), 0u);
  EXPECT_EQ(report->ops.count("CudnnRNN"), 0u);  // in the library, but unreachable
}

TEST_F(SessionTest, MalformedModelsFailToLoad) {
  for (const char* name : {"neg_fuzz_negative_shape", "neg_fuzz_const_with_no_value"}) {
    auto s = Session::Load(JoinPath(root_, name));
    ASSERT_FALSE(s.ok()) << name << " loaded";
    EXPECT_FALSE(s.status().message().empty()) << name;
    EXPECT_THAT(s.status().message(), HasSubstr(name)) << s.status().ToString();
  }
}

TEST_F(SessionTest, LoadOfMissingDirectoryFails) {
  auto s = Session::Load(JoinPath(root_, "definitely_not_a_model"));
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace serval::session

namespace serval::session {
namespace {

// TF Serving feeds request shapes as they arrive (its README sends [1.0, 2.0, 5.0] to half_plus_two,
// whose input is declared [-1,1]); Serval does the same, and only explains the shape when a run fails.
TEST_F(SessionTest, ShapesThatTheGraphAcceptsAreNotRejected) {
  const Session* s = Shared("tfs_half_plus_two_cpu");
  ASSERT_NE(s, nullptr);
  auto out = s->Run("serving_default", {{"x", Floats({1, 2, 5}, TensorShape{3})}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const Tensor& y = out->at("y");
  ASSERT_EQ(y.shape().ToString(), "[3]");
  // y = 0.5 * x + 2 (the fixture's published formula).
  EXPECT_FLOAT_EQ(y.flat<float>()[0], 2.5f);
  EXPECT_FLOAT_EQ(y.flat<float>()[2], 4.5f);
}

}  // namespace
}  // namespace serval::session
