#include "serval/base/status.h"

#include <gtest/gtest.h>

#include "serval/base/file.h"
#include "serval/base/strings.h"

namespace serval {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument(StrCat(x, " is odd"));
  return x / 2;
}

Result<int> Quarter(int x) {
  SERVAL_ASSIGN_OR_RETURN(int h, Half(x));
  SERVAL_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, ContextIsPrefixedOnTheWayUp) {
  Status s = InvalidArgument("inner dimensions differ").WithContext("node 'm' (MatMul)").WithContext("model 'x'");
  EXPECT_EQ(s.message(), "model 'x': node 'm' (MatMul): inner dimensions differ");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: model 'x': node 'm' (MatMul): inner dimensions differ");
  EXPECT_TRUE(Status().WithContext("ignored").ok());
}

TEST(StatusTest, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "3 is odd");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(StatusTest, ResultFromOkStatusIsAnInternalError) {
  Result<int> r{Status()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(StringsTest, EscapesAndDims) {
  EXPECT_EQ(CEscape(std::string("a\x01\"", 3)), "\"a\\x01\\\"\"");
  const int64_t dims[] = {2, -1, 3};
  EXPECT_EQ(DimsToString(dims), "[2,-1,3]");
}

TEST(FileTest, MissingFileIsNotFoundAndNamesThePath) {
  auto r = ReadFileToString("/nonexistent/serval/file");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/serval/file"), std::string::npos);
}

}  // namespace
}  // namespace serval
