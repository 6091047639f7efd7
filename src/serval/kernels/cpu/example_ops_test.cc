// Expected values are hand-built from the tf.Example protos below (TF semantics: missing feature →
// default, empty default → required, dense output [batch] + dense_shape).
#include <gtest/gtest.h>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"
#include "tensorflow/core/example/example.pb.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorEqual;
using runtime::testing::KernelTester;
using runtime::testing::Strings;

std::string MakeExample(const std::map<std::string, std::vector<float>>& floats,
                        const std::map<std::string, std::vector<int64_t>>& ints = {},
                        const std::map<std::string, std::vector<std::string>>& bytes = {}) {
  tensorflow::Example ex;
  auto* fm = ex.mutable_features()->mutable_feature();
  for (const auto& [k, v] : floats)
    for (float x : v) (*fm)[k].mutable_float_list()->add_value(x);
  for (const auto& [k, v] : ints)
    for (int64_t x : v) (*fm)[k].mutable_int64_list()->add_value(x);
  for (const auto& [k, v] : bytes)
    for (const auto& x : v) (*fm)[k].mutable_bytes_list()->add_value(x);
  return ex.SerializeAsString();
}

tensorflow::AttrValue Shapes(const std::vector<std::vector<int64_t>>& shapes) {
  tensorflow::AttrValue v;
  for (const auto& s : shapes) {
    auto* sp = v.mutable_list()->add_shape();
    for (int64_t d : s) sp->add_dim()->set_size(d);
  }
  return v;
}

class ExampleOpsTest : public ::testing::Test {
 protected:
  ExampleOpsTest() { RegisterExampleKernels(r_); }

  // Like tfs_half_plus_two: dense x (float [1], required) and x2 (float [1], default 0).
  Result<std::vector<Tensor>> HalfPlusTwoV1(Tensor serialized) {
    return KernelTester("ParseExample", r_)
        .Attr("Nsparse", 0)
        .Attr("Ndense", 2)
        .Attr("sparse_types", std::vector<DataType>{})
        .Attr("Tdense", std::vector<DataType>{DataType::kFloat, DataType::kFloat})
        .Attr("dense_shapes", Shapes({{1}, {1}}))
        .NumOutputs(2)
        .Input(std::move(serialized))
        .Input(Strings({}))
        .Input(Tensor::Scalar<std::string>("x"))
        .Input(Tensor::Scalar<std::string>("x2"))
        .Input(Tensor::FromVector<float>({}, {0}))
        .Input(Tensor::FromVector<float>({0.0f}, {1}))
        .Run();
  }
  runtime::KernelRegistry r_;
};

TEST_F(ExampleOpsTest, ParseExampleV1DenseWithDefaults) {
  auto out = HalfPlusTwoV1(Strings({MakeExample({{"x", {1.0f}}, {"x2", {5.0f}}}), MakeExample({{"x", {3.0f}}})}));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), Tensor::FromVector<float>({1.0f, 3.0f}, {2, 1}));
  ExpectTensorEqual(out->at(1), Tensor::FromVector<float>({5.0f, 0.0f}, {2, 1}));
  // Batch 0.
  auto empty = HalfPlusTwoV1(Strings({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->at(0).shape(), (TensorShape{0, 1}));
}

TEST_F(ExampleOpsTest, ParseExampleErrors) {
  auto missing = HalfPlusTwoV1(Strings({MakeExample({{"x2", {1.0f}}})}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("Feature: x (data type: float) is required but could not be found."),
            std::string::npos)
      << missing.status().message();
  auto too_many = HalfPlusTwoV1(Strings({MakeExample({{"x", {1.0f, 2.0f}}})}));
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("Key: x"), std::string::npos) << too_many.status().message();
  EXPECT_NE(too_many.status().message().find("Values size: 2 but output shape: [1]"), std::string::npos);
  auto wrong_type = HalfPlusTwoV1(Strings({MakeExample({}, {{"x", {1}}})}));
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.status().message().find("Data types don't match"), std::string::npos);
  auto garbage = HalfPlusTwoV1(Strings({std::string("\xff\xff\xff", 3)}));
  EXPECT_FALSE(garbage.ok());
}

TEST_F(ExampleOpsTest, ParseExampleV2ScalarMixedTypesAndSparse) {
  auto run = [&](Tensor serialized) {
    return KernelTester("ParseExampleV2", r_)
        .Attr("num_sparse", 1)
        .Attr("sparse_types", std::vector<DataType>{DataType::kInt64})
        .Attr("ragged_value_types", std::vector<DataType>{})
        .Attr("ragged_split_types", std::vector<DataType>{})
        .Attr("Tdense", std::vector<DataType>{DataType::kInt64, DataType::kString, DataType::kFloat})
        .Attr("dense_shapes", Shapes({{2}, {}, {-1, 2}}))
        .NumOutputs(6)
        .Input(std::move(serialized))
        .Input(Strings({}))
        .Input(Strings({"s"}))
        .Input(Strings({"ids", "name", "seq"}))
        .Input(Strings({}))
        .Input(Tensor::FromVector<int64_t>({7, 8}, {2}))
        .Input(Tensor::Scalar<std::string>("anon"))
        .Input(Tensor::Scalar<float>(-1.0f))
        .Run();
  };
  std::string a = MakeExample({{"seq", {1, 2, 3, 4}}}, {{"ids", {1, 2}}, {"s", {10, 11, 12}}}, {{"name", {"bob"}}});
  std::string b = MakeExample({}, {{"s", {13}}});
  auto out = run(Strings({a, b}));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // sparse "s": indices (batch, position), values, dense shape [2, 3].
  ExpectTensorEqual(out->at(0), Tensor::FromVector<int64_t>({0, 0, 0, 1, 0, 2, 1, 0}, {4, 2}));
  ExpectTensorEqual(out->at(1), Tensor::FromVector<int64_t>({10, 11, 12, 13}, {4}));
  ExpectTensorEqual(out->at(2), Tensor::FromVector<int64_t>({2, 3}, {2}));
  ExpectTensorEqual(out->at(3), Tensor::FromVector<int64_t>({1, 2, 7, 8}, {2, 2}));
  ExpectTensorEqual(out->at(4), Tensor::FromVector<std::string>({"bob", "anon"}, {2}));
  // Variable-length "seq" [-1,2]: 2 rows for a, 0 for b, padded with the default -1.
  ExpectTensorEqual(out->at(5), Tensor::FromVector<float>({1, 2, 3, 4, -1, -1, -1, -1}, {2, 2, 2}));

  // A scalar serialized input drops the batch dim.
  auto one = run(Tensor::Scalar<std::string>(a));
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ExpectTensorEqual(one->at(3), Tensor::FromVector<int64_t>({1, 2}, {2}));
  ExpectTensorEqual(one->at(2), Tensor::FromVector<int64_t>({3}, {1}));
  ExpectTensorEqual(one->at(5), Tensor::FromVector<float>({1, 2, 3, 4}, {2, 2}));

  // An odd number of values for a [-1,2] feature.
  auto odd = run(Strings({MakeExample({{"seq", {1, 2, 3}}})}));
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.status().message().find("Key: seq"), std::string::npos) << odd.status().message();
}

TEST_F(ExampleOpsTest, RaggedRejectedAtLoad) {
  Status s = KernelTester("ParseExampleV2", r_)
                 .Attr("num_sparse", 0)
                 .Attr("sparse_types", std::vector<DataType>{})
                 .Attr("ragged_value_types", std::vector<DataType>{DataType::kFloat})
                 .Attr("ragged_split_types", std::vector<DataType>{DataType::kInt64})
                 .Attr("Tdense", std::vector<DataType>{})
                 .Attr("dense_shapes", Shapes({}))
                 .Create();
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace serval::kernels::cpu
