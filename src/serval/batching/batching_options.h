// What TF Serving's BatchingParameters configures (serving-spec §3.3), with its defaults.
#pragma once

#include <cstdint>
#include <vector>

#include "serval/base/status.h"

namespace serval::batching {

struct BatchingOptions {
  int64_t max_batch_size = 1000;
  int64_t batch_timeout_micros = 0;
  int64_t max_enqueued_batches = 10;
  int64_t num_batch_threads = 0;  // 0: one per core (used by the shared scheduler only)
  std::vector<int64_t> allowed_batch_sizes;  // increasing; last == max_batch_size (or the execution size)
  bool pad_variable_length_inputs = false;
  // Fill the open batch with the first rows of a request that does not fit and put the rest in
  // the next batch. Requests larger than a whole batch are always split (TF Serving rejects them
  // unless this is on; Serval does not, so turning batching on never breaks a working client).
  bool enable_large_batch_splitting = false;
  int64_t max_execution_batch_size = 0;  // 0: max_batch_size

  // The size a batch is run at.
  int64_t ExecutionBatchSize() const {
    return enable_large_batch_splitting && max_execution_batch_size > 0 ? max_execution_batch_size : max_batch_size;
  }
};

// TF Serving's checks (positive sizes, increasing allowed_batch_sizes ending at the batch size),
// with its messages: "Last entry in allowed_batch_sizes must match max_batch_size ...".
Status ValidateBatchingOptions(const BatchingOptions& options);

// The smallest allowed batch size >= rows (rows itself when the list is empty).
int64_t RoundUpToAllowed(const BatchingOptions& options, int64_t rows);

}  // namespace serval::batching
