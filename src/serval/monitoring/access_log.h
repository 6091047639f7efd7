// The optional access log (--access_log_file): one line per request on either front end,
//   <time> <peer> <entrypoint> <method> <target> <status> <latency_ms> <bytes_in> <bytes_out>
// e.g. `2026-11-25T14:29:42.123Z 127.0.0.1:50312 REST POST /v1/models/mlp:predict 200 1.250 38 61`.
// REST logs the HTTP method, request-target and HTTP status; gRPC logs "RPC", the full method
// name and the gRPC status name. Fields never contain spaces (bytes outside 0x21..0x7e in peer or
// target are %XX-escaped), so the line splits on spaces. See docs/operations.md.
// Thread safety: Write may be called from any thread; lines are never interleaved.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "serval/base/status.h"

namespace serval::monitoring {

struct AccessRecord {
  std::string_view peer;        // "ip:port" ("-" if unknown)
  std::string_view entrypoint;  // "REST" / "GRPC"
  std::string_view method;      // HTTP method, or "RPC"
  std::string_view target;      // request-target, or "/tensorflow.serving.PredictionService/Predict"
  std::string_view status;      // "200", or "OK" / "INVALID_ARGUMENT"
  std::chrono::steady_clock::duration latency{};
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
};

class AccessLog {
 public:
  // "-" is standard output; otherwise the file is opened for appending (created if absent).
  static Result<std::unique_ptr<AccessLog>> Open(const std::string& path);
  ~AccessLog();
  void Write(const AccessRecord& record);
  static std::string FormatLine(const AccessRecord& record,
                                std::chrono::system_clock::time_point now);

 private:
  AccessLog(std::FILE* file, bool owned) : file_(file), owned_(owned) {}
  std::mutex mu_;
  std::FILE* file_;
  bool owned_;
};

// The process-wide access log the front ends write to (nullptr: off). Set before the servers start
// and left in place until they have stopped.
AccessLog* GlobalAccessLog();
void SetGlobalAccessLog(std::unique_ptr<AccessLog> log);

}  // namespace serval::monitoring
