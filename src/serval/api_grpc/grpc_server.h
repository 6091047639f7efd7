// GrpcServer: TF Serving's gRPC front end (PredictionService, ModelService, optionally
// grpc.health.v1.Health, and server reflection when built with Debian's grpc++_reflection) on one
// port, over a ServableManager. Message size limits are INT_MAX both ways as in TF Serving;
// --grpc_channel_arguments may override them.
//
// Health (--enable_grpc_healthcheck_service): besides TF Serving's "ModelService" and
// "PredictionService" (always SERVING), every configured model name is a service, SERVING while it
// has an AVAILABLE version and NOT_SERVING otherwise (also once it is removed from the config); ""
// (the overall status Kubernetes' gRPC probe asks for) is SERVING only while every configured
// model is ready, like REST /v2/health/ready. Names never configured answer NOT_FOUND. A
// background thread refreshes these every kHealthRefresh, so Watch streams see changes too.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

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
  bool reflection = true;                // grpc.reflection.v1alpha (only if built with it)
  ReloadFunction reload;                 // HandleReloadConfigRequest (nullptr: UNIMPLEMENTED)
};

// True when this build links gRPC's server reflection (SERVAL_GRPC_REFLECTION).
bool ReflectionAvailable();

class GrpcServer {
 public:
  static constexpr std::chrono::milliseconds kHealthRefresh{250};

  // manager must outlive the server. Fails when the port cannot be bound or the SSL config or
  // channel arguments do not parse.
  static Result<std::unique_ptr<GrpcServer>> Start(servable::ServableManager* manager, GrpcOptions options);
  ~GrpcServer();  // Shutdown()
  int port() const { return port_; }
  // Stops accepting, lets in-flight calls finish. Idempotent.
  void Shutdown();

 private:
  GrpcServer() = default;
  void HealthLoop();
  void RefreshHealth();

  servable::ServableManager* manager_ = nullptr;
  std::unique_ptr<PredictionServiceImpl> prediction_;
  std::unique_ptr<ModelServiceImpl> model_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  // Health refresher (only with health_service).
  std::thread health_thread_;
  std::mutex health_mu_;
  std::condition_variable health_cv_;
  bool health_stop_ = false;           // guarded by health_mu_
  std::set<std::string> health_names_;  // model names ever reported; health thread only
};

}  // namespace serval::api_grpc
