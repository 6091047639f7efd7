// Ends one gRPC call for monitoring: records its RequestScope (metrics, failed-request log line)
// and, when --access_log_file is set, writes its access-log line (peer, full method, status
// name, latency, request and response sizes).
#pragma once

#include <chrono>

#include <grpcpp/grpcpp.h>

#include "serval/api_grpc/services.h"
#include "serval/monitoring/access_log.h"
#include "serval/monitoring/serving_metrics.h"

namespace serval::api_grpc {

template <typename Request, typename Response>
grpc::Status FinishCall(grpc::ServerContext* context, monitoring::RequestScope& scope,
                        std::chrono::steady_clock::time_point start, const char* full_method,
                        const Status& status, const Request& request, const Response& response) {
  scope.Finish(status);
  if (monitoring::AccessLog* log = monitoring::GlobalAccessLog()) {
    const std::string peer = context != nullptr ? context->peer() : std::string();
    monitoring::AccessRecord r;
    r.peer = peer;
    r.entrypoint = monitoring::kGrpc;
    r.method = "RPC";
    r.target = full_method;
    r.status = StatusCodeName(status.code());
    r.latency = std::chrono::steady_clock::now() - start;
    r.bytes_in = request.ByteSizeLong();
    r.bytes_out = status.ok() ? response.ByteSizeLong() : 0;
    log->Write(r);
  }
  return ToGrpcStatus(status);
}

}  // namespace serval::api_grpc
