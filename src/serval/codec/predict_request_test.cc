// ParsePredictRequest: serving-spec §1.10 cases 1–18, plus dtypes, b64, hints and deep nesting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cfloat>
#include <chrono>
#include <cmath>

#include "serval/codec/tfs_json.h"
#include "serval/loader/saved_model.h"

namespace serval::codec {
namespace {

using ::testing::HasSubstr;

loader::Signature MakeSig(std::vector<std::pair<std::string, DataType>> inputs, std::string key = "serving_default") {
  loader::Signature sig;
  sig.key = key;
  for (auto& [name, dt] : inputs) {
    loader::SignatureTensor t;
    t.key = name;
    t.dtype = dt;
    sig.inputs.push_back(t);
  }
  std::sort(sig.inputs.begin(), sig.inputs.end(), [](auto& a, auto& b) { return a.key < b.key; });
  return sig;
}

struct Fixture {
  std::map<std::string, loader::Signature> sigs;
  SignatureLookup lookup = [this](const std::string& name) -> Result<const loader::Signature*> {
    auto it = sigs.find(name);
    if (it == sigs.end()) return InvalidArgument("Serving signature name: \"" + name + "\" not found in signature def");
    return &it->second;
  };
};

Result<PredictRequest> Parse(std::string_view body, loader::Signature sig) {
  Fixture f;
  f.sigs[sig.key] = std::move(sig);
  return ParsePredictRequest(body, f.lookup);
}

template <typename T>
std::vector<T> Values(const Tensor& t) {
  auto f = t.flat<T>();
  return std::vector<T>(f.begin(), f.end());
}

const auto kInt = [] { return MakeSig({{"x", DataType::kInt32}}); };
const auto kFloat = [] { return MakeSig({{"x", DataType::kFloat}}); };

// 1
TEST(PredictRequest, SingleUnnamedTensor) {
  auto r = Parse(R"({"instances": [[1,2],[3,4],[5,6]]})", kInt());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->row_format);
  EXPECT_EQ(r->signature_name, "serving_default");
  const Tensor& t = r->inputs.at("x");
  EXPECT_EQ(t.dtype(), DataType::kInt32);
  EXPECT_EQ(t.shape(), (TensorShape{3, 2}));
  EXPECT_EQ(Values<int32_t>(t), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
}

std::string Deep(size_t n) { return std::string(n, '[') + std::string(n, ']'); }

// 2
TEST(PredictRequest, DeeplyNestedWellFormed) {
  const std::string body = R"({"unused": )" + Deep(500000) + R"(, "instances": [1.0]})";
  auto start = std::chrono::steady_clock::now();
  auto r = Parse(body, kFloat());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inputs.at("x").shape(), (TensorShape{1}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// 3
TEST(PredictRequest, DeeplyNestedMalformed) {
  auto r = Parse(R"({"signature_name": )" + Deep(500000) + R"(, "instances": [1.0]})", kFloat());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("key must be a string value"));
}

TEST(PredictRequest, DeepNestingInInputIsCleanError) {
  auto start = std::chrono::steady_clock::now();
  auto r = Parse(R"({"instances": )" + Deep(500000) + "}", kFloat());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("maximum tensor rank"));
  // Unclosed brackets: a parse error, not a crash.
  auto r2 = Parse(R"({"instances": )" + std::string(500000, '['), kFloat());
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r2.status().message(), HasSubstr("JSON Parse error"));
  auto r3 = Parse(std::string(500000, '['), kFloat());
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.status().code(), StatusCode::kInvalidArgument);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// 4
TEST(PredictRequest, MixedInputForFloatTensor) {
  auto r = Parse(R"({"instances": [1, 2.5, -3, 4e2]})", kFloat());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Values<float>(r->inputs.at("x")), (std::vector<float>{1, 2.5, -3, 400}));
}

// 5
TEST(PredictRequest, MixedInputForDoubleTensor) {
  auto r = Parse(R"({"instances": [1, 2.5, -3]})", MakeSig({{"x", DataType::kDouble}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Values<double>(r->inputs.at("x")), (std::vector<double>{1, 2.5, -3}));
}

// 6
TEST(PredictRequest, FloatTensorWithPrecisionLoss) {
  auto r = Parse(R"({"instances": [1435774380, 1435774380.0]})", kFloat());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Values<float>(r->inputs.at("x")), (std::vector<float>{1435774336.0f, 1435774336.0f}));
}

// 7
TEST(PredictRequest, FloatTensorThatExceedsMaxReturnsInf) {
  auto r = Parse(R"({"instances": [1.7976931348623157e+308, -1.7976931348623157e+308]})", kFloat());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto v = Values<float>(r->inputs.at("x"));
  EXPECT_TRUE(std::isinf(v[0]) && v[0] > 0);
  EXPECT_TRUE(std::isinf(v[1]) && v[1] < 0);
}

// 8
TEST(PredictRequest, FloatTensorThatExceedsMinReturnsZero) {
  auto r = Parse(R"({"instances": [2.2250738585072014e-308, -2.2250738585072014e-308]})", kFloat());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto v = Values<float>(r->inputs.at("x"));
  EXPECT_EQ(v[0], 0.0f);
  EXPECT_FALSE(std::signbit(v[0]));
  EXPECT_EQ(v[1], 0.0f);
  EXPECT_TRUE(std::signbit(v[1]));
}

// 9
TEST(PredictRequest, SingleUnnamedTensorWithSignature) {
  auto r = Parse(R"({"signature_name": "classify_x", "instances": [1]})", MakeSig({{"x", DataType::kInt32}}, "classify_x"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->signature_name, "classify_x");
  auto missing = Parse(R"({"signature_name": "nope", "instances": [1]})", kInt());
  EXPECT_THAT(missing.status().message(), HasSubstr("Serving signature name: \"nope\" not found in signature def"));
}

// 10
TEST(PredictRequest, TensorFromNonNullTerminatedBuffer) {
  const std::string buf = R"({"instances": [1,2]}garbage{{{)";
  auto r = Parse(std::string_view(buf.data(), 20), kInt());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inputs.at("x").shape(), (TensorShape{2}));
  auto r2 = Parse(buf, kInt());  // trailing bytes after the top-level object are ignored
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
}

const auto kStr = [] { return MakeSig({{"x", DataType::kString}}); };

// 11
TEST(PredictRequest, SingleUnnamedTensorBase64Scalars) {
  auto r = Parse(R"({"instances": [{"b64":"aGVsbG8="},{"b64":"d29ybGQ="}]})", kStr());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inputs.at("x").shape(), (TensorShape{2}));
  EXPECT_EQ(Values<std::string>(r->inputs.at("x")), (std::vector<std::string>{"hello", "world"}));
}

// 12
TEST(PredictRequest, SingleUnnamedTensorBase64Lists) {
  auto r = Parse(R"({"instances": [[{"b64":"aGVsbG8="}],[{"b64":"d29ybGQ="}]]})", kStr());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inputs.at("x").shape(), (TensorShape{2, 1}));
}

// 13
TEST(PredictRequest, SingleNamedTensorBase64) {
  auto r = Parse(R"({"instances": [{"default": [[{"b64":"aGVsbG8="}],[{"b64":"d29ybGQ="}]]}]})",
                 MakeSig({{"default", DataType::kString}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inputs.at("default").shape(), (TensorShape{1, 2, 1}));
}

loader::Signature FourInputs() {
  return MakeSig({{"int_tensor", DataType::kInt32},
                  {"str_tensor", DataType::kString},
                  {"float_tensor", DataType::kFloat},
                  {"double_tensor", DataType::kDouble}});
}

// 14
TEST(PredictRequest, MultipleNamedTensor) {
  auto r = Parse(R"({"instances": [
      {"int_tensor": [[1,2],[3,4]], "str_tensor": ["foo","bar"], "float_tensor": [1.0, NaN], "double_tensor": [Infinity]},
      {"int_tensor": [[5,6],[7,8]], "str_tensor": ["baz","bat"], "float_tensor": [-Inf, 2], "double_tensor": [-Infinity]}]})",
                 FourInputs());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inputs.at("int_tensor").shape(), (TensorShape{2, 2, 2}));
  EXPECT_EQ(r->inputs.at("str_tensor").shape(), (TensorShape{2, 2}));
  EXPECT_EQ(r->inputs.at("float_tensor").shape(), (TensorShape{2, 2}));
  EXPECT_EQ(r->inputs.at("double_tensor").shape(), (TensorShape{2, 1}));
  auto f = Values<float>(r->inputs.at("float_tensor"));
  EXPECT_TRUE(std::isnan(f[1]));
  EXPECT_TRUE(std::isinf(f[2]) && f[2] < 0);
  auto d = Values<double>(r->inputs.at("double_tensor"));
  EXPECT_TRUE(std::isinf(d[0]) && d[0] > 0);
  EXPECT_TRUE(std::isinf(d[1]) && d[1] < 0);
  EXPECT_EQ(Values<std::string>(r->inputs.at("str_tensor"))[3], "bat");
}

// 15
TEST(PredictRequest, SingleUnnamedTensorColumnarFormat) {
  auto a = Parse(R"({"inputs": {"int_tensor": [[[1,2],[3,4],[5,6]]]}})", MakeSig({{"int_tensor", DataType::kInt32}}));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_FALSE(a->row_format);
  EXPECT_EQ(a->inputs.at("int_tensor").shape(), (TensorShape{1, 3, 2}));
  auto b = Parse(R"({"inputs": [[[1,2],[3,4],[5,6]]]})", MakeSig({{"int_tensor", DataType::kInt32}}));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->inputs.at("int_tensor").shape(), (TensorShape{1, 3, 2}));
  auto scalar = Parse(R"({"inputs": 7})", kInt());
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->inputs.at("x").shape(), TensorShape{});
}

// 16
TEST(PredictRequest, MultipleNamedTensorColumnarFormat) {
  auto r = Parse(R"({"inputs": {"int_tensor": [[1,2],[3,4]], "str_tensor": {"b64": "aGVsbG8="},
      "float_tensor": [1.0], "double_tensor": [[1.0],[2.0],[3.0]], "extra": "ignored"}})",
                 FourInputs());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inputs.size(), 4u);
  EXPECT_EQ(r->inputs.at("int_tensor").shape(), (TensorShape{2, 2}));
  EXPECT_EQ(r->inputs.at("str_tensor").shape(), TensorShape{});
  EXPECT_EQ(r->inputs.at("str_tensor").scalar<std::string>(), "hello");
  EXPECT_EQ(r->inputs.at("float_tensor").shape(), (TensorShape{1}));
  EXPECT_EQ(r->inputs.at("double_tensor").shape(), (TensorShape{3, 1}));
}

void ExpectError(const Result<PredictRequest>& r, const std::string& text) {
  ASSERT_FALSE(r.ok()) << "expected error containing: " << text;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr(text));
}

// 17
TEST(PredictRequest, SingleUnnamedTensorErrors) {
  ExpectError(Parse("", kInt()), "JSON Parse error: The document is empty");
  ExpectError(Parse("   \n", kInt()), "JSON Parse error: The document is empty");
  ExpectError(Parse(R"({"signature_name": 5, "instances": [1]})", kInt()), "'signature_name' key must be a string value");
  ExpectError(Parse(R"({"instances": [1], "inputs": [1]})", kInt()),
              "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist");
  ExpectError(Parse(R"({"instances": [[1,2],[3,4],[5]]})", kInt()), "Expecting tensor size: 2 but got: 1");
  ExpectError(Parse(R"({"instances": [[1,2],[3,4],[[5,6]]]})", kInt()), "Expecting shape [2] but got: [1,2]");
  ExpectError(Parse(R"({"instances": [1,[1]]})", kInt()), "Expecting shape [] but got: [1]");
  ExpectError(Parse(R"({"instances": [["a"]]})", kInt()), "is not of expected type: int32");
  ExpectError(Parse(R"({"instances": [[1,2],[3,4],[5]]})", kInt()), "Failed to process element: 2 key: x of 'instances' list");
  ExpectError(Parse(R"({"instances": {}})", kInt()), "Expecting 'instances' to be an list/array");
  ExpectError(Parse(R"({"instances": []})", kInt()), "No values in 'instances' array");
  ExpectError(Parse(R"({"foo": 1})", kInt()), "Missing 'inputs' or 'instances' key");
  ExpectError(Parse(R"([1,2])", kInt()), "Is not object");
  ExpectError(Parse(R"({"instances": [1,)", kInt()), "JSON Parse error");
}

// 18
TEST(PredictRequest, MultipleNamedTensorErrors) {
  auto sig = [] { return MakeSig({{"a", DataType::kInt32}, {"b", DataType::kFloat}}); };
  ExpectError(Parse(R"({"instances": [{"a": [1,2], "b": 1.0}, {"a": [[1,2]], "b": 2.0}]})", sig()),
              "Expecting shape [2] but got: [1,2]");
  ExpectError(Parse(R"({"instances": [{"a": [1,2], "b": 1.0}, {"a": [1], "b": 2.0}]})", sig()),
              "Failed to process element: 1 key: a of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 2 but got: 1");
  ExpectError(Parse(R"({"instances": [{"a": 1, "b": 1.0}, [1]]})", sig()), "Expecting object but got list at item 1 of input list");
  ExpectError(Parse(R"({"instances": [[1], {"a": 1, "b": 1.0}]})", MakeSig({{"a", DataType::kInt32}})),
              "Expecting value/list but got object at item 1 of input list");
  ExpectError(Parse(R"({"instances": [1, 2]})", sig()), "instances is a plain list, but expecting list of objects");
  ExpectError(Parse(R"({"instances": [{"a": 1}]})", sig()), "keys must be equal to: a,b");
  ExpectError(Parse(R"({"instances": [{"a": 1, "c": 2}]})", sig()), "JSON object: does not have named input: c");
  ExpectError(Parse(R"({"instances": [{"a": 1, "c": 2}]})", sig()), "valid inputs: a,b");
  ExpectError(Parse(R"({"inputs": {"a": 1}})", sig()), "Missing named input: b in 'inputs' object.");
  ExpectError(Parse(R"({"inputs": [1]})", sig()), "inputs is a plain value/list, but expecting an object");
}

TEST(PredictRequest, EveryDtype) {
  struct Case {
    DataType dt;
    std::string json;
  };
  for (const Case& c : std::vector<Case>{{DataType::kInt8, "[1,-2]"}, {DataType::kInt16, "[1,-2]"},
                                         {DataType::kUInt8, "[1,255]"}, {DataType::kInt64, "[1,-9223372036854775808]"},
                                         {DataType::kUInt32, "[1,4294967295]"}, {DataType::kUInt64, "[1,18446744073709551615]"},
                                         {DataType::kBool, "[true,false]"}, {DataType::kString, R"(["a","b"])"},
                                         {DataType::kDouble, "[1,2.5]"}, {DataType::kFloat, "[1,2.5]"},
                                         {DataType::kInt32, "[1,-2147483648]"}}) {
    auto r = Parse(R"({"instances": )" + c.json + "}", MakeSig({{"x", c.dt}}));
    ASSERT_TRUE(r.ok()) << DataTypeName(c.dt) << ": " << r.status().ToString();
    EXPECT_EQ(r->inputs.at("x").dtype(), c.dt);
    EXPECT_EQ(r->inputs.at("x").shape(), (TensorShape{2}));
  }
  auto r = Parse(R"({"instances": [18446744073709551615]})", MakeSig({{"x", DataType::kUInt64}}));
  EXPECT_EQ(Values<uint64_t>(r->inputs.at("x"))[0], 18446744073709551615ull);
  auto b = Parse(R"({"instances": [true, false]})", MakeSig({{"x", DataType::kBool}}));
  EXPECT_EQ(Values<bool>(b->inputs.at("x")), (std::vector<bool>{true, false}));
}

TEST(PredictRequest, DtypeErrors) {
  ExpectError(Parse(R"({"instances": [2147483648]})", kInt()), "is not of expected type: int32");
  ExpectError(Parse(R"({"instances": [2147483648]})", kInt()), "out of range");
  ExpectError(Parse(R"({"instances": [1.0]})", kInt()), "Type: Number is not of expected type: int32");
  ExpectError(Parse(R"({"instances": [1.0]})", kInt()), "without a decimal point");
  ExpectError(Parse(R"({"instances": [9223372036854775808]})", MakeSig({{"x", DataType::kInt64}})),
              "is not of expected type: int64");
  ExpectError(Parse(R"({"instances": [-1]})", MakeSig({{"x", DataType::kUInt32}})), "is not of expected type: uint32");
  ExpectError(Parse(R"({"instances": [1]})", MakeSig({{"x", DataType::kBool}})), "is not of expected type: bool");
  ExpectError(Parse(R"({"instances": [null]})", kFloat()), "Type: Null is not of expected type: float");
  auto half = Parse(R"({"instances": [1.0]})", MakeSig({{"x", DataType::kHalf}}));
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(half.status().message(), HasSubstr("Conversion of JSON Value: 1"));
  EXPECT_THAT(half.status().message(), HasSubstr("to type: half"));
  // Integers past uint64 are doubles (RapidJSON): fine for float, a type error for ints.
  auto big = Parse(R"({"instances": [123456789012345678901234567890]})", kFloat());
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_FLOAT_EQ(Values<float>(big->inputs.at("x"))[0], 1.2345679e29f);
  ExpectError(Parse(R"({"instances": [123456789012345678901234567890]})", kInt()), "is not of expected type");
}

TEST(PredictRequest, StringToFloatNamesInputAndHints) {
  auto r = Parse(R"({"inputs": {"x": ["1.5"]}})", kFloat());
  ExpectError(r, "input 'x'");
  ExpectError(r, R"(JSON Value: "1.5" Type: String is not of expected type: float)");
  ExpectError(r, "hint");
  ExpectError(Parse(R"({"instances": ["1.5"]})", kFloat()), "key: x");
}

TEST(PredictRequest, Base64) {
  ExpectError(Parse(R"({"instances": [{"b64": "aGVsbG8-"}]})", kStr()), "Unable to base64 decode");
  ExpectError(Parse(R"({"instances": [{"b64": "a"}]})", kStr()), "Unable to base64 decode");
  ExpectError(Parse(R"({"instances": [[{"b64": 5}]]})", kStr()), "not formatted correctly for base64 data");
  ExpectError(Parse(R"({"instances": [{"b64": "aGVsbG8="}]})", kFloat()), "is not of expected type: float");
  ExpectError(Parse(R"({"instances": [{"b64": "aGVsbG8="}]})", kFloat()), "only for DT_STRING");
  auto nopad = Parse(R"({"instances": [{"b64": "aGVsbG8"}, {"b64": ""}]})", kStr());
  ASSERT_TRUE(nopad.ok()) << nopad.status().ToString();
  EXPECT_EQ(Values<std::string>(nopad->inputs.at("x")), (std::vector<std::string>{"hello", ""}));
  auto bin = Parse(R"({"inputs": {"b64": "AP8="}})", kStr());
  ASSERT_TRUE(bin.ok());
  EXPECT_EQ(bin->inputs.at("x").scalar<std::string>(), std::string("\x00\xff", 2));
}

TEST(PredictRequest, ShapeInferenceErrorsAndEmpty) {
  auto e = Parse(R"({"inputs": []})", kFloat());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->inputs.at("x").shape(), (TensorShape{0}));
  auto e2 = Parse(R"({"inputs": [[],[]]})", kFloat());
  ASSERT_TRUE(e2.ok());
  EXPECT_EQ(e2->inputs.at("x").shape(), (TensorShape{2, 0}));
  ExpectError(Parse(R"({"inputs": [[1,2],[3]]})", kFloat()), "Encountered list at unexpected size: 1 at level: 1 expected size: 2");
  ExpectError(Parse(R"({"inputs": [[1,2],3]})", kFloat()), "JSON Value: 3 found at incorrect level");
  ExpectError(Parse(R"({"inputs": [1,[2]]})", kFloat()), "Encountered list at unexpected level: 1 expected < 1");
}

TEST(PredictRequest, NonFiniteTokens) {
  auto r = Parse(R"({"instances": [NaN, -NaN, Inf, -Inf, Infinity, -Infinity], "x": "NaN Infinity"})", kFloat());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto v = Values<float>(r->inputs.at("x"));
  EXPECT_TRUE(std::isnan(v[0]) && std::isnan(v[1]));
  EXPECT_EQ(v[2], INFINITY);
  EXPECT_EQ(v[3], -INFINITY);
  EXPECT_EQ(v[4], INFINITY);
  EXPECT_EQ(v[5], -INFINITY);
  ExpectError(Parse(R"({"instances": [NaN]})", kStr()), "JSON Value: NaN Type: Number is not of expected type: string");
  ExpectError(Parse(R"({"instances": [NaN]})", kInt()), "is not of expected type: int32");
  auto s = Parse(R"({"instances": ["NaN"]})", kStr());  // inside strings nothing is rewritten
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(Values<std::string>(s->inputs.at("x"))[0], "NaN");
}

TEST(PredictRequest, SignatureProblems) {
  ExpectError(Parse(R"({"instances": [1]})", MakeSig({})), "Failed to get input map for signature: DEFAULT");
}

TEST(PredictRequest, MissingBatchDimensionHint) {
  loader::Signature sig = MakeSig({{"x", DataType::kFloat}});
  sig.inputs[0].shape = PartialShape({-1, 3});
  Fixture f;
  f.sigs["serving_default"] = sig;
  auto r = ParsePredictRequest(R"({"instances": [1, 2, 3]})", f.lookup);
  ASSERT_TRUE(r.ok());
  Status s = CheckInputShapes(*r, sig);
  EXPECT_THAT(s.message(), HasSubstr("input 'x': shape [3] is not compatible with the signature shape [-1,3]"));
  EXPECT_THAT(s.message(), HasSubstr("batch dimension looks missing"));
  auto good = ParsePredictRequest(R"({"instances": [[1, 2, 3]]})", f.lookup);
  EXPECT_TRUE(CheckInputShapes(*good, sig).ok());
}

TEST(PredictRequest, ErrorValuesAreTruncated) {
  std::string big(2000, 'a');
  auto r = Parse(R"({"instances": [")" + big + R"("]})", kFloat());
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 600u);
}

}  // namespace
}  // namespace serval::codec
