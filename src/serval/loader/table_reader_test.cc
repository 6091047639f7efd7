#include "serval/loader/table_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <snappy.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "serval/base/file.h"
#include "serval/base/strings.h"
#include "serval/loader/testing/table_builder.h"

namespace serval::loader {
namespace {

using testing::BuildBlock;
using testing::Compression;
using testing::Handle;
using ::testing::HasSubstr;
using testing::PutFixed32;
using testing::PutVarint64;
using testing::RawTableWriter;
using testing::TableOptions;
using testing::TestTableBuilder;
using Entries = std::vector<std::pair<std::string, std::string>>;

constexpr char kFile[] = "/models/m/variables/variables.index";

// $SERVAL_FIXTURES, else ../shared/fixtures seen from the repo root (or from build/, build/tests).
std::string FixturesDir() {
  const char* env = std::getenv("SERVAL_FIXTURES");
  if (env && *env) return env;
  for (const char* candidate : {"../shared/fixtures", "../../shared/fixtures", "../../../shared/fixtures"}) {
    if (IsDirectory(candidate)) return candidate;
  }
  return "../shared/fixtures";
}

Result<Entries> ReadTable(std::string bytes, const std::string& name = kFile) {
  SERVAL_ASSIGN_OR_RETURN(TableReader t, TableReader::Open(std::move(bytes), name));
  return t.ReadAll();
}

Entries MakeEntries(int n, int value_size = 10) {
  Entries out;
  for (int i = 0; i < n; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "key/%06d/.ATTRIBUTES", i);
    out.emplace_back(key, std::string(static_cast<size_t>(value_size), static_cast<char>('a' + i % 26)));
  }
  return out;
}

std::string BuildTable(const Entries& entries, TableOptions options = {}) {
  TestTableBuilder b(options);
  for (const auto& [k, v] : entries) b.Add(k, v);
  return b.Finish();
}

// One data block with the given raw contents and type, indexed under `separator`.
std::string TableWithDataBlock(std::string_view contents, uint8_t type = 0, std::string separator = "zzzz") {
  RawTableWriter w;
  const Handle data = w.AppendBlock(contents, type);
  const Handle meta = w.AppendBlock(BuildBlock({}), 0);
  const Handle index = w.AppendBlock(BuildBlock({{separator, data.Encode()}}, 1), 0);
  return w.Finish(meta, index);
}

std::string TableWithIndexValue(const std::string& value) {
  RawTableWriter w;
  const Handle meta = w.AppendBlock(BuildBlock({}), 0);
  const Handle index = w.AppendBlock(BuildBlock({{"k", value}}, 1), 0);
  return w.Finish(meta, index);
}

TEST(TableReaderTest, RoundTripSingleBlock) {
  const Entries entries = MakeEntries(40);
  auto got = ReadTable(BuildTable(entries));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, entries);
}

TEST(TableReaderTest, RoundTripManyBlocksAndRestartIntervals) {
  const Entries entries = MakeEntries(2000, 7);
  for (int interval : {1, 2, 16, 1000}) {
    TableOptions o;
    o.restart_interval = interval;
    o.block_size = 512;
    const std::string bytes = BuildTable(entries, o);
    auto t = TableReader::Open(bytes, kFile);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_GT(t->num_data_blocks(), 10u);
    auto got = t->ReadAll();
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, entries) << "restart interval " << interval;
  }
}

TEST(TableReaderTest, RoundTripSnappyBlocks) {
  const Entries entries = MakeEntries(500, 100);  // repetitive values: compress well
  for (Compression c : {Compression::kSnappy, Compression::kSnappyAlways}) {
    TableOptions o;
    o.compression = c;
    o.block_size = 4096;
    auto got = ReadTable(BuildTable(entries, o));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, entries);
  }
}

TEST(TableReaderTest, EmptyTable) {
  auto got = ReadTable(BuildTable({}));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->empty());
}

TEST(TableReaderTest, VisitorErrorStopsIteration) {
  auto t = TableReader::Open(BuildTable(MakeEntries(10)), kFile);
  ASSERT_TRUE(t.ok());
  int calls = 0;
  Status st =
      t->ForEach([&](std::string_view, std::string_view) { return ++calls == 3 ? InvalidArgument("stop") : Status(); });
  EXPECT_EQ(st.message(), "stop");
  EXPECT_EQ(calls, 3);
}

// ---- Corrupt tables: each must fail with a message naming the file and the defect. ----

struct CorruptCase {
  std::string name;
  std::function<std::string()> make;
  std::string expected;  // substring of the error message
};

std::vector<CorruptCase> CorruptCases() {
  const std::string valid = BuildTable(MakeEntries(30));
  std::vector<CorruptCase> cases;
  cases.push_back(
      {"file_shorter_than_footer", [] { return std::string(20, '\0'); }, "shorter than the 48-byte footer"});
  cases.push_back({"empty_file", [] { return std::string(); }, "file is 0 bytes"});
  cases.push_back({"bad_magic",
                   [=] {
                     std::string s = valid;
                     s.back() ^= 0x01;
                     return s;
                   },
                   "bad footer magic number (expected 0xdb4775248b80fb57"});
  cases.push_back({"truncated_footer", [=] { return valid.substr(0, valid.size() - 10); }, "bad footer magic"});
  cases.push_back({"footer_handles_not_varints",
                   [=] {
                     std::string s = valid;
                     for (size_t i = s.size() - 48; i < s.size() - 8; ++i) s[i] = '\xff';
                     return s;
                   },
                   "corrupt footer: block handles are not valid varints"});
  cases.push_back({"index_handle_past_end",
                   [] {
                     RawTableWriter w;
                     const Handle meta = w.AppendBlock(BuildBlock({}), 0);
                     return w.Finish(meta, Handle{1000000, 10});
                   },
                   "index block handle (offset 1000000, size 10"});
  cases.push_back({"index_handle_size_overflow",
                   [] {
                     RawTableWriter w;
                     const Handle meta = w.AppendBlock(BuildBlock({}), 0);
                     return w.Finish(meta, Handle{2, UINT64_MAX - 1});
                   },
                   "extends past the end of the table data"});
  cases.push_back({"data_block_handle_past_end",
                   [] {
                     return TableWithIndexValue(Handle{0, uint64_t{1} << 40}.Encode());
                   },
                   "data block handle (offset 0, size 1099511627776"});
  cases.push_back({"data_block_offset_overflow",
                   [] {
                     return TableWithIndexValue(Handle{UINT64_MAX - 2, 10}.Encode());
                   },
                   "extends past the end"});
  cases.push_back(
      {"index_value_not_a_handle", [] { return TableWithIndexValue("xyz"); }, "value is not a block handle"});
  cases.push_back({"block_crc_mismatch",
                   [] {
                     std::string s = TableWithDataBlock(BuildBlock({{"a", "1"}, {"b", "2"}}));
                     s[3] ^= 0x40;  // inside the data block, which starts at offset 0
                     return s;
                   },
                   "data block 0 at offset 0 (size 18): block checksum mismatch: stored masked crc32c 0x"});
  cases.push_back({"unknown_compression_type",
                   [] {
                     return TableWithDataBlock(BuildBlock({{"a", "1"}}), 2);
                   },
                   "unknown block compression type 2"});
  cases.push_back({"corrupt_snappy_payload",
                   [] {
                     const std::string raw = BuildBlock(MakeEntries(20, 50));
                     std::string c;
                     snappy::Compress(raw.data(), raw.size(), &c);
                     return TableWithDataBlock(c.substr(0, c.size() - 7), 1);
                   },
                   "corrupt Snappy block: decompression failed"});
  cases.push_back({"snappy_bad_length_varint",
                   [] { return TableWithDataBlock(std::string("\xff\xff\xff\xff\xff\xff", 6), 1); },
                   "corrupt Snappy block: cannot read the uncompressed length"});
  cases.push_back({"snappy_implausible_length",
                   [] {
                     std::string c;
                     PutVarint64(&c, uint64_t{1} << 31);
                     c += "abcdef";
                     return TableWithDataBlock(c, 1);
                   },
                   "claims 2147483648 uncompressed bytes"});
  cases.push_back({"block_too_short", [] { return TableWithDataBlock("ab"); }, "too short for a restart count"});
  cases.push_back({"restart_count_too_large",
                   [] {
                     std::string b = BuildBlock({{"a", "1"}, {"b", "2"}});
                     b.resize(b.size() - 4);
                     PutFixed32(&b, 1000);
                     return TableWithDataBlock(b);
                   },
                   "restart count 1000 is out of range (1..3 fit in the block)"});
  cases.push_back({"restart_count_zero",
                   [] {
                     std::string b = BuildBlock({{"a", "1"}});
                     b.resize(b.size() - 4);
                     PutFixed32(&b, 0);
                     return TableWithDataBlock(b);
                   },
                   "restart count 0 is out of range"});
  cases.push_back({"restart_offset_past_entries",
                   [] {
                     std::string b;
                     b += std::string(
                         "\x00\x01\x01"
                         "a1",
                         5);
                     PutFixed32(&b, 0);
                     PutFixed32(&b, 99);
                     PutFixed32(&b, 2);
                     return TableWithDataBlock(b);
                   },
                   "restart point 1 has offset 99"});
  cases.push_back({"restart_not_at_entry_boundary",
                   [] {
                     std::string b;
                     b += std::string(
                         "\x00\x01\x01"
                         "a1"
                         "\x00\x01\x01"
                         "b2",
                         10);
                     PutFixed32(&b, 0);
                     PutFixed32(&b, 3);
                     PutFixed32(&b, 2);
                     return TableWithDataBlock(b);
                   },
                   "restart point 1 (offset 3) is not at an entry boundary"});
  cases.push_back({"shared_prefix_at_restart",
                   [] {
                     std::string b;
                     b += std::string(
                         "\x00\x02\x01"
                         "ab1"
                         "\x01\x01\x01"
                         "c2",
                         11);
                     PutFixed32(&b, 0);
                     PutFixed32(&b, 6);
                     PutFixed32(&b, 2);
                     return TableWithDataBlock(b);
                   },
                   "is at restart point 1 but shares 1 key bytes"});
  cases.push_back({"shared_longer_than_previous_key",
                   [] {
                     std::string b;
                     b += std::string(
                         "\x00\x01\x01"
                         "a1"
                         "\x05\x01\x01"
                         "b2",
                         10);
                     PutFixed32(&b, 0);
                     PutFixed32(&b, 1);
                     return TableWithDataBlock(b);
                   },
                   "entry 1: shares 5 key bytes with the previous key, which has only 1"});
  cases.push_back({"entry_length_past_block_end",
                   [] {
                     std::string b;
                     b += std::string("\x00\x01", 2);
                     PutVarint64(&b, 1000);  // value length
                     b += "a1";
                     PutFixed32(&b, 0);
                     PutFixed32(&b, 1);
                     return TableWithDataBlock(b);
                   },
                   "value (1000 bytes) extend past the end of the entry area"});
  cases.push_back({"entry_varint_truncated",
                   [] {
                     std::string b("\x00\x80\x80", 3);
                     PutFixed32(&b, 0);
                     PutFixed32(&b, 1);
                     return TableWithDataBlock(b);
                   },
                   "entry 0: truncated or invalid length varints"});
  cases.push_back({"varint32_overflow",
                   [] {
                     std::string b("\x00\xff\xff\xff\xff\x7f\x00", 7);
                     PutFixed32(&b, 0);
                     PutFixed32(&b, 1);
                     return TableWithDataBlock(b);
                   },
                   "truncated or invalid length varints"});
  cases.push_back(
      {"duplicate_key",
       [] {
         return TableWithDataBlock(BuildBlock({{"a", "1"}, {"a", "2"}}));
       },
       "key \"a\" does not sort after the previous key \"a\" (keys must be strictly increasing; duplicate key)"});
  cases.push_back({"decreasing_key",
                   [] {
                     return TableWithDataBlock(BuildBlock({{"b", "1"}, {"a", "2"}}));
                   },
                   "out of order"});
  cases.push_back({"duplicate_key_across_blocks",
                   [] {
                     RawTableWriter w;
                     const Handle d0 = w.AppendBlock(BuildBlock({{"a", "1"}, {"m", "2"}}), 0);
                     const Handle d1 = w.AppendBlock(BuildBlock({{"m", "3"}}), 0);
                     const Handle meta = w.AppendBlock(BuildBlock({}), 0);
                     const Handle index = w.AppendBlock(BuildBlock({{"m", d0.Encode()}, {"n", d1.Encode()}}, 1), 0);
                     return w.Finish(meta, index);
                   },
                   "duplicate key"});
  cases.push_back({"index_keys_out_of_order",
                   [] {
                     RawTableWriter w;
                     const Handle d0 = w.AppendBlock(BuildBlock({{"a", "1"}}), 0);
                     const Handle meta = w.AppendBlock(BuildBlock({}), 0);
                     const Handle index = w.AppendBlock(BuildBlock({{"m", d0.Encode()}, {"c", d0.Encode()}}, 1), 0);
                     return w.Finish(meta, index);
                   },
                   "index block"});
  cases.push_back({"key_after_index_separator",
                   [] {
                     return TableWithDataBlock(BuildBlock({{"a", "1"}, {"z", "2"}}), 0, "m");
                   },
                   "key \"z\" sorts after the block's index key \"m\""});
  return cases;
}

TEST(TableReaderTest, CorruptTablesFailWithSpecificErrors) {
  for (const CorruptCase& c : CorruptCases()) {
    SCOPED_TRACE(c.name);
    auto got = ReadTable(c.make());
    ASSERT_FALSE(got.ok()) << c.name << " was accepted";
    EXPECT_EQ(got.status().code(), StatusCode::kDataLoss) << got.status().ToString();
    EXPECT_THAT(got.status().message(), HasSubstr(kFile));
    EXPECT_THAT(got.status().message(), HasSubstr(c.expected));
  }
}

// Every truncation and every single-byte flip of a small valid table must be handled (an error or,
// rarely, a table that still parses) without crashing. ASan makes this meaningful.
TEST(TableReaderTest, TruncationsAndBitFlipsNeverCrash) {
  TableOptions o;
  o.block_size = 200;
  o.restart_interval = 3;
  for (Compression c : {Compression::kNone, Compression::kSnappyAlways}) {
    o.compression = c;
    const std::string valid = BuildTable(MakeEntries(40, 20), o);
    for (size_t n = 0; n < valid.size(); ++n) {
      auto got = ReadTable(valid.substr(0, n));
      EXPECT_FALSE(got.ok()) << "truncated to " << n;
    }
    int failures = 0;
    for (size_t i = 0; i < valid.size(); ++i) {
      std::string s = valid;
      s[i] ^= 0x21;
      failures += ReadTable(s).ok() ? 0 : 1;
    }
    // Blocks are checksummed; only footer padding and the (unused, empty) metaindex block may
    // flip harmlessly.
    EXPECT_GE(failures, static_cast<int>(valid.size()) - 60);
  }
}

// ---- Real TensorFlow-written index files. ----

uint64_t Varint(const std::string& s, size_t* p) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const uint64_t b = static_cast<unsigned char>(s[(*p)++]);
    v |= (b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
}

// Independent of TableReader: the compression type byte of the first data block.
int FirstDataBlockType(const std::string& s) {
  size_t p = s.size() - 48;
  Varint(s, &p);
  Varint(s, &p);
  const uint64_t index_offset = Varint(s, &p);
  size_t q = static_cast<size_t>(index_offset);
  Varint(s, &q);  // shared
  const uint64_t unshared = Varint(s, &q);
  Varint(s, &q);  // value length
  q += static_cast<size_t>(unshared);
  const uint64_t off = Varint(s, &q);
  const uint64_t size = Varint(s, &q);
  return static_cast<unsigned char>(s[static_cast<size_t>(off + size)]);
}

void CollectIndexFiles(const std::string& dir, std::vector<std::string>* out) {
  auto names = ListDirectory(dir);
  if (!names.ok()) return;
  for (const auto& n : *names) {
    const std::string p = JoinPath(dir, n);
    if (IsDirectory(p)) {
      CollectIndexFiles(p, out);
    } else if (EndsWith(n, ".index")) {
      out->push_back(p);
    }
  }
}

TEST(TableReaderFixtureTest, SnappyCompressedDataBlock) {
  // TF 1.14 (MergeV2Checkpoints) wrote this data block Snappy-compressed (type byte 1).
  const std::string path =
      JoinPath(FixturesDir(), "savedmodels/tfs_half_plus_two_cpu/00000123/variables/variables.index");
  if (!PathExists(path)) GTEST_SKIP() << "fixture not found: " << path << " (set SERVAL_FIXTURES)";
  auto bytes = ReadFileToString(path);
  ASSERT_TRUE(bytes.ok());
  ASSERT_EQ(FirstDataBlockType(*bytes), 1) << "expected this fixture to hold a Snappy block";
  auto got = ReadTable(*bytes, path);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  std::vector<std::string> keys;
  for (const auto& [k, v] : *got) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"", "a", "a2", "b", "c", "c2"}));
}

TEST(TableReaderFixtureTest, EveryFixtureIndexParses) {
  const std::string root = JoinPath(FixturesDir(), "savedmodels");
  if (!IsDirectory(root)) GTEST_SKIP() << "fixtures not found at " << root << " (set SERVAL_FIXTURES)";
  std::vector<std::string> files;
  CollectIndexFiles(root, &files);
  ASSERT_FALSE(files.empty());
  int snappy = 0;
  for (const auto& f : files) {
    SCOPED_TRACE(f);
    auto bytes = ReadFileToString(f);
    ASSERT_TRUE(bytes.ok());
    snappy += FirstDataBlockType(*bytes) == 1 ? 1 : 0;
    auto got = ReadTable(*bytes, f);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_FALSE(got->empty());
    EXPECT_EQ(got->front().first, "") << "the bundle header must be the first key";
  }
  EXPECT_GE(snappy, 1) << "no fixture exercised Snappy decompression";
}

}  // namespace
}  // namespace serval::loader
