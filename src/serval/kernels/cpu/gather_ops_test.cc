// Expected values are hand-computed unless a tfjs 4.22 reference is quoted beside them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/resource.h"
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

class GatherOpsTest : public ::testing::Test {
 protected:
  GatherOpsTest() { RegisterGatherKernels(r_); }
  KernelTester T(const char* op) { return KernelTester(op, r_); }
  Result<std::vector<Tensor>> GatherV2(const Tensor& p, const Tensor& i, int64_t axis, int batch_dims = 0) {
    return T("GatherV2").Attr("Tparams", p.dtype()).Attr("batch_dims", batch_dims).Input(p).Input(i)
        .Input(Tensor::Scalar<int64_t>(axis)).Run();
  }
  runtime::KernelRegistry r_;
};

TEST_F(GatherOpsTest, RegistersNoDuplicates) { EXPECT_TRUE(r_.Duplicates().empty()); }

TEST_F(GatherOpsTest, GatherV2Axes) {
  Tensor p = MakeTensor<float>({1, 2, 3, 4, 5, 6}, TensorShape{3, 2});
  auto a = GatherV2(p, Int32s({2, 0, 2}), 0);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ExpectTensorEqual(a->at(0), MakeTensor<float>({5, 6, 1, 2, 5, 6}, TensorShape{3, 2}));
  auto b = GatherV2(p, MakeTensor<int64_t>({1, 1, 0, 1}, TensorShape{2, 2}), -1);
  ASSERT_TRUE(b.ok());
  ExpectTensorEqual(b->at(0), MakeTensor<float>({2, 2, 1, 2, 4, 4, 3, 4, 6, 6, 5, 6}, TensorShape{3, 2, 2}));
  auto s = GatherV2(MakeTensor<std::string>({"a", "b", "c"}, TensorShape{3}), Tensor::Scalar<int32_t>(1), 0);
  ASSERT_TRUE(s.ok());
  ExpectTensorEqual(s->at(0), Tensor::Scalar<std::string>("b"));
}

// Keras Embedding: rows of the embedding matrix by token id, read from the variable.
TEST_F(GatherOpsTest, ResourceGatherReadsTheVariable) {
  auto var = std::make_shared<runtime::Variable>(DataType::kFloat, "embeddings");
  var->Assign(MakeTensor<float>({0, 0.5f, 1, 1.5f, 2, 2.5f}, TensorShape{3, 2}));
  Tensor handle(DataType::kResource, TensorShape{});
  handle.flat<ObjectPtr>()[0] = var;
  auto out = T("ResourceGather")
                 .Attr("dtype", DataType::kFloat)
                 .Attr("Tindices", DataType::kInt32)
                 .Input(handle)
                 .Input(MakeTensor<int32_t>({2, 0, 2, 1}, TensorShape{2, 2}))
                 .Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // Row k of [[0,.5],[1,1.5],[2,2.5]] for ids [[2,0],[2,1]] (hand computed).
  ExpectTensorEqual(out->at(0), MakeTensor<float>({2, 2.5f, 0, 0.5f, 2, 2.5f, 1, 1.5f}, TensorShape{2, 2, 2}));
  auto bad = T("ResourceGather").Attr("dtype", DataType::kFloat).Input(handle).Input(Int32s({3})).Run();
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("is not in [0, 3)"));
}

TEST_F(GatherOpsTest, GatherV2BatchDims) {
  // params [2,3], indices [2,2], batch_dims=1: out[b,j] = params[b, idx[b,j]].
  Tensor p = MakeTensor<int32_t>({10, 11, 12, 20, 21, 22}, TensorShape{2, 3});
  auto a = GatherV2(p, MakeTensor<int32_t>({2, 0, 1, 1}, TensorShape{2, 2}), 1, 1);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ExpectTensorEqual(a->at(0), MakeTensor<int32_t>({12, 10, 21, 21}, TensorShape{2, 2}));
  auto neg = GatherV2(p, MakeTensor<int32_t>({2, 0, 1, 1}, TensorShape{2, 2}), 1, -1);
  ASSERT_TRUE(neg.ok());
  ExpectTensorEqual(neg->at(0), a->at(0));
  EXPECT_FALSE(GatherV2(p, MakeTensor<int32_t>({0, 0, 0}, TensorShape{3, 1}), 1, 1).ok());  // batch dim mismatch
  EXPECT_FALSE(GatherV2(p, MakeTensor<int32_t>({0, 0}, TensorShape{2, 1}), 0, 1).ok());     // batch_dims > axis
}

TEST_F(GatherOpsTest, GatherV2OutOfRange) {
  Tensor p = MakeTensor<float>({1, 2, 3, 4, 5}, TensorShape{5});
  auto a = GatherV2(p, Int32s({0, 1, 2, 7}), 0);
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(a.status().message(), HasSubstr("indices[3] = 7 is not in [0, 5)"));
  auto b = GatherV2(p, MakeTensor<int64_t>({0, 1, -1, 0}, TensorShape{2, 2}), 0);
  EXPECT_THAT(b.status().message(), HasSubstr("indices[1,0] = -1 is not in [0, 5)"));
  EXPECT_FALSE(GatherV2(p, Int32s({0}), 1).ok());
  // Empty params with empty indices is fine.
  auto e = GatherV2(MakeTensor<float>({}, TensorShape{0, 3}), MakeTensor<int32_t>({}, TensorShape{0}), 0);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->at(0).shape(), (TensorShape{0, 3}));
}

TEST_F(GatherOpsTest, GatherV1) {
  auto a = T("Gather")
               .Attr("Tparams", DataType::kInt32)
               .Input(MakeTensor<int32_t>({1, 2, 3, 4}, TensorShape{2, 2}))
               .Input(Int64s({1, 0}))
               .Run();
  ASSERT_TRUE(a.ok());
  ExpectTensorEqual(a->at(0), MakeTensor<int32_t>({3, 4, 1, 2}, TensorShape{2, 2}));
}

TEST_F(GatherOpsTest, GatherNd) {
  Tensor p = MakeTensor<int32_t>({1, 2, 3, 4}, TensorShape{2, 2});
  auto a = T("GatherNd")
               .Attr("Tparams", DataType::kInt32)
               .Input(p)
               .Input(MakeTensor<int32_t>({1, 0, 0, 1}, TensorShape{2, 2}))
               .Run();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ExpectTensorEqual(a->at(0), MakeTensor<int32_t>({3, 2}, TensorShape{2}));
  auto b =
      T("GatherNd").Attr("Tparams", DataType::kInt32).Input(p).Input(MakeTensor<int64_t>({1}, TensorShape{1, 1})).Run();
  ASSERT_TRUE(b.ok());
  ExpectTensorEqual(b->at(0), MakeTensor<int32_t>({3, 4}, TensorShape{1, 2}));
  auto bad = T("GatherNd")
                 .Attr("Tparams", DataType::kInt32)
                 .Input(p)
                 .Input(MakeTensor<int32_t>({0, 0, 2, 0}, TensorShape{2, 2}))
                 .Run();
  EXPECT_THAT(bad.status().message(), HasSubstr("indices[1] = [2, 0] does not index into param shape [2,2]"));
  EXPECT_FALSE(T("GatherNd")
                   .Attr("Tparams", DataType::kInt32)
                   .Input(p)
                   .Input(MakeTensor<int32_t>({0, 0, 0}, TensorShape{1, 3}))
                   .Run()
                   .ok());
}

TEST_F(GatherOpsTest, OneHot) {
  auto onehot = [&](Tensor idx, int depth, int axis) {
    return T("OneHot").Attr("T", DataType::kFloat).Attr("TI", idx.dtype()).Attr("axis", axis).Input(idx)
        .Input(Tensor::Scalar<int32_t>(depth)).Input(Tensor::Scalar<float>(5)).Input(Tensor::Scalar<float>(-1)).Run();
  };
  // -1 and 5 are out of range: rows of off_value.
  auto a = onehot(Int32s({0, 2, -1, 5}), 3, -1);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ExpectTensorEqual(a->at(0), MakeTensor<float>({5, -1, -1, -1, -1, 5, -1, -1, -1, -1, -1, -1}, TensorShape{4, 3}));
  auto b = onehot(Int64s({0, 2}), 3, 0);
  ASSERT_TRUE(b.ok());
  ExpectTensorEqual(b->at(0), MakeTensor<float>({5, -1, -1, -1, -1, 5}, TensorShape{3, 2}));
  auto u8 = onehot(MakeTensor<uint8_t>({1}, TensorShape{1}), 2, -1);
  ASSERT_TRUE(u8.ok());
  ExpectTensorEqual(u8->at(0), MakeTensor<float>({-1, 5}, TensorShape{1, 2}));
  EXPECT_FALSE(onehot(Int32s({0}), -1, -1).ok());
  EXPECT_FALSE(onehot(Int32s({0}), 2, 2).ok());
}

TEST_F(GatherOpsTest, Range) {
  auto a = T("Range").Attr("Tidx", DataType::kInt32).Input(Tensor::Scalar<int32_t>(0)).Input(Tensor::Scalar<int32_t>(10))
               .Input(Tensor::Scalar<int32_t>(3)).Run();
  ASSERT_TRUE(a.ok());
  ExpectTensorEqual(a->at(0), Int32s({0, 3, 6, 9}));
  auto b = T("Range").Attr("Tidx", DataType::kInt64).Input(Tensor::Scalar<int64_t>(5)).Input(Tensor::Scalar<int64_t>(-1))
               .Input(Tensor::Scalar<int64_t>(-2)).Run();
  ASSERT_TRUE(b.ok());
  ExpectTensorEqual(b->at(0), Int64s({5, 3, 1}));
  // tfjs: tf.range(0, 1, 0.1) -> [0,0.10000000149011612,0.20000000298023224,0.30000001192092896,
  //   0.4000000059604645,0.5,0.6000000238418579,0.7000000476837158,0.8000000715255737,0.9000000953674316]
  // (float accumulation, as TF's RangeFunctor).
  auto c = T("Range").Attr("Tidx", DataType::kFloat).Input(Tensor::Scalar<float>(0)).Input(Tensor::Scalar<float>(1))
               .Input(Tensor::Scalar<float>(0.1f)).Run();
  ASSERT_TRUE(c.ok());
  ExpectTensorEqual(c->at(0), MakeTensor<float>({0.0f, 0.10000000149011612f, 0.20000000298023224f, 0.30000001192092896f,
                                                 0.4000000059604645f, 0.5f, 0.6000000238418579f, 0.7000000476837158f,
                                                 0.8000000715255737f, 0.9000000953674316f},
                                                TensorShape{10}));
  auto e = T("Range").Attr("Tidx", DataType::kInt32).Input(Tensor::Scalar<int32_t>(3)).Input(Tensor::Scalar<int32_t>(3))
               .Input(Tensor::Scalar<int32_t>(1)).Run();
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->at(0).shape(), (TensorShape{0}));
  auto z = T("Range").Attr("Tidx", DataType::kInt32).Input(Tensor::Scalar<int32_t>(0)).Input(Tensor::Scalar<int32_t>(3))
               .Input(Tensor::Scalar<int32_t>(0)).Run();
  EXPECT_THAT(z.status().message(), HasSubstr("delta != 0"));
  auto w = T("Range").Attr("Tidx", DataType::kInt32).Input(Tensor::Scalar<int32_t>(5)).Input(Tensor::Scalar<int32_t>(1))
               .Input(Tensor::Scalar<int32_t>(1)).Run();
  EXPECT_THAT(w.status().message(), HasSubstr("start <= limit when delta > 0: 5/1"));
}

TEST_F(GatherOpsTest, LinSpace) {
  // tfjs: tf.linspace(0, 1, 7) -> [0,0.1666666716337204,0.3333333432674408,0.5,0.6666666865348816,
  //   0.8333333730697632,1]
  auto a = T("LinSpace").Attr("T", DataType::kFloat).Attr("Tidx", DataType::kInt32).Input(Tensor::Scalar<float>(0))
               .Input(Tensor::Scalar<float>(1)).Input(Tensor::Scalar<int32_t>(7)).Run();
  ASSERT_TRUE(a.ok());
  ExpectTensorEqual(a->at(0), MakeTensor<float>({0.0f, 0.1666666716337204f, 0.3333333432674408f, 0.5f,
                                                 0.6666666865348816f, 0.8333333730697632f, 1.0f},
                                                TensorShape{7}));
  EXPECT_FALSE(T("LinSpace").Attr("T", DataType::kFloat).Input(Tensor::Scalar<float>(0)).Input(Tensor::Scalar<float>(1))
                   .Input(Tensor::Scalar<int32_t>(0)).Run().ok());
}

TEST_F(GatherOpsTest, TopKV2) {
  Tensor x = MakeTensor<float>({1, 3, 3, 2, 9, -1, 4, 4}, TensorShape{2, 4});
  auto a = T("TopKV2").Attr("T", DataType::kFloat).Input(x).Input(Tensor::Scalar<int32_t>(2)).NumOutputs(2).Run();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ExpectTensorEqual(a->at(0), MakeTensor<float>({3, 3, 9, 4}, TensorShape{2, 2}));
  ExpectTensorEqual(a->at(1), MakeTensor<int32_t>({1, 2, 0, 2}, TensorShape{2, 2}));  // ties: lower index first
  auto z = T("TopKV2")
               .Attr("T", DataType::kInt64)
               .Input(MakeTensor<int64_t>({5, 7}, TensorShape{2}))
               .Input(Tensor::Scalar<int32_t>(0))
               .NumOutputs(2)
               .Run();
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->at(0).shape(), (TensorShape{0}));
  auto bad = T("TopKV2").Attr("T", DataType::kFloat).Input(x).Input(Tensor::Scalar<int32_t>(5)).NumOutputs(2).Run();
  EXPECT_THAT(bad.status().message(), HasSubstr("Had 4, needed 5"));
  EXPECT_FALSE(T("TopKV2").Attr("T", DataType::kFloat).Input(x).Input(Tensor::Scalar<int32_t>(-1)).NumOutputs(2).Run().ok());
}

TEST_F(GatherOpsTest, InvertPermutationAndUnique) {
  auto a = T("InvertPermutation").Attr("T", DataType::kInt32).Input(Int32s({2, 0, 1})).Run();
  ASSERT_TRUE(a.ok());
  ExpectTensorEqual(a->at(0), Int32s({1, 2, 0}));
  EXPECT_THAT(T("InvertPermutation").Attr("T", DataType::kInt32).Input(Int32s({0, 0})).Run().status().message(),
              HasSubstr("duplicated"));
  EXPECT_FALSE(T("InvertPermutation").Attr("T", DataType::kInt64).Input(Int64s({0, 2})).Run().ok());

  auto u = T("Unique").Attr("T", DataType::kInt32).Input(Int32s({1, 1, 2, 4, 4, 4, 7, 8, 8})).NumOutputs(2).Run();
  ASSERT_TRUE(u.ok());
  ExpectTensorEqual(u->at(0), Int32s({1, 2, 4, 7, 8}));
  ExpectTensorEqual(u->at(1), Int32s({0, 0, 1, 2, 2, 2, 3, 4, 4}));
  auto us = T("Unique")
                .Attr("T", DataType::kString)
                .Attr("out_idx", DataType::kInt64)
                .Input(MakeTensor<std::string>({"b", "a", "b"}, TensorShape{3}))
                .NumOutputs(2)
                .Run();
  ASSERT_TRUE(us.ok());
  ExpectTensorEqual(us->at(0), MakeTensor<std::string>({"b", "a"}, TensorShape{2}));
  ExpectTensorEqual(us->at(1), Int64s({0, 1, 0}));
}

}  // namespace
}  // namespace serval::kernels::cpu
