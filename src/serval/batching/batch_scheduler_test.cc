#include "serval/batching/batch_scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <thread>

namespace serval::batching {
namespace {

Tensor Floats(std::vector<float> v, TensorShape s) { return Tensor::FromVector<float>(v, std::move(s)); }
std::vector<float> Values(const Tensor& t) { return {t.flat<float>().begin(), t.flat<float>().end()}; }

// A stand-in model: y = 2x + row index within the batch is NOT used (rows must stay independent);
// records the batch sizes it was run at.
struct Doubler {
  std::mutex mu;
  std::vector<int64_t> batch_rows;
  RunFn Fn() {
    return [this](TensorMap in) -> Result<TensorMap> {
      const Tensor& x = in.at("x");
      {
        std::lock_guard<std::mutex> lock(mu);
        batch_rows.push_back(x.dim(0));
      }
      Tensor y(DataType::kFloat, x.shape());
      for (int64_t i = 0; i < x.num_elements(); ++i) y.flat<float>()[i] = 2 * x.flat<float>()[i];
      TensorMap out;
      out.emplace("y", std::move(y));
      return out;
    };
  }
};

TensorMap Input(std::vector<float> v, int64_t rows) {
  TensorMap m;
  const int64_t cols = static_cast<int64_t>(v.size()) / rows;
  m.emplace("x", Floats(std::move(v), {rows, cols}));
  return m;
}

TEST(BatchScheduler, ConcurrentCallersGetTheirOwnRowsAndAreMerged) {
  BatchScheduler scheduler(1);
  Doubler model;
  BatchingOptions o;
  o.max_batch_size = 64;
  o.batch_timeout_micros = 20'000;
  std::atomic<int64_t> merged_requests{0};
  BatchQueue queue(&scheduler, o, model.Fn(), [&](const BatchStats& s) {
    merged_requests = std::max<int64_t>(merged_requests, s.requests);
  });
  constexpr int kClients = 32;
  std::vector<std::thread> clients;
  std::atomic<int> wrong{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      const int64_t rows = 1 + c % 3;
      std::vector<float> v;
      for (int64_t r = 0; r < rows; ++r) v.insert(v.end(), {float(c), float(100 + r)});
      auto out = queue.Submit(Input(v, rows));
      if (!out.ok() || out->at("y").shape() != TensorShape({rows, 2})) {
        ++wrong;
        return;
      }
      for (size_t i = 0; i < v.size(); ++i) {
        if (Values(out->at("y"))[i] != 2 * v[i]) ++wrong;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_GT(merged_requests, 1) << "no two requests were ever merged";
  EXPECT_LT(model.batch_rows.size(), static_cast<size_t>(kClients));
}

TEST(BatchScheduler, PadsUpToAnAllowedBatchSizeAndDropsThePadding) {
  BatchScheduler scheduler(1);
  Doubler model;
  BatchingOptions o;
  o.max_batch_size = 8;
  o.allowed_batch_sizes = {4, 8};
  BatchQueue queue(&scheduler, o, model.Fn());
  auto out = queue.Submit(Input({1, 2, 3}, 3));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Values(out->at("y")), (std::vector<float>{2, 4, 6}));
  ASSERT_EQ(model.batch_rows.size(), 1u);
  EXPECT_EQ(model.batch_rows[0], 4);
}

TEST(BatchScheduler, SplitsARequestLargerThanABatchAndReassemblesIt) {
  BatchScheduler scheduler(2);
  Doubler model;
  BatchingOptions o;
  o.max_batch_size = 4;
  BatchQueue queue(&scheduler, o, model.Fn());
  std::vector<float> v;
  for (int i = 0; i < 10; ++i) v.push_back(float(i));
  auto out = queue.Submit(Input(v, 10));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<float> want;
  for (float x : v) want.push_back(2 * x);
  EXPECT_EQ(Values(out->at("y")), want);
  std::vector<int64_t> sizes = model.batch_rows;
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<int64_t>{2, 4, 4}));
}

TEST(BatchScheduler, AFullQueueAnswersUnavailable) {
  BatchScheduler scheduler(1);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> started{0};
  RunFn blocking = [&](TensorMap in) -> Result<TensorMap> {
    ++started;
    gate.wait();
    return in;
  };
  BatchingOptions o;
  o.max_batch_size = 1;
  o.max_enqueued_batches = 1;
  BatchQueue queue(&scheduler, o, blocking);
  auto first = std::async(std::launch::async, [&] { return queue.Submit(Input({1}, 1)); });
  while (started == 0) std::this_thread::yield();  // the only thread is busy with `first`
  auto second = std::async(std::launch::async, [&] { return queue.Submit(Input({2}, 1)); });
  while (queue.QueuedRequests() == 0) std::this_thread::yield();  // `second` fills the queue
  auto third = queue.Submit(Input({3}, 1));
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(third.status().message().find("max_enqueued_batches is 1"), std::string::npos) << third.status().ToString();
  release.set_value();
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(second.get().ok());
}

TEST(BatchScheduler, OutputsThatAreNotBatchMajorMakeTheQueueRunRequestsAlone) {
  BatchScheduler scheduler(1);
  std::atomic<int> runs{0};
  // Returns the sum of all rows as a scalar: merging requests would mix callers' answers.
  RunFn summing = [&](TensorMap in) -> Result<TensorMap> {
    ++runs;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    float sum = 0;
    for (float x : in.at("x").flat<float>()) sum += x;
    TensorMap out;
    out.emplace("sum", Tensor::Scalar<float>(sum));
    return out;
  };
  BatchingOptions o;
  o.max_batch_size = 16;
  o.batch_timeout_micros = 20'000;
  BatchQueue queue(&scheduler, o, summing);
  std::vector<std::future<Result<TensorMap>>> results;
  for (int c = 1; c <= 6; ++c) {
    results.push_back(std::async(std::launch::async, [&, c] { return queue.Submit(Input({float(c), float(c)}, 2)); }));
  }
  for (int c = 1; c <= 6; ++c) {
    auto r = results[static_cast<size_t>(c - 1)].get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->at("sum").scalar<float>(), 2.0f * float(c));
  }
}

TEST(BatchScheduler, AnErrorReachesOnlyTheCallersOfThatBatch) {
  BatchScheduler scheduler(1);
  RunFn picky = [](TensorMap in) -> Result<TensorMap> {
    for (float x : in.at("x").flat<float>()) {
      if (x < 0) return InvalidArgument("negative input");
    }
    return in;
  };
  BatchingOptions o;
  o.max_batch_size = 1;  // every request is its own batch
  BatchQueue queue(&scheduler, o, picky);
  auto bad = queue.Submit(Input({-1}, 1));
  auto good = queue.Submit(Input({1}, 1));
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(good.ok());
}

TEST(BatchScheduler, DestroyingAQueueRunsWhatIsQueued) {
  BatchScheduler scheduler(1);
  Doubler model;
  BatchingOptions o;
  o.max_batch_size = 8;
  o.batch_timeout_micros = 10'000'000;  // would wait 10 s without the drain
  auto queue = std::make_unique<BatchQueue>(&scheduler, o, model.Fn());
  auto pending = std::async(std::launch::async, [&] { return queue->Submit(Input({4}, 1)); });
  while (queue->QueuedRequests() == 0) std::this_thread::yield();
  const auto start = std::chrono::steady_clock::now();
  queue.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  auto r = pending.get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Values(r->at("y")), (std::vector<float>{8}));
}

TEST(BatchingOptions, ValidatesLikeTfServing) {
  BatchingOptions o;
  o.max_batch_size = 8;
  o.allowed_batch_sizes = {2, 4};
  Status s = ValidateBatchingOptions(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("Last entry in allowed_batch_sizes must match max_batch_size"), std::string::npos);
  o.allowed_batch_sizes = {4, 2, 8};
  EXPECT_FALSE(ValidateBatchingOptions(o).ok());
  o.allowed_batch_sizes = {2, 4, 8};
  EXPECT_TRUE(ValidateBatchingOptions(o).ok());
  EXPECT_EQ(RoundUpToAllowed(o, 3), 4);
  o.max_batch_size = 0;
  EXPECT_FALSE(ValidateBatchingOptions(o).ok());
}

}  // namespace
}  // namespace serval::batching
