// Golden-file typed tensors: unit cases plus every real golden file in $SERVAL_FIXTURES/golden.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "serval/codec/tfs_json.h"
#include "tensorflow/core/example/example.pb.h"

namespace serval::codec {
namespace {

using ::testing::HasSubstr;

TEST(TypedTensor, Basic) {
  auto t = ParseTypedTensorJson(R"({"dtype": "DT_FLOAT", "shape": [3, 1], "data": [[1.0], [2], [5.0]]})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->dtype(), DataType::kFloat);
  EXPECT_EQ(t->shape(), (TensorShape{3, 1}));
  EXPECT_EQ(t->flat<float>()[1], 2.0f);
  auto s = ParseTypedTensorJson(R"({"dtype": "DT_STRING", "shape": [], "data": "baz"})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scalar<std::string>(), "baz");
  auto flat = ParseTypedTensorJson(R"({"dtype": "DT_INT32", "shape": [2, 2], "data": [1, 2, 3, 4]})");
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ(flat->shape(), (TensorShape{2, 2}));
  auto empty = ParseTypedTensorJson(R"({"dtype": "DT_FLOAT", "shape": [0, 3], "data": []})");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->shape(), (TensorShape{0, 3}));
}

TEST(TypedTensor, Errors) {
  EXPECT_THAT(ParseTypedTensorJson(R"({"dtype": "DT_FLOAT", "shape": [2], "data": [1, 2, 3]})").status().message(),
              HasSubstr("does not match the data"));
  // A huge declared shape is refused by arithmetic, never allocated.
  EXPECT_FALSE(ParseTypedTensorJson(R"({"dtype": "DT_FLOAT", "shape": [1000000000, 1000000000, 1000], "data": [1]})").ok());
  EXPECT_FALSE(ParseTypedTensorJson(R"({"dtype": "DT_FLOAT", "shape": [4000000000000], "data": [1]})").ok());
  EXPECT_THAT(ParseTypedTensorJson(R"({"dtype": "DT_NOPE", "data": 1})").status().message(), HasSubstr("unknown dtype"));
  EXPECT_FALSE(ParseTypedTensorJson(R"({"dtype": "DT_FLOAT", "shape": [-1], "data": [1]})").ok());
  EXPECT_FALSE(ParseTypedTensorJson(R"({"dtype": "DT_FLOAT"})").ok());
  EXPECT_FALSE(ParseTypedTensorJson(R"([1])").ok());
}

TEST(TypedTensor, TfExampleEncoding) {
  auto t = ParseTypedTensorJson(
      R"({"dtype":"DT_STRING","encoding":"tf.Example","shape":[2],"examples":[{"x":[1.0]},{"x":[2], "k":"v"}]})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->shape(), (TensorShape{2}));
  tensorflow::Example ex;
  ASSERT_TRUE(ex.ParseFromString(t->flat<std::string>()[1]));
  EXPECT_EQ(ex.features().feature().at("x").float_list().value(0), 2.0f);  // golden: numbers are floats
  EXPECT_EQ(ex.features().feature().at("k").bytes_list().value(0), "v");
}

TEST(TypedTensor, SequenceFileShape) {
  auto g = ParseGoldenFile(R"({"model":"m","version":"00000123","signature":"sequence","rtol":0,"atol":0,
    "steps":[{"signature":"get","inputs":{},"outputs":{"output":{"dtype":"DT_FLOAT","shape":[],"data":0.0}}},
             {"signature":"incr_by","inputs":{"delta":{"dtype":"DT_FLOAT","shape":[],"data":3.0}},"outputs":{}}]})");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->calls.size(), 2u);
  EXPECT_EQ(g->calls[1].signature, "incr_by");
  EXPECT_EQ(g->calls[1].inputs.at("delta").scalar<float>(), 3.0f);
}

std::filesystem::path FixturesDir() {
  const char* env = std::getenv("SERVAL_FIXTURES");
  return env != nullptr && *env != '\0' ? std::filesystem::path(env) : std::filesystem::path("../shared/fixtures");
}

TEST(TypedTensor, EveryGoldenFile) {
  const auto golden = FixturesDir() / "golden";
  if (!std::filesystem::is_directory(golden)) GTEST_SKIP() << "no golden files at " << golden << " (set SERVAL_FIXTURES)";
  int files = 0, tensors = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(golden)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto g = ParseGoldenFile(ss.str());
    ASSERT_TRUE(g.ok()) << entry.path() << ": " << g.status().ToString();
    ++files;
    if (g->expect_load_error) {
      EXPECT_TRUE(g->calls.empty());
      continue;
    }
    ASSERT_FALSE(g->calls.empty()) << entry.path();
    for (const auto& call : g->calls) {
      EXPECT_FALSE(call.signature.empty()) << entry.path();
      for (const auto* m : {&call.inputs, &call.outputs}) {
        for (const auto& [name, t] : *m) {
          EXPECT_TRUE(t.valid()) << entry.path() << " " << name;
          EXPECT_EQ(t.num_elements(), [&] {
            int64_t n = 1;
            for (int64_t d : t.shape().dims()) n *= d;
            return n;
          }());
          ++tensors;
        }
      }
    }
  }
  EXPECT_GT(files, 50);
  EXPECT_GT(tensors, 100);
  // Spot checks against known files.
  std::ifstream in(golden / "tfs_half_plus_two_cpu" / "classify_x_to_y.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto g = ParseGoldenFile(ss.str());
  ASSERT_TRUE(g.ok());
  const Tensor& inputs = g->calls[0].inputs.at("inputs");
  EXPECT_EQ(inputs.dtype(), DataType::kString);
  EXPECT_EQ(inputs.shape(), (TensorShape{3}));
  EXPECT_EQ(g->calls[0].outputs.at("scores").shape(), (TensorShape{3, 1}));
  EXPECT_EQ(g->calls[0].outputs.at("scores").flat<float>()[2], 4.5f);
  tensorflow::Example ex;
  ASSERT_TRUE(ex.ParseFromString(inputs.flat<std::string>()[2]));
  EXPECT_EQ(ex.features().feature().at("x").float_list().value(0), 5.0f);
}

}  // namespace
}  // namespace serval::codec
