// ModelService: GetModelStatus (as REST's status endpoint) and HandleReloadConfigRequest.
#include <google/protobuf/text_format.h>

#include "serval/api/handlers.h"
#include "serval/api/request_metrics.h"
#include "serval/api_grpc/call_metrics.h"
#include "serval/api_grpc/services.h"
#include "serval/base/strings.h"
#include "serval/servable/model_config.h"

namespace serval::api_grpc {
namespace {

namespace tfs = tensorflow::serving;

Status DoGetModelStatus(const servable::ServableManager& manager, const tfs::GetModelStatusRequest& request,
                        tfs::GetModelStatusResponse* response, monitoring::RequestScope* scope) {
  if (!request.has_model_spec()) return InvalidArgument("Missing ModelSpec");
  const tfs::ModelSpec& spec = request.model_spec();
  const std::string& name = spec.name();
  api::NoteModelName(scope, manager, name);
  std::optional<int64_t> version;
  std::optional<std::string> label;
  if (spec.version_choice_case() == tfs::ModelSpec::kVersion) version = spec.version().value();
  if (spec.version_choice_case() == tfs::ModelSpec::kVersionLabel) {
    label = spec.version_label();
    auto handle = manager.Get(name, std::nullopt, label);
    if (!handle.ok()) return handle.status().WithContext(api::ModelContext(name, {}, label));
    version = (*handle)->version;
  }
  if (version) scope->set_version(*version);
  auto statuses = manager.GetStatus(name, version);
  if (!statuses.ok()) return statuses.status().WithContext(api::ModelContext(name, version, label));
  for (const servable::VersionStatus& vs : *statuses) {
    auto* out = response->add_model_version_status();
    out->set_version(vs.version);
    out->set_state(static_cast<tfs::ModelVersionStatus::State>(static_cast<int>(vs.state)));
    auto* st = out->mutable_status();
    st->set_error_code(static_cast<tensorflow::error::Code>(static_cast<int>(vs.error.code())));
    st->set_error_message(vs.error.message());
  }
  return Status::Ok();
}

}  // namespace

grpc::Status ModelServiceImpl::GetModelStatus(grpc::ServerContext* context, const tfs::GetModelStatusRequest* request,
                                              tfs::GetModelStatusResponse* response) {
  const auto start = std::chrono::steady_clock::now();
  monitoring::RequestScope scope(monitoring::kGrpc, monitoring::kGetModelStatus);
  const Status status = DoGetModelStatus(*manager_, *request, response, &scope);
  return FinishCall(context, scope, start, "/tensorflow.serving.ModelService/GetModelStatus", status, *request,
                    *response);
}

grpc::Status ModelServiceImpl::HandleReloadConfigRequest(grpc::ServerContext* context,
                                                         const tfs::ReloadConfigRequest* request,
                                                         tfs::ReloadConfigResponse* response) {
  const auto start = std::chrono::steady_clock::now();
  monitoring::RequestScope scope(monitoring::kGrpc, monitoring::kReloadConfig);
  Status status = [&]() -> Status {
    if (!reload_) return Unimplemented("HandleReloadConfigRequest is not available on this server");
    // One parser for both paths: the config goes through the same text-format reader and checks
    // as --model_config_file.
    std::string text;
    if (!google::protobuf::TextFormat::PrintToString(request->config(), &text)) {
      return InvalidArgument("ReloadConfigRequest: config cannot be printed");
    }
    SERVAL_ASSIGN_OR_RETURN(std::vector<servable::ModelConfig> models,
                            servable::ParseModelServerConfig(text, "ReloadConfigRequest"));
    return reload_(std::move(models));
  }();
  response->mutable_status()->set_error_code(static_cast<tensorflow::error::Code>(static_cast<int>(status.code())));
  response->mutable_status()->set_error_message(status.message());
  return FinishCall(context, scope, start, "/tensorflow.serving.ModelService/HandleReloadConfigRequest", status,
                    *request, *response);
}

}  // namespace serval::api_grpc
