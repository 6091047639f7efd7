#include "serval/servable/model_config.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <set>

#include "serval/base/logging.h"
#include "serval/base/strings.h"
#include "serval/servable/batching_config.h"
#include "tensorflow_serving/config/model_server_config.pb.h"

namespace serval::servable {
namespace {

namespace pb = ::tensorflow::serving;

// Collects TextFormat errors as "line L:C: message" (1-based, as editors count).
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (first_.empty()) first_ = StrCat("line ", line + 1, ":", column + 1, ": ", message);
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    warnings_.push_back(StrCat("line ", line + 1, ":", column + 1, ": ", message));
  }
  const std::string& first() const { return first_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::string first_;
  std::vector<std::string> warnings_;
};

bool IsControl(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

std::string Quote(const std::string& s);

Status ConvertModel(const pb::ModelConfig& in, ModelConfig& out) {
  out.name = in.name();
  out.base_path = in.base_path();
  if (!in.model_platform().empty() && in.model_platform() != "tensorflow") {
    return Unimplemented(StrCat("model_platform '", in.model_platform(),
                                "' is not supported; Serval serves only 'tensorflow' SavedModels"));
  }
  if (in.model_type() == pb::OTHER) {
    return Unimplemented("model_type OTHER is not supported; Serval serves only TensorFlow SavedModels");
  }
  if (in.has_model_version_policy()) {
    const auto& policy = in.model_version_policy();
    switch (policy.policy_choice_case()) {
      case pb::FileSystemStoragePathSourceConfig::ServableVersionPolicy::kLatest:
        out.policy.kind = VersionPolicy::Kind::kLatest;
        // TF Serving treats 0 as 1.
        out.policy.num_versions = std::max<int64_t>(1, policy.latest().num_versions());
        break;
      case pb::FileSystemStoragePathSourceConfig::ServableVersionPolicy::kAll:
        out.policy.kind = VersionPolicy::Kind::kAll;
        break;
      case pb::FileSystemStoragePathSourceConfig::ServableVersionPolicy::kSpecific:
        out.policy.kind = VersionPolicy::Kind::kSpecific;
        out.policy.versions.assign(policy.specific().versions().begin(), policy.specific().versions().end());
        break;
      case pb::FileSystemStoragePathSourceConfig::ServableVersionPolicy::POLICY_CHOICE_NOT_SET:
        break;  // latest {num_versions: 1}
    }
  }
  for (const auto& [label, version] : in.version_labels()) out.version_labels[label] = version;
  if (in.has_serval_batching_parameters()) {
    auto batching = BatchingOptionsFromProto(in.serval_batching_parameters());
    if (!batching.ok()) {
      return InvalidArgument(StrCat("model ", Quote(out.name), ": serval_batching_parameters: ", batching.status().message()));
    }
    out.batching = *batching;
  }
  return ValidateModelConfig(out);
}

// 'name', or an escaped "..." form when it holds quotes or control bytes (names reach log lines).
std::string Quote(const std::string& s) {
  for (char c : s) {
    if (IsControl(c) || c == '\'') return CEscape(s, 200);
  }
  return StrCat("'", s, "'");
}

}  // namespace

Status ValidateModelConfig(const ModelConfig& config) {
  const std::string& name = config.name;
  if (name.empty()) return InvalidArgument("model '': the name is empty");
  auto where = [&](const std::string& problem) { return InvalidArgument(StrCat("model ", Quote(name), ": ", problem)); };
  if (name == "." || name == "..") return where("a model name cannot be '.' or '..'");
  for (char c : name) {
    if (c == '/' || c == '\\') return where("a model name cannot contain '/' or '\\' (it is part of request URLs)");
    if (IsControl(c)) return where("a model name cannot contain control characters");
  }
  if (config.base_path.empty()) return where("base_path is empty");
  for (char c : config.base_path) {
    if (IsControl(c)) return where(StrCat("base_path ", Quote(config.base_path), " contains control characters"));
  }
  if (config.policy.kind == VersionPolicy::Kind::kLatest && config.policy.num_versions < 1) {
    return where("model_version_policy latest: num_versions must be at least 1");
  }
  if (config.policy.kind == VersionPolicy::Kind::kSpecific) {
    if (config.policy.versions.empty()) {
      return where("model_version_policy specific lists no versions (add 'versions: N')");
    }
    for (int64_t v : config.policy.versions) {
      if (v < 0) return where(StrCat("model_version_policy specific: version ", v, " is negative"));
    }
  }
  for (const auto& [label, version] : config.version_labels) {
    if (label.empty()) return where("a version label is empty");
    for (char c : label) {
      if (c == '/' || c == '\\' || IsControl(c)) {
        return where(StrCat("version label ", Quote(label), " contains '/', '\\' or control characters"));
      }
    }
    if (version < 0) return where(StrCat("version label '", label, "' points at negative version ", version));
  }
  return Status::Ok();
}

Result<std::vector<ModelConfig>> ParseModelServerConfig(const std::string& text, const std::string& source) {
  const std::string prefix = StrCat("model config file '", source, "'");
  pb::ModelServerConfig proto;
  ErrorCollector errors;
  google::protobuf::TextFormat::ParseInfoTree locations;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&locations);
  if (!parser.ParseFromString(text, &proto)) {
    return InvalidArgument(StrCat(prefix, ": ", errors.first().empty() ? "not a valid ModelServerConfig" : errors.first()));
  }
  for (const auto& w : errors.warnings()) SERVAL_LOG_WARNING(StrCat(prefix, ": ", w));

  if (proto.config_case() == pb::ModelServerConfig::kCustomModelConfig) {
    return Unimplemented(StrCat(prefix, ": custom_model_config is not supported; use model_config_list"));
  }
  std::vector<ModelConfig> out;
  if (proto.config_case() != pb::ModelServerConfig::kModelConfigList) return out;  // no models

  const auto* list_field = pb::ModelServerConfig::descriptor()->FindFieldByName("model_config_list");
  const auto* config_field = pb::ModelConfigList::descriptor()->FindFieldByName("config");
  const google::protobuf::TextFormat::ParseInfoTree* list_tree = locations.GetTreeForNested(list_field, -1);
  std::set<std::string> seen;
  const auto& configs = proto.model_config_list().config();
  for (int i = 0; i < configs.size(); ++i) {
    std::string at = StrCat("model ", Quote(configs[i].name()));
    if (list_tree != nullptr) {
      auto loc = list_tree->GetLocation(config_field, i);
      if (loc.line >= 0) at += StrCat(" (line ", loc.line + 1, ")");
    }
    ModelConfig model;
    Status s = ConvertModel(configs[i], model);
    if (!s.ok()) {
      // ValidateModelConfig names the model itself; replace that with the located name.
      std::string message = s.message();
      const std::string own = StrCat("model ", Quote(model.name), ": ");
      if (StartsWith(message, own)) message = message.substr(own.size());
      return Status(s.code(), StrCat(prefix, ": ", at, ": ", message));
    }
    if (!seen.insert(model.name).second) {
      return InvalidArgument(StrCat(prefix, ": ", at, ": the model is listed more than once"));
    }
    if (configs[i].has_logging_config()) {
      SERVAL_LOG_WARNING(StrCat(prefix, ": ", at, ": logging_config (request logging) is not supported; ignored"));
    }
    out.push_back(std::move(model));
  }
  return out;
}

}  // namespace serval::servable
