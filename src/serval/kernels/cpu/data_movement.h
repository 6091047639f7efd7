// Helpers for the data-movement kernels (shape_ops, slice_ops, gather_ops): those ops never look
// at element values, so they dispatch on the element's byte width rather than its dtype (one
// instantiation serves float/int32/uint32, ...), with std::string and ObjectPtr for the
// non-trivial element types. Also: reading int32/int64 index tensors, and a strided N-d copy that
// Slice, StridedSlice, Transpose, Tile, BroadcastTo, Reverse and Pad are all expressed with.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "serval/base/status.h"
#include "serval/base/strings.h"
#include "serval/tensor/tensor.h"

namespace serval::kernels::cpu {

struct Bytes16 {
  uint64_t lo, hi;
};

template <typename T>
struct TypeTag {
  using type = T;
};

// Calls fn(TypeTag<T>{}) with T a type of the same size and copy semantics as dt's elements.
template <typename F>
Status DispatchByElement(DataType dt, F&& fn) {
  switch (dt) {
    case DataType::kString: return fn(TypeTag<std::string>{});
    case DataType::kResource:
    case DataType::kVariant: return fn(TypeTag<ObjectPtr>{});
    default: break;
  }
  switch (DataTypeSize(dt)) {
    case 1: return fn(TypeTag<uint8_t>{});
    case 2: return fn(TypeTag<uint16_t>{});
    case 4: return fn(TypeTag<uint32_t>{});
    case 8: return fn(TypeTag<uint64_t>{});
    case 16: return fn(TypeTag<Bytes16>{});
    default: return Unimplemented(StrCat("data movement on dtype ", DataTypeName(dt), " is not supported"));
  }
}

// Every dtype TF's TF_CALL_ALL_TYPES covers that Serval can hold.
inline std::vector<DataType> AllDataMovementTypes() {
  return {DataType::kFloat,  DataType::kDouble, DataType::kHalf,      DataType::kBFloat16,   DataType::kInt8,
          DataType::kInt16,  DataType::kInt32,  DataType::kInt64,     DataType::kUInt8,      DataType::kUInt16,
          DataType::kUInt32, DataType::kUInt64, DataType::kBool,      DataType::kString,     DataType::kComplex64,
          DataType::kComplex128};
}

inline bool IsIndexType(DataType dt) { return dt == DataType::kInt32 || dt == DataType::kInt64; }

// Element i of an int32/int64 tensor.
inline int64_t IndexAt(const Tensor& t, int64_t i) {
  return t.dtype() == DataType::kInt32 ? static_cast<int64_t>(static_cast<const int32_t*>(t.raw_data())[i])
                                       : static_cast<const int64_t*>(t.raw_data())[i];
}

// A 1-D int32/int64 tensor as int64 values. `what` names the input in messages ("Reshape: shape").
inline Result<std::vector<int64_t>> ReadIndexVector(const Tensor& t, std::string_view what) {
  if (!IsIndexType(t.dtype())) {
    return InvalidArgument(StrCat(what, " must be int32 or int64, got ", DataTypeName(t.dtype())));
  }
  if (t.rank() != 1) return InvalidArgument(StrCat(what, " must be 1-D, got shape ", t.shape().ToString()));
  std::vector<int64_t> v(static_cast<size_t>(t.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = IndexAt(t, static_cast<int64_t>(i));
  return v;
}

// A scalar int32/int64 (TF also accepts a 1-element vector for legacy graphs).
inline Result<int64_t> ReadIndexScalar(const Tensor& t, std::string_view what) {
  if (!IsIndexType(t.dtype())) {
    return InvalidArgument(StrCat(what, " must be int32 or int64, got ", DataTypeName(t.dtype())));
  }
  if (t.num_elements() != 1 || t.rank() > 1) {
    return InvalidArgument(StrCat(what, " must be a scalar, got shape ", t.shape().ToString()));
  }
  return IndexAt(t, 0);
}

// Row-major strides (in elements) of dims.
inline std::vector<int64_t> RowMajorStrides(std::span<const int64_t> dims) {
  std::vector<int64_t> s(dims.size());
  int64_t acc = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

inline int64_t Product(std::span<const int64_t> dims, size_t from = 0, size_t to = SIZE_MAX) {
  int64_t p = 1;
  for (size_t i = from; i < dims.size() && i < to; ++i) p *= dims[i];
  return p;
}

// dst[sum_i k_i*dst_strides[i]] = src[sum_i k_i*src_strides[i]] for all k < dims. Strides are in
// elements and may be 0 (broadcast) or negative (reverse). Dims of size 1 are dropped and
// adjacent dims that are contiguous in both src and dst are merged, so slices of whole rows turn
// into a few large memcpys.
template <typename T>
void StridedCopy(std::span<const int64_t> dims_in, const T* src, std::span<const int64_t> src_strides_in, T* dst,
                 std::span<const int64_t> dst_strides_in) {
  std::vector<int64_t> dims, ss, ds;
  for (size_t i = 0; i < dims_in.size(); ++i) {
    if (dims_in[i] == 0) return;
    if (dims_in[i] == 1) continue;
    if (!dims.empty() && ss.back() == src_strides_in[i] * dims_in[i] && ds.back() == dst_strides_in[i] * dims_in[i]) {
      dims.back() *= dims_in[i];
      ss.back() = src_strides_in[i];
      ds.back() = dst_strides_in[i];
      continue;
    }
    dims.push_back(dims_in[i]);
    ss.push_back(src_strides_in[i]);
    ds.push_back(dst_strides_in[i]);
  }
  if (dims.empty()) {
    *dst = *src;
    return;
  }
  const int rank = static_cast<int>(dims.size());
  const int64_t inner = dims.back(), sin = ss.back(), din = ds.back();
  auto copy_row = [&](const T* s, T* d) {
    if constexpr (std::is_trivially_copyable_v<T>) {
      if (sin == 1 && din == 1) {
        std::memcpy(d, s, static_cast<size_t>(inner) * sizeof(T));
        return;
      }
    }
    for (int64_t j = 0; j < inner; ++j) d[j * din] = s[j * sin];
  };
  if (rank == 1) return copy_row(src, dst);
  std::vector<int64_t> idx(static_cast<size_t>(rank - 1), 0);
  const T* s = src;
  T* d = dst;
  while (true) {
    copy_row(s, d);
    int k = rank - 2;
    for (; k >= 0; --k) {
      s += ss[k];
      d += ds[k];
      if (++idx[k] < dims[k]) break;
      s -= ss[k] * dims[k];
      d -= ds[k] * dims[k];
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

// Byte-compatible element pointers of a tensor (see DispatchByElement).
template <typename T>
const T* ElemData(const Tensor& t) {
  return static_cast<const T*>(t.raw_data());
}
template <typename T>
T* ElemData(Tensor* t) {
  return static_cast<T*>(t->raw_data());
}

// "[1,2]": the multi-index of flat position `flat` in dims (TF's SliceDebugString).
inline std::string MultiIndexString(std::span<const int64_t> dims, int64_t flat) {
  std::vector<int64_t> idx(dims.size());
  for (size_t i = dims.size(); i-- > 0;) {
    if (dims[i] == 0) break;
    idx[i] = flat % dims[i];
    flat /= dims[i];
  }
  return DimsToString(idx);
}

}  // namespace serval::kernels::cpu

namespace serval::runtime {
class KernelRegistry;
}  // namespace serval::runtime

namespace serval::kernels::cpu {
// Families split over several files; each Register<Family>Kernels calls its parts.
void RegisterShapeTransformKernels(runtime::KernelRegistry& r);  // shape_transform_ops.cc
void RegisterStridedSliceKernels(runtime::KernelRegistry& r);    // strided_slice_op.cc
void RegisterRangeTopKKernels(runtime::KernelRegistry& r);       // range_topk_ops.cc: Range, LinSpace, TopKV2, ...
}  // namespace serval::kernels::cpu
