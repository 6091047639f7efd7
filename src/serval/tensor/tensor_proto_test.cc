#include "serval/tensor/tensor_proto.h"

#include <gtest/gtest.h>

#include "tensorflow/core/framework/tensor.pb.h"

namespace serval {
namespace {

tensorflow::TensorProto Proto(tensorflow::DataType dt, std::initializer_list<int64_t> dims) {
  tensorflow::TensorProto p;
  p.set_dtype(dt);
  for (int64_t d : dims) p.mutable_tensor_shape()->add_dim()->set_size(d);
  return p;
}

TEST(TensorProtoTest, FewerValuesRepeatTheLastOne) {
  auto p = Proto(tensorflow::DT_FLOAT, {2, 2});
  p.add_float_val(1);
  p.add_float_val(7);
  auto t = TensorFromProto(p);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(std::vector<float>(t->flat<float>().begin(), t->flat<float>().end()), (std::vector<float>{1, 7, 7, 7}));
}

TEST(TensorProtoTest, NoValuesZeroFill) {
  auto t = TensorFromProto(Proto(tensorflow::DT_INT64, {3}));
  ASSERT_TRUE(t.ok());
  for (int64_t v : t->flat<int64_t>()) EXPECT_EQ(v, 0);
}

TEST(TensorProtoTest, TooManyValuesAreRejected) {
  auto p = Proto(tensorflow::DT_INT32, {1});
  p.add_int_val(1);
  p.add_int_val(2);
  auto t = TensorFromProto(p);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("2 values in int_val"), std::string::npos);
}

TEST(TensorProtoTest, ContentSizeMustMatch) {
  auto p = Proto(tensorflow::DT_FLOAT, {2});
  p.set_tensor_content(std::string(7, '\0'));
  auto t = TensorFromProto(p);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("7 bytes"), std::string::npos);
}

TEST(TensorProtoTest, NegativeDimIsRejected) {
  EXPECT_FALSE(TensorFromProto(Proto(tensorflow::DT_FLOAT, {-1})).ok());
}

TEST(TensorProtoTest, RoundTripsEveryEncoding) {
  Tensor half = Tensor::FromVector<Half>({FloatToHalf(1.5f), FloatToHalf(-2.0f)}, TensorShape{2});
  for (bool content : {false, true}) {
    tensorflow::TensorProto p;
    ASSERT_TRUE(TensorToProto(half, &p, content).ok());
    auto back = TensorFromProto(p);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(HalfToFloat(back->flat<Half>()[1]), -2.0f);
  }
  Tensor s = Tensor::FromVector<std::string>({"a", std::string("\0b", 2)}, TensorShape{2});
  tensorflow::TensorProto p;
  ASSERT_TRUE(TensorToProto(s, &p).ok());
  auto back = TensorFromProto(p);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->flat<std::string>()[1], std::string("\0b", 2));
}

// Refused before allocating: a 1 TB tensor_content shape with 4 bytes of content (the check used to
// run after allocating the declared shape).
TEST(TensorProtoTest, ShortContentOfAHugeShapeIsRefusedBeforeAllocating) {
  auto p = Proto(tensorflow::DT_FLOAT, {int64_t{1} << 38});
  p.set_tensor_content(std::string(4, '\0'));
  auto t = TensorFromProto(p);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument) << t.status().ToString();
  EXPECT_NE(t.status().message().find("4 bytes"), std::string::npos) << t.status().ToString();
}

// A request proto of a few bytes may not make the server allocate gigabytes through TF's "fewer
// values repeat the last one" rule; real-sized data passes.
TEST(TensorProtoTest, RequestProtoWithHugeDeclaredShapeIsRefused) {
  auto p = Proto(tensorflow::DT_FLOAT, {int64_t{1} << 28, 1});  // 1 GiB from one value
  p.add_float_val(1.0f);
  auto t = TensorFromRequestProto(p);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kResourceExhausted) << t.status().ToString();
  auto s = Proto(tensorflow::DT_STRING, {int64_t{1} << 24});  // 512 MiB of std::string from one value
  s.add_string_val("x");
  EXPECT_FALSE(TensorFromRequestProto(s).ok());

  auto ok = Proto(tensorflow::DT_FLOAT, {1000, 3});
  for (int i = 0; i < 3000; ++i) ok.add_float_val(static_cast<float>(i));
  auto t2 = TensorFromRequestProto(ok);
  ASSERT_TRUE(t2.ok()) << t2.status().ToString();
  EXPECT_EQ(t2->flat<float>()[2999], 2999.0f);
  auto splat = Proto(tensorflow::DT_FLOAT, {1024, 1024});  // 4 MiB from one value: within the slack
  splat.add_float_val(0.5f);
  EXPECT_TRUE(TensorFromRequestProto(splat).ok());
}

}  // namespace
}  // namespace serval
