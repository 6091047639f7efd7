#include "serval/api_grpc/grpc_server.h"

#include <google/protobuf/text_format.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>

#include <climits>
#include <sstream>

#ifdef SERVAL_GRPC_REFLECTION
#include <google/protobuf/generated_message_reflection.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>

#include "tensorflow_serving/apis/model_service.pb.h"
#include "tensorflow_serving/apis/prediction_service.pb.h"
#endif

#include "serval/base/strings.h"
#include "tensorflow_serving/config/ssl_config.pb.h"

namespace serval::api_grpc {
namespace {

// TF Serving's SSLConfig: mutual TLS when client_verify, else server-side TLS only.
Result<std::shared_ptr<grpc::ServerCredentials>> Credentials(const std::string& ssl_config_text) {
  if (ssl_config_text.empty()) return grpc::InsecureServerCredentials();
  tensorflow::serving::SSLConfig config;
  if (!google::protobuf::TextFormat::ParseFromString(ssl_config_text, &config)) {
    return InvalidArgument("--ssl_config_file is not a valid SSLConfig text proto");
  }
  if (config.server_key().empty() || config.server_cert().empty()) {
    return InvalidArgument("--ssl_config_file: server_key and server_cert are required");
  }
  if (config.client_verify() && config.custom_ca().empty()) {
    return InvalidArgument("--ssl_config_file: client_verify needs custom_ca");
  }
  grpc::SslServerCredentialsOptions options(config.client_verify()
                                                ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                                : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({config.server_key(), config.server_cert()});
  options.pem_root_certs = config.custom_ca();
  return grpc::SslServerCredentials(options);
}

// "k=v,k=v": integer values are set as integers, everything else as strings (as TF Serving).
Status AddChannelArguments(const std::string& text, grpc::ServerBuilder* builder) {
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgument(StrCat("--grpc_channel_arguments: '", item, "' is not key=value"));
    }
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    try {
      size_t used = 0;
      const long long n = std::stoll(value, &used);
      if (used == value.size() && n >= INT_MIN && n <= INT_MAX) {
        builder->AddChannelArgument(key, static_cast<int>(n));
        continue;
      }
    } catch (const std::exception&) {
    }
    builder->AddChannelArgument(key, value);
  }
  return Status::Ok();
}

}  // namespace

bool ReflectionAvailable() {
#ifdef SERVAL_GRPC_REFLECTION
  return true;
#else
  return false;
#endif
}

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(servable::ServableManager* manager, GrpcOptions options) {
  std::unique_ptr<GrpcServer> server(new GrpcServer());
  server->manager_ = manager;
  server->prediction_ = std::make_unique<PredictionServiceImpl>(manager, options.tensor_content);
  server->model_ = std::make_unique<ModelServiceImpl>(manager, std::move(options.reload));

  SERVAL_ASSIGN_OR_RETURN(auto credentials, Credentials(options.ssl_config_text));
  grpc::EnableDefaultHealthCheckService(options.health_service);
#ifdef SERVAL_GRPC_REFLECTION
  // Registers a builder plugin process-wide; a server built with reflection=false after one built
  // with it still gets it, which only matters to tests that mix both.
  if (options.reflection) {
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    // The service-only .proto files define no class the server uses, so a static link drops
    // their objects and the generated pool would not know PredictionService/ModelService;
    // referencing their descriptor tables keeps them (and registers them now).
    google::protobuf::internal::AssignDescriptors(
        &descriptor_table_tensorflow_5fserving_2fapis_2fprediction_5fservice_2eproto);
    google::protobuf::internal::AssignDescriptors(&descriptor_table_tensorflow_5fserving_2fapis_2fmodel_5fservice_2eproto);
  }
#endif
  grpc::ServerBuilder builder;
  builder.AddListeningPort(StrCat(options.address, ":", options.port), credentials, &server->port_);
  builder.RegisterService(server->prediction_.get());
  builder.RegisterService(server->model_.get());
  builder.SetMaxReceiveMessageSize(INT_MAX);
  builder.SetMaxSendMessageSize(INT_MAX);
  if (options.max_threads > 0) {
    grpc::ResourceQuota quota("serval_grpc");
    quota.SetMaxThreads(options.max_threads);
    builder.SetResourceQuota(quota);
  }
  SERVAL_RETURN_IF_ERROR(AddChannelArguments(options.channel_arguments, &builder));
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return Unavailable(StrCat("cannot listen for gRPC on ", options.address, ":", options.port));
  }
  if (options.health_service) {
    grpc::HealthCheckServiceInterface* health = server->server_->GetHealthCheckService();
    if (health != nullptr) {
      health->SetServingStatus("ModelService", true);
      health->SetServingStatus("PredictionService", true);
      server->RefreshHealth();
      server->health_thread_ = std::thread([s = server.get()] { s->HealthLoop(); });
    }
  }
  return server;
}

GrpcServer::~GrpcServer() { Shutdown(); }

void GrpcServer::RefreshHealth() {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  const std::vector<std::string> names = manager_->ModelNames();
  std::set<std::string> current(names.begin(), names.end());
  for (const std::string& name : names) health->SetServingStatus(name, manager_->Get(name).ok());
  for (const std::string& gone : health_names_) {
    if (!current.count(gone)) health->SetServingStatus(gone, false);
  }
  health_names_.insert(current.begin(), current.end());
  health->SetServingStatus("", manager_->AllModelsReady());
}

void GrpcServer::HealthLoop() {
  std::unique_lock<std::mutex> lock(health_mu_);
  while (!health_cv_.wait_for(lock, kHealthRefresh, [this] { return health_stop_; })) {
    lock.unlock();
    RefreshHealth();
    lock.lock();
  }
}

void GrpcServer::Shutdown() {
  if (health_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(health_mu_);
      health_stop_ = true;
    }
    health_cv_.notify_all();
    health_thread_.join();
  }
  if (!server_) return;
  server_->Shutdown();  // waits for in-flight calls
  server_->Wait();
  server_.reset();
}

}  // namespace serval::api_grpc
