// WritePredictResponse / WriteErrorBody / float formatting: serving-spec §1.10 cases 19–28, 33, §1.7.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "serval/codec/json_writer.h"
#include "serval/codec/tfs_json.h"

namespace serval::codec {
namespace {

using ::testing::HasSubstr;

std::string Compact(const std::string& s) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\') out.push_back(s[++i]);
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
      out.push_back(c);
    } else if (c != ' ' && c != '\n') {
      out.push_back(c);
    }
  }
  return out;
}

std::string Write(const std::map<std::string, Tensor>& m, bool row) {
  auto r = WritePredictResponse(m, row);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? Compact(*r) : "";
}

Tensor Iota(TensorShape shape) {
  Tensor t(DataType::kInt32, shape);
  auto f = t.flat<int32_t>();
  for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<int32_t>(i + 1);
  return t;
}

// 19
TEST(PredictResponse, FromJsonSingleTensor) {
  std::map<std::string, Tensor> m{{"int_tensor", Iota({2, 3, 2})}};
  EXPECT_EQ(Write(m, true), R"({"predictions":[[[1,2],[3,4],[5,6]],[[7,8],[9,10],[11,12]]]})");
  EXPECT_EQ(Write(m, false), R"({"outputs":[[[1,2],[3,4],[5,6]],[[7,8],[9,10],[11,12]]]})");
  // TF Serving's layout: 4-space indent, single-line arrays, top-level array closed on a new line.
  EXPECT_EQ(*WritePredictResponse({{"y", Tensor::FromVector<float>({2.5f, 3.0f, 4.5f}, {3})}}, true),
            "{\n    \"predictions\": [2.5, 3.0, 4.5\n    ]\n}");
}

// 20
TEST(PredictResponse, FromJsonSingleScalarTensor) {
  std::map<std::string, Tensor> m{{"int_tensor", Iota({5})}};
  EXPECT_EQ(Write(m, true), R"({"predictions":[1,2,3,4,5]})");
  EXPECT_EQ(Write({{"s", Tensor::Scalar<int64_t>(7)}}, false), R"({"outputs":7})");
}

// 21
TEST(PredictResponse, FromJsonSingleBytesTensor) {
  Tensor t = Tensor::FromVector<std::string>({"hello", "world"}, {2});
  EXPECT_EQ(Write({{"str_tensor_bytes", t}}, true), R"({"predictions":[{"b64":"aGVsbG8="},{"b64":"d29ybGQ="}]})");
  EXPECT_EQ(Write({{"str_tensor", t}}, true), R"({"predictions":["hello","world"]})");
  // Not UTF-8: base64 so the body stays valid JSON.
  Tensor bin = Tensor::FromVector<std::string>({std::string("\xff\x00", 2)}, {1});
  EXPECT_EQ(Write({{"s", bin}}, true), R"({"predictions":[{"b64":"/wA="}]})");
  Tensor esc = Tensor::FromVector<std::string>({"a\"b\\c\n\x01"}, {1});
  EXPECT_EQ(Write({{"s", esc}}, false), R"({"outputs":["a\"b\\c\n\u0001"]})");
}

// 22
TEST(PredictResponse, FromJsonSingleFloatTensorSixDigitPrecision) {
  Tensor t = Tensor::FromVector<float>({9000000.0f, 999999.0f, 0.5f, 0.0003f, 0.00003f, 555557.5f, 3.0f}, {7});
  EXPECT_EQ(Write({{"f", t}}, true), R"({"predictions":[9e+06,999999.0,0.5,0.0003,3e-05,555557.5,3.0]})");
  Tensor d = Tensor::FromVector<double>({9000000.0, 999999.0, 0.5, 0.0003, 0.00003, 555557.5, 3.0, 0.1}, {8});
  EXPECT_EQ(Write({{"d", d}}, true), R"({"predictions":[9e+06,999999.0,0.5,0.0003,3e-05,555557.5,3.0,0.1]})");
}

TEST(FloatFormat, Section17Cases) {
  using internal::FormatDouble;
  using internal::FormatFloat;
  EXPECT_EQ(FormatFloat(9000000), "9e+06");
  EXPECT_EQ(FormatFloat(999999), "999999.0");
  EXPECT_EQ(FormatFloat(0.5f), "0.5");
  EXPECT_EQ(FormatFloat(0.0003f), "0.0003");
  EXPECT_EQ(FormatFloat(0.00003f), "3e-05");
  EXPECT_EQ(FormatFloat(555557.5f), "555557.5");
  EXPECT_EQ(FormatFloat(3), "3.0");
  EXPECT_EQ(FormatFloat(6e-07f), "6e-07");  // bug #1014: never "6e-07.0"
  EXPECT_EQ(FormatFloat(0.1f), "0.1");
  EXPECT_EQ(FormatFloat(1.0f / 3.0f), "0.333333343");
  EXPECT_EQ(FormatDouble(1.0 / 3.0), "0.33333333333333331");
  EXPECT_EQ(FormatFloat(0.0f), "0.0");
  EXPECT_EQ(FormatFloat(-0.0f), "-0.0");
  EXPECT_EQ(FormatFloat(-2.5f), "-2.5");
  EXPECT_EQ(FormatFloat(1435774336.0f), "1.43577434e+09");
  EXPECT_EQ(FormatFloat(std::numeric_limits<float>::quiet_NaN()), "NaN");
  EXPECT_EQ(FormatDouble(-std::numeric_limits<double>::infinity()), "-Infinity");
}

// 23
TEST(PredictResponse, FromJsonSingleFloatTensorNonFinite) {
  Tensor t = Tensor::FromVector<float>({NAN, INFINITY, 3.0f, -INFINITY}, {2, 2});
  EXPECT_EQ(Write({{"f", t}}, true), R"({"predictions":[[NaN,Infinity],[3.0,-Infinity]]})");
}

// 24
TEST(PredictResponse, FromJsonSingleTensorErrors) {
  auto empty = WritePredictResponse({}, true);
  EXPECT_THAT(empty.status().message(), HasSubstr("empty tensor map"));
  auto complex = WritePredictResponse({{"c", Tensor(DataType::kComplex64, {2})}}, true);
  EXPECT_THAT(complex.status().message(), HasSubstr("Failed to write JSON value for tensor type: complex64"));
  auto scalar = WritePredictResponse({{"s", Tensor::Scalar<float>(1)}}, true);
  EXPECT_THAT(scalar.status().message(), HasSubstr("Tensor name: s has no shape information"));
  EXPECT_EQ(scalar.status().code(), StatusCode::kInvalidArgument);
}

std::map<std::string, Tensor> FiveOutputs() {
  return {{"float_tensor", Tensor::FromVector<float>({1.5f, 2.0f}, {2})},
          {"int_tensor", Iota({2, 2})},
          {"str_tensor", Tensor::FromVector<std::string>({"a", "b"}, {2, 1})},
          {"bool_tensor", Tensor::FromVector<bool>({true, false}, {2})},
          {"int64_tensor", Tensor::FromVector<int64_t>({-9223372036854775807LL, 5}, {2})}};
}

// 25
TEST(PredictResponse, FromJsonMultipleNamedTensors) {
  EXPECT_EQ(Write(FiveOutputs(), true),
            R"({"predictions":[{"bool_tensor":true,"float_tensor":1.5,"int64_tensor":-9223372036854775807,"int_tensor":[1,2],"str_tensor":["a"]},)"
            R"({"bool_tensor":false,"float_tensor":2.0,"int64_tensor":5,"int_tensor":[3,4],"str_tensor":["b"]}]})");
  EXPECT_EQ(Write(FiveOutputs(), false),
            R"({"outputs":{"bool_tensor":[true,false],"float_tensor":[1.5,2.0],"int64_tensor":[-9223372036854775807,5],)"
            R"("int_tensor":[[1,2],[3,4]],"str_tensor":[["a"],["b"]]}})");
}

// 26
TEST(PredictResponse, FromJsonMultipleNamedTensorsErrors) {
  auto m = FiveOutputs();
  m["int_tensor"] = Iota({3, 2});
  auto r = WritePredictResponse(m, true);
  EXPECT_THAT(r.status().message(), HasSubstr("Tensor name: int_tensor has inconsistent batch size: 3 expecting: 2"));
  EXPECT_TRUE(WritePredictResponse(m, false).ok());  // columnar has no batch requirement
}

// 27
TEST(PredictResponse, FromJsonSingleZeroBatchTensor) {
  EXPECT_EQ(Write({{"x", Iota({0, 3})}}, true), R"({"predictions":[]})");
}
TEST(PredictResponse, FromJsonMultipleZeroBatchTensors) {
  EXPECT_EQ(Write({{"x", Iota({0, 3})}, {"y", Iota({0})}}, true), R"({"predictions":[]})");
}

// 28
TEST(PredictResponse, FromJsonMultipleZeroBatchTensorsErrors) {
  auto r = WritePredictResponse({{"a", Iota({0, 3})}, {"b", Iota({1})}}, true);
  EXPECT_THAT(r.status().message(), HasSubstr("inconsistent batch size"));
}

TEST(PredictResponse, EveryDtype) {
  std::map<std::string, Tensor> m{
      {"i8", Tensor::FromVector<int8_t>({-1}, {1})},      {"i16", Tensor::FromVector<int16_t>({-2}, {1})},
      {"u8", Tensor::FromVector<uint8_t>({255}, {1})},    {"u16", Tensor::FromVector<uint16_t>({65535}, {1})},
      {"u32", Tensor::FromVector<uint32_t>({4294967295u}, {1})},
      {"u64", Tensor::FromVector<uint64_t>({18446744073709551615ull}, {1})},
      {"d", Tensor::FromVector<double>({0.25}, {1})},     {"h", Tensor::FromVector<Half>({FloatToHalf(1.5f)}, {1})}};
  EXPECT_EQ(Write(m, false),
            R"({"outputs":{"d":[0.25],"h":[1.5],"i16":[-2],"i8":[-1],"u16":[65535],"u32":[4294967295],"u64":[18446744073709551615],"u8":[255]}})");
}

// 33
TEST(ErrorBody, MakeJsonFromStatus) {
  EXPECT_EQ(WriteErrorBody(Status::Ok()), "");
  EXPECT_EQ(WriteErrorBody(InvalidArgument("Some \"error\" here")), "{\n    \"error\": \"Some \\\"error\\\" here\"\n}");
  EXPECT_EQ(Compact(WriteErrorBody(NotFound("a\nb"))), R"({"error":"a\nb"})");
}

}  // namespace
}  // namespace serval::codec
