// Row operations for the batcher: a row is a slice along dim 0. Fixed-size dtypes and strings
// only (resource/variant handles cannot be merged across requests). Thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

#include "serval/base/status.h"
#include "serval/tensor/tensor.h"

namespace serval::batching {

// True when `t` can be merged with other requests' tensors: rank >= 1, fixed-size or string.
bool IsBatchable(const Tensor& t);

// Joins `parts` (same dtype, rank >= 1) along dim 0 and appends `pad_rows` copies of the first
// row of the last part (padding up to an allowed batch size). Parts whose other dims differ are an
// error, unless `pad_variable_length`: then every part is padded to the per-dimension maximum
// with its own first element (TF Serving's pad_variable_length_inputs). `name` is for messages.
Result<Tensor> ConcatRows(const std::vector<const Tensor*>& parts, int64_t pad_rows, bool pad_variable_length,
                          const std::string& name);

// Rows [begin, begin + count) as a new tensor (a copy).
Tensor SliceRows(const Tensor& t, int64_t begin, int64_t count);

}  // namespace serval::batching
