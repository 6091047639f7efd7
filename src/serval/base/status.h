// Status and Result<T>: Serval's error values. Every layer returns these; nothing throws across
// layers. Codes are the canonical gRPC/absl codes, so the gRPC mapping is a cast and the HTTP
// mapping is one table (api/status_mapping). Messages grow outward: each layer prefixes what it
// knows with WithContext ("model 'm' version 3: node 'x' (MatMul): inner dimensions differ ...").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace serval {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<context>: <message>". No-op on OK.
  Status WithContext(std::string_view context) const&;
  Status WithContext(std::string_view context) &&;

  // "INVALID_ARGUMENT: message", for logs and tests.
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status FailedPrecondition(std::string message);
Status Unimplemented(std::string message);
Status Internal(std::string message);
Status DataLoss(std::string message);
Status OutOfRange(std::string message);
Status ResourceExhausted(std::string message);
Status Unavailable(std::string message);
Status AlreadyExists(std::string message);
Status DeadlineExceeded(std::string message);
Status Cancelled(std::string message);

// Result<T>: a T or a non-OK Status. Constructing from an OK Status is a programming error and
// yields an Internal status instead (never UB).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) v_ = Status(StatusCode::kInternal, "Result built from OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

namespace internal {
inline Status AsStatus(const Status& s) { return s; }
template <typename T>
Status AsStatus(const Result<T>& r) { return r.status(); }
}  // namespace internal

}  // namespace serval

#define SERVAL_CONCAT_INNER_(a, b) a##b
#define SERVAL_CONCAT_(a, b) SERVAL_CONCAT_INNER_(a, b)

#define SERVAL_RETURN_IF_ERROR(expr)                                   \
  do {                                                                 \
    ::serval::Status serval_status_ = ::serval::internal::AsStatus(expr); \
    if (!serval_status_.ok()) return serval_status_;                   \
  } while (0)

// SERVAL_ASSIGN_OR_RETURN(auto x, MakeX()); — declares/assigns from a Result or returns its error.
#define SERVAL_ASSIGN_OR_RETURN(lhs, rexpr) \
  SERVAL_ASSIGN_OR_RETURN_IMPL_(SERVAL_CONCAT_(serval_result_, __LINE__), lhs, rexpr)
#define SERVAL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
