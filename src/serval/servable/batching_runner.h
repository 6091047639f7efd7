// Dynamic batching for loaded versions. MakeBatchingStep returns a ManagerOptions::prepare step
// that gives a freshly loaded version a SignatureRunner with one BatchQueue per batchable
// signature, all sharing one BatchScheduler (TF Serving's BatchingSession design).
//
// A signature is batchable when every input and output is batch-major: declared with rank >= 1
// and an unknown dim 0 (or an unknown rank for outputs), and fixed-size or string dtypes. Other
// signatures (scalars, fixed batch sizes) run directly; so do requests whose inputs do not share
// one dim 0, and requests with no rows. Each request is checked (names, dtypes, defaults) before it
// joins a batch, so one bad request never fails other callers.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "serval/batching/batch_scheduler.h"
#include "serval/servable/servable_manager.h"

namespace serval::servable {

struct BatchingSetup {
  batching::BatchingOptions defaults;  // --batching_parameters_file (or TF Serving's defaults)
  // --enable_per_model_batching_parameters: <version dir>/batching_params.pbtxt, when present,
  // replaces the defaults for that version (a malformed file fails its load).
  bool per_model_files = false;
  std::shared_ptr<batching::BatchScheduler> scheduler;  // shared by every queue
  // Called after every processed batch (metrics); may be empty.
  std::function<void(const LoadedModel&, const std::string& signature, const batching::BatchStats&)> on_batch;
};

// Order of precedence for a model's options: its serval_batching_parameters (model config), then
// batching_params.pbtxt (when per_model_files), then `defaults`.
ManagerOptions::PrepareStep MakeBatchingStep(BatchingSetup setup);

// True when the signature's declared inputs/outputs allow batching (see above).
bool IsBatchableSignature(const loader::Signature& signature);

}  // namespace serval::servable
