// TableReader: reads a LevelDB-style SSTable as written by TensorFlow's lib/io/table (the
// `variables.index` file of a tensor bundle), held whole in memory. Layout (serving-spec §4.4):
// data blocks, metaindex block, index block, each followed by a 5-byte trailer (compression type
// 0 = none / 1 = Snappy, masked CRC32C of contents + type), then a 48-byte footer ending in the
// magic 0xdb4775248b80fb57.
//
// Nothing in the file is trusted: every varint, length, offset, restart array and checksum is
// checked, keys must be strictly increasing across the whole table, and every error is a Status
// naming the file, the block or key, and what was expected vs found. Immutable after Open.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "serval/base/status.h"

namespace serval::loader {

// Decoded upper bound for one block: TF writes 256 KiB blocks, but one entry may exceed a block.
inline constexpr uint64_t kMaxUncompressedBlockBytes = uint64_t{1} << 30;

class TableReader {
 public:
  // Parses and checks the footer and the index block. Data blocks are checked when visited.
  static Result<TableReader> Open(std::string contents, std::string file_name_for_errors);

  // Calls fn(key, value) for every entry of every data block, in key order. The views are valid
  // only during the call. Stops at the first error (from the table or returned by fn).
  using Visitor = std::function<Status(std::string_view key, std::string_view value)>;
  Status ForEach(const Visitor& fn) const;

  // All entries, in key order.
  Result<std::vector<std::pair<std::string, std::string>>> ReadAll() const;

  const std::string& file_name() const { return file_name_; }
  uint64_t num_data_blocks() const { return index_.size(); }

 private:
  struct BlockHandle {
    uint64_t offset = 0;
    uint64_t size = 0;
  };
  struct IndexEntry {
    std::string separator;
    BlockHandle handle;
  };

  TableReader(std::string contents, std::string file_name)
      : contents_(std::move(contents)), file_name_(std::move(file_name)) {}

  // Verifies the trailer and returns the (decompressed) contents; `scratch` owns decompressed bytes.
  Result<std::string_view> ReadBlock(const BlockHandle& handle, std::string_view what, std::string* scratch) const;
  // Iterates the entries of one decoded block. `last_key` carries ordering across blocks.
  Status ParseBlock(std::string_view block, std::string_view what, std::string* last_key, bool* have_last,
                    const Visitor& fn) const;

  std::string contents_;
  std::string file_name_;
  std::vector<IndexEntry> index_;
};

}  // namespace serval::loader
