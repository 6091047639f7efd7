// TF Serving's BatchingParameters (text proto) → batching::BatchingOptions. Unset fields keep TF
// Serving's defaults (max_batch_size 1000, batch_timeout_micros 0, max_enqueued_batches 10,
// num_batch_threads = cores); the result is validated (ValidateBatchingOptions).
#pragma once

#include <string>

#include "serval/base/status.h"
#include "serval/batching/batching_options.h"

namespace tensorflow::serving {
class BatchingParameters;
}

namespace serval::servable {

Result<batching::BatchingOptions> BatchingOptionsFromProto(const tensorflow::serving::BatchingParameters& proto);

// Errors name `source` (a file path) and the line: "batching parameters file 'b.txt': line 2:5: ...".
Result<batching::BatchingOptions> ParseBatchingParameters(const std::string& text, const std::string& source);

}  // namespace serval::servable
