// Server: what tensorflow_model_server runs. Builds the model list (--model_name/--model_base_path,
// or --model_config_file), hands it to a ServableManager (version polling, availability-preserving
// swaps, load retries), and serves it over REST (api::RestServer). With
// --model_config_file_poll_wait_seconds > 0 a thread re-reads the config file; a file that does
// not parse is logged and the previous config stays in force.
//
// With SERVAL_WITH_GRPC (the default build) it also serves TF Serving's gRPC API on --port
// (api_grpc::GrpcServer; 0 = off), including HandleReloadConfigRequest. A model that fails to load does not stop the server: its status shows the error
// and /v2/health/ready answers 503 (TF Serving exits instead).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "serval/api/rest_server.h"
#include "serval/base/status.h"
#include "serval/server/server_options.h"
#include "serval/servable/servable_manager.h"

#ifdef SERVAL_WITH_GRPC
namespace serval::api_grpc {
class GrpcServer;
}  // namespace serval::api_grpc
#endif

namespace serval::server {

class Server {
 public:
  // Loads the configured models (returns once the first load attempt of each finished) and
  // starts the REST server. Errors: a config file that cannot be read or parsed, a REST port that
  // cannot be bound.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();  // Shutdown()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Blocks until Shutdown() has finished (from another thread).
  void Wait();
  // Stops accepting connections, lets in-flight requests finish, stops polling and the config
  // reloads, unloads the models. Idempotent; callable from any thread but the REST io threads.
  void Shutdown();
  // The bound REST port (0 when REST is off).
  int rest_port() const;
  // The bound gRPC port (0 when gRPC is off or not built).
  int grpc_port() const;

  servable::ServableManager* manager() { return manager_.get(); }

 private:
  explicit Server(ServerOptions options);
  void ConfigPollLoop();
  // Re-reads --model_config_file; applies it when it parses and differs from the current one.
  void ReloadConfig();

  ServerOptions options_;
  std::unique_ptr<servable::ServableManager> manager_;
  std::unique_ptr<api::RestServer> rest_;
#ifdef SERVAL_WITH_GRPC
  std::unique_ptr<api_grpc::GrpcServer> grpc_;
#endif
  std::string config_text_;  // the config file content in force

  std::thread config_poller_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::mutex shutdown_mu_;  // one Shutdown at a time
};

// Blocks SIGTERM/SIGINT, starts the server, waits for one of them (sigwait on a dedicated thread,
// no work in a signal handler), then shuts down gracefully. Returns the process exit code: 0 after
// a clean shutdown, 1 when the server could not start. Handles --version.
int RunServerUntilSignalled(const ServerOptions& options);

}  // namespace serval::server
