// The batching prepare step on real fixture exports: merged requests give each caller what an
// unbatched run gives it; non-batch-major signatures bypass the queues. Skipped without fixtures.
#include "serval/servable/batching_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "serval/base/file.h"

namespace serval::servable {
namespace {

std::string Fixture(const std::string& name) {
  const char* env = std::getenv("SERVAL_FIXTURES");
  return env ? JoinPath(JoinPath(env, "savedmodels"), name) : "";
}

// Loads <fixture>/<version> the way the manager does, then applies the batching step.
std::shared_ptr<LoadedModel> LoadBatched(const std::string& fixture, const std::string& version,
                                         const batching::BatchingOptions& options,
                                         std::shared_ptr<batching::BatchScheduler> scheduler,
                                         std::atomic<int64_t>* max_requests_per_batch = nullptr) {
  auto session = session::Session::Load(JoinPath(Fixture(fixture), version));
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return nullptr;
  auto loaded = std::make_shared<LoadedModel>();
  loaded->name = fixture;
  loaded->version = 1;
  loaded->path = JoinPath(Fixture(fixture), version);
  loaded->session = std::move(session).value();
  BatchingSetup setup;
  setup.defaults = options;
  setup.scheduler = std::move(scheduler);
  if (max_requests_per_batch != nullptr) {
    setup.on_batch = [max_requests_per_batch](const LoadedModel&, const std::string&, const batching::BatchStats& s) {
      int64_t seen = *max_requests_per_batch;
      while (s.requests > seen && !max_requests_per_batch->compare_exchange_weak(seen, s.requests)) {
      }
    };
  }
  ModelConfig config;
  config.name = fixture;
  Status s = MakeBatchingStep(std::move(setup))(config, *loaded);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return loaded;
}

class BatchingRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Fixture("keras_mlp_stock").empty() || !IsDirectory(Fixture("keras_mlp_stock"))) {
      GTEST_SKIP() << "SERVAL_FIXTURES not found; batching runner tests SKIPPED";
    }
  }
};

TEST_F(BatchingRunnerTest, ConcurrentRequestsAreMergedAndEachGetsItsUnbatchedAnswer) {
  batching::BatchingOptions o;
  o.max_batch_size = 64;
  o.batch_timeout_micros = 20'000;
  std::atomic<int64_t> max_requests{0};
  auto model = LoadBatched("keras_mlp_stock", "1", o, std::make_shared<batching::BatchScheduler>(1), &max_requests);
  ASSERT_NE(model, nullptr);
  ASSERT_NE(model->runner, nullptr);

  constexpr int kClients = 32;
  std::atomic<int> failures{0};
  std::vector<std::string> problems(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      const int64_t rows = 1 + c % 3;
      Tensor x(DataType::kFloat, TensorShape{rows, 10});
      for (int64_t i = 0; i < x.num_elements(); ++i) x.flat<float>()[i] = std::sin(float(c * 100 + i));
      TensorMap in;
      in.emplace("dense_input", x);
      auto batched = model->Run("serving_default", in);
      auto alone = model->session->Run("serving_default", in);
      if (!batched.ok() || !alone.ok()) {
        problems[c] = batched.ok() ? alone.status().ToString() : batched.status().ToString();
        ++failures;
        return;
      }
      const Tensor& a = batched->at("dense_3");
      const Tensor& b = alone->at("dense_3");
      if (a.shape() != b.shape()) {
        problems[c] = a.DebugString() + " vs " + b.DebugString();
        ++failures;
        return;
      }
      for (int64_t i = 0; i < a.num_elements(); ++i) {
        if (std::fabs(a.flat<float>()[i] - b.flat<float>()[i]) > 1e-5f * (1 + std::fabs(b.flat<float>()[i]))) {
          problems[c] = "value " + std::to_string(i) + " differs";
          ++failures;
          return;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  for (const auto& p : problems) EXPECT_TRUE(p.empty()) << p;
  EXPECT_EQ(failures, 0);
  EXPECT_GT(max_requests, 1) << "no batch ever held more than one request";
}

TEST_F(BatchingRunnerTest, ABadRequestIsRejectedAloneWithTheSessionsMessage) {
  batching::BatchingOptions o;
  o.max_batch_size = 8;
  auto model = LoadBatched("keras_mlp_stock", "1", o, std::make_shared<batching::BatchScheduler>(1));
  ASSERT_NE(model, nullptr);
  TensorMap wrong;
  wrong.emplace("dense_input", Tensor(DataType::kInt32, TensorShape{1, 10}));
  auto r = model->Run("", wrong);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("signature 'serving_default'"), std::string::npos) << r.status().ToString();
  TensorMap unknown;
  unknown.emplace("nope", Tensor(DataType::kFloat, TensorShape{1, 10}));
  EXPECT_EQ(model->Run("", unknown).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(BatchingRunnerTest, ScalarSignaturesBypassBatching) {
  const auto& sigs = [] {
    auto s = session::Session::Load(Fixture("tfjs_module_with_multiple_signatures"));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? (*s)->signatures() : std::vector<loader::Signature>{};
  }();
  for (const auto& sig : sigs) EXPECT_FALSE(IsBatchableSignature(sig)) << sig.key;

  auto counter = session::Session::Load(JoinPath(Fixture("tfs_saved_model_counter"), "00000123"));
  if (counter.ok()) {
    for (const auto& sig : (*counter)->signatures()) EXPECT_FALSE(IsBatchableSignature(sig)) << sig.key;
  }
  auto half = session::Session::Load(JoinPath(Fixture("tfs_half_plus_two_cpu"), "00000123"));
  ASSERT_TRUE(half.ok()) << half.status().ToString();
  for (const auto& sig : (*half)->signatures()) EXPECT_TRUE(IsBatchableSignature(sig)) << sig.key;
}

TEST_F(BatchingRunnerTest, PaddingToAllowedSizesAndOutputFilter) {
  batching::BatchingOptions o;
  o.max_batch_size = 8;
  o.allowed_batch_sizes = {4, 8};
  auto model = LoadBatched("tfs_half_plus_two_cpu", "00000123", o, std::make_shared<batching::BatchScheduler>(1));
  ASSERT_NE(model, nullptr);
  TensorMap in;
  in.emplace("x", Tensor::FromVector<float>({1, 2, 3}, TensorShape{3, 1}));
  auto out = model->Run("serving_default", in, {"y"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const Tensor& y = out->at("y");
  ASSERT_EQ(y.shape(), TensorShape({3, 1}));
  // half_plus_two: y = 0.5 x + 2
  EXPECT_EQ(y.flat<float>()[0], 2.5f);
  EXPECT_EQ(y.flat<float>()[1], 3.0f);
  EXPECT_EQ(y.flat<float>()[2], 3.5f);
  // A request larger than the batch is split and reassembled.
  std::vector<float> big(19);
  for (size_t i = 0; i < big.size(); ++i) big[i] = float(i);
  TensorMap large;
  large.emplace("x", Tensor::FromVector<float>(big, TensorShape{19, 1}));
  auto split = model->Run("serving_default", large);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->at("y").shape(), TensorShape({19, 1}));
  for (size_t i = 0; i < big.size(); ++i) EXPECT_EQ(split->at("y").flat<float>()[i], 0.5f * big[i] + 2);
}

}  // namespace
}  // namespace serval::servable
