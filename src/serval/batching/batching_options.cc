#include "serval/batching/batching_options.h"

#include "serval/base/strings.h"

namespace serval::batching {

namespace {
std::string SizeList(const std::vector<int64_t>& v) {
  std::vector<std::string> out;
  for (int64_t x : v) out.push_back(std::to_string(x));
  return Join(out, ", ");
}
}  // namespace

Status ValidateBatchingOptions(const BatchingOptions& o) {
  if (o.max_batch_size <= 0) return InvalidArgument(StrCat("max_batch_size must be positive; was ", o.max_batch_size));
  if (o.batch_timeout_micros < 0) {
    return InvalidArgument(StrCat("batch_timeout_micros must be non-negative; was ", o.batch_timeout_micros));
  }
  if (o.max_enqueued_batches <= 0) {
    return InvalidArgument(StrCat("max_enqueued_batches must be positive; was ", o.max_enqueued_batches));
  }
  if (o.num_batch_threads < 0) {
    return InvalidArgument(StrCat("num_batch_threads must be positive; was ", o.num_batch_threads));
  }
  if (o.max_execution_batch_size < 0) {
    return InvalidArgument(StrCat("max_execution_batch_size must be positive; was ", o.max_execution_batch_size));
  }
  if (!o.allowed_batch_sizes.empty()) {
    int64_t prev = 0;
    for (int64_t s : o.allowed_batch_sizes) {
      if (s <= prev) {
        return InvalidArgument(StrCat("allowed_batch_sizes entries must be monotonically increasing; got ",
                                      SizeList(o.allowed_batch_sizes)));
      }
      prev = s;
    }
    const int64_t want = o.ExecutionBatchSize();
    if (prev != want) {
      return InvalidArgument(StrCat("Last entry in allowed_batch_sizes must match ",
                                    o.ExecutionBatchSize() == o.max_batch_size ? "max_batch_size" : "max_execution_batch_size",
                                    "; last entry was ", prev, "; expected ", want));
    }
  }
  return Status::Ok();
}

int64_t RoundUpToAllowed(const BatchingOptions& o, int64_t rows) {
  for (int64_t s : o.allowed_batch_sizes) {
    if (s >= rows) return s;
  }
  return rows;
}

}  // namespace serval::batching
