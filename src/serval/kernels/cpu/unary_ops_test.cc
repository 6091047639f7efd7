#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::Bools;
using runtime::testing::ExpectTensorEqual;
using runtime::testing::ExpectTensorNear;
using runtime::testing::Floats;
using runtime::testing::KernelTester;
using runtime::testing::MakeTensor;

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

class UnaryOpsTest : public ::testing::Test {
 protected:
  UnaryOpsTest() { RegisterUnaryKernels(r_); }
  Tensor Must(const std::string& op, const Tensor& x, bool with_t = true) {
    KernelTester t(op, r_);
    if (with_t) t.Attr("T", x.dtype());
    t.Input(x);
    auto out = t.Run();
    EXPECT_TRUE(out.ok()) << op << ": " << out.status().ToString();
    return out.ok() ? out->at(0) : Tensor();
  }
  runtime::KernelRegistry r_;
};

TEST_F(UnaryOpsTest, NoDuplicateRegistrations) { EXPECT_TRUE(r_.Duplicates().empty()); }

// Reference: tfjs 4.22 on x = [-3, -0.5, 0, 0.25, 1, 4]:
//   const x = tf.tensor1d([-3, -0.5, 0, 0.25, 1, 4]); tf.exp(x) ... (see each line)
TEST_F(UnaryOpsTest, FloatMathMatchesTfjs) {
  const Tensor x = Floats({-3, -0.5f, 0, 0.25f, 1, 4}, {2, 3});
  struct Case {
    const char* op;
    std::vector<float> want;
  } cases[] = {
      {"Exp", {0.049787066876888275f, 0.6065306663513184f, 1, 1.2840254306793213f, 2.7182817459106445f, 54.598148345947266f}},
      {"Expm1", {-0.9502129554748535f, -0.39346933364868164f, 0, 0.2840254306793213f, 1.718281865119934f, 53.598148345947266f}},
      {"Tanh", {-0.9950547814369202f, -0.46211716532707214f, 0, 0.24491865932941437f, 0.7615941762924194f, 0.9993293285369873f}},
      {"Sigmoid", {0.04742587357759476f, 0.3775406777858734f, 0.5f, 0.562176525592804f, 0.7310585975646973f, 0.9820137619972229f}},
      {"Erf", {-0.9999778866767883f, -0.5205000042915344f, 0, 0.2763262689113617f, 0.8427006602287292f, 1}},
      {"Sin", {-0.14112000167369843f, -0.4794255495071411f, 0, 0.24740396440029144f, 0.8414709568023682f, -0.756802499294281f}},
      {"Atan", {-1.249045729637146f, -0.46364760398864746f, 0, 0.244978666305542f, 0.7853981852531433f, 1.3258177042007446f}},
      {"Softsign", {-0.75f, -0.3333333432674408f, 0, 0.20000000298023224f, 0.5f, 0.800000011920929f}},
      {"Square", {9, 0.25f, 0, 0.0625f, 1, 16}},
      {"Neg", {3, 0.5f, 0, -0.25f, -1, -4}},
      {"Abs", {3, 0.5f, 0, 0.25f, 1, 4}},
      {"Sign", {-1, -1, 0, 1, 1, 1}},
      {"Floor", {-3, -1, 0, 0, 1, 4}},
      {"Ceil", {-3, -0, 0, 1, 1, 4}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.op);
    ExpectTensorNear(Must(c.op, x), Floats(c.want, {2, 3}), 2e-7, 2e-6);
  }
}

TEST_F(UnaryOpsTest, LogSqrtReciprocalEdgeCases) {
  ExpectTensorNear(Must("Log", Floats({0, -1, 1, kInf}, {4})), Floats({-kInf, kNaN, 0, kInf}, {4}));
  // tfjs log1p([0.25, 1, 4])
  ExpectTensorNear(Must("Log1p", Floats({0.25f, 1, 4, -1}, {4})),
                   Floats({0.2231435477733612f, 0.6931471824645996f, 1.6094379425048828f, -kInf}, {4}));
  ExpectTensorNear(Must("Sqrt", Floats({4, -1, 0}, {3})), Floats({2, kNaN, 0}, {3}));
  ExpectTensorNear(Must("Rsqrt", Floats({4, 0.25f}, {2})), Floats({0.5f, 2}, {2}), 1e-6, 1e-6);
  ExpectTensorNear(Must("Reciprocal", Floats({4, 0, -0.5f}, {3})), Floats({0.25f, kInf, -2}, {3}));
  ExpectTensorNear(Must("Inv", Floats({8}, {1})), Floats({0.125f}, {1}));
  ExpectTensorNear(Must("Exp", Floats({kNaN, -kInf, 100}, {3})), Floats({kNaN, 0, kInf}, {3}));
  ExpectTensorNear(Must("Sigmoid", Floats({kNaN, -kInf, kInf}, {3})), Floats({kNaN, 0, 1}, {3}));
  ExpectTensorNear(Must("Tanh", Floats({kNaN, -kInf, kInf}, {3})), Floats({kNaN, -1, 1}, {3}));
  ExpectTensorNear(Must("Sign", Floats({kNaN}, {1})), Floats({kNaN}, {1}));
}

TEST_F(UnaryOpsTest, RoundIsBankers) {
  // tfjs round([0.5,1.5,2.5,-0.5,-1.5,2.6]) = [0,2,2,-0,-2,3]
  ExpectTensorEqual(Must("Round", Floats({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.6f}, {6})),
                    Floats({0, 2, 2, -0.0f, -2, 3}, {6}));
  ExpectTensorEqual(Must("Rint", Floats({0.5f, 1.5f, -2.5f}, {3})), Floats({0, 2, -2}, {3}));
  ExpectTensorEqual(Must("Round", MakeTensor<int32_t>({-7, 7}, {2})), MakeTensor<int32_t>({-7, 7}, {2}));
}

TEST_F(UnaryOpsTest, IntegersWrap) {
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  ExpectTensorEqual(Must("Neg", MakeTensor<int32_t>({kMin, 5}, {2})), MakeTensor<int32_t>({kMin, -5}, {2}));
  ExpectTensorEqual(Must("Abs", MakeTensor<int8_t>({-128, -5, 5}, {3})), MakeTensor<int8_t>({-128, 5, 5}, {3}));
  ExpectTensorEqual(Must("Square", MakeTensor<int32_t>({65536, -3}, {2})), MakeTensor<int32_t>({0, 9}, {2}));
  ExpectTensorEqual(Must("Sign", MakeTensor<int64_t>({-9, 0, 9}, {3})), MakeTensor<int64_t>({-1, 0, 1}, {3}));
}

TEST_F(UnaryOpsTest, HalfAndDouble) {
  std::vector<Half> h = {FloatToHalf(-1), FloatToHalf(0), FloatToHalf(2)};
  std::vector<Half> want = {FloatToHalf(std::exp(-1.0f)), FloatToHalf(1), FloatToHalf(std::exp(2.0f))};
  ExpectTensorNear(Must("Exp", MakeTensor<Half>(h, {3})), MakeTensor<Half>(want, {3}), 1e-3, 1e-3);
  ExpectTensorNear(Must("Tanh", MakeTensor<double>({0.5}, {1})), MakeTensor<double>({0.46211715726000974}, {1}), 1e-12,
                   1e-12);
}

TEST_F(UnaryOpsTest, Predicates) {
  const Tensor x = Floats({1, kNaN, kInf, -kInf, 0}, {5});
  ExpectTensorEqual(Must("IsNan", x), Bools({false, true, false, false, false}, {5}));
  ExpectTensorEqual(Must("IsInf", x), Bools({false, false, true, true, false}, {5}));
  ExpectTensorEqual(Must("IsFinite", x), Bools({true, false, false, false, true}, {5}));
  ExpectTensorEqual(Must("LogicalNot", Bools({true, false}, {2}), /*with_t=*/false), Bools({false, true}, {2}));
}

TEST_F(UnaryOpsTest, ZerosOnesLikeAndEmpty) {
  ExpectTensorEqual(Must("ZerosLike", MakeTensor<int32_t>({4, 5}, {2})), MakeTensor<int32_t>({0, 0}, {2}));
  ExpectTensorEqual(Must("OnesLike", Floats({4, 5, 6}, {3, 1})), Floats({1, 1, 1}, {3, 1}));
  ExpectTensorEqual(Must("OnesLike", Bools({false}, {1})), Bools({true}, {1}));
  Tensor e = Must("Tanh", Floats({}, {0, 4}));
  EXPECT_EQ(e.shape(), (TensorShape{0, 4}));
}

TEST_F(UnaryOpsTest, UnsupportedDtype) {
  KernelTester t("Exp", r_);
  t.Attr("T", DataType::kInt32).Input(MakeTensor<int32_t>({1}, {1}));
  EXPECT_EQ(t.Create().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace serval::kernels::cpu
