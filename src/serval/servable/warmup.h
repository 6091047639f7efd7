// Model warmup (serving-spec §3.5): before a freshly loaded version becomes AVAILABLE, replay the
// requests of <version>/assets.extra/tf_serving_warmup_requests, a TFRecord file of serialized
// PredictionLogs, each num_request_iterations times. Replays go through LoadedModel::Run, the
// same path as every front end, so a batcher set up by an earlier prepare step is warmed too (the
// warmup step must come after it in ManagerOptions::prepare).
//
// The whole file is checked first (framing, both CRCs of every record, at most 1000 records, each
// record parses as a PredictionLog of a supported type), then replayed; any error fails the load
// of that version with a message naming the model, version, file, record index and the error.
// Supported: predict_log, classify_log, regress_log, multi_inference_log (as TF Serving);
// predict_streamed_log and session_run_log give "Unsupported log_type for warmup". The model
// name and version in a logged request are ignored (the version being loaded is used).
//
// Without the file, an optional synthetic warmup (Serval only, --synthetic_warmup) runs each
// signature once on zeros ("" for strings) shaped from the signature (unknown dims and unknown
// rank → 1), except signatures whose plan writes variables (a made-up request must not change a
// stateful model's state). Its failures are logged as warnings and never fail the load: a made-up request is
// a guess (zeros may be out of range for an id lookup, "" may not parse as the Example the
// model wants, the real shape may be constrained beyond the signature), so a failure says
// nothing about whether the model serves real requests, and refusing a good model over it would
// be worse than serving it cold. A real warmup file is the owner's statement of valid requests,
// so its failures do fail the load, as in TF Serving.
//
// Thread safety: the step is called by the manager on its poll thread, one version at a time;
// the functions hold no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "serval/base/status.h"
#include "serval/servable/servable_manager.h"
#include "tensorflow_serving/apis/prediction_log.pb.h"

namespace serval::servable {

// WarmupConsts::kMaxNumRecords in TF Serving.
inline constexpr int64_t kMaxWarmupRecords = 1000;
// TF's TensorProto lets a few bytes declare a huge tensor (missing *_val entries zero-fill or
// repeat), and a warmup file is replayed at every load, so a predict input whose declared size is
// larger than this is refused before it is allocated.
inline constexpr int64_t kMaxWarmupTensorBytes = int64_t{1} << 30;
// Relative to the version's export dir.
inline constexpr std::string_view kWarmupFile = "assets.extra/tf_serving_warmup_requests";

struct WarmupOptions {
  // --num_request_iterations_for_warmup: each record runs this many times; TF Serving's default 0
  // (and anything below 1) means once.
  int num_request_iterations = 1;
  // --synthetic_warmup: when the version has no warmup file, run each signature once on made-up
  // inputs (failures are warnings).
  bool synthetic = false;
  // Largest decoded predict input (elements x element size; 32 bytes per string element).
  int64_t max_tensor_bytes = kMaxWarmupTensorBytes;
};

struct WarmupReport {
  bool from_file = false;      // the warmup file was replayed
  int64_t records = 0;         // records in the file
  int64_t runs = 0;            // signature runs done (records x iterations; synthetic: OK runs)
  int64_t synthetic_failed = 0;  // synthetic runs that failed (logged, ignored)
  double seconds = 0;
};

// Warms `loaded` as described above, logs one line (records, runs, time) and returns what ran.
Result<WarmupReport> WarmupModel(const LoadedModel& loaded, const WarmupOptions& options);

// The ManagerOptions::prepare step running WarmupModel.
ManagerOptions::PrepareStep MakeWarmupStep(WarmupOptions options);

// Checks a warmup file's bytes (named `path` in errors) and parses every record: DataLoss for bad
// framing or CRC, InvalidArgument for too many records, a record that does not parse or has an
// unsupported log_type. Error messages name the file and the record index.
Result<std::vector<tensorflow::serving::PredictionLog>> ParseWarmupRecords(std::string_view bytes,
                                                                            const std::string& path);

// Runs one parsed record once against `loaded`, as the matching front end would (signature
// lookup, method check, tensors from protos, output filter, classify/regress output checks).
Status ReplayWarmupRecord(const LoadedModel& loaded, const tensorflow::serving::PredictionLog& record,
                          int64_t max_tensor_bytes = kMaxWarmupTensorBytes);

}  // namespace serval::servable
