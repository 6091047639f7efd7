// POST .../:predict, :classify, :regress (spec §1.4–§1.9): manager lookup → codec parse →
// shape check → Session::Run → codec write. The servable handle is held for this request only.
#include <utility>

#include "serval/api/handlers.h"
#include "serval/api/request_metrics.h"
#include "serval/codec/tfs_json.h"
#include "serval/loader/saved_model.h"
#include "serval/session/session.h"

namespace serval::api {
namespace {

constexpr std::string_view kClassifyMethod = "tensorflow/serving/classify";
constexpr std::string_view kRegressMethod = "tensorflow/serving/regress";

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Session::Run errors already start with "signature '<key>': "; do not name it twice.
Status RunContext(const Status& s, const servable::LoadedModel& m, const std::string& signature) {
  if (StartsWith(s.message(), "signature '")) return s.WithContext(ModelContext(m.name, m.version, {}));
  return s.WithContext(ModelContext(m.name, m.version, {}, signature));
}

Status CheckDeadline(Clock::time_point deadline) {
  if (Clock::now() > deadline) {
    return DeadlineExceeded("Request timed out (--rest_api_timeout_in_ms); the result was discarded");
  }
  return Status::Ok();
}

}  // namespace

HttpReply HandlePredict(const servable::ServableManager& manager, const Route& route, std::string_view body,
                        Clock::time_point deadline, monitoring::RequestScope* scope) {
  auto handle = manager.Get(route.model, route.version, route.label);
  NoteLookup(scope, manager, route.model, handle);
  if (!handle.ok()) {
    return ErrorReply(handle.status().WithContext(ModelContext(route.model, route.version, route.label)));
  }
  const servable::LoadedModel& loaded = **handle;
  const session::Session& session = *loaded.session;

  // Remember which signature the codec asked for, so parse errors can name it.
  std::string signature_name;
  codec::SignatureLookup base_lookup = codec::LookupIn(session.model());
  codec::SignatureLookup lookup = [&](const std::string& name) {
    signature_name = name;
    return base_lookup(name);
  };
  auto request = codec::ParsePredictRequest(body, lookup);
  if (scope) scope->set_signature(signature_name);
  if (!request.ok()) {
    return ErrorReply(request.status().WithContext(ModelContext(loaded.name, loaded.version, {}, signature_name)));
  }
  signature_name = request->signature_name;
  const loader::Signature* signature = session.FindSignature(signature_name);
  if (signature == nullptr) {  // the lookup succeeded, so this is not expected
    return ErrorReply(InvalidArgument("Serving signature name: \"" + signature_name + "\" not found in signature def")
                          .WithContext(ModelContext(loaded.name, loaded.version)));
  }
  // No shape check here: TF Serving feeds whatever shape arrives and lets the graph decide
  // (its own README sends [1.0, 2.0, 5.0] to a [-1,1] input). Session::Run adds the signature's
  // shape and a batch-dimension hint to the error when such a request fails.
  auto outputs = TimedRun(scope, loaded, signature_name, std::move(request->inputs));
  if (!outputs.ok()) return ErrorReply(RunContext(outputs.status(), loaded, signature_name));
  if (Status s = CheckDeadline(deadline); !s.ok()) {
    return ErrorReply(s.WithContext(ModelContext(loaded.name, loaded.version, {}, signature_name)));
  }
  auto json = codec::WritePredictResponse(*outputs, request->row_format);
  if (!json.ok()) {
    return ErrorReply(json.status().WithContext(ModelContext(loaded.name, loaded.version, {}, signature_name)));
  }
  HttpReply reply;
  reply.body = std::move(*json);
  return reply;
}

HttpReply HandleClassifyRegress(const servable::ServableManager& manager, const Route& route,
                                std::string_view body, Clock::time_point deadline,
                                monitoring::RequestScope* scope) {
  const bool classify = route.kind == RouteKind::kClassify;
  auto handle = manager.Get(route.model, route.version, route.label);
  NoteLookup(scope, manager, route.model, handle);
  if (!handle.ok()) {
    return ErrorReply(handle.status().WithContext(ModelContext(route.model, route.version, route.label)));
  }
  const servable::LoadedModel& loaded = **handle;
  const session::Session& session = *loaded.session;

  auto request = codec::ParseExamplesRequest(body);
  if (!request.ok()) {
    return ErrorReply(request.status().WithContext(ModelContext(loaded.name, loaded.version)));
  }
  const std::string& signature_name = request->signature_name;
  if (scope) {
    scope->set_signature(signature_name);
    scope->set_example_count(static_cast<int64_t>(request->serialized_examples.size()));
  }
  auto context = [&] { return ModelContext(loaded.name, loaded.version, {}, signature_name); };

  auto found = codec::LookupIn(session.model())(signature_name);
  if (!found.ok()) return ErrorReply(found.status().WithContext(ModelContext(loaded.name, loaded.version)));
  const loader::Signature& signature = **found;

  // TF Serving's classifier/regressor texts, with a hint for the common mix-up.
  std::string_view want = classify ? kClassifyMethod : kRegressMethod;
  if (signature.method_name != want) {
    std::string msg = std::string("Expected ") + (classify ? "classification" : "regression") +
                      " signature method_name to be " + std::string(want) + ". Was: " + signature.method_name;
    if (signature.method_name == "tensorflow/serving/predict") {
      msg += " (hint: this is a predict signature; send it to :predict)";
    }
    return ErrorReply(InvalidArgument(std::move(msg)).WithContext(context()));
  }
  if (signature.inputs.size() != 1) {
    return ErrorReply(InvalidArgument("Expected one input Tensor.").WithContext(context()));
  }

  const int64_t n = static_cast<int64_t>(request->serialized_examples.size());
  Tensor examples(DataType::kString, TensorShape{n});
  auto flat = examples.flat<std::string>();
  for (int64_t i = 0; i < n; ++i) flat[i] = std::move(request->serialized_examples[i]);

  std::map<std::string, Tensor> inputs;
  inputs.emplace(signature.inputs[0].key, std::move(examples));
  auto outputs = TimedRun(scope, loaded, signature_name, std::move(inputs));
  if (!outputs.ok()) return ErrorReply(RunContext(outputs.status(), loaded, signature_name));
  if (Status s = CheckDeadline(deadline); !s.ok()) return ErrorReply(s.WithContext(context()));

  Result<std::string> json = [&]() -> Result<std::string> {
    if (classify) {
      SERVAL_ASSIGN_OR_RETURN(auto results, codec::ClassificationsFromOutputs(*outputs, n));
      return codec::WriteClassifyResponse(results);
    }
    SERVAL_ASSIGN_OR_RETURN(auto results, codec::RegressionsFromOutputs(*outputs, n));
    return codec::WriteRegressResponse(results);
  }();
  if (!json.ok()) return ErrorReply(json.status().WithContext(context()));
  HttpReply reply;
  reply.body = std::move(*json);
  return reply;
}

}  // namespace serval::api
