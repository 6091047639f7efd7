// Tests for image_ops.cc. Expected values: @tensorflow/tfjs 4.22 (cpu backend) in Node, whose
// resize kernels follow TF's scale/half-pixel rules; seq(n)[i] = ((i*7)%11 - 5)/4 (same as Seq()):
//   const IM = tf.tensor(seq(18), [1, 3, 3, 2]);
//   kBilLegacy = tf.image.resizeBilinear(IM, [5, 4])
//   kBilAlign = tf.image.resizeBilinear(IM, [5, 4], true)
//   kBilHalf = tf.image.resizeBilinear(IM, [5, 4], false, true)
//   kBilDownHalf = tf.image.resizeBilinear(tf.tensor(seq(50), [1, 5, 5, 2]), [2, 3], false, true)
//   kNnLegacy = tf.image.resizeNearestNeighbor(IM, [5, 4])
//   kNnAlign = tf.image.resizeNearestNeighbor(IM, [5, 4], true)
//   kNnHalf = tf.image.resizeNearestNeighbor(IM, [5, 4], false, true)
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

// shape [1, 5, 4, 2]
const std::vector<float> kBilLegacy = {
    -1.25f,         0.5f,          -0.6875f,      1.0625f,       -0.125f,       0.25f,         0.25f,
    -0.75f,         0.100000001f,  0.200000003f,  -0.574999988f, 0.762499988f,  -0.425000012f, -0.0500000007f,
    -0.0500000007f, -1.04999995f,  0.899999976f,  -0.100000001f, -0.1875f,      0.462500006f,  -0.449999988f,
    -0.075000003f,  -0.349999994f, -0.800000012f, 0.600000024f,  -0.400000006f, 0.75f,         0.162499994f,
    0.075000003f,   0.449999988f,  -0.649999976f, 0.550000012f,  0.5f,          -0.5f,         1.0625f,
    0.0625f,        0.25f,         0.625f,        -0.75f,        1.0f};
// shape [1, 5, 4, 2]
const std::vector<float> kBilAlign = {
    -1.25f,  0.5f,   -0.75f,        1.0f,  -0.25f,         0.583333313f,  0.25f,  -0.75f,
    -0.125f, 0.25f,  -0.541666687f, 0.75f, -0.5f,          0.333333343f,  0.0f,   -1.0f,
    1.0f,    0.0f,   -0.333333343f, 0.5f,  -0.75f,         0.0833333358f, -0.25f, -1.25f,
    0.75f,   -0.25f, 0.333333343f,  0.25f, -0.0833333358f, 0.291666657f,  -0.5f,  -0.125f,
    0.5f,    -0.5f,  1.0f,          0.0f,  0.583333313f,   0.5f,          -0.75f, 1.0f};
// shape [1, 5, 4, 2]
const std::vector<float> kBilHalf = {
    -1.25f,        0.5f,          -0.78125f,     0.96875f,      -0.21875f,     0.5f,          0.25f,
    -0.75f,        -0.349999994f, 0.300000012f,  -0.568750024f, 0.768750012f,  -0.418749988f, 0.300000012f,
    0.0500000007f, -0.949999988f, 1.0f,          0.0f,          -0.25f,        0.46875f,      -0.71875f,
    0.0f,          -0.25f,        -1.25f,        0.699999988f,  -0.300000012f, 0.481249988f,  0.168750003f,
    0.0125000002f, 0.318749994f,  -0.550000012f, 0.100000001f,  0.5f,          -0.5f,         0.96875f,
    -0.03125f,     0.5f,          0.53125f,      -0.75f,        1.0f};
// shape [1, 2, 3, 2]
const std::vector<float> kBilDownHalf = {-0.25f, -0.5625f, 1.0f,    0.0f,   -0.270833343f, -0.125f,
                                         -0.5f,  -0.125f,  0.0625f, -0.25f, -0.0625f,      0.541666687f};
// shape [1, 5, 4, 2]
const std::vector<float> kNnLegacy = {-1.25f, 0.5f,   -1.25f, 0.5f,   -0.5f, 1.25f,  0.25f, -0.75f, -1.25f, 0.5f,
                                      -1.25f, 0.5f,   -0.5f,  1.25f,  0.25f, -0.75f, 1.0f,  0.0f,   1.0f,   0.0f,
                                      -1.0f,  0.75f,  -0.25f, -1.25f, 1.0f,  0.0f,   1.0f,  0.0f,   -1.0f,  0.75f,
                                      -0.25f, -1.25f, 0.5f,   -0.5f,  0.5f,  -0.5f,  1.25f, 0.25f,  -0.75f, 1.0f};
// shape [1, 5, 4, 2]
const std::vector<float> kNnAlign = {-1.25f, 0.5f,  -0.5f,  1.25f,  -0.5f,  1.25f,  0.25f, -0.75f, 1.0f,   0.0f,
                                     -1.0f,  0.75f, -1.0f,  0.75f,  -0.25f, -1.25f, 1.0f,  0.0f,   -1.0f,  0.75f,
                                     -1.0f,  0.75f, -0.25f, -1.25f, 0.5f,   -0.5f,  1.25f, 0.25f,  1.25f,  0.25f,
                                     -0.75f, 1.0f,  0.5f,   -0.5f,  1.25f,  0.25f,  1.25f, 0.25f,  -0.75f, 1.0f};
// shape [1, 5, 4, 2]
const std::vector<float> kNnHalf = {-1.25f, 0.5f,  -0.5f,  1.25f,  -0.5f, 1.25f,  0.25f, -0.75f, -1.25f, 0.5f,
                                    -0.5f,  1.25f, -0.5f,  1.25f,  0.25f, -0.75f, 1.0f,  0.0f,   -1.0f,  0.75f,
                                    -1.0f,  0.75f, -0.25f, -1.25f, 0.5f,  -0.5f,  1.25f, 0.25f,  1.25f,  0.25f,
                                    -0.75f, 1.0f,  0.5f,   -0.5f,  1.25f, 0.25f,  1.25f, 0.25f,  -0.75f, 1.0f};

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterImageKernels(r_); }
  Result<Tensor> Resize(const char* op, Tensor x, int h, int w, bool align, bool half) {
    KernelTester t(op, r_);
    t.Attr("T", x.dtype()).Attr("align_corners", align).Attr("half_pixel_centers", half);
    t.Input(std::move(x)).Input(Tensor::FromVector<int32_t>({h, w}, {2}));
    SERVAL_ASSIGN_OR_RETURN(auto out, t.Run());
    return out.at(0);
  }
  runtime::KernelRegistry r_;
};

TEST_F(ImageTest, BilinearModes) {
  const Tensor im = SeqT({1, 3, 3, 2});
  struct Case {
    bool align, half;
    const std::vector<float>* want;
  };
  for (const Case& c : {Case{false, false, &kBilLegacy}, Case{true, false, &kBilAlign}, Case{false, true, &kBilHalf}}) {
    auto o = Resize("ResizeBilinear", im, 5, 4, c.align, c.half);
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ExpectTensorNear(*o, FloatT(*c.want, {1, 5, 4, 2}), 1e-6, 1e-5);
  }
  auto o = Resize("ResizeBilinear", SeqT({1, 5, 5, 2}), 2, 3, false, true);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, FloatT(kBilDownHalf, {1, 2, 3, 2}), 1e-6, 1e-5);
  // Integer input gives float output: 2x1 -> 3x1 align_corners: [0, 5, 10].
  o = Resize("ResizeBilinear", Tensor::FromVector<int32_t>({0, 10}, {1, 2, 1, 1}), 3, 1, true, false);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(*o, FloatT({0, 5, 10}, {1, 3, 1, 1}));
}

TEST_F(ImageTest, NearestModesKeepDtype) {
  const Tensor im = SeqT({1, 3, 3, 2});
  struct Case {
    bool align, half;
    const std::vector<float>* want;
  };
  for (const Case& c : {Case{false, false, &kNnLegacy}, Case{true, false, &kNnAlign}, Case{false, true, &kNnHalf}}) {
    auto o = Resize("ResizeNearestNeighbor", im, 5, 4, c.align, c.half);
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ExpectTensorEqual(*o, FloatT(*c.want, {1, 5, 4, 2}));
  }
  auto o = Resize("ResizeNearestNeighbor", Tensor::FromVector<uint8_t>({1, 2, 3, 4}, {2, 1, 2, 1}), 1, 4, false, false);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(*o, Tensor::FromVector<uint8_t>({1, 1, 2, 2, 3, 3, 4, 4}, {2, 1, 4, 1}));
}

TEST_F(ImageTest, Errors) {
  EXPECT_FALSE(Resize("ResizeBilinear", SeqT({1, 3, 3, 2}), 4, 4, true, true).ok());
  auto o = Resize("ResizeBilinear", SeqT({3, 3, 2}), 4, 4, false, false);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("[3,3,2]"), std::string::npos) << o.status().message();
  EXPECT_FALSE(Resize("ResizeNearestNeighbor", SeqT({1, 3, 3, 2}), 0, 4, false, false).ok());
  EXPECT_FALSE(Resize("ResizeNearestNeighbor", SeqT({1, 0, 3, 2}), 2, 4, false, false).ok());
}

}  // namespace
}  // namespace serval::kernels::cpu
