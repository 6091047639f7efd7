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
using runtime::testing::KernelTester;

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

template <typename T>
Tensor V(std::vector<T> v, TensorShape s) {
  return Tensor::FromVector<T>(v, std::move(s));
}
Tensor F(std::vector<float> v, TensorShape s) { return V<float>(std::move(v), std::move(s)); }
Tensor B(std::vector<bool> v, TensorShape s) {
  Tensor t(DataType::kBool, s);
  for (size_t i = 0; i < v.size(); ++i) t.flat<bool>()[i] = v[i];
  return t;
}

TEST_F(BinaryOpsTest, NoDuplicateRegistrations) { EXPECT_TRUE(r_.Duplicates().empty()); }

TEST_F(BinaryOpsTest, AddSameShapeAndScalars) {
  ExpectTensorEqual(Must("AddV2", F({1, 2, 3, 4}, {2, 2}), F({10, 20, 30, 40}, {2, 2})), F({11, 22, 33, 44}, {2, 2}));
  ExpectTensorEqual(Must("Add", F({1, 2, 3}, {3}), F({0.5f}, {})), F({1.5f, 2.5f, 3.5f}, {3}));
  ExpectTensorEqual(Must("Sub", F({0.5f}, {}), F({1, 2, 3}, {3})), F({-0.5f, -1.5f, -2.5f}, {3}));
  ExpectTensorEqual(Must("Mul", F({2}, {}), F({3}, {})), F({6}, {}));
}

TEST_F(BinaryOpsTest, RowVectorAndOuterBroadcast) {
  // [2,3] * [3] (LSTM gate scaling) and [2,1] - [1,3] (outer difference), by hand.
  ExpectTensorEqual(Must("Mul", F({1, 2, 3, 4, 5, 6}, {2, 3}), F({10, 100, 1000}, {3})),
                    F({10, 200, 3000, 40, 500, 6000}, {2, 3}));
  ExpectTensorEqual(Must("Sub", F({1, 2}, {2, 1}), F({10, 20, 30}, {1, 3})), F({-9, -19, -29, -8, -18, -28}, {2, 3}));
  // Rank 3 vs rank 2: [2,1,2] + [3,1] -> [2,3,2]; out[i,j,k] = a[i,0,k] + b[j,0].
  Tensor out = Must("AddV2", F({1, 2, 3, 4}, {2, 1, 2}), F({10, 20, 30}, {3, 1}));
  ExpectTensorEqual(out, F({11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34}, {2, 3, 2}));
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
  ExpectTensorEqual(Must("AddV2", F(a, {I, J, K}), F(b, {J, 1})), F(want1, {I, J, K}));
  ExpectTensorEqual(Must("Mul", F(c, {K}), F(a, {I, J, K})), F(want2, {I, J, K}));
}

TEST_F(BinaryOpsTest, IncompatibleShapesNameBoth) {
  auto r = Run("AddV2", F({1, 2, 3, 4, 5, 6}, {2, 3}), F({1, 2, 3, 4}, {4}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("[2,3]"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("[4]"), std::string::npos) << r.status().message();
}

TEST_F(BinaryOpsTest, EmptyTensors) {
  Tensor out = Must("AddV2", F({}, {0, 3}), F({1, 2, 3}, {3}));
  EXPECT_EQ(out.shape(), (TensorShape{0, 3}));
  out = Must("Mul", F({}, {2, 0}), F({5}, {}));
  EXPECT_EQ(out.shape(), (TensorShape{2, 0}));
  // Integer division by an empty tensor of divisors is not an error.
  out = Must("FloorDiv", V<int32_t>({}, {0}), V<int32_t>({}, {0}));
  EXPECT_EQ(out.shape(), (TensorShape{0}));
  // [0] vs [2] cannot broadcast.
  EXPECT_FALSE(Run("AddV2", F({}, {0}), F({1, 2}, {2})).ok());
}

TEST_F(BinaryOpsTest, IntegerOverflowWraps) {
  const int32_t kMax = std::numeric_limits<int32_t>::max(), kMin = std::numeric_limits<int32_t>::min();
  ExpectTensorEqual(Must("AddV2", V<int32_t>({kMax, kMin}, {2}), V<int32_t>({1, -1}, {2})), V<int32_t>({kMin, kMax}, {2}));
  ExpectTensorEqual(Must("Mul", V<int8_t>({100, -128}, {2}), V<int8_t>({3, -1}, {2})), V<int8_t>({44, -128}, {2}));
  ExpectTensorEqual(Must("Sub", V<uint8_t>({0, 200}, {2}), V<uint8_t>({1, 100}, {2})), V<uint8_t>({255, 100}, {2}));
  ExpectTensorEqual(Must("Mul", V<uint16_t>({65535}, {1}), V<uint16_t>({65535}, {1})), V<uint16_t>({1}, {1}));
  ExpectTensorEqual(Must("SquaredDifference", V<int32_t>({3, 65536}, {2}), V<int32_t>({-4, 0}, {2})),
                    V<int32_t>({49, 0}, {2}));  // 65536^2 = 2^32 wraps to 0
}

TEST_F(BinaryOpsTest, IntegerDivisionSemantics) {
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  // Div/TruncateDiv truncate toward zero; FloorDiv toward -inf (tfjs floorDiv: [3,-4,-4,3]).
  auto a = V<int32_t>({7, -7, 7, -7, kMin}, {5});
  auto b = V<int32_t>({2, 2, -2, -2, -1}, {5});
  ExpectTensorEqual(Must("Div", a, b), V<int32_t>({3, -3, -3, 3, kMin}, {5}));
  ExpectTensorEqual(Must("TruncateDiv", a, b), V<int32_t>({3, -3, -3, 3, kMin}, {5}));
  ExpectTensorEqual(Must("FloorDiv", a, b), V<int32_t>({3, -4, -4, 3, kMin}, {5}));
  // FloorMod takes the divisor's sign (tfjs mod: [1,1,-1,-1]); TruncateMod the dividend's.
  ExpectTensorEqual(Must("FloorMod", a, b), V<int32_t>({1, 1, -1, -1, 0}, {5}));
  ExpectTensorEqual(Must("TruncateMod", a, b), V<int32_t>({1, -1, 1, -1, 0}, {5}));
  ExpectTensorEqual(Must("Mod", a, b), V<int32_t>({1, -1, 1, -1, 0}, {5}));
  ExpectTensorEqual(Must("FloorDiv", V<uint8_t>({7, 255}, {2}), V<uint8_t>({2, 16}, {2})), V<uint8_t>({3, 15}, {2}));
  for (const char* op : {"Div", "FloorDiv", "FloorMod", "TruncateDiv", "TruncateMod", "Mod"}) {
    auto r = Run(op, V<int64_t>({1, 2}, {2}), V<int64_t>({1, 0}, {2}));
    ASSERT_FALSE(r.ok()) << op;
    EXPECT_EQ(r.status().message(), "Integer division by zero") << op;
  }
}

TEST_F(BinaryOpsTest, FloatDivisionFamily) {
  // tfjs: tf.mod([7.5,-7.5,7.5,-7.5],[2,2,-2,-2]) = [1.5,0.5,-0.5,-1.5]
  auto a = F({7.5f, -7.5f, 7.5f, -7.5f}, {4});
  auto b = F({2, 2, -2, -2}, {4});
  ExpectTensorEqual(Must("FloorMod", a, b), F({1.5f, 0.5f, -0.5f, -1.5f}, {4}));
  ExpectTensorEqual(Must("TruncateMod", a, b), F({1.5f, -1.5f, 1.5f, -1.5f}, {4}));
  ExpectTensorEqual(Must("FloorDiv", a, b), F({3, -4, -4, 3}, {4}));
  ExpectTensorNear(Must("RealDiv", F({1, -1, 0, 1}, {4}), F({0, 0, 0, 4}, {4})), F({kInf, -kInf, kNaN, 0.25f}, {4}));
  ExpectTensorNear(Must("Div", F({1, 3}, {2}), F({4, 0}, {2})), F({0.25f, kInf}, {2}));
  ExpectTensorEqual(Must("DivNoNan", F({1, 0, 6}, {3}), F({0, 0, 3}, {3})), F({0, 0, 2}, {3}));
}

TEST_F(BinaryOpsTest, MaximumMinimumPropagateNaN) {
  auto a = F({1, kNaN, 3, -kInf, 5, 6, 7, 8, 9}, {9});
  auto b = F({kNaN, 2, 1, 0, 5, 6, 7, 8, 10}, {9});
  ExpectTensorNear(Must("Maximum", a, b), F({kNaN, kNaN, 3, 0, 5, 6, 7, 8, 10}, {9}));
  ExpectTensorNear(Must("Minimum", a, b), F({kNaN, kNaN, 1, -kInf, 5, 6, 7, 8, 9}, {9}));
  ExpectTensorNear(Must("Maximum", F({kNaN}, {}), F({1, 2}, {2})), F({kNaN, kNaN}, {2}));
  ExpectTensorEqual(Must("Minimum", V<int64_t>({-5, 9}, {2}), V<int64_t>({0}, {1})), V<int64_t>({-5, 0}, {2}));
}

TEST_F(BinaryOpsTest, Pow) {
  // tfjs pow([2,4,9],[0.5,-1,0.5]) = [1.4142135381698608,0.25,3]
  ExpectTensorNear(Must("Pow", F({2, 4, 9}, {3}), F({0.5f, -1, 0.5f}, {3})), F({1.4142135381698608f, 0.25f, 3}, {3}));
  ExpectTensorEqual(Must("Pow", V<int32_t>({3, -2, 2, 5}, {4}), V<int32_t>({4, 3, 31, 0}, {4})),
                    V<int32_t>({81, -8, std::numeric_limits<int32_t>::min(), 1}, {4}));
  auto r = Run("Pow", V<int32_t>({2}, {1}), V<int32_t>({-1}, {1}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "Integers to negative integer powers are not allowed");
}

TEST_F(BinaryOpsTest, Atan2AndSquaredDifference) {
  // tfjs atan2([1,-1,0,1],[1,1,-1,0])
  ExpectTensorNear(Must("Atan2", F({1, -1, 0, 1}, {4}), F({1, 1, -1, 0}, {4})),
                   F({0.7853981852531433f, -0.7853981852531433f, 3.1415927410125732f, 1.5707963705062866f}, {4}));
  ExpectTensorEqual(Must("SquaredDifference", F({1, 2}, {2}), F({4}, {})), F({9, 4}, {2}));
}

TEST_F(BinaryOpsTest, HalfComputesInFloat) {
  auto h = [](std::vector<float> v, TensorShape s) {
    std::vector<Half> hv;
    for (float f : v) hv.push_back(FloatToHalf(f));
    return V<Half>(hv, std::move(s));
  };
  ExpectTensorEqual(Must("AddV2", h({1.5f, 2048}, {2}), h({2.25f, 1}, {2})), h({3.75f, 2048}, {2}));  // 2049 rounds to even
  ExpectTensorEqual(Must("Greater", h({1, 2}, {2}), h({1.5f}, {})), B({false, true}, {2}));
}

TEST_F(BinaryOpsTest, Comparisons) {
  auto a = F({1, 2, kNaN, 4}, {4});
  auto b = F({2, 2, kNaN, 3}, {4});
  ExpectTensorEqual(Must("Equal", a, b), B({false, true, false, false}, {4}));
  ExpectTensorEqual(Must("NotEqual", a, b), B({true, false, true, true}, {4}));
  ExpectTensorEqual(Must("Less", a, b), B({true, false, false, false}, {4}));
  ExpectTensorEqual(Must("LessEqual", a, b), B({true, true, false, false}, {4}));
  ExpectTensorEqual(Must("Greater", a, b), B({false, false, false, true}, {4}));
  ExpectTensorEqual(Must("GreaterEqual", a, b), B({false, true, false, true}, {4}));
  ExpectTensorEqual(Must("Less", V<uint32_t>({0, 4000000000u}, {2}), V<uint32_t>({1}, {})), B({true, false}, {2}));
  ExpectTensorEqual(Must("Equal", V<std::string>({"a", "b"}, {2}), V<std::string>({"b"}, {})), B({false, true}, {2}));
  ExpectTensorEqual(Must("Equal", B({true, false}, {2}), B({true}, {1})), B({true, false}, {2}));
}

TEST_F(BinaryOpsTest, EqualIncompatibleShapeErrorAttr) {
  for (const char* op : {"Equal", "NotEqual"}) {
    KernelTester t(op, r_);
    t.Attr("T", DataType::kFloat).Attr("incompatible_shape_error", false).Input(F({1, 2}, {2})).Input(F({1, 2, 3}, {3}));
    auto out = t.Run();
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ExpectTensorEqual(out->at(0), B({std::string(op) == "NotEqual"}, {}));
    KernelTester strict(op, r_);
    strict.Attr("T", DataType::kFloat).Input(F({1, 2}, {2})).Input(F({1, 2, 3}, {3}));
    EXPECT_FALSE(strict.Run().ok());
  }
}

TEST_F(BinaryOpsTest, LogicalOps) {
  auto a = B({true, true, false, false}, {4});
  auto b = B({true, false, true, false}, {4});
  KernelTester t("LogicalAnd", r_);
  t.Input(a).Input(b);
  ExpectTensorEqual(t.Run()->at(0), B({true, false, false, false}, {4}));
  KernelTester o("LogicalOr", r_);
  o.Input(a).Input(B({false}, {}));
  ExpectTensorEqual(o.Run()->at(0), B({true, true, false, false}, {4}));
}

TEST_F(BinaryOpsTest, StringAddConcatenates) {
  ExpectTensorEqual(Must("Add", V<std::string>({"ab", "c"}, {2}), V<std::string>({"!"}, {})),
                    V<std::string>({"ab!", "c!"}, {2}));
  KernelTester t("AddV2", r_);
  t.Attr("T", DataType::kString).Input(V<std::string>({"a"}, {1})).Input(V<std::string>({"b"}, {1}));
  EXPECT_EQ(t.Create().code(), StatusCode::kUnimplemented);
}

TEST_F(BinaryOpsTest, MismatchedDtypesRejected) {
  auto r = Run("AddV2", F({1}, {1}), V<int32_t>({1}, {1}));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace serval::kernels::cpu
