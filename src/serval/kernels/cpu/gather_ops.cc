// GatherV2 (and v1 Gather), GatherNd and OneHot. Range, LinSpace, TopKV2, InvertPermutation and
// Unique are in range_topk_ops.cc. Indices are validated before any copying so the error names
// the first bad position in flat order, like TF's "indices[3] = 7 is not in [0, 5)" (CPU TF
// returns InvalidArgument; it never zero-fills as GPU does).
#include <algorithm>

#include "serval/kernels/cpu/data_movement.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/resource.h"

namespace serval::kernels::cpu {
namespace {

using runtime::KernelContext;
using runtime::KernelInfo;
using runtime::MakeFnKernel;
using KernelPtr = std::unique_ptr<runtime::Kernel>;

template <typename T>
void CopyRow(const T* src, T* dst, int64_t n) {
  if constexpr (std::is_trivially_copyable_v<T>) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(T));
  } else {
    std::copy(src, src + n, dst);
  }
}

// Reads any integer index tensor TF allows (int32/int64, plus uint8/int8 for OneHot).
Result<std::vector<int64_t>> ReadIndices(const Tensor& t, std::string_view op) {
  std::vector<int64_t> v(static_cast<size_t>(t.num_elements()));
  switch (t.dtype()) {
    case DataType::kInt32:
    case DataType::kInt64:
      for (size_t i = 0; i < v.size(); ++i) v[i] = IndexAt(t, static_cast<int64_t>(i));
      return v;
    case DataType::kUInt8:
      std::copy(t.flat<uint8_t>().begin(), t.flat<uint8_t>().end(), v.begin());
      return v;
    case DataType::kInt8:
      std::copy(t.flat<int8_t>().begin(), t.flat<int8_t>().end(), v.begin());
      return v;
    default: return InvalidArgument(StrCat(op, ": unsupported indices dtype ", DataTypeName(t.dtype())));
  }
}

Status GatherImpl(KernelContext& ctx, const Tensor& params, const Tensor& indices, int64_t axis_in,
                  int64_t batch_dims, std::string_view op) {
  const int pr = params.rank(), ir = indices.rank();
  if (pr < 1) return InvalidArgument(StrCat(op, ": params must be at least 1 dimensional, got shape []"));
  if (axis_in < -pr || axis_in >= pr) {
    return InvalidArgument(StrCat(op, ": expected axis in the range [", -pr, ", ", pr, "), but got ", axis_in));
  }
  const int axis = static_cast<int>(axis_in < 0 ? axis_in + pr : axis_in);
  if (batch_dims != 0) {
    if (batch_dims < -ir || batch_dims > ir) {
      return InvalidArgument(StrCat(op, ": expected batch_dims in the range [", -ir, ", ", ir, "], but got ", batch_dims));
    }
    if (batch_dims < 0) batch_dims += ir;
    if (batch_dims >= pr) {
      return InvalidArgument(StrCat(op, ": batch_dims (", batch_dims, ") must be less than rank(params) (", pr, ")"));
    }
    if (axis < batch_dims) {
      return InvalidArgument(StrCat(op, ": batch_dims (", batch_dims, ") must be less than or equal to axis (", axis, ")"));
    }
    for (int i = 0; i < batch_dims; ++i) {
      if (params.dim(i) != indices.dim(i)) {
        return InvalidArgument(StrCat(op, ": params.shape[", i, "]: ", params.dim(i), " should be equal to indices.shape[",
                                      i, "]: ", indices.dim(i), " (params ", params.shape().ToString(), ", indices ",
                                      indices.shape().ToString(), ")"));
      }
    }
  }
  const auto& pd = params.shape().dims();
  const auto& id = indices.shape().dims();
  const size_t bd = static_cast<size_t>(batch_dims);
  const int64_t batch = Product(pd, 0, bd), outer = Product(pd, bd, static_cast<size_t>(axis));
  const int64_t limit = params.dim(axis), inner = Product(pd, static_cast<size_t>(axis) + 1);
  const int64_t n = Product(id, bd);
  TensorShape out_shape;
  for (int i = 0; i < axis; ++i) out_shape.AddDim(pd[i]);
  for (size_t i = bd; i < id.size(); ++i) out_shape.AddDim(id[i]);
  for (int i = axis + 1; i < pr; ++i) out_shape.AddDim(pd[i]);
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, params.dtype(), out_shape));
  // Like TF, indices are only checked when there is something to copy.
  if (out->num_elements() == 0) return Status::Ok();
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> idx, ReadIndices(indices, op));
  for (size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] < 0 || idx[i] >= limit) {
      return InvalidArgument(StrCat(op, ": indices", MultiIndexString(id, static_cast<int64_t>(i)), " = ", idx[i],
                                    " is not in [0, ", limit, ")"));
    }
  }
  return DispatchByElement(params.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = ElemData<T>(params);
    T* dst = ElemData<T>(out);
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t o = 0; o < outer; ++o) {
        const T* base = src + (b * outer + o) * limit * inner;
        for (int64_t j = 0; j < n; ++j) {
          CopyRow(base + idx[static_cast<size_t>(b * n + j)] * inner, dst, inner);
          dst += inner;
        }
      }
    }
    return Status::Ok();
  });
}

Status GatherNd(KernelContext& ctx) {
  const Tensor& params = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  if (params.rank() < 1) return InvalidArgument("GatherNd: params must be at least a vector");
  if (indices.rank() < 1) return InvalidArgument("GatherNd: indices must be at least a vector");
  const int k = static_cast<int>(indices.dim(indices.rank() - 1));
  if (k > params.rank()) {
    return InvalidArgument(StrCat("GatherNd: index innermost dimension length must be <= params rank; saw: ", k, " vs. ",
                                  params.rank(), " (params ", params.shape().ToString(), ", indices ",
                                  indices.shape().ToString(), ")"));
  }
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> idx, ReadIndices(indices, "GatherNd"));
  std::vector<int64_t> lead(indices.shape().dims().begin(), indices.shape().dims().end() - 1);
  const int64_t n = Product(lead);
  const auto& pd = params.shape().dims();
  const int64_t inner = Product(pd, static_cast<size_t>(k));
  const std::vector<int64_t> ps = RowMajorStrides(pd);
  std::vector<int64_t> offsets(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    bool ok = true;
    for (int d = 0; d < k; ++d) {
      const int64_t v = idx[static_cast<size_t>(i * k + d)];
      ok = ok && v >= 0 && v < pd[d];
      off += v * ps[d];
    }
    if (!ok) {
      std::vector<std::string> parts;
      for (int d = 0; d < k; ++d) parts.push_back(std::to_string(idx[static_cast<size_t>(i * k + d)]));
      return InvalidArgument(StrCat("GatherNd: indices", MultiIndexString(lead, i), " = [", Join(parts, ", "),
                                    "] does not index into param shape ", params.shape().ToString()));
    }
    offsets[static_cast<size_t>(i)] = off;
  }
  TensorShape out_shape(lead);
  for (size_t d = static_cast<size_t>(k); d < pd.size(); ++d) out_shape.AddDim(pd[d]);
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, params.dtype(), out_shape));
  if (out->num_elements() == 0) return Status::Ok();
  return DispatchByElement(params.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = ElemData<T>(params);
    T* dst = ElemData<T>(out);
    for (int64_t off : offsets) {
      CopyRow(src + off, dst, inner);
      dst += inner;
    }
    return Status::Ok();
  });
}

Result<KernelPtr> MakeOneHot(const KernelInfo& info) {
  const int64_t axis = info.GetIntOr("axis", -1);
  return MakeFnKernel([axis](KernelContext& ctx) -> Status {
    const Tensor& indices = ctx.input(0);
    const Tensor& on = ctx.input(2);
    const Tensor& off = ctx.input(3);
    const int out_rank = indices.rank() + 1;
    if (axis != -1 && (axis < 0 || axis >= out_rank)) {
      return InvalidArgument(StrCat("OneHot: expected axis to be -1 or between [0, ", out_rank, "). But received: ", axis));
    }
    SERVAL_ASSIGN_OR_RETURN(int64_t depth, ReadIndexScalar(ctx.input(1), "OneHot: depth"));
    if (depth < 0) return InvalidArgument(StrCat("OneHot: depth must be non-negative, got: ", depth));
    if (on.rank() != 0) return InvalidArgument(StrCat("OneHot: on_value must be a scalar, but got: ", on.shape().ToString()));
    if (off.rank() != 0) {
      return InvalidArgument(StrCat("OneHot: off_value must be a scalar, but got: ", off.shape().ToString()));
    }
    const int ax = axis == -1 ? indices.rank() : static_cast<int>(axis);
    TensorShape out_shape = indices.shape();
    out_shape.InsertDim(ax, depth);
    SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> idx, ReadIndices(indices, "OneHot"));
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, on.dtype(), out_shape));
    const int64_t prefix = Product(indices.shape().dims(), 0, static_cast<size_t>(ax));
    const int64_t suffix = Product(indices.shape().dims(), static_cast<size_t>(ax));
    return DispatchByElement(on.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T on_v = *ElemData<T>(on), off_v = *ElemData<T>(off);
      T* dst = ElemData<T>(out);
      std::fill_n(dst, out->num_elements(), off_v);
      // Out-of-range (including negative) indices leave the whole row at off_value, as in TF.
      for (int64_t p = 0; p < prefix; ++p) {
        for (int64_t s = 0; s < suffix; ++s) {
          const int64_t v = idx[static_cast<size_t>(p * suffix + s)];
          if (v >= 0 && v < depth) dst[(p * depth + v) * suffix + s] = on_v;
        }
      }
      return Status::Ok();
    });
  });
}

}  // namespace

void RegisterGatherKernels(runtime::KernelRegistry& r) {
  const std::vector<DataType> all = AllDataMovementTypes();
  r.Register("GatherV2", "Tparams", all, [](const KernelInfo& info) -> Result<KernelPtr> {
    const int64_t batch_dims = info.GetIntOr("batch_dims", 0);
    return MakeFnKernel([batch_dims](KernelContext& ctx) -> Status {
      SERVAL_ASSIGN_OR_RETURN(int64_t axis, ReadIndexScalar(ctx.input(2), "GatherV2: axis"));
      if (!IsIndexType(ctx.input(1).dtype())) return InvalidArgument("GatherV2: indices must be int32 or int64");
      return GatherImpl(ctx, ctx.input(0), ctx.input(1), axis, batch_dims, "GatherV2");
    });
  });
  r.Register("Gather", "Tparams", all, [](const KernelInfo&) -> Result<KernelPtr> {
    return MakeFnKernel([](KernelContext& ctx) -> Status {
      if (!IsIndexType(ctx.input(1).dtype())) return InvalidArgument("Gather: indices must be int32 or int64");
      return GatherImpl(ctx, ctx.input(0), ctx.input(1), 0, 0, "Gather");
    });
  });
  // ResourceGather (Keras Embedding): GatherV2 on axis 0 of a variable's current value.
  r.Register("ResourceGather", "dtype", all, [](const KernelInfo& info) -> Result<KernelPtr> {
    const int64_t batch_dims = info.GetIntOr("batch_dims", 0);
    return MakeFnKernel([batch_dims](KernelContext& ctx) -> Status {
      const Tensor& handle = ctx.input(0);
      if (handle.dtype() != DataType::kResource || handle.num_elements() != 1) {
        return InvalidArgument("ResourceGather: input 0 must be a variable handle, got " + handle.DebugString());
      }
      auto var = std::dynamic_pointer_cast<runtime::Variable>(handle.flat<ObjectPtr>()[0]);
      if (!var) return InvalidArgument("ResourceGather: the resource handle does not refer to a variable");
      SERVAL_ASSIGN_OR_RETURN(Tensor params, var->Read());
      if (!IsIndexType(ctx.input(1).dtype())) return InvalidArgument("ResourceGather: indices must be int32 or int64");
      return GatherImpl(ctx, params, ctx.input(1), 0, batch_dims, "ResourceGather");
    });
  });
  r.Register("GatherNd", "Tparams", all, [](const KernelInfo&) -> Result<KernelPtr> {
    return MakeFnKernel([](KernelContext& ctx) -> Status {
      if (!IsIndexType(ctx.input(1).dtype())) return InvalidArgument("GatherNd: indices must be int32 or int64");
      return GatherNd(ctx);
    });
  });
  r.Register("OneHot", "T", all, MakeOneHot);
  RegisterRangeTopKKernels(r);
}

}  // namespace serval::kernels::cpu
