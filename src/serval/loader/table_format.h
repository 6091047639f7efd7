// Encoding pieces of the LevelDB-style SSTable format (TF lib/io/table, serving-spec §4.4) that
// TableWriter writes, shared with the test-only builders in testing/table_builder.h (which also
// use them to assemble deliberately invalid tables). TableReader has the matching decoders.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "serval/loader/crc32c.h"

namespace serval::loader::table_format {

inline constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
inline constexpr size_t kFooterHandlesSize = 40;  // two varint handles, zero-padded

inline void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
inline void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
inline void PutVarint64(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
  std::string Encode() const {
    std::string s;
    PutVarint64(&s, offset);
    PutVarint64(&s, size);
    return s;
  }
};

// Block contents: prefix-compressed entries, restart array, restart count. Entries are written in
// the order given (no ordering check).
inline std::string BuildBlock(const std::vector<std::pair<std::string, std::string>>& entries,
                              int restart_interval = 16) {
  std::string out;
  std::vector<uint32_t> restarts{0};
  std::string_view last;
  int counter = 0;
  for (const auto& [key, value] : entries) {
    size_t shared = 0;
    if (counter < restart_interval) {
      while (shared < last.size() && shared < key.size() && last[shared] == key[shared]) ++shared;
    } else {
      restarts.push_back(static_cast<uint32_t>(out.size()));
      counter = 0;
    }
    PutVarint64(&out, shared);
    PutVarint64(&out, key.size() - shared);
    PutVarint64(&out, value.size());
    out.append(key, shared, std::string::npos);
    out.append(value);
    last = key;
    ++counter;
  }
  for (uint32_t r : restarts) PutFixed32(&out, r);
  PutFixed32(&out, static_cast<uint32_t>(restarts.size()));
  return out;
}

// Appends contents + [type][masked crc32c(contents + type)] to *file; returns the block's handle.
inline BlockHandle AppendBlock(std::string* file, std::string_view contents, uint8_t type) {
  BlockHandle h{file->size(), contents.size()};
  file->append(contents);
  file->push_back(static_cast<char>(type));
  PutFixed32(file, crc32c::Mask(crc32c::Value(file->data() + h.offset, contents.size() + 1)));
  return h;
}

// The 48-byte footer: metaindex and index handles, padding, magic.
inline std::string EncodeFooter(const BlockHandle& metaindex, const BlockHandle& index) {
  std::string footer = metaindex.Encode() + index.Encode();
  footer.resize(kFooterHandlesSize, '\0');
  PutFixed64(&footer, kTableMagic);
  return footer;
}

}  // namespace serval::loader::table_format
