#include "serval/api/router.h"

#include <gtest/gtest.h>

namespace serval::api {
namespace {

struct Case {
  const char* method;
  const char* target;
  RouteKind kind;
  const char* model = "";
  std::optional<int64_t> version = std::nullopt;
  std::optional<std::string> label = std::nullopt;
  const char* error = "";  // substring of the error message (kError)
};

TEST(Router, MatchTable) {
  const Case cases[] = {
      // Status (GET regex without /metadata).
      {"GET", "/v1/models/half", RouteKind::kModelStatus, "half"},
      {"GET", "/v1/models/half/versions/123", RouteKind::kModelStatus, "half", 123},
      {"GET", "/v1/models/half/labels/stable", RouteKind::kModelStatus, "half", std::nullopt, "stable"},
      {"GET", "/V1/MODELS/half/VERSIONS/7", RouteKind::kModelStatus, "half", 7},
      {"GET", "/v1/models/half?x=1", RouteKind::kModelStatus, "half"},
      // Metadata.
      {"GET", "/v1/models/half/metadata", RouteKind::kModelMetadata, "half"},
      {"GET", "/v1/models/half/versions/3/metadata", RouteKind::kModelMetadata, "half", 3},
      {"GET", "/v1/models/half/labels/canary/metadata", RouteKind::kModelMetadata, "half", std::nullopt, "canary"},
      {"GET", "/v1/models/half/METADATA", RouteKind::kModelMetadata, "half"},
      // Perl-style preference: "metadata" alone is a model name; a label may be called "metadata".
      {"GET", "/v1/models/metadata", RouteKind::kModelStatus, "metadata"},
      {"GET", "/v1/models/m/labels/metadata", RouteKind::kModelStatus, "m", std::nullopt, "metadata"},
      // Missing name.
      {"GET", "/v1/models", RouteKind::kError, "", std::nullopt, std::nullopt, "Missing model name in request."},
      {"GET", "/v1/models/versions/3", RouteKind::kError, "", std::nullopt, std::nullopt, "Missing model name"},
      // Predict / classify / regress.
      {"POST", "/v1/models/half:predict", RouteKind::kPredict, "half"},
      {"POST", "/v1/models/half/versions/123:predict", RouteKind::kPredict, "half", 123},
      {"POST", "/v1/models/half/labels/stable:predict", RouteKind::kPredict, "half", std::nullopt, "stable"},
      {"POST", "/v1/models/half:classify", RouteKind::kClassify, "half"},
      {"POST", "/v1/models/half/versions/1:regress", RouteKind::kRegress, "half", 1},
      {"POST", "/v1/Models/half:PREDICT", RouteKind::kPredict, "half"},
      // Percent-decoding of name and label.
      {"POST", "/v1/models/my%20model:predict", RouteKind::kPredict, "my model"},
      {"GET", "/v1/models/a%2Fb/labels/l%3A1", RouteKind::kModelStatus, "a/b", std::nullopt, "l:1"},
      {"GET", "/v1/models/bad%zz%4", RouteKind::kModelStatus, "bad%zz%4"},
      {"POST", "/v1/models/a+b:predict", RouteKind::kPredict, "a+b"},
      // Malformed.
      {"POST", "/v1/models/half", RouteKind::kError, "", std::nullopt, std::nullopt,
       "Malformed request: POST /v1/models/half"},
      {"POST", "/v1/models/half:explain", RouteKind::kError, "", std::nullopt, std::nullopt, "Malformed request"},
      {"POST", "/v1/models/half/versions/abc:predict", RouteKind::kError, "", std::nullopt, std::nullopt,
       "Malformed request"},
      {"POST", "/v1/models/:predict", RouteKind::kError, "", std::nullopt, std::nullopt, "Malformed request"},
      {"POST", "/v1/models/half/extra/x/y:predict", RouteKind::kError, "", std::nullopt, std::nullopt,
       "Malformed request"},
      {"GET", "/v1/models/half:predict", RouteKind::kError, "", std::nullopt, std::nullopt,
       "Malformed request: GET /v1/models/half:predict"},
      {"GET", "/v1/models/half/versions/x", RouteKind::kError, "", std::nullopt, std::nullopt, "Malformed request"},
      {"GET", "/v1/models/half//metadata", RouteKind::kError, "", std::nullopt, std::nullopt, "Malformed request"},
      {"GET", "/v1/foo", RouteKind::kError, "", std::nullopt, std::nullopt, "Malformed request: GET /v1/foo"},
      {"PUT", "/v1/models/half", RouteKind::kError, "", std::nullopt, std::nullopt,
       "Malformed request: PUT /v1/models/half"},
      {"DELETE", "/v1/models/half:predict", RouteKind::kError, "", std::nullopt, std::nullopt,
       "Malformed request: DELETE"},
      {"GET", "/v1/models/half/versions/99999999999999999999", RouteKind::kError, "", std::nullopt, std::nullopt,
       "Failed to convert version: 99999999999999999999 to numeric."},
      // CORS preflight on any /v1/ path.
      {"OPTIONS", "/v1/models/half:predict", RouteKind::kCorsPreflight},
      {"OPTIONS", "/v1/anything", RouteKind::kCorsPreflight},
      // Outside /v1/.
      {"GET", "/v2/health/live", RouteKind::kHealthLive},
      {"GET", "/v2/health/ready", RouteKind::kHealthReady},
      {"POST", "/v2/health/live", RouteKind::kNotDispatched},
      {"GET", "/monitoring/prometheus/metrics", RouteKind::kMetrics},
      {"GET", "/", RouteKind::kNotDispatched},
      {"GET", "/v1", RouteKind::kNotDispatched},
      {"POST", "/v2/models/half:predict", RouteKind::kNotDispatched},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.method) + " " + c.target);
    Route r = MatchRoute(c.method, c.target, "/monitoring/prometheus/metrics");
    EXPECT_EQ(RouteKindName(r.kind), std::string(RouteKindName(c.kind)));
    if (c.kind == RouteKind::kError) {
      EXPECT_EQ(r.error.code(), StatusCode::kInvalidArgument);
      EXPECT_NE(r.error.message().find(c.error), std::string::npos) << r.error.message();
      continue;
    }
    EXPECT_EQ(r.model, c.model);
    EXPECT_EQ(r.version, c.version);
    EXPECT_EQ(r.label, c.label);
  }
}

TEST(Router, MetricsOnlyWhenEnabled) {
  EXPECT_EQ(MatchRoute("GET", "/monitoring/prometheus/metrics").kind, RouteKind::kNotDispatched);
  EXPECT_EQ(MatchRoute("GET", "/metrics", "/metrics").kind, RouteKind::kMetrics);
}

TEST(Router, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%20b"), "a b");
  EXPECT_EQ(PercentDecode("%41%62c"), "Abc");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%4"), "%4");
  EXPECT_EQ(PercentDecode("%g0"), "%g0");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PathOf("/a/b?c=d"), "/a/b");
  EXPECT_EQ(PathOf("/a#f"), "/a");
}

}  // namespace
}  // namespace serval::api
