#include "serval/servable/warmup.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <set>

#include "serval/base/file.h"
#include "serval/base/logging.h"
#include "serval/base/strings.h"
#include "serval/codec/example_input.h"
#include "serval/codec/tfs_json.h"
#include "serval/loader/saved_model.h"
#include "serval/loader/tfrecord.h"
#include "serval/session/session.h"
#include "serval/session/variable_writes.h"
#include "serval/tensor/tensor_proto.h"
#include "tensorflow/core/framework/tensor.pb.h"

namespace serval::servable {
namespace {

namespace tfs = tensorflow::serving;

constexpr std::string_view kClassifyMethod = "tensorflow/serving/classify";
constexpr std::string_view kRegressMethod = "tensorflow/serving/regress";
// A warmup file larger than this is refused before it is read (1000 records of 1 GiB is absurd).
constexpr uint64_t kMaxWarmupFileBytes = uint64_t{1} << 32;

std::string SignatureOf(const tfs::ModelSpec& spec) {
  return spec.signature_name().empty() ? std::string(codec::kDefaultSignature) : spec.signature_name();
}

std::string ModelPrefix(const LoadedModel& m) { return StrCat("model '", m.name, "' version ", m.version); }

const loader::Signature* FindSignature(const LoadedModel& loaded, const std::string& key) {
  return loaded.session ? loaded.session->FindSignature(key) : nullptr;
}

std::string Join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

// Refuses a TensorProto whose shape declares more than max_bytes, before TensorFromProto
// allocates it. Malformed shapes are left to TensorFromProto's own errors.
Status CheckDeclaredSize(const tensorflow::TensorProto& proto, int64_t max_bytes) {
  const auto dt = static_cast<DataType>(proto.dtype());
  const int64_t element_bytes = IsFixedSize(dt) ? static_cast<int64_t>(DataTypeSize(dt)) : 32;
  int64_t bytes = element_bytes;
  for (const auto& d : proto.tensor_shape().dim()) {
    if (d.size() < 0) return Status::Ok();
    if (d.size() == 0) return Status::Ok();
    if (bytes > max_bytes / d.size()) {
      return ResourceExhausted(StrCat("the tensor's shape declares more than ", max_bytes,
                                      " bytes, the limit for a warmup input"));
    }
    bytes *= d.size();
  }
  return Status::Ok();
}

Status ReplayPredict(const LoadedModel& loaded, const tfs::PredictRequest& request, int64_t max_tensor_bytes) {
  const std::string key = SignatureOf(request.model_spec());
  const loader::Signature* signature = FindSignature(loaded, key);
  if (signature == nullptr) return FailedPrecondition(StrCat("Serving signature key \"", key, "\" not found."));
  TensorMap inputs;
  for (const auto& [alias, proto] : request.inputs()) {
    if (Status s = CheckDeclaredSize(proto, max_tensor_bytes); !s.ok()) {
      return s.WithContext(StrCat("signature '", key, "': input '", alias, "'"));
    }
    auto tensor = TensorFromProto(proto);
    if (!tensor.ok()) {
      return InvalidArgument(StrCat("signature '", key, "': tensor parsing error: ", alias, ": ",
                                    tensor.status().message()));
    }
    inputs.emplace(alias, std::move(*tensor));
  }
  std::set<std::string> known, seen;
  for (const auto& out : signature->outputs) known.insert(out.key);
  std::vector<std::string> filter;
  for (const std::string& alias : request.output_filter()) {
    if (!known.count(alias)) {
      return InvalidArgument(StrCat("signature '", key, "': output tensor alias not found in signature: ", alias,
                                    " Outputs expected to be in the set {", Join(known), "}."));
    }
    if (!seen.insert(alias).second) {
      return InvalidArgument(StrCat("signature '", key, "': duplicate output tensor alias: ", alias));
    }
    filter.push_back(alias);
  }
  return loaded.Run(key, std::move(inputs), filter).status();
}

// A classify or regress signature on serialized examples, with the output checks of the
// Classify/Regress handlers.
Status ReplayExamples(const LoadedModel& loaded, const std::string& key, const tfs::Input& input, bool classify) {
  const loader::Signature* signature = FindSignature(loaded, key);
  if (signature == nullptr) return InvalidArgument(StrCat("No signature was found with the name: ", key));
  const std::string_view want = classify ? kClassifyMethod : kRegressMethod;
  if (signature->method_name != want) {
    return InvalidArgument(StrCat("signature '", key, "': Expected ", classify ? "classification" : "regression",
                                  " signature method_name to be ", want, ". Was: ", signature->method_name));
  }
  if (signature->inputs.size() != 1) return InvalidArgument(StrCat("signature '", key, "': Expected one input Tensor."));
  auto examples = codec::SerializedExamplesFromInput(input);
  if (!examples.ok()) return examples.status().WithContext(StrCat("signature '", key, "'"));
  const int64_t n = examples->num_elements();
  TensorMap inputs;
  inputs.emplace(signature->inputs[0].key, std::move(*examples));
  SERVAL_ASSIGN_OR_RETURN(TensorMap outputs, loaded.Run(key, std::move(inputs)));
  Status checked = classify ? codec::ClassificationsFromOutputs(outputs, n).status()
                            : codec::RegressionsFromOutputs(outputs, n).status();
  if (!checked.ok()) return checked.WithContext(StrCat("signature '", key, "'"));
  return Status::Ok();
}

Status ReplayMultiInference(const LoadedModel& loaded, const tfs::MultiInferenceRequest& request) {
  if (request.tasks_size() == 0) return InvalidArgument("MultiInferenceRequest must specify at least one task.");
  std::set<std::string> signatures;
  for (const auto& task : request.tasks()) {
    const std::string key = SignatureOf(task.model_spec());
    if (!signatures.insert(key).second) return InvalidArgument(StrCat("Duplicate evaluation of signature: ", key));
    if (task.method_name() != kClassifyMethod && task.method_name() != kRegressMethod) {
      return Unimplemented(StrCat("Unsupported signature method_name: ", task.method_name()));
    }
  }
  for (const auto& task : request.tasks()) {
    SERVAL_RETURN_IF_ERROR(ReplayExamples(loaded, SignatureOf(task.model_spec()), request.input(),
                                          task.method_name() == kClassifyMethod));
  }
  return Status::Ok();
}

// Zeros ("" for strings) shaped from the signature; nullopt when an input has a dtype no request
// can carry (resource, variant).
std::optional<TensorMap> SyntheticInputs(const loader::Signature& signature) {
  TensorMap inputs;
  for (const auto& in : signature.inputs) {
    if (signature.defaults.count(in.key)) continue;  // the signature's own default is a real value
    if (in.dtype != DataType::kString && !IsFixedSize(in.dtype)) return std::nullopt;
    std::vector<int64_t> dims = in.shape.unknown_rank() ? std::vector<int64_t>{1} : in.shape.dims();
    for (int64_t& d : dims) d = d < 0 ? 1 : d;
    auto shape = TensorShape::Make(dims);
    if (!shape.ok()) return std::nullopt;
    auto tensor = Tensor::Allocate(in.dtype, std::move(*shape));
    if (!tensor.ok()) return std::nullopt;
    if (in.dtype != DataType::kString && tensor->byte_size() > 0) {
      std::memset(tensor->raw_data(), 0, tensor->byte_size());
    }
    inputs.emplace(in.key, std::move(*tensor));
  }
  return inputs;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Result<WarmupReport> SyntheticWarmup(const LoadedModel& loaded) {
  const auto start = std::chrono::steady_clock::now();
  WarmupReport report;
  const auto planned = loaded.session->PlannedOps();
  for (const loader::Signature& signature : loaded.session->signatures()) {
    // A made-up request must not change the model's state (a counter, a lookup table insert).
    bool writes = false;
    if (auto it = planned.find(signature.key); it != planned.end()) {
      for (const std::string& op : it->second) writes |= session::IsVariableWriteOp(op);
    }
    if (writes) {
      SERVAL_LOG_WARNING(StrCat(ModelPrefix(loaded), ": synthetic warmup skips signature '", signature.key,
                                "': it writes variables, and a made-up request would change the model's state"));
      ++report.synthetic_failed;
      continue;
    }
    auto inputs = SyntheticInputs(signature);
    if (!inputs) {
      SERVAL_LOG_WARNING(StrCat(ModelPrefix(loaded), ": synthetic warmup skips signature '", signature.key,
                                "': an input has a dtype or shape no request can carry"));
      ++report.synthetic_failed;
      continue;
    }
    auto out = loaded.Run(signature.key, std::move(*inputs));
    if (out.ok()) {
      ++report.runs;
    } else {
      ++report.synthetic_failed;
      SERVAL_LOG_WARNING(StrCat(ModelPrefix(loaded), ": synthetic warmup of signature '", signature.key,
                                "' failed (ignored; the version still loads): ", out.status().message()));
    }
  }
  report.seconds = SecondsSince(start);
  SERVAL_LOG_INFO(StrCat(ModelPrefix(loaded), ": synthetic warmup ran ", report.runs, " of ",
                         loaded.session->signatures().size(), " signatures in ", report.seconds * 1000, " ms"));
  return report;
}

}  // namespace

Result<std::vector<tfs::PredictionLog>> ParseWarmupRecords(std::string_view bytes, const std::string& path) {
  // Framing and CRCs of the whole file first, so a corrupt tail fails before any replay.
  loader::TFRecordReader reader(bytes, path);
  std::vector<std::string_view> records;
  std::string_view record;
  while (true) {
    SERVAL_ASSIGN_OR_RETURN(bool more, reader.Next(&record));
    if (!more) break;
    if (static_cast<int64_t>(records.size()) >= kMaxWarmupRecords) {
      return InvalidArgument(
          StrCat("Number of warmup records exceeds the maximum (", kMaxWarmupRecords, ") at ", path));
    }
    records.push_back(record);
  }
  std::vector<tfs::PredictionLog> logs(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    auto error = [&](std::string what) { return InvalidArgument(StrCat(path, ": record ", i, ": ", what)); };
    if (records[i].size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
        !logs[i].ParseFromArray(records[i].data(), static_cast<int>(records[i].size()))) {
      return error("Failed to parse warmup record (not a serialized PredictionLog)");
    }
    switch (logs[i].log_type_case()) {
      case tfs::PredictionLog::kPredictLog:
      case tfs::PredictionLog::kClassifyLog:
      case tfs::PredictionLog::kRegressLog:
      case tfs::PredictionLog::kMultiInferenceLog:
        break;
      case tfs::PredictionLog::kPredictStreamedLog:
        return error("Unsupported log_type for warmup: predict_streamed_log");
      case tfs::PredictionLog::kSessionRunLog:
        return error("Unsupported log_type for warmup: session_run_log (Serval has no SessionService)");
      default:
        return error("Unsupported log_type for warmup: the PredictionLog has no log_type set");
    }
  }
  return logs;
}

Status ReplayWarmupRecord(const LoadedModel& loaded, const tfs::PredictionLog& record, int64_t max_tensor_bytes) {
  switch (record.log_type_case()) {
    case tfs::PredictionLog::kPredictLog:
      return ReplayPredict(loaded, record.predict_log().request(), max_tensor_bytes);
    case tfs::PredictionLog::kClassifyLog: {
      const auto& r = record.classify_log().request();
      return ReplayExamples(loaded, SignatureOf(r.model_spec()), r.input(), /*classify=*/true);
    }
    case tfs::PredictionLog::kRegressLog: {
      const auto& r = record.regress_log().request();
      return ReplayExamples(loaded, SignatureOf(r.model_spec()), r.input(), /*classify=*/false);
    }
    case tfs::PredictionLog::kMultiInferenceLog:
      return ReplayMultiInference(loaded, record.multi_inference_log().request());
    default:
      return InvalidArgument("Unsupported log_type for warmup");
  }
}

Result<WarmupReport> WarmupModel(const LoadedModel& loaded, const WarmupOptions& options) {
  if (!loaded.session) return Internal(StrCat(ModelPrefix(loaded), ": warmup needs a loaded session"));
  const std::string path = JoinPath(loaded.path, kWarmupFile);
  if (!PathExists(path)) {
    if (options.synthetic) return SyntheticWarmup(loaded);
    return WarmupReport{};
  }
  const std::string context = StrCat(ModelPrefix(loaded), ": warmup file ", path);
  const auto start = std::chrono::steady_clock::now();
  auto bytes = ReadFileToString(path, kMaxWarmupFileBytes);
  if (!bytes.ok()) return bytes.status().WithContext(context);
  auto records = ParseWarmupRecords(*bytes, path);
  if (!records.ok()) return records.status().WithContext(StrCat(ModelPrefix(loaded), ": warmup"));
  bytes->clear();
  bytes->shrink_to_fit();

  const int iterations = std::max(1, options.num_request_iterations);
  WarmupReport report;
  report.from_file = true;
  report.records = static_cast<int64_t>(records->size());
  for (size_t i = 0; i < records->size(); ++i) {
    for (int it = 0; it < iterations; ++it) {
      Status s = ReplayWarmupRecord(loaded, (*records)[i], options.max_tensor_bytes);
      if (!s.ok()) {
        return s.WithContext(StrCat(context, ": record ", i, iterations > 1 ? StrCat(" (iteration ", it + 1, ")") : ""));
      }
      ++report.runs;
    }
  }
  report.seconds = SecondsSince(start);
  SERVAL_LOG_INFO(StrCat(ModelPrefix(loaded), ": warmup replayed ", report.records, " records (", report.runs,
                         " runs, ", iterations, " iteration", iterations > 1 ? "s" : "", " each) from ", path,
                         " in ", report.seconds * 1000, " ms"));
  return report;
}

ManagerOptions::PrepareStep MakeWarmupStep(WarmupOptions options) {
  return [options](const ModelConfig&, LoadedModel& loaded) -> Status {
    return WarmupModel(loaded, options).status();
  };
}

}  // namespace serval::servable
