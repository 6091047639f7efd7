#include "serval/monitoring/access_log.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace serval::monitoring {
namespace {

std::unique_ptr<AccessLog> g_access_log_owner;
std::atomic<AccessLog*> g_access_log{nullptr};

void AppendField(std::string& out, std::string_view field) {
  if (field.empty()) {
    out += '-';
    return;
  }
  static const char kHex[] = "0123456789ABCDEF";
  for (char ch : field) {
    auto c = static_cast<unsigned char>(ch);
    if (c > 0x20 && c < 0x7f && c != '%') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

}  // namespace

Result<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& path) {
  if (path == "-") return std::unique_ptr<AccessLog>(new AccessLog(stdout, false));
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return InvalidArgument("Cannot open --access_log_file '" + path + "': " + std::strerror(errno));
  }
  return std::unique_ptr<AccessLog>(new AccessLog(f, true));
}

AccessLog::~AccessLog() {
  if (owned_) std::fclose(file_);
  else std::fflush(file_);
}

std::string AccessLog::FormatLine(const AccessRecord& r, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char when[40];
  std::snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  char latency[32];
  std::snprintf(latency, sizeof(latency), "%.3f", duration<double, std::milli>(r.latency).count());
  std::string out = when;
  for (std::string_view f : {r.peer, r.entrypoint, r.method, r.target, r.status}) {
    out += ' ';
    AppendField(out, f);
  }
  out += ' ';
  out += latency;
  out += ' ' + std::to_string(r.bytes_in) + ' ' + std::to_string(r.bytes_out) + '\n';
  return out;
}

void AccessLog::Write(const AccessRecord& record) {
  std::string line = FormatLine(record, std::chrono::system_clock::now());
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

AccessLog* GlobalAccessLog() { return g_access_log.load(std::memory_order_acquire); }

void SetGlobalAccessLog(std::unique_ptr<AccessLog> log) {
  g_access_log.store(log.get(), std::memory_order_release);
  g_access_log_owner = std::move(log);
}

}  // namespace serval::monitoring
