// Tensor: a dtype, a concrete shape and a reference-counted buffer. Copying a Tensor shares the
// buffer (cheap); kernels that write must own a fresh output (Tensor::Allocate). A Tensor is
// safe to read from many threads; writing to a shared buffer is the caller's responsibility.
// Element storage: fixed-size types are raw little-endian bytes, 64-byte aligned; DT_STRING holds
// std::string elements; DT_RESOURCE and DT_VARIANT hold ObjectPtr elements.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "serval/base/status.h"
#include "serval/tensor/dtype.h"
#include "serval/tensor/shape.h"

namespace serval {

class TensorBuffer;

class Tensor {
 public:
  Tensor() = default;  // invalid dtype, empty
  // Allocates an uninitialised (fixed-size) or default-constructed (string/object) tensor.
  // Checks the element count against kMaxElements.
  static Result<Tensor> Allocate(DataType dtype, TensorShape shape);
  // Same, for shapes the caller already validated (kernels computing output shapes).
  Tensor(DataType dtype, TensorShape shape);

  template <typename T>
  static Tensor FromVector(const std::vector<T>& values, TensorShape shape) {
    Tensor t(DataTypeOf<T>::value, std::move(shape));
    auto out = t.flat<T>();
    for (size_t i = 0; i < out.size() && i < values.size(); ++i) out[i] = values[i];
    return t;
  }
  template <typename T>
  static Tensor Scalar(T value) {
    return FromVector<T>({value}, TensorShape{});
  }

  bool valid() const { return dtype_ != DataType::kInvalid; }
  DataType dtype() const { return dtype_; }
  const TensorShape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  int64_t dim(int i) const { return shape_.dim(i); }
  int64_t num_elements() const { return shape_.num_elements(); }
  size_t byte_size() const;  // fixed-size types only: elements * sizeof

  void* raw_data() { return data_; }
  const void* raw_data() const { return data_; }

  template <typename T>
  std::span<T> flat() {
    return {static_cast<T*>(data_), static_cast<size_t>(num_elements())};
  }
  template <typename T>
  std::span<const T> flat() const {
    return {static_cast<const T*>(data_), static_cast<size_t>(num_elements())};
  }
  template <typename T>
  T& scalar() {
    return *static_cast<T*>(data_);
  }
  template <typename T>
  const T& scalar() const {
    return *static_cast<const T*>(data_);
  }

  // Same buffer, new shape with the same element count.
  Result<Tensor> Reshaped(TensorShape shape) const;
  // A deep copy with its own buffer.
  Tensor Clone() const;
  // True when this Tensor is the only holder of its buffer (safe to write in place).
  bool IsSoleOwner() const { return buffer_.use_count() == 1; }
  // Shares the same bytes (for cheap identity checks in tests/plans).
  bool SharesBufferWith(const Tensor& o) const { return buffer_ == o.buffer_; }

  // "float[2,3]"
  std::string DebugString() const;

 private:
  DataType dtype_ = DataType::kInvalid;
  TensorShape shape_;
  std::shared_ptr<TensorBuffer> buffer_;
  void* data_ = nullptr;
};

}  // namespace serval
