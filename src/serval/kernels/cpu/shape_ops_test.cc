// Expected values are hand-computed unless a tfjs 4.22 reference is quoted beside them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorEqual;
using runtime::testing::ExpectTensorNear;
using runtime::testing::Int32s;
using runtime::testing::Int64s;
using runtime::testing::KernelTester;
using runtime::testing::MakeTensor;
using ::testing::HasSubstr;

class ShapeOpsTest : public ::testing::Test {
 protected:
  ShapeOpsTest() { RegisterShapeKernels(r_); }
  KernelTester T(const char* op) { return KernelTester(op, r_); }
  runtime::KernelRegistry r_;
};

TEST_F(ShapeOpsTest, RegistersNoDuplicates) { EXPECT_TRUE(r_.Duplicates().empty()); }

TEST_F(ShapeOpsTest, ShapeSizeRank) {
  Tensor x = MakeTensor<float>({}, TensorShape{2, 0, 3});
  auto s = T("Shape").Attr("T", DataType::kFloat).Input(x).Run();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ExpectTensorEqual(s->at(0), Int32s({2, 0, 3}));
  auto s64 = T("Shape").Attr("T", DataType::kFloat).Attr("out_type", DataType::kInt64).Input(x).Run();
  ASSERT_TRUE(s64.ok());
  ExpectTensorEqual(s64->at(0), Int64s({2, 0, 3}));
  auto n = T("ShapeN").Attr("out_type", DataType::kInt32).Input(x).Input(Tensor::Scalar<int32_t>(1)).NumOutputs(2).Run();
  ASSERT_TRUE(n.ok());
  ExpectTensorEqual(n->at(0), Int32s({2, 0, 3}));
  ExpectTensorEqual(n->at(1), MakeTensor<int32_t>({}, TensorShape{0}));
  auto size = T("Size").Input(MakeTensor<std::string>({"a", "b"}, TensorShape{2, 1})).Run();
  ASSERT_TRUE(size.ok());
  ExpectTensorEqual(size->at(0), Tensor::Scalar<int32_t>(2));
  auto rank = T("Rank").Input(x).Run();
  ASSERT_TRUE(rank.ok());
  ExpectTensorEqual(rank->at(0), Tensor::Scalar<int32_t>(3));
}

TEST_F(ShapeOpsTest, ReshapeInfersAndAliases) {
  Tensor x = MakeTensor<float>({1, 2, 3, 4, 5, 6}, TensorShape{2, 3});
  auto out = T("Reshape").Input(x).Input(Int32s({-1, 2})).Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), MakeTensor<float>({1, 2, 3, 4, 5, 6}, TensorShape{3, 2}));
  EXPECT_TRUE(out->at(0).SharesBufferWith(x));
  auto scalar = T("Reshape").Input(MakeTensor<int32_t>({7}, TensorShape{1, 1})).Input(Int64s({})).Run();
  ASSERT_TRUE(scalar.ok());
  ExpectTensorEqual(scalar->at(0), Tensor::Scalar<int32_t>(7));
}

TEST_F(ShapeOpsTest, ReshapeZeroSize) {
  // [2,0] -> [-1,0]: the -1 is inferred from the non-zero dims (TF infers 2).
  auto a = T("Reshape").Input(MakeTensor<float>({}, TensorShape{2, 0})).Input(Int32s({-1, 0})).Run();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->at(0).shape(), (TensorShape{2, 0}));
  // [0,3] -> [3,-1]: 0 elements / 3 = 0.
  auto b = T("Reshape").Input(MakeTensor<float>({}, TensorShape{0, 3})).Input(Int32s({3, -1})).Run();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->at(0).shape(), (TensorShape{3, 0}));
}

TEST_F(ShapeOpsTest, ReshapeErrors) {
  Tensor x = MakeTensor<float>({1, 2, 3, 4, 5, 6}, TensorShape{2, 3});
  auto a = T("Reshape").Input(x).Input(Int32s({2, 2})).Run();
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(a.status().message(), HasSubstr("Input to reshape is a tensor with 6 values, but the requested shape has 4"));
  auto b = T("Reshape").Input(x).Input(Int32s({-1, 4})).Run();
  EXPECT_THAT(b.status().message(), HasSubstr("requires a multiple of 4"));
  auto c = T("Reshape").Input(x).Input(Int32s({-1, -1})).Run();
  EXPECT_THAT(c.status().message(), HasSubstr("only one input size may be -1"));
  auto d = T("Reshape").Input(x).Input(Int32s({-2, -3})).Run();
  EXPECT_THAT(d.status().message(), HasSubstr("must be non-negative"));
}

TEST_F(ShapeOpsTest, ExpandDimsAndSqueeze) {
  Tensor x = MakeTensor<int32_t>({1, 2, 3, 4, 5, 6}, TensorShape{2, 3});
  auto a = T("ExpandDims").Input(x).Input(Tensor::Scalar<int32_t>(-1)).Run();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->at(0).shape(), (TensorShape{2, 3, 1}));
  EXPECT_TRUE(a->at(0).SharesBufferWith(x));
  auto b = T("ExpandDims").Input(x).Input(Tensor::Scalar<int64_t>(-3)).Run();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->at(0).shape(), (TensorShape{1, 2, 3}));
  EXPECT_FALSE(T("ExpandDims").Input(x).Input(Tensor::Scalar<int32_t>(3)).Run().ok());
  EXPECT_FALSE(T("ExpandDims").Input(x).Input(Tensor::Scalar<int32_t>(-4)).Run().ok());

  Tensor y = MakeTensor<float>({1, 2}, TensorShape{1, 2, 1});
  auto all = T("Squeeze").Input(y).Run();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->at(0).shape(), (TensorShape{2}));
  auto last = T("Squeeze").Attr("squeeze_dims", std::vector<int64_t>{-1}).Input(y).Run();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->at(0).shape(), (TensorShape{1, 2}));
  auto bad = T("Squeeze").Attr("squeeze_dims", std::vector<int64_t>{1}).Input(y).Run();
  EXPECT_THAT(bad.status().message(), HasSubstr("expected a dimension of 1, got 2"));
  EXPECT_FALSE(T("Squeeze").Attr("squeeze_dims", std::vector<int64_t>{3}).Input(y).Run().ok());
}

TEST_F(ShapeOpsTest, Fill) {
  auto a = T("Fill").Attr("T", DataType::kFloat).Input(Int32s({2, 2})).Input(Tensor::Scalar<float>(7.5f)).Run();
  ASSERT_TRUE(a.ok());
  ExpectTensorEqual(a->at(0), MakeTensor<float>({7.5f, 7.5f, 7.5f, 7.5f}, TensorShape{2, 2}));
  auto s = T("Fill").Attr("T", DataType::kString).Input(Int64s({3})).Input(Tensor::Scalar<std::string>("ab")).Run();
  ASSERT_TRUE(s.ok());
  ExpectTensorEqual(s->at(0), MakeTensor<std::string>({"ab", "ab", "ab"}, TensorShape{3}));
  auto e = T("Fill").Attr("T", DataType::kFloat).Input(Int32s({0, 4})).Input(Tensor::Scalar<float>(1)).Run();
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->at(0).shape(), (TensorShape{0, 4}));
  EXPECT_FALSE(T("Fill").Attr("T", DataType::kFloat).Input(Int32s({-1})).Input(Tensor::Scalar<float>(1)).Run().ok());
  EXPECT_FALSE(T("Fill").Attr("T", DataType::kFloat).Input(Int32s({2})).Input(Int32s({1})).Run().ok());
}

TEST_F(ShapeOpsTest, BroadcastToAndArgs) {
  auto a = T("BroadcastTo")
               .Attr("T", DataType::kInt32)
               .Input(MakeTensor<int32_t>({1, 2}, TensorShape{2, 1}))
               .Input(Int32s({2, 3}))
               .Run();
  ASSERT_TRUE(a.ok());
  ExpectTensorEqual(a->at(0), MakeTensor<int32_t>({1, 1, 1, 2, 2, 2}, TensorShape{2, 3}));
  auto b = T("BroadcastTo")
               .Attr("T", DataType::kFloat)
               .Input(MakeTensor<float>({1, 2, 3}, TensorShape{3}))
               .Input(Int64s({2, 1, 3}))
               .Run();
  ASSERT_TRUE(b.ok());
  ExpectTensorEqual(b->at(0), MakeTensor<float>({1, 2, 3, 1, 2, 3}, TensorShape{2, 1, 3}));
  auto z = T("BroadcastTo")
               .Attr("T", DataType::kFloat)
               .Input(MakeTensor<float>({1}, TensorShape{1}))
               .Input(Int32s({0, 3}))
               .Run();
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->at(0).shape(), (TensorShape{0, 3}));
  auto bad = T("BroadcastTo")
                 .Attr("T", DataType::kFloat)
                 .Input(MakeTensor<float>({1, 2}, TensorShape{2}))
                 .Input(Int32s({3}))
                 .Run();
  EXPECT_THAT(bad.status().message(), HasSubstr("[2]"));
  EXPECT_THAT(bad.status().message(), HasSubstr("[3]"));

  auto args = T("BroadcastArgs").Attr("T", DataType::kInt32).Input(Int32s({2, 1})).Input(Int32s({3})).Run();
  ASSERT_TRUE(args.ok());
  ExpectTensorEqual(args->at(0), Int32s({2, 3}));
  auto args0 = T("BroadcastArgs").Attr("T", DataType::kInt64).Input(Int64s({1, 0})).Input(Int64s({5, 1})).Run();
  ASSERT_TRUE(args0.ok());
  ExpectTensorEqual(args0->at(0), Int64s({5, 0}));
  auto bad2 = T("BroadcastArgs").Attr("T", DataType::kInt32).Input(Int32s({2})).Input(Int32s({3})).Run();
  EXPECT_THAT(bad2.status().message(), HasSubstr("[2] vs. [3]"));
}

TEST_F(ShapeOpsTest, Tile) {
  Tensor x = MakeTensor<int32_t>({1, 2, 3, 4}, TensorShape{2, 2});
  auto a = T("Tile").Attr("T", DataType::kInt32).Input(x).Input(Int32s({2, 1})).Run();
  ASSERT_TRUE(a.ok());
  ExpectTensorEqual(a->at(0), MakeTensor<int32_t>({1, 2, 3, 4, 1, 2, 3, 4}, TensorShape{4, 2}));
  auto b = T("Tile").Attr("T", DataType::kInt32).Input(x).Input(Int64s({1, 2})).Run();
  ASSERT_TRUE(b.ok());
  ExpectTensorEqual(b->at(0), MakeTensor<int32_t>({1, 2, 1, 2, 3, 4, 3, 4}, TensorShape{2, 4}));
  auto c = T("Tile")
               .Attr("T", DataType::kString)
               .Input(MakeTensor<std::string>({"a", "b"}, TensorShape{2}))
               .Input(Int32s({2}))
               .Run();
  ASSERT_TRUE(c.ok());
  ExpectTensorEqual(c->at(0), MakeTensor<std::string>({"a", "b", "a", "b"}, TensorShape{4}));
  auto z = T("Tile").Attr("T", DataType::kInt32).Input(x).Input(Int32s({0, 3})).Run();
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->at(0).shape(), (TensorShape{0, 6}));
  EXPECT_FALSE(T("Tile").Attr("T", DataType::kInt32).Input(x).Input(Int32s({2})).Run().ok());
  EXPECT_FALSE(T("Tile").Attr("T", DataType::kInt32).Input(x).Input(Int32s({-1, 1})).Run().ok());
}

TEST_F(ShapeOpsTest, PadAndPadV2) {
  Tensor x = MakeTensor<float>({1, 2, 3, 4}, TensorShape{2, 2});
  Tensor pads = MakeTensor<int32_t>({1, 0, 0, 2}, TensorShape{2, 2});
  auto a = T("Pad").Attr("T", DataType::kFloat).Input(x).Input(pads).Run();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ExpectTensorEqual(a->at(0), MakeTensor<float>({0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0}, TensorShape{3, 4}));
  auto b = T("PadV2").Attr("T", DataType::kFloat).Input(x).Input(pads).Input(Tensor::Scalar<float>(9)).Run();
  ASSERT_TRUE(b.ok());
  ExpectTensorEqual(b->at(0), MakeTensor<float>({9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9}, TensorShape{3, 4}));
  auto empty = T("Pad")
                   .Attr("T", DataType::kInt32)
                   .Input(MakeTensor<int32_t>({}, TensorShape{0}))
                   .Input(MakeTensor<int64_t>({1, 1}, TensorShape{1, 2}))
                   .Run();
  ASSERT_TRUE(empty.ok());
  ExpectTensorEqual(empty->at(0), MakeTensor<int32_t>({0, 0}, TensorShape{2}));
  auto neg =
      T("Pad").Attr("T", DataType::kFloat).Input(x).Input(MakeTensor<int32_t>({-1, 0, 0, 0}, TensorShape{2, 2})).Run();
  EXPECT_THAT(neg.status().message(), HasSubstr("non-negative"));
  EXPECT_FALSE(
      T("Pad").Attr("T", DataType::kFloat).Input(x).Input(MakeTensor<int32_t>({1, 1}, TensorShape{1, 2})).Run().ok());
}

TEST_F(ShapeOpsTest, MirrorPad) {
  Tensor x = MakeTensor<float>({1, 2, 3}, TensorShape{3});
  Tensor pads = MakeTensor<int32_t>({2, 2}, TensorShape{1, 2});
  // tfjs: tf.mirrorPad(tf.tensor1d([1,2,3]), [[2,2]], 'reflect') -> [3,2,1,2,3,2,1]
  auto a = T("MirrorPad").Attr("T", DataType::kFloat).Attr("mode", "REFLECT").Input(x).Input(pads).Run();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ExpectTensorEqual(a->at(0), MakeTensor<float>({3, 2, 1, 2, 3, 2, 1}, TensorShape{7}));
  // tfjs: 'symmetric' -> [2,1,1,2,3,3,2]
  auto b = T("MirrorPad").Attr("T", DataType::kFloat).Attr("mode", "SYMMETRIC").Input(x).Input(pads).Run();
  ASSERT_TRUE(b.ok());
  ExpectTensorEqual(b->at(0), MakeTensor<float>({2, 1, 1, 2, 3, 3, 2}, TensorShape{7}));
  // 2-D, REFLECT [[1,1],[0,1]] on [[1,2],[3,4]]: rows 3,1,3 (reflected row index 1,0,1), cols a,b,a.
  auto c = T("MirrorPad")
               .Attr("T", DataType::kInt32)
               .Attr("mode", "REFLECT")
               .Input(MakeTensor<int32_t>({1, 2, 3, 4}, TensorShape{2, 2}))
               .Input(MakeTensor<int64_t>({1, 1, 0, 1}, TensorShape{2, 2}))
               .Run();
  ASSERT_TRUE(c.ok());
  ExpectTensorEqual(c->at(0), MakeTensor<int32_t>({3, 4, 3, 1, 2, 1, 3, 4, 3, 1, 2, 1}, TensorShape{4, 3}));
  auto bad = T("MirrorPad")
                 .Attr("T", DataType::kFloat)
                 .Attr("mode", "REFLECT")
                 .Input(x)
                 .Input(MakeTensor<int32_t>({3, 0}, TensorShape{1, 2}))
                 .Run();
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(T("MirrorPad")
                  .Attr("T", DataType::kFloat)
                  .Attr("mode", "SYMMETRIC")
                  .Input(x)
                  .Input(MakeTensor<int32_t>({3, 0}, TensorShape{1, 2}))
                  .Run()
                  .ok());
  EXPECT_FALSE(T("MirrorPad").Attr("T", DataType::kFloat).Attr("mode", "WRAP").Input(x).Input(pads).Run().ok());
}

TEST_F(ShapeOpsTest, TransposeSmall) {
  auto a = T("Transpose")
               .Attr("T", DataType::kInt32)
               .Input(MakeTensor<int32_t>({1, 2, 3, 4, 5, 6}, TensorShape{2, 3}))
               .Input(Int32s({1, 0}))
               .Run();
  ASSERT_TRUE(a.ok());
  ExpectTensorEqual(a->at(0), MakeTensor<int32_t>({1, 4, 2, 5, 3, 6}, TensorShape{3, 2}));
  std::vector<float> r24(24);
  for (int i = 0; i < 24; ++i) r24[i] = static_cast<float>(i);
  Tensor x = MakeTensor<float>(r24, TensorShape{2, 3, 4});
  // tfjs: tf.transpose(tf.range(0,24).reshape([2,3,4]), [2,0,1])
  auto b = T("Transpose").Attr("T", DataType::kFloat).Input(x).Input(Int64s({2, 0, 1})).Run();
  ASSERT_TRUE(b.ok());
  ExpectTensorEqual(b->at(0), MakeTensor<float>({0, 4, 8,  12, 16, 20, 1, 5, 9,  13, 17, 21,
                                                 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23},
                                                TensorShape{4, 2, 3}));
  // [0,2,1]: batched 2-D transpose.
  auto c = T("Transpose").Attr("T", DataType::kFloat).Input(x).Input(Int32s({0, 2, 1})).Run();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->at(0).shape(), (TensorShape{2, 4, 3}));
  EXPECT_EQ(c->at(0).flat<float>()[1], 4.0f);   // out[0,0,1] = x[0,1,0]
  EXPECT_EQ(c->at(0).flat<float>()[14], 20.0f);  // out[1,0,2] = x[1,2,0] = 12 + 2*4
}

TEST_F(ShapeOpsTest, TransposeLargeMatchesDefinition) {
  const int64_t b = 3, m = 70, n = 45;
  std::vector<float> v(static_cast<size_t>(b * m * n));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.5f;
  Tensor x = MakeTensor<float>(v, TensorShape{b, m, n});
  for (auto perm : std::vector<std::vector<int32_t>>{{0, 2, 1}, {1, 0, 2}, {2, 1, 0}, {1, 2, 0}}) {
    auto out = T("Transpose").Attr("T", DataType::kFloat).Input(x).Input(Int32s(perm)).Run();
    ASSERT_TRUE(out.ok());
    const int64_t in_dims[3] = {b, m, n};
    const int64_t od[3] = {in_dims[perm[0]], in_dims[perm[1]], in_dims[perm[2]]};
    auto o = out->at(0).flat<float>();
    for (int64_t i = 0; i < od[0]; ++i) {
      for (int64_t j = 0; j < od[1]; ++j) {
        for (int64_t k = 0; k < od[2]; ++k) {
          int64_t idx[3];
          idx[perm[0]] = i;
          idx[perm[1]] = j;
          idx[perm[2]] = k;
          const float want = static_cast<float>((idx[0] * m + idx[1]) * n + idx[2]) * 0.5f;
          ASSERT_EQ(o[(i * od[1] + j) * od[2] + k], want) << perm[0] << perm[1] << perm[2] << " at " << i << "," << j << "," << k;
        }
      }
    }
  }
}

TEST_F(ShapeOpsTest, TransposeAliasesSizeOneMovesAndRejectsBadPerm) {
  Tensor x = MakeTensor<float>({1, 2, 3}, TensorShape{1, 3});
  auto a = T("Transpose").Attr("T", DataType::kFloat).Input(x).Input(Int32s({1, 0})).Run();
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->at(0).SharesBufferWith(x));
  ExpectTensorEqual(a->at(0), MakeTensor<float>({1, 2, 3}, TensorShape{3, 1}));
  EXPECT_THAT(T("Transpose").Attr("T", DataType::kFloat).Input(x).Input(Int32s({0, 0})).Run().status().message(),
              HasSubstr("duplicated"));
  EXPECT_FALSE(T("Transpose").Attr("T", DataType::kFloat).Input(x).Input(Int32s({0, 2})).Run().ok());
  EXPECT_FALSE(T("Transpose").Attr("T", DataType::kFloat).Input(x).Input(Int32s({0})).Run().ok());
}

TEST_F(ShapeOpsTest, Reverse) {
  Tensor x = MakeTensor<int32_t>({1, 2, 3, 4, 5, 6}, TensorShape{2, 3});
  auto a = T("ReverseV2").Attr("T", DataType::kInt32).Input(x).Input(Int32s({-1})).Run();
  ASSERT_TRUE(a.ok());
  ExpectTensorEqual(a->at(0), MakeTensor<int32_t>({3, 2, 1, 6, 5, 4}, TensorShape{2, 3}));
  auto b = T("ReverseV2").Attr("T", DataType::kInt32).Input(x).Input(Int64s({0, 1})).Run();
  ASSERT_TRUE(b.ok());
  ExpectTensorEqual(b->at(0), MakeTensor<int32_t>({6, 5, 4, 3, 2, 1}, TensorShape{2, 3}));
  auto c =
      T("Reverse").Attr("T", DataType::kInt32).Input(x).Input(MakeTensor<bool>({true, false}, TensorShape{2})).Run();
  ASSERT_TRUE(c.ok());
  ExpectTensorEqual(c->at(0), MakeTensor<int32_t>({4, 5, 6, 1, 2, 3}, TensorShape{2, 3}));
  EXPECT_THAT(T("ReverseV2").Attr("T", DataType::kInt32).Input(x).Input(Int32s({1, -1})).Run().status().message(),
              HasSubstr("more than once"));
  EXPECT_FALSE(T("ReverseV2").Attr("T", DataType::kInt32).Input(x).Input(Int32s({2})).Run().ok());
}

TEST_F(ShapeOpsTest, Where) {
  auto a = T("Where")
               .Attr("T", DataType::kBool)
               .Input(MakeTensor<bool>({true, false, false, true}, TensorShape{2, 2}))
               .Run();
  ASSERT_TRUE(a.ok());
  ExpectTensorEqual(a->at(0), MakeTensor<int64_t>({0, 0, 1, 1}, TensorShape{2, 2}));
  // -0.0 is false, NaN is true (value comparison with 0).
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto b =
      T("Where").Attr("T", DataType::kFloat).Input(MakeTensor<float>({-0.0f, nan, 0.0f, 2.0f}, TensorShape{4})).Run();
  ASSERT_TRUE(b.ok());
  ExpectTensorEqual(b->at(0), MakeTensor<int64_t>({1, 3}, TensorShape{2, 1}));
  auto c = T("Where").Attr("T", DataType::kInt32).Input(MakeTensor<int32_t>({}, TensorShape{0, 3})).Run();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->at(0).shape(), (TensorShape{0, 2}));
}

}  // namespace
}  // namespace serval::kernels::cpu
