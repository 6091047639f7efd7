// Range, LinSpace, TopKV2, InvertPermutation and Unique, registered by RegisterGatherKernels.
// Range accumulates `val += delta` for floats exactly as TF's RangeFunctor does (so float results
// match TF bit for bit, rounding drift included); LinSpace computes start + step*i and pins the
// last value to stop, as TF does.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "serval/kernels/cpu/data_movement.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::KernelContext;
using runtime::KernelInfo;
using runtime::MakeFnKernel;
using KernelPtr = std::unique_ptr<runtime::Kernel>;

// TF accepts a scalar or a legacy 1-element vector for Range's inputs.
Status CheckScalarLike(const Tensor& t, std::string_view op, std::string_view name, bool allow_vector) {
  if (t.rank() == 0 || (allow_vector && t.rank() == 1 && t.dim(0) == 1)) return Status::Ok();
  return InvalidArgument(StrCat(op, ": ", name, " must be a scalar, not shape ", t.shape().ToString()));
}

template <typename T>
Status RangeImpl(KernelContext& ctx) {
  for (int i = 0; i < 3; ++i) {
    SERVAL_RETURN_IF_ERROR(CheckScalarLike(ctx.input(i), "Range", i == 0 ? "start" : i == 1 ? "limit" : "delta", true));
  }
  const T start = *ctx.input(0).flat<T>().data();
  const T limit = *ctx.input(1).flat<T>().data();
  const T delta = *ctx.input(2).flat<T>().data();
  if (delta == 0) return InvalidArgument(StrCat("Range: requires delta != 0: ", +delta));
  if (delta > 0) {
    if (!(start <= limit)) {
      return InvalidArgument(StrCat("Range: requires start <= limit when delta > 0: ", +start, "/", +limit));
    }
  } else if (!(start >= limit)) {
    return InvalidArgument(StrCat("Range: requires start >= limit when delta < 0: ", +start, "/", +limit));
  }
  int64_t size;
  if constexpr (std::is_integral_v<T>) {
    // TF computes this in T; __int128 gives the same answer without signed overflow.
    const __int128 span = static_cast<__int128>(limit) - start;
    const __int128 ad = delta < 0 ? -static_cast<__int128>(delta) : static_cast<__int128>(delta);
    const __int128 as = span < 0 ? -span : span;
    size = static_cast<int64_t>((as + ad - 1) / ad);
  } else {
    const T s = std::ceil(std::abs((limit - start) / delta));
    if (!(s <= static_cast<T>(std::numeric_limits<int64_t>::max()))) {
      return InvalidArgument(StrCat("Range: requires ((limit - start) / delta) <= ", std::numeric_limits<int64_t>::max()));
    }
    size = static_cast<int64_t>(s);
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataTypeOf<T>::value, TensorShape{size}));
  T* o = out->flat<T>().data();
  if constexpr (std::is_integral_v<T>) {
    for (int64_t i = 0; i < size; ++i) o[i] = static_cast<T>(static_cast<int64_t>(start) + i * static_cast<int64_t>(delta));
  } else {
    T val = start;
    for (int64_t i = 0; i < size; ++i) {
      o[i] = val;
      val += delta;
    }
  }
  return Status::Ok();
}

template <typename T>
Status LinSpaceImpl(KernelContext& ctx) {
  SERVAL_RETURN_IF_ERROR(CheckScalarLike(ctx.input(0), "LinSpace", "start", false));
  SERVAL_RETURN_IF_ERROR(CheckScalarLike(ctx.input(1), "LinSpace", "stop", false));
  SERVAL_RETURN_IF_ERROR(CheckScalarLike(ctx.input(2), "LinSpace", "num", false));
  const T start = ctx.input(0).scalar<T>();
  const T stop = ctx.input(1).scalar<T>();
  SERVAL_ASSIGN_OR_RETURN(int64_t num, ReadIndexScalar(ctx.input(2), "LinSpace: num"));
  if (num <= 0) return InvalidArgument(StrCat("LinSpace: requires num > 0: ", num));
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataTypeOf<T>::value, TensorShape{num}));
  T* o = out->flat<T>().data();
  o[0] = start;
  if (num > 1) {
    const T step = (stop - start) / static_cast<T>(num - 1);
    for (int64_t i = 1; i < num - 1; ++i) o[i] = start + step * static_cast<T>(i);
    o[num - 1] = stop;
  }
  return Status::Ok();
}

// Sort keys for TopK: half/bfloat16 compare as float.
template <typename T>
auto SortKey(const T& v) {
  if constexpr (std::is_same_v<T, Half>) {
    return HalfToFloat(v);
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    return BFloat16ToFloat(v);
  } else {
    return v;
  }
}

template <typename T>
Status TopKImpl(KernelContext& ctx, bool sorted, DataType index_type) {
  const Tensor& in = ctx.input(0);
  if (in.rank() < 1) return InvalidArgument(StrCat("TopKV2: input must be >= 1-D, got shape ", in.shape().ToString()));
  SERVAL_ASSIGN_OR_RETURN(int64_t k, ReadIndexScalar(ctx.input(1), "TopKV2: k"));
  if (k < 0) return InvalidArgument(StrCat("TopKV2: need k >= 0, got ", k));
  const int64_t cols = in.dim(in.rank() - 1);
  if (cols < k) {
    return InvalidArgument(StrCat("TopKV2: input must have at least k columns. Had ", cols, ", needed ", k,
                                  " (input shape ", in.shape().ToString(), ")"));
  }
  TensorShape out_shape = in.shape();
  out_shape.set_dim(in.rank() - 1, k);
  SERVAL_ASSIGN_OR_RETURN(Tensor * values, ctx.allocate_output(0, in.dtype(), out_shape));
  SERVAL_ASSIGN_OR_RETURN(Tensor * indices, ctx.allocate_output(1, index_type, out_shape));
  if (k == 0 || out_shape.num_elements() == 0) return Status::Ok();
  const int64_t rows = in.num_elements() / cols;
  const T* src = in.flat<T>().data();
  T* vo = values->flat<T>().data();
  std::vector<int64_t> order(static_cast<size_t>(cols));
  std::vector<decltype(SortKey(T{}))> keys(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = src + r * cols;
    for (int64_t c = 0; c < cols; ++c) keys[c] = SortKey(row[c]);
    std::iota(order.begin(), order.end(), 0);
    // Larger first, ties by lower index (TF's stable order). NaN ranks above everything so the
    // comparator stays a strict weak order.
    auto greater = [&](int64_t a, int64_t b) {
      const auto ka = keys[a], kb = keys[b];
      if constexpr (std::is_floating_point_v<decltype(SortKey(T{}))>) {
        const bool na = std::isnan(ka), nb = std::isnan(kb);
        if (na || nb) return na && !nb ? true : (na == nb ? a < b : false);
      }
      if (ka != kb) return ka > kb;
      return a < b;
    };
    std::partial_sort(order.begin(), order.begin() + k, order.end(), greater);
    (void)sorted;  // unsorted output order is unspecified in TF; sorted order is a valid answer
    for (int64_t j = 0; j < k; ++j) {
      vo[r * k + j] = row[order[j]];
      if (index_type == DataType::kInt32) {
        indices->flat<int32_t>()[r * k + j] = static_cast<int32_t>(order[j]);
      } else {
        indices->flat<int64_t>()[r * k + j] = order[j];
      }
    }
  }
  return Status::Ok();
}

Status InvertPermutation(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.rank() != 1) {
    return InvalidArgument(StrCat("InvertPermutation: invert_permutation expects a 1D vector, got shape ",
                                  x.shape().ToString()));
  }
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> v, ReadIndexVector(x, "InvertPermutation: x"));
  const int64_t n = static_cast<int64_t>(v.size());
  if (x.dtype() == DataType::kInt32 && n > INT32_MAX) return InvalidArgument("InvertPermutation: input too large");
  std::vector<int64_t> inv(v.size(), -1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t d = v[i];
    if (d < 0 || d >= n) return InvalidArgument(StrCat("InvertPermutation: ", d, " is not between 0 and ", n));
    if (inv[d] != -1) return InvalidArgument(StrCat("InvertPermutation: ", d, " is duplicated in the input"));
    inv[d] = i;
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x.dtype(), x.shape()));
  for (int64_t i = 0; i < n; ++i) {
    if (x.dtype() == DataType::kInt32) {
      out->flat<int32_t>()[i] = static_cast<int32_t>(inv[i]);
    } else {
      out->flat<int64_t>()[i] = inv[i];
    }
  }
  return Status::Ok();
}

// Unique keys compare by value (0.0 == -0.0, every NaN distinct), as TF's unordered_map does.
template <typename T>
Status UniqueImpl(KernelContext& ctx, DataType idx_type) {
  const Tensor& x = ctx.input(0);
  if (x.rank() != 1) return InvalidArgument(StrCat("Unique: unique expects a 1D vector, got shape ", x.shape().ToString()));
  auto in = x.flat<T>();
  using K = decltype(SortKey(T{}));
  std::unordered_map<K, int64_t> first;
  std::vector<int64_t> idx(in.size());
  std::vector<size_t> uniq;
  for (size_t i = 0; i < in.size(); ++i) {
    auto [it, inserted] = first.try_emplace(SortKey(in[i]), static_cast<int64_t>(uniq.size()));
    if (inserted) uniq.push_back(i);
    idx[i] = it->second;
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, x.dtype(), TensorShape{static_cast<int64_t>(uniq.size())}));
  for (size_t j = 0; j < uniq.size(); ++j) y->flat<T>()[j] = in[uniq[j]];
  SERVAL_ASSIGN_OR_RETURN(Tensor * io, ctx.allocate_output(1, idx_type, x.shape()));
  for (size_t i = 0; i < idx.size(); ++i) {
    if (idx_type == DataType::kInt32) {
      io->flat<int32_t>()[i] = static_cast<int32_t>(idx[i]);
    } else {
      io->flat<int64_t>()[i] = idx[i];
    }
  }
  return Status::Ok();
}

// Calls fn(TypeTag<T>{}) for the real number types TopKV2 and Unique handle.
template <typename F>
Status DispatchReal(DataType dt, F&& fn) {
  switch (dt) {
    case DataType::kFloat: return fn(TypeTag<float>{});
    case DataType::kDouble: return fn(TypeTag<double>{});
    case DataType::kHalf: return fn(TypeTag<Half>{});
    case DataType::kBFloat16: return fn(TypeTag<BFloat16>{});
    case DataType::kInt8: return fn(TypeTag<int8_t>{});
    case DataType::kInt16: return fn(TypeTag<int16_t>{});
    case DataType::kInt32: return fn(TypeTag<int32_t>{});
    case DataType::kInt64: return fn(TypeTag<int64_t>{});
    case DataType::kUInt8: return fn(TypeTag<uint8_t>{});
    case DataType::kUInt16: return fn(TypeTag<uint16_t>{});
    case DataType::kUInt32: return fn(TypeTag<uint32_t>{});
    case DataType::kUInt64: return fn(TypeTag<uint64_t>{});
    default: return InvalidArgument(StrCat("unsupported dtype ", DataTypeName(dt)));
  }
}

const std::vector<DataType> kRealTypes = {DataType::kFloat, DataType::kDouble, DataType::kHalf,   DataType::kBFloat16,
                                          DataType::kInt8,  DataType::kInt16,  DataType::kInt32,  DataType::kInt64,
                                          DataType::kUInt8, DataType::kUInt16, DataType::kUInt32, DataType::kUInt64};

Result<DataType> IndexTypeAttr(const KernelInfo& info, std::string_view name) {
  DataType dt = DataType::kInt32;
  if (info.FindAttr(name) != nullptr) {
    SERVAL_ASSIGN_OR_RETURN(dt, info.GetType(name));
  }
  if (!IsIndexType(dt)) {
    return InvalidArgument(StrCat(info.op(), ": attr ", name, " must be int32 or int64, got ", DataTypeName(dt)));
  }
  return dt;
}

}  // namespace

void RegisterRangeTopKKernels(runtime::KernelRegistry& r) {
  r.Register("Range", "Tidx", {DataType::kFloat, DataType::kDouble, DataType::kInt32, DataType::kInt64},
             [](const KernelInfo& info) -> Result<KernelPtr> {
               SERVAL_ASSIGN_OR_RETURN(DataType t, info.GetType("Tidx"));
               return MakeFnKernel([t](KernelContext& ctx) -> Status {
                 switch (t) {
                   case DataType::kFloat: return RangeImpl<float>(ctx);
                   case DataType::kDouble: return RangeImpl<double>(ctx);
                   case DataType::kInt32: return RangeImpl<int32_t>(ctx);
                   default: return RangeImpl<int64_t>(ctx);
                 }
               });
             });
  r.Register("LinSpace", "T", {DataType::kFloat, DataType::kDouble}, [](const KernelInfo& info) -> Result<KernelPtr> {
    SERVAL_ASSIGN_OR_RETURN(DataType t, info.GetType("T"));
    return MakeFnKernel([t](KernelContext& ctx) -> Status {
      return t == DataType::kFloat ? LinSpaceImpl<float>(ctx) : LinSpaceImpl<double>(ctx);
    });
  });
  r.Register("TopKV2", "T", kRealTypes, [](const KernelInfo& info) -> Result<KernelPtr> {
    const bool sorted = info.GetBoolOr("sorted", true);
    SERVAL_ASSIGN_OR_RETURN(DataType index_type, IndexTypeAttr(info, "index_type"));
    return MakeFnKernel([sorted, index_type](KernelContext& ctx) -> Status {
      return DispatchReal(ctx.input(0).dtype(), [&](auto tag) {
        return TopKImpl<typename decltype(tag)::type>(ctx, sorted, index_type);
      });
    });
  });
  r.Register("InvertPermutation", "T", {DataType::kInt32, DataType::kInt64},
             [](const KernelInfo&) -> Result<KernelPtr> { return MakeFnKernel(InvertPermutation); });
  std::vector<DataType> unique_types = kRealTypes;
  unique_types.push_back(DataType::kBool);
  unique_types.push_back(DataType::kString);
  r.Register("Unique", "T", unique_types, [](const KernelInfo& info) -> Result<KernelPtr> {
    SERVAL_ASSIGN_OR_RETURN(DataType idx_type, IndexTypeAttr(info, "out_idx"));
    return MakeFnKernel([idx_type](KernelContext& ctx) -> Status {
      const DataType dt = ctx.input(0).dtype();
      if (dt == DataType::kBool) return UniqueImpl<bool>(ctx, idx_type);
      if (dt == DataType::kString) return UniqueImpl<std::string>(ctx, idx_type);
      return DispatchReal(dt, [&](auto tag) { return UniqueImpl<typename decltype(tag)::type>(ctx, idx_type); });
    });
  });
}

}  // namespace serval::kernels::cpu
