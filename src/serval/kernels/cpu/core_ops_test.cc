#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"
#include "serval/tensor/tensor_proto.h"

namespace serval::kernels::cpu {
namespace {

using ::testing::HasSubstr;
using runtime::testing::ExpectTensorEqual;
using runtime::testing::KernelTester;

class CoreOpsTest : public ::testing::Test {
 protected:
  CoreOpsTest() { RegisterCoreKernels(r_); }
  runtime::KernelRegistry r_;
};

tensorflow::AttrValue TensorAttr(const Tensor& t) {
  tensorflow::AttrValue v;
  EXPECT_TRUE(TensorToProto(t, v.mutable_tensor()).ok());
  return v;
}

TEST_F(CoreOpsTest, ConstOutputsItsValue) {
  Tensor value = Tensor::FromVector<int32_t>({1, 2, 3, 4, 5, 6}, TensorShape{2, 3});
  KernelTester t("Const", r_);
  t.Attr("dtype", DataType::kInt32).Attr("value", TensorAttr(value));
  auto out = t.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), value);
}

TEST_F(CoreOpsTest, ConstDtypeMismatch) {
  KernelTester t("Const", r_);
  t.Attr("dtype", DataType::kFloat).Attr("value", TensorAttr(Tensor::Scalar<int32_t>(7)));
  Status s = t.Create();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("DT_INT32"));
  EXPECT_THAT(s.message(), HasSubstr("DT_FLOAT"));
}

TEST_F(CoreOpsTest, ConstMissingValue) {
  KernelTester t("Const", r_);
  t.Attr("dtype", DataType::kFloat);
  Status s = t.Create();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("no 'value'"));
  // A 'value' attr of the wrong kind is just as missing.
  KernelTester u("Const", r_);
  u.Attr("dtype", DataType::kFloat).Attr("value", 3.0f);
  EXPECT_EQ(u.Create().code(), StatusCode::kInvalidArgument);
}

TEST_F(CoreOpsTest, ConstMalformedValue) {
  // A float [2] tensor needs 8 bytes of tensor_content; 3 is corrupt.
  tensorflow::AttrValue v;
  v.mutable_tensor()->set_dtype(tensorflow::DT_FLOAT);
  v.mutable_tensor()->mutable_tensor_shape()->add_dim()->set_size(2);
  v.mutable_tensor()->set_tensor_content(std::string(3, '\0'));
  KernelTester t("Const", r_);
  t.Attr("dtype", DataType::kFloat).Attr("value", v);
  Status s = t.Create();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("Const 'value'"));
}

TEST_F(CoreOpsTest, IdentityForwardsWithoutCopy) {
  for (const char* op : {"Identity", "Snapshot", "StopGradient", "PreventGradient"}) {
    Tensor in = Tensor::FromVector<float>({1.5f, -2.f}, TensorShape{2});
    KernelTester t(op, r_);
    t.Attr("T", DataType::kFloat).Input(in);
    auto out = t.Run();
    ASSERT_TRUE(out.ok()) << op << ": " << out.status().ToString();
    ExpectTensorEqual(out->at(0), in);
    EXPECT_TRUE(out->at(0).SharesBufferWith(in)) << op << " copied its input";
  }
}

TEST_F(CoreOpsTest, IdentityNForwardsEachInput) {
  Tensor a = Tensor::FromVector<float>({1.f}, TensorShape{1});
  Tensor b = Tensor::Scalar<std::string>("hi");
  Tensor c = Tensor::FromVector<int64_t>({4, 5}, TensorShape{2, 1});
  KernelTester t("IdentityN", r_);
  t.Attr("T", std::vector<DataType>{DataType::kFloat, DataType::kString, DataType::kInt64})
      .Input(a)
      .Input(b)
      .Input(c)
      .NumOutputs(3);
  auto out = t.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), a);
  ExpectTensorEqual(out->at(1), b);
  ExpectTensorEqual(out->at(2), c);
  EXPECT_TRUE(out->at(0).SharesBufferWith(a));
  EXPECT_TRUE(out->at(2).SharesBufferWith(c));
}

TEST_F(CoreOpsTest, PlaceholderFailsWhenRun) {
  KernelTester t("Placeholder", r_);
  t.Attr("dtype", DataType::kFloat);
  ASSERT_TRUE(t.Create().ok());
  auto out = t.Run();
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("no value was fed"));
}

TEST_F(CoreOpsTest, PlaceholderWithDefaultForwardsItsInput) {
  Tensor def = Tensor::FromVector<float>({0.f}, TensorShape{1});
  KernelTester t("PlaceholderWithDefault", r_);
  t.Attr("dtype", DataType::kFloat).Input(def);
  auto out = t.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), def);
  EXPECT_TRUE(out->at(0).SharesBufferWith(def));
}

tensorflow::AttrValue ShapeAttr(std::vector<int64_t> dims, bool unknown_rank = false) {
  tensorflow::AttrValue v;
  auto* s = v.mutable_shape();
  if (unknown_rank) s->set_unknown_rank(true);
  for (int64_t d : dims) s->add_dim()->set_size(d);
  return v;
}

TEST_F(CoreOpsTest, EnsureShape) {
  Tensor in(DataType::kFloat, TensorShape{4, 3});
  for (float& f : in.flat<float>()) f = 1.f;
  // Compatible: exact, with -1 for any size, and unknown rank.
  for (const auto& shape : {ShapeAttr({4, 3}), ShapeAttr({-1, 3}), ShapeAttr({}, true)}) {
    KernelTester t("EnsureShape", r_);
    t.Attr("T", DataType::kFloat).Attr("shape", shape).Input(in);
    auto out = t.Run();
    ASSERT_TRUE(out.ok()) << shape.DebugString() << out.status().ToString();
    EXPECT_TRUE(out->at(0).SharesBufferWith(in));
  }
  // Incompatible: wrong size, wrong rank (a scalar shape {} is rank 0, not unknown).
  for (const auto& shape : {ShapeAttr({4, 2}), ShapeAttr({-1}), ShapeAttr({})}) {
    KernelTester t("EnsureShape", r_);
    t.Attr("T", DataType::kFloat).Attr("shape", shape).Input(in);
    auto out = t.Run();
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument) << shape.DebugString();
    EXPECT_THAT(out.status().message(), HasSubstr("[4,3]"));
  }
}

TEST_F(CoreOpsTest, NoOpHasNoOutputs) {
  KernelTester t("NoOp", r_);
  t.NumOutputs(0);
  auto out = t.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->empty());
}

TEST_F(CoreOpsTest, AssertPassesOnTrueAndFailsWithItsMessageOnFalse) {
  const Tensor msg = Tensor::Scalar<std::string>("offset_width must be >= 0.");
  {
    KernelTester t("Assert", r_);
    t.Attr("T", std::vector<DataType>{DataType::kString}).Input(Tensor::Scalar<bool>(true)).Input(msg).NumOutputs(0);
    auto out = t.Run();
    ASSERT_TRUE(out.ok()) << out.status().ToString();
  }
  {
    KernelTester t("Assert", r_);
    t.Input(Tensor::Scalar<bool>(false)).Input(msg).NumOutputs(0);
    auto out = t.Run();
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(out.status().message(), HasSubstr("assertion failed: [offset_width must be >= 0.]"));
  }
  {
    KernelTester t("Assert", r_);
    t.Input(Tensor::Scalar<int32_t>(1)).NumOutputs(0);
    EXPECT_EQ(t.Run().status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace serval::kernels::cpu
