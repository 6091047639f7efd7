// Tests for conv_ops.cc. Expected values: @tensorflow/tfjs 4.22 (cpu backend) in Node, with
// seq(n,m,mod,off,div)[i] = ((i*m)%mod - off)/div (same as Seq()):
//   const X = tf.tensor(seq(32), [1, 4, 4, 2]), F = tf.tensor(seq(54, 5, 13, 6, 3), [3, 3, 2, 3]);
//   kConvSame = tf.conv2d(X, F, 1, 'same')
//   kConvValidS2 = tf.conv2d(tf.tensor(seq(50), [1, 5, 5, 2]), F, 2, 'valid')
//   kConvDil2 = tf.conv2d(tf.tensor(seq(72), [1, 6, 6, 2]), F, 1, 'same', 'NHWC', 2)
//   kConvExplicit = tf.conv2d(X, F, [2, 1], [[0, 0], [1, 2], [0, 1], [0, 0]])
//   kConvB2 = tf.conv2d(tf.tensor(seq(64), [2, 4, 4, 2]), F, 1, 'same')
//   kDeconvSameS2 = tf.conv2dTranspose(tf.tensor(seq(12), [1, 2, 2, 3]), F, [1, 4, 4, 2], 2, 'same')
//   kDeconvValid = tf.conv2dTranspose(tf.tensor(seq(24), [2, 2, 2, 3]), F, [2, 4, 4, 2], 1, 'valid')
//   kDw = tf.depthwiseConv2d(tf.tensor(seq(75), [1, 5, 5, 3]), tf.tensor(seq(54, 5, 13, 6, 3), [3, 3, 3, 2]), 2,
//   'same')
#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "serval/kernels/cpu/prepared_kernel_testutil.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorNear;
using runtime::testing::KernelTester;
using testing::FloatT;
using testing::PreparedKernel;
using testing::SeqT;

// shape [1, 4, 4, 3]
const std::vector<float> kConvSame = {
    2.16666675f,   -0.75f,        -0.416666806f, -6.25f,        5.16666698f,  0.333333194f, -0.833333433f,
    3.41666675f,   0.0833331719f, 0.749999821f,  0.833333373f,  -1.25000012f, 1.25f,        3.58333325f,
    0.49999997f,   -4.33333349f,  4.5f,          2.49999976f,   3.24999976f,  -3.24999952f, -4.47034836e-08f,
    3.41666675f,   0.916666627f,  -9.16666698f,  -2.41666698f,  7.91666651f,  -2.33333349f, -5.16666651f,
    0.0833333731f, 5.33333349f,   5.16666603f,   -9.5f,         -3.58333302f, 4.33333349f,  0.0833332539f,
    -3.08333325f,  -1.41666675f,  5.33333302f,   -0.916666806f, -2.41666675f, -0.75f,       3.08333325f,
    1.83333337f,   -0.916666746f, -4.75f,        2.41666675f,   -1.08333349f, 4.08333302f};
// shape [1, 2, 2, 3]
const std::vector<float> kConvValidS2 = {7.16666651f, 0.666666746f, -8.00000095f,  -1.49999988f,
                                         4.41666603f, 1.66666651f,  -0.416666478f, -3.5f,
                                         6.41666651f, -2.66666651f, -0.666666269f, -4.08333349f};
// shape [1, 6, 6, 3]
const std::vector<float> kConvDil2 = {
    0.250000119f,  4.33333302f,   -2.41666651f,  1.08333337f,   -0.499999881f, 1.16666651f,   -8.41666698f,
    -0.750000238f, 4.75f,         -2.99999976f,  4.83333302f,   -4.66666698f,  5.33333349f,   -2.16666675f,
    2.25f,         -0.833333135f, -2.08333349f,  5.33333349f,   -2.08333325f,  -0.833333254f, 2.58333325f,
    -2.16666698f,  5.33333349f,   -6.66666603f,  4.83333349f,   -3.0f,         3.25f,         -0.75f,
    -8.41666794f,  6.66666651f,   -0.499999881f, 1.08333325f,   -4.91666698f,  4.33333302f,   0.25f,
    -2.75f,        1.08333337f,   -0.416666627f, 2.41666651f,   -0.750000119f, -2.08333302f,  3.08333349f,
    -0.999999762f, 5.41666698f,   -4.41666698f,  2.0f,          5.00000048f,   0.416666538f,  0.333333641f,
    -2.16666698f,  5.08333349f,   -5.16666651f,  -1.0f,         3.16666651f,   -1.66666663f,  5.16666651f,
    -6.41666603f,  -0.750000119f, 1.66666675f,   -0.25000006f,  -0.416666746f, -9.0f,         6.25f,
    -2.91666603f,  -0.250000119f, -0.833333254f, 3.99999976f,   1.16666675f,   -2.75f,        1.25000036f,
    0.5f,          0.833333135f,  1.41666663f,   -4.5f,         0.416666716f,  -2.16666675f,  2.25f,
    -0.916666567f, -1.0f,         5.75000048f,   -0.500000119f, 4.16666698f,   -0.833333373f, 1.74999988f,
    -5.41666698f,  -2.33333325f,  2.91666675f,   0.916666687f,  1.58333349f,   -5.33333349f,  -1.75000012f,
    5.75f,         -3.0f,         1.08333325f,   -4.91666698f,  2.08333325f,   -5.74999952f,  -2.58333325f,
    3.83333349f,   3.08333302f,   1.83333337f,   0.583333373f,  4.16666698f,   0.0833332241f, -0.750000119f,
    -4.16666651f,  1.25f,         0.166666597f};
// shape [1, 3, 3, 3]
const std::vector<float> kConvExplicit = {
    -6.25f,       5.16666698f,  0.333333194f,  -0.833333433f, 3.41666675f,    0.0833331719f, 0.749999821f,
    0.833333373f, -1.25000012f, -5.16666651f,  0.0833333731f, 5.33333349f,    5.16666603f,   -9.5f,
    -3.58333302f, 4.33333349f,  0.0833332539f, -3.08333325f,  -0.166666746f,  -2.41666651f,  1.83333313f,
    0.166666657f, 1.66666651f,  -2.25f,        -1.33333325f,  -0.0833334029f, 2.25f};
// shape [2, 4, 4, 3]
const std::vector<float> kConvB2 = {
    2.16666675f,   -0.75f,        -0.416666806f, -6.25f,        5.16666698f,   0.333333194f, -0.833333433f,
    3.41666675f,   0.0833331719f, 0.749999821f,  0.833333373f,  -1.25000012f,  1.25f,        3.58333325f,
    0.49999997f,   -4.33333349f,  4.5f,          2.49999976f,   3.24999976f,   -3.24999952f, -4.47034836e-08f,
    3.41666675f,   0.916666627f,  -9.16666698f,  -2.41666698f,  7.91666651f,   -2.33333349f, -5.16666651f,
    0.0833333731f, 5.33333349f,   5.16666603f,   -9.5f,         -3.58333302f,  4.33333349f,  0.0833332539f,
    -3.08333325f,  -1.41666675f,  5.33333302f,   -0.916666806f, -2.41666675f,  -0.75f,       3.08333325f,
    1.83333337f,   -0.916666746f, -4.75f,        2.41666675f,   -1.08333349f,  4.08333302f,  0.833333313f,
    0.75f,         2.83333325f,   3.41666651f,   -0.833333254f, -1.8333329f,   5.16666651f,  -6.25f,
    -5.75f,        -0.74999994f,  2.16666675f,   -1.41666675f,  0.333333313f,  -1.08333337f, 2.91666675f,
    5.16666603f,   -9.5f,         -3.58333302f,  5.41666651f,   -0.75f,        -1.49999988f, -7.58333349f,
    2.16666675f,   3.25f,         0.333333313f,  -0.416666597f, 0.99999994f,   2.5f,         -3.83333349f,
    -2.58333302f,  3.66666675f,   1.24999964f,   3.16666722f,   -3.0f,         0.416666627f, 3.83333302f,
    0.833333373f,  -1.25000012f,  -1.16666663f,  1.41666675f,   -0.666666865f, -4.91666651f, -1.66666651f,
    3.75f,         3.74999952f,   -1.66666663f,  -2.58333325f,  4.08333349f};
// shape [1, 3, 3, 6]
const std::vector<float> kDw = {
    1.33333325f,   1.75f,        -1.66666651f, -0.0833333135f, 0.0833332539f, -1.25f,        2.08333325f,
    0.416666567f,  -4.0f,        3.0f,         0.499999881f,   0.166666716f,  1.16666675f,   0.0833333358f,
    3.58333349f,   -2.58333349f, 1.58333337f,  -3.41666675f,   -0.25000006f,  -2.33333325f,  -0.5f,
    -1.25f,        0.416666508f, -2.83333325f, -3.16666675f,   3.75000024f,   -0.916666746f, 3.41666675f,
    0.833333135f,  1.16666687f,  3.0f,         -0.666666687f,  2.16666675f,   0.0833332688f, -1.5f,
    0.750000119f,  0.24999997f,  -2.5f,        -1.41666663f,   -0.583333373f, 1.16666651f,   -0.916666627f,
    -1.00000012f,  2.75f,        0.666666567f, -1.83333349f,   1.49999988f,   1.66666675f,   2.33333349f,
    -0.583333313f, -3.5f,        1.25000012f,  -0.75000006f,   0.833333373f};

// shape [1, 4, 4, 2]
const std::vector<float> kDeconvSameS2 = {
    1.66666663f,  0.833333373f, 2.16666675f, 1.33333325f, -5.25f,       -5.58333349f, 0.666666627f, 1.16666663f,
    -3.33333325f, 1.25f,        2.58333325f, 1.75f,       2.5f,         -5.41666651f, 0.416666687f, 0.916666687f,
    -6.25f,       -1.66666675f, 1.83333337f, 3.16666675f, 0.583333254f, -7.83333349f, -1.75000012f, 1.5f,
    1.0f,         -3.33333325f, 1.0f,        1.0f,        1.41666675f,  -2.33333325f, 1.58333337f,  1.08333337f};
// shape [2, 4, 4, 2]
const std::vector<float> kDeconvValid = {
    1.66666663f,  0.833333373f, -1.41666675f, -1.75000012f,  -1.00000012f, -1.33333337f,  0.583333373f, 1.08333337f,
    -6.66666651f, -2.08333349f, 2.08333325f,  -4.16666651f,  3.66666675f,  0.666666746f,  2.83333349f,  1.75f,
    -1.91666663f, -1.66666663f, 3.58333325f,  -3.75f,        0.833333313f, 1.08333325f,   1.75f,        1.75f,
    0.99999994f,  -3.33333349f, -2.66666675f, -2.08333349f,  -2.58333325f, 2.33333325f,   0.833333373f, 1.41666675f,
    0.833333373f, 1.66666663f,  -1.83333325f, -0.666666687f, -1.66666663f, -0.499999911f, 1.33333337f,  1.66666675f,
    3.91666675f,  2.41666651f,  -1.99999988f, -2.75f,        -4.58333349f, -2.08333325f,  0.083333306f, 3.0f,
    3.58333325f,  2.08333325f,  2.16666675f,  -2.91666675f,  -4.75f,       -2.25f,        -5.16666651f, 3.16666651f,
    1.5f,         1.33333337f,  2.33333325f,  -0.666666627f, -1.5f,        -0.166666657f, -2.58333325f, 2.16666675f};

class ConvTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterConvKernels(r_); }
  Result<Tensor> Conv(Tensor x, Tensor f, bool constant, std::vector<int64_t> strides, const char* padding,
                      std::vector<int64_t> dilations = {1, 1, 1, 1}, std::vector<int64_t> explicit_pad = {},
                      const char* op = "Conv2D") {
    KernelTester t(op, r_);
    t.Attr("T", DataType::kFloat).Attr("strides", strides).Attr("padding", padding).Attr("dilations", dilations);
    if (!explicit_pad.empty()) t.Attr("explicit_paddings", explicit_pad);
    t.Input(std::move(x));
    if (constant)
      t.ConstInput(std::move(f));
    else
      t.Input(std::move(f));
    SERVAL_ASSIGN_OR_RETURN(auto out, t.Run());
    return out.at(0);
  }
  runtime::KernelRegistry r_;
};

const Tensor kFilter = SeqT({3, 3, 2, 3}, 5, 13, 6, 3);

TEST_F(ConvTest, Conv2DPaddingStridesDilations) {
  for (bool c : {true, false}) {
    SCOPED_TRACE(c ? "constant filter" : "runtime filter");
    auto o = Conv(SeqT({1, 4, 4, 2}), kFilter, c, {1, 1, 1, 1}, "SAME");
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ExpectTensorNear(*o, FloatT(kConvSame, {1, 4, 4, 3}), 1e-5, 1e-5);
    o = Conv(SeqT({1, 5, 5, 2}), kFilter, c, {1, 2, 2, 1}, "VALID");
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ExpectTensorNear(*o, FloatT(kConvValidS2, {1, 2, 2, 3}), 1e-5, 1e-5);
    o = Conv(SeqT({1, 6, 6, 2}), kFilter, c, {1, 1, 1, 1}, "SAME", {1, 2, 2, 1});
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ExpectTensorNear(*o, FloatT(kConvDil2, {1, 6, 6, 3}), 1e-5, 1e-5);
    o = Conv(SeqT({1, 4, 4, 2}), kFilter, c, {1, 2, 1, 1}, "EXPLICIT", {1, 1, 1, 1}, {0, 0, 1, 2, 0, 1, 0, 0});
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ExpectTensorNear(*o, FloatT(kConvExplicit, {1, 3, 3, 3}), 1e-5, 1e-5);
  }
}

tensorflow::NodeDef ConvDef() {
  tensorflow::NodeDef def;
  def.set_name("conv");
  def.set_op("Conv2D");
  (*def.mutable_attr())["T"].set_type(tensorflow::DT_FLOAT);
  for (int i = 0; i < 4; ++i) (*def.mutable_attr())["strides"].mutable_list()->add_i(1);
  (*def.mutable_attr())["padding"].set_s("SAME");
  return def;
}

TEST_F(ConvTest, PackedFilterReusedAcrossBatchesAndThreads) {
  for (bool constant : {true, false}) {
    SCOPED_TRACE(constant ? "constant filter" : "runtime filter (per-call reorder)");
    auto k = PreparedKernel::Create(r_, ConvDef(), 2, {nullptr, constant ? &kFilter : nullptr});
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    const Tensor x1 = SeqT({1, 4, 4, 2}), x2 = SeqT({2, 4, 4, 2});
    for (int rep = 0; rep < 2; ++rep) {
      auto o = (*k)->Run({x1, kFilter});
      ASSERT_TRUE(o.ok()) << o.status().ToString();
      ExpectTensorNear(o->at(0), FloatT(kConvSame, {1, 4, 4, 3}), 1e-5, 1e-5);
      o = (*k)->Run({x2, kFilter});
      ASSERT_TRUE(o.ok()) << o.status().ToString();
      ExpectTensorNear(o->at(0), FloatT(kConvB2, {2, 4, 4, 3}), 1e-5, 1e-5);
    }
    auto o = (*k)->Run({FloatT({}, {0, 4, 4, 2}), kFilter});  // batch 0
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    EXPECT_EQ(o->at(0).shape(), (TensorShape{0, 4, 4, 3}));

    std::vector<int> failures(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 40; ++i) {
          const bool two = (i + t) % 2 == 0;
          auto r = (*k)->Run({two ? x2 : x1, kFilter});
          if (!r.ok()) {
            ++failures[static_cast<size_t>(t)];
            continue;
          }
          const std::vector<float>& want = two ? kConvB2 : kConvSame;
          auto got = r->at(0).flat<float>();
          for (size_t e = 0; e < got.size(); ++e) {
            if (std::fabs(got[e] - want[e]) > 1e-4f) {
              ++failures[static_cast<size_t>(t)];
              break;
            }
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    for (int f : failures) EXPECT_EQ(f, 0);
  }
}

TEST_F(ConvTest, DepthwiseWithMultiplier) {
  for (bool c : {true, false}) {
    auto o = Conv(SeqT({1, 5, 5, 3}), SeqT({3, 3, 3, 2}, 5, 13, 6, 3), c, {1, 2, 2, 1}, "SAME", {1, 1, 1, 1}, {},
                  "DepthwiseConv2dNative");
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ExpectTensorNear(*o, FloatT(kDw, {1, 3, 3, 6}), 1e-5, 1e-5);
  }
}

TEST_F(ConvTest, Errors) {
  auto o = Conv(SeqT({1, 4, 4, 3}), kFilter, false, {1, 1, 1, 1}, "SAME");
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("[1,4,4,3]"), std::string::npos) << o.status().message();
  EXPECT_NE(o.status().message().find("[3,3,2,3]"), std::string::npos) << o.status().message();
  // TF: VALID output size (in - k + stride) / stride may be 0 (empty result) but not negative.
  o = Conv(SeqT({1, 2, 2, 2}), kFilter, true, {1, 1, 1, 1}, "VALID");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->shape(), (TensorShape{1, 0, 0, 3}));
  o = Conv(SeqT({1, 1, 1, 2}), kFilter, true, {1, 1, 1, 1}, "VALID");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(Conv(SeqT({1, 4, 4, 2}), kFilter, true, {2, 1, 1, 1}, "SAME").ok());
  EXPECT_FALSE(Conv(SeqT({1, 4, 4, 2}), kFilter, true, {1, 1, 1, 1}, "FULL").ok());
  KernelTester nchw("Conv2D", r_);
  nchw.Attr("T", DataType::kFloat).Attr("strides", std::vector<int64_t>{1, 1, 1, 1}).Attr("padding", "SAME");
  nchw.Attr("data_format", "NCHW").Input(SeqT({1, 2, 4, 4})).Input(kFilter);
  EXPECT_EQ(nchw.Create().code(), StatusCode::kUnimplemented);
}

TEST_F(ConvTest, HalfComputesInFloat) {
  Tensor x = SeqT({1, 4, 4, 2});
  Tensor xh(DataType::kHalf, x.shape()), fh(DataType::kHalf, kFilter.shape());
  for (size_t i = 0; i < x.flat<float>().size(); ++i) xh.flat<Half>()[i] = FloatToHalf(x.flat<float>()[i]);
  for (size_t i = 0; i < kFilter.flat<float>().size(); ++i) fh.flat<Half>()[i] = FloatToHalf(kFilter.flat<float>()[i]);
  KernelTester t("Conv2D", r_);
  t.Attr("T", DataType::kHalf).Attr("strides", std::vector<int64_t>{1, 1, 1, 1}).Attr("padding", "SAME");
  t.Input(xh).ConstInput(fh);
  auto out = t.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  auto got = out->at(0).flat<Half>();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(HalfToFloat(got[i]), kConvSame[i], 1e-2) << i;
}

TEST_F(ConvTest, Conv2DBackpropInput) {
  struct Case {
    std::vector<int32_t> sizes;
    Tensor dy;
    int stride;
    const char* pad;
    const std::vector<float>* want;
  };
  for (bool c : {true, false}) {
    for (const Case& k : {Case{{1, 4, 4, 2}, SeqT({1, 2, 2, 3}), 2, "SAME", &kDeconvSameS2},
                          Case{{2, 4, 4, 2}, SeqT({2, 2, 2, 3}), 1, "VALID", &kDeconvValid}}) {
      KernelTester t("Conv2DBackpropInput", r_);
      t.Attr("T", DataType::kFloat).Attr("padding", k.pad);
      t.Attr("strides", std::vector<int64_t>{1, k.stride, k.stride, 1});
      t.Input(Tensor::FromVector<int32_t>(k.sizes, {4}));
      if (c)
        t.ConstInput(kFilter);
      else
        t.Input(kFilter);
      t.Input(k.dy);
      auto out = t.Run();
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      TensorShape shape{k.sizes[0], k.sizes[1], k.sizes[2], k.sizes[3]};
      ExpectTensorNear(out->at(0), FloatT(*k.want, shape), 1e-5, 1e-5);
    }
  }
  KernelTester bad("Conv2DBackpropInput", r_);
  bad.Attr("T", DataType::kFloat).Attr("padding", "SAME").Attr("strides", std::vector<int64_t>{1, 1, 1, 1});
  bad.Input(Tensor::FromVector<int32_t>({1, 4, 4, 2}, {4})).Input(kFilter).Input(SeqT({1, 2, 2, 3}));
  auto out = bad.Run();
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("[1,2,2,3]"), std::string::npos) << out.status().message();
}

}  // namespace
}  // namespace serval::kernels::cpu
