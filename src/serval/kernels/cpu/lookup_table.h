// LookupTable: the object behind HashTableV2 / MutableHashTableV2 resource handles. Keys are
// stored as byte strings (string keys as-is, numbers as their bytes), values in one typed column.
// Thread-safe: lookups take a shared lock, initialisation and inserts an exclusive one.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "serval/base/status.h"
#include "serval/tensor/tensor.h"

namespace serval::kernels::cpu {

class LookupTable : public Object {
 public:
  LookupTable(DataType key_dtype, DataType value_dtype, bool is_mutable, std::string name)
      : key_dtype_(key_dtype), value_dtype_(value_dtype), mutable_(is_mutable), name_(std::move(name)) {}

  DataType key_dtype() const { return key_dtype_; }
  DataType value_dtype() const { return value_dtype_; }
  bool is_mutable() const { return mutable_; }
  const std::string& name() const { return name_; }
  std::string DebugString() const override;

  // Checks the dtypes a kernel expects (TF: "Conflicting key/value dtypes ...").
  Status CheckDtypes(DataType key, DataType value) const;
  // HashTable initialisation (InitializeTableV2, text files, ImportV2 on a HashTable): succeeds
  // once; re-initialising with the same entries is a no-op, with different ones FailedPrecondition.
  // keys/values are flat columns of equal length.
  Status Initialize(const Tensor& keys, const Tensor& values);
  // MutableHashTable: Insert overwrites; Import replaces all entries.
  Status Insert(const Tensor& keys, const Tensor& values);
  Status Import(const Tensor& keys, const Tensor& values);
  // out[i] = table[keys[i]] or default (scalar, or one per key when per_key_default).
  Status Find(const Tensor& keys, const Tensor& dflt, Tensor& out) const;
  int64_t size() const;
  bool initialized() const;
  // Flat copies of the entries (LookupTableExportV2), in unspecified order.
  void Export(Tensor* keys, Tensor* values) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Map = std::unordered_map<std::string, int64_t, Hash, std::equal_to<>>;

  // Builds entries into map/cols without touching the table; TF's duplicate-key rule applies.
  Status Build(const Tensor& keys, const Tensor& values, Map& map, std::vector<std::string>& str_vals,
               std::vector<char>& raw_vals, bool overwrite) const;
  std::string_view KeyBytes(const Tensor& keys, int64_t i, char (&buf)[8]) const;
  bool SameValue(int64_t row, const Tensor& values, int64_t i) const;
  std::string ValueString(const Tensor& values, int64_t i) const;

  const DataType key_dtype_, value_dtype_;
  const bool mutable_;
  const std::string name_;
  mutable std::shared_mutex mu_;
  bool initialized_ = false;
  Map map_;
  std::vector<std::string> str_vals_;  // value_dtype == string
  std::vector<char> raw_vals_;         // fixed-size values, DataTypeSize bytes each
};

}  // namespace serval::kernels::cpu
