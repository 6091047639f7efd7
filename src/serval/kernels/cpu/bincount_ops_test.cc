// Tests for bincount_ops.cc. Expected values: @tensorflow/tfjs 4.22 for Bincount / DenseBincount
//   tf.bincount([1, 3, 3, 0, 7, 3, 1], [0.5, 1, 2, 0.25, 9, 4, 1.5], 5) = [0.25, 2, 0, 7, 0]
//   tf.bincount(same, [], 5) = [1, 2, 0, 3, 0]
//   X2 = [[0, 1, 1, 4], [2, 2, 2, 9]]
//   tf.denseBincount(X2, [], 5) = [[1, 2, 0, 0, 1], [0, 0, 3, 0, 0]]; binaryOutput: [[1, 1, 0, 0, 1], [0, 0, 1, 0, 0]]
//   tf.denseBincount(X2, [[1, 2, 3, 4], [0.5, 0.25, 0.125, 8]], 5) = [[1, 5, 0, 0, 4], [0, 0, 0.875, 0, 0]]
// and hand counting for the ragged / sparse forms of the same rows.
#include <gtest/gtest.h>

#include <vector>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorEqual;
using runtime::testing::ExpectTensorNear;
using runtime::testing::Floats;
using runtime::testing::Int32s;
using runtime::testing::Int64s;
using runtime::testing::KernelTester;
using runtime::testing::MakeTensor;

class BincountTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterBincountKernels(r_); }
  Result<Tensor> Run(const char* op, DataType t, std::vector<Tensor> inputs, bool binary = false) {
    KernelTester k(op, r_);
    k.Attr("T", t).Attr("Tidx", inputs.size() > 1 ? inputs[1].dtype() : DataType::kInt32);
    if (std::string(op) != "Bincount") k.Attr("binary_output", binary);
    for (Tensor& in : inputs) k.Input(std::move(in));
    SERVAL_ASSIGN_OR_RETURN(auto out, k.Run());
    return out.at(0);
  }
  runtime::KernelRegistry r_;
};

TEST_F(BincountTest, Bincount) {
  const Tensor arr = Int32s({1, 3, 3, 0, 7, 3, 1});
  auto o = Run("Bincount", DataType::kFloat,
               {arr, Tensor::Scalar<int32_t>(5), Floats({0.5f, 1, 2, 0.25f, 9, 4, 1.5f}, {7})});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, Floats({0.25f, 2, 0, 7, 0}, {5}));
  o = Run("Bincount", DataType::kInt32, {arr, Tensor::Scalar<int32_t>(5), Int32s({})});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(*o, Int32s({1, 2, 0, 3, 0}));
  EXPECT_FALSE(Run("Bincount", DataType::kInt32, {Int32s({1, -1}), Tensor::Scalar<int32_t>(5), Int32s({})}).ok());
  EXPECT_FALSE(Run("Bincount", DataType::kInt32, {arr, Tensor::Scalar<int32_t>(-1), Int32s({})}).ok());
  EXPECT_FALSE(Run("Bincount", DataType::kFloat, {arr, Tensor::Scalar<int32_t>(5), Floats({1, 2}, {2})}).ok());
}

TEST_F(BincountTest, DenseBincountRank1And2) {
  const Tensor x2 = MakeTensor<int64_t>({0, 1, 1, 4, 2, 2, 2, 9}, {2, 4});
  auto o = Run("DenseBincount", DataType::kInt64, {x2, Tensor::Scalar<int64_t>(5), Int64s({})});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(*o, MakeTensor<int64_t>({1, 2, 0, 0, 1, 0, 0, 3, 0, 0}, {2, 5}));
  o = Run("DenseBincount", DataType::kFloat, {x2, Tensor::Scalar<int64_t>(5), Floats({}, {0})}, true);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, Floats({1, 1, 0, 0, 1, 0, 0, 1, 0, 0}, {2, 5}));
  o = Run("DenseBincount", DataType::kFloat,
          {x2, Tensor::Scalar<int64_t>(5), Floats({1, 2, 3, 4, 0.5f, 0.25f, 0.125f, 8}, {2, 4})});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, Floats({1, 5, 0, 0, 4, 0, 0, 0.875f, 0, 0}, {2, 5}));
  o = Run("DenseBincount", DataType::kFloat,
          {Int32s({1, 3, 3, 0, 7, 3, 1}), Tensor::Scalar<int32_t>(5), Floats({}, {0})});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, Floats({1, 2, 0, 3, 0}, {5}));
  // rank 3 input, weights of another shape
  EXPECT_FALSE(Run("DenseBincount", DataType::kFloat,
                   {MakeTensor<int32_t>({0, 1}, {1, 1, 2}), Tensor::Scalar<int32_t>(5), Floats({}, {0})})
                   .ok());
  EXPECT_FALSE(
      Run("DenseBincount", DataType::kFloat, {x2, Tensor::Scalar<int64_t>(5), Floats({1, 2, 3, 4}, {4})}).ok());
}

TEST_F(BincountTest, RaggedBincount) {
  // rows [0, 1, 1, 4], [], [2, 2, 9]
  const Tensor splits = Int64s({0, 4, 4, 7}), values = Int64s({0, 1, 1, 4, 2, 2, 9});
  auto o = Run("RaggedBincount", DataType::kFloat, {splits, values, Tensor::Scalar<int64_t>(5), Floats({}, {0})});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, Floats({1, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0}, {3, 5}));
  o = Run("RaggedBincount", DataType::kFloat, {splits, values, Tensor::Scalar<int64_t>(5), Floats({}, {0})}, true);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, Floats({1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, {3, 5}));
  o = Run("RaggedBincount", DataType::kFloat,
          {splits, values, Tensor::Scalar<int64_t>(5), Floats({1, 2, 3, 4, 5, 6, 7}, {7})});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, Floats({1, 5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 11, 0, 0}, {3, 5}));
  EXPECT_FALSE(
      Run("RaggedBincount", DataType::kFloat, {Int64s({0, 4, 6}), values, Tensor::Scalar<int64_t>(5), Floats({}, {0})})
          .ok());
  EXPECT_FALSE(Run("RaggedBincount", DataType::kFloat,
                   {Int64s({0, 5, 4, 7}), values, Tensor::Scalar<int64_t>(5), Floats({}, {0})})
                   .ok());
}

TEST_F(BincountTest, SparseBincount) {
  // [[0, 1, 1, 4], [_, _, 2, 9]] as a sparse [2, 4]
  const Tensor indices = MakeTensor<int64_t>({0, 0, 0, 1, 0, 2, 0, 3, 1, 2, 1, 3}, {6, 2});
  const Tensor values = Int32s({0, 1, 1, 4, 2, 9});
  auto o = Run("SparseBincount", DataType::kInt32,
               {indices, values, Int64s({2, 4}), Tensor::Scalar<int32_t>(5), Int32s({})});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(*o, MakeTensor<int32_t>({1, 2, 0, 0, 1, 0, 0, 1, 0, 0}, {2, 5}));
  o = Run(
      "SparseBincount", DataType::kInt32,
      {MakeTensor<int64_t>({0, 2, 5}, {3, 1}), Int32s({3, 3, 1}), Int64s({6}), Tensor::Scalar<int32_t>(4), Int32s({})});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(*o, Int32s({0, 1, 0, 2}));
  EXPECT_FALSE(
      Run("SparseBincount", DataType::kInt32, {indices, values, Int64s({1, 4}), Tensor::Scalar<int32_t>(5), Int32s({})})
          .ok());  // row 1 out of range
}

}  // namespace
}  // namespace serval::kernels::cpu
