// Tests for pool_ops.cc. Expected values: @tensorflow/tfjs 4.22 (cpu backend) in Node, with
// seq(n)[i] = ((i*7)%11 - 5)/4 (same as Seq()):
//   const PX = tf.tensor(seq(50), [1, 5, 5, 2]);
//   kMaxSame = tf.maxPool(PX, [3, 3], [2, 2], 'same')
//   kMaxValid = tf.maxPool(PX, [2, 2], [2, 2], 'valid')
//   kAvgSame = tf.avgPool(PX, [3, 3], [2, 2], 'same')      // divides by in-bounds count, as TF
//   kAvgValid = tf.avgPool(PX, [2, 2], [1, 2], 'valid')
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "serval/kernels/cpu/prepared_kernel_testutil.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorEqual;
using runtime::testing::ExpectTensorNear;
using runtime::testing::KernelTester;
using testing::FloatT;
using testing::SeqT;

// shape [1, 3, 3, 2]
const std::vector<float> kMaxSame = {0.5f,  1.25f, 1.25f, 1.25f, 1.0f,  1.0f,  0.75f, 0.75f, 1.25f,
                                     1.25f, 1.25f, 1.0f,  0.75f, 0.75f, 1.25f, 1.25f, 1.25f, 1.25f};
// shape [1, 2, 2, 2]
const std::vector<float> kMaxValid = {0.5f, 1.25f, 1.25f, 1.0f, 0.75f, 0.75f, 1.25f, 1.25f};
// shape [1, 3, 3, 2]
const std::vector<float> kAvgSame = {-0.375f, 0.0f,          0.291666657f,  0.208333328f, -0.1875f,     0.1875f,
                                     -0.25f,  -0.333333343f, 0.111111112f,  0.027777778f, 0.166666672f, 0.0833333358f,
                                     -0.125f, -0.4375f,      0.0833333358f, 0.0f,         0.0625f,      0.4375f};
// shape [1, 4, 2, 2]
const std::vector<float> kAvgValid = {-0.375f,  0.0f,     0.4375f, 0.125f,  -0.0625f, -0.375f,  0.0625f, 0.4375f,
                                      -0.4375f, -0.0625f, 0.375f,  0.0625f, -0.125f,  -0.4375f, 0.0f,    0.375f};

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterPoolKernels(r_); }
  Result<Tensor> Pool(const char* op, Tensor x, std::vector<int64_t> k, std::vector<int64_t> s, const char* pad,
                      DataType dt = DataType::kFloat) {
    KernelTester t(op, r_);
    t.Attr("T", dt).Attr("ksize", k).Attr("strides", s).Attr("padding", pad).Input(std::move(x));
    SERVAL_ASSIGN_OR_RETURN(auto out, t.Run());
    return out.at(0);
  }
  runtime::KernelRegistry r_;
};

TEST_F(PoolTest, MaxAndAvgMatchTfjs) {
  const Tensor x = SeqT({1, 5, 5, 2});
  auto o = Pool("MaxPool", x, {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, FloatT(kMaxSame, {1, 3, 3, 2}));
  o = Pool("MaxPool", x, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, FloatT(kMaxValid, {1, 2, 2, 2}));
  o = Pool("AvgPool", x, {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, FloatT(kAvgSame, {1, 3, 3, 2}), 1e-6, 1e-5);
  o = Pool("AvgPool", x, {1, 2, 2, 1}, {1, 1, 2, 1}, "VALID");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, FloatT(kAvgValid, {1, 4, 2, 2}), 1e-6, 1e-5);

  KernelTester v2("MaxPoolV2", r_);
  v2.Attr("T", DataType::kFloat).Attr("padding", "SAME").Input(x);
  v2.Input(Tensor::FromVector<int32_t>({1, 3, 3, 1}, {4})).Input(Tensor::FromVector<int32_t>({1, 2, 2, 1}, {4}));
  auto out = v2.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear(out->at(0), FloatT(kMaxSame, {1, 3, 3, 2}));
}

TEST_F(PoolTest, BatchIntegersNaNAndEmpty) {
  // Batch 2 of one 2x2 image each, hand-computed.
  auto o = Pool("MaxPool", Tensor::FromVector<int32_t>({1, -7, 3, 2, -5, -6, -9, -8}, {2, 2, 2, 1}), {1, 2, 2, 1},
                {1, 2, 2, 1}, "VALID", DataType::kInt32);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(*o, Tensor::FromVector<int32_t>({3, -5}, {2, 1, 1, 1}));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  o = Pool("MaxPool", FloatT({1, nan, 2, 0}, {1, 1, 4, 1}), {1, 1, 2, 1}, {1, 1, 2, 1}, "VALID");
  ASSERT_TRUE(o.ok());
  ExpectTensorNear(*o, FloatT({nan, 2}, {1, 1, 2, 1}));
  o = Pool("AvgPool", FloatT({1, nan, 2, 4}, {1, 1, 4, 1}), {1, 1, 2, 1}, {1, 1, 2, 1}, "VALID");
  ASSERT_TRUE(o.ok());
  ExpectTensorNear(*o, FloatT({nan, 3}, {1, 1, 2, 1}));
  o = Pool("AvgPool", FloatT({}, {0, 4, 4, 3}), {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->shape(), (TensorShape{0, 2, 2, 3}));
}

TEST_F(PoolTest, Errors) {
  EXPECT_EQ(Pool("MaxPool", SeqT({1, 4, 4, 1}), {2, 2, 2, 1}, {1, 1, 1, 1}, "VALID").status().code(),
            StatusCode::kUnimplemented);
  auto o = Pool("MaxPool", SeqT({4, 4, 1}), {1, 2, 2, 1}, {1, 1, 1, 1}, "VALID");
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("[4,4,1]"), std::string::npos) << o.status().message();
  EXPECT_FALSE(Pool("AvgPool", SeqT({1, 1, 1, 1}), {1, 3, 3, 1}, {1, 1, 1, 1}, "VALID").ok());  // size -1
  auto empty = Pool("AvgPool", SeqT({1, 2, 2, 1}), {1, 3, 3, 1}, {1, 1, 1, 1}, "VALID");        // size 0, as TF
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->shape(), (TensorShape{1, 0, 0, 1}));
  KernelTester nchw("MaxPool", r_);
  nchw.Attr("T", DataType::kFloat).Attr("ksize", std::vector<int64_t>{1, 1, 2, 2});
  nchw.Attr("strides", std::vector<int64_t>{1, 1, 2, 2}).Attr("padding", "VALID").Attr("data_format", "NCHW");
  nchw.Input(SeqT({1, 1, 4, 4}));
  EXPECT_EQ(nchw.Create().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace serval::kernels::cpu
