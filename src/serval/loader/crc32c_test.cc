#include "serval/loader/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace serval::loader::crc32c {
namespace {

TEST(Crc32cTest, StandardCheckValue) { EXPECT_EQ(Value("123456789"), 0xE3069283u); }

TEST(Crc32cTest, Rfc3720Vectors) {
  std::string buf(32, '\0');
  EXPECT_EQ(Value(buf), 0x8a9136aau);
  buf.assign(32, '\xff');
  EXPECT_EQ(Value(buf), 0x62a8ab43u);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(i);
  EXPECT_EQ(Value(buf), 0x46dd794eu);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(31 - i);
  EXPECT_EQ(Value(buf), 0x113fdb5cu);
}

TEST(Crc32cTest, SpecFloatVectorAndMask) {
  // The bytes of 0.5f; the masked value is what TF stored for variable `a` (serving-spec §4.4).
  const char half[] = {0x00, 0x00, 0x00, 0x3f};
  EXPECT_EQ(Value(half, 4), 0x26973e52u);
  EXPECT_EQ(Mask(0x26973e52u), 0x1f273806u);
  EXPECT_EQ(Unmask(0x1f273806u), 0x26973e52u);
}

TEST(Crc32cTest, EmptyInput) {
  EXPECT_EQ(Value("", 0), 0u);
  EXPECT_EQ(Extend(0x12345678u, "", 0), 0x12345678u);
}

TEST(Crc32cTest, MaskRoundTripsAndChangesValue) {
  for (uint32_t v : {0u, 1u, 0x26973e52u, 0xffffffffu, 0x80000000u}) {
    EXPECT_EQ(Unmask(Mask(v)), v);
    EXPECT_NE(Mask(v), v);
    EXPECT_NE(Mask(Mask(v)), Mask(v));
  }
}

TEST(Crc32cTest, ExtendMatchesWholeAndPortableMatchesHardware) {
  std::string data(1000, '\0');
  uint32_t x = 12345;
  for (auto& c : data) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 16);
  }
  // Every start alignment and many lengths, split at every third point.
  for (size_t start = 0; start < 9; ++start) {
    for (size_t len = 0; len + start <= data.size(); len += 37) {
      const char* p = data.data() + start;
      const uint32_t whole = Value(p, len);
      EXPECT_EQ(ExtendPortable(0, p, len), whole) << "start " << start << " len " << len;
      const size_t split = len / 3;
      EXPECT_EQ(Extend(Value(p, split), p + split, len - split), whole);
    }
  }
  SUCCEED() << (UsesHardware() ? "using SSE4.2" : "using the table fallback");
}

}  // namespace
}  // namespace serval::loader::crc32c
