// Expected values are hand-computed; StridedSlice cases were cross-checked with tfjs 4.22
// (tf.stridedSlice(x, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask,
// shrinkAxisMask)), whose outputs are quoted beside them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorEqual;
using runtime::testing::Int32s;
using runtime::testing::Int64s;
using runtime::testing::KernelTester;
using runtime::testing::MakeTensor;
using ::testing::HasSubstr;

Tensor Range24() {
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i) v[i] = static_cast<float>(i);
  return MakeTensor<float>(v, TensorShape{2, 3, 4});
}

class SliceOpsTest : public ::testing::Test {
 protected:
  SliceOpsTest() { RegisterSliceKernels(r_); }
  KernelTester T(const char* op) { return KernelTester(op, r_); }
  Result<std::vector<Tensor>> SS(const Tensor& x, Tensor b, Tensor e, Tensor s, int bm, int em, int ell, int na, int sh) {
    return KernelTester("StridedSlice", r_)
        .Attr("T", x.dtype())
        .Attr("Index", b.dtype())
        .Attr("begin_mask", bm)
        .Attr("end_mask", em)
        .Attr("ellipsis_mask", ell)
        .Attr("new_axis_mask", na)
        .Attr("shrink_axis_mask", sh)
        .Input(x)
        .Input(std::move(b))
        .Input(std::move(e))
        .Input(std::move(s))
        .Run();
  }
  runtime::KernelRegistry r_;
};

TEST_F(SliceOpsTest, RegistersNoDuplicates) { EXPECT_TRUE(r_.Duplicates().empty()); }

TEST_F(SliceOpsTest, Slice) {
  Tensor x = MakeTensor<int32_t>({1, 2, 3, 4, 5, 6}, TensorShape{2, 3});
  auto a = T("Slice").Attr("T", DataType::kInt32).Input(x).Input(Int32s({0, 1})).Input(Int32s({-1, 2})).Run();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ExpectTensorEqual(a->at(0), MakeTensor<int32_t>({2, 3, 5, 6}, TensorShape{2, 2}));
  auto id = T("Slice").Attr("T", DataType::kInt32).Input(x).Input(Int64s({0, 0})).Input(Int64s({2, -1})).Run();
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->at(0).SharesBufferWith(x));
  auto e = T("Slice").Attr("T", DataType::kInt32).Input(x).Input(Int32s({2, 0})).Input(Int32s({0, 3})).Run();
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->at(0).shape(), (TensorShape{0, 3}));
  auto bad = T("Slice").Attr("T", DataType::kInt32).Input(x).Input(Int32s({1, 1})).Input(Int32s({1, 3})).Run();
  EXPECT_THAT(bad.status().message(), HasSubstr("Expected size[1] in [0, 2], but got 3"));
  EXPECT_FALSE(T("Slice").Attr("T", DataType::kInt32).Input(x).Input(Int32s({0})).Input(Int32s({1})).Run().ok());
}

TEST_F(SliceOpsTest, StridedSliceShrinkWithMasks) {
  // x[:, 1] -> tfjs: [2,4] [4,5,6,7,16,17,18,19]
  auto a = SS(Range24(), Int32s({0, 1}), Int32s({0, 2}), Int32s({1, 1}), 1, 1, 0, 0, 2);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ExpectTensorEqual(a->at(0), MakeTensor<float>({4, 5, 6, 7, 16, 17, 18, 19}, TensorShape{2, 4}));
}

TEST_F(SliceOpsTest, StridedSliceEllipsisNegativeStride) {
  // x[..., ::-2] -> tfjs: [2,3,2] [3,1,7,5,11,9,15,13,19,17,23,21]
  auto a = SS(Range24(), Int32s({0, 0}), Int32s({0, 0}), Int32s({1, -2}), 2, 2, 1, 0, 0);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ExpectTensorEqual(a->at(0), MakeTensor<float>({3, 1, 7, 5, 11, 9, 15, 13, 19, 17, 23, 21}, TensorShape{2, 3, 2}));
}

TEST_F(SliceOpsTest, StridedSliceNewAxisAndNegativeShrink) {
  // x[tf.newaxis, -1, :, 1:3] -> tfjs: [1,3,2] [13,14,17,18,21,22]
  auto a = SS(Range24(), Int64s({0, -1, 0, 1}), Int64s({0, 0, 0, 3}), Int64s({1, 1, 1, 1}), 4, 4, 0, 1, 2);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ExpectTensorEqual(a->at(0), MakeTensor<float>({13, 14, 17, 18, 21, 22}, TensorShape{1, 3, 2}));
}

TEST_F(SliceOpsTest, StridedSliceClamping) {
  Tensor x = MakeTensor<int32_t>({0, 1, 2, 3, 4}, TensorShape{5});
  // x[10:-10:-1] -> tfjs: [5] [4,3,2,1,0]
  auto a = SS(x, Int32s({10}), Int32s({-10}), Int32s({-1}), 0, 0, 0, 0, 0);
  ASSERT_TRUE(a.ok());
  ExpectTensorEqual(a->at(0), MakeTensor<int32_t>({4, 3, 2, 1, 0}, TensorShape{5}));
  // x[-100:100] is the whole tensor: aliased.
  auto b = SS(x, Int32s({-100}), Int32s({100}), Int32s({1}), 0, 0, 0, 0, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->at(0).SharesBufferWith(x));
  ExpectTensorEqual(b->at(0), x);
  // x[3:1] is empty; x[1:4:2] = [1,3]; x[-2:] = [3,4].
  auto c = SS(x, Int32s({3}), Int32s({1}), Int32s({1}), 0, 0, 0, 0, 0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->at(0).shape(), (TensorShape{0}));
  auto d = SS(x, Int32s({1}), Int32s({4}), Int32s({2}), 0, 0, 0, 0, 0);
  ASSERT_TRUE(d.ok());
  ExpectTensorEqual(d->at(0), MakeTensor<int32_t>({1, 3}, TensorShape{2}));
  auto e = SS(x, Int32s({-2}), Int32s({0}), Int32s({1}), 0, 1, 0, 0, 0);
  ASSERT_TRUE(e.ok());
  ExpectTensorEqual(e->at(0), MakeTensor<int32_t>({3, 4}, TensorShape{2}));
  // x[-1] as a scalar (shrink).
  auto f = SS(x, Int32s({-1}), Int32s({0}), Int32s({1}), 0, 0, 0, 0, 1);
  ASSERT_TRUE(f.ok());
  ExpectTensorEqual(f->at(0), Tensor::Scalar<int32_t>(4));
}

TEST_F(SliceOpsTest, StridedSliceErrors) {
  Tensor x = MakeTensor<int32_t>({0, 1, 2, 3, 4}, TensorShape{5});
  auto a = SS(x, Int32s({7}), Int32s({8}), Int32s({1}), 0, 0, 0, 0, 1);
  EXPECT_THAT(a.status().message(), HasSubstr("slice index 7 of dimension 0 out of bounds"));
  EXPECT_THAT(SS(x, Int32s({0}), Int32s({1}), Int32s({0}), 0, 0, 0, 0, 0).status().message(),
              HasSubstr("strides[0] must be non-zero"));
  EXPECT_THAT(SS(x, Int32s({0, 0}), Int32s({1, 1}), Int32s({1, 1}), 0, 0, 0, 0, 0).status().message(),
              HasSubstr("Index out of range using input dim 1"));
  EXPECT_THAT(SS(x, Int32s({0, 0}), Int32s({1, 1}), Int32s({1, 1}), 0, 0, 3, 0, 0).status().message(),
              HasSubstr("multiple ellipses"));
  EXPECT_FALSE(SS(x, Int32s({0}), Int32s({1, 1}), Int32s({1}), 0, 0, 0, 0, 0).ok());
  EXPECT_FALSE(SS(x, Int32s({0}), Int32s({1}), Int32s({-1}), 0, 0, 0, 0, 1).ok());
}

TEST_F(SliceOpsTest, StridedSliceStrings) {
  Tensor x = MakeTensor<std::string>({"a", "b", "c", "d"}, TensorShape{2, 2});
  auto a = SS(x, Int32s({0, 1}), Int32s({0, 2}), Int32s({1, 1}), 1, 1, 0, 0, 0);  // x[:, 1:2]
  ASSERT_TRUE(a.ok());
  ExpectTensorEqual(a->at(0), MakeTensor<std::string>({"b", "d"}, TensorShape{2, 1}));
}

TEST_F(SliceOpsTest, PackUnpack) {
  Tensor a = MakeTensor<int32_t>({1, 2, 3}, TensorShape{3});
  Tensor b = MakeTensor<int32_t>({4, 5, 6}, TensorShape{3});
  auto p0 = T("Pack").Attr("T", DataType::kInt32).Attr("N", 2).Attr("axis", 0).Input(a).Input(b).Run();
  ASSERT_TRUE(p0.ok());
  ExpectTensorEqual(p0->at(0), MakeTensor<int32_t>({1, 2, 3, 4, 5, 6}, TensorShape{2, 3}));
  auto p1 = T("Pack").Attr("T", DataType::kInt32).Attr("N", 2).Attr("axis", -1).Input(a).Input(b).Run();
  ASSERT_TRUE(p1.ok());
  ExpectTensorEqual(p1->at(0), MakeTensor<int32_t>({1, 4, 2, 5, 3, 6}, TensorShape{3, 2}));
  auto bad = T("Pack").Attr("T", DataType::kInt32).Attr("axis", 0).Input(a).Input(Int32s({1, 2})).Run();
  EXPECT_THAT(bad.status().message(), HasSubstr("[3] != values[1].shape = [2]"));
  EXPECT_FALSE(T("Pack").Attr("T", DataType::kInt32).Attr("axis", 2).Input(a).Input(b).Run().ok());

  Tensor m = MakeTensor<int32_t>({1, 2, 3, 4, 5, 6}, TensorShape{2, 3});
  auto u = T("Unpack").Attr("T", DataType::kInt32).Attr("num", 3).Attr("axis", 1).Input(m).NumOutputs(3).Run();
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  ExpectTensorEqual(u->at(0), MakeTensor<int32_t>({1, 4}, TensorShape{2}));
  ExpectTensorEqual(u->at(2), MakeTensor<int32_t>({3, 6}, TensorShape{2}));
  auto u0 = T("Unpack").Attr("T", DataType::kInt32).Attr("num", 2).Attr("axis", -2).Input(m).NumOutputs(2).Run();
  ASSERT_TRUE(u0.ok());
  ExpectTensorEqual(u0->at(1), MakeTensor<int32_t>({4, 5, 6}, TensorShape{3}));
  EXPECT_FALSE(T("Unpack").Attr("T", DataType::kInt32).Attr("num", 2).Attr("axis", 1).Input(m).NumOutputs(2).Run().ok());
}

TEST_F(SliceOpsTest, ConcatV2AndConcat) {
  Tensor a = MakeTensor<float>({1, 2, 3, 4}, TensorShape{2, 2});
  Tensor b = MakeTensor<float>({5, 6}, TensorShape{2, 1});
  auto c = T("ConcatV2").Attr("T", DataType::kFloat).Attr("N", 2).Input(a).Input(b).Input(Tensor::Scalar<int32_t>(-1)).Run();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectTensorEqual(c->at(0), MakeTensor<float>({1, 2, 5, 3, 4, 6}, TensorShape{2, 3}));
  auto c0 = T("Concat")
                .Attr("T", DataType::kFloat)
                .Attr("N", 2)
                .Input(Tensor::Scalar<int32_t>(0))
                .Input(a)
                .Input(MakeTensor<float>({}, TensorShape{0, 2}))
                .Run();
  ASSERT_TRUE(c0.ok());
  ExpectTensorEqual(c0->at(0), a);
  auto one = T("ConcatV2").Attr("T", DataType::kFloat).Attr("N", 1).Input(a).Input(Tensor::Scalar<int64_t>(0)).Run();
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one->at(0).SharesBufferWith(a));
  auto s = T("ConcatV2")
               .Attr("T", DataType::kString)
               .Input(MakeTensor<std::string>({"x"}, TensorShape{1}))
               .Input(MakeTensor<std::string>({"y", "z"}, TensorShape{2}))
               .Input(Tensor::Scalar<int32_t>(0))
               .Run();
  ASSERT_TRUE(s.ok());
  ExpectTensorEqual(s->at(0), MakeTensor<std::string>({"x", "y", "z"}, TensorShape{3}));
  auto bad = T("ConcatV2").Attr("T", DataType::kFloat).Input(a).Input(b).Input(Tensor::Scalar<int32_t>(0)).Run();
  EXPECT_THAT(bad.status().message(), HasSubstr("shape[0] = [2,2] vs. shape[1] = [2,1]"));
  EXPECT_FALSE(T("ConcatV2").Attr("T", DataType::kFloat).Input(a).Input(b).Input(Tensor::Scalar<int32_t>(2)).Run().ok());
  EXPECT_FALSE(T("ConcatV2").Attr("T", DataType::kFloat).Input(Tensor::Scalar<float>(1)).Input(Tensor::Scalar<float>(1))
                   .Input(Tensor::Scalar<int32_t>(0)).Run().ok());
}

TEST_F(SliceOpsTest, SplitAndSplitV) {
  Tensor m = MakeTensor<int32_t>({1, 2, 3, 4, 5, 6, 7, 8}, TensorShape{2, 4});
  auto s = T("Split").Attr("T", DataType::kInt32).Attr("num_split", 2).Input(Tensor::Scalar<int32_t>(-1)).Input(m)
               .NumOutputs(2).Run();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ExpectTensorEqual(s->at(0), MakeTensor<int32_t>({1, 2, 5, 6}, TensorShape{2, 2}));
  ExpectTensorEqual(s->at(1), MakeTensor<int32_t>({3, 4, 7, 8}, TensorShape{2, 2}));
  auto bad = T("Split").Attr("T", DataType::kInt32).Attr("num_split", 3).Input(Tensor::Scalar<int32_t>(1)).Input(m)
                 .NumOutputs(3).Run();
  EXPECT_THAT(bad.status().message(), HasSubstr("evenly divide"));

  auto v = T("SplitV")
               .Attr("T", DataType::kInt32)
               .Attr("Tlen", DataType::kInt64)
               .Attr("num_split", 3)
               .Input(m)
               .Input(Int64s({1, -1, 1}))
               .Input(Tensor::Scalar<int32_t>(1))
               .NumOutputs(3)
               .Run();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ExpectTensorEqual(v->at(0), MakeTensor<int32_t>({1, 5}, TensorShape{2, 1}));
  ExpectTensorEqual(v->at(1), MakeTensor<int32_t>({2, 3, 6, 7}, TensorShape{2, 2}));
  ExpectTensorEqual(v->at(2), MakeTensor<int32_t>({4, 8}, TensorShape{2, 1}));
  EXPECT_FALSE(T("SplitV")
                   .Attr("T", DataType::kInt32)
                   .Attr("num_split", 2)
                   .Input(m)
                   .Input(Int32s({1, 2}))
                   .Input(Tensor::Scalar<int32_t>(1))
                   .NumOutputs(2)
                   .Run()
                   .ok());
  EXPECT_FALSE(T("SplitV")
                   .Attr("T", DataType::kInt32)
                   .Attr("num_split", 2)
                   .Input(m)
                   .Input(Int32s({-1, -1}))
                   .Input(Tensor::Scalar<int32_t>(1))
                   .NumOutputs(2)
                   .Run()
                   .ok());
}

}  // namespace
}  // namespace serval::kernels::cpu
