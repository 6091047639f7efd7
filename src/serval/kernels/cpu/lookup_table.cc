#include "serval/kernels/cpu/lookup_table.h"

#include <cstring>
#include <mutex>

#include "serval/base/strings.h"

namespace serval::kernels::cpu {

std::string LookupTable::DebugString() const {
  return StrCat(mutable_ ? "MutableHashTable" : "HashTable", "<", DataTypeShortName(key_dtype_), ",",
                DataTypeShortName(value_dtype_), ">(", name_, ")");
}

Status LookupTable::CheckDtypes(DataType key, DataType value) const {
  if (key != key_dtype_ || value != value_dtype_) {
    return InvalidArgument(StrCat("Conflicting key/value dtypes ", DataTypeName(key), "->", DataTypeName(value),
                                  " with ", DataTypeName(key_dtype_), "-", DataTypeName(value_dtype_),
                                  " for table ", name_));
  }
  return Status::Ok();
}

std::string_view LookupTable::KeyBytes(const Tensor& keys, int64_t i, char (&buf)[8]) const {
  const size_t k = static_cast<size_t>(i);
  switch (key_dtype_) {
    case DataType::kString:
      return keys.flat<std::string>()[k];
    case DataType::kInt32: {
      int64_t v = keys.flat<int32_t>()[k];
      std::memcpy(buf, &v, 8);
      return {buf, 8};
    }
    case DataType::kInt64:
      std::memcpy(buf, &keys.flat<int64_t>()[k], 8);
      return {buf, 8};
    case DataType::kFloat: {
      double v = keys.flat<float>()[k];
      if (v == 0) v = 0;  // -0.0 and 0.0 are the same key, as with std::unordered_map<float>
      std::memcpy(buf, &v, 8);
      return {buf, 8};
    }
    case DataType::kDouble: {
      double v = keys.flat<double>()[k];
      if (v == 0) v = 0;
      std::memcpy(buf, &v, 8);
      return {buf, 8};
    }
    default:
      return {};
  }
}

std::string LookupTable::ValueString(const Tensor& values, int64_t i) const {
  const size_t k = static_cast<size_t>(i);
  switch (value_dtype_) {
    case DataType::kString: return values.flat<std::string>()[k];
    case DataType::kInt32: return std::to_string(values.flat<int32_t>()[k]);
    case DataType::kInt64: return std::to_string(values.flat<int64_t>()[k]);
    case DataType::kFloat: return StrCat(values.flat<float>()[k]);
    case DataType::kDouble: return StrCat(values.flat<double>()[k]);
    case DataType::kBool: return values.flat<bool>()[k] ? "1" : "0";
    default: return "?";
  }
}

bool LookupTable::SameValue(int64_t row, const Tensor& values, int64_t i) const {
  if (value_dtype_ == DataType::kString) return str_vals_[static_cast<size_t>(row)] == values.flat<std::string>()[static_cast<size_t>(i)];
  const size_t sz = DataTypeSize(value_dtype_);
  return std::memcmp(raw_vals_.data() + static_cast<size_t>(row) * sz,
                     static_cast<const char*>(values.raw_data()) + static_cast<size_t>(i) * sz, sz) == 0;
}

Status LookupTable::Build(const Tensor& keys, const Tensor& values, Map& map, std::vector<std::string>& str_vals,
                          std::vector<char>& raw_vals, bool overwrite) const {
  if (keys.dtype() != key_dtype_ || values.dtype() != value_dtype_) {
    return CheckDtypes(keys.dtype(), values.dtype());
  }
  if (keys.num_elements() != values.num_elements()) {
    return InvalidArgument(StrCat("keys and values must have the same size: keys ", keys.shape().ToString(),
                                  ", values ", values.shape().ToString()));
  }
  const size_t sz = DataTypeSize(value_dtype_);
  const int64_t n = keys.num_elements();
  char buf[8];
  for (int64_t i = 0; i < n; ++i) {
    std::string_view k = KeyBytes(keys, i, buf);
    auto it = map.find(k);
    if (it != map.end()) {
      const int64_t row = it->second;
      const bool same = value_dtype_ == DataType::kString
                            ? str_vals[static_cast<size_t>(row)] == values.flat<std::string>()[static_cast<size_t>(i)]
                            : std::memcmp(raw_vals.data() + static_cast<size_t>(row) * sz,
                                          static_cast<const char*>(values.raw_data()) + static_cast<size_t>(i) * sz,
                                          sz) == 0;
      if (same) continue;
      if (!overwrite) {
        std::string key_text = key_dtype_ == DataType::kString ? std::string(k) : "";
        if (key_dtype_ != DataType::kString) {
          switch (key_dtype_) {
            case DataType::kInt32: key_text = std::to_string(keys.flat<int32_t>()[static_cast<size_t>(i)]); break;
            case DataType::kInt64: key_text = std::to_string(keys.flat<int64_t>()[static_cast<size_t>(i)]); break;
            case DataType::kFloat: key_text = StrCat(keys.flat<float>()[static_cast<size_t>(i)]); break;
            default: key_text = StrCat(keys.flat<double>()[static_cast<size_t>(i)]); break;
          }
        }
        std::string old_text = value_dtype_ == DataType::kString ? str_vals[static_cast<size_t>(row)] : "";
        if (value_dtype_ != DataType::kString) {
          Tensor t(value_dtype_, TensorShape{});
          std::memcpy(t.raw_data(), raw_vals.data() + static_cast<size_t>(row) * sz, sz);
          old_text = ValueString(t, 0);
        }
        return FailedPrecondition(StrCat("HashTable has different value for same key. Key ", key_text, " has ",
                                         old_text, " and trying to add value ", ValueString(values, i)));
      }
      if (value_dtype_ == DataType::kString) {
        str_vals[static_cast<size_t>(row)] = values.flat<std::string>()[static_cast<size_t>(i)];
      } else {
        std::memcpy(raw_vals.data() + static_cast<size_t>(row) * sz,
                    static_cast<const char*>(values.raw_data()) + static_cast<size_t>(i) * sz, sz);
      }
      continue;
    }
    const int64_t row = static_cast<int64_t>(map.size());
    map.emplace(std::string(k), row);
    if (value_dtype_ == DataType::kString) {
      str_vals.push_back(values.flat<std::string>()[static_cast<size_t>(i)]);
    } else {
      const char* p = static_cast<const char*>(values.raw_data()) + static_cast<size_t>(i) * sz;
      raw_vals.insert(raw_vals.end(), p, p + sz);
    }
  }
  return Status::Ok();
}

Status LookupTable::Initialize(const Tensor& keys, const Tensor& values) {
  Map map;
  std::vector<std::string> sv;
  std::vector<char> rv;
  SERVAL_RETURN_IF_ERROR(Build(keys, values, map, sv, rv, /*overwrite=*/false));
  std::unique_lock lock(mu_);
  if (initialized_) {
    // Re-running an init plan with the same data is harmless; different data is not.
    bool same = map.size() == map_.size();
    char buf[8];
    for (int64_t i = 0; same && i < keys.num_elements(); ++i) {
      auto it = map_.find(KeyBytes(keys, i, buf));
      same = it != map_.end() && SameValue(it->second, values, i);
    }
    if (same) return Status::Ok();
    return FailedPrecondition(StrCat("Table ", name_, " was already initialized with different data."));
  }
  map_ = std::move(map);
  str_vals_ = std::move(sv);
  raw_vals_ = std::move(rv);
  initialized_ = true;
  return Status::Ok();
}

Status LookupTable::Insert(const Tensor& keys, const Tensor& values) {
  std::unique_lock lock(mu_);
  // Build into copies so a failing insert leaves the table unchanged.
  Map map = map_;
  std::vector<std::string> sv = str_vals_;
  std::vector<char> rv = raw_vals_;
  SERVAL_RETURN_IF_ERROR(Build(keys, values, map, sv, rv, /*overwrite=*/true));
  map_ = std::move(map);
  str_vals_ = std::move(sv);
  raw_vals_ = std::move(rv);
  initialized_ = true;
  return Status::Ok();
}

Status LookupTable::Import(const Tensor& keys, const Tensor& values) {
  Map map;
  std::vector<std::string> sv;
  std::vector<char> rv;
  SERVAL_RETURN_IF_ERROR(Build(keys, values, map, sv, rv, /*overwrite=*/true));
  std::unique_lock lock(mu_);
  map_ = std::move(map);
  str_vals_ = std::move(sv);
  raw_vals_ = std::move(rv);
  initialized_ = true;
  return Status::Ok();
}

Status LookupTable::Find(const Tensor& keys, const Tensor& dflt, Tensor& out) const {
  std::shared_lock lock(mu_);
  if (!initialized_) return FailedPrecondition(StrCat("Table ", name_, " not initialized."));
  const bool per_key = dflt.num_elements() != 1 || (dflt.rank() > 0 && dflt.shape() == keys.shape());
  const size_t sz = DataTypeSize(value_dtype_);
  const int64_t n = keys.num_elements();
  char buf[8];
  for (int64_t i = 0; i < n; ++i) {
    auto it = map_.find(KeyBytes(keys, i, buf));
    const size_t di = per_key ? static_cast<size_t>(i) : 0;
    if (value_dtype_ == DataType::kString) {
      out.flat<std::string>()[static_cast<size_t>(i)] =
          it == map_.end() ? dflt.flat<std::string>()[di] : str_vals_[static_cast<size_t>(it->second)];
    } else {
      const char* src = it == map_.end() ? static_cast<const char*>(dflt.raw_data()) + di * sz
                                         : raw_vals_.data() + static_cast<size_t>(it->second) * sz;
      std::memcpy(static_cast<char*>(out.raw_data()) + static_cast<size_t>(i) * sz, src, sz);
    }
  }
  return Status::Ok();
}

int64_t LookupTable::size() const {
  std::shared_lock lock(mu_);
  return static_cast<int64_t>(map_.size());
}

bool LookupTable::initialized() const {
  std::shared_lock lock(mu_);
  return initialized_;
}

void LookupTable::Export(Tensor* keys, Tensor* values) const {
  std::shared_lock lock(mu_);
  const int64_t n = static_cast<int64_t>(map_.size());
  *keys = Tensor(key_dtype_, TensorShape{n});
  *values = Tensor(value_dtype_, TensorShape{n});
  const size_t sz = DataTypeSize(value_dtype_);
  for (const auto& [k, row] : map_) {
    const size_t r = static_cast<size_t>(row);
    double d;
    int64_t v;
    switch (key_dtype_) {
      case DataType::kString: keys->flat<std::string>()[r] = k; break;
      case DataType::kInt32: std::memcpy(&v, k.data(), 8); keys->flat<int32_t>()[r] = static_cast<int32_t>(v); break;
      case DataType::kInt64: std::memcpy(&v, k.data(), 8); keys->flat<int64_t>()[r] = v; break;
      case DataType::kFloat: std::memcpy(&d, k.data(), 8); keys->flat<float>()[r] = static_cast<float>(d); break;
      default: std::memcpy(&d, k.data(), 8); keys->flat<double>()[r] = d; break;
    }
    if (value_dtype_ == DataType::kString) {
      values->flat<std::string>()[r] = str_vals_[r];
    } else {
      std::memcpy(static_cast<char*>(values->raw_data()) + r * sz, raw_vals_.data() + r * sz, sz);
    }
  }
}

}  // namespace serval::kernels::cpu
