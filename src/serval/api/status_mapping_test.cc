#include "serval/api/status_mapping.h"

#include <gtest/gtest.h>

namespace serval::api {
namespace {

TEST(StatusMapping, TfServingTable) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(StatusCode::kCancelled), 499);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnknown), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAborted), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kOutOfRange), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(static_cast<StatusCode>(99)), 500);
}

TEST(StatusMapping, CapsMessages) {
  EXPECT_EQ(CapMessage("short", 10), "short");
  std::string long_msg(5000, 'x');
  std::string capped = CapMessage(long_msg);
  EXPECT_EQ(capped.size(), kMaxErrorMessageBytes + std::string("... [truncated]").size());
  EXPECT_EQ(capped.substr(capped.size() - 15), "... [truncated]");
  // Never splits a UTF-8 sequence ("é" is 2 bytes).
  std::string utf = "a\xc3\xa9";
  EXPECT_EQ(CapMessage(utf, 2), "a... [truncated]");
  Status s = CapStatus(InvalidArgument(long_msg));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_LT(s.message().size(), 4200u);
  EXPECT_TRUE(CapStatus(Status::Ok()).ok());
}

}  // namespace
}  // namespace serval::api
