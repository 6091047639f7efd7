// Tests for text_ops.cc. Expected values are hand-derived from Python's str.split and TF's
// documented StringNGrams behaviour; SipHash-2-4 values come from the reference test vectors
// (key 00..0f, messages "", "\x00", "\x00..\x0e") and `openssl mac SIPHASH` (OpenSSL 3):
//   printf 'hello world' | openssl mac -macopt hexkey:2a000000000000002a00000000000000 -macopt size:8 SIPHASH
//   = A95DD64A225B56DB (little-endian) = 0xdb565b224ad65da9.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorEqual;
using runtime::testing::Int32s;
using runtime::testing::Int64s;
using runtime::testing::KernelTester;
using runtime::testing::MakeTensor;
using runtime::testing::Strings;

class TextTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterTextKernels(r_); }
  runtime::KernelRegistry r_;
};

TEST_F(TextTest, StringSplitV2Whitespace) {
  KernelTester t("StringSplitV2", r_);
  t.Input(Strings({"  the quick\tbrown  ", "", "fox", " \n "})).Input(Tensor::Scalar<std::string>("")).NumOutputs(3);
  auto o = t.Run();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(o->at(0), MakeTensor<int64_t>({0, 0, 0, 1, 0, 2, 2, 0}, {4, 2}));
  ExpectTensorEqual(o->at(1), Strings({"the", "quick", "brown", "fox"}));
  ExpectTensorEqual(o->at(2), Int64s({4, 3}));
}

TEST_F(TextTest, StringSplitV2SeparatorAndMaxsplit) {
  KernelTester t("StringSplitV2", r_);
  t.Input(Strings({"a,,b", "", "x<>y<>z"})).Input(Tensor::Scalar<std::string>(",")).NumOutputs(3);
  auto o = t.Run();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  // "a,,b".split(",") = ["a", "", "b"]; "".split(",") = [""]; "x<>y<>z".split(",") = ["x<>y<>z"]
  ExpectTensorEqual(o->at(0), MakeTensor<int64_t>({0, 0, 0, 1, 0, 2, 1, 0, 2, 0}, {5, 2}));
  ExpectTensorEqual(o->at(1), Strings({"a", "", "b", "", "x<>y<>z"}));
  ExpectTensorEqual(o->at(2), Int64s({3, 3}));

  KernelTester m("StringSplitV2", r_);
  m.Attr("maxsplit", 1).Input(Strings({"x<>y<>z", " a b  c "})).Input(Tensor::Scalar<std::string>("<>")).NumOutputs(3);
  o = m.Run();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(o->at(1), Strings({"x", "y<>z", " a b  c "}));
  KernelTester w("StringSplitV2", r_);
  w.Attr("maxsplit", 1).Input(Strings({" a b  c "})).Input(Tensor::Scalar<std::string>("")).NumOutputs(3);
  o = w.Run();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(o->at(1), Strings({"a", "b  c "}));  // " a b  c ".split(None, 1)

  KernelTester bad("StringSplitV2", r_);
  bad.Input(Strings({"a"})).Input(Strings({",", ";"})).NumOutputs(3);
  EXPECT_FALSE(bad.Run().ok());
}

Result<std::vector<Tensor>> NGrams(const runtime::KernelRegistry& r, Tensor data, Tensor splits,
                                   std::vector<int64_t> widths, int64_t pad_width, bool preserve = false) {
  KernelTester t("StringNGrams", r);
  t.Attr("separator", " ").Attr("ngram_widths", widths).Attr("left_pad", "<s>").Attr("right_pad", "</s>");
  t.Attr("pad_width", pad_width).Attr("preserve_short_sequences", preserve).Attr("Tsplits", splits.dtype());
  t.Input(std::move(data)).Input(std::move(splits)).NumOutputs(2);
  return t.Run();
}

TEST_F(TextTest, StringNGramsAsKerasTextVectorization) {
  // rows ["a", "b", "c"], [], ["d"]; widths (1, 2) with no padding, as TextVectorization(ngrams=2).
  auto o = NGrams(r_, Strings({"a", "b", "c", "d"}), Int64s({0, 3, 3, 4}), {1, 2}, 0);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(o->at(0), Strings({"a", "b", "c", "a b", "b c", "d"}));
  ExpectTensorEqual(o->at(1), Int64s({0, 5, 5, 6}));
}

TEST_F(TextTest, StringNGramsPaddingAndShortSequences) {
  // width 3, pad_width -1 (= width-1 = 2) over ["a", "b"]: 2 + 4 - 3 + 1 = 4 ngrams.
  auto o = NGrams(r_, Strings({"a", "b"}), Int32s({0, 2}), {3}, -1);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(o->at(0), Strings({"<s> <s> a", "<s> a b", "a b </s>", "b </s> </s>"}));
  ExpectTensorEqual(o->at(1), Int32s({0, 4}));
  // width 3, pad_width 1 over a 1-token row: 1 + 2 - 3 + 1 = 1 ngram.
  o = NGrams(r_, Strings({"a"}), Int64s({0, 1}), {3}, 1);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(o->at(0), Strings({"<s> a </s>"}));
  // width 4 without padding does not fit ["a", "b"]; preserve_short_sequences emits the whole row.
  o = NGrams(r_, Strings({"a", "b", "c"}), Int64s({0, 2, 3}), {4}, 0, true);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(o->at(0), Strings({"a b", "c"}));
  ExpectTensorEqual(o->at(1), Int64s({0, 1, 2}));
  o = NGrams(r_, Strings({"a", "b", "c"}), Int64s({0, 2, 3}), {4}, 0, false);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(o->at(1), Int64s({0, 0, 0}));
  // bad splits and widths
  EXPECT_FALSE(NGrams(r_, Strings({"a", "b"}), Int64s({0, 3}), {1}, 0).ok());
  EXPECT_FALSE(NGrams(r_, Strings({"a", "b"}), Int64s({1, 2}), {1}, 0).ok());
  EXPECT_FALSE(NGrams(r_, Strings({"a", "b"}), Int64s({0, 2, 1, 2}), {1}, 0).ok());
  EXPECT_FALSE(NGrams(r_, Strings({"a", "b"}), Int64s({0, 2}), {0}, 0).ok());
}

TEST_F(TextTest, StringToHashBucketStrongIsSipHash24) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  KernelTester t("StringToHashBucketStrong", r_);
  t.Attr("num_buckets", max).Attr("key", std::vector<int64_t>{0x0706050403020100LL, 0x0f0e0d0c0b0a0908LL});
  t.Input(Strings(
      {"", std::string(1, '\0'), std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e", 15)}));
  auto o = t.Run();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  // 0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0xa129ca6149be45e5, each mod 2^63-1
  ExpectTensorEqual(o->at(0), Int64s({8246050544436514353LL, 8428550223375919101LL, 2389663596494603750LL}));

  KernelTester k("StringToHashBucketStrong", r_);
  k.Attr("num_buckets", 1000).Attr("key", std::vector<int64_t>{42, 42});
  k.Input(MakeTensor<std::string>({"hello world", "hello world"}, {2, 1}));
  o = k.Run();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(o->at(0), MakeTensor<int64_t>({745, 745}, {2, 1}));  // 0xdb565b224ad65da9 % 1000

  KernelTester bad("StringToHashBucketStrong", r_);
  bad.Attr("num_buckets", 10).Attr("key", std::vector<int64_t>{1});
  EXPECT_FALSE(bad.Create().ok());
}

TEST_F(TextTest, StringStrip) {
  KernelTester t("StringStrip", r_);
  t.Input(Strings({"  a b \t\n", "", "x"}));
  auto o = t.Run();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorEqual(o->at(0), Strings({"a b", "", "x"}));
}

}  // namespace
}  // namespace serval::kernels::cpu
