// Status -> HTTP status code, in one table (serving-spec §1.8, TF Serving's ToHTTPStatusCode),
// and the cap on error messages sent to clients.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "serval/base/status.h"

namespace serval::api {

// OK 200, CANCELLED 499, INVALID_ARGUMENT / FAILED_PRECONDITION / OUT_OF_RANGE 400,
// UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS / ABORTED 409,
// RESOURCE_EXHAUSTED 429, UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, others 500.
int HttpStatusFor(StatusCode code);

// HTTP codes the transport produces itself (not from a Status).
inline constexpr int kHttpPayloadTooLarge = 413;

inline constexpr size_t kMaxErrorMessageBytes = 4096;

// Cuts `message` to at most `max_bytes` (on a UTF-8 boundary) and appends "... [truncated]".
std::string CapMessage(std::string_view message, size_t max_bytes = kMaxErrorMessageBytes);

// The same status with its message capped.
Status CapStatus(const Status& status, size_t max_bytes = kMaxErrorMessageBytes);

}  // namespace serval::api
