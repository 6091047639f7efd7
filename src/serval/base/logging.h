// Minimal leveled logging to stderr, and SERVAL_DCHECK for invariants the code itself guarantees
// (never for anything that came from a file or a request). Thread-safe: one write per line.
#pragma once

#include <string_view>

namespace serval {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetLogLevel(LogLevel level);
void Log(LogLevel level, std::string_view message);

}  // namespace serval

#define SERVAL_LOG_INFO(msg) ::serval::Log(::serval::LogLevel::kInfo, (msg))
#define SERVAL_LOG_WARNING(msg) ::serval::Log(::serval::LogLevel::kWarning, (msg))
#define SERVAL_LOG_ERROR(msg) ::serval::Log(::serval::LogLevel::kError, (msg))

#ifndef NDEBUG
#include <cstdlib>
#define SERVAL_DCHECK(cond)                                                   \
  do {                                                                        \
    if (!(cond)) {                                                            \
      ::serval::Log(::serval::LogLevel::kError, "DCHECK failed: " #cond);     \
      std::abort();                                                           \
    }                                                                         \
  } while (0)
#else
#define SERVAL_DCHECK(cond) \
  do {                      \
  } while (0)
#endif
