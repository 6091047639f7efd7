#include "serval/server/server_options.h"

#include <algorithm>
#include <map>
#include <thread>

#include "serval/base/logging.h"
#include "serval/base/strings.h"

#ifndef SERVAL_VERSION_STRING
#define SERVAL_VERSION_STRING "0.1.0"
#endif

namespace serval::server {
namespace {

// Every flag Serval accepts, in §3.1's order; `add` makes the CLI11 option.
template <typename T>
void Opt(CLI::App& app, const std::string& name, T* v, const std::string& help) {
  app.add_option("--" + name, *v, help)->capture_default_str();
}
void Flag(CLI::App& app, const std::string& name, bool* v, const std::string& help) {
  // A CLI11 flag accepts `--name`, `--name=true|false|1|0` — TF's bool syntax.
  app.add_flag("--" + name, *v, help)->capture_default_str();
}

struct Unimplemented {
  const char* flag;
  const char* why;
};
// Accepted, logged as a warning when given. Keep README's "Serving" section in step.
constexpr Unimplemented kUnimplemented[] = {
    {"grpc_socket_path", "gRPC listens on --port only (no UNIX socket)"},
#ifndef SERVAL_WITH_GRPC
    {"grpc_channel_arguments", "this build has no gRPC (SERVAL_WITH_GRPC=OFF)"},
    {"grpc_max_threads", "this build has no gRPC (SERVAL_WITH_GRPC=OFF)"},
    {"enable_grpc_healthcheck_service", "this build has no gRPC (SERVAL_WITH_GRPC=OFF); use GET /v2/health/ready"},
    {"ssl_config_file", "this build has no gRPC (SERVAL_WITH_GRPC=OFF); terminate TLS in front of Serval"},
    {"enable_serialization_as_tensor_content", "it only affects gRPC responses, and this build has no gRPC"},
#endif
    {"use_alts_credentials", "ALTS is not supported; use --ssl_config_file"},
    {"enable_profiler", "there is no TSL profiler service in Serval"},
    {"rest_api_enable_cors_support", "no CORS headers are added yet"},
    {"flush_filesystem_caches", "Serval reads local files directly and keeps no file-system cache to flush"},
    {"num_load_threads", "versions load on the manager's thread"},
    {"num_unload_threads", "versions unload on the manager's thread"},
    {"allow_version_labels_for_unavailable_models", "labels are resolved when a request arrives"},
    {"tensorflow_session_parallelism", "Serval sizes its own thread pools"},
    {"tensorflow_intra_op_parallelism", "Serval sizes its own thread pools"},
    {"tensorflow_inter_op_parallelism", "Serval sizes its own thread pools"},
    {"tensorflow_session_config_file", "there is no TensorFlow session to configure"},
    {"per_process_gpu_memory_fraction", "Serval runs on CPU only"},
    {"platform_config_file", "only the built-in 'tensorflow' platform exists"},
    {"enable_signature_method_name_check", "method names are not enforced yet"},
    {"remove_unused_fields_from_bundle_metagraph", "Serval never keeps the graph in the metadata it serves"},
    {"thread_pool_factory_config_file", "custom per-request thread pools are not supported"},
    {"mixed_precision", "kernels run in the model's own precision"},
    {"prefer_tflite_model", "there is no TFLite path"},
    {"num_tflite_pools", "there is no TFLite path"},
    {"num_tflite_interpreters_per_pool", "there is no TFLite path"},
    {"xla_cpu_compilation_enabled", "there is no XLA JIT"},
    {"xla_gpu_compilation_enabled", "Serval runs on CPU only"},
    {"skip_initialize_tpu", "Serval runs on CPU only"},
};

}  // namespace

void AddServerFlags(CLI::App& app, ServerOptions* o) {
  // gRPC.
  Opt(app, "port", &o->port, "gRPC port (0: gRPC off)");
  Opt(app, "grpc_socket_path", &o->grpc_socket_path, "UNIX socket for gRPC (not implemented yet)");
  Opt(app, "grpc_channel_arguments", &o->grpc_channel_arguments, "gRPC channel arguments k=v,k=v");
  Opt(app, "grpc_max_threads", &o->grpc_max_threads, "gRPC server threads (0: gRPC's default)");
  Flag(app, "enable_grpc_healthcheck_service", &o->enable_grpc_healthcheck_service,
       "grpc.health.v1.Health (ModelService, PredictionService: SERVING)");
  Opt(app, "ssl_config_file", &o->ssl_config_file, "SSLConfig text proto for gRPC (TLS, mutual TLS)");
  Flag(app, "use_alts_credentials", &o->use_alts_credentials, "ALTS for gRPC (not implemented)");
  Flag(app, "enable_serialization_as_tensor_content", &o->enable_serialization_as_tensor_content,
       "gRPC responses use tensor_content instead of typed *_val fields");
  Flag(app, "enable_profiler", &o->enable_profiler, "TSL profiler (not implemented)");
  // REST.
  Opt(app, "rest_api_port", &o->rest_api_port, "HTTP/REST port (0: REST off)");
  Opt(app, "rest_api_num_threads", &o->rest_api_num_threads, "HTTP worker threads (0: 4 x #CPUs)");
  Opt(app, "rest_api_timeout_in_ms", &o->rest_api_timeout_in_ms, "per-request timeout in milliseconds");
  Flag(app, "rest_api_enable_cors_support", &o->rest_api_enable_cors_support, "add CORS headers (not implemented yet)");
  Opt(app, "rest_api_max_body_bytes", &o->rest_api_max_body_bytes,
      "Serval only: largest request body accepted, also once a gzip body is inflated (bigger bodies get 413)");
  // Models.
  Opt(app, "model_name", &o->model_name, "model name in single-model mode (ignored with --model_config_file)");
  Opt(app, "model_base_path", &o->model_base_path, "folder of numeric version folders (single-model mode)");
  Opt(app, "model_config_file", &o->model_config_file, "ModelServerConfig text proto listing the models");
  Opt(app, "model_config_file_poll_wait_seconds", &o->model_config_file_poll_wait_seconds,
      "re-read --model_config_file every N seconds (0: read once)");
  Opt(app, "file_system_poll_wait_seconds", &o->file_system_poll_wait_seconds,
      "poll base paths for new versions every N seconds (0: once at start; negative: never)");
  Flag(app, "flush_filesystem_caches", &o->flush_filesystem_caches, "flush file-system caches after loads (no effect)");
  Opt(app, "num_load_threads", &o->num_load_threads, "load thread pool (not implemented yet)");
  Opt(app, "num_unload_threads", &o->num_unload_threads, "unload thread pool (not implemented yet)");
  Opt(app, "max_num_load_retries", &o->max_num_load_retries, "retries after a failed load");
  Opt(app, "load_retry_interval_micros", &o->load_retry_interval_micros, "delay between load retries");
  Flag(app, "allow_version_labels_for_unavailable_models", &o->allow_version_labels_for_unavailable_models,
       "allow new labels on versions not loaded yet (not implemented yet)");
  Opt(app, "saved_model_tags", &o->saved_model_tags, "comma-separated MetaGraphDef tags to load");
  // Batching.
  Flag(app, "enable_batching", &o->enable_batching, "merge concurrent requests into batches (dynamic batching)");
  Opt(app, "batching_parameters_file", &o->batching_parameters_file, "BatchingParameters text proto (needs --enable_batching)");
  Flag(app, "enable_per_model_batching_parameters", &o->enable_per_model_batching_parameters,
       "read batching_params.pbtxt from each version folder");
  // Session / platform.
  Opt(app, "tensorflow_session_parallelism", &o->tensorflow_session_parallelism, "(not implemented)");
  Opt(app, "tensorflow_intra_op_parallelism", &o->tensorflow_intra_op_parallelism, "(not implemented)");
  Opt(app, "tensorflow_inter_op_parallelism", &o->tensorflow_inter_op_parallelism, "(not implemented)");
  Opt(app, "tensorflow_session_config_file", &o->tensorflow_session_config_file, "(not implemented)");
  Opt(app, "per_process_gpu_memory_fraction", &o->per_process_gpu_memory_fraction, "(no effect: CPU only)");
  Opt(app, "platform_config_file", &o->platform_config_file, "PlatformConfigMap (not implemented)");
  Flag(app, "enable_model_warmup", &o->enable_model_warmup,
       "replay <version>/assets.extra/tf_serving_warmup_requests before a version is AVAILABLE");
  Opt(app, "num_request_iterations_for_warmup", &o->num_request_iterations_for_warmup,
      "replay each warmup record this many times (0: once)");
  Flag(app, "synthetic_warmup", &o->synthetic_warmup,
       "Serval only: without a warmup file, run each signature once on zeros shaped from the signature "
       "(failures are warnings)");
  Opt(app, "monitoring_config_file", &o->monitoring_config_file,
      "MonitoringConfig text proto: prometheus_config { enable: true path: \"/monitoring/prometheus/metrics\" }");
  Opt(app, "access_log_file", &o->access_log_file,
      "Serval only: one line per REST/gRPC request to this file ('-': standard output)");
  Flag(app, "enable_signature_method_name_check", &o->enable_signature_method_name_check, "(not implemented yet)");
  Flag(app, "remove_unused_fields_from_bundle_metagraph", &o->remove_unused_fields_from_bundle_metagraph,
       "(no effect)");
  Opt(app, "thread_pool_factory_config_file", &o->thread_pool_factory_config_file, "(not implemented)");
  Opt(app, "mixed_precision", &o->mixed_precision, "(not implemented)");
  Flag(app, "prefer_tflite_model", &o->prefer_tflite_model, "(not implemented)");
  Opt(app, "num_tflite_pools", &o->num_tflite_pools, "(not implemented)");
  Opt(app, "num_tflite_interpreters_per_pool", &o->num_tflite_interpreters_per_pool, "(not implemented)");
  Flag(app, "xla_cpu_compilation_enabled", &o->xla_cpu_compilation_enabled, "(not implemented)");
  Flag(app, "xla_gpu_compilation_enabled", &o->xla_gpu_compilation_enabled, "(no effect: CPU only)");
  Flag(app, "skip_initialize_tpu", &o->skip_initialize_tpu, "(no effect: CPU only)");
  Flag(app, "version", &o->version, "print the version and exit");
}

Status FinishServerOptions(const CLI::App& app, ServerOptions* o) {
  o->given.clear();
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->count() == 0) continue;
    std::string name = opt->get_name();  // "--flag"
    while (!name.empty() && name.front() == '-') name.erase(name.begin());
    o->given.insert(name);
  }
  if (o->version) return Status::Ok();
  if (o->model_base_path.empty() && o->model_config_file.empty()) {
    return InvalidArgument(
        "Both --model_base_path and --model_config_file are empty: give --model_name and "
        "--model_base_path for one model, or --model_config_file for several");
  }
  if (!o->batching_parameters_file.empty() && !o->enable_batching) {
    return InvalidArgument("--batching_parameters_file is set without --enable_batching");
  }
  if (o->tensorflow_session_parallelism != 0 && o->tensorflow_intra_op_parallelism != 0 &&
      o->tensorflow_inter_op_parallelism != 0) {
    return InvalidArgument(
        "Either --tensorflow_session_parallelism or --tensorflow_intra_op_parallelism and "
        "--tensorflow_inter_op_parallelism can be set, not all three");
  }
  if (o->rest_api_port < 0 || o->rest_api_port > 65535) {
    return InvalidArgument(StrCat("--rest_api_port=", o->rest_api_port, " is not a TCP port"));
  }
  if (o->port < 0 || o->port > 65535) return InvalidArgument(StrCat("--port=", o->port, " is not a TCP port"));
  if (o->rest_api_num_threads < 0) return InvalidArgument("--rest_api_num_threads must not be negative");
  if (o->rest_api_max_body_bytes == 0) return InvalidArgument("--rest_api_max_body_bytes must be positive");
  if (o->max_num_load_retries < 0) return InvalidArgument("--max_num_load_retries must not be negative");
  if (o->num_request_iterations_for_warmup < 0) {
    return InvalidArgument("--num_request_iterations_for_warmup must not be negative");
  }
  if (o->load_retry_interval_micros < 0) return InvalidArgument("--load_retry_interval_micros must not be negative");
  if (o->model_config_file_poll_wait_seconds < 0) {
    return InvalidArgument("--model_config_file_poll_wait_seconds must not be negative");
  }
  return Status::Ok();
}

Result<ServerOptions> ParseServerOptions(const std::vector<std::string>& args) {
  ServerOptions options;
  CLI::App app{"tensorflow_model_server"};
  AddServerFlags(app, &options);
  std::vector<std::string> rev(args.size() > 1 ? args.begin() + 1 : args.end(), args.end());
  std::reverse(rev.begin(), rev.end());  // CLI11 takes a reversed vector
  try {
    app.parse(rev);
  } catch (const CLI::ParseError& e) {
    return InvalidArgument(StrCat("bad command line: ", e.what()));
  }
  SERVAL_RETURN_IF_ERROR(FinishServerOptions(app, &options));
  return options;
}

void LogUnimplementedFlags(const ServerOptions& o) {
  // A bool flag set to false asks for what Serval does anyway (no batching, no warmup, ...).
  const std::map<std::string, bool> bools = {
      {"enable_grpc_healthcheck_service", o.enable_grpc_healthcheck_service},
      {"use_alts_credentials", o.use_alts_credentials},
      {"enable_serialization_as_tensor_content", o.enable_serialization_as_tensor_content},
      {"enable_profiler", o.enable_profiler},
      {"rest_api_enable_cors_support", o.rest_api_enable_cors_support},
      {"flush_filesystem_caches", o.flush_filesystem_caches},
      {"allow_version_labels_for_unavailable_models", o.allow_version_labels_for_unavailable_models},
      {"enable_signature_method_name_check", o.enable_signature_method_name_check},
      {"remove_unused_fields_from_bundle_metagraph", o.remove_unused_fields_from_bundle_metagraph},
      {"prefer_tflite_model", o.prefer_tflite_model},
      {"xla_cpu_compilation_enabled", o.xla_cpu_compilation_enabled},
      {"xla_gpu_compilation_enabled", o.xla_gpu_compilation_enabled},
      {"skip_initialize_tpu", o.skip_initialize_tpu},
  };
  for (const auto& u : kUnimplemented) {
    if (!o.Given(u.flag)) continue;
    if (auto it = bools.find(u.flag); it != bools.end() && !it->second) continue;
    SERVAL_LOG_WARNING(StrCat("flag --", u.flag, " is accepted but not implemented yet; ", u.why));
  }
}

std::string VersionString() {
  return StrCat("Serval ModelServer: ", SERVAL_VERSION_STRING,
                " (drop-in for TensorFlow ModelServer; REST API of TF Serving 2.x)");
}

}  // namespace serval::server
