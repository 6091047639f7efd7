// ServerOptions: tensorflow_model_server's command-line flags (serving-spec §3.1) with TF
// Serving's names and defaults, parsed with CLI11. Flags use TF's syntax: `--flag=value` (or
// `--flag value`), and bools as `--flag`, `--flag=true` or `--flag=false`. A flag Serval does not
// implement yet is accepted and logged as a warning when given (LogUnimplementedFlags), never
// silently ignored. Serval-only flags: --rest_api_max_body_bytes, --access_log_file, --synthetic_warmup.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "serval/base/status.h"

namespace serval::server {

struct ServerOptions {
  // gRPC (served with SERVAL_WITH_GRPC; grpc_socket_path and ALTS are accepted, not implemented).
  int port = 8500;
  std::string grpc_socket_path;
  std::string grpc_channel_arguments;
  int grpc_max_threads = 0;  // 0: gRPC's default
  bool enable_grpc_healthcheck_service = false;
  std::string ssl_config_file;
  bool use_alts_credentials = false;
  bool enable_serialization_as_tensor_content = false;
  bool enable_profiler = true;

  // REST.
  int rest_api_port = 0;         // 0: REST off
  int rest_api_num_threads = 0;  // 0: 4 x #CPUs (TF's default)
  int64_t rest_api_timeout_in_ms = 30000;
  bool rest_api_enable_cors_support = false;
  uint64_t rest_api_max_body_bytes = 256ull << 20;  // Serval only

  // Models.
  std::string model_name = "default";
  std::string model_base_path;
  std::string model_config_file;
  int model_config_file_poll_wait_seconds = 0;
  int file_system_poll_wait_seconds = 1;
  bool flush_filesystem_caches = true;
  int num_load_threads = 0;
  int num_unload_threads = 0;
  int max_num_load_retries = 5;
  int64_t load_retry_interval_micros = 60'000'000;
  bool allow_version_labels_for_unavailable_models = false;
  std::string saved_model_tags = "serve";

  // Batching.
  bool enable_batching = false;
  std::string batching_parameters_file;
  bool enable_per_model_batching_parameters = false;

  // Session / platform.
  int tensorflow_session_parallelism = 0;
  int tensorflow_intra_op_parallelism = 0;
  int tensorflow_inter_op_parallelism = 0;
  std::string tensorflow_session_config_file;
  double per_process_gpu_memory_fraction = 0;
  std::string platform_config_file;
  bool enable_model_warmup = true;
  int num_request_iterations_for_warmup = 0;
  bool synthetic_warmup = false;  // Serval only
  std::string monitoring_config_file;
  std::string access_log_file;  // Serval only: access log path, "-" = stdout, "" = off
  bool enable_signature_method_name_check = false;
  bool remove_unused_fields_from_bundle_metagraph = true;
  std::string thread_pool_factory_config_file;
  std::string mixed_precision;
  bool prefer_tflite_model = false;
  int num_tflite_pools = 0;
  int num_tflite_interpreters_per_pool = 1;
  bool xla_cpu_compilation_enabled = false;
  bool xla_gpu_compilation_enabled = false;
  bool skip_initialize_tpu = false;

  bool version = false;  // --version: print and exit

  // Names (without "--") of the flags given on the command line; filled by ParseServerOptions /
  // FinishServerOptions.
  std::set<std::string> given;
  bool Given(const std::string& flag) const { return given.count(flag) != 0; }
};

// Registers every flag on `app` (the `serve` subcommand or tensorflow_model_server's own app),
// writing into *options, which must outlive the parse.
void AddServerFlags(CLI::App& app, ServerOptions* options);

// After app.parse(): records which flags were given and validates combinations the way TF
// Serving does (one of --model_base_path / --model_config_file, --batching_parameters_file only
// with --enable_batching, not all three parallelism flags, ...).
Status FinishServerOptions(const CLI::App& app, ServerOptions* options);

// Parses a whole command line (argv[0] is the program name). For tests and simple mains.
Result<ServerOptions> ParseServerOptions(const std::vector<std::string>& args);

// Logs one warning per given flag that Serval accepts but does not implement yet.
void LogUnimplementedFlags(const ServerOptions& options);

// "Serval ModelServer: 0.1.0 ..." for --version.
std::string VersionString();

}  // namespace serval::server
