// GET /v1/models/{m}[/versions/{v}|/labels/{l}] (status) and .../metadata (spec §1.2, §1.3).
// Both are printed by protobuf's JSON printer over TF Serving's own messages, as TF Serving does.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <memory>

#include "serval/api/handlers.h"
#include "serval/api/status_mapping.h"
#include "serval/codec/tfs_json.h"
#include "serval/session/session.h"
#include "tensorflow_serving/apis/get_model_metadata.pb.h"
#include "tensorflow_serving/apis/get_model_status.pb.h"

namespace serval::api {
namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

// Protobuf's JSON printer (as TF Serving uses it), fed with a deterministic serialization so map
// entries (signatures, their inputs and outputs) come out sorted by key and identical per call.
Result<std::string> PrintJson(const google::protobuf::Message& message, bool whitespace) {
  static const std::unique_ptr<google::protobuf::util::TypeResolver> resolver(
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          kTypeUrlPrefix, google::protobuf::DescriptorPool::generated_pool()));
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = whitespace;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  auto status = google::protobuf::util::BinaryToJsonString(
      resolver.get(), std::string(kTypeUrlPrefix) + "/" + message.GetDescriptor()->full_name(), binary, &out,
      options);
  if (!status.ok()) return Internal("Failed to convert proto to json: " + std::string(status.message()));
  return out;
}

}  // namespace

HttpReply ErrorReply(const Status& status) {
  HttpReply reply;
  reply.status = HttpStatusFor(status.code());
  reply.body = codec::WriteErrorBody(CapStatus(status));
  reply.error = status;
  return reply;
}

std::string ModelContext(const std::string& model, std::optional<int64_t> version,
                         const std::optional<std::string>& label, std::string_view signature) {
  std::string out = "model '" + model + "'";
  if (version) {
    out += " version " + std::to_string(*version);
  } else if (label) {
    out += " label '" + *label + "'";
  }
  if (!signature.empty()) {
    out += " signature '";
    out += signature;
    out += "'";
  }
  return out;
}

HttpReply HandleModelStatus(const servable::ServableManager& manager, const Route& route) {
  std::optional<int64_t> version = route.version;
  if (route.label) {
    auto handle = manager.Get(route.model, std::nullopt, route.label);
    if (!handle.ok()) return ErrorReply(handle.status().WithContext(ModelContext(route.model, {}, route.label)));
    version = (*handle)->version;
  }
  auto statuses = manager.GetStatus(route.model, version);
  if (!statuses.ok()) return ErrorReply(statuses.status().WithContext(ModelContext(route.model, version, route.label)));

  tensorflow::serving::GetModelStatusResponse response;
  for (const servable::VersionStatus& vs : *statuses) {
    auto* out = response.add_model_version_status();
    out->set_version(vs.version);
    out->set_state(static_cast<tensorflow::serving::ModelVersionStatus::State>(static_cast<int>(vs.state)));
    auto* st = out->mutable_status();
    st->set_error_code(static_cast<tensorflow::error::Code>(static_cast<int>(vs.error.code())));
    st->set_error_message(vs.error.message());
  }
  auto json = PrintJson(response, /*whitespace=*/true);
  if (!json.ok()) return ErrorReply(json.status());
  HttpReply reply;
  reply.body = std::move(*json);
  return reply;
}

HttpReply HandleModelMetadata(const servable::ServableManager& manager, const Route& route) {
  auto handle = manager.Get(route.model, route.version, route.label);
  if (!handle.ok()) {
    return ErrorReply(handle.status().WithContext(ModelContext(route.model, route.version, route.label)));
  }
  const servable::LoadedModel& loaded = **handle;

  tensorflow::serving::ModelSpec spec;
  spec.set_name(route.model);
  spec.mutable_version()->set_value(loaded.version);
  spec.set_signature_name("");

  tensorflow::serving::SignatureDefMap signatures;
  if (loaded.session) {
    for (const auto& [key, def] : loaded.session->model().meta_graph.signature_def()) {
      (*signatures.mutable_signature_def())[key] = def;
    }
  }
  auto spec_json = PrintJson(spec, /*whitespace=*/true);
  if (!spec_json.ok()) return ErrorReply(spec_json.status());
  auto sig_json = PrintJson(signatures, /*whitespace=*/true);
  if (!sig_json.ok()) return ErrorReply(sig_json.status());

  // TF Serving assembles the response from the two printed pieces the same way.
  HttpReply reply;
  reply.body = "{\n\"model_spec\":" + *spec_json + ",\n\"metadata\": {\"signature_def\": " + *sig_json + "}\n}\n";
  return reply;
}

HttpReply HandleHealthReady(const servable::ServableManager& manager) {
  HttpReply reply;
  if (manager.AllModelsReady()) {
    reply.body = "{}";
    return reply;
  }
  std::string not_ready;
  for (const std::string& name : manager.ModelNames()) {
    auto statuses = manager.GetStatus(name);
    bool available = false;
    if (statuses.ok()) {
      for (const auto& vs : *statuses) available |= vs.state == servable::VersionState::kAvailable;
    }
    if (!available) {
      if (!not_ready.empty()) not_ready += ", ";
      not_ready += "'" + name + "'";
    }
  }
  if (not_ready.empty()) not_ready = "(models are loading)";
  reply.status = 503;
  reply.body = codec::WriteErrorBody(Unavailable(
      CapMessage("Not ready: no AVAILABLE version yet for model(s) " + not_ready)));
  return reply;
}

}  // namespace serval::api
