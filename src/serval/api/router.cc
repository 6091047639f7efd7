#include "serval/api/router.h"

#include <charconv>
#include <vector>

namespace serval::api {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A [^/:]+ token.
bool IsNameToken(std::string_view s) {
  return !s.empty() && s.find_first_of("/:") == std::string_view::npos;
}

std::vector<std::string_view> SplitSlash(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find('/', start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

struct Captures {
  std::string_view name, version, label;
  bool metadata = false;
};

// Matches [(/versions/\d+)|(/labels/[^/:]+)]? [/metadata]? against segs[i..] (already split),
// preferring the version/label group and then the metadata group like a Perl-style engine.
bool MatchVersionTail(const std::vector<std::string_view>& segs, size_t i, Captures& c, bool allow_metadata) {
  auto match_metadata = [&](size_t j) {
    if (j == segs.size()) return true;
    if (allow_metadata && j + 1 == segs.size() && IEquals(segs[j], "metadata")) {
      c.metadata = true;
      return true;
    }
    return false;
  };
  if (i + 2 <= segs.size()) {
    if (IEquals(segs[i], "versions") && AllDigits(segs[i + 1]) && match_metadata(i + 2)) {
      c.version = segs[i + 1];
      return true;
    }
    if (IEquals(segs[i], "labels") && IsNameToken(segs[i + 1]) && match_metadata(i + 2)) {
      c.label = segs[i + 1];
      return true;
    }
  }
  return match_metadata(i);
}

// GET regex, `rest` is what follows "/v1/models".
bool MatchGet(std::string_view rest, Captures& c) {
  if (rest.empty()) return true;  // "/v1/models": empty name
  if (rest[0] != '/') return false;
  std::vector<std::string_view> segs = SplitSlash(rest.substr(1));
  for (auto s : segs) {
    if (!IsNameToken(s)) return false;  // empty segment or a ':' never matches
  }
  // Preferred: the optional name group is taken.
  Captures with_name;
  with_name.name = segs[0];
  if (MatchVersionTail(segs, 1, with_name, true)) {
    c = with_name;
    return true;
  }
  Captures without_name;
  if (MatchVersionTail(segs, 0, without_name, true)) {
    c = without_name;
    return true;
  }
  return false;
}

// POST regex, `rest` is what follows "/v1/models/". Returns the method ("" on no match).
std::string_view MatchPost(std::string_view rest, Captures& c) {
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return {};
  std::string_view method = rest.substr(colon + 1);
  std::string_view head = rest.substr(0, colon);
  if (!(IEquals(method, "predict") || IEquals(method, "classify") || IEquals(method, "regress"))) return {};
  std::vector<std::string_view> segs = SplitSlash(head);
  for (auto s : segs) {
    if (!IsNameToken(s)) return {};
  }
  c.name = segs[0];
  if (segs.size() == 1) return method;
  if (segs.size() == 3 && IEquals(segs[1], "versions") && AllDigits(segs[2])) {
    c.version = segs[2];
    return method;
  }
  if (segs.size() == 3 && IEquals(segs[1], "labels")) {
    c.label = segs[2];
    return method;
  }
  return {};
}

Route ErrorRoute(Status s) {
  Route r;
  r.kind = RouteKind::kError;
  r.error = std::move(s);
  return r;
}

// Fills model/version/label from captures; false (with an error route) on a bad version.
bool FillModel(const Captures& c, Route& r) {
  r.model = PercentDecode(c.name);
  if (!c.label.empty()) r.label = PercentDecode(c.label);
  if (!c.version.empty()) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(c.version.data(), c.version.data() + c.version.size(), v);
    if (ec != std::errc() || ptr != c.version.data() + c.version.size()) {
      r = ErrorRoute(InvalidArgument("Failed to convert version: " + std::string(c.version) + " to numeric."));
      return false;
    }
    r.version = v;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string_view PathOf(std::string_view target) {
  size_t pos = target.find_first_of("?#");
  return pos == std::string_view::npos ? target : target.substr(0, pos);
}

Route MatchRoute(std::string_view method, std::string_view target, std::string_view metrics_path) {
  std::string_view path = PathOf(target);
  if (!IStartsWith(path, "/v1/")) {
    Route r;
    if (method == "GET") {
      if (path == "/v2/health/live") r.kind = RouteKind::kHealthLive;
      else if (path == "/v2/health/ready") r.kind = RouteKind::kHealthReady;
      else if (!metrics_path.empty() && path == metrics_path) r.kind = RouteKind::kMetrics;
    }
    return r;
  }
  Status malformed = InvalidArgument("Malformed request: " + std::string(method) + " " + std::string(path));
  if (method == "OPTIONS") {
    Route r;
    r.kind = RouteKind::kCorsPreflight;
    return r;
  }
  std::string_view after_v1 = path.substr(4);
  if (method == "POST") {
    if (!IStartsWith(after_v1, "models/")) return ErrorRoute(malformed);
    Captures c;
    std::string_view m = MatchPost(after_v1.substr(7), c);
    if (m.empty()) return ErrorRoute(malformed);
    Route r;
    r.kind = IEquals(m, "predict") ? RouteKind::kPredict
             : IEquals(m, "classify") ? RouteKind::kClassify
                                      : RouteKind::kRegress;
    FillModel(c, r);
    return r;
  }
  if (method == "GET") {
    if (!IStartsWith(after_v1, "models")) return ErrorRoute(malformed);
    Captures c;
    if (!MatchGet(after_v1.substr(6), c)) return ErrorRoute(malformed);
    Route r;
    r.kind = c.metadata ? RouteKind::kModelMetadata : RouteKind::kModelStatus;
    if (!FillModel(c, r)) return r;
    if (r.model.empty() && c.name.empty()) return ErrorRoute(InvalidArgument("Missing model name in request."));
    return r;
  }
  return ErrorRoute(malformed);
}

const char* RouteKindName(RouteKind kind) {
  switch (kind) {
    case RouteKind::kNotDispatched: return "not_dispatched";
    case RouteKind::kError: return "error";
    case RouteKind::kModelStatus: return "status";
    case RouteKind::kModelMetadata: return "metadata";
    case RouteKind::kPredict: return "predict";
    case RouteKind::kClassify: return "classify";
    case RouteKind::kRegress: return "regress";
    case RouteKind::kCorsPreflight: return "cors_preflight";
    case RouteKind::kHealthLive: return "health_live";
    case RouteKind::kHealthReady: return "health_ready";
    case RouteKind::kMetrics: return "metrics";
  }
  return "?";
}

}  // namespace serval::api
