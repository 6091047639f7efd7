// Classify/Regress JSON: serving-spec §1.10 cases 29–32.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "serval/codec/tfs_json.h"
#include "tensorflow/core/example/example.pb.h"

namespace serval::codec {
namespace {

using ::testing::HasSubstr;

tensorflow::Example Decode(const std::string& bytes) {
  tensorflow::Example ex;
  EXPECT_TRUE(ex.ParseFromString(bytes));
  return ex;
}

const tensorflow::Feature& F(const tensorflow::Example& ex, const std::string& name) {
  return ex.features().feature().at(name);
}

// 29
TEST(ExamplesRequest, RequestNoContext) {
  auto r = ParseExamplesRequest(R"({"examples": [
      {"names": ["foo", "bar"], "ratings": [8.0, 9.0], "age": 20},
      {"names": "baz", "ratings": 6.5, "age": [30, 40]}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->signature_name, "serving_default");
  EXPECT_FALSE(r->has_context);
  ASSERT_EQ(r->serialized_examples.size(), 2u);
  auto ex = Decode(r->serialized_examples[0]);
  EXPECT_EQ(F(ex, "names").bytes_list().value_size(), 2);
  EXPECT_EQ(F(ex, "names").bytes_list().value(1), "bar");
  EXPECT_EQ(F(ex, "ratings").float_list().value(1), 9.0f);
  EXPECT_EQ(F(ex, "age").int64_list().value(0), 20);
  auto ex2 = Decode(r->serialized_examples[1]);
  EXPECT_EQ(F(ex2, "ratings").float_list().value(0), 6.5f);
  EXPECT_EQ(F(ex2, "age").int64_list().value_size(), 2);
}

// 30
TEST(ExamplesRequest, RequestWithContextAndSignature) {
  auto r = ParseExamplesRequest(R"({"signature_name": "classify", "context": {"shared": [1, true, false], "over": "ctx"},
      "examples": [{"img": [{"b64": "aGVsbG8="}, "raw"], "f": [NaN, Infinity, -Infinity], "over": "ex"}, {"x": 1.5}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->signature_name, "classify");
  EXPECT_TRUE(r->has_context);
  auto ex = Decode(r->serialized_examples[0]);  // context + example, merged by protobuf
  const auto& shared = F(ex, "shared").int64_list();
  ASSERT_EQ(shared.value_size(), 3);
  EXPECT_EQ(shared.value(0), 1);
  EXPECT_EQ(shared.value(1), 1);
  EXPECT_EQ(shared.value(2), 0);
  EXPECT_EQ(F(ex, "img").bytes_list().value(0), "hello");
  EXPECT_EQ(F(ex, "img").bytes_list().value(1), "raw");
  EXPECT_TRUE(std::isnan(F(ex, "f").float_list().value(0)));
  EXPECT_EQ(F(ex, "f").float_list().value(2), -INFINITY);
  EXPECT_EQ(F(ex, "over").bytes_list().value(0), "ex");  // example wins over context
  auto ex2 = Decode(r->serialized_examples[1]);
  EXPECT_EQ(F(ex2, "x").float_list().value(0), 1.5f);
  EXPECT_EQ(F(ex2, "shared").int64_list().value_size(), 3);
}

void ExpectError(std::string_view body, const std::string& text) {
  auto r = ParseExamplesRequest(body);
  ASSERT_FALSE(r.ok()) << body;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr(text)) << body;
}

// 31
TEST(ExamplesRequest, JsonErrors) {
  ExpectError(R"({"signature_name": [], "examples": [{}]})", "'signature_name' key must be a string value");
  ExpectError(R"({"context": [1], "examples": [{}]})", "Example must be JSON object but got JSON Array");
  ExpectError(R"({"examples": {"a": 1}})", "Expecting 'examples' value to be an list/array");
  ExpectError(R"({"examples": []})", "'examples' value is an empty array");
  ExpectError(R"({"context": {}})", "When method is classify, key 'examples' is expected and was not found");
  ExpectError(R"({"examples": [{"names": [[1]]}]})", "has element with unexpected JSON type");
  ExpectError(R"({"examples": [{"names": [null]}]})", "has element with unexpected JSON type: Null");
  ExpectError(R"({"examples": [{"names": [10, 10.0]}]})", "Unexpected element type in feature: names expecting type: int64");
  ExpectError(R"({"examples": [{"names": {"a": 1}}]})", "has element with unexpected JSON type: Object");
  ExpectError(R"({"examples": [[1]]})", "Example must be JSON object but got JSON Array");
  ExpectError(R"({"examples": [{"n": 18446744073709551615}]})", "Only int64_t is supported");
  ExpectError(R"({"examples": [{"n": {"b64": "!!"}}]})", "Unable to base64 decode");
  ExpectError("", "The document is empty");
}

// 32
TEST(ExamplesResponse, JsonFromClassificationResult) {
  auto r = WriteClassifyResponse({{{"cat", 0.25f}, {"dog", 0.75f}}, {{"", 3.0f}}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "{\n    \"results\": [[[\"cat\", 0.25], [\"dog\", 0.75]], [[\"\", 3.0]]\n    ]\n}");
}
TEST(ExamplesResponse, JsonFromRegressionResult) {
  auto r = WriteRegressResponse({0.5f, 3.0f, 555557.5f});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "{\n    \"results\": [0.5, 3.0, 555557.5\n    ]\n}");
}
TEST(ExamplesResponse, JsonFromResultWithNonFinite) {
  EXPECT_EQ(*WriteRegressResponse({NAN, INFINITY, -INFINITY}), "{\n    \"results\": [NaN, Infinity, -Infinity\n    ]\n}");
  EXPECT_THAT(*WriteClassifyResponse({{{"a", NAN}}}), HasSubstr(R"(["a", NaN])"));
}
TEST(ExamplesResponse, JsonFromResultErrors) {
  EXPECT_THAT(WriteClassifyResponse({}).status().message(), HasSubstr("Cannot convert empty ClassificationResults to JSON"));
  EXPECT_THAT(WriteRegressResponse({}).status().message(), HasSubstr("Cannot convert empty RegressionResults to JSON"));
}

TEST(ExamplesResponse, FromOutputs) {
  std::map<std::string, Tensor> out{{"classes", Tensor::FromVector<std::string>({"a", "b", "c", "d"}, {2, 2})},
                                    {"scores", Tensor::FromVector<float>({0.1f, 0.9f, 0.2f, 0.8f}, {2, 2})}};
  auto c = ClassificationsFromOutputs(out, 2);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)[1][0].label, "c");
  EXPECT_EQ((*c)[1][1].score, 0.8f);
  auto scores_only = ClassificationsFromOutputs({{"scores", Tensor::FromVector<float>({2.5f}, {1, 1})}}, 1);
  ASSERT_TRUE(scores_only.ok());
  EXPECT_EQ((*scores_only)[0][0].label, "");
  EXPECT_FALSE(ClassificationsFromOutputs(out, 3).ok());
  EXPECT_FALSE(ClassificationsFromOutputs({}, 1).ok());
  auto reg = RegressionsFromOutputs({{"outputs", Tensor::FromVector<float>({1, 2}, {2, 1})}}, 2);
  ASSERT_TRUE(reg.ok());
  EXPECT_EQ(*reg, (std::vector<float>{1, 2}));
  EXPECT_FALSE(RegressionsFromOutputs({{"outputs", Tensor::FromVector<float>({1, 2}, {1, 2})}}, 1).ok());
}

}  // namespace
}  // namespace serval::codec
