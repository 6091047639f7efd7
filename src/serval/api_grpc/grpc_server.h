// GrpcServer: TF Serving's gRPC front end (PredictionService, ModelService, optionally
// grpc.health.v1.Health) on one port, over a ServableManager. Message size limits are INT_MAX
// both ways as in TF Serving; --grpc_channel_arguments may override them.
#pragma once

#include <memory>
#include <string>

#include "serval/api_grpc/services.h"
#include "serval/base/status.h"
#include "serval/servable/servable_manager.h"

namespace serval::api_grpc {

struct GrpcOptions {
  std::string address = "0.0.0.0";
  int port = 8500;                       // --port (0: pick a free port; see port())
  int max_threads = 0;                   // --grpc_max_threads (0: gRPC's default)
  std::string channel_arguments;         // --grpc_channel_arguments "k=v,k=v" (int or string values)
  std::string ssl_config_text;           // contents of --ssl_config_file ("" = insecure)
  bool tensor_content = false;           // --enable_serialization_as_tensor_content
  bool health_service = false;           // --enable_grpc_healthcheck_service
  ReloadFunction reload;                 // HandleReloadConfigRequest (nullptr: UNIMPLEMENTED)
};

class GrpcServer {
 public:
  // manager must outlive the server. Fails when the port cannot be bound or the SSL config or
  // channel arguments do not parse.
  static Result<std::unique_ptr<GrpcServer>> Start(servable::ServableManager* manager, GrpcOptions options);
  ~GrpcServer();  // Shutdown()
  int port() const { return port_; }
  // Stops accepting, lets in-flight calls finish. Idempotent.
  void Shutdown();

 private:
  GrpcServer() = default;
  std::unique_ptr<PredictionServiceImpl> prediction_;
  std::unique_ptr<ModelServiceImpl> model_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace serval::api_grpc
