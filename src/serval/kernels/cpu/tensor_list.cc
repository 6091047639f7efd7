#include "serval/kernels/cpu/tensor_list.h"

#include <cstring>

#include "serval/base/strings.h"

namespace serval::kernels::cpu {

std::string TensorList::DebugString() const {
  return StrCat("TensorList<", DataTypeShortName(element_dtype), ">(", tensors.size(), " elements, shape ",
                element_shape.ToString(), ")");
}

Result<PartialShape> PartialShapeFromTensor(const Tensor& t, std::string_view op) {
  if (t.dtype() != DataType::kInt32 && t.dtype() != DataType::kInt64) {
    return InvalidArgument(StrCat(op, ": element_shape must be int32 or int64, got ", DataTypeName(t.dtype())));
  }
  auto get = [&](int64_t i) -> int64_t {
    return t.dtype() == DataType::kInt32 ? t.flat<int32_t>()[static_cast<size_t>(i)]
                                         : t.flat<int64_t>()[static_cast<size_t>(i)];
  };
  if (t.rank() == 0) {
    // TF: the only valid scalar shape tensor is -1, the fully unknown shape.
    if (get(0) != -1) {
      return InvalidArgument(StrCat(op, ": the only valid scalar element_shape is -1 (unknown rank), got ", get(0)));
    }
    return PartialShape::UnknownRank();
  }
  if (t.rank() != 1) {
    return InvalidArgument(StrCat(op, ": element_shape must be a scalar or vector, got shape ", t.shape().ToString()));
  }
  std::vector<int64_t> dims(static_cast<size_t>(t.num_elements()));
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    int64_t d = get(i);
    if (d < -1) return InvalidArgument(StrCat(op, ": element_shape has invalid dimension ", d));
    dims[static_cast<size_t>(i)] = d;
  }
  return PartialShape(std::move(dims));
}

Result<PartialShape> MergeShapes(const PartialShape& a, const PartialShape& b, std::string_view op) {
  if (a.unknown_rank()) return b;
  if (b.unknown_rank()) return a;
  if (a.rank() != b.rank()) {
    return InvalidArgument(StrCat(op, ": incompatible element shapes ", a.ToString(), " and ", b.ToString()));
  }
  std::vector<int64_t> dims(a.dims());
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t x = a.dims()[i], y = b.dims()[i];
    if (x >= 0 && y >= 0 && x != y) {
      return InvalidArgument(StrCat(op, ": incompatible element shapes ", a.ToString(), " and ", b.ToString()));
    }
    dims[i] = x >= 0 ? x : y;
  }
  return PartialShape(std::move(dims));
}

Result<Tensor> ZerosTensor(DataType dtype, const TensorShape& shape) {
  SERVAL_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype, shape));
  if (IsFixedSize(dtype) && t.num_elements() > 0) std::memset(t.raw_data(), 0, t.byte_size());
  return t;
}

void CopyElementsInto(const Tensor& src, Tensor& dst, int64_t at) {
  const int64_t n = src.num_elements();
  if (n == 0) return;
  if (IsFixedSize(src.dtype())) {
    const size_t sz = DataTypeSize(src.dtype());
    std::memcpy(static_cast<char*>(dst.raw_data()) + static_cast<size_t>(at) * sz, src.raw_data(),
                static_cast<size_t>(n) * sz);
  } else if (src.dtype() == DataType::kString) {
    auto s = src.flat<std::string>();
    auto d = dst.flat<std::string>();
    for (int64_t i = 0; i < n; ++i) d[static_cast<size_t>(at + i)] = s[static_cast<size_t>(i)];
  } else {
    auto s = src.flat<ObjectPtr>();
    auto d = dst.flat<ObjectPtr>();
    for (int64_t i = 0; i < n; ++i) d[static_cast<size_t>(at + i)] = s[static_cast<size_t>(i)];
  }
}

Tensor SliceElements(const Tensor& src, int64_t from, const TensorShape& shape) {
  Tensor t(src.dtype(), shape);
  const int64_t n = t.num_elements();
  if (n == 0) return t;
  if (IsFixedSize(src.dtype())) {
    const size_t sz = DataTypeSize(src.dtype());
    std::memcpy(t.raw_data(), static_cast<const char*>(src.raw_data()) + static_cast<size_t>(from) * sz,
                static_cast<size_t>(n) * sz);
  } else if (src.dtype() == DataType::kString) {
    auto s = src.flat<std::string>();
    auto d = t.flat<std::string>();
    for (int64_t i = 0; i < n; ++i) d[static_cast<size_t>(i)] = s[static_cast<size_t>(from + i)];
  } else {
    auto s = src.flat<ObjectPtr>();
    auto d = t.flat<ObjectPtr>();
    for (int64_t i = 0; i < n; ++i) d[static_cast<size_t>(i)] = s[static_cast<size_t>(from + i)];
  }
  return t;
}

}  // namespace serval::kernels::cpu
