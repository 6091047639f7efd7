#include "serval/loader/tfrecord.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "serval/base/file.h"
#include "serval/loader/crc32c.h"

namespace serval::loader {
namespace {

std::vector<std::string> ReadAll(std::string_view bytes, Status* error) {
  TFRecordReader reader(bytes, "warm.tfrecord");
  std::vector<std::string> out;
  std::string_view rec;
  while (true) {
    auto more = reader.Next(&rec);
    if (!more.ok()) {
      *error = more.status();
      return out;
    }
    if (!*more) break;
    out.emplace_back(rec);
  }
  *error = Status::Ok();
  return out;
}

TEST(TFRecordTest, FramingMatchesTheFormatByteForByte) {
  // Built by hand from the format: LE length, masked crc of those 8 bytes, data, masked crc of data.
  std::string out;
  AppendTFRecord("abc", &out);
  ASSERT_EQ(out.size(), 8u + 4 + 3 + 4);
  EXPECT_EQ(out.substr(0, 8), std::string("\x03\0\0\0\0\0\0\0", 8));
  auto fixed32 = [&](size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(out[at + i])} << (8 * i);
    return v;
  };
  EXPECT_EQ(fixed32(8), crc32c::Mask(crc32c::Value(std::string("\x03\0\0\0\0\0\0\0", 8))));
  EXPECT_EQ(out.substr(12, 3), "abc");
  EXPECT_EQ(fixed32(15), crc32c::Mask(crc32c::Value("abc")));
}

TEST(TFRecordTest, RoundTripIncludingEmptyAndBinaryRecords) {
  const std::vector<std::string> records = {"first", "", std::string("\0\xff\x01zz", 5), std::string(70000, 'x')};
  std::string bytes;
  for (const auto& r : records) AppendTFRecord(r, &bytes);
  Status error;
  EXPECT_EQ(ReadAll(bytes, &error), records);
  EXPECT_TRUE(error.ok()) << error.message();
  EXPECT_TRUE(ReadAll("", &error).empty());
  EXPECT_TRUE(error.ok());
}

TEST(TFRecordTest, FileRoundTripAndRecordLimit) {
  char tmpl[] = "/tmp/serval-tfrecord-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/records";
  ASSERT_TRUE(WriteTFRecordFile(path, {"a", "bb", "ccc"}).ok());
  auto read = ReadTFRecordFile(path, 3);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, (std::vector<std::string>{"a", "bb", "ccc"}));
  auto limited = ReadTFRecordFile(path, 2);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(limited.status().message().find(path), std::string::npos);
  ::unlink(path.c_str());
  ::rmdir(tmpl);
}

TEST(TFRecordTest, TruncatedRecordNamesFileAndIndex) {
  std::string bytes;
  AppendTFRecord("one", &bytes);
  AppendTFRecord("second record", &bytes);
  const size_t first = 8 + 4 + 3 + 4;
  // Cut inside the second record's data, inside its crc, and inside its header.
  for (size_t cut : {first + 12 + 5, bytes.size() - 1, first + 6}) {
    Status error;
    auto got = ReadAll(std::string_view(bytes).substr(0, cut), &error);
    EXPECT_EQ(got, std::vector<std::string>{"one"}) << "cut " << cut;
    ASSERT_FALSE(error.ok()) << "cut " << cut;
    EXPECT_EQ(error.code(), StatusCode::kDataLoss);
    EXPECT_NE(error.message().find("warm.tfrecord: record 1"), std::string::npos) << error.message();
    EXPECT_NE(error.message().find("truncated"), std::string::npos) << error.message();
  }
}

TEST(TFRecordTest, BadLengthCrc) {
  std::string bytes;
  AppendTFRecord("one", &bytes);
  bytes[9] ^= 0x01;  // a byte of the length's crc
  Status error;
  EXPECT_TRUE(ReadAll(bytes, &error).empty());
  EXPECT_EQ(error.code(), StatusCode::kDataLoss);
  EXPECT_NE(error.message().find("warm.tfrecord: record 0"), std::string::npos) << error.message();
  EXPECT_NE(error.message().find("length crc mismatch"), std::string::npos) << error.message();
}

TEST(TFRecordTest, CorruptLengthIsCaughtByItsCrcBeforeAnyRead) {
  std::string bytes;
  AppendTFRecord("one", &bytes);
  bytes[7] = '\x7f';  // length now ~2^62; the crc no longer matches
  Status error;
  EXPECT_TRUE(ReadAll(bytes, &error).empty());
  EXPECT_NE(error.message().find("length crc mismatch"), std::string::npos) << error.message();
}

TEST(TFRecordTest, HugeLengthWithValidCrcIsTruncationNotOverflow) {
  std::string header(8, '\xff');  // length 2^64-1
  std::string bytes = header;
  const uint32_t masked = crc32c::Mask(crc32c::Value(header));
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((masked >> (8 * i)) & 0xff));
  bytes += "data";
  Status error;
  EXPECT_TRUE(ReadAll(bytes, &error).empty());
  EXPECT_EQ(error.code(), StatusCode::kDataLoss);
  EXPECT_NE(error.message().find("truncated"), std::string::npos) << error.message();
}

TEST(TFRecordTest, BadDataCrc) {
  std::string bytes;
  AppendTFRecord("one", &bytes);
  AppendTFRecord("two", &bytes);
  AppendTFRecord("three", &bytes);
  bytes[2 * 19 + 12 + 1] ^= 0x20;  // a data byte of record 2
  Status error;
  EXPECT_EQ(ReadAll(bytes, &error), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(error.code(), StatusCode::kDataLoss);
  EXPECT_NE(error.message().find("warm.tfrecord: record 2"), std::string::npos) << error.message();
  EXPECT_NE(error.message().find("data crc mismatch"), std::string::npos) << error.message();
}

}  // namespace
}  // namespace serval::loader
