// BundleReader: reads a TensorFlow V2 checkpoint (tensor bundle): `<prefix>.index`, an SSTable of
// BundleEntryProtos (see table_reader.h), and `<prefix>.data-NNNNN-of-MMMMM` shards, which are
// memory-mapped. Every read verifies the entry's masked CRC32C and bounds. Errors name the file,
// the key and what is wrong. Immutable after Open: safe to use from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "serval/base/status.h"
#include "serval/tensor/shape.h"
#include "serval/tensor/tensor.h"

namespace serval::loader {

struct BundleEntryInfo {
  DataType dtype = DataType::kInvalid;
  TensorShape shape;
  int32_t shard_id = 0;
  int64_t offset = 0;
  int64_t size = 0;
  bool sliced = false;  // a partitioned variable (slices present); Read() rejects these
};

class BundleReader {
 public:
  // prefix: e.g. "<export_dir>/variables/variables".
  static Result<std::unique_ptr<BundleReader>> Open(const std::string& prefix);
  ~BundleReader();

  // Sorted keys of all tensor entries (the header entry "" excluded).
  const std::vector<std::string>& keys() const;
  bool Contains(const std::string& key) const;
  Result<BundleEntryInfo> GetInfo(const std::string& key) const;
  // Reads and CRC-checks the tensor, into a fresh (aligned, owned) Tensor.
  Result<Tensor> Read(const std::string& key) const;

 private:
  struct Impl;
  explicit BundleReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace serval::loader
