// Warmup on a COPY of the TF Serving half_plus_two fixture (predict, classify and regress
// signatures; y = 0.5x + 2) in a temp dir, with warmup files written by Serval's own TFRecord
// writer. Skipped when $SERVAL_FIXTURES is absent.
#include "serval/servable/warmup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "serval/base/file.h"
#include "serval/loader/tfrecord.h"
#include "serval/session/variable_writes.h"
#include "serval/tensor/tensor_proto.h"
#include "tensorflow/core/example/example.pb.h"
#include "tensorflow/core/framework/tensor.pb.h"

namespace serval::servable {
namespace {

namespace fs = std::filesystem;
namespace tfs = tensorflow::serving;
using ::testing::HasSubstr;

// Forwards to the session and records which signatures ran, and on which x values.
class RecordingRunner : public SignatureRunner {
 public:
  explicit RecordingRunner(const session::Session* session) : session_(session) {}
  Result<TensorMap> Run(const std::string& key, TensorMap inputs,
                        const std::vector<std::string>& filter) const override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(key);
    }
    return session_->Run(key, std::move(inputs), filter);
  }
  std::vector<std::string> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  const session::Session* session_;
  mutable std::mutex mu_;
  mutable std::vector<std::string> calls_;
};

tfs::PredictionLog PredictLog(const std::string& signature, const std::string& input, std::vector<float> x,
                              std::vector<std::string> filter = {}) {
  tfs::PredictionLog log;
  tfs::PredictRequest* r = log.mutable_predict_log()->mutable_request();
  r->mutable_model_spec()->set_name("some_other_name");  // ignored: the loading version is used
  r->mutable_model_spec()->set_signature_name(signature);
  const int64_t n = static_cast<int64_t>(x.size());
  EXPECT_TRUE(TensorToProto(Tensor::FromVector<float>(x, TensorShape{n, 1}), &(*r->mutable_inputs())[input]).ok());
  for (auto& f : filter) r->add_output_filter(f);
  return log;
}

tfs::Input ExamplesInput(std::vector<float> xs) {
  tfs::Input input;
  for (float x : xs) {
    tensorflow::Example* ex = input.mutable_example_list()->add_examples();
    (*ex->mutable_features()->mutable_feature())["x"].mutable_float_list()->add_value(x);
  }
  return input;
}

class WarmupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("SERVAL_FIXTURES");
    const std::string fixture = env ? JoinPath(env, "savedmodels/tfs_half_plus_two_cpu/00000123") : "";
    if (fixture.empty() || !IsDirectory(fixture)) {
      GTEST_SKIP() << "SERVAL_FIXTURES/savedmodels/tfs_half_plus_two_cpu not found; warmup tests SKIPPED";
    }
    static std::atomic<int> counter{0};
    tmp_ = fs::temp_directory_path() /
           ("serval_warmup_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    base_ = tmp_ / "half";
    dir_ = base_ / "123";
    fs::create_directories(base_);
    fs::copy(fixture, dir_, fs::copy_options::recursive);  // a copy: the fixture is never modified
    fs::create_directories(dir_ / "assets.extra");
    warmup_path_ = (dir_ / "assets.extra" / "tf_serving_warmup_requests").string();
  }
  void TearDown() override {
    if (!tmp_.empty()) {
      std::error_code ec;
      fs::remove_all(tmp_, ec);
    }
  }

  void WriteWarmup(const std::vector<tfs::PredictionLog>& logs) {
    std::vector<std::string> records;
    for (const auto& l : logs) records.push_back(l.SerializeAsString());
    ASSERT_TRUE(loader::WriteTFRecordFile(warmup_path_, records).ok());
  }

  // A LoadedModel of the copy whose Run goes through a RecordingRunner.
  std::unique_ptr<LoadedModel> Load() {
    auto session = session::Session::Load(dir_.string());
    EXPECT_TRUE(session.ok()) << session.status().message();
    if (!session.ok()) return nullptr;
    auto m = std::make_unique<LoadedModel>();
    m->name = "half";
    m->version = 123;
    m->path = dir_.string();
    m->session = std::move(*session);
    m->runner = std::make_unique<RecordingRunner>(m->session.get());
    return m;
  }
  static std::vector<std::string> Calls(const LoadedModel& m) {
    return static_cast<const RecordingRunner&>(*m.runner).calls();
  }

  ModelConfig Config(const fs::path& base, const std::string& name) {
    ModelConfig c;
    c.name = name;
    c.base_path = base.string();
    return c;
  }
  static ManagerOptions Options(WarmupOptions w) {
    ManagerOptions o;
    o.max_load_retries = 0;
    o.file_system_poll_wait_seconds = -1;
    o.prepare.push_back(MakeWarmupStep(w));
    return o;
  }

  fs::path tmp_, base_, dir_;
  std::string warmup_path_;
};

TEST_F(WarmupTest, NoFileNoSyntheticDoesNothing) {
  auto m = Load();
  ASSERT_TRUE(m);
  auto r = WarmupModel(*m, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->from_file);
  EXPECT_EQ(r->runs, 0);
  EXPECT_TRUE(Calls(*m).empty());
}

TEST_F(WarmupTest, ReplaysEveryRecordEachIterationThroughLoadedModelRunAndLogsCountAndTime) {
  tfs::PredictionLog classify, regress, multi;
  classify.mutable_classify_log()->mutable_request()->mutable_model_spec()->set_signature_name("classify_x_to_y");
  *classify.mutable_classify_log()->mutable_request()->mutable_input() = ExamplesInput({1, 2});
  regress.mutable_regress_log()->mutable_request()->mutable_model_spec()->set_signature_name("regress_x_to_y");
  *regress.mutable_regress_log()->mutable_request()->mutable_input() = ExamplesInput({5});
  auto* mreq = multi.mutable_multi_inference_log()->mutable_request();
  *mreq->mutable_input() = ExamplesInput({3});
  auto* t1 = mreq->add_tasks();
  t1->mutable_model_spec()->set_signature_name("classify_x_to_y");
  t1->set_method_name("tensorflow/serving/classify");
  auto* t2 = mreq->add_tasks();
  t2->mutable_model_spec()->set_signature_name("regress_x_to_y");
  t2->set_method_name("tensorflow/serving/regress");
  WriteWarmup({PredictLog("", "x", {1, 2, 5}), PredictLog("serving_default", "x", {3}, {"y"}), classify, regress,
               multi});

  auto m = Load();
  ASSERT_TRUE(m);
  WarmupOptions o;
  o.num_request_iterations = 2;
  ::testing::internal::CaptureStderr();
  auto r = WarmupModel(*m, o);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->from_file);
  EXPECT_EQ(r->records, 5);
  EXPECT_EQ(r->runs, 10);
  EXPECT_GT(r->seconds, 0);
  // Each record twice, in file order; the multi-inference record runs both of its tasks.
  EXPECT_THAT(Calls(*m), ::testing::ElementsAre("serving_default", "serving_default", "serving_default",
                                                "serving_default", "classify_x_to_y", "classify_x_to_y",
                                                "regress_x_to_y", "regress_x_to_y", "classify_x_to_y",
                                                "regress_x_to_y", "classify_x_to_y", "regress_x_to_y"));
  EXPECT_THAT(log, HasSubstr("model 'half' version 123: warmup replayed 5 records (10 runs, 2 iterations each) from " +
                             warmup_path_ + " in "));
  EXPECT_THAT(log, HasSubstr(" ms"));
}

TEST_F(WarmupTest, ZeroIterationsMeansOnceAsInTfServing) {
  WriteWarmup({PredictLog("", "x", {1})});
  auto m = Load();
  ASSERT_TRUE(m);
  WarmupOptions o;
  o.num_request_iterations = 0;
  auto r = WarmupModel(*m, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->runs, 1);
}

TEST_F(WarmupTest, FailingRecordNamesModelVersionFileRecordAndError) {
  WriteWarmup({PredictLog("", "x", {1}), PredictLog("", "not_an_input", {1})});
  auto m = Load();
  ASSERT_TRUE(m);
  auto r = WarmupModel(*m, {});
  ASSERT_FALSE(r.ok());
  const std::string& msg = r.status().message();
  EXPECT_THAT(msg, HasSubstr("model 'half' version 123: warmup file " + warmup_path_ + ": record 1: "));
  EXPECT_THAT(msg, HasSubstr("signature 'serving_default': input 'x' is missing"));
}

TEST_F(WarmupTest, UnknownSignatureBadOutputFilterAndWrongMethodFail) {
  auto m = Load();
  ASSERT_TRUE(m);
  EXPECT_THAT(ReplayWarmupRecord(*m, PredictLog("nope", "x", {1})).message(),
              HasSubstr("Serving signature key \"nope\" not found."));
  EXPECT_THAT(ReplayWarmupRecord(*m, PredictLog("", "x", {1}, {"zz"})).message(),
              HasSubstr("output tensor alias not found in signature: zz"));
  tfs::PredictionLog classify;
  classify.mutable_classify_log()->mutable_request()->mutable_model_spec()->set_signature_name("serving_default");
  *classify.mutable_classify_log()->mutable_request()->mutable_input() = ExamplesInput({1});
  EXPECT_THAT(ReplayWarmupRecord(*m, classify).message(),
              HasSubstr("Expected classification signature method_name to be tensorflow/serving/classify"));
  classify.mutable_classify_log()->mutable_request()->mutable_model_spec()->set_signature_name("classify_x_to_y");
  classify.mutable_classify_log()->mutable_request()->clear_input();
  EXPECT_THAT(ReplayWarmupRecord(*m, classify).message(), HasSubstr("Input is empty."));
}

TEST_F(WarmupTest, HugeDeclaredInputIsRefusedBeforeAllocation) {
  // Three bytes of proto declare 2^40 floats (no values: TF would zero-fill 4 TiB).
  tfs::PredictionLog log = PredictLog("", "x", {1});
  tensorflow::TensorProto& x = (*log.mutable_predict_log()->mutable_request()->mutable_inputs())["x"];
  x.clear_float_val();
  x.clear_tensor_content();
  x.mutable_tensor_shape()->mutable_dim(0)->set_size(int64_t{1} << 40);
  auto m = Load();
  ASSERT_TRUE(m);
  const Status s = ReplayWarmupRecord(*m, log);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("signature 'serving_default': input 'x': the tensor's shape declares more than "
                                     "1073741824 bytes"));
  // Under a smaller limit, a 2x1 float input (8 bytes) is refused at 4 and accepted at 8.
  EXPECT_FALSE(ReplayWarmupRecord(*m, PredictLog("", "x", {1, 2}), 4).ok());
  EXPECT_TRUE(ReplayWarmupRecord(*m, PredictLog("", "x", {1, 2}), 8).ok());
}

TEST_F(WarmupTest, ParseRejectsUnsupportedAndUnparseableRecords) {
  tfs::PredictionLog session_run;
  session_run.mutable_session_run_log()->mutable_request()->add_fetch("y:0");
  tfs::PredictionLog streamed;
  streamed.mutable_predict_streamed_log();
  const tfs::PredictionLog empty;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {session_run.SerializeAsString(), "Unsupported log_type for warmup: session_run_log"},
      {streamed.SerializeAsString(), "Unsupported log_type for warmup: predict_streamed_log"},
      {empty.SerializeAsString(), "Unsupported log_type for warmup"},
      {std::string("\xff\xff\xff", 3), "Failed to parse warmup record"},
  };
  for (const auto& [record, want] : cases) {
    std::string bytes;
    loader::AppendTFRecord(PredictLog("", "x", {1}).SerializeAsString(), &bytes);
    loader::AppendTFRecord(record, &bytes);
    auto r = ParseWarmupRecords(bytes, "/p/w");
    ASSERT_FALSE(r.ok()) << want;
    EXPECT_THAT(r.status().message(), HasSubstr("/p/w: record 1: " + want));
  }
}

TEST_F(WarmupTest, MoreThan1000RecordsIsAnErrorAnd1000IsFine) {
  std::string one;
  loader::AppendTFRecord(PredictLog("", "x", {1}).SerializeAsString(), &one);
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes += one;
  auto ok = ParseWarmupRecords(bytes, "/p/w");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->size(), 1000u);
  bytes += one;
  auto r = ParseWarmupRecords(bytes, "/p/w");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "Number of warmup records exceeds the maximum (1000) at /p/w");
}

// Through the manager, as the server runs it: a good file → AVAILABLE; a corrupt one (a flipped
// byte, a truncation, 1001 records) → that version is END with the message while another model
// keeps serving.
TEST_F(WarmupTest, ManagerServesWarmedVersionAndFailsCorruptOnesCleanly) {
  WriteWarmup({PredictLog("", "x", {1, 2}), PredictLog("", "x", {5})});
  auto good = ReadFileToString(warmup_path_);
  ASSERT_TRUE(good.ok());

  // A second model: a copy without a warmup file.
  const fs::path other = tmp_ / "other";
  fs::create_directories(other);
  fs::copy(dir_, other / "7", fs::copy_options::recursive);
  fs::remove_all(other / "7" / "assets.extra");

  struct Case {
    std::string name;
    std::string bytes;
    std::string want;
  };
  std::string flipped = *good;
  flipped[flipped.size() - 6] ^= 0x04;  // a data byte of the last record
  std::string many;
  for (int i = 0; i < 501; ++i) many += *good;  // 1002 records
  const std::vector<Case> cases = {
      {"good", *good, ""},
      {"flipped", flipped, ": record 1 (at byte "},
      {"truncated", good->substr(0, good->size() - 3), "truncated"},
      {"too_many", many, "Number of warmup records exceeds the maximum (1000) at " + warmup_path_},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    {
      FILE* f = std::fopen(warmup_path_.c_str(), "wb");
      ASSERT_NE(f, nullptr);
      ASSERT_EQ(std::fwrite(c.bytes.data(), 1, c.bytes.size(), f), c.bytes.size());
      std::fclose(f);
    }
    ServableManager manager(Options({}));
    ::testing::internal::CaptureStderr();
    manager.SetModels({Config(base_, "half"), Config(other, "other")});
    const std::string log = ::testing::internal::GetCapturedStderr();
    auto status = manager.GetStatus("half");
    ASSERT_TRUE(status.ok());
    ASSERT_EQ(status->size(), 1u);
    auto other_handle = manager.Get("other");
    ASSERT_TRUE(other_handle.ok()) << other_handle.status().message();
    auto y = (*other_handle)->Run("serving_default", {{"x", Tensor::FromVector<float>({4}, TensorShape{1, 1})}});
    ASSERT_TRUE(y.ok()) << y.status().message();
    EXPECT_FLOAT_EQ(y->at("y").flat<float>()[0], 4.0f);
    if (c.want.empty()) {
      EXPECT_EQ((*status)[0].state, VersionState::kAvailable) << (*status)[0].error.message();
      EXPECT_THAT(log, HasSubstr("model 'half' version 123: warmup replayed 2 records (2 runs, 1 iteration each)"));
      EXPECT_TRUE(manager.Get("half").ok());
    } else {
      EXPECT_EQ((*status)[0].state, VersionState::kEnd);
      const std::string msg = (*status)[0].error.message();
      EXPECT_THAT(msg, HasSubstr("model 'half' version 123: warmup"));
      EXPECT_THAT(msg, HasSubstr(warmup_path_));
      EXPECT_THAT(msg, HasSubstr(c.want));
      EXPECT_FALSE(manager.Get("half").ok());
    }
  }
}

TEST_F(WarmupTest, DisabledStepLeavesCorruptFileUnread) {
  // --enable_model_warmup=false means no step at all; the server only adds the step when enabled.
  WriteWarmup({PredictLog("", "x", {1})});
  ServableManager manager([] {
    ManagerOptions o;
    o.max_load_retries = 0;
    o.file_system_poll_wait_seconds = -1;
    return o;
  }());
  FILE* f = std::fopen(warmup_path_.c_str(), "ab");
  std::fputs("garbage", f);
  std::fclose(f);
  manager.SetModels({Config(base_, "half")});
  EXPECT_TRUE(manager.Get("half").ok());
}

TEST_F(WarmupTest, SyntheticWarmupRunsEverySignatureAndNeverFailsTheLoad) {
  auto m = Load();
  ASSERT_TRUE(m);
  WarmupOptions o;
  o.synthetic = true;
  ::testing::internal::CaptureStderr();
  auto r = WarmupModel(*m, o);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->from_file);
  const int64_t n = static_cast<int64_t>(m->session->signatures().size());
  EXPECT_EQ(r->runs + r->synthetic_failed, n);
  // The predict signatures take a float x [-1,1]: zeros of shape [1,1] run.
  const auto calls = Calls(*m);
  EXPECT_THAT(calls, ::testing::Contains("serving_default"));
  EXPECT_GE(r->runs, 1);
  EXPECT_EQ(static_cast<int64_t>(calls.size()), n);
  EXPECT_THAT(log, HasSubstr("model 'half' version 123: synthetic warmup ran " + std::to_string(r->runs) + " of " +
                             std::to_string(n) + " signatures in "));
}

TEST_F(WarmupTest, SyntheticFailuresAreWarningsNotLoadErrors) {
  // A signature the made-up request cannot satisfy must not keep the version from loading: the
  // manager still makes it AVAILABLE. Force a failure with a runner that rejects everything.
  class Rejecting : public SignatureRunner {
   public:
    Result<TensorMap> Run(const std::string& key, TensorMap, const std::vector<std::string>&) const override {
      return InvalidArgument("signature '" + key + "': rejected");
    }
  };
  ManagerOptions o;
  o.max_load_retries = 0;
  o.file_system_poll_wait_seconds = -1;
  o.prepare.push_back([](const ModelConfig&, LoadedModel& m) {
    m.runner = std::make_unique<Rejecting>();
    return Status::Ok();
  });
  WarmupOptions w;
  w.synthetic = true;
  o.prepare.push_back(MakeWarmupStep(w));
  ServableManager manager(std::move(o));
  ::testing::internal::CaptureStderr();
  manager.SetModels({Config(base_, "half")});
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(manager.Get("half").ok());
  EXPECT_THAT(log, HasSubstr("synthetic warmup of signature 'serving_default' failed (ignored; the version still loads)"));
  EXPECT_THAT(log, HasSubstr("synthetic warmup ran 0 of "));
}

}  // namespace
}  // namespace serval::servable

namespace serval::servable {
namespace {

// A stateful model: synthetic warmup must not run the signatures that write its variables, so
// the first real request still sees the initial state.
TEST(SyntheticWarmupStateTest, SkipsSignaturesThatWriteVariables) {
  const char* env = std::getenv("SERVAL_FIXTURES");
  const std::string dir = env ? JoinPath(env, "savedmodels/tfs_saved_model_counter/00000123") : "";
  if (dir.empty() || !IsDirectory(dir)) GTEST_SKIP() << "tfs_saved_model_counter fixture not found; SKIPPED";
  auto session = session::Session::Load(dir);
  ASSERT_TRUE(session.ok()) << session.status().message();
  LoadedModel m;
  m.name = "counter";
  m.version = 123;
  m.path = dir;  // read only: no warmup file there, nothing is written
  m.session = std::move(*session);
  auto runner = std::make_unique<RecordingRunner>(m.session.get());
  const RecordingRunner* calls = runner.get();
  m.runner = std::move(runner);
  WarmupOptions o;
  o.synthetic = true;
  auto r = WarmupModel(m, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto planned = m.session->PlannedOps();
  int writers = 0;
  for (const auto& sig : m.session->signatures()) {
    bool writes = false;
    for (const auto& op : planned.at(sig.key)) writes |= session::IsVariableWriteOp(op);
    writers += writes;
    const auto& ran = calls->calls();
    EXPECT_EQ(std::count(ran.begin(), ran.end(), sig.key), writes ? 0 : 1) << sig.key;
  }
  EXPECT_GE(writers, 1);  // the counter's incr/reset signatures
}

}  // namespace
}  // namespace serval::servable
