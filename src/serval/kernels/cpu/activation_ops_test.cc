#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorEqual;
using runtime::testing::ExpectTensorNear;
using runtime::testing::Floats;
using runtime::testing::KernelTester;
using runtime::testing::MakeTensor;

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

class ActivationOpsTest : public ::testing::Test {
 protected:
  ActivationOpsTest() { RegisterActivationKernels(r_); }
  Result<Tensor> Run(const std::string& op, const Tensor& x) {
    KernelTester t(op, r_);
    t.Attr("T", x.dtype()).Input(x);
    SERVAL_ASSIGN_OR_RETURN(auto out, t.Run());
    return out[0];
  }
  Tensor Must(const std::string& op, const Tensor& x) {
    auto r = Run(op, x);
    EXPECT_TRUE(r.ok()) << op << ": " << r.status().ToString();
    return r.ok() ? *r : Tensor();
  }
  runtime::KernelRegistry r_;
};

TEST_F(ActivationOpsTest, NoDuplicateRegistrations) { EXPECT_TRUE(r_.Duplicates().empty()); }

TEST_F(ActivationOpsTest, ReluFamily) {
  const Tensor x = Floats({-2, -0.0f, 0.5f, 7, kNaN, -kInf, kInf}, {7});
  ExpectTensorNear(Must("Relu", x), Floats({0, 0, 0.5f, 7, kNaN, 0, kInf}, {7}));
  ExpectTensorNear(Must("Relu6", x), Floats({0, 0, 0.5f, 6, kNaN, 0, 6}, {7}));
  ExpectTensorEqual(Must("Relu", MakeTensor<int32_t>({-5, 3}, {2})), MakeTensor<int32_t>({0, 3}, {2}));
  ExpectTensorEqual(Must("Relu6", MakeTensor<int64_t>({-5, 3, 9}, {3})), MakeTensor<int64_t>({0, 3, 6}, {3}));
  // Long input exercises the vectorised body and the scalar tail.
  std::vector<float> big(37), want(37);
  for (int i = 0; i < 37; ++i) {
    big[static_cast<size_t>(i)] = static_cast<float>(i - 18) * 0.5f;
    want[static_cast<size_t>(i)] = std::max(0.0f, big[static_cast<size_t>(i)]);
  }
  ExpectTensorEqual(Must("Relu", Floats(big, {37})), Floats(want, {37}));
}

TEST_F(ActivationOpsTest, LeakyReluAlpha) {
  const Tensor x = Floats({-10, -1, 0, 3}, {2, 2});
  ExpectTensorNear(Must("LeakyRelu", x), Floats({-2, -0.2f, 0, 3}, {2, 2}));  // default alpha 0.2
  KernelTester t("LeakyRelu", r_);
  t.Attr("T", DataType::kFloat).Attr("alpha", 0.01f).Input(x);
  ExpectTensorNear(t.Run()->at(0), Floats({-0.1f, -0.01f, 0, 3}, {2, 2}));
}

// tfjs 4.22: x = tf.tensor1d([-3, -0.5, 0, 0.25, 1, 4]); tf.elu(x); tf.selu(x);
// tf.softplus(tf.tensor1d([-20, -1, 0, 1, 20]))
TEST_F(ActivationOpsTest, EluSeluSoftplusMatchTfjs) {
  const Tensor x = Floats({-3, -0.5f, 0, 0.25f, 1, 4}, {6});
  ExpectTensorNear(Must("Elu", x), Floats({-0.9502129554748535f, -0.39346933364868164f, 0, 0.25f, 1, 4}, {6}), 1e-7,
                   2e-6);
  ExpectTensorNear(Must("Selu", x),
                   Floats({-1.6705687046051025f, -0.6917582154273987f, 0, 0.2626752555370331f, 1.0507010221481323f,
                           4.202804088592529f},
                          {6}),
                   1e-7, 2e-6);
  ExpectTensorNear(Must("Softplus", Floats({-20, -1, 0, 1, 20}, {5})),
                   Floats({2.06115369216775e-9f, 0.3132616877555847f, 0.6931471824645996f, 1.31326162815094f, 20}, {5}),
                   1e-12, 2e-6);
  // Far past the thresholds: exact passthrough and no overflow.
  ExpectTensorNear(Must("Softplus", Floats({100, -100, kNaN}, {3})), Floats({100, std::exp(-100.0f), kNaN}, {3}), 0,
                   1e-6);
}

// tfjs: tf.softmax(tf.tensor2d([[1,2,3],[-1,0,1000]])), tf.logSoftmax(same)
TEST_F(ActivationOpsTest, SoftmaxLastAxis) {
  const Tensor x = Floats({1, 2, 3, -1, 0, 1000}, {2, 3});
  ExpectTensorNear(Must("Softmax", x),
                   Floats({0.09003057330846786f, 0.2447284758090973f, 0.6652409434318542f, 0, 0, 1}, {2, 3}), 1e-7,
                   2e-6);
  ExpectTensorNear(Must("LogSoftmax", x),
                   Floats({-2.4076058864593506f, -1.4076058864593506f, -0.40760594606399536f, -1001, -1000, 0}, {2, 3}),
                   1e-6, 2e-6);
  // Rank 3 reduces only the last axis; rows are independent.
  const Tensor y = Floats({0, 0, 5, 5, 1, 1}, {3, 1, 2});
  ExpectTensorNear(Must("Softmax", y), Floats({0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, {3, 1, 2}));
  // A NaN poisons its row only.
  ExpectTensorNear(Must("Softmax", Floats({kNaN, 1, 0, 0}, {2, 2})), Floats({kNaN, kNaN, 0.5f, 0.5f}, {2, 2}));
}

TEST_F(ActivationOpsTest, SoftmaxEdgeCases) {
  EXPECT_EQ(Must("Softmax", Floats({}, {0, 5})).shape(), (TensorShape{0, 5}));
  EXPECT_EQ(Must("LogSoftmax", Floats({}, {3, 0})).shape(), (TensorShape{3, 0}));
  auto r = Run("Softmax", Floats({1}, {}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  std::vector<Half> h = {FloatToHalf(1), FloatToHalf(1)};
  std::vector<Half> want = {FloatToHalf(0.5f), FloatToHalf(0.5f)};
  ExpectTensorEqual(Must("Softmax", MakeTensor<Half>(h, {2})), MakeTensor<Half>(want, {2}));
}

}  // namespace
}  // namespace serval::kernels::cpu
