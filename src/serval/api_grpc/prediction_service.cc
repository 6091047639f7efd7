// PredictionService: Predict, Classify, Regress, MultiInference, GetModelMetadata (spec §2.4).
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "serval/api/handlers.h"
#include "serval/api/status_mapping.h"
#include "serval/api_grpc/services.h"
#include "serval/base/strings.h"
#include "serval/codec/tfs_json.h"
#include "serval/loader/saved_model.h"
#include "serval/session/session.h"
#include "serval/tensor/tensor_proto.h"
#include "tensorflow/core/framework/tensor.pb.h"

namespace serval::api_grpc {
namespace {

namespace tfs = tensorflow::serving;

constexpr char kDefaultSignature[] = "serving_default";
constexpr std::string_view kClassifyMethod = "tensorflow/serving/classify";
constexpr std::string_view kRegressMethod = "tensorflow/serving/regress";

// A ModelSpec, decoded.
struct Spec {
  std::string name;
  std::optional<int64_t> version;
  std::optional<std::string> label;
  std::string signature;  // "" -> "serving_default"
};

Spec DecodeSpec(const tfs::ModelSpec& s) {
  Spec out;
  out.name = s.name();
  if (s.version_choice_case() == tfs::ModelSpec::kVersion) out.version = s.version().value();
  if (s.version_choice_case() == tfs::ModelSpec::kVersionLabel) out.label = s.version_label();
  out.signature = s.signature_name().empty() ? kDefaultSignature : s.signature_name();
  return out;
}

Result<servable::ServableHandle> Lookup(const servable::ServableManager& manager, const Spec& spec) {
  auto handle = manager.Get(spec.name, spec.version, spec.label);
  if (!handle.ok()) return handle.status().WithContext(api::ModelContext(spec.name, spec.version, spec.label));
  return handle;
}

void FillSpec(const servable::LoadedModel& loaded, const std::string& signature, tfs::ModelSpec* out) {
  out->set_name(loaded.name);
  out->mutable_version()->set_value(loaded.version);
  out->set_signature_name(signature);
}

std::string Context(const servable::LoadedModel& loaded, std::string_view signature = {}) {
  return api::ModelContext(loaded.name, loaded.version, {}, signature);
}

// Session::Run errors already start with "signature '<key>': "; do not name it twice.
Status RunContext(const Status& s, const servable::LoadedModel& m, const std::string& signature) {
  if (s.message().rfind("signature '", 0) == 0) return s.WithContext(Context(m));
  return s.WithContext(Context(m, signature));
}

std::string JoinSet(const std::set<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ",";
    out += s;
  }
  return out;
}

Status DoPredict(const servable::ServableManager& manager, bool tensor_content, const tfs::PredictRequest& request,
                 tfs::PredictResponse* response) {
  if (!request.has_model_spec()) return InvalidArgument("Missing ModelSpec");
  const Spec spec = DecodeSpec(request.model_spec());
  SERVAL_ASSIGN_OR_RETURN(servable::ServableHandle handle, Lookup(manager, spec));
  const servable::LoadedModel& loaded = *handle;
  const session::Session& session = *loaded.session;
  const loader::Signature* signature = session.FindSignature(spec.signature);
  if (signature == nullptr) {
    return FailedPrecondition(StrCat("Serving signature key \"", spec.signature, "\" not found."))
        .WithContext(Context(loaded));
  }
  auto context = [&] { return Context(loaded, spec.signature); };

  // TF Serving's PreProcessPrediction checks and texts.
  std::set<std::string> sent, expected;
  for (const auto& [alias, tensor] : request.inputs()) sent.insert(alias);
  for (const auto& in : signature->inputs) expected.insert(in.key);
  if (sent.size() > expected.size() || (sent.size() < expected.size() && signature->defaults.empty())) {
    std::set<std::string> extra, missing;
    for (const auto& s : sent) {
      if (!expected.count(s)) extra.insert(s);
    }
    for (const auto& e : expected) {
      if (!sent.count(e) && !signature->defaults.count(e)) missing.insert(e);
    }
    return InvalidArgument(StrCat("input size does not match signature: ", sent.size(), "!=", expected.size(),
                                  " len({", JoinSet(sent), "}) != len({", JoinSet(expected), "}). Sent extra: {",
                                  JoinSet(extra), "}. Missing but required: {", JoinSet(missing), "}."))
        .WithContext(context());
  }
  std::map<std::string, Tensor> inputs;
  for (const auto& [alias, proto] : request.inputs()) {
    if (!expected.count(alias)) {
      return InvalidArgument(StrCat("input tensor alias not found in signature: ", alias,
                                    ". Inputs expected to be in the set {", JoinSet(expected), "}."))
          .WithContext(context());
    }
    auto tensor = TensorFromRequestProto(proto);  // refuses huge declared shapes before allocating
    if (!tensor.ok()) {
      return InvalidArgument(StrCat("tensor parsing error: ", alias, ": ", tensor.status().message()))
          .WithContext(context());
    }
    inputs.emplace(alias, std::move(*tensor));
  }
  std::set<std::string> outputs_known, filtered;
  for (const auto& out : signature->outputs) outputs_known.insert(out.key);
  std::vector<std::string> filter;
  for (const std::string& alias : request.output_filter()) {
    if (!outputs_known.count(alias)) {
      return InvalidArgument(StrCat("output tensor alias not found in signature: ", alias,
                                    " Outputs expected to be in the set {", JoinSet(outputs_known), "}."))
          .WithContext(context());
    }
    if (!filtered.insert(alias).second) {
      return InvalidArgument(StrCat("duplicate output tensor alias: ", alias)).WithContext(context());
    }
    filter.push_back(alias);
  }

  auto outputs = loaded.Run(spec.signature, std::move(inputs), filter);
  if (!outputs.ok()) return RunContext(outputs.status(), loaded, spec.signature);
  for (const auto& [alias, tensor] : *outputs) {
    tensorflow::TensorProto& proto = (*response->mutable_outputs())[alias];
    if (Status s = TensorToProto(tensor, &proto, tensor_content); !s.ok()) {
      return s.WithContext(StrCat(context(), " output '", alias, "'"));
    }
  }
  FillSpec(loaded, spec.signature, response->mutable_model_spec());
  return Status::Ok();
}

// The Input as a DT_STRING [N] tensor of serialized tf.Examples. With a context, each entry is
// the context's bytes followed by the example's: protobuf's merge, so the example's own features
// win, exactly as TF Serving builds it.
Result<Tensor> SerializedExamples(const tfs::Input& input) {
  std::vector<std::string> serialized;
  switch (input.kind_case()) {
    case tfs::Input::kExampleList:
      for (const auto& ex : input.example_list().examples()) serialized.push_back(ex.SerializeAsString());
      break;
    case tfs::Input::kExampleListWithContext: {
      const auto& list = input.example_list_with_context();
      const std::string context = list.context().SerializeAsString();
      for (const auto& ex : list.examples()) serialized.push_back(context + ex.SerializeAsString());
      break;
    }
    default:
      break;
  }
  if (serialized.empty()) return InvalidArgument("Input is empty.");
  const int64_t n = static_cast<int64_t>(serialized.size());
  Tensor examples(DataType::kString, TensorShape{n});
  auto flat = examples.flat<std::string>();
  for (int64_t i = 0; i < n; ++i) flat[i] = std::move(serialized[i]);
  return examples;
}

// Runs one classify (classification != nullptr) or regress signature over serialized examples.
Status RunExamples(const servable::LoadedModel& loaded, const std::string& signature_name, const Tensor& examples,
                   tfs::ClassificationResult* classification, tfs::RegressionResult* regression) {
  const bool classify = classification != nullptr;
  const session::Session& session = *loaded.session;
  auto context = [&] { return Context(loaded, signature_name); };
  const loader::Signature* signature = session.FindSignature(signature_name);
  if (signature == nullptr) {
    return InvalidArgument(StrCat("No signature was found with the name: ", signature_name))
        .WithContext(Context(loaded));
  }
  std::string_view want = classify ? kClassifyMethod : kRegressMethod;
  if (signature->method_name != want) {
    std::string msg = StrCat("Expected ", classify ? "classification" : "regression",
                             " signature method_name to be ", want, ". Was: ", signature->method_name);
    if (signature->method_name == "tensorflow/serving/predict") {
      msg += " (hint: this is a predict signature; call Predict)";
    }
    return InvalidArgument(std::move(msg)).WithContext(context());
  }
  if (signature->inputs.size() != 1) return InvalidArgument("Expected one input Tensor.").WithContext(context());

  const int64_t n = examples.shape().num_elements();
  std::map<std::string, Tensor> inputs;
  inputs.emplace(signature->inputs[0].key, examples);
  auto outputs = loaded.Run(signature_name, std::move(inputs));
  if (!outputs.ok()) return RunContext(outputs.status(), loaded, signature_name);
  if (classify) {
    auto results = codec::ClassificationsFromOutputs(*outputs, n);
    if (!results.ok()) return results.status().WithContext(context());
    for (const auto& row : *results) {
      auto* classes = classification->add_classifications();
      for (const auto& c : row) {
        auto* out = classes->add_classes();
        out->set_label(c.label);
        out->set_score(c.score);
      }
    }
    return Status::Ok();
  }
  auto results = codec::RegressionsFromOutputs(*outputs, n);
  if (!results.ok()) return results.status().WithContext(context());
  for (float v : *results) regression->add_regressions()->set_value(v);
  return Status::Ok();
}

template <typename Request, typename Response>
Status DoClassifyRegress(const servable::ServableManager& manager, const Request& request, Response* response,
                         bool classify) {
  if (!request.has_model_spec()) return InvalidArgument("Missing ModelSpec");
  const Spec spec = DecodeSpec(request.model_spec());
  SERVAL_ASSIGN_OR_RETURN(servable::ServableHandle handle, Lookup(manager, spec));
  auto examples = SerializedExamples(request.input());
  if (!examples.ok()) return examples.status().WithContext(Context(*handle, spec.signature));
  Status s;
  if constexpr (std::is_same_v<Response, tfs::ClassificationResponse>) {
    s = RunExamples(*handle, spec.signature, *examples, response->mutable_result(), nullptr);
  } else {
    s = RunExamples(*handle, spec.signature, *examples, nullptr, response->mutable_result());
  }
  SERVAL_RETURN_IF_ERROR(s);
  FillSpec(*handle, spec.signature, response->mutable_model_spec());
  return Status::Ok();
}

Status DoMultiInference(const servable::ServableManager& manager, const tfs::MultiInferenceRequest& request,
                        tfs::MultiInferenceResponse* response) {
  if (request.tasks_size() == 0) return InvalidArgument("MultiInferenceRequest must specify at least one task.");
  const Spec first = DecodeSpec(request.tasks(0).model_spec());
  std::set<std::string> signatures;
  for (const auto& task : request.tasks()) {
    const Spec spec = DecodeSpec(task.model_spec());
    if (spec.name != first.name) {
      return InvalidArgument("All ModelSpecs in a MultiInferenceRequest must access the same model name.");
    }
    if (!signatures.insert(spec.signature).second) {
      return InvalidArgument(StrCat("Duplicate evaluation of signature: ", spec.signature));
    }
    if (task.method_name() != kClassifyMethod && task.method_name() != kRegressMethod) {
      return Unimplemented(StrCat("Unsupported signature method_name: ", task.method_name()));
    }
  }
  // One version for every task (the first task's choice), so results agree with each other.
  SERVAL_ASSIGN_OR_RETURN(servable::ServableHandle handle, Lookup(manager, first));
  auto examples = SerializedExamples(request.input());
  if (!examples.ok()) return examples.status().WithContext(Context(*handle));
  for (const auto& task : request.tasks()) {
    const Spec spec = DecodeSpec(task.model_spec());
    tfs::InferenceResult* result = response->add_results();
    if (task.method_name() == kClassifyMethod) {
      SERVAL_RETURN_IF_ERROR(
          RunExamples(*handle, spec.signature, *examples, result->mutable_classification_result(), nullptr));
    } else {
      SERVAL_RETURN_IF_ERROR(
          RunExamples(*handle, spec.signature, *examples, nullptr, result->mutable_regression_result()));
    }
    FillSpec(*handle, spec.signature, result->mutable_model_spec());
  }
  return Status::Ok();
}

Status DoGetModelMetadata(const servable::ServableManager& manager, const tfs::GetModelMetadataRequest& request,
                          tfs::GetModelMetadataResponse* response) {
  if (!request.has_model_spec()) return InvalidArgument("Missing ModelSpec");
  if (request.metadata_field_size() == 0) {
    return InvalidArgument("GetModelMetadataRequest must specify at least one metadata_field");
  }
  for (const std::string& field : request.metadata_field()) {
    if (field != "signature_def") return InvalidArgument(StrCat("Metadata field ", field, " is not supported"));
  }
  Spec spec = DecodeSpec(request.model_spec());
  SERVAL_ASSIGN_OR_RETURN(servable::ServableHandle handle, Lookup(manager, spec));
  tfs::SignatureDefMap signatures;
  for (const auto& [key, def] : handle->session->model().meta_graph.signature_def()) {
    (*signatures.mutable_signature_def())[key] = def;
  }
  response->mutable_model_spec()->set_name(handle->name);
  response->mutable_model_spec()->mutable_version()->set_value(handle->version);
  (*response->mutable_metadata())["signature_def"].PackFrom(signatures);
  return Status::Ok();
}

}  // namespace

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(static_cast<int>(status.code())),
                      api::CapMessage(status.message(), kMaxGrpcErrorBytes));
}

grpc::Status PredictionServiceImpl::Predict(grpc::ServerContext*, const tfs::PredictRequest* request,
                                            tfs::PredictResponse* response) {
  return ToGrpcStatus(DoPredict(*manager_, tensor_content_, *request, response));
}

grpc::Status PredictionServiceImpl::Classify(grpc::ServerContext*, const tfs::ClassificationRequest* request,
                                             tfs::ClassificationResponse* response) {
  return ToGrpcStatus(DoClassifyRegress(*manager_, *request, response, /*classify=*/true));
}

grpc::Status PredictionServiceImpl::Regress(grpc::ServerContext*, const tfs::RegressionRequest* request,
                                            tfs::RegressionResponse* response) {
  return ToGrpcStatus(DoClassifyRegress(*manager_, *request, response, /*classify=*/false));
}

grpc::Status PredictionServiceImpl::MultiInference(grpc::ServerContext*, const tfs::MultiInferenceRequest* request,
                                                   tfs::MultiInferenceResponse* response) {
  return ToGrpcStatus(DoMultiInference(*manager_, *request, response));
}

grpc::Status PredictionServiceImpl::GetModelMetadata(grpc::ServerContext*,
                                                     const tfs::GetModelMetadataRequest* request,
                                                     tfs::GetModelMetadataResponse* response) {
  return ToGrpcStatus(DoGetModelMetadata(*manager_, *request, response));
}

}  // namespace serval::api_grpc
