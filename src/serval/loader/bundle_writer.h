// BundleWriter: writes a TensorFlow V2 checkpoint (tensor bundle) that BundleReader and TF's own
// reader accept: `<prefix>.index`, an SSTable (TF lib/io/table layout, serving-spec §4.4) whose
// first entry (key "") is a BundleHeaderProto followed by one BundleEntryProto per tensor in
// bytewise key order, and one data shard `<prefix>.data-00000-of-00001` holding the tensor bytes
// (fixed-size dtypes raw little-endian; DT_STRING in the varint-lengths + masked-crc + bytes layout).
// Each entry carries the masked CRC32C of its stored bytes. Data blocks are Snappy-compressed when
// that saves at least 12.5%, as TF's table builder does (optional). Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "serval/base/status.h"
#include "serval/tensor/tensor.h"

namespace serval::loader {

// A LevelDB-style SSTable writer (the format TableReader reads). Keys must be added in strictly
// increasing bytewise order.
class TableWriter {
 public:
  struct Options {
    int restart_interval = 16;        // TF's default
    size_t block_size = 256 * 1024;   // TF's default
    bool snappy = true;               // compress data blocks when it saves >= 12.5%
  };
  TableWriter() : TableWriter(Options{}) {}
  explicit TableWriter(Options options) : options_(options) {}

  Status Add(std::string_view key, std::string_view value);
  // Returns the whole file: data blocks, empty metaindex block, index block, footer.
  std::string Finish();

 private:
  void FlushBlock();

  Options options_;
  std::string file_;
  std::vector<std::pair<std::string, std::string>> pending_;
  size_t pending_bytes_ = 0;
  std::vector<std::pair<std::string, std::string>> index_;
  std::string last_key_;
  bool have_last_ = false;
};

class BundleWriter {
 public:
  struct Options {
    bool snappy = true;  // Snappy data blocks in the index file (TF's merged checkpoints have them)
  };
  // prefix: e.g. "<export_dir>/variables/variables".
  explicit BundleWriter(std::string prefix) : BundleWriter(std::move(prefix), Options{}) {}
  BundleWriter(std::string prefix, Options options) : prefix_(std::move(prefix)), options_(options) {}

  // Adds a tensor under `key` (any order; duplicates and the empty key are errors). Fixed-size
  // dtypes and DT_STRING are supported; DT_RESOURCE / DT_VARIANT are not saved by TF either.
  Status Add(const std::string& key, const Tensor& tensor);
  // Adds a scalar DT_STRING (e.g. `_CHECKPOINTABLE_OBJECT_GRAPH`).
  Status AddString(const std::string& key, std::string value);

  // Writes `<prefix>.index` and `<prefix>.data-00000-of-00001` (parent folder must exist).
  Status Finish();

  // The file contents Finish writes, for tests.
  std::string IndexBytes() const;
  const std::string& data() const { return data_; }

 private:
  struct Entry {
    DataType dtype;
    std::vector<int64_t> dims;
    int64_t offset;
    int64_t size;
    uint32_t masked_crc;
  };

  std::string prefix_;
  Options options_;
  std::string data_;
  std::map<std::string, Entry> entries_;
  bool finished_ = false;
};

// Writes bytes to a file (truncating). Error names the path.
Status WriteStringToFile(const std::string& path, std::string_view bytes);

}  // namespace serval::loader
