#include "serval/batching/batch_scheduler.h"

#include <algorithm>

#include "serval/base/strings.h"
#include "serval/batching/tensor_rows.h"

namespace serval::batching {

// One caller's request; its parts complete it from batch threads.
struct BatchQueue::Request {
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;
  Status status;
  std::vector<TensorMap> outputs;  // per part
  bool rerun_whole = false;        // a part landed in a batch that could not be split back
};

namespace {

void Complete(const std::shared_ptr<BatchQueue::Request>& r, size_t index, Result<TensorMap> result);

}  // namespace

// ---- BatchScheduler --------------------------------------------------------------------------

BatchScheduler::BatchScheduler(int num_threads) {
  if (num_threads <= 0) num_threads = std::max(1u, std::thread::hardware_concurrency());
  for (int i = 0; i < num_threads; ++i) threads_.emplace_back([this] { Loop(); });
}

BatchScheduler::~BatchScheduler() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

BatchQueue* BatchScheduler::NextReady(Clock::time_point now, Clock::time_point* wake) {
  for (size_t i = 0; i < queues_.size(); ++i) {
    BatchQueue* q = queues_[(next_ + i) % queues_.size()];
    if (q->FrontReady(now, wake)) {
      next_ = (next_ + i + 1) % queues_.size();
      return q;
    }
  }
  return nullptr;
}

void BatchScheduler::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    Clock::time_point wake = Clock::time_point::max();
    BatchQueue* q = NextReady(Clock::now(), &wake);
    if (q == nullptr) {
      if (stop_) return;
      if (wake == Clock::time_point::max()) {
        cv_.wait(lock);
      } else {
        cv_.wait_until(lock, wake);
      }
      continue;
    }
    BatchQueue::Batch batch = std::move(q->batches_.front());
    q->batches_.pop_front();
    ++q->running_;
    lock.unlock();
    q->Process(std::move(batch));
    lock.lock();
    --q->running_;
    if (q->draining_ && q->batches_.empty() && q->running_ == 0) q->drained_.notify_all();
  }
}

// ---- BatchQueue ------------------------------------------------------------------------------

BatchQueue::BatchQueue(BatchScheduler* scheduler, BatchingOptions options, RunFn run,
                       std::function<void(const BatchStats&)> on_batch)
    : scheduler_(scheduler), options_(std::move(options)), run_(std::move(run)), on_batch_(std::move(on_batch)) {
  std::lock_guard<std::mutex> lock(scheduler_->mu_);
  scheduler_->queues_.push_back(this);
}

BatchQueue::~BatchQueue() {
  std::unique_lock<std::mutex> lock(scheduler_->mu_);
  draining_ = true;  // makes every queued batch ready at once
  scheduler_->cv_.notify_all();
  drained_.wait(lock, [&] { return batches_.empty() && running_ == 0; });
  auto& qs = scheduler_->queues_;
  qs.erase(std::find(qs.begin(), qs.end(), this));
  scheduler_->next_ = 0;
}

bool BatchQueue::FrontReady(Clock::time_point now, Clock::time_point* ready_at) const {
  if (batches_.empty()) return false;
  const Batch& front = batches_.front();
  if (front.closed || draining_ || batches_.size() > 1 || front.rows >= options_.ExecutionBatchSize()) return true;
  const auto due = front.opened + std::chrono::microseconds(options_.batch_timeout_micros);
  if (now >= due) return true;
  *ready_at = std::min(*ready_at, due);
  return false;
}

int64_t BatchQueue::QueuedRequests() const {
  std::lock_guard<std::mutex> lock(scheduler_->mu_);
  int64_t n = 0;
  for (const Batch& b : batches_) n += static_cast<int64_t>(b.parts.size());
  return n;
}

Result<TensorMap> BatchQueue::Submit(TensorMap inputs) {
  if (inputs.empty()) return InvalidArgument("a batched request needs at least one input");
  const int64_t rows = inputs.begin()->second.dim(0);
  const int64_t exec = options_.ExecutionBatchSize();
  auto request = std::make_shared<Request>();
  const TensorMap* original = &inputs;
  TensorMap kept;  // the whole request, kept only when it is split (for a whole re-run)
  {
    std::unique_lock<std::mutex> lock(scheduler_->mu_);
    if (bypass_) {
      lock.unlock();
      return run_(std::move(inputs));
    }
    // Where the rows go: first the open batch (if the request fits, or splitting is on), then
    // new batches of at most `exec` rows each.
    const bool has_open = !batches_.empty() && !batches_.back().closed && batches_.back().rows < exec;
    const int64_t space = has_open ? exec - batches_.back().rows : 0;
    int64_t into_open = 0;
    if (has_open && (rows <= space || options_.enable_large_batch_splitting)) into_open = std::min(rows, space);
    const int64_t rest = rows - into_open;
    const int64_t new_batches = (rest + exec - 1) / exec;
    if (static_cast<int64_t>(batches_.size()) + new_batches > options_.max_enqueued_batches) {
      return Unavailable(StrCat("The batch scheduling queue to which this task was submitted is full (",
                                batches_.size(), " batches of up to ", exec, " rows are waiting; max_enqueued_batches is ",
                                options_.max_enqueued_batches, "); retry later"));
    }
    const size_t num_parts = static_cast<size_t>((into_open > 0 ? 1 : 0) + new_batches);
    request->pending = num_parts;
    request->outputs.resize(num_parts);
    const auto now = Clock::now();
    auto make_part = [&](size_t index, int64_t begin, int64_t count) {
      Part p;
      p.request = request;
      p.index = index;
      p.rows = count;
      p.enqueued = now;
      if (num_parts == 1) {
        p.inputs = std::move(inputs);
      } else {
        for (const auto& [k, t] : *original) p.inputs.emplace(k, SliceRows(t, begin, count));
      }
      return p;
    };
    size_t index = 0;
    int64_t begin = 0;
    if (into_open > 0) {
      Batch& open = batches_.back();
      open.parts.push_back(make_part(index++, begin, into_open));
      open.rows += into_open;
      begin += into_open;
    } else if (has_open) {
      batches_.back().closed = true;  // the request does not fit: the open batch goes as it is
    }
    while (begin < rows) {
      const int64_t n = std::min(exec, rows - begin);
      Batch b;
      b.opened = now;
      b.parts.push_back(make_part(index++, begin, n));
      b.rows = n;
      batches_.push_back(std::move(b));
      begin += n;
    }
    if (num_parts > 1) kept = std::move(inputs);
  }
  scheduler_->cv_.notify_all();

  std::unique_lock<std::mutex> lock(request->mu);
  request->cv.wait(lock, [&] { return request->pending == 0; });
  if (!request->status.ok()) return request->status;
  if (request->rerun_whole) return run_(std::move(kept));
  if (request->outputs.size() == 1) return std::move(request->outputs.front());
  TensorMap joined;
  for (const auto& [key, first] : request->outputs.front()) {
    std::vector<const Tensor*> parts;
    for (const TensorMap& out : request->outputs) {
      auto it = out.find(key);
      if (it == out.end()) return Internal(StrCat("output '", key, "' is missing from part of a split request"));
      parts.push_back(&it->second);
    }
    SERVAL_ASSIGN_OR_RETURN(Tensor t, ConcatRows(parts, 0, false, key));
    joined.emplace(key, std::move(t));
  }
  return joined;
}

namespace {

void Complete(const std::shared_ptr<BatchQueue::Request>& r, size_t index, Result<TensorMap> result) {
  std::lock_guard<std::mutex> lock(r->mu);
  if (!result.ok()) {
    if (r->status.ok()) r->status = result.status();
  } else {
    r->outputs[index] = std::move(result).value();
  }
  if (--r->pending == 0) r->cv.notify_all();
}

}  // namespace

void BatchQueue::RunUnbatched(std::vector<Part>& parts) {
  for (Part& p : parts) {
    if (p.request->outputs.size() > 1) {
      {
        std::lock_guard<std::mutex> lock(p.request->mu);
        p.request->rerun_whole = true;  // its slices cannot be joined back; Submit runs it whole
      }
      Complete(p.request, p.index, TensorMap{});
      continue;
    }
    Complete(p.request, p.index, run_(std::move(p.inputs)));
  }
}

void BatchQueue::Process(Batch batch) {
  std::vector<Part>& parts = batch.parts;
  BatchStats stats;
  const auto start = Clock::now();
  stats.requests = static_cast<int64_t>(parts.size());
  stats.rows = batch.rows;
  for (const Part& p : parts) {
    stats.part_rows.push_back(p.rows);
    stats.queue_micros.push_back(std::chrono::duration<double, std::micro>(start - p.enqueued).count());
  }
  stats.still_queued = QueuedRequests();
  const int64_t padded = RoundUpToAllowed(options_, batch.rows);
  stats.padded_rows = padded;
  auto fail_all = [&](const Status& s) {
    for (Part& p : parts) Complete(p.request, p.index, s);
  };

  TensorMap merged;
  const bool single = parts.size() == 1 && padded == batch.rows;
  if (single) {
    merged = parts.front().inputs;  // shares the buffers; the part keeps its own for a re-run
  } else {
    for (const auto& [key, unused] : parts.front().inputs) {
      std::vector<const Tensor*> ins;
      for (const Part& p : parts) {
        auto it = p.inputs.find(key);
        if (it == p.inputs.end()) {
          fail_all(Internal(StrCat("input '", key, "' is missing from a request in the batch")));
          return;
        }
        ins.push_back(&it->second);
      }
      auto joined = ConcatRows(ins, padded - batch.rows, options_.pad_variable_length_inputs, key);
      if (!joined.ok()) {
        fail_all(joined.status());
        return;
      }
      merged.emplace(key, std::move(joined).value());
    }
  }

  auto out = run_(std::move(merged));
  // Stats are reported before any caller is answered, so a caller that has its reply also sees
  // its batch in the metrics.
  if (!out.ok()) {
    if (on_batch_) on_batch_(stats);
    fail_all(out.status());
    return;
  }
  const bool batch_major = std::all_of(out->begin(), out->end(), [&](const auto& kv) {
    return kv.second.rank() >= 1 && kv.second.dim(0) == padded && IsBatchable(kv.second);
  });
  if (!batch_major) {
    {
      std::lock_guard<std::mutex> lock(scheduler_->mu_);
      bypass_ = true;
    }
    stats.ran_unbatched = true;
    if (on_batch_) on_batch_(stats);
    RunUnbatched(parts);
    return;
  }
  if (on_batch_) on_batch_(stats);
  if (single) {
    Complete(parts.front().request, parts.front().index, std::move(out).value());
  } else {
    int64_t offset = 0;
    for (Part& p : parts) {
      TensorMap mine;
      for (const auto& [key, t] : *out) mine.emplace(key, SliceRows(t, offset, p.rows));
      offset += p.rows;
      Complete(p.request, p.index, std::move(mine));
    }
  }
}

}  // namespace serval::batching
