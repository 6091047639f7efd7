// Tests for norm_ops.cc. Expected values: @tensorflow/tfjs 4.22 (cpu backend) in Node, with
// seq(n)[i] = ((i*7)%11 - 5)/4 (same as Seq()):
//   kBn = tf.batchNorm(tf.tensor(seq(24), [1, 2, 3, 4]), /*mean*/ tf.tensor([0.5, -1, 0, 2]),
//                      /*variance*/ tf.tensor([1, 0.25, 4, 0.5]), /*offset*/ tf.tensor([0.1, 0.2, -0.3, 0]),
//                      /*scale*/ tf.tensor([1.5, -2, 1, 0.5]), /*epsilon*/ 0.001)
#include <gtest/gtest.h>

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

// shape [1, 2, 3, 4]
const std::vector<float> kBn = {-2.52368855f,  -5.78803587f, -0.549968779f, -0.529800534f, -0.274812639f, -0.798005998f,
                                0.199937493f,  -1.4128015f,  -2.14887595f,  -6.78604174f,  -0.424984396f, -2.29580235f,
                                0.100000001f,  -1.79601192f, 0.324921876f,  -1.23620129f,  -1.77406323f,  -7.7840476f,
                                -0.300000012f, -2.11920214f, 0.474812657f,  -2.79401803f,  -0.92492193f,  -1.05960107f};

const Tensor kMean = FloatT({0.5f, -1, 0, 2}, {4});
const Tensor kVar = FloatT({1, 0.25f, 4, 0.5f}, {4});
const Tensor kOffset = FloatT({0.1f, 0.2f, -0.3f, 0}, {4});
const Tensor kScale = FloatT({1.5f, -2, 1, 0.5f}, {4});

class NormTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterNormKernels(r_); }
  static void Make(KernelTester& t, Tensor x, bool constant, const char* fmt = "NHWC", int outputs = 6) {
    t.Attr("T", x.dtype()).Attr("U", DataType::kFloat).Attr("epsilon", 0.001f).Attr("is_training", false);
    t.Attr("data_format", fmt).NumOutputs(outputs).Input(std::move(x));
    for (const Tensor* p : {&kScale, &kOffset, &kMean, &kVar}) {
      if (constant)
        t.ConstInput(*p);
      else
        t.Input(*p);
    }
  }
  runtime::KernelRegistry r_;
};

TEST_F(NormTest, InferenceMatchesTfjsAndPassesStatsThrough) {
  for (bool c : {true, false}) {
    KernelTester t("FusedBatchNormV3", r_);
    Make(t, SeqT({1, 2, 3, 4}), c);
    auto out = t.Run();
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ExpectTensorNear(out->at(0), FloatT(kBn, {1, 2, 3, 4}), 1e-5, 1e-5);
    ExpectTensorEqual(out->at(1), kMean);
    ExpectTensorEqual(out->at(2), kVar);
    EXPECT_EQ(out->at(5).shape(), (TensorShape{0}));
  }
  KernelTester v1("FusedBatchNorm", r_);
  Make(v1, SeqT({1, 2, 3, 4}), true, "NHWC", 5);
  auto out = v1.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear(out->at(0), FloatT(kBn, {1, 2, 3, 4}), 1e-5, 1e-5);
}

TEST_F(NormTest, NchwEqualsTransposedNhwc) {
  // x NCHW [1,4,2,3] built by transposing the NHWC input: x_nchw[c][h][w] = x_nhwc[h][w][c].
  std::vector<float> nhwc = testing::Seq(24), nchw(24), want(24);
  for (int h = 0; h < 2; ++h)
    for (int w = 0; w < 3; ++w)
      for (int c = 0; c < 4; ++c) {
        nchw[static_cast<size_t>((c * 2 + h) * 3 + w)] = nhwc[static_cast<size_t>((h * 3 + w) * 4 + c)];
        want[static_cast<size_t>((c * 2 + h) * 3 + w)] = kBn[static_cast<size_t>((h * 3 + w) * 4 + c)];
      }
  KernelTester t("FusedBatchNormV3", r_);
  Make(t, FloatT(nchw, {1, 4, 2, 3}), false, "NCHW");
  auto out = t.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear(out->at(0), FloatT(want, {1, 4, 2, 3}), 1e-5, 1e-5);
}

TEST_F(NormTest, HalfAndBatchAndEmpty) {
  Tensor x = SeqT({2, 1, 3, 4});
  Tensor xh(DataType::kHalf, x.shape());
  for (size_t i = 0; i < 24; ++i) xh.flat<Half>()[i] = FloatToHalf(x.flat<float>()[i]);
  KernelTester t("FusedBatchNormV2", r_);
  Make(t, xh, true, "NHWC", 5);
  auto out = t.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  for (size_t i = 0; i < 24; ++i) EXPECT_NEAR(HalfToFloat(out->at(0).flat<Half>()[i]), kBn[i], 5e-3) << i;
  KernelTester e("FusedBatchNormV3", r_);
  Make(e, FloatT({}, {0, 2, 2, 4}), true);
  out = e.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->at(0).shape(), (TensorShape{0, 2, 2, 4}));
}

// Keras 2 LayerNormalization: x reshaped to [1, rows, cols, 1] NCHW, is_training=true, empty
// mean/variance. Hand-computed: rows [1, 2, 3] (mean 2, biased var 2/3) and [0, 0, 6] (mean 2, var
// 8); y = (x - mean) / sqrt(var + 0.001) * scale + offset with scale [1, 2], offset [0, 1];
// batch_variance is Bessel-corrected (x 3/2): [1, 12].
TEST_F(NormTest, TrainingModeAsKerasLayerNormalization) {
  KernelTester t("FusedBatchNormV3", r_);
  t.Attr("T", DataType::kFloat).Attr("U", DataType::kFloat).Attr("is_training", true).Attr("epsilon", 0.001f);
  t.Attr("data_format", "NCHW").NumOutputs(6);
  t.Input(FloatT({1, 2, 3, 0, 0, 6}, {1, 2, 3, 1})).Input(FloatT({1, 2}, {2})).Input(FloatT({0, 1}, {2}));
  t.Input(FloatT({}, {0})).Input(FloatT({}, {0}));
  auto out = t.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear(out->at(0),
                   FloatT({-1.2238273f, 0.0f, 1.2238273f, -0.4141252f, -0.4141252f, 3.8282504f}, {1, 2, 3, 1}), 1e-6,
                   1e-6);
  ExpectTensorNear(out->at(1), FloatT({2, 2}, {2}));
  ExpectTensorNear(out->at(2), FloatT({1, 12}, {2}), 1e-6, 1e-6);
  // exponential_avg_factor 0.5 blends into the running mean / variance inputs.
  KernelTester b("FusedBatchNormV3", r_);
  b.Attr("T", DataType::kFloat).Attr("U", DataType::kFloat).Attr("is_training", true).Attr("epsilon", 0.001f);
  b.Attr("data_format", "NCHW").Attr("exponential_avg_factor", 0.5f).NumOutputs(6);
  b.Input(FloatT({1, 2, 3, 0, 0, 6}, {1, 2, 3, 1})).Input(FloatT({1, 2}, {2})).Input(FloatT({0, 1}, {2}));
  b.Input(FloatT({0, 4}, {2})).Input(FloatT({3, 0}, {2}));
  out = b.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear(out->at(1), FloatT({1, 3}, {2}));
  ExpectTensorNear(out->at(2), FloatT({2, 6}, {2}), 1e-6, 1e-6);
}

TEST_F(NormTest, Errors) {
  KernelTester train("FusedBatchNormV3", r_);  // blending needs running statistics of C elements
  train.Attr("T", DataType::kFloat).Attr("U", DataType::kFloat).Attr("is_training", true).NumOutputs(6);
  train.Attr("exponential_avg_factor", 0.5f);
  train.Input(SeqT({1, 2, 2, 4})).Input(kScale).Input(kOffset).Input(FloatT({}, {0})).Input(FloatT({}, {0}));
  EXPECT_FALSE(train.Run().ok());
  KernelTester bad("FusedBatchNormV3", r_);
  Make(bad, SeqT({1, 2, 2, 3}), false);
  auto out = bad.Run();
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("[1,2,2,3]"), std::string::npos) << out.status().message();
  EXPECT_NE(out.status().message().find("[4]"), std::string::npos) << out.status().message();
}

}  // namespace
}  // namespace serval::kernels::cpu
