// Shape queries and metadata-only reshapes (Shape, Size, Rank, Reshape, ExpandDims, Squeeze), plus
// Fill, BroadcastTo, BroadcastArgs and Where. Reshape/ExpandDims/Squeeze alias the input buffer.
// Tile, Pad, MirrorPad, Transpose and Reverse live in shape_transform_ops.cc.
#include <algorithm>
#include <complex>

#include "serval/kernels/cpu/data_movement.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::KernelContext;
using runtime::KernelInfo;
using runtime::MakeFnKernel;

Result<DataType> GetIndexTypeAttr(const KernelInfo& info, std::string_view name, DataType dflt) {
  DataType dt = dflt;
  if (info.FindAttr(name) != nullptr) {
    SERVAL_ASSIGN_OR_RETURN(dt, info.GetType(name));
  }
  if (!IsIndexType(dt)) {
    return InvalidArgument(StrCat(info.op(), ": attr ", name, " must be int32 or int64, got ", DataTypeName(dt)));
  }
  return dt;
}

// Writes values as a 1-D int32/int64 output. TF's Shape with out_type=int32 fails when a dim
// does not fit.
Status WriteIndexVector(KernelContext& ctx, int i, DataType dt, std::span<const int64_t> values, std::string_view op) {
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(i, dt, TensorShape{static_cast<int64_t>(values.size())}));
  if (dt == DataType::kInt32) {
    auto o = out->flat<int32_t>();
    for (size_t k = 0; k < values.size(); ++k) {
      if (values[k] > INT32_MAX) {
        return InvalidArgument(StrCat(op, ": shape ", DimsToString(values), " does not fit in int32 (use out_type=int64)"));
      }
      o[k] = static_cast<int32_t>(values[k]);
    }
  } else {
    auto o = out->flat<int64_t>();
    std::copy(values.begin(), values.end(), o.begin());
  }
  return Status::Ok();
}

Status WriteIndexScalar(KernelContext& ctx, DataType dt, int64_t v, std::string_view op) {
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt, TensorShape{}));
  if (dt == DataType::kInt32) {
    if (v > INT32_MAX) return InvalidArgument(StrCat(op, ": ", v, " does not fit in int32 (use out_type=int64)"));
    out->scalar<int32_t>() = static_cast<int32_t>(v);
  } else {
    out->scalar<int64_t>() = v;
  }
  return Status::Ok();
}

// TF's Reshape: at most one -1, inferred from the element count; a 0 in the requested shape lets
// a -1 still be inferred from the non-zero dims.
Result<TensorShape> ComputeReshape(const TensorShape& in, const Tensor& sizes) {
  if (!IsIndexType(sizes.dtype())) return InvalidArgument("Reshape: shape must be int32 or int64");
  if (sizes.rank() > 1) {
    return InvalidArgument(StrCat("Reshape: sizes input must be 1-D, not ", sizes.shape().ToString()));
  }
  const int64_t n = sizes.num_elements();
  std::vector<int64_t> dims(static_cast<size_t>(n));
  int64_t product = 1, unknown = -1;
  bool sizes_has_zero = false;
  for (int64_t d = 0; d < n; ++d) {
    const int64_t s = IndexAt(sizes, d);
    dims[static_cast<size_t>(d)] = s;
    if (s == -1) {
      if (unknown != -1) {
        return InvalidArgument(StrCat("Reshape: only one input size may be -1, not both ", unknown, " and ", d));
      }
      unknown = d;
    } else if (s < 0) {
      return InvalidArgument(StrCat("Reshape: size ", d, " must be non-negative, not ", s));
    } else if (s == 0) {
      sizes_has_zero = true;
    } else {
      if (product > kMaxElements / s) {
        return InvalidArgument(StrCat("Reshape: requested shape ", DimsToString(dims), " has too many elements"));
      }
      product *= s;
    }
  }
  if (unknown != -1) {
    int64_t in_elems = 1;
    bool in_has_zero = false;
    for (int64_t d : in.dims()) {
      if (d > 0 || !sizes_has_zero) {
        in_elems *= d;
      } else {
        in_has_zero = true;
      }
    }
    const int64_t missing = in_elems / product;
    if (!in_has_zero && product * missing != in_elems) {
      return InvalidArgument(StrCat("Input to reshape is a tensor with ", in_elems,
                                    " values, but the requested shape requires a multiple of ", product));
    }
    dims[static_cast<size_t>(unknown)] = missing;
  }
  SERVAL_ASSIGN_OR_RETURN(TensorShape out, TensorShape::Make(dims));
  if (out.num_elements() != in.num_elements()) {
    return InvalidArgument(StrCat("Input to reshape is a tensor with ", in.num_elements(),
                                  " values, but the requested shape has ", out.num_elements()));
  }
  return out;
}

// Truthiness for Where: compare values (so -0.0 is false and NaN is true), not bytes.
template <typename T>
bool IsNonZero(const T& v) {
  if constexpr (std::is_same_v<T, Half>) {
    return HalfToFloat(v) != 0.0f;
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    return BFloat16ToFloat(v) != 0.0f;
  } else {
    return v != T{};
  }
}

template <typename T>
Status WhereImpl(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const T* data = static_cast<const T*>(in.raw_data());
  const int64_t n = in.num_elements();
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) count += IsNonZero(data[i]) ? 1 : 0;
  const int rank = in.rank();
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kInt64, TensorShape{count, rank}));
  int64_t* o = out->flat<int64_t>().data();
  std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
  for (int64_t i = 0; i < n; ++i) {
    if (IsNonZero(data[i])) {
      std::copy(idx.begin(), idx.end(), o);
      o += rank;
    }
    for (int k = rank - 1; k >= 0; --k) {
      if (++idx[static_cast<size_t>(k)] < in.dim(k)) break;
      idx[static_cast<size_t>(k)] = 0;
    }
  }
  return Status::Ok();
}

Status Where(KernelContext& ctx) {
  switch (ctx.input(0).dtype()) {
    case DataType::kBool: return WhereImpl<bool>(ctx);
    case DataType::kFloat: return WhereImpl<float>(ctx);
    case DataType::kDouble: return WhereImpl<double>(ctx);
    case DataType::kHalf: return WhereImpl<Half>(ctx);
    case DataType::kBFloat16: return WhereImpl<BFloat16>(ctx);
    case DataType::kInt8: return WhereImpl<int8_t>(ctx);
    case DataType::kInt16: return WhereImpl<int16_t>(ctx);
    case DataType::kInt32: return WhereImpl<int32_t>(ctx);
    case DataType::kInt64: return WhereImpl<int64_t>(ctx);
    case DataType::kUInt8: return WhereImpl<uint8_t>(ctx);
    case DataType::kUInt16: return WhereImpl<uint16_t>(ctx);
    case DataType::kUInt32: return WhereImpl<uint32_t>(ctx);
    case DataType::kUInt64: return WhereImpl<uint64_t>(ctx);
    case DataType::kComplex64: return WhereImpl<std::complex<float>>(ctx);
    case DataType::kComplex128: return WhereImpl<std::complex<double>>(ctx);
    default: return InvalidArgument(StrCat("Where: unsupported dtype ", DataTypeName(ctx.input(0).dtype())));
  }
}

// Output shape of broadcasting `in` to `target` (TF's BroadcastTo rules: align from the right,
// each input dim equal to the target dim or 1).
Status CheckBroadcastTo(const TensorShape& in, const TensorShape& target) {
  bool ok = in.rank() <= target.rank();
  for (int i = 0; ok && i < in.rank(); ++i) {
    const int64_t a = in.dim(in.rank() - 1 - i), b = target.dim(target.rank() - 1 - i);
    ok = a == b || a == 1;
  }
  if (!ok) {
    return InvalidArgument(
        StrCat("BroadcastTo: unable to broadcast tensor of shape ", in.ToString(), " to tensor of shape ", target.ToString()));
  }
  return Status::Ok();
}

Status BroadcastTo(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReadIndexVector(ctx.input(1), "BroadcastTo: shape"));
  auto shape_or = TensorShape::Make(dims);
  if (!shape_or.ok()) return InvalidArgument(StrCat("BroadcastTo: ", shape_or.status().message()));
  const TensorShape& target = *shape_or;
  SERVAL_RETURN_IF_ERROR(CheckBroadcastTo(in.shape(), target));
  if (in.shape() == target) {
    ctx.set_output(0, in);
    return Status::Ok();
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, in.dtype(), target));
  const int r = target.rank(), off = target.rank() - in.rank();
  std::vector<int64_t> in_strides(static_cast<size_t>(r), 0);
  const std::vector<int64_t> own = RowMajorStrides(in.shape().dims());
  for (int i = 0; i < in.rank(); ++i) {
    in_strides[static_cast<size_t>(i + off)] = in.dim(i) == 1 ? 0 : own[static_cast<size_t>(i)];
  }
  const std::vector<int64_t> out_strides = RowMajorStrides(target.dims());
  return DispatchByElement(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    StridedCopy<T>(target.dims(), ElemData<T>(in), in_strides, ElemData<T>(out), out_strides);
    return Status::Ok();
  });
}

Status BroadcastArgs(KernelContext& ctx) {
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> a, ReadIndexVector(ctx.input(0), "BroadcastArgs: s0"));
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> b, ReadIndexVector(ctx.input(1), "BroadcastArgs: s1"));
  const size_t r = std::max(a.size(), b.size());
  std::vector<int64_t> out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t x = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t y = i < b.size() ? b[b.size() - 1 - i] : 1;
    int64_t z;
    if (x == y || y == 1) {
      z = x;
    } else if (x == 1) {
      z = y;
    } else {
      return InvalidArgument(StrCat("BroadcastArgs: incompatible shapes: ", DimsToString(a), " vs. ", DimsToString(b)));
    }
    out[r - 1 - i] = z;
  }
  return WriteIndexVector(ctx, 0, ctx.input(0).dtype(), out, "BroadcastArgs");
}

Status Fill(KernelContext& ctx) {
  const Tensor& dims_t = ctx.input(0);
  const Tensor& value = ctx.input(1);
  if (dims_t.rank() != 1) {
    return InvalidArgument(StrCat("Fill: dims must be a vector, got shape ", dims_t.shape().ToString()));
  }
  if (value.rank() != 0) {
    return InvalidArgument(StrCat("Fill: value must be a scalar, got shape ", value.shape().ToString()));
  }
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReadIndexVector(dims_t, "Fill: dims"));
  auto shape = TensorShape::Make(dims);
  if (!shape.ok()) return InvalidArgument(StrCat("Fill: ", shape.status().message()));
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, value.dtype(), *shape));
  return DispatchByElement(value.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::fill_n(ElemData<T>(out), out->num_elements(), *ElemData<T>(value));
    return Status::Ok();
  });
}

Status SetAliased(KernelContext& ctx, const Tensor& in, TensorShape shape) {
  SERVAL_ASSIGN_OR_RETURN(Tensor t, in.Reshaped(std::move(shape)));
  ctx.set_output(0, std::move(t));
  return Status::Ok();
}

}  // namespace

void RegisterShapeKernels(runtime::KernelRegistry& r) {
  // Shape-only ops accept any dtype (TF registers them without a T constraint).
  r.Register("Shape", [](const KernelInfo& info) -> Result<std::unique_ptr<runtime::Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType out_type, GetIndexTypeAttr(info, "out_type", DataType::kInt32));
    return MakeFnKernel([out_type](KernelContext& ctx) {
      return WriteIndexVector(ctx, 0, out_type, ctx.input(0).shape().dims(), "Shape");
    });
  });
  r.Register("ShapeN", [](const KernelInfo& info) -> Result<std::unique_ptr<runtime::Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType out_type, GetIndexTypeAttr(info, "out_type", DataType::kInt32));
    return MakeFnKernel([out_type](KernelContext& ctx) {
      if (ctx.num_outputs() != ctx.num_inputs()) {
        return InvalidArgument(StrCat("ShapeN: ", ctx.num_inputs(), " inputs but ", ctx.num_outputs(), " outputs"));
      }
      for (int i = 0; i < ctx.num_inputs(); ++i) {
        SERVAL_RETURN_IF_ERROR(WriteIndexVector(ctx, i, out_type, ctx.input(i).shape().dims(), "ShapeN"));
      }
      return Status::Ok();
    });
  });
  r.Register("Size", [](const KernelInfo& info) -> Result<std::unique_ptr<runtime::Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType out_type, GetIndexTypeAttr(info, "out_type", DataType::kInt32));
    return MakeFnKernel(
        [out_type](KernelContext& ctx) { return WriteIndexScalar(ctx, out_type, ctx.input(0).num_elements(), "Size"); });
  });
  r.Register("Rank", [](const KernelInfo&) -> Result<std::unique_ptr<runtime::Kernel>> {
    return MakeFnKernel(
        [](KernelContext& ctx) { return WriteIndexScalar(ctx, DataType::kInt32, ctx.input(0).rank(), "Rank"); });
  });
  r.Register("Reshape", [](const KernelInfo&) -> Result<std::unique_ptr<runtime::Kernel>> {
    return MakeFnKernel([](KernelContext& ctx) -> Status {
      SERVAL_ASSIGN_OR_RETURN(TensorShape shape, ComputeReshape(ctx.input(0).shape(), ctx.input(1)));
      return SetAliased(ctx, ctx.input(0), std::move(shape));
    });
  });
  r.Register("ExpandDims", [](const KernelInfo&) -> Result<std::unique_ptr<runtime::Kernel>> {
    return MakeFnKernel([](KernelContext& ctx) -> Status {
      const Tensor& in = ctx.input(0);
      if (ctx.input(1).num_elements() != 1) {
        return InvalidArgument(StrCat("ExpandDims: 'dim' must be a tensor with a single value, got shape ",
                                      ctx.input(1).shape().ToString()));
      }
      if (!IsIndexType(ctx.input(1).dtype())) return InvalidArgument("ExpandDims: dim must be int32 or int64");
      int64_t dim = IndexAt(ctx.input(1), 0);
      if (dim < -1 - in.rank() || dim > in.rank()) {
        return InvalidArgument(StrCat("ExpandDims: tried to expand dim index ", dim, " for tensor with ", in.rank(),
                                      " dimensions (valid range [", -1 - in.rank(), ", ", in.rank(), "])"));
      }
      if (dim < 0) dim += in.rank() + 1;
      TensorShape shape = in.shape();
      shape.InsertDim(static_cast<int>(dim), 1);
      return SetAliased(ctx, in, std::move(shape));
    });
  });
  r.Register("Squeeze", [](const KernelInfo& info) -> Result<std::unique_ptr<runtime::Kernel>> {
    std::vector<int64_t> axes;
    if (info.FindAttr("squeeze_dims") != nullptr) {
      SERVAL_ASSIGN_OR_RETURN(axes, info.GetIntList("squeeze_dims"));
    }
    return MakeFnKernel([axes](KernelContext& ctx) -> Status {
      const Tensor& in = ctx.input(0);
      const int rank = in.rank();
      std::vector<bool> drop(static_cast<size_t>(rank), false);
      for (int64_t a : axes) {
        if (a < -rank || a >= rank) {
          return InvalidArgument(StrCat("Squeeze: tried to squeeze dim index ", a, " for tensor with ", rank,
                                        " dimensions (shape ", in.shape().ToString(), ")"));
        }
        const int d = static_cast<int>(a < 0 ? a + rank : a);
        if (in.dim(d) != 1) {
          return InvalidArgument(StrCat("Squeeze: can not squeeze dim[", d, "], expected a dimension of 1, got ",
                                        in.dim(d), " (shape ", in.shape().ToString(), ")"));
        }
        drop[static_cast<size_t>(d)] = true;
      }
      TensorShape shape;
      for (int d = 0; d < rank; ++d) {
        const bool squeeze = axes.empty() ? in.dim(d) == 1 : drop[static_cast<size_t>(d)];
        if (!squeeze) shape.AddDim(in.dim(d));
      }
      return SetAliased(ctx, in, std::move(shape));
    });
  });
  r.Register("Fill", "T", AllDataMovementTypes(), [](const KernelInfo& info) -> Result<std::unique_ptr<runtime::Kernel>> {
    return MakeFnKernel(Fill);
  });
  r.Register("BroadcastTo", "T", AllDataMovementTypes(),
             [](const KernelInfo&) -> Result<std::unique_ptr<runtime::Kernel>> { return MakeFnKernel(BroadcastTo); });
  r.Register("BroadcastArgs", "T", {DataType::kInt32, DataType::kInt64},
             [](const KernelInfo&) -> Result<std::unique_ptr<runtime::Kernel>> { return MakeFnKernel(BroadcastArgs); });
  r.Register("Where", "T",
             {DataType::kBool, DataType::kFloat, DataType::kDouble, DataType::kHalf, DataType::kBFloat16,
              DataType::kInt8, DataType::kInt16, DataType::kInt32, DataType::kInt64, DataType::kUInt8,
              DataType::kUInt16, DataType::kUInt32, DataType::kUInt64, DataType::kComplex64, DataType::kComplex128},
             [](const KernelInfo&) -> Result<std::unique_ptr<runtime::Kernel>> { return MakeFnKernel(Where); });
  RegisterShapeTransformKernels(r);
}

}  // namespace serval::kernels::cpu
