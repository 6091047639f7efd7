// Tests-only writers for SSTables and tensor bundles, so tests and fuzz seeds can build valid
// files and then corrupt them precisely. Header-only (users link serval_loader). They do what
// TensorFlow's lib/io/table and BundleWriter do, without their checks: keys are written in the order
// given, so tests can build invalid tables on purpose.
#pragma once

#include <snappy.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "serval/loader/crc32c.h"
#include "serval/loader/table_format.h"
#include "serval/tensor/dtype.h"
#include "tensorflow/core/protobuf/tensor_bundle.pb.h"

namespace serval::loader::testing {

// The format primitives are TableWriter's own (serval/loader/table_format.h); this header adds
// only what TableWriter must not do (unordered keys, forced compression, raw blocks).
using table_format::BuildBlock;  // BuildBlock(entries, restart_interval = 16)
using table_format::PutFixed32;
using table_format::PutFixed64;
using table_format::PutVarint64;
using Handle = table_format::BlockHandle;

// Appends blocks with trailers and finally the footer.
class RawTableWriter {
 public:
  // Appends contents + [type][masked crc32c(contents + type)]; returns the block's handle.
  Handle AppendBlock(std::string_view contents, uint8_t type) {
    return table_format::AppendBlock(&bytes_, contents, type);
  }
  std::string Finish(const Handle& metaindex, const Handle& index) {
    return bytes_ + table_format::EncodeFooter(metaindex, index);
  }
  size_t size() const { return bytes_.size(); }

 private:
  std::string bytes_;
};

enum class Compression { kNone, kSnappy /* when it saves >= 12.5%, as TF */, kSnappyAlways };

struct TableOptions {
  int restart_interval = 16;
  size_t block_size = 256 * 1024;
  Compression compression = Compression::kNone;
};

// A TF-like table writer. The index separator of each block is its last key (valid, not shortened).
class TestTableBuilder {
 public:
  explicit TestTableBuilder(TableOptions options = {}) : options_(options) {}

  void Add(std::string key, std::string value) {
    pending_bytes_ += key.size() + value.size() + 8;
    pending_.emplace_back(std::move(key), std::move(value));
    if (pending_bytes_ >= options_.block_size) Flush();
  }

  std::string Finish() {
    Flush();
    const Handle meta = writer_.AppendBlock(BuildBlock({}), 0);
    const Handle index = writer_.AppendBlock(BuildBlock(index_entries_, 1), 0);
    return writer_.Finish(meta, index);
  }

 private:
  void Flush() {
    if (pending_.empty()) return;
    const std::string raw = BuildBlock(pending_, options_.restart_interval);
    Handle h;
    std::string compressed;
    if (options_.compression != Compression::kNone) snappy::Compress(raw.data(), raw.size(), &compressed);
    if (options_.compression == Compression::kSnappyAlways ||
        (options_.compression == Compression::kSnappy && compressed.size() < raw.size() - raw.size() / 8)) {
      h = writer_.AppendBlock(compressed, 1);
    } else {
      h = writer_.AppendBlock(raw, 0);
    }
    index_entries_.emplace_back(pending_.back().first, h.Encode());
    pending_.clear();
    pending_bytes_ = 0;
  }

  TableOptions options_;
  RawTableWriter writer_;
  std::vector<std::pair<std::string, std::string>> pending_;
  size_t pending_bytes_ = 0;
  std::vector<std::pair<std::string, std::string>> index_entries_;
};

// Builds a tensor bundle (index + data shards) the way TF's BundleWriter lays it out.
class TestBundleBuilder {
 public:
  TestBundleBuilder() {
    header_.set_num_shards(1);
    header_.mutable_version()->set_producer(1);
    data_.resize(1);
  }

  tensorflow::BundleHeaderProto& header() { return header_; }
  std::string& data(size_t shard = 0) {
    if (shard >= data_.size()) data_.resize(shard + 1);
    return data_[shard];
  }
  std::map<std::string, tensorflow::BundleEntryProto>& entries() { return entries_; }
  tensorflow::BundleEntryProto& entry(const std::string& key) { return entries_.at(key); }
  void set_write_header(bool w) { write_header_ = w; }
  void set_table_options(TableOptions o) { table_options_ = o; }

  // Appends raw little-endian bytes for a fixed-size tensor to shard 0, with a correct entry.
  tensorflow::BundleEntryProto& AddRaw(const std::string& key, DataType dtype, const std::vector<int64_t>& dims,
                                       std::string_view bytes) {
    tensorflow::BundleEntryProto e;
    e.set_dtype(static_cast<tensorflow::DataType>(dtype));
    for (int64_t d : dims) e.mutable_shape()->add_dim()->set_size(d);
    e.set_shard_id(0);
    e.set_offset(static_cast<int64_t>(data_[0].size()));
    e.set_size(static_cast<int64_t>(bytes.size()));
    e.set_crc32c(crc32c::Mask(crc32c::Value(bytes.data(), bytes.size())));
    data_[0].append(bytes);
    return entries_[key] = e;
  }

  template <typename T>
  tensorflow::BundleEntryProto& Add(const std::string& key, DataType dtype, const std::vector<int64_t>& dims,
                                    const std::vector<T>& values) {
    return AddRaw(key, dtype, dims,
                  std::string_view(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)));
  }

  // DT_STRING layout of serving-spec §4.4.
  tensorflow::BundleEntryProto& AddStrings(const std::string& key, const std::vector<int64_t>& dims,
                                           const std::vector<std::string>& values) {
    std::string bytes;
    uint32_t crc = 0;
    for (const auto& s : values) {
      PutVarint64(&bytes, s.size());
      std::string w;
      PutFixed32(&w, static_cast<uint32_t>(s.size()));
      crc = crc32c::Extend(crc, w.data(), w.size());
    }
    std::string stored;
    PutFixed32(&stored, crc32c::Mask(crc));
    bytes += stored;
    crc = crc32c::Extend(crc, stored.data(), 4);
    for (const auto& s : values) {
      bytes += s;
      crc = crc32c::Extend(crc, s.data(), s.size());
    }
    tensorflow::BundleEntryProto& e = AddRaw(key, DataType::kString, dims, bytes);
    e.set_crc32c(crc32c::Mask(crc));
    return e;
  }

  std::string IndexBytes() const {
    TestTableBuilder tb(table_options_);
    if (write_header_) tb.Add("", header_.SerializeAsString());
    for (const auto& [key, e] : entries_) tb.Add(key, e.SerializeAsString());
    return tb.Finish();
  }

  static std::string ShardName(size_t shard, int num_shards) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), ".data-%05d-of-%05d", static_cast<int>(shard), num_shards);
    return buf;
  }

  // Writes <prefix>.index and one data file per shard buffer (named with header().num_shards()).
  // Returns false on an I/O error.
  bool WriteTo(const std::string& prefix, bool write_data = true) const {
    if (!WriteFile(prefix + ".index", IndexBytes())) return false;
    if (!write_data) return true;
    const int n = header_.num_shards() > 0 ? header_.num_shards() : 1;
    for (size_t i = 0; i < data_.size(); ++i) {
      if (!WriteFile(prefix + ShardName(i, n), data_[i])) return false;
    }
    return true;
  }

  static bool WriteFile(const std::string& path, std::string_view bytes) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return std::fclose(f) == 0 && ok;
  }

 private:
  tensorflow::BundleHeaderProto header_;
  std::map<std::string, tensorflow::BundleEntryProto> entries_;
  std::vector<std::string> data_;
  bool write_header_ = true;
  TableOptions table_options_;
};

// A fresh directory under $TMPDIR (or /tmp); empty string on failure.
inline std::string MakeTempDir(const char* tag) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + tag + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  return ::mkdtemp(buf.data()) ? std::string(buf.data()) : std::string();
}

}  // namespace serval::loader::testing
