// Every REST route in one place (serving-spec §1.1). The matcher is hand-written but accepts
// exactly what TF Serving's RE2 regexes accept (full match, case-insensitive literals, Perl-style
// preference when the GET form is ambiguous), then percent-decodes the model name and the label.
//
//   POST (?i)/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?:(classify|regress|predict)
//   GET  (?i)/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?(?:\/(metadata))?
//   OPTIONS (?i)/v1/.*           CORS preflight
//   GET /v2/health/live, GET /v2/health/ready, GET <metrics path>
// Any other verb on /v1/..., or a /v1/ path that fails its regex, is an error route with
// "Malformed request: <METHOD> <path>". Paths outside /v1/ are not dispatched (404, no body).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "serval/base/status.h"

namespace serval::api {

enum class RouteKind {
  kNotDispatched,  // 404 with no body (TF Serving's HTTP library default)
  kError,          // `error` holds the InvalidArgument to return
  kModelStatus,
  kModelMetadata,
  kPredict,
  kClassify,
  kRegress,
  kCorsPreflight,
  kHealthLive,
  kHealthReady,
  kMetrics,
};

struct Route {
  RouteKind kind = RouteKind::kNotDispatched;
  std::string model;                 // percent-decoded
  std::optional<int64_t> version;
  std::optional<std::string> label;  // percent-decoded
  Status error;                      // kError only
};

// `target` is the HTTP request-target; a query string ("?...") is ignored. `metrics_path` is the
// Prometheus path ("" when monitoring is off).
Route MatchRoute(std::string_view method, std::string_view target, std::string_view metrics_path = {});

// %XX → byte (curl_easy_unescape semantics: '+' stays '+', invalid escapes are kept as is).
std::string PercentDecode(std::string_view s);

// The path part of a request-target (before '?' or '#').
std::string_view PathOf(std::string_view target);

const char* RouteKindName(RouteKind kind);

}  // namespace serval::api
