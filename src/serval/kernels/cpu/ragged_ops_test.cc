// Tests for ragged_ops.cc; expected values are written out by hand from TF's documented semantics
// (RaggedTensor.to_tensor pads with default_value and truncates to `shape`).
#include <gtest/gtest.h>

#include <string>
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
using runtime::testing::Strings;

class RaggedTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterRaggedKernels(r_); }
  Result<Tensor> ToTensor(Tensor shape, Tensor values, Tensor dflt, std::vector<Tensor> partitions,
                          std::vector<std::string> types) {
    KernelTester t("RaggedTensorToTensor", r_);
    tensorflow::AttrValue tv;
    for (const auto& s : types) tv.mutable_list()->add_s(s);
    t.Attr("T", values.dtype()).Attr("Tindex", partitions[0].dtype()).Attr("Tshape", shape.dtype());
    t.Attr("num_row_partition_tensors", static_cast<int64_t>(partitions.size())).Attr("row_partition_types", tv);
    t.Input(std::move(shape)).Input(std::move(values)).Input(std::move(dflt));
    for (Tensor& p : partitions) t.Input(std::move(p));
    SERVAL_ASSIGN_OR_RETURN(auto out, t.Run());
    return out.at(0);
  }
  runtime::KernelRegistry r_;
};

// [[1, 2, 3], [], [4]] -> natural [3, 3]
TEST_F(RaggedTest, RowSplitsNaturalShape) {
  auto o = ToTensor(Tensor::Scalar<int64_t>(-1), Int64s({1, 2, 3, 4}), Tensor::Scalar<int64_t>(0),
                    {Int64s({0, 3, 3, 4})}, {"ROW_SPLITS"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(*o, MakeTensor<int64_t>({1, 2, 3, 0, 0, 0, 4, 0, 0}, {3, 3}));
}

// TextVectorization(output_sequence_length=2 / 5): to_tensor(shape=[None, L]) truncates or pads.
TEST_F(RaggedTest, RowSplitsWithShapeTruncatesAndPads) {
  auto o = ToTensor(Int64s({-1, 2}), Int64s({1, 2, 3, 4}), Tensor::Scalar<int64_t>(0), {Int64s({0, 3, 3, 4})},
                    {"ROW_SPLITS"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(*o, MakeTensor<int64_t>({1, 2, 0, 0, 4, 0}, {3, 2}));
  o = ToTensor(Int32s({2, 5}), Int64s({1, 2, 3, 4}), Tensor::Scalar<int64_t>(-7), {Int64s({0, 3, 3, 4})},
               {"ROW_SPLITS"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(*o, MakeTensor<int64_t>({1, 2, 3, -7, -7, -7, -7, -7, -7, -7}, {2, 5}));
}

TEST_F(RaggedTest, FirstDimSizeAndValueRowids) {
  // rows 0 and 2 hold values, row 1 and 3 are empty: [["a", "b"], [], ["c"], []]
  auto o = ToTensor(Int64s({-1, -1}), Strings({"a", "b", "c"}), Tensor::Scalar<std::string>(""),
                    {Tensor::Scalar<int64_t>(4), Int64s({0, 0, 2})}, {"FIRST_DIM_SIZE", "VALUE_ROWIDS"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(*o, MakeTensor<std::string>({"a", "b", "", "", "c", "", "", ""}, {4, 2}));
  // unsorted row ids, and ids past the first dim
  EXPECT_FALSE(ToTensor(Int64s({-1, -1}), Strings({"a", "b"}), Tensor::Scalar<std::string>(""),
                        {Tensor::Scalar<int64_t>(4), Int64s({2, 0})}, {"FIRST_DIM_SIZE", "VALUE_ROWIDS"})
                   .ok());
  EXPECT_FALSE(ToTensor(Int64s({-1, -1}), Strings({"a", "b"}), Tensor::Scalar<std::string>(""),
                        {Tensor::Scalar<int64_t>(1), Int64s({0, 1})}, {"FIRST_DIM_SIZE", "VALUE_ROWIDS"})
                   .ok());
}

// Two ragged levels and a dense inner dim: [[[v0], [v1, v2]], [[v3]]], each v a pair of floats.
TEST_F(RaggedTest, TwoLevelsWithInnerDims) {
  auto o = ToTensor(Tensor::Scalar<int64_t>(-1), Floats({0, 1, 2, 3, 4, 5, 6, 7}, {4, 2}), Floats({9, 8}, {2}),
                    {Int64s({0, 2, 3}), Int64s({0, 1, 3, 4})}, {"ROW_SPLITS", "ROW_SPLITS"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, Floats({0, 1, 9, 8, 2, 3, 4, 5, 6, 7, 9, 8, 9, 8, 9, 8}, {2, 2, 2, 2}));
}

TEST_F(RaggedTest, Errors) {
  // splits do not cover the values
  EXPECT_FALSE(ToTensor(Tensor::Scalar<int64_t>(-1), Int64s({1, 2, 3, 4}), Tensor::Scalar<int64_t>(0), {Int64s({0, 3})},
                        {"ROW_SPLITS"})
                   .ok());
  EXPECT_FALSE(ToTensor(Tensor::Scalar<int64_t>(-1), Int64s({1, 2}), Tensor::Scalar<int64_t>(0), {Int64s({1, 2})},
                        {"ROW_SPLITS"})
                   .ok());
  EXPECT_FALSE(
      ToTensor(Int64s({-1, 2, 3}), Int64s({1, 2}), Tensor::Scalar<int64_t>(0), {Int64s({0, 2})}, {"ROW_SPLITS"}).ok());
  EXPECT_FALSE(
      ToTensor(Tensor::Scalar<int64_t>(-1), Int64s({1, 2}), Int64s({0, 0, 0}), {Int64s({0, 2})}, {"ROW_SPLITS"}).ok());
  KernelTester t("RaggedTensorToTensor", r_);
  tensorflow::AttrValue tv;
  tv.mutable_list()->add_s("ROW_LENGTHS");
  t.Attr("T", DataType::kInt64).Attr("row_partition_types", tv);
  EXPECT_EQ(t.Create().code(), StatusCode::kUnimplemented);
}

TEST_F(RaggedTest, SparseToDense) {
  KernelTester t("SparseToDense", r_);
  t.Attr("T", DataType::kFloat).Attr("Tindices", DataType::kInt64).Attr("validate_indices", true);
  t.Input(MakeTensor<int64_t>({0, 1, 1, 0, 1, 2}, {3, 2})).Input(Int64s({2, 3})).Input(Floats({5, 6, 7}, {3}));
  t.Input(Tensor::Scalar<float>(-1));
  auto o = t.Run();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(o->at(0), Floats({-1, 5, -1, 6, -1, 7}, {2, 3}));

  KernelTester v("SparseToDense", r_);  // 1-D indices, scalar value
  v.Attr("T", DataType::kInt32).Attr("validate_indices", true);
  v.Input(Int32s({0, 3})).Input(Int32s({5})).Input(Tensor::Scalar<int32_t>(1)).Input(Tensor::Scalar<int32_t>(0));
  o = v.Run();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(o->at(0), Int32s({1, 0, 0, 1, 0}));

  KernelTester oob("SparseToDense", r_);
  oob.Attr("T", DataType::kInt32).Attr("validate_indices", true);
  oob.Input(Int32s({0, 5})).Input(Int32s({5})).Input(Tensor::Scalar<int32_t>(1)).Input(Tensor::Scalar<int32_t>(0));
  EXPECT_FALSE(oob.Run().ok());
  KernelTester order("SparseToDense", r_);
  order.Attr("T", DataType::kInt32).Attr("validate_indices", true);
  order.Input(Int32s({3, 1})).Input(Int32s({5})).Input(Tensor::Scalar<int32_t>(1)).Input(Tensor::Scalar<int32_t>(0));
  EXPECT_FALSE(order.Run().ok());
}

}  // namespace
}  // namespace serval::kernels::cpu
