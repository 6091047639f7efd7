#include "serval/batching/tensor_rows.h"

#include <gtest/gtest.h>

namespace serval::batching {
namespace {

Tensor Floats(std::vector<float> v, TensorShape s) { return Tensor::FromVector<float>(v, std::move(s)); }
std::vector<float> Values(const Tensor& t) { return {t.flat<float>().begin(), t.flat<float>().end()}; }

TEST(TensorRows, ConcatJoinsRowsInOrderAndPadsWithFirstRowOfLastPart) {
  Tensor a = Floats({1, 2, 3, 4}, {2, 2});
  Tensor b = Floats({5, 6}, {1, 2});
  auto out = ConcatRows({&a, &b}, 2, false, "x");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), TensorShape({5, 2}));
  EXPECT_EQ(Values(*out), (std::vector<float>{1, 2, 3, 4, 5, 6, 5, 6, 5, 6}));
}

TEST(TensorRows, ConcatStrings) {
  Tensor a = Tensor::FromVector<std::string>({"a", "b"}, {2});
  Tensor b = Tensor::FromVector<std::string>({"c"}, {1});
  auto out = ConcatRows({&a, &b}, 1, false, "s");
  ASSERT_TRUE(out.ok());
  auto f = out->flat<std::string>();
  EXPECT_EQ(std::vector<std::string>(f.begin(), f.end()), (std::vector<std::string>{"a", "b", "c", "c"}));
}

TEST(TensorRows, DifferentRowShapesNeedPaddingTurnedOn) {
  Tensor a = Floats({1, 2}, {1, 2});
  Tensor b = Floats({7, 8, 9}, {1, 3});
  auto refused = ConcatRows({&a, &b}, 0, false, "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("padding is turned off"), std::string::npos) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("[1,2]"), std::string::npos) << refused.status().ToString();

  auto padded = ConcatRows({&a, &b}, 0, true, "x");
  ASSERT_TRUE(padded.ok()) << padded.status().ToString();
  EXPECT_EQ(padded->shape(), TensorShape({2, 3}));
  // a's missing cell takes a's own first element (1), as TF Serving pads.
  EXPECT_EQ(Values(*padded), (std::vector<float>{1, 2, 1, 7, 8, 9}));
}

TEST(TensorRows, PaddingRank3PadsEveryInnerDimension) {
  Tensor a = Floats({1, 2}, {1, 1, 2});             // [1,1,2]
  Tensor b = Floats({3, 4, 5, 6, 7, 8}, {1, 2, 3});  // [1,2,3]
  auto out = ConcatRows({&a, &b}, 0, true, "x");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), TensorShape({2, 2, 3}));
  EXPECT_EQ(Values(*out), (std::vector<float>{1, 2, 1, 1, 1, 1, 3, 4, 5, 6, 7, 8}));
}

TEST(TensorRows, DtypeMismatchIsAnError) {
  Tensor a = Floats({1}, {1});
  Tensor b = Tensor::FromVector<int32_t>({1}, {1});
  EXPECT_FALSE(ConcatRows({&a, &b}, 0, false, "x").ok());
  Tensor scalar = Tensor::Scalar<float>(1);
  EXPECT_FALSE(IsBatchable(scalar));
  EXPECT_FALSE(ConcatRows({&scalar}, 0, false, "x").ok());
}

TEST(TensorRows, SliceRowsCopiesTheRange) {
  Tensor t = Floats({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor s = SliceRows(t, 1, 2);
  EXPECT_EQ(s.shape(), TensorShape({2, 2}));
  EXPECT_EQ(Values(s), (std::vector<float>{3, 4, 5, 6}));
  EXPECT_FALSE(s.SharesBufferWith(t));
}

}  // namespace
}  // namespace serval::batching
