// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as used by LevelDB tables, TFRecord and
// TensorFlow tensor bundles, plus the LevelDB/TF "mask" applied to stored checksums (a CRC of data
// that itself contains CRCs is otherwise weak). Uses the SSE4.2 crc32 instruction when the CPU has
// it (checked once at run time), else a slicing-by-8 table. Thread-safe; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace serval::loader::crc32c {

// Returns the crc32c of concat(A, data[0, n)) where init_crc is the crc32c of some string A.
// Extend(0, data, n) is the crc32c of data.
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);

inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

inline constexpr uint32_t kMaskDelta = 0xa282ead8u;

// Rotate right by 15 bits, then add a constant.
inline constexpr uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }

inline constexpr uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// For tests: true when Extend uses the SSE4.2 instruction; ExtendPortable is the table fallback.
bool UsesHardware();
uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n);

}  // namespace serval::loader::crc32c
