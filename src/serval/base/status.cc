#include "serval/base/status.h"

namespace serval {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kCancelled: return "CANCELLED";
    case StatusCode::kUnknown: return "UNKNOWN";
    case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::kDeadlineExceeded: return "DEADLINE_EXCEEDED";
    case StatusCode::kNotFound: return "NOT_FOUND";
    case StatusCode::kAlreadyExists: return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied: return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case StatusCode::kAborted: return "ABORTED";
    case StatusCode::kOutOfRange: return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented: return "UNIMPLEMENTED";
    case StatusCode::kInternal: return "INTERNAL";
    case StatusCode::kUnavailable: return "UNAVAILABLE";
    case StatusCode::kDataLoss: return "DATA_LOSS";
    case StatusCode::kUnauthenticated: return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

Status Status::WithContext(std::string_view context) const& {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

Status Status::WithContext(std::string_view context) && {
  if (ok()) return std::move(*this);
  message_.insert(0, std::string(context) + ": ");
  return std::move(*this);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

#define SERVAL_DEFINE_STATUS_FN_(Name, Code) \
  Status Name(std::string message) { return Status(StatusCode::Code, std::move(message)); }
SERVAL_DEFINE_STATUS_FN_(InvalidArgument, kInvalidArgument)
SERVAL_DEFINE_STATUS_FN_(NotFound, kNotFound)
SERVAL_DEFINE_STATUS_FN_(FailedPrecondition, kFailedPrecondition)
SERVAL_DEFINE_STATUS_FN_(Unimplemented, kUnimplemented)
SERVAL_DEFINE_STATUS_FN_(Internal, kInternal)
SERVAL_DEFINE_STATUS_FN_(DataLoss, kDataLoss)
SERVAL_DEFINE_STATUS_FN_(OutOfRange, kOutOfRange)
SERVAL_DEFINE_STATUS_FN_(ResourceExhausted, kResourceExhausted)
SERVAL_DEFINE_STATUS_FN_(Unavailable, kUnavailable)
SERVAL_DEFINE_STATUS_FN_(AlreadyExists, kAlreadyExists)
SERVAL_DEFINE_STATUS_FN_(DeadlineExceeded, kDeadlineExceeded)
SERVAL_DEFINE_STATUS_FN_(Cancelled, kCancelled)
#undef SERVAL_DEFINE_STATUS_FN_

}  // namespace serval
