#include "serval/tensor/tensor.h"

#include <cstdlib>
#include <new>

#include "serval/base/strings.h"

namespace serval {

// Owns the element storage of one or more Tensors.
class TensorBuffer {
 public:
  TensorBuffer(DataType dtype, int64_t n) : dtype_(dtype), n_(n) {
    if (dtype == DataType::kString) {
      data_ = new std::string[static_cast<size_t>(n)];
    } else if (dtype == DataType::kResource || dtype == DataType::kVariant) {
      data_ = new ObjectPtr[static_cast<size_t>(n)];
    } else {
      size_t bytes = static_cast<size_t>(n) * DataTypeSize(dtype);
      size_t rounded = (bytes + 63) / 64 * 64;
      data_ = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
      if (!data_) throw std::bad_alloc();
    }
  }
  ~TensorBuffer() {
    if (dtype_ == DataType::kString) {
      delete[] static_cast<std::string*>(data_);
    } else if (dtype_ == DataType::kResource || dtype_ == DataType::kVariant) {
      delete[] static_cast<ObjectPtr*>(data_);
    } else {
      std::free(data_);
    }
  }
  TensorBuffer(const TensorBuffer&) = delete;
  TensorBuffer& operator=(const TensorBuffer&) = delete;
  void* data() const { return data_; }

 private:
  DataType dtype_;
  int64_t n_;
  void* data_ = nullptr;
};

Tensor::Tensor(DataType dtype, TensorShape shape) : dtype_(dtype), shape_(std::move(shape)) {
  buffer_ = std::make_shared<TensorBuffer>(dtype_, shape_.num_elements());
  data_ = buffer_->data();
}

Result<Tensor> Tensor::Allocate(DataType dtype, TensorShape shape) {
  SERVAL_ASSIGN_OR_RETURN(TensorShape checked, TensorShape::Make(shape.dims()));
  if (dtype == DataType::kInvalid || (!IsFixedSize(dtype) && dtype != DataType::kString &&
                                      dtype != DataType::kResource && dtype != DataType::kVariant)) {
    return InvalidArgument(StrCat("cannot allocate a tensor of type ", DataTypeName(dtype)));
  }
  try {
    return Tensor(dtype, std::move(checked));
  } catch (const std::bad_alloc&) {
    return ResourceExhausted(StrCat("out of memory allocating a ", DataTypeShortName(dtype), " tensor of shape ",
                                    shape.ToString()));
  }
}

size_t Tensor::byte_size() const { return static_cast<size_t>(num_elements()) * DataTypeSize(dtype_); }

Result<Tensor> Tensor::Reshaped(TensorShape shape) const {
  if (shape.num_elements() != num_elements()) {
    return InvalidArgument(StrCat("cannot reshape a tensor of shape ", shape_.ToString(), " (",
                                  num_elements(), " elements) into shape ", shape.ToString(), " (",
                                  shape.num_elements(), " elements)"));
  }
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::Clone() const {
  if (!valid()) return Tensor();
  Tensor t(dtype_, shape_);
  if (dtype_ == DataType::kString) {
    auto src = flat<std::string>();
    auto dst = t.flat<std::string>();
    for (size_t i = 0; i < src.size(); ++i) dst[i] = src[i];
  } else if (dtype_ == DataType::kResource || dtype_ == DataType::kVariant) {
    auto src = flat<ObjectPtr>();
    auto dst = t.flat<ObjectPtr>();
    for (size_t i = 0; i < src.size(); ++i) dst[i] = src[i];
  } else if (byte_size() > 0) {
    std::memcpy(t.data_, data_, byte_size());
  }
  return t;
}

std::string Tensor::DebugString() const {
  return StrCat(DataTypeShortName(dtype_), shape_.ToString());
}

}  // namespace serval
