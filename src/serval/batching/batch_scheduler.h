// Dynamic batching (TF Serving's SharedBatchScheduler + BatchingSession, serving-spec §3.3).
//
// One BatchScheduler owns the batch threads and is shared by every queue; each BatchQueue (one
// per loaded version and signature) collects concurrent requests into batches. A thread takes the
// front batch of a queue when it is full, or batch_timeout_micros after its first request, going
// round-robin over the queues. The batch's inputs are joined along dim 0 (padded up to an allowed
// batch size), run once, and the outputs split back so each caller gets exactly its own rows.
// A request larger than a batch is split across batches and reassembled. A full queue refuses new
// requests with UNAVAILABLE. If a batch's outputs turn out not to be batch-major (dim 0 differs
// from the batch size), the queue stops batching and runs that batch's requests one by one, so
// batching never changes an answer.
//
// Thread safety: Submit may be called from any thread and blocks until its result is ready. A
// queue's destructor drains it (every queued request still runs); the scheduler must outlive its
// queues.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "serval/base/status.h"
#include "serval/batching/batching_options.h"
#include "serval/tensor/tensor.h"

namespace serval::batching {

using TensorMap = std::map<std::string, Tensor>;
// Runs one (merged) batch; called from a batch thread.
using RunFn = std::function<Result<TensorMap>(TensorMap inputs)>;

class BatchQueue;

// What one processed batch looked like (for metrics and tests).
struct BatchStats {
  int64_t requests = 0;         // callers (parts of split requests count once per part)
  int64_t rows = 0;             // rows from callers
  std::vector<int64_t> part_rows;    // per part: its rows
  int64_t still_queued = 0;     // requests left waiting in this queue when the batch started
  int64_t padded_rows = 0;      // rows actually run (>= rows)
  std::vector<double> queue_micros;  // per part: from Submit to the batch starting
  bool ran_unbatched = false;   // outputs were not batch-major; parts ran one by one
};

class BatchScheduler {
 public:
  explicit BatchScheduler(int num_threads);
  ~BatchScheduler();  // every queue must already be destroyed
  BatchScheduler(const BatchScheduler&) = delete;
  BatchScheduler& operator=(const BatchScheduler&) = delete;

  int num_threads() const { return static_cast<int>(threads_.size()); }

 private:
  friend class BatchQueue;
  using Clock = std::chrono::steady_clock;
  void Loop();
  // The queue whose front batch is ready (round-robin), or nullptr; sets `wake` to the earliest
  // time a not-yet-ready batch becomes ready. Under mu_.
  BatchQueue* NextReady(Clock::time_point now, Clock::time_point* wake);

  std::mutex mu_;  // guards everything below and every queue's batches
  std::condition_variable cv_;
  std::vector<BatchQueue*> queues_;
  size_t next_ = 0;  // round-robin cursor
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

class BatchQueue {
 public:
  // `name` prefixes error messages ("model 'm' version 1 signature 's'" style is the caller's).
  BatchQueue(BatchScheduler* scheduler, BatchingOptions options, RunFn run,
             std::function<void(const BatchStats&)> on_batch = nullptr);
  ~BatchQueue();  // drains: waits until every queued request has run
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  // Runs `inputs` (every tensor batchable with the same dim 0 = rows, rows >= 1) as part of a
  // batch and returns this request's rows of every output. UNAVAILABLE when the queue is full.
  Result<TensorMap> Submit(TensorMap inputs);

  // Requests waiting (not yet taken by a batch thread), for the queue-depth gauge.
  int64_t QueuedRequests() const;

  struct Request;  // one caller's pending result (defined in the .cc)

 private:
  friend class BatchScheduler;
  using Clock = std::chrono::steady_clock;
  struct Part {
    std::shared_ptr<Request> request;
    size_t index = 0;  // which slice of the request
    int64_t rows = 0;
    TensorMap inputs;
    Clock::time_point enqueued;
  };
  struct Batch {
    std::vector<Part> parts;
    int64_t rows = 0;
    Clock::time_point opened;
    bool closed = false;
  };
  bool FrontReady(Clock::time_point now, Clock::time_point* ready_at) const;  // under scheduler mu_
  void Process(Batch batch);  // on a batch thread, without the lock
  void RunUnbatched(std::vector<Part>& parts);

  BatchScheduler* scheduler_;
  BatchingOptions options_;
  RunFn run_;
  std::function<void(const BatchStats&)> on_batch_;
  // Guarded by scheduler_->mu_:
  std::deque<Batch> batches_;
  int running_ = 0;
  bool draining_ = false;
  bool bypass_ = false;  // outputs were seen not to be batch-major
  std::condition_variable drained_;
};

}  // namespace serval::batching
