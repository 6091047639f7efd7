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

class BinaryOpsTest : public ::testing::Test {
 protected:
  BinaryOpsTest() { RegisterBinaryKernels(r_); }

  Result<Tensor> Run(const std::string& op, const Tensor& a, const Tensor& b) {
    KernelTester t(op, r_);
    t.Attr("T", a.dtype()).Input(a).Input(b);
    SERVAL_ASSIGN_OR_RETURN(auto out, t.Run());
    return out[0];
  }
  Tensor Must(const std::string& op, const Tensor& a, const Tensor& b) {
    auto r = Run(op, a, b);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Tensor();
  }

  runtime::KernelRegistry r_;
};

TEST_F(BinaryOpsTest, NoDuplicateRegistrations) { EXPECT_TRUE(r_.Duplicates().empty()); }

TEST_F(BinaryOpsTest, AddSameShapeAndScalars) {
  ExpectTensorEqual(Must("AddV2", Floats({1, 2, 3, 4}, {2, 2}), Floats({10, 20, 30, 40}, {2, 2})),
                    Floats({11, 22, 33, 44}, {2, 2}));
  ExpectTensorEqual(Must("Add", Floats({1, 2, 3}, {3}), Floats({0.5f}, {})), Floats({1.5f, 2.5f, 3.5f}, {3}));
  ExpectTensorEqual(Must("Sub", Floats({0.5f}, {}), Floats({1, 2, 3}, {3})), Floats({-0.5f, -1.5f, -2.5f}, {3}));
  ExpectTensorEqual(Must("Mul", Floats({2}, {}), Floats({3}, {})), Floats({6}, {}));
}

TEST_F(BinaryOpsTest, RowVectorAndOuterBroadcast) {
  // [2,3] * [3] (LSTM gate scaling) and [2,1] - [1,3] (outer difference), by hand.
  ExpectTensorEqual(Must("Mul", Floats({1, 2, 3, 4, 5, 6}, {2, 3}), Floats({10, 100, 1000}, {3})),
                    Floats({10, 200, 3000, 40, 500, 6000}, {2, 3}));
  ExpectTensorEqual(Must("Sub", Floats({1, 2}, {2, 1}), Floats({10, 20, 30}, {1, 3})),
                    Floats({-9, -19, -29, -8, -18, -28}, {2, 3}));
  // Rank 3 vs rank 2: [2,1,2] + [3,1] -> [2,3,2]; out[i,j,k] = a[i,0,k] + b[j,0].
  Tensor out = Must("AddV2", Floats({1, 2, 3, 4}, {2, 1, 2}), Floats({10, 20, 30}, {3, 1}));
  ExpectTensorEqual(out, Floats({11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34}, {2, 3, 2}));
}

TEST_F(BinaryOpsTest, LargeBroadcastMatchesNaiveLoop) {
  // [5,37,19] + [37,1] and [19] + [5,37,19], checked against a naive index computation.
  const int64_t I = 5, J = 37, K = 19;
  std::vector<float> a(I * J * K), b(J), c(K);
  for (size_t i = 0; i < a.size(); ++i) a[i] = 0.25f * static_cast<float>(i % 97) - 3.0f;
  for (size_t j = 0; j < b.size(); ++j) b[j] = static_cast<float>(j) * 1.5f;
  for (size_t k = 0; k < c.size(); ++k) c[k] = -static_cast<float>(k);
  std::vector<float> want1(a.size()), want2(a.size());
  for (int64_t i = 0; i < I; ++i)
    for (int64_t j = 0; j < J; ++j)
      for (int64_t k = 0; k < K; ++k) {
        const size_t f = static_cast<size_t>((i * J + j) * K + k);
        want1[f] = a[f] + b[static_cast<size_t>(j)];
        want2[f] = c[static_cast<size_t>(k)] * a[f];
      }
  ExpectTensorEqual(Must("AddV2", Floats(a, {I, J, K}), Floats(b, {J, 1})), Floats(want1, {I, J, K}));
  ExpectTensorEqual(Must("Mul", Floats(c, {K}), Floats(a, {I, J, K})), Floats(want2, {I, J, K}));
}

TEST_F(BinaryOpsTest, IncompatibleShapesNameBoth) {
  auto r = Run("AddV2", Floats({1, 2, 3, 4, 5, 6}, {2, 3}), Floats({1, 2, 3, 4}, {4}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("[2,3]"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("[4]"), std::string::npos) << r.status().message();
}

TEST_F(BinaryOpsTest, EmptyTensors) {
  Tensor out = Must("AddV2", Floats({}, {0, 3}), Floats({1, 2, 3}, {3}));
  EXPECT_EQ(out.shape(), (TensorShape{0, 3}));
  out = Must("Mul", Floats({}, {2, 0}), Floats({5}, {}));
  EXPECT_EQ(out.shape(), (TensorShape{2, 0}));
  // Integer division by an empty tensor of divisors is not an error.
  out = Must("FloorDiv", MakeTensor<int32_t>({}, {0}), MakeTensor<int32_t>({}, {0}));
  EXPECT_EQ(out.shape(), (TensorShape{0}));
  // [0] vs [2] cannot broadcast.
  EXPECT_FALSE(Run("AddV2", Floats({}, {0}), Floats({1, 2}, {2})).ok());
}

TEST_F(BinaryOpsTest, IntegerOverflowWraps) {
  const int32_t kMax = std::numeric_limits<int32_t>::max(), kMin = std::numeric_limits<int32_t>::min();
  ExpectTensorEqual(Must("AddV2", MakeTensor<int32_t>({kMax, kMin}, {2}), MakeTensor<int32_t>({1, -1}, {2})),
                    MakeTensor<int32_t>({kMin, kMax}, {2}));
  ExpectTensorEqual(Must("Mul", MakeTensor<int8_t>({100, -128}, {2}), MakeTensor<int8_t>({3, -1}, {2})),
                    MakeTensor<int8_t>({44, -128}, {2}));
  ExpectTensorEqual(Must("Sub", MakeTensor<uint8_t>({0, 200}, {2}), MakeTensor<uint8_t>({1, 100}, {2})),
                    MakeTensor<uint8_t>({255, 100}, {2}));
  ExpectTensorEqual(Must("Mul", MakeTensor<uint16_t>({65535}, {1}), MakeTensor<uint16_t>({65535}, {1})),
                    MakeTensor<uint16_t>({1}, {1}));
  ExpectTensorEqual(Must("SquaredDifference", MakeTensor<int32_t>({3, 65536}, {2}), MakeTensor<int32_t>({-4, 0}, {2})),
                    MakeTensor<int32_t>({49, 0}, {2}));  // 65536^2 = 2^32 wraps to 0
}

TEST_F(BinaryOpsTest, IntegerDivisionSemantics) {
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  // Div/TruncateDiv truncate toward zero; FloorDiv toward -inf (tfjs floorDiv: [3,-4,-4,3]).
  auto a = MakeTensor<int32_t>({7, -7, 7, -7, kMin}, {5});
  auto b = MakeTensor<int32_t>({2, 2, -2, -2, -1}, {5});
  ExpectTensorEqual(Must("Div", a, b), MakeTensor<int32_t>({3, -3, -3, 3, kMin}, {5}));
  ExpectTensorEqual(Must("TruncateDiv", a, b), MakeTensor<int32_t>({3, -3, -3, 3, kMin}, {5}));
  ExpectTensorEqual(Must("FloorDiv", a, b), MakeTensor<int32_t>({3, -4, -4, 3, kMin}, {5}));
  // FloorMod takes the divisor's sign (tfjs mod: [1,1,-1,-1]); TruncateMod the dividend's.
  ExpectTensorEqual(Must("FloorMod", a, b), MakeTensor<int32_t>({1, 1, -1, -1, 0}, {5}));
  ExpectTensorEqual(Must("TruncateMod", a, b), MakeTensor<int32_t>({1, -1, 1, -1, 0}, {5}));
  ExpectTensorEqual(Must("Mod", a, b), MakeTensor<int32_t>({1, -1, 1, -1, 0}, {5}));
  ExpectTensorEqual(Must("FloorDiv", MakeTensor<uint8_t>({7, 255}, {2}), MakeTensor<uint8_t>({2, 16}, {2})),
                    MakeTensor<uint8_t>({3, 15}, {2}));
  for (const char* op : {"Div", "FloorDiv", "FloorMod", "TruncateDiv", "TruncateMod", "Mod"}) {
    auto r = Run(op, MakeTensor<int64_t>({1, 2}, {2}), MakeTensor<int64_t>({1, 0}, {2}));
    ASSERT_FALSE(r.ok()) << op;
    EXPECT_EQ(r.status().message(), "Integer division by zero") << op;
  }
}

TEST_F(BinaryOpsTest, FloatDivisionFamily) {
  // tfjs: tf.mod([7.5,-7.5,7.5,-7.5],[2,2,-2,-2]) = [1.5,0.5,-0.5,-1.5]
  auto a = Floats({7.5f, -7.5f, 7.5f, -7.5f}, {4});
  auto b = Floats({2, 2, -2, -2}, {4});
  ExpectTensorEqual(Must("FloorMod", a, b), Floats({1.5f, 0.5f, -0.5f, -1.5f}, {4}));
  ExpectTensorEqual(Must("TruncateMod", a, b), Floats({1.5f, -1.5f, 1.5f, -1.5f}, {4}));
  ExpectTensorEqual(Must("FloorDiv", a, b), Floats({3, -4, -4, 3}, {4}));
  ExpectTensorNear(Must("RealDiv", Floats({1, -1, 0, 1}, {4}), Floats({0, 0, 0, 4}, {4})),
                   Floats({kInf, -kInf, kNaN, 0.25f}, {4}));
  ExpectTensorNear(Must("Div", Floats({1, 3}, {2}), Floats({4, 0}, {2})), Floats({0.25f, kInf}, {2}));
  ExpectTensorEqual(Must("DivNoNan", Floats({1, 0, 6}, {3}), Floats({0, 0, 3}, {3})), Floats({0, 0, 2}, {3}));
}

TEST_F(BinaryOpsTest, MaximumMinimumPropagateNaN) {
  auto a = Floats({1, kNaN, 3, -kInf, 5, 6, 7, 8, 9}, {9});
  auto b = Floats({kNaN, 2, 1, 0, 5, 6, 7, 8, 10}, {9});
  ExpectTensorNear(Must("Maximum", a, b), Floats({kNaN, kNaN, 3, 0, 5, 6, 7, 8, 10}, {9}));
  ExpectTensorNear(Must("Minimum", a, b), Floats({kNaN, kNaN, 1, -kInf, 5, 6, 7, 8, 9}, {9}));
  ExpectTensorNear(Must("Maximum", Floats({kNaN}, {}), Floats({1, 2}, {2})), Floats({kNaN, kNaN}, {2}));
  ExpectTensorEqual(Must("Minimum", MakeTensor<int64_t>({-5, 9}, {2}), MakeTensor<int64_t>({0}, {1})),
                    MakeTensor<int64_t>({-5, 0}, {2}));
}

TEST_F(BinaryOpsTest, Pow) {
  // tfjs pow([2,4,9],[0.5,-1,0.5]) = [1.4142135381698608,0.25,3]
  ExpectTensorNear(Must("Pow", Floats({2, 4, 9}, {3}), Floats({0.5f, -1, 0.5f}, {3})),
                   Floats({1.4142135381698608f, 0.25f, 3}, {3}));
  ExpectTensorEqual(Must("Pow", MakeTensor<int32_t>({3, -2, 2, 5}, {4}), MakeTensor<int32_t>({4, 3, 31, 0}, {4})),
                    MakeTensor<int32_t>({81, -8, std::numeric_limits<int32_t>::min(), 1}, {4}));
  auto r = Run("Pow", MakeTensor<int32_t>({2}, {1}), MakeTensor<int32_t>({-1}, {1}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "Integers to negative integer powers are not allowed");
}

TEST_F(BinaryOpsTest, Atan2AndSquaredDifference) {
  // tfjs atan2([1,-1,0,1],[1,1,-1,0])
  ExpectTensorNear(Must("Atan2", Floats({1, -1, 0, 1}, {4}), Floats({1, 1, -1, 0}, {4})),
                   Floats({0.7853981852531433f, -0.7853981852531433f, 3.1415927410125732f, 1.5707963705062866f}, {4}));
  ExpectTensorEqual(Must("SquaredDifference", Floats({1, 2}, {2}), Floats({4}, {})), Floats({9, 4}, {2}));
}

TEST_F(BinaryOpsTest, HalfComputesInFloat) {
  auto h = [](std::vector<float> v, TensorShape s) {
    std::vector<Half> hv;
    for (float f : v) hv.push_back(FloatToHalf(f));
    return MakeTensor<Half>(hv, std::move(s));
  };
  ExpectTensorEqual(Must("AddV2", h({1.5f, 2048}, {2}), h({2.25f, 1}, {2})), h({3.75f, 2048}, {2}));  // 2049 rounds to even
  ExpectTensorEqual(Must("Greater", h({1, 2}, {2}), h({1.5f}, {})), Bools({false, true}, {2}));
}

TEST_F(BinaryOpsTest, Comparisons) {
  auto a = Floats({1, 2, kNaN, 4}, {4});
  auto b = Floats({2, 2, kNaN, 3}, {4});
  ExpectTensorEqual(Must("Equal", a, b), Bools({false, true, false, false}, {4}));
  ExpectTensorEqual(Must("NotEqual", a, b), Bools({true, false, true, true}, {4}));
  ExpectTensorEqual(Must("Less", a, b), Bools({true, false, false, false}, {4}));
  ExpectTensorEqual(Must("LessEqual", a, b), Bools({true, true, false, false}, {4}));
  ExpectTensorEqual(Must("Greater", a, b), Bools({false, false, false, true}, {4}));
  ExpectTensorEqual(Must("GreaterEqual", a, b), Bools({false, true, false, true}, {4}));
  ExpectTensorEqual(Must("Less", MakeTensor<uint32_t>({0, 4000000000u}, {2}), MakeTensor<uint32_t>({1}, {})),
                    Bools({true, false}, {2}));
  ExpectTensorEqual(Must("Equal", MakeTensor<std::string>({"a", "b"}, {2}), MakeTensor<std::string>({"b"}, {})),
                    Bools({false, true}, {2}));
  ExpectTensorEqual(Must("Equal", Bools({true, false}, {2}), Bools({true}, {1})), Bools({true, false}, {2}));
}

TEST_F(BinaryOpsTest, EqualIncompatibleShapeErrorAttr) {
  for (const char* op : {"Equal", "NotEqual"}) {
    KernelTester t(op, r_);
    t.Attr("T", DataType::kFloat)
        .Attr("incompatible_shape_error", false)
        .Input(Floats({1, 2}, {2}))
        .Input(Floats({1, 2, 3}, {3}));
    auto out = t.Run();
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ExpectTensorEqual(out->at(0), Bools({std::string(op) == "NotEqual"}, {}));
    KernelTester strict(op, r_);
    strict.Attr("T", DataType::kFloat).Input(Floats({1, 2}, {2})).Input(Floats({1, 2, 3}, {3}));
    EXPECT_FALSE(strict.Run().ok());
  }
}

TEST_F(BinaryOpsTest, LogicalOps) {
  auto a = Bools({true, true, false, false}, {4});
  auto b = Bools({true, false, true, false}, {4});
  KernelTester t("LogicalAnd", r_);
  t.Input(a).Input(b);
  ExpectTensorEqual(t.Run()->at(0), Bools({true, false, false, false}, {4}));
  KernelTester o("LogicalOr", r_);
  o.Input(a).Input(Bools({false}, {}));
  ExpectTensorEqual(o.Run()->at(0), Bools({true, true, false, false}, {4}));
}

TEST_F(BinaryOpsTest, StringAddConcatenates) {
  ExpectTensorEqual(Must("Add", MakeTensor<std::string>({"ab", "c"}, {2}), MakeTensor<std::string>({"!"}, {})),
                    MakeTensor<std::string>({"ab!", "c!"}, {2}));
  KernelTester t("AddV2", r_);
  t.Attr("T", DataType::kString).Input(MakeTensor<std::string>({"a"}, {1})).Input(MakeTensor<std::string>({"b"}, {1}));
  EXPECT_EQ(t.Create().code(), StatusCode::kUnimplemented);
}

TEST_F(BinaryOpsTest, MismatchedDtypesRejected) {
  auto r = Run("AddV2", Floats({1}, {1}), MakeTensor<int32_t>({1}, {1}));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace serval::kernels::cpu
