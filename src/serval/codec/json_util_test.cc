// ParseJson's two paths (plain JSON straight to simdjson; NaN/Infinity, big integers, trailing
// bytes and deep nesting through the rewrite) must give the same values, and NaN/Infinity tokens
// are numbers only outside strings. Also the float row fast path of ElementToTensor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "serval/codec/json_util.h"

namespace serval::codec::internal {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<JsonDoc> MustParse(const std::string& body) {
  auto doc = ParseJson(body);
  EXPECT_TRUE(doc.ok()) << body << ": " << doc.status().ToString();
  return doc.ok() ? std::move(*doc) : nullptr;
}

std::vector<double> Doubles(const std::string& body) {
  auto doc = MustParse(body);
  if (!doc) return {};
  auto t = ElementToTensor(doc->root, DataType::kDouble);
  EXPECT_TRUE(t.ok()) << body << ": " << t.status().ToString();
  if (!t.ok()) return {};
  auto f = t->flat<double>();
  return std::vector<double>(f.begin(), f.end());
}

TEST(ParseJson, NonFiniteTokensOutsideStringsAreNumbers) {
  const auto v = Doubles("[NaN, -NaN, Inf, -Inf, Infinity, -Infinity, 1.5]");
  ASSERT_EQ(v.size(), 7u);
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_TRUE(std::isnan(v[1]));
  EXPECT_EQ(v[2], INFINITY);
  EXPECT_EQ(v[3], -INFINITY);
  EXPECT_EQ(v[4], INFINITY);
  EXPECT_EQ(v[5], -INFINITY);
  EXPECT_EQ(v[6], 1.5);
}

TEST(ParseJson, NonFiniteTokensInsideStringsStayText) {
  auto doc = MustParse(R"({"a": "NaN", "b": "-Infinity", "c": "x\"NaN\" Inf", "d": [NaN, "Infinity"]})");
  ASSERT_TRUE(doc);
  auto obj = AsObject(doc->root);
  EXPECT_EQ(KindOf(obj["a"].value_unsafe()), Kind::kString);
  EXPECT_EQ(obj["a"].get_string().value_unsafe(), "NaN");
  EXPECT_EQ(obj["b"].get_string().value_unsafe(), "-Infinity");
  EXPECT_EQ(obj["c"].get_string().value_unsafe(), "x\"NaN\" Inf");
  auto d = AsArray(obj["d"].value_unsafe());
  EXPECT_EQ(KindOf(d.at(0).value_unsafe()), Kind::kNumber);
  EXPECT_TRUE(std::isnan(NumberAsDouble(d.at(0).value_unsafe())));
  EXPECT_EQ(d.at(1).get_string().value_unsafe(), "Infinity");
}

TEST(ParseJson, NonFiniteTokensAtTheEdgesOfTheBuffer) {
  // The token is the very last byte(s) of the body, or the whole body.
  for (const auto& [body, want] : std::vector<std::pair<std::string, double>>{
           {"NaN", NAN}, {"Infinity", INFINITY}, {"-Infinity", -INFINITY}, {"Inf", INFINITY}, {"-Inf", -INFINITY},
           {"  -Infinity", -INFINITY}, {"[-Infinity]", -INFINITY}, {"[NaN]", NAN}}) {
    auto doc = MustParse(body);
    ASSERT_TRUE(doc);
    Element e = doc->root;
    if (e.type() == simdjson::dom::element_type::ARRAY) e = AsArray(e).at(0).value_unsafe();
    ASSERT_EQ(KindOf(e), Kind::kNumber) << body;
    EXPECT_TRUE(NumberIsDecimal(e)) << body;
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(NumberAsDouble(e))) << body;
    } else {
      EXPECT_EQ(NumberAsDouble(e), want) << body;
    }
  }
  // Cut-off tokens are syntax errors, not numbers, and never read past the end.
  for (const std::string body : {"Na", "Infinit", "-", "-In", "[NaN", "[-Infinity", "[\"NaN", "N", "I"}) {
    auto doc = ParseJson(body);
    ASSERT_FALSE(doc.ok()) << body;
    EXPECT_THAT(doc.status().message(), HasSubstr("JSON Parse error")) << body;
  }
}

TEST(ParseJson, DebugTextShowsTheTokens) {
  auto doc = MustParse("[NaN,-Infinity,Infinity,\"NaN\"]");
  ASSERT_TRUE(doc);
  EXPECT_EQ(DebugString(doc->root), R"([NaN,-Infinity,Infinity,"NaN"])");
}

TEST(ParseJson, IntegersBeyond64BitsAreDoubles) {
  auto doc = MustParse("[18446744073709551616, -9223372036854775809, 18446744073709551615, -9223372036854775808]");
  ASSERT_TRUE(doc);
  auto a = AsArray(doc->root);
  EXPECT_EQ(a.at(0).type().value_unsafe(), simdjson::dom::element_type::DOUBLE);
  EXPECT_EQ(NumberAsDouble(a.at(0).value_unsafe()), 18446744073709551616.0);
  EXPECT_EQ(a.at(1).type().value_unsafe(), simdjson::dom::element_type::DOUBLE);
  EXPECT_EQ(NumberAsDouble(a.at(1).value_unsafe()), -9223372036854775809.0);
  EXPECT_EQ(a.at(2).type().value_unsafe(), simdjson::dom::element_type::UINT64);
  EXPECT_EQ(a.at(3).type().value_unsafe(), simdjson::dom::element_type::INT64);
}

// A container followed by junk takes the rewrite path (simdjson refuses trailing bytes; TF
// Serving ignores them), the same container alone the direct path: both must read the same.
TEST(ParseJson, DirectAndRewritePathsAgree) {
  for (const std::string body : {
           R"({"instances": [[1.5, -2, 3e-7, 1E+3, 0.1], [4, 5, 6, 7, 8]], "signature_name": "s"})",
           R"({"k": "N\"I\\", "esc": "\u00e9\ud83d\ude00 NaN", "n": null, "t": true, "f": false, "o": {}})",
           R"([12345678901234567890, -1, 0, 9223372036854775807])",
           R"([[[[[[["deep"]]]]]]])",
       }) {
    auto direct = MustParse(body);
    auto rewritten = MustParse(body + " ] trailing NaN \"");
    ASSERT_TRUE(direct && rewritten);
    EXPECT_EQ(DebugString(direct->root, 1 << 20), DebugString(rewritten->root, 1 << 20)) << body;
  }
}

TEST(ParseJson, TrailingBytesAfterTheTopLevelContainerAreIgnored) {
  const auto v = Doubles("[1, NaN] {not json");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], 1.0);
  EXPECT_TRUE(std::isnan(v[1]));
  auto bad = ParseJson("1 2");  // a scalar top-level value is not a container: no early stop
  EXPECT_FALSE(bad.ok());
}

TEST(ElementToTensor, FloatRowsMixNumbersAndTokens) {
  auto doc = MustParse("[[1, 2.5, NaN, -Infinity], [18446744073709551616, -3, 0.25, Inf]]");
  ASSERT_TRUE(doc);
  auto t = ElementToTensor(doc->root, DataType::kFloat);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->shape(), (TensorShape{2, 4}));
  auto f = t->flat<float>();
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], 2.5f);
  EXPECT_TRUE(std::isnan(f[2]));
  EXPECT_EQ(f[3], -INFINITY);
  EXPECT_EQ(f[4], 18446744073709551616.0f);
  EXPECT_EQ(f[5], -3.0f);
  EXPECT_EQ(f[6], 0.25f);
  EXPECT_EQ(f[7], INFINITY);
}

TEST(ElementToTensor, FloatRowsKeepTheirErrors) {
  auto doc = MustParse(R"([[1, 2], [3, "4"]])");
  ASSERT_TRUE(doc);
  auto t = ElementToTensor(doc->root, DataType::kFloat);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr(R"(JSON Value: "4" Type: String is not of expected type: float)"));
  doc = MustParse("[[1, 2], [3, [4]]]");
  ASSERT_TRUE(doc);
  t = ElementToTensor(doc->root, DataType::kFloat);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("Encountered list at unexpected level: 2 expected < 2"));
  doc = MustParse("[[1, 2], [3, 4, 5]]");
  ASSERT_TRUE(doc);
  t = ElementToTensor(doc->root, DataType::kDouble);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("Encountered list at unexpected size: 3 at level: 1"));
  // Integers in a float row of an int tensor still go through the integer rules.
  doc = MustParse("[[1, 2.5]]");
  ASSERT_TRUE(doc);
  t = ElementToTensor(doc->root, DataType::kInt32);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("is not of expected type: int32"));
}

TEST(ElementToTensor, LargeFloatTensorRoundTrips) {
  // Enough values to grow the sink's buffer many times.
  std::string body = "[";
  for (int i = 0; i < 5000; ++i) body += (i ? "," : "") + std::to_string(i) + ".5";
  body += "]";
  auto doc = MustParse(body);
  ASSERT_TRUE(doc);
  auto t = ElementToTensor(doc->root, DataType::kFloat);
  ASSERT_TRUE(t.ok());
  auto f = t->flat<float>();
  ASSERT_EQ(f.size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(f[static_cast<size_t>(i)], static_cast<float>(i) + 0.5f) << i;
}

}  // namespace
}  // namespace serval::codec::internal
