// Expected values: fingerprints from farmhash-modern@1.1.0 in Node
//   require('farmhash-modern').fingerprint64(s).toString()
// which agree with TF's frozen Fingerprint64("Hello") = 15404698994557526151 and
// "World" = 18308117990299812472 (tsl fingerprint_test.cc); TF docs give
// tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) → [0, 2, 2].
// Other values are hand-computed (printf formats TF builds for AsString).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "serval/kernels/cpu/farmhash_fingerprint.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorEqual;
using runtime::testing::KernelTester;
using runtime::testing::Strings;

class StringOpsTest : public ::testing::Test {
 protected:
  StringOpsTest() { RegisterStringKernels(r_); }
  runtime::KernelRegistry r_;
};

TEST(FarmhashTest, Fingerprint64KnownValues) {
  EXPECT_EQ(FarmhashFingerprint64("Hello"), 15404698994557526151ULL);
  EXPECT_EQ(FarmhashFingerprint64("World"), 18308117990299812472ULL);
  EXPECT_EQ(FarmhashFingerprint64(""), 11160318154034397263ULL);
  EXPECT_EQ(FarmhashFingerprint64(std::string(20, 'a')), 15065261471293997870ULL);   // 17..32
  EXPECT_EQ(FarmhashFingerprint64(std::string(40, 'b')), 12813125466317408803ULL);   // 33..64
  EXPECT_EQ(FarmhashFingerprint64("The quick brown fox jumps over the lazy dog, again and again and again!"),
            3085418243975595470ULL);                                                // 65..128
  EXPECT_EQ(FarmhashFingerprint64(std::string(200, 'x')), 13938988265971950527ULL);  // several blocks
}

TEST_F(StringOpsTest, StringToHashBucketFast) {
  auto out = KernelTester("StringToHashBucketFast", r_)
                 .Attr("num_buckets", 3)
                 .Input(Tensor::FromVector<std::string>({"Hello", "TensorFlow", "2.x"}, {3, 1}))
                 .Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), Tensor::FromVector<int64_t>({0, 2, 2}, {3, 1}));
  EXPECT_FALSE(KernelTester("StringToHashBucketFast", r_).Attr("num_buckets", 0).Input(Strings({"a"})).Run().ok());
}

TEST_F(StringOpsTest, StringJoinBroadcastsScalars) {
  auto out = KernelTester("StringJoin", r_)
                 .Attr("separator", "-")
                 .Input(Strings({"a", "b"}))
                 .Input(Tensor::Scalar<std::string>("x"))
                 .Input(Strings({"1", "2"}))
                 .Run();
  ASSERT_TRUE(out.ok());
  ExpectTensorEqual(out->at(0), Strings({"a-x-1", "b-x-2"}));
  auto bad = KernelTester("StringJoin", r_).Input(Strings({"a", "b"})).Input(Strings({"a", "b", "c"})).Run();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("[2]"), std::string::npos);
  EXPECT_NE(bad.status().message().find("[3]"), std::string::npos);
}

TEST_F(StringOpsTest, Regex) {
  auto m = KernelTester("StaticRegexFullMatch", r_)
               .Attr("pattern", "^s3://.*")
               .Input(Strings({"s3://bucket/x", "/tmp/s3://", ""}))
               .Run();
  ASSERT_TRUE(m.ok());
  ExpectTensorEqual(m->at(0), Tensor::FromVector<bool>({true, false, false}, {3}));
  auto r = KernelTester("StaticRegexReplace", r_)
               .Attr("pattern", "(a+)(b)")
               .Attr("rewrite", "<\\2\\1$>")
               .Attr("replace_global", true)
               .Input(Strings({"aab ab c"}))
               .Run();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectTensorEqual(r->at(0), Strings({"<baa$> <ba$> c"}));
  auto first = KernelTester("RegexReplace", r_)
                   .Attr("replace_global", false)
                   .Input(Strings({"x.y.z"}))
                   .Input(Tensor::Scalar<std::string>("\\."))
                   .Input(Tensor::Scalar<std::string>("/"))
                   .Run();
  ASSERT_TRUE(first.ok());
  ExpectTensorEqual(first->at(0), Strings({"x/y.z"}));
  auto icase = KernelTester("StaticRegexFullMatch", r_).Attr("pattern", "(?i)abc").Input(Strings({"aBc"})).Run();
  ASSERT_TRUE(icase.ok());
  ExpectTensorEqual(icase->at(0), Tensor::FromVector<bool>({true}, {1}));
  Status bad = KernelTester("StaticRegexFullMatch", r_).Attr("pattern", "(unclosed").Input(Strings({"a"})).Create();
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
}

TEST_F(StringOpsTest, CaseLengthSharded) {
  auto lo = KernelTester("StringLower", r_).Input(Strings({"HeLLo W\xC3\x89"})).Run();
  ASSERT_TRUE(lo.ok());
  ExpectTensorEqual(lo->at(0), Strings({"hello w\xC3\x89"}));
  auto up = KernelTester("StringUpper", r_).Input(Strings({"abc1"})).Run();
  ASSERT_TRUE(up.ok());
  ExpectTensorEqual(up->at(0), Strings({"ABC1"}));
  auto len = KernelTester("StringLength", r_).Attr("unit", "UTF8_CHAR").Input(Strings({"h\xC3\xA9llo", ""})).Run();
  ASSERT_TRUE(len.ok());
  ExpectTensorEqual(len->at(0), Tensor::FromVector<int32_t>({5, 0}, {2}));
  auto bytes = KernelTester("StringLength", r_).Input(Strings({"h\xC3\xA9llo"})).Run();
  ASSERT_TRUE(bytes.ok());
  ExpectTensorEqual(bytes->at(0), Tensor::FromVector<int32_t>({6}, {1}));
  auto sf = KernelTester("ShardedFilename", r_)
                .Input(Tensor::Scalar<std::string>("/ckpt/part"))
                .Input(Tensor::Scalar<int32_t>(3))
                .Input(Tensor::Scalar<int32_t>(12))
                .Run();
  ASSERT_TRUE(sf.ok());
  ExpectTensorEqual(sf->at(0), Tensor::Scalar<std::string>("/ckpt/part-00003-of-00012"));
}

TEST_F(StringOpsTest, AsString) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  auto f = KernelTester("AsString", r_).Attr("T", DataType::kFloat).Input(Tensor::FromVector<float>({3.14f, -0.5f, nan, -inf}, {4})).Run();
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ExpectTensorEqual(f->at(0), Strings({"3.140000", "-0.500000", "nan", "-inf"}));
  auto p = KernelTester("AsString", r_).Attr("T", DataType::kDouble).Attr("precision", 2).Attr("scientific", true)
               .Input(Tensor::FromVector<double>({1234.5}, {1})).Run();
  ASSERT_TRUE(p.ok());
  ExpectTensorEqual(p->at(0), Strings({"1.23e+03"}));
  auto g = KernelTester("AsString", r_).Attr("T", DataType::kFloat).Attr("shortest", true)
               .Input(Tensor::FromVector<float>({0.25f, 1e20f}, {2})).Run();
  ASSERT_TRUE(g.ok());
  ExpectTensorEqual(g->at(0), Strings({"0.25", "1e+20"}));
  auto i = KernelTester("AsString", r_).Attr("T", DataType::kInt64).Attr("width", 5).Attr("fill", "0")
               .Input(Tensor::FromVector<int64_t>({42, -7, std::numeric_limits<int64_t>::min()}, {3})).Run();
  ASSERT_TRUE(i.ok());
  ExpectTensorEqual(i->at(0), Strings({"00042", "-0007", "-9223372036854775808"}));
  auto b = KernelTester("AsString", r_).Attr("T", DataType::kBool).Input(Tensor::FromVector<bool>({true, false}, {2})).Run();
  ASSERT_TRUE(b.ok());
  ExpectTensorEqual(b->at(0), Strings({"true", "false"}));
  EXPECT_FALSE(KernelTester("AsString", r_).Attr("T", DataType::kInt32).Attr("precision", 2).Input(Tensor::Scalar<int32_t>(1)).Create().ok());
  EXPECT_FALSE(KernelTester("AsString", r_).Attr("T", DataType::kFloat).Attr("fill", "x").Input(Tensor::Scalar<float>(1)).Create().ok());
}

TEST_F(StringOpsTest, ReadFile) {
  std::string path = ::testing::TempDir() + "/k4_read_file.txt";
  std::ofstream(path) << "line1\nline2";
  auto out = KernelTester("ReadFile", r_).Input(Tensor::Scalar<std::string>(path)).Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), Tensor::Scalar<std::string>("line1\nline2"));
  auto missing = KernelTester("ReadFile", r_).Input(Tensor::Scalar<std::string>("/nonexistent/k4_x.txt")).Run();
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/k4_x.txt"), std::string::npos);
}

}  // namespace
}  // namespace serval::kernels::cpu
