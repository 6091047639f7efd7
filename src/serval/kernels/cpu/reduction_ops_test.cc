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

Tensor Axes(std::vector<int32_t> a) { return runtime::testing::Int32s(std::move(a)); }

class ReductionOpsTest : public ::testing::Test {
 protected:
  ReductionOpsTest() { RegisterReductionKernels(r_); }
  Result<Tensor> Run(const std::string& op, const Tensor& x, const Tensor& axes, bool keep = false) {
    KernelTester t(op, r_);
    if (op != "All" && op != "Any") t.Attr("T", x.dtype());
    t.Attr("Tidx", axes.dtype()).Attr("keep_dims", keep).Input(x).Input(axes);
    SERVAL_ASSIGN_OR_RETURN(auto out, t.Run());
    return out[0];
  }
  Tensor Must(const std::string& op, const Tensor& x, const Tensor& axes, bool keep = false) {
    auto r = Run(op, x, axes, keep);
    EXPECT_TRUE(r.ok()) << op << ": " << r.status().ToString();
    return r.ok() ? *r : Tensor();
  }
  runtime::KernelRegistry r_;
};

TEST_F(ReductionOpsTest, NoDuplicateRegistrations) { EXPECT_TRUE(r_.Duplicates().empty()); }

TEST_F(ReductionOpsTest, SumMeanAxesAndKeepDims) {
  const Tensor x = Floats({1, 2, 3, 4, 5, 6}, {2, 3});
  ExpectTensorEqual(Must("Sum", x, Axes({0})), Floats({5, 7, 9}, {3}));  // tfjs sum(x, 0)
  ExpectTensorEqual(Must("Sum", x, Axes({-1})), Floats({6, 15}, {2}));
  ExpectTensorEqual(Must("Sum", x, Axes({1}), true), Floats({6, 15}, {2, 1}));
  ExpectTensorEqual(Must("Sum", x, Axes({0, 1})), Floats({21}, {}));
  ExpectTensorEqual(Must("Sum", x, MakeTensor<int64_t>({-2}, {})), Floats({5, 7, 9}, {3}));  // scalar int64 axis
  ExpectTensorEqual(Must("Mean", x, Axes({1, 0}), true), Floats({3.5f}, {1, 1}));
  ExpectTensorEqual(Must("Mean", x, Axes({})), x);  // no axes: identity
}

TEST_F(ReductionOpsTest, MiddleAxisOfRank4) {
  // x[a,b,c,d] = a*1000 + b*100 + c*10 + d over shape [2,3,2,2]; reduce axes {1,3}.
  std::vector<float> v;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int c = 0; c < 2; ++c)
        for (int d = 0; d < 2; ++d) v.push_back(static_cast<float>(a * 1000 + b * 100 + c * 10 + d));
  // sum over b (0..2) and d (0..1): 6*(a*1000 + c*10) + 2*(0+100+200) + 3*(0+1)
  std::vector<float> want;
  for (int a = 0; a < 2; ++a)
    for (int c = 0; c < 2; ++c) want.push_back(6.0f * (a * 1000 + c * 10) + 600 + 3);
  ExpectTensorEqual(Must("Sum", Floats(v, {2, 3, 2, 2}), Axes({1, 3})), Floats(want, {2, 2}));
  // max over a and c: 1000 + b*100 + 10 + d.
  ExpectTensorEqual(Must("Max", Floats(v, {2, 3, 2, 2}), Axes({0, 2}), true),
                    Floats({1010, 1011, 1110, 1111, 1210, 1211}, {1, 3, 1, 2}));
}

TEST_F(ReductionOpsTest, IntegerSemantics) {
  const int32_t kMax = std::numeric_limits<int32_t>::max();
  ExpectTensorEqual(Must("Sum", MakeTensor<int32_t>({kMax, 1}, {2}), Axes({0})),
                    MakeTensor<int32_t>({std::numeric_limits<int32_t>::min()}, {}));
  ExpectTensorEqual(Must("Mean", MakeTensor<int32_t>({1, 2, -7, 0}, {2, 2}), Axes({1})),
                    MakeTensor<int32_t>({1, -3}, {2}));  // truncating
  ExpectTensorEqual(Must("Prod", MakeTensor<int8_t>({16, 16, 3}, {3}), Axes({0})),
                    MakeTensor<int8_t>({0}, {}));  // 768 mod 256
  ExpectTensorEqual(Must("Max", MakeTensor<uint8_t>({3, 250, 7}, {3}), Axes({0})), MakeTensor<uint8_t>({250}, {}));
}

TEST_F(ReductionOpsTest, EmptyReductionsGiveIdentity) {
  const Tensor e = Floats({}, {0, 2});
  ExpectTensorEqual(Must("Sum", e, Axes({0})), Floats({0, 0}, {2}));
  ExpectTensorEqual(Must("Prod", e, Axes({0})), Floats({1, 1}, {2}));
  ExpectTensorEqual(Must("Max", e, Axes({0})), Floats({-kInf, -kInf}, {2}));
  ExpectTensorEqual(Must("Min", e, Axes({0})), Floats({kInf, kInf}, {2}));
  ExpectTensorNear(Must("Mean", e, Axes({0})), Floats({kNaN, kNaN}, {2}));
  ExpectTensorEqual(Must("Max", MakeTensor<int32_t>({}, {0}), Axes({0})),
                    MakeTensor<int32_t>({std::numeric_limits<int32_t>::min()}, {}));
  ExpectTensorEqual(Must("All", Bools({}, {0}), Axes({0})), Bools({true}, {}));
  ExpectTensorEqual(Must("Any", Bools({}, {0}), Axes({0})), Bools({false}, {}));
  EXPECT_EQ(Must("Sum", e, Axes({1})).shape(), (TensorShape{0}));  // batch 0 stays empty
}

TEST_F(ReductionOpsTest, NaNPropagation) {
  const Tensor x = Floats({1, kNaN, 3, 4}, {2, 2});
  ExpectTensorNear(Must("Max", x, Axes({1})), Floats({kNaN, 4}, {2}));
  ExpectTensorNear(Must("Min", x, Axes({1})), Floats({kNaN, 3}, {2}));
  ExpectTensorNear(Must("Sum", x, Axes({0})), Floats({4, kNaN}, {2}));
  ExpectTensorNear(Must("Max", Floats({kInf, -kInf}, {2}), Axes({0})), Floats({kInf}, {}));
}

TEST_F(ReductionOpsTest, AllAnyEuclideanNorm) {
  const Tensor b = Bools({true, false, true, true}, {2, 2});
  ExpectTensorEqual(Must("All", b, Axes({1})), Bools({false, true}, {2}));
  ExpectTensorEqual(Must("Any", b, Axes({0})), Bools({true, true}, {2}));
  // tfjs euclideanNorm([[3,4,12],[1,2,2]], 1) = [13, 3]
  ExpectTensorNear(Must("EuclideanNorm", Floats({3, 4, 12, 1, 2, 2}, {2, 3}), Axes({1})), Floats({13, 3}, {2}));
  // Reducing only size-1 dims returns the input unchanged (TF's special case keeps the sign).
  ExpectTensorEqual(Must("EuclideanNorm", Floats({-3, 4}, {2, 1}), Axes({1})), Floats({-3, 4}, {2}));
}

TEST_F(ReductionOpsTest, AxisErrors) {
  const Tensor x = Floats({1, 2, 3, 4}, {2, 2});
  auto r = Run("Sum", x, Axes({2}));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  r = Run("Sum", x, Axes({-3}));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  r = Run("Sum", x, Axes({1, -1}));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("duplicate"), std::string::npos);
  r = Run("Sum", x, Floats({0}, {1}));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

class ArgOpsTest : public ReductionOpsTest {
 protected:
  Result<Tensor> Arg(const std::string& op, const Tensor& x, int64_t axis, DataType out = DataType::kInvalid) {
    KernelTester t(op, r_);
    t.Attr("T", x.dtype()).Input(x).Input(MakeTensor<int64_t>({axis}, {}));
    if (out != DataType::kInvalid) t.Attr("output_type", out);
    SERVAL_ASSIGN_OR_RETURN(auto o, t.Run());
    return o[0];
  }
};

TEST_F(ArgOpsTest, ArgMaxArgMin) {
  const Tensor x = Floats({1, 5, 5, 0, -2, 7, -2, 3}, {2, 4});
  ExpectTensorEqual(*Arg("ArgMax", x, 1), MakeTensor<int64_t>({1, 1}, {2}));  // ties -> first index
  ExpectTensorEqual(*Arg("ArgMin", x, -1), MakeTensor<int64_t>({3, 0}, {2}));
  ExpectTensorEqual(*Arg("ArgMax", x, 0, DataType::kInt32), MakeTensor<int32_t>({0, 1, 0, 1}, {4}));
  ExpectTensorEqual(*Arg("ArgMax", Floats({1, kNaN, 3, kNaN}, {4}), 0), MakeTensor<int64_t>({1}, {}));
  ExpectTensorEqual(*Arg("ArgMin", MakeTensor<int32_t>({4, -9, -9}, {3}), 0), MakeTensor<int64_t>({1}, {}));
  ExpectTensorEqual(*Arg("ArgMax", Floats({}, {0, 3}), 1), MakeTensor<int64_t>({}, {0}));
}

TEST_F(ArgOpsTest, Errors) {
  EXPECT_EQ(Arg("ArgMax", Floats({}, {2, 0}), 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Arg("ArgMax", Floats({1, 2}, {2}), 1).status().code(), StatusCode::kInvalidArgument);
  KernelTester t("ArgMax", r_);
  t.Attr("T", DataType::kFloat)
      .Attr("output_type", DataType::kFloat)
      .Input(Floats({1}, {1}))
      .Input(MakeTensor<int64_t>({0}, {}));
  EXPECT_EQ(t.Create().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace serval::kernels::cpu
