#include "serval/tensor/tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace serval {
namespace {

TEST(ShapeTest, RejectsNegativeAndOverflowingShapes) {
  const int64_t neg[] = {2, -1};
  EXPECT_FALSE(TensorShape::Make(neg).ok());
  const int64_t huge[] = {int64_t{1} << 40, int64_t{1} << 40};
  auto r = TensorShape::Make(huge);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("more than"), std::string::npos);
  const int64_t zero_then_huge[] = {0, int64_t{1} << 62};
  EXPECT_TRUE(TensorShape::Make(zero_then_huge).ok());  // no elements at all
}

TEST(ShapeTest, PartialShapeCompatibility) {
  PartialShape p({-1, 3});
  EXPECT_TRUE(p.IsCompatibleWith(TensorShape{5, 3}));
  EXPECT_FALSE(p.IsCompatibleWith(TensorShape{5, 4}));
  EXPECT_FALSE(p.IsCompatibleWith(TensorShape{3}));
  EXPECT_TRUE(PartialShape::UnknownRank().IsCompatibleWith(TensorShape{1, 2, 3}));
  EXPECT_EQ(p.ToString(), "[-1,3]");
}

TEST(TensorTest, CopiesShareAndCloneDoesNot) {
  Tensor a = Tensor::FromVector<float>({1, 2, 3, 4}, TensorShape{2, 2});
  Tensor b = a;
  EXPECT_TRUE(a.SharesBufferWith(b));
  Tensor c = a.Clone();
  EXPECT_FALSE(a.SharesBufferWith(c));
  c.flat<float>()[0] = 9;
  EXPECT_EQ(a.flat<float>()[0], 1);
  auto r = a.Reshaped(TensorShape{4});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->shape(), (TensorShape{4}));
  EXPECT_FALSE(a.Reshaped(TensorShape{3}).ok());
}

TEST(TensorTest, StringsAreDefaultConstructed) {
  auto t = Tensor::Allocate(DataType::kString, TensorShape{3});
  ASSERT_TRUE(t.ok());
  for (const auto& s : t->flat<std::string>()) EXPECT_TRUE(s.empty());
}

TEST(TensorTest, AllocateRefusesHugeShapesBeforeAllocating) {
  auto t = Tensor::Allocate(DataType::kFloat, TensorShape{int64_t{1} << 41});
  EXPECT_FALSE(t.ok());
}

// Expected bit patterns from IEEE 754 binary16 by hand: 1.0 = 0x3c00, -2.0 = 0xc000,
// 65504 = 0x7bff (max), 2^-24 = 0x0001 (min subnormal), 1/3 rounds to 0x3555.
TEST(DTypeTest, HalfConversionsRoundTrip) {
  EXPECT_EQ(FloatToHalf(1.0f).bits, 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f).bits, 0xc000);
  EXPECT_EQ(FloatToHalf(65504.0f).bits, 0x7bff);
  EXPECT_EQ(FloatToHalf(1e6f).bits, 0x7c00);
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)).bits, 0x0001);
  EXPECT_EQ(FloatToHalf(1.0f / 3).bits, 0x3555);
  EXPECT_EQ(HalfToFloat(Half{0x3555}), 0.333251953125f);
  EXPECT_EQ(HalfToFloat(Half{0x0001}), std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(FloatToBFloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(BFloat16ToFloat(BFloat16{0x4049}), 3.140625f);
}

TEST(DTypeTest, NamesMatchTensorFlow) {
  EXPECT_EQ(DataTypeName(DataType::kFloat), "DT_FLOAT");
  EXPECT_EQ(DataTypeFromName("DT_INT64"), DataType::kInt64);
  EXPECT_EQ(DataTypeFromName("half"), DataType::kHalf);
  EXPECT_EQ(static_cast<int>(DataType::kUInt64), 23);
}

}  // namespace
}  // namespace serval
