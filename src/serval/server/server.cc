#include "serval/server/server.h"

#include <pthread.h>
#include <signal.h>

#include <google/protobuf/text_format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>

#include "serval/base/file.h"
#include "serval/base/logging.h"
#include "serval/base/strings.h"
#include "serval/servable/batching_config.h"
#include "serval/servable/batching_metrics.h"
#include "serval/servable/batching_runner.h"
#include "serval/monitoring/access_log.h"
#include "serval/monitoring/metrics.h"
#include "serval/monitoring/serving_metrics.h"
#include "serval/servable/model_config.h"
#include "tensorflow_serving/config/monitoring_config.pb.h"
#include "serval/servable/warmup.h"
#ifdef SERVAL_WITH_GRPC
// model_server_config.pb.h (through the generated gRPC headers) declares deprecated enum values.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include "serval/api_grpc/grpc_server.h"
#pragma GCC diagnostic pop
#endif

namespace serval::server {
namespace {

std::set<std::string> SplitTags(const std::string& s) {
  std::set<std::string> tags;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, ',')) {
    while (!cur.empty() && cur.front() == ' ') cur.erase(cur.begin());
    while (!cur.empty() && cur.back() == ' ') cur.pop_back();
    if (!cur.empty()) tags.insert(cur);
  }
  return tags;
}

int DefaultThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return 4 * static_cast<int>(n == 0 ? 1 : n);
}

Result<std::vector<servable::ModelConfig>> ReadConfigFile(const std::string& path, std::string* text) {
  SERVAL_ASSIGN_OR_RETURN(*text, ReadFileToString(path, uint64_t{64} << 20));
  return servable::ParseModelServerConfig(*text, path);
}

// --monitoring_config_file (TF Serving's MonitoringConfig text proto) → the Prometheus path, or
// "" when prometheus_config.enable is false.
Result<std::string> ReadMonitoringConfig(const std::string& path) {
  SERVAL_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, uint64_t{1} << 20));
  tensorflow::serving::MonitoringConfig config;
  if (!google::protobuf::TextFormat::ParseFromString(text, &config)) {
    return InvalidArgument(StrCat("'", path, "' is not a MonitoringConfig text proto (expected e.g. ",
                                  "prometheus_config { enable: true path: \"/monitoring/prometheus/metrics\" })"));
  }
  if (!config.prometheus_config().enable()) return std::string();
  std::string metrics_path = config.prometheus_config().path();
  if (metrics_path.empty()) metrics_path = "/monitoring/prometheus/metrics";
  if (metrics_path[0] != '/') {
    return InvalidArgument(
        StrCat("'", path, "': prometheus_config.path must start with '/', got '", metrics_path, "'"));
  }
  return metrics_path;
}

// Logs the models that have no AVAILABLE version after their first load attempt.
void ReportModelStates(const servable::ServableManager& manager) {
  for (const std::string& name : manager.ModelNames()) {
    auto versions = manager.GetStatus(name);
    if (!versions.ok()) continue;
    bool available = false;
    for (const auto& v : *versions) available |= v.state == servable::VersionState::kAvailable;
    for (const auto& v : *versions) {
      if (!v.error.ok()) {
        SERVAL_LOG_ERROR(StrCat("model '", name, "' version ", v.version, " failed to load: ", v.error.message()));
      } else if (v.state == servable::VersionState::kAvailable) {
        SERVAL_LOG_INFO(StrCat("model '", name, "' version ", v.version, " is AVAILABLE"));
      }
    }
    if (versions->empty()) {
      SERVAL_LOG_WARNING(StrCat("model '", name, "': no version found yet under its base path; it will be "
                                "served once a numeric version folder appears"));
    } else if (!available) {
      SERVAL_LOG_WARNING(StrCat("model '", name, "' has no AVAILABLE version; /v2/health/ready answers 503"));
    }
  }
}

// --enable_batching: one shared scheduler; each loaded version gets its queues in a prepare step.
Status AddBatching(const ServerOptions& o, servable::ManagerOptions& mo, int64_t* max_batch_size) {
  if (!o.enable_batching) return Status::Ok();
  servable::BatchingSetup setup;
  if (!o.batching_parameters_file.empty()) {
    SERVAL_ASSIGN_OR_RETURN(std::string text, ReadFileToString(o.batching_parameters_file));
    SERVAL_ASSIGN_OR_RETURN(setup.defaults,
                            servable::ParseBatchingParameters(text, o.batching_parameters_file));
  }
  setup.per_model_files = o.enable_per_model_batching_parameters;
  servable::RegisterBatchingMetrics();
  setup.on_batch = servable::RecordBatchMetrics;
  *max_batch_size = setup.defaults.max_batch_size;
  setup.scheduler = std::make_shared<batching::BatchScheduler>(static_cast<int>(setup.defaults.num_batch_threads));
  SERVAL_LOG_INFO(StrCat("Batching on: max_batch_size ", setup.defaults.max_batch_size, ", batch_timeout_micros ",
                         setup.defaults.batch_timeout_micros, ", max_enqueued_batches ",
                         setup.defaults.max_enqueued_batches, ", ", setup.scheduler->num_threads(), " batch threads"));
  mo.prepare.push_back(servable::MakeBatchingStep(std::move(setup)));
  return Status::Ok();
}

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  std::unique_ptr<Server> server(new Server(options));
  const ServerOptions& o = server->options_;

  std::string metrics_path;
  if (!o.monitoring_config_file.empty()) {
    auto parsed = ReadMonitoringConfig(o.monitoring_config_file);
    if (!parsed.ok()) return parsed.status().WithContext("--monitoring_config_file");
    metrics_path = std::move(*parsed);
  }
  if (!o.access_log_file.empty()) {
    auto log = monitoring::AccessLog::Open(o.access_log_file);
    if (!log.ok()) return log.status();
    monitoring::SetGlobalAccessLog(std::move(*log));
  }
  monitoring::RegisterServingMetrics();  // every metric is listed from the first scrape on

  std::vector<servable::ModelConfig> models;
  if (!o.model_config_file.empty()) {
    auto parsed = ReadConfigFile(o.model_config_file, &server->config_text_);
    if (!parsed.ok()) return parsed.status().WithContext("--model_config_file");
    models = std::move(*parsed);
    if (!o.model_base_path.empty()) {
      SERVAL_LOG_WARNING("--model_base_path and --model_name are ignored because --model_config_file is set");
    }
  } else {
    servable::ModelConfig m;
    m.name = o.model_name;
    m.base_path = o.model_base_path;
    models.push_back(std::move(m));
  }

  servable::ManagerOptions mo;
  mo.max_load_retries = o.max_num_load_retries;
  mo.load_retry_interval_micros = o.load_retry_interval_micros;
  mo.file_system_poll_wait_seconds = o.file_system_poll_wait_seconds;
  mo.session.tags = SplitTags(o.saved_model_tags);
  if (mo.session.tags.empty()) return InvalidArgument("--saved_model_tags names no tag");
  int64_t max_batch_size = 0;  // 0: batching off
  SERVAL_RETURN_IF_ERROR(AddBatching(o, mo, &max_batch_size).WithContext("--batching_parameters_file"));
  // Warmup runs last among the prepare steps, so it goes through whatever they set up (batcher).
  if (o.enable_model_warmup) {
    servable::WarmupOptions wo;
    wo.num_request_iterations = o.num_request_iterations_for_warmup;
    wo.synthetic = o.synthetic_warmup;
    mo.prepare.push_back(servable::MakeWarmupStep(wo));
  }
  server->manager_ = std::make_unique<servable::ServableManager>(mo);

  for (const auto& m : models) SERVAL_LOG_INFO(StrCat("serving model '", m.name, "' from ", m.base_path));
  server->manager_->SetModels(models);
  ReportModelStates(*server->manager_);
  // > 0: poll every N s; 0: the initial scan only (the thread still runs load retries);
  // < 0: never (TF Serving: test only). The manager handles all three.
  server->manager_->StartPolling();

#ifdef SERVAL_WITH_GRPC
  if (o.port != 0) {
    api_grpc::GrpcOptions go;
    go.port = o.port;
    go.max_threads = o.grpc_max_threads;
    go.channel_arguments = o.grpc_channel_arguments;
    go.tensor_content = o.enable_serialization_as_tensor_content;
    go.health_service = o.enable_grpc_healthcheck_service;
    if (!o.ssl_config_file.empty()) {
      auto ssl = ReadFileToString(o.ssl_config_file, uint64_t{1} << 20);
      if (!ssl.ok()) {
        server->manager_->StopPolling();
        return ssl.status().WithContext("--ssl_config_file");
      }
      go.ssl_config_text = std::move(*ssl);
    }
    servable::ServableManager* manager = server->manager_.get();
    go.reload = [manager](std::vector<servable::ModelConfig> models) {
      SERVAL_LOG_INFO(StrCat("HandleReloadConfigRequest: now serving ", models.size(), " model(s)"));
      manager->SetModels(std::move(models));
      ReportModelStates(*manager);
      return Status::Ok();
    };
    auto grpc = api_grpc::GrpcServer::Start(server->manager_.get(), std::move(go));
    if (!grpc.ok()) {
      server->manager_->StopPolling();
      return grpc.status().WithContext(StrCat("gRPC server on port ", o.port));
    }
    server->grpc_ = std::move(*grpc);
    SERVAL_LOG_INFO(StrCat("Running gRPC ModelServer at 0.0.0.0:", server->grpc_->port(), " ..."));
  }
  const bool grpc_on = o.port != 0;
#else
  const bool grpc_on = false;
  if (o.port != 0) {
    SERVAL_LOG_WARNING(StrCat("this Serval was built without gRPC (SERVAL_WITH_GRPC=OFF): --port=", o.port,
                              " is not opened; clients must use the REST API (--rest_api_port)"));
  }
#endif

  if (o.rest_api_port == 0) {
    if (!grpc_on) {
      SERVAL_LOG_WARNING("--rest_api_port and --port are both 0 (or gRPC is not built): this server answers no "
                         "requests; pass --rest_api_port=8501");
    }
  } else if (grpc_on && o.rest_api_port == o.port) {
    SERVAL_LOG_WARNING(StrCat("--rest_api_port equals --port (", o.port, "): REST is not started (as TF Serving)"));
  } else {
    api::RestOptions ro;
    ro.port = o.rest_api_port;
    ro.num_threads = o.rest_api_num_threads > 0 ? o.rest_api_num_threads : DefaultThreads();
    if (o.rest_api_num_threads <= 0 && max_batch_size > 0) {
      // A REST thread waits for its batch, so a batch can only fill from as many requests as there
      // are threads: with the default 4 per core, a 1 ms batch timeout cut throughput 2.6x in
      // bench/run. Default to two batches' worth of threads (capped) when batching is on.
      ro.num_threads = std::max<int>(ro.num_threads, static_cast<int>(std::min<int64_t>(2 * max_batch_size, 256)));
    }
    ro.timeout_ms = o.rest_api_timeout_in_ms;
    ro.max_body_bytes = o.rest_api_max_body_bytes;
    if (!metrics_path.empty()) {
      ro.metrics_path = metrics_path;
      ro.metrics = [] { return monitoring::Registry::Global().ExportPrometheus(); };
    }
    // A lowered body limit also bounds a gzip body once inflated (else a 1 MB limit still let a
    // 100 KB gzip bomb make the server hold 100 MB).
    ro.max_decompressed_bytes = std::min<uint64_t>(ro.max_decompressed_bytes, o.rest_api_max_body_bytes);
    auto rest = api::RestServer::Start(server->manager_.get(), ro);
    if (!rest.ok()) {
#ifdef SERVAL_WITH_GRPC
      if (server->grpc_) server->grpc_->Shutdown();
#endif
      server->manager_->StopPolling();
      return rest.status().WithContext(StrCat("REST server on port ", o.rest_api_port));
    }
    server->rest_ = std::move(*rest);
    SERVAL_LOG_INFO(StrCat("Exporting HTTP/REST API at:localhost:", server->rest_->port(), " ..."));
    if (!metrics_path.empty()) {
      SERVAL_LOG_INFO(StrCat("Prometheus metrics at localhost:", server->rest_->port(), metrics_path));
    }
  }
  if (!metrics_path.empty() && !server->rest_) {
    SERVAL_LOG_WARNING("--monitoring_config_file enables Prometheus, but metrics are served on the REST port only "
                       "and REST is off");
  }

  if (!o.model_config_file.empty() && o.model_config_file_poll_wait_seconds > 0) {
    server->config_poller_ = std::thread([s = server.get()] { s->ConfigPollLoop(); });
  }
  return server;
}

Server::~Server() { Shutdown(); }

void Server::ConfigPollLoop() {
  const auto period = std::chrono::seconds(options_.model_config_file_poll_wait_seconds);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (cv_.wait_for(lock, period, [this] { return stopping_; })) break;
    lock.unlock();
    ReloadConfig();
    lock.lock();
  }
}

void Server::ReloadConfig() {
  std::string text;
  auto parsed = ReadConfigFile(options_.model_config_file, &text);
  if (!parsed.ok()) {
    SERVAL_LOG_ERROR(StrCat("--model_config_file: ", parsed.status().message(),
                            "; the previous config stays in force"));
    return;
  }
  if (text == config_text_) return;
  SERVAL_LOG_INFO(StrCat("--model_config_file changed: now serving ", parsed->size(), " model(s)"));
  manager_->SetModels(std::move(*parsed));
  config_text_ = std::move(text);
  ReportModelStates(*manager_);
}

void Server::Shutdown() {
  std::lock_guard shutdown_lock(shutdown_mu_);
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (config_poller_.joinable()) config_poller_.join();
  if (rest_) rest_->Shutdown();  // stop accepting, finish in-flight requests
#ifdef SERVAL_WITH_GRPC
  if (grpc_) grpc_->Shutdown();
#endif
  if (manager_) manager_->StopPolling();
  rest_.reset();
#ifdef SERVAL_WITH_GRPC
  grpc_.reset();
#endif
  manager_.reset();  // unloads every model
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

void Server::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stopped_; });
}

int Server::rest_port() const { return rest_ ? rest_->port() : 0; }

int Server::grpc_port() const {
#ifdef SERVAL_WITH_GRPC
  return grpc_ ? grpc_->port() : 0;
#else
  return 0;
#endif
}

int RunServerUntilSignalled(const ServerOptions& options) {
  if (options.version) {
    std::cout << VersionString() << std::endl;
    return 0;
  }
  // Block the signals in this thread before any other thread exists, so every thread inherits
  // the mask and only the sigwait thread below receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  LogUnimplementedFlags(options);
  auto server = Server::Start(options);
  if (!server.ok()) {
    SERVAL_LOG_ERROR(StrCat("Failed to start server: ", server.status().message()));
    return 1;
  }
  Server* s = server->get();
  std::thread waiter([&set, s] {
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    SERVAL_LOG_INFO(StrCat("received ", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                           ": stopping (finishing in-flight requests)"));
    s->Shutdown();
  });
  s->Wait();
  waiter.join();
  server->reset();
  SERVAL_LOG_INFO("server stopped");
  return 0;
}

}  // namespace serval::server
