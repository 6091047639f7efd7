#include "serval/loader/bundle_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "serval/base/file.h"
#include "serval/base/strings.h"
#include "serval/loader/crc32c.h"
#include "serval/loader/testing/table_builder.h"
#include "tensorflow/core/protobuf/trackable_object_graph.pb.h"

namespace serval::loader {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::PutFixed32;
using testing::PutVarint64;
using testing::TestBundleBuilder;
using testing::TestTableBuilder;

// $SERVAL_FIXTURES, else ../shared/fixtures seen from the repo root (or from build/, build/tests).
std::string FixturesDir() {
  const char* env = std::getenv("SERVAL_FIXTURES");
  if (env && *env) return env;
  for (const char* candidate : {"../shared/fixtures", "../../shared/fixtures", "../../../shared/fixtures"}) {
    if (IsDirectory(candidate)) return candidate;
  }
  return "../shared/fixtures";
}

std::string FixturePrefix(const std::string& rel) {
  return JoinPath(FixturesDir(), JoinPath("savedmodels", rel + "/variables/variables"));
}

#define SKIP_IF_NO_FIXTURE(prefix)      \
  if (!PathExists((prefix) + ".index")) \
  GTEST_SKIP() << "fixture not found: " << (prefix) << ".index (set SERVAL_FIXTURES to the fixtures dir)"

class TempDir {
 public:
  TempDir() : path_(testing::MakeTempDir("serval-bundle-test")) {}
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

float ReadFloatScalar(const BundleReader& r, const std::string& key) {
  auto t = r.Read(key);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  if (!t.ok()) return NAN;
  EXPECT_EQ(t->dtype(), DataType::kFloat);
  EXPECT_TRUE(t->shape().IsScalar());
  return t->scalar<float>();
}

// ---- Real bundles written by TensorFlow. ----

TEST(BundleReaderFixtureTest, HalfPlusTwoTf1SnappyBlock) {
  // Its index data block is Snappy-compressed (see table_reader_test).
  const std::string prefix = FixturePrefix("tfs_half_plus_two_cpu/00000123");
  SKIP_IF_NO_FIXTURE(prefix);
  auto r = BundleReader::Open(prefix);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT((*r)->keys(), ElementsAre("a", "a2", "b", "c", "c2"));
  EXPECT_FLOAT_EQ(ReadFloatScalar(**r, "a"), 0.5f);
  EXPECT_FLOAT_EQ(ReadFloatScalar(**r, "b"), 2.0f);
  EXPECT_FLOAT_EQ(ReadFloatScalar(**r, "c"), 3.0f);
  auto info = (*r)->GetInfo("b");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->dtype, DataType::kFloat);
  EXPECT_EQ(info->size, 4);
  EXPECT_FALSE(info->sliced);
  EXPECT_TRUE((*r)->Contains("c2"));
  EXPECT_FALSE((*r)->Contains(""));
}

TEST(BundleReaderFixtureTest, HalfPlusTwoTf2WithObjectGraph) {
  const std::string prefix = FixturePrefix("tfs_half_plus_two_tf2_cpu/00000123");
  SKIP_IF_NO_FIXTURE(prefix);
  auto r = BundleReader::Open(prefix);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT((*r)->keys(), ElementsAre("_CHECKPOINTABLE_OBJECT_GRAPH", "a/.ATTRIBUTES/VARIABLE_VALUE",
                                        "b/.ATTRIBUTES/VARIABLE_VALUE", "c/.ATTRIBUTES/VARIABLE_VALUE"));
  EXPECT_FLOAT_EQ(ReadFloatScalar(**r, "a/.ATTRIBUTES/VARIABLE_VALUE"), 0.5f);
  EXPECT_FLOAT_EQ(ReadFloatScalar(**r, "b/.ATTRIBUTES/VARIABLE_VALUE"), 2.0f);
  EXPECT_FLOAT_EQ(ReadFloatScalar(**r, "c/.ATTRIBUTES/VARIABLE_VALUE"), 3.0f);

  auto info = (*r)->GetInfo("_CHECKPOINTABLE_OBJECT_GRAPH");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->offset, 12);
  EXPECT_EQ(info->size, 619);
  auto g = (*r)->Read("_CHECKPOINTABLE_OBJECT_GRAPH");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->dtype(), DataType::kString);
  EXPECT_TRUE(g->shape().IsScalar());
  const std::string& bytes = g->scalar<std::string>();
  EXPECT_EQ(bytes.size(), 619u - 2 - 4);  // 2-byte varint length, 4-byte length checksum
  tensorflow::TrackableObjectGraph graph;
  ASSERT_TRUE(graph.ParseFromString(bytes));
  EXPECT_GT(graph.nodes_size(), 0);
}

TEST(BundleReaderFixtureTest, KerasMlpShapesMatchManifest) {
  const std::string prefix = FixturePrefix("keras_mlp_stock/1");
  SKIP_IF_NO_FIXTURE(prefix);
  auto r = BundleReader::Open(prefix);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->keys().size(), 32u);  // manifest.json: num_entries 32
  // From manifest.json "variables.entries".
  const std::vector<std::pair<std::string, TensorShape>> expected = {
      {"layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", {10, 64}},
      {"layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE", {64}},
      {"layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE", {64, 32}},
      {"layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE", {32}},
      {"layer_with_weights-2/kernel/.ATTRIBUTES/VARIABLE_VALUE", {32, 8}},
      {"layer_with_weights-2/bias/.ATTRIBUTES/VARIABLE_VALUE", {8}},
      {"layer_with_weights-3/kernel/.ATTRIBUTES/VARIABLE_VALUE", {8, 3}},
      {"layer_with_weights-3/bias/.ATTRIBUTES/VARIABLE_VALUE", {3}},
      {"layer_with_weights-3/kernel/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE", {8, 3}},
  };
  for (const auto& [key, shape] : expected) {
    auto t = (*r)->Read(key);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->dtype(), DataType::kFloat) << key;
    EXPECT_EQ(t->shape(), shape) << key << " is " << t->shape().ToString();
  }
  auto bias = (*r)->Read("layer_with_weights-3/bias/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_TRUE(bias.ok());
  EXPECT_NEAR(bias->flat<float>()[0], 0.4019540846347809, 1e-7);
  EXPECT_NEAR(bias->flat<float>()[2], 0.41410884261131287, 1e-7);
  auto iter = (*r)->Read("optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_TRUE(iter.ok()) << iter.status().ToString();
  EXPECT_EQ(iter->dtype(), DataType::kInt64);
  EXPECT_EQ(iter->scalar<int64_t>(), 77004);
  // Every key, including the object graph, reads and checks out.
  for (const auto& key : (*r)->keys()) {
    auto t = (*r)->Read(key);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
  }
}

TEST(BundleReaderFixtureTest, EveryFixtureBundleReadsEveryKey) {
  const std::string root = JoinPath(FixturesDir(), "savedmodels");
  if (!IsDirectory(root)) GTEST_SKIP() << "fixtures not found at " << root << " (set SERVAL_FIXTURES)";
  int bundles = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const std::string p = entry.path().string();
    if (!EndsWith(p, "/variables/variables.index")) continue;
    const std::string prefix = p.substr(0, p.size() - std::string(".index").size());
    SCOPED_TRACE(prefix);
    auto r = BundleReader::Open(prefix);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& key : (*r)->keys()) {
      auto t = (*r)->Read(key);
      EXPECT_TRUE(t.ok()) << t.status().ToString();
    }
    ++bundles;
  }
  EXPECT_GE(bundles, 20);
}

// ---- Hand-built bundles. ----

TEST(BundleReaderTest, RoundTripsEveryDtype) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  TestBundleBuilder b;
  b.Add<float>("f32", DataType::kFloat, {2, 3}, {1, 2, 3, 4, 5, 6.5f});
  b.Add<double>("f64", DataType::kDouble, {2}, {1e300, -2});
  b.Add<int32_t>("i32", DataType::kInt32, {3}, {-1, 0, 7});
  b.Add<int64_t>("i64", DataType::kInt64, {}, {int64_t{1} << 60});
  b.Add<uint8_t>("u8", DataType::kUInt8, {2}, {0, 255});
  b.Add<int8_t>("i8", DataType::kInt8, {2}, {-128, 127});
  b.Add<int16_t>("i16", DataType::kInt16, {1}, {-300});
  b.Add<uint16_t>("u16", DataType::kUInt16, {1}, {65535});
  b.Add<uint32_t>("u32", DataType::kUInt32, {1}, {4000000000u});
  b.Add<uint64_t>("u64", DataType::kUInt64, {1}, {~uint64_t{0}});
  b.Add<uint16_t>("half", DataType::kHalf, {2}, {0x3c00, 0xc000});
  b.Add<uint16_t>("bf16", DataType::kBFloat16, {1}, {0x3f80});
  b.Add<float>("c64", DataType::kComplex64, {1}, {1.5f, -2.5f});
  b.Add<uint8_t>("bool", DataType::kBool, {4}, {0, 1, 2, 255});  // nonzero bytes read as true
  b.Add<float>("empty", DataType::kFloat, {0, 3}, {});
  b.AddStrings("str", {2, 2}, {"hello", "", std::string(300, 'x'), std::string("\0\xff", 2)});
  b.AddStrings("str_scalar_empty", {}, {""});
  b.AddStrings("str_none", {0}, {});
  const std::string prefix = dir.path() + "/variables";
  ASSERT_TRUE(b.WriteTo(prefix));

  auto r = BundleReader::Open(prefix);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->keys().size(), b.entries().size());
  auto read = [&](const std::string& key) {
    auto t = (*r)->Read(key);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : Tensor();
  };
  Tensor f32 = read("f32");
  EXPECT_EQ(f32.shape(), TensorShape({2, 3}));
  EXPECT_EQ(f32.flat<float>()[5], 6.5f);
  EXPECT_EQ(read("f64").flat<double>()[0], 1e300);
  EXPECT_EQ(read("i32").flat<int32_t>()[0], -1);
  EXPECT_EQ(read("i64").scalar<int64_t>(), int64_t{1} << 60);
  EXPECT_EQ(read("u8").flat<uint8_t>()[1], 255);
  EXPECT_EQ(read("i8").flat<int8_t>()[0], -128);
  EXPECT_EQ(read("i16").flat<int16_t>()[0], -300);
  EXPECT_EQ(read("u16").flat<uint16_t>()[0], 65535);
  EXPECT_EQ(read("u32").flat<uint32_t>()[0], 4000000000u);
  EXPECT_EQ(read("u64").flat<uint64_t>()[0], ~uint64_t{0});
  EXPECT_EQ(HalfToFloat(read("half").flat<Half>()[1]), -2.0f);
  EXPECT_EQ(BFloat16ToFloat(read("bf16").flat<BFloat16>()[0]), 1.0f);
  EXPECT_EQ(read("c64").flat<std::complex<float>>()[0], std::complex<float>(1.5f, -2.5f));
  Tensor flags = read("bool");
  const auto* fb = static_cast<const uint8_t*>(flags.raw_data());
  EXPECT_THAT(std::vector<uint8_t>(fb, fb + 4), ElementsAre(0, 1, 1, 1));
  EXPECT_EQ(read("empty").num_elements(), 0);
  Tensor str = read("str");
  EXPECT_EQ(str.shape(), TensorShape({2, 2}));
  EXPECT_THAT(std::vector<std::string>(str.flat<std::string>().begin(), str.flat<std::string>().end()),
              ElementsAre("hello", "", std::string(300, 'x'), std::string("\0\xff", 2)));
  EXPECT_EQ(read("str_scalar_empty").scalar<std::string>(), "");
  EXPECT_EQ(read("str_none").num_elements(), 0);

  auto missing = (*r)->Read("nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("no key 'nope'"));
  EXPECT_THAT(missing.status().message(), HasSubstr(prefix + ".index"));
}

TEST(BundleReaderTest, SnappyIndexAndManyBlocks) {
  TempDir dir;
  TestBundleBuilder b;
  for (int i = 0; i < 300; ++i) {
    b.Add<float>("layer_" + std::to_string(1000 + i) + "/kernel/.ATTRIBUTES/VARIABLE_VALUE", DataType::kFloat, {2},
                 {static_cast<float>(i), -1});
  }
  testing::TableOptions o;
  o.compression = testing::Compression::kSnappy;
  o.block_size = 1024;
  b.set_table_options(o);
  const std::string prefix = dir.path() + "/variables";
  ASSERT_TRUE(b.WriteTo(prefix));
  auto r = BundleReader::Open(prefix);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ((*r)->keys().size(), 300u);
  auto t = (*r)->Read("layer_1299/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->flat<float>()[0], 299.0f);
}

TEST(BundleReaderTest, MultipleShards) {
  TempDir dir;
  TestBundleBuilder b;
  b.header().set_num_shards(2);
  b.Add<float>("a", DataType::kFloat, {}, {1.0f});
  // Move "b" into shard 1.
  const float two = 2.0f;
  std::string bytes(reinterpret_cast<const char*>(&two), 4);
  b.data(1) = "pad!" + bytes;
  tensorflow::BundleEntryProto e;
  e.set_dtype(tensorflow::DT_FLOAT);
  e.set_shard_id(1);
  e.set_offset(4);
  e.set_size(4);
  e.set_crc32c(crc32c::Mask(crc32c::Value(bytes)));
  b.entries()["b"] = e;
  const std::string prefix = dir.path() + "/variables";
  ASSERT_TRUE(b.WriteTo(prefix));
  auto r = BundleReader::Open(prefix);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FLOAT_EQ(ReadFloatScalar(**r, "a"), 1.0f);
  EXPECT_FLOAT_EQ(ReadFloatScalar(**r, "b"), 2.0f);
}

// ---- Corrupt bundles. Each case mutates a valid bundle; the error must come from Open or from
// Read(key), name the file, and say what is wrong. ----

struct BundleCase {
  BundleCase(std::string name, std::function<void(TestBundleBuilder&)> mutate, std::string key, std::string expected,
             StatusCode code = StatusCode::kDataLoss, bool write_data = true, std::string raw_index = "")
      : name(std::move(name)),
        mutate(std::move(mutate)),
        key(std::move(key)),
        expected(std::move(expected)),
        code(code),
        write_data(write_data),
        raw_index(std::move(raw_index)) {}
  std::string name;
  std::function<void(TestBundleBuilder&)> mutate;
  std::string key;       // the key to Read; empty: Open must fail
  std::string expected;  // substring of the message
  StatusCode code;
  bool write_data;        // false: no data shard file is written
  std::string raw_index;  // when set, written as the .index instead of the builder's table
};

void AddValid(TestBundleBuilder& b) {
  b.Add<float>("w", DataType::kFloat, {2, 3}, {1, 2, 3, 4, 5, 6});
  b.AddStrings("s", {2}, {"ab", "cde"});
  b.Add<uint8_t>("flag", DataType::kBool, {3}, {1, 0, 1});
}

std::string StringEntryBytes(const std::vector<uint64_t>& lengths, std::string_view payload, bool good_len_crc) {
  std::string out;
  uint32_t crc = 0;
  for (uint64_t len : lengths) {
    PutVarint64(&out, len);
    std::string w;
    PutFixed32(&w, static_cast<uint32_t>(len));
    crc = crc32c::Extend(crc, w.data(), 4);
  }
  PutFixed32(&out, crc32c::Mask(crc) ^ (good_len_crc ? 0 : 1));
  out += payload;
  return out;
}

// Replaces the data of key "s" with `bytes` (appended to the shard) and fixes its size and crc so
// that only the structural defect remains.
void SetStringEntry(TestBundleBuilder& b, const std::string& bytes, bool fix_crc = true) {
  auto& e = b.entry("s");
  e.set_offset(static_cast<int64_t>(b.data().size()));
  e.set_size(static_cast<int64_t>(bytes.size()));
  if (fix_crc) e.set_crc32c(crc32c::Mask(crc32c::Value(bytes)));
  b.data() += bytes;
}

std::vector<BundleCase> BundleCases() {
  std::vector<BundleCase> c;
  c.reserve(40);
  c.emplace_back(
      "header_entry_missing", [](auto& b) { b.set_write_header(false); }, "", "header entry (empty key) is missing");
  c.emplace_back(
      "num_shards_0", [](auto& b) { b.header().set_num_shards(0); }, "", "header num_shards is 0; expected 1..100000");
  c.emplace_back(
      "num_shards_negative", [](auto& b) { b.header().set_num_shards(-5); }, "", "num_shards is -5");
  c.emplace_back(
      "num_shards_huge", [](auto& b) { b.header().set_num_shards(1 << 30); }, "", "num_shards is 1073741824");
  c.emplace_back(
      "endianness_big", [](auto& b) { b.header().set_endianness(tensorflow::BundleHeaderProto::BIG); }, "",
      "written with endianness BIG (1); only little-endian bundles are supported", StatusCode::kUnimplemented);
  c.emplace_back(
      "version_too_new", [](auto& b) { b.header().mutable_version()->set_min_consumer(7); }, "",
      "requires a reader of version >= 7", StatusCode::kUnimplemented);
  c.emplace_back(
      "missing_data_shard_file", [](auto&) {}, "", "variables.data-00000-of-00001", StatusCode::kNotFound,
      /*write_data=*/false);
  c.emplace_back(
      "header_not_a_proto", [](auto&) {}, "", "header entry (key \"\") is not a valid BundleHeaderProto",
      StatusCode::kDataLoss, true,
      [] {
        TestTableBuilder t;
        t.Add("", std::string("\xff\xff\xff", 3));
        return t.Finish();
      }());
  c.emplace_back(
      "entry_not_a_proto", [](auto&) {}, "", "key \"k\": value is not a valid BundleEntryProto", StatusCode::kDataLoss,
      true,
      [] {
        TestTableBuilder t;
        tensorflow::BundleHeaderProto h;
        h.set_num_shards(1);
        t.Add("", h.SerializeAsString());
        t.Add("k", std::string("\x0a\xff\xff\xff\x0f", 5));
        return t.Finish();
      }());
  c.emplace_back(
      "index_bad_magic", [](auto&) {}, "", "bad footer magic number", StatusCode::kDataLoss, true,
      std::string(100, 'x'));
  c.emplace_back(
      "crc_mismatch_in_data", [](auto& b) { b.data()[5] ^= 0x01; }, "w", "checksum mismatch in '");
  c.emplace_back(
      "crc_field_wrong", [](auto& b) { b.entry("w").set_crc32c(b.entry("w").crc32c() + 1); }, "w",
      "stored masked crc32c 0x");
  c.emplace_back(
      "offset_past_shard_end", [](auto& b) { b.entry("w").set_offset(1 << 20); }, "w",
      "bytes [1048576, offset + 24) extend past the end of data file");
  c.emplace_back(
      "offset_plus_size_overflow",
      [](auto& b) {
        b.entry("w").set_offset(8);
        b.entry("w").set_size(std::numeric_limits<int64_t>::max());
      },
      "w", "extend past the end of data file");
  c.emplace_back(
      "offset_int64_max", [](auto& b) { b.entry("w").set_offset(std::numeric_limits<int64_t>::max()); }, "w",
      "bytes [9223372036854775807, offset + 24)");
  c.emplace_back(
      "negative_offset", [](auto& b) { b.entry("w").set_offset(-4); }, "w", "negative offset -4");
  c.emplace_back(
      "negative_size", [](auto& b) { b.entry("w").set_size(-1); }, "w", "or size -1");
  c.emplace_back(
      "size_not_matching_dtype_times_elements", [](auto& b) { b.entry("w").set_size(20); }, "w",
      "DT_FLOAT[2,3] needs 24 bytes (6 x 4), but the entry stores 20 bytes");
  c.emplace_back(
      "negative_dim", [](auto& b) { b.entry("w").mutable_shape()->mutable_dim(0)->set_size(-2); }, "w",
      "invalid shape: shape [-2,3] has a negative dimension");
  c.emplace_back(
      "element_count_overflow",
      [](auto& b) {
        auto* s = b.entry("w").mutable_shape();
        s->mutable_dim(0)->set_size(int64_t{1} << 40);
        s->mutable_dim(1)->set_size(int64_t{1} << 40);
      },
      "w", "invalid shape: shape [1099511627776,1099511627776] has more than");
  c.emplace_back(
      "unknown_rank", [](auto& b) { b.entry("w").mutable_shape()->set_unknown_rank(true); }, "w", "unknown rank");
  c.emplace_back(
      "invalid_dtype_999", [](auto& b) { b.entry("w").set_dtype(static_cast<tensorflow::DataType>(999)); }, "w",
      "invalid dtype 999");
  c.emplace_back(
      "dtype_invalid_0", [](auto& b) { b.entry("w").set_dtype(tensorflow::DT_INVALID); }, "w", "invalid dtype 0");
  c.emplace_back(
      "dtype_resource", [](auto& b) { b.entry("w").set_dtype(tensorflow::DT_RESOURCE); }, "w",
      "reading DT_RESOURCE tensors from a bundle is not supported", StatusCode::kUnimplemented);
  c.emplace_back(
      "shard_id_out_of_range", [](auto& b) { b.entry("w").set_shard_id(3); }, "w",
      "shard_id 3 is out of range (the bundle has 1 shards)");
  c.emplace_back(
      "string_length_past_end",
      [](auto& b) {
        SetStringEntry(b, StringEntryBytes({2, 1000}, "abcde", true));
      },
      "s", "DT_STRING element 1: length 1000 extends past the entry's");
  c.emplace_back(
      "string_length_huge",
      [](auto& b) {
        SetStringEntry(b, StringEntryBytes({~uint64_t{0} >> 1, 1}, "abcde", true));
      },
      "s", "DT_STRING element 0: length 9223372036854775807 extends past");
  c.emplace_back(
      "string_lengths_sum_mismatch",
      [](auto& b) {
        SetStringEntry(b, StringEntryBytes({1, 1}, "abcde", true));
      },
      "s", "string lengths add up to 2 bytes, but 5 bytes follow");
  c.emplace_back(
      "string_length_checksum_mismatch",
      [](auto& b) {
        SetStringEntry(b, StringEntryBytes({2, 3}, "abcde", false));
      },
      "s", "checksum mismatch for the string lengths");
  c.emplace_back(
      "string_varint_truncated", [](auto& b) { SetStringEntry(b, std::string("\x02\x80", 2)); }, "s",
      "DT_STRING element 1: truncated or invalid varint length");
  c.emplace_back(
      "string_missing_length_checksum", [](auto& b) { SetStringEntry(b, std::string("\x00\x00\x01", 3)); }, "s",
      "the 4-byte length checksum is missing");
  c.emplace_back(
      "string_more_elements_than_bytes",
      [](auto& b) { b.entry("s").mutable_shape()->mutable_dim(0)->set_size(1000000); }, "s",
      "DT_STRING[1000000] has 1000000 elements but only 11 stored bytes");
  c.emplace_back(
      "string_data_crc_mismatch", [](auto& b) { b.data()[b.entry("s").offset() + 7] ^= 0x20; }, "s",
      "checksum mismatch in '");
  c.emplace_back(
      "sliced_entry",
      [](auto& b) {
        auto* sl = b.entry("w").add_slices();
        sl->add_extent()->set_start(0);
      },
      "w", "partitioned variable 'w' (1 slices) is not supported", StatusCode::kUnimplemented);
  return c;
}

TEST(BundleReaderTest, CorruptBundlesFailWithSpecificErrors) {
  for (const BundleCase& c : BundleCases()) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    const std::string prefix = dir.path() + "/variables";
    TestBundleBuilder b;
    AddValid(b);
    c.mutate(b);
    ASSERT_TRUE(b.WriteTo(prefix, c.write_data));
    if (!c.raw_index.empty()) {
      ASSERT_TRUE(TestBundleBuilder::WriteFile(prefix + ".index", c.raw_index));
    }

    auto r = BundleReader::Open(prefix);
    Status st;
    if (c.key.empty()) {
      ASSERT_FALSE(r.ok()) << c.name << ": Open succeeded";
      st = r.status();
    } else {
      ASSERT_TRUE(r.ok()) << c.name << ": " << r.status().ToString();
      auto t = (*r)->Read(c.key);
      ASSERT_FALSE(t.ok()) << c.name << ": Read succeeded";
      st = t.status();
      EXPECT_THAT(st.message(), HasSubstr("key '" + c.key + "'"));
      // The other keys are unaffected unless the defect is shared.
      for (const auto& k : (*r)->keys()) (void)(*r)->Read(k);
    }
    EXPECT_EQ(st.code(), c.code) << st.ToString();
    EXPECT_THAT(st.message(), HasSubstr(prefix + ".index"));
    EXPECT_THAT(st.message(), HasSubstr(c.expected));
  }
}

TEST(BundleReaderTest, MissingIndexFile) {
  TempDir dir;
  auto r = BundleReader::Open(dir.path() + "/nothing");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr(dir.path() + "/nothing.index"));
}

TEST(BundleReaderTest, GetInfoReportsSlicedEntries) {
  TempDir dir;
  TestBundleBuilder b;
  AddValid(b);
  b.entry("w").add_slices();
  const std::string prefix = dir.path() + "/variables";
  ASSERT_TRUE(b.WriteTo(prefix));
  auto r = BundleReader::Open(prefix);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto info = (*r)->GetInfo("w");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->sliced);
  EXPECT_EQ(info->shape, TensorShape({2, 3}));
}

// Every single-byte flip of the data shard is caught by a checksum (or is in unused bytes).
TEST(BundleReaderTest, DataBitFlipsAreCaught) {
  TempDir dir;
  TestBundleBuilder b;
  AddValid(b);
  const std::string prefix = dir.path() + "/variables";
  ASSERT_TRUE(b.WriteTo(prefix));
  const std::string data = b.data();
  const std::string shard = prefix + TestBundleBuilder::ShardName(0, 1);
  for (size_t i = 0; i < data.size(); ++i) {
    std::string s = data;
    s[i] ^= 0x04;
    ASSERT_TRUE(TestBundleBuilder::WriteFile(shard, s));
    auto r = BundleReader::Open(prefix);
    ASSERT_TRUE(r.ok());
    int bad = 0;
    for (const auto& k : (*r)->keys()) bad += (*r)->Read(k).ok() ? 0 : 1;
    EXPECT_EQ(bad, 1) << "flip at byte " << i;
  }
}

}  // namespace
}  // namespace serval::loader
