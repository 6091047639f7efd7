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

class MathMiscOpsTest : public ::testing::Test {
 protected:
  MathMiscOpsTest() { RegisterMathMiscKernels(r_); }
  Result<Tensor> Cast(const Tensor& x, DataType dst) {
    KernelTester t("Cast", r_);
    t.Attr("SrcT", x.dtype()).Attr("DstT", dst).Input(x);
    SERVAL_ASSIGN_OR_RETURN(auto out, t.Run());
    return out[0];
  }
  Result<Tensor> Run(const std::string& op, std::vector<Tensor> in, DataType T) {
    KernelTester t(op, r_);
    t.Attr("T", T);
    for (auto& x : in) t.Input(x);
    SERVAL_ASSIGN_OR_RETURN(auto out, t.Run());
    return out[0];
  }
  runtime::KernelRegistry r_;
};

TEST_F(MathMiscOpsTest, NoDuplicateRegistrations) { EXPECT_TRUE(r_.Duplicates().empty()); }

TEST_F(MathMiscOpsTest, CastFloatToIntX86Semantics) {
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  const Tensor x = Floats({1.9f, -1.9f, kNaN, 3e9f, -3e9f, kInf}, {6});
  ExpectTensorEqual(*Cast(x, DataType::kInt32), MakeTensor<int32_t>({1, -1, kMin, kMin, kMin, kMin}, {6}));
  const int64_t kMin64 = std::numeric_limits<int64_t>::min();
  ExpectTensorEqual(*Cast(x, DataType::kInt64),
                    MakeTensor<int64_t>({1, -1, kMin64, 3000000000LL, -3000000000LL, kMin64}, {6}));
  // Narrow types take the low bits of the int32 conversion: 300 -> 44, -1 -> 255.
  ExpectTensorEqual(*Cast(Floats({300.7f, -1, 255}, {3}), DataType::kUInt8), MakeTensor<uint8_t>({44, 255, 255}, {3}));
  ExpectTensorEqual(*Cast(Floats({-1, 1e19f, 5}, {3}), DataType::kUInt64),
                    MakeTensor<uint64_t>({0xFFFFFFFFFFFFFFFFull, 9999999980506447872ull, 5}, {3}));
}

TEST_F(MathMiscOpsTest, CastOtherPairs) {
  ExpectTensorEqual(*Cast(MakeTensor<int32_t>({200, -129, 7}, {3}), DataType::kInt8),
                    MakeTensor<int8_t>({-56, 127, 7}, {3}));
  ExpectTensorEqual(*Cast(Bools({true, false}, {2}), DataType::kFloat), Floats({1, 0}, {2}));
  ExpectTensorEqual(*Cast(Floats({0, -0.0f, kNaN, 0.1f}, {4}), DataType::kBool),
                    Bools({false, false, true, true}, {4}));
  ExpectTensorEqual(*Cast(MakeTensor<int64_t>({2049, -3}, {2}), DataType::kHalf),
                    MakeTensor<Half>({FloatToHalf(2048), FloatToHalf(-3)}, {2}));
  ExpectTensorEqual(*Cast(MakeTensor<Half>({FloatToHalf(1.5f)}, {1}), DataType::kInt32), MakeTensor<int32_t>({1}, {1}));
  ExpectTensorEqual(*Cast(MakeTensor<double>({0.1}, {1}), DataType::kFloat), Floats({0.1f}, {1}));
  ExpectTensorEqual(*Cast(MakeTensor<uint32_t>({4000000000u}, {1}), DataType::kInt32),
                    MakeTensor<int32_t>({-294967296}, {1}));
  const Tensor same = Floats({1, 2}, {2});
  EXPECT_TRUE(Cast(same, DataType::kFloat)->SharesBufferWith(same));
  KernelTester bad("Cast", r_);
  bad.Attr("SrcT", DataType::kFloat).Attr("DstT", DataType::kString).Input(same);
  EXPECT_FALSE(bad.Create().ok());
}

TEST_F(MathMiscOpsTest, SelectV1) {
  const Tensor t = Floats({1, 2, 3, 4}, {2, 2}), e = Floats({-1, -2, -3, -4}, {2, 2});
  ExpectTensorEqual(*Run("Select", {Bools({true, false, false, true}, {2, 2}), t, e}, DataType::kFloat),
                    Floats({1, -2, -3, 4}, {2, 2}));
  ExpectTensorEqual(*Run("Select", {Bools({false, true}, {2}), t, e}, DataType::kFloat),
                    Floats({-1, -2, 3, 4}, {2, 2}));
  ExpectTensorEqual(*Run("Select", {Bools({false}, {}), t, e}, DataType::kFloat), e);
  auto r = Run("Select", {Bools({true, false, true}, {3}), t, e}, DataType::kFloat);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("[3]"), std::string::npos);
  EXPECT_NE(r.status().message().find("[2,2]"), std::string::npos);
  ExpectTensorEqual(*Run("Select",
                         {Bools({true, false}, {2}), MakeTensor<std::string>({"a", "b"}, {2}),
                          MakeTensor<std::string>({"c", "d"}, {2})},
                         DataType::kString),
                    MakeTensor<std::string>({"a", "d"}, {2}));
}

TEST_F(MathMiscOpsTest, SelectV2Broadcasts) {
  // cond [2,1], then [1,3], else scalar -> [2,3].
  ExpectTensorEqual(
      *Run("SelectV2", {Bools({true, false}, {2, 1}), Floats({1, 2, 3}, {1, 3}), Floats({0}, {})}, DataType::kFloat),
      Floats({1, 2, 3, 0, 0, 0}, {2, 3}));
  auto r = Run("SelectV2", {Bools({true, false}, {2}), Floats({1, 2, 3}, {3}), Floats({0}, {})}, DataType::kFloat);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Run("SelectV2", {Bools({}, {0}), Floats({}, {0}), Floats({1}, {1})}, DataType::kFloat)->shape(),
            (TensorShape{0}));
}

TEST_F(MathMiscOpsTest, ClipByValue) {
  ExpectTensorNear(
      *Run("ClipByValue", {Floats({-5, 0.5f, 9, kNaN}, {4}), Floats({0}, {}), Floats({1}, {})}, DataType::kFloat),
      Floats({0, 0.5f, 1, kNaN}, {4}));
  ExpectTensorEqual(
      *Run("ClipByValue",
           {MakeTensor<int32_t>({5, 5}, {2}), MakeTensor<int32_t>({0, 6}, {2}), MakeTensor<int32_t>({3}, {})},
           DataType::kInt32),
      MakeTensor<int32_t>({3, 6}, {2}));  // lo > hi gives lo
  EXPECT_FALSE(
      Run("ClipByValue", {Floats({1, 2}, {2}), Floats({0, 0, 0}, {3}), Floats({1}, {})}, DataType::kFloat).ok());
}

TEST_F(MathMiscOpsTest, AddN) {
  KernelTester t("AddN", r_);
  t.Attr("T", DataType::kFloat)
      .Attr("N", 3)
      .Input(Floats({1, 2}, {2}))
      .Input(Floats({10, 20}, {2}))
      .Input(Floats({100, kInf}, {2}));
  ExpectTensorEqual(t.Run()->at(0), Floats({111, kInf}, {2}));
  KernelTester w("AddN", r_);
  w.Attr("T", DataType::kInt32)
      .Attr("N", 2)
      .Input(MakeTensor<int32_t>({std::numeric_limits<int32_t>::max()}, {1}))
      .Input(MakeTensor<int32_t>({1}, {1}));
  ExpectTensorEqual(w.Run()->at(0), MakeTensor<int32_t>({std::numeric_limits<int32_t>::min()}, {1}));
  KernelTester bad("AddN", r_);
  bad.Attr("T", DataType::kFloat).Attr("N", 2).Input(Floats({1, 2}, {2})).Input(Floats({1}, {1}));
  EXPECT_EQ(bad.Run().status().code(), StatusCode::kInvalidArgument);
}

TEST_F(MathMiscOpsTest, BiasAdd) {
  const Tensor v = Floats({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 2, 3});
  ExpectTensorEqual(*Run("BiasAdd", {v, Floats({10, 20, 30}, {3})}, DataType::kFloat),
                    Floats({11, 22, 33, 14, 25, 36, 17, 28, 39, 20, 31, 42}, {2, 2, 3}));
  KernelTester nchw("BiasAdd", r_);
  nchw.Attr("T", DataType::kFloat).Attr("data_format", "NCHW").Input(v).Input(Floats({100, 200}, {2}));
  ExpectTensorEqual(nchw.Run()->at(0), Floats({101, 102, 103, 204, 205, 206, 107, 108, 109, 210, 211, 212}, {2, 2, 3}));
  auto r = Run("BiasAdd", {v, Floats({1, 2}, {2})}, DataType::kFloat);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("[2]"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("[2,2,3]"), std::string::npos) << r.status().message();
  ExpectTensorEqual(
      *Run("BiasAddV1", {MakeTensor<int32_t>({1, 2}, {1, 2}), MakeTensor<int32_t>({5, 6}, {2})}, DataType::kInt32),
      MakeTensor<int32_t>({6, 8}, {1, 2}));
  EXPECT_EQ(Run("BiasAdd", {Floats({}, {0, 3}), Floats({1, 2, 3}, {3})}, DataType::kFloat)->shape(),
            (TensorShape{0, 3}));
  KernelTester badfmt("BiasAdd", r_);
  badfmt.Attr("T", DataType::kFloat).Attr("data_format", "NDHWC").Input(v).Input(Floats({1, 2, 3}, {3}));
  EXPECT_EQ(badfmt.Create().code(), StatusCode::kInvalidArgument);
}

TEST_F(MathMiscOpsTest, CumsumCumprod) {
  auto scan = [&](const char* op, const Tensor& x, int32_t axis, bool exclusive, bool reverse) {
    KernelTester t(op, r_);
    t.Attr("T", x.dtype())
        .Attr("exclusive", exclusive)
        .Attr("reverse", reverse)
        .Input(x)
        .Input(MakeTensor<int32_t>({axis}, {}));
    return t.Run();
  };
  // tfjs: cumsum([1,2,3,4], 0, exclusive=true, reverse=true) = [9,7,4,0]; cumprod([1,2,3,4]) = [1,2,6,24]
  ExpectTensorEqual(scan("Cumsum", Floats({1, 2, 3, 4}, {4}), 0, true, true)->at(0), Floats({9, 7, 4, 0}, {4}));
  ExpectTensorEqual(scan("Cumprod", Floats({1, 2, 3, 4}, {4}), 0, false, false)->at(0), Floats({1, 2, 6, 24}, {4}));
  ExpectTensorEqual(scan("Cumsum", Floats({1, 2, 3, 4, 5, 6}, {2, 3}), -1, false, false)->at(0),
                    Floats({1, 3, 6, 4, 9, 15}, {2, 3}));
  ExpectTensorEqual(scan("Cumsum", Floats({1, 2, 3, 4, 5, 6}, {2, 3}), 0, true, false)->at(0),
                    Floats({0, 0, 0, 1, 2, 3}, {2, 3}));
  ExpectTensorEqual(scan("Cumprod", MakeTensor<int8_t>({16, 16, 2}, {3}), 0, false, false)->at(0),
                    MakeTensor<int8_t>({16, 0, 0}, {3}));
  EXPECT_EQ(scan("Cumsum", Floats({1}, {1}), 1, false, false).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(scan("Cumsum", Floats({}, {0, 2}), 0, false, false)->at(0).shape(), (TensorShape{0, 2}));
}

TEST_F(MathMiscOpsTest, Bucketize) {
  tensorflow::AttrValue b;
  for (float f : {0.0f, 10.0f, 100.0f}) b.mutable_list()->add_f(f);
  KernelTester t("Bucketize", r_);
  t.Attr("T", DataType::kFloat).Attr("boundaries", b).Input(Floats({-5, 0, 5, 10, 150}, {5}));
  ExpectTensorEqual(t.Run()->at(0), MakeTensor<int32_t>({0, 1, 1, 2, 3}, {5}));
  tensorflow::AttrValue unsorted;
  for (float f : {1.0f, 0.0f}) unsorted.mutable_list()->add_f(f);
  KernelTester u("Bucketize", r_);
  u.Attr("T", DataType::kInt32).Attr("boundaries", unsorted).Input(MakeTensor<int32_t>({1}, {1}));
  EXPECT_EQ(u.Create().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace serval::kernels::cpu
