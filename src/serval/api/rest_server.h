// RestServer: TF Serving's REST API (spec §1) on Boost.Beast, over a ServableManager. The front end
// holds no model state: every request looks its model up through the manager and holds the
// handle only while it runs. Also serves /v2/health/live and /v2/health/ready.
// Start/Shutdown from one thread; request handling is multi-threaded (num_threads io threads).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "serval/base/status.h"
#include "serval/servable/servable_manager.h"

namespace serval::api {

struct RestOptions {
  std::string address = "0.0.0.0";
  int port = 8501;                      // --rest_api_port (0: pick a free port; see port())
  int num_threads = 0;                  // --rest_api_num_threads (0: number of cores)
  int64_t timeout_ms = 30000;           // --rest_api_timeout_in_ms
  uint64_t max_body_bytes = 256ull << 20;           // refused while streaming, 413
  uint64_t max_decompressed_bytes = 100ull << 20;   // gzip request bodies (TF Serving's cap)
  bool enable_cors = false;             // --rest_api_enable_cors_support: CORS headers on every reply
  std::string metrics_path;             // Prometheus path when monitoring is on ("" = off)
  // Renders the Prometheus text for metrics_path (set by the server layer when enabled).
  std::function<std::string()> metrics;
};

class RestServer {
 public:
  static Result<std::unique_ptr<RestServer>> Start(servable::ServableManager* manager, RestOptions options);
  ~RestServer();  // Shutdown()
  int port() const;
  // Stops accepting, lets in-flight requests finish, joins the io threads. Idempotent.
  void Shutdown();

 private:
  struct Impl;
  explicit RestServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace serval::api
