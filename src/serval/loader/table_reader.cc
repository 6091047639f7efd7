#include "serval/loader/table_reader.h"

#include <snappy.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "serval/base/strings.h"
#include "serval/loader/crc32c.h"

namespace serval::loader {
namespace {

constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr size_t kFooterSize = 48;
constexpr size_t kMagicSize = 8;
constexpr size_t kBlockTrailerSize = 5;
constexpr uint8_t kNoCompression = 0;
constexpr uint8_t kSnappyCompression = 1;

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

uint32_t DecodeFixed32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | (uint32_t{u[1]} << 8) | (uint32_t{u[2]} << 16) | (uint32_t{u[3]} << 24);
}

uint64_t DecodeFixed64(const char* p) { return uint64_t{DecodeFixed32(p)} | (uint64_t{DecodeFixed32(p + 4)} << 32); }

// Decodes a varint of at most max_bytes bytes from in[*pos, end); false when truncated, too long,
// or (for the last byte) carrying bits beyond `bits`.
bool GetVarint(std::string_view in, size_t* pos, int bits, uint64_t* out) {
  uint64_t result = 0;
  for (int shift = 0; shift < bits; shift += 7) {
    if (*pos >= in.size()) return false;
    const uint64_t byte = static_cast<unsigned char>(in[*pos]);
    ++*pos;
    const int remaining = bits - shift;
    if (remaining < 7 && (byte & 0x7f) >> remaining != 0) return false;  // value overflows
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *out = result;
      return true;
    }
  }
  return false;  // continuation bit set on the last allowed byte
}

bool GetVarint32(std::string_view in, size_t* pos, uint32_t* out) {
  uint64_t v = 0;
  if (!GetVarint(in, pos, 32, &v)) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

bool GetVarint64(std::string_view in, size_t* pos, uint64_t* out) { return GetVarint(in, pos, 64, out); }

}  // namespace

Result<TableReader> TableReader::Open(std::string contents, std::string file_name_for_errors) {
  TableReader t(std::move(contents), std::move(file_name_for_errors));
  const std::string& f = t.file_name_;
  const std::string_view all(t.contents_);
  if (all.size() < kFooterSize) {
    return DataLoss(StrCat("'", f, "': not an SSTable: file is ", all.size(), " bytes, shorter than the ", kFooterSize,
                           "-byte footer"));
  }
  const std::string_view footer = all.substr(all.size() - kFooterSize);
  const uint64_t magic = DecodeFixed64(footer.data() + kFooterSize - kMagicSize);
  if (magic != kTableMagic) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "expected 0x%016llx, found 0x%016llx", static_cast<unsigned long long>(kTableMagic),
                  static_cast<unsigned long long>(magic));
    return DataLoss(StrCat("'", f, "': not an SSTable: bad footer magic number (", buf, ")"));
  }
  const std::string_view handles = footer.substr(0, kFooterSize - kMagicSize);
  size_t pos = 0;
  BlockHandle metaindex, index;
  if (!GetVarint64(handles, &pos, &metaindex.offset) || !GetVarint64(handles, &pos, &metaindex.size) ||
      !GetVarint64(handles, &pos, &index.offset) || !GetVarint64(handles, &pos, &index.size)) {
    return DataLoss(StrCat("'", f, "': corrupt footer: block handles are not valid varints within the first ",
                           kFooterSize - kMagicSize, " bytes"));
  }
  // The metaindex block is empty in TF tables (no filters); only its bounds are checked.
  const uint64_t body = all.size() - kFooterSize;
  for (const auto& [name, h] : {std::pair<const char*, BlockHandle>{"metaindex", metaindex}, {"index", index}}) {
    if (h.offset > body || h.size > body - h.offset || kBlockTrailerSize > body - h.offset - h.size) {
      return DataLoss(StrCat("'", f, "': corrupt footer: ", name, " block handle (offset ", h.offset, ", size ", h.size,
                             " + ", kBlockTrailerSize, "-byte trailer) extends past the end of the table data (", body,
                             " bytes before the footer)"));
    }
  }

  std::string scratch;
  SERVAL_ASSIGN_OR_RETURN(std::string_view index_block, t.ReadBlock(index, "index block", &scratch));
  std::string last_key;
  bool have_last = false;
  auto visit = [&](std::string_view key, std::string_view value) -> Status {
    size_t p = 0;
    BlockHandle h;
    if (!GetVarint64(value, &p, &h.offset) || !GetVarint64(value, &p, &h.size) || p != value.size()) {
      return DataLoss(StrCat("'", f, "': index block entry ", t.index_.size(), " (key ", CEscape(key),
                             "): value is not a block handle (", value.size(), " bytes: two varint64s expected)"));
    }
    if (h.offset > body || h.size > body - h.offset || kBlockTrailerSize > body - h.offset - h.size) {
      return DataLoss(StrCat("'", f, "': index block entry ", t.index_.size(), " (key ", CEscape(key),
                             "): data block handle (offset ", h.offset, ", size ", h.size, " + ", kBlockTrailerSize,
                             "-byte trailer) extends past the end of the table data (", body, " bytes)"));
    }
    t.index_.push_back(IndexEntry{std::string(key), h});
    return Status();
  };
  SERVAL_RETURN_IF_ERROR(t.ParseBlock(index_block, "index block", &last_key, &have_last, visit));
  return t;
}

Result<std::string_view> TableReader::ReadBlock(const BlockHandle& handle, std::string_view what,
                                                std::string* scratch) const {
  // Bounds were checked against the file size when the handle was decoded.
  const char* base = contents_.data() + handle.offset;
  const size_t n = static_cast<size_t>(handle.size);
  const uint8_t type = static_cast<uint8_t>(base[n]);
  const uint32_t stored = DecodeFixed32(base + n + 1);
  const uint32_t actual = crc32c::Value(base, n + 1);
  if (crc32c::Unmask(stored) != actual) {
    return DataLoss(StrCat("'", file_name_, "': ", what, " at offset ", handle.offset, " (size ", handle.size,
                           "): block checksum mismatch: stored masked crc32c ", Hex32(stored), ", computed ",
                           Hex32(crc32c::Mask(actual))));
  }
  const std::string_view raw(base, n);
  if (type == kNoCompression) return raw;
  if (type != kSnappyCompression) {
    return DataLoss(StrCat("'", file_name_, "': ", what, " at offset ", handle.offset,
                           ": unknown block compression type ", static_cast<int>(type),
                           " (expected 0 = none or 1 = Snappy)"));
  }
  size_t ulen = 0;
  if (!snappy::GetUncompressedLength(raw.data(), raw.size(), &ulen)) {
    return DataLoss(StrCat("'", file_name_, "': ", what, " at offset ", handle.offset,
                           ": corrupt Snappy block: cannot read the uncompressed length"));
  }
  // Snappy expands at most ~22x (a 3-byte copy tag yields 64 bytes); anything more is corrupt.
  const uint64_t plausible = uint64_t{raw.size()} * 32 + 64;
  if (ulen > kMaxUncompressedBlockBytes || ulen > plausible) {
    return DataLoss(StrCat("'", file_name_, "': ", what, " at offset ", handle.offset,
                           ": corrupt Snappy block: claims ", ulen, " uncompressed bytes from ", raw.size(),
                           " compressed (limit ", std::min<uint64_t>(plausible, kMaxUncompressedBlockBytes), ")"));
  }
  scratch->resize(ulen);
  if (!snappy::RawUncompress(raw.data(), raw.size(), scratch->data())) {
    return DataLoss(StrCat("'", file_name_, "': ", what, " at offset ", handle.offset,
                           ": corrupt Snappy block: decompression failed (", raw.size(), " compressed bytes, ", ulen,
                           " expected)"));
  }
  return std::string_view(*scratch);
}

Status TableReader::ParseBlock(std::string_view block, std::string_view what, std::string* last_key, bool* have_last,
                               const Visitor& fn) const {
  auto err = [&](uint64_t at, std::string msg) {
    return DataLoss(
        StrCat("'", file_name_, "': ", what, " (", block.size(), " bytes) at block offset ", at, ": ", msg));
  };
  if (block.size() < 4) return err(0, StrCat("block is ", block.size(), " bytes, too short for a restart count"));
  const uint64_t num_restarts = DecodeFixed32(block.data() + block.size() - 4);
  const uint64_t max_restarts = (block.size() - 4) / 4;
  if (num_restarts == 0 || num_restarts > max_restarts) {
    return err(block.size() - 4,
               StrCat("restart count ", num_restarts, " is out of range (1..", max_restarts, " fit in the block)"));
  }
  const uint64_t data_end = block.size() - 4 - num_restarts * 4;
  const char* restarts = block.data() + data_end;
  uint64_t prev_restart = 0;
  for (uint64_t i = 0; i < num_restarts; ++i) {
    const uint64_t r = DecodeFixed32(restarts + 4 * i);
    if ((i == 0 && r != 0) || (i > 0 && r <= prev_restart) || r > data_end) {
      return err(data_end + 4 * i, StrCat("restart point ", i, " has offset ", r, "; expected ",
                                          i == 0 ? std::string("0") : StrCat("> ", prev_restart), " and <= ", data_end,
                                          " (the entry area size)"));
    }
    prev_restart = r;
  }

  const std::string_view entries = block.substr(0, data_end);
  std::string key;
  uint64_t next_restart = 0;  // index into the restart array
  size_t pos = 0;
  uint64_t entry_index = 0;
  while (pos < entries.size()) {
    const size_t entry_start = pos;
    const bool at_restart = next_restart < num_restarts && DecodeFixed32(restarts + 4 * next_restart) == entry_start;
    if (next_restart < num_restarts && DecodeFixed32(restarts + 4 * next_restart) < entry_start) {
      return err(entry_start, StrCat("restart point ", next_restart, " (offset ",
                                     DecodeFixed32(restarts + 4 * next_restart), ") is not at an entry boundary"));
    }
    uint32_t shared = 0, unshared = 0, value_len = 0;
    if (!GetVarint32(entries, &pos, &shared) || !GetVarint32(entries, &pos, &unshared) ||
        !GetVarint32(entries, &pos, &value_len)) {
      return err(entry_start, StrCat("entry ", entry_index, ": truncated or invalid length varints"));
    }
    if (shared > key.size()) {
      return err(entry_start, StrCat("entry ", entry_index, ": shares ", shared,
                                     " key bytes with the previous key, which has only ", key.size()));
    }
    if (at_restart && shared != 0) {
      return err(entry_start, StrCat("entry ", entry_index, " is at restart point ", next_restart, " but shares ",
                                     shared, " key bytes (expected 0)"));
    }
    const uint64_t remaining = entries.size() - pos;
    if (uint64_t{unshared} + uint64_t{value_len} > remaining) {
      return err(entry_start, StrCat("entry ", entry_index, ": key delta (", unshared, " bytes) + value (", value_len,
                                     " bytes) extend past the end of the entry area (", remaining, " bytes left)"));
    }
    key.resize(shared);
    key.append(entries.data() + pos, unshared);
    pos += unshared;
    const std::string_view value = entries.substr(pos, value_len);
    pos += value_len;
    if (at_restart) ++next_restart;
    if (*have_last && !(std::string_view(key) > std::string_view(*last_key))) {
      return DataLoss(StrCat("'", file_name_, "': ", what, ": key ", CEscape(key),
                             " does not sort after the previous key ", CEscape(*last_key),
                             " (keys must be strictly increasing; ",
                             key == *last_key ? "duplicate key)" : "out of order)"));
    }
    *last_key = key;
    *have_last = true;
    SERVAL_RETURN_IF_ERROR(fn(key, value));
    ++entry_index;
  }
  // Restart points past the last entry are allowed only at the very end (an empty block has one at 0).
  for (; next_restart < num_restarts; ++next_restart) {
    if (DecodeFixed32(restarts + 4 * next_restart) != data_end) {
      return err(data_end, StrCat("restart point ", next_restart, " (offset ",
                                  DecodeFixed32(restarts + 4 * next_restart), ") is not at an entry boundary"));
    }
  }
  return Status();
}

Status TableReader::ForEach(const Visitor& fn) const {
  std::string last_key;
  bool have_last = false;
  std::string scratch;
  for (size_t i = 0; i < index_.size(); ++i) {
    const IndexEntry& ie = index_[i];
    const std::string what = StrCat("data block ", i);
    SERVAL_ASSIGN_OR_RETURN(std::string_view block, ReadBlock(ie.handle, what, &scratch));
    // A lookup finds block i for keys in (separator[i-1], separator[i]]; keys outside that range
    // would be unreachable, so the table is corrupt.
    auto check = [&](std::string_view key, std::string_view value) -> Status {
      if (key > std::string_view(ie.separator)) {
        return DataLoss(StrCat("'", file_name_, "': ", what, ": key ", CEscape(key),
                               " sorts after the block's index key ", CEscape(ie.separator)));
      }
      if (i > 0 && key <= std::string_view(index_[i - 1].separator)) {
        return DataLoss(StrCat("'", file_name_, "': ", what, ": key ", CEscape(key),
                               " does not sort after the previous block's index key ",
                               CEscape(index_[i - 1].separator)));
      }
      return fn(key, value);
    };
    SERVAL_RETURN_IF_ERROR(ParseBlock(block, what, &last_key, &have_last, check));
  }
  return Status();
}

Result<std::vector<std::pair<std::string, std::string>>> TableReader::ReadAll() const {
  std::vector<std::pair<std::string, std::string>> out;
  SERVAL_RETURN_IF_ERROR(ForEach([&](std::string_view k, std::string_view v) {
    out.emplace_back(std::string(k), std::string(v));
    return Status();
  }));
  return out;
}

}  // namespace serval::loader
