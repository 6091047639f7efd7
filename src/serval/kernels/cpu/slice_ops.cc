// Slice, Pack/Unpack, Concat/ConcatV2 and Split/SplitV (StridedSlice is in strided_slice_op.cc).
// Concat, Pack, Split and Unpack all view tensors as [outer, axis*inner] rows and copy row pieces;
// single-input/-output cases forward the input buffer.
#include <algorithm>

#include "serval/kernels/cpu/data_movement.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::KernelContext;
using runtime::KernelInfo;
using runtime::MakeFnKernel;
using KernelPtr = std::unique_ptr<runtime::Kernel>;

Status Slice(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& begin_t = ctx.input(1);
  const Tensor& size_t_ = ctx.input(2);
  const int r = in.rank();
  if (begin_t.rank() != 1 || size_t_.rank() != 1 || begin_t.num_elements() != r || size_t_.num_elements() != r) {
    return InvalidArgument(StrCat("Slice: Expected begin and size arguments to be 1-D tensors of size ", r,
                                  ", but got shapes ", begin_t.shape().ToString(), " and ", size_t_.shape().ToString(),
                                  " instead"));
  }
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> begin, ReadIndexVector(begin_t, "Slice: begin"));
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> size, ReadIndexVector(size_t_, "Slice: size"));
  bool identity = true;
  for (int i = 0; i < r; ++i) {
    const int64_t b = begin[i], dim = in.dim(i);
    int64_t s = size[i];
    if (s == -1) s = dim - b;  // TF: size -1 means "to the end", after checking begin
    if (b < 0 || b > dim) {
      return InvalidArgument(StrCat("Slice: Expected begin[", i, "] in [0, ", dim, "], but got ", b));
    }
    if (s < 0 || s > dim - b) {
      return InvalidArgument(StrCat("Slice: Expected size[", i, "] in [0, ", dim - b, "], but got ", size[i]));
    }
    size[i] = s;
    identity = identity && b == 0 && s == dim;
  }
  if (identity) {
    ctx.set_output(0, in);
    return Status::Ok();
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, in.dtype(), TensorShape(size)));
  const std::vector<int64_t> is = RowMajorStrides(in.shape().dims());
  int64_t offset = 0;
  for (int i = 0; i < r; ++i) offset += begin[i] * is[i];
  return DispatchByElement(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    StridedCopy<T>(size, ElemData<T>(in) + offset, is, ElemData<T>(out), RowMajorStrides(size));
    return Status::Ok();
  });
}

// out row o = concat over inputs k of in_k row o, each `widths[k]` elements wide.
template <typename T>
void ConcatRows(std::span<const Tensor* const> ins, const std::vector<int64_t>& widths, int64_t outer, T* out) {
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t k = 0; k < ins.size(); ++k) {
      const int64_t w = widths[k];
      const T* src = ElemData<T>(*ins[k]) + o * w;
      if constexpr (std::is_trivially_copyable_v<T>) {
        std::memcpy(out, src, static_cast<size_t>(w) * sizeof(T));
      } else {
        std::copy(src, src + w, out);
      }
      out += w;
    }
  }
}

// The inverse: in row o is split into pieces of `widths[k]` for output k.
template <typename T>
void SplitRows(const T* in, const std::vector<int64_t>& widths, int64_t outer, std::vector<T*> outs) {
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t k = 0; k < outs.size(); ++k) {
      const int64_t w = widths[k];
      if constexpr (std::is_trivially_copyable_v<T>) {
        std::memcpy(outs[k], in, static_cast<size_t>(w) * sizeof(T));
      } else {
        std::copy(in, in + w, outs[k]);
      }
      outs[k] += w;
      in += w;
    }
  }
}

Status ConcatImpl(KernelContext& ctx, std::span<const Tensor* const> ins, const Tensor& axis_t, std::string_view op) {
  SERVAL_ASSIGN_OR_RETURN(int64_t axis, ReadIndexScalar(axis_t, StrCat(op, ": axis")));
  const Tensor& first = *ins[0];
  const int r = first.rank();
  if (r == 0) return InvalidArgument(StrCat(op, ": can't concatenate scalars (use tf.stack instead)"));
  if (axis < -r || axis >= r) {
    return InvalidArgument(StrCat(op, ": expected concatenating dimensions in the range [", -r, ", ", r, "), but got ", axis));
  }
  const int ax = static_cast<int>(axis < 0 ? axis + r : axis);
  TensorShape out_shape = first.shape();
  int64_t total = 0;
  for (size_t k = 0; k < ins.size(); ++k) {
    const Tensor& t = *ins[k];
    if (t.dtype() != first.dtype()) return InvalidArgument(StrCat(op, ": inputs have different dtypes"));
    if (t.rank() != r) {
      return InvalidArgument(StrCat(op, ": ranks of all input tensors should match: shape[0] = ", first.shape().ToString(),
                                    " vs. shape[", k, "] = ", t.shape().ToString()));
    }
    for (int d = 0; d < r; ++d) {
      if (d != ax && t.dim(d) != first.dim(d)) {
        return InvalidArgument(StrCat(op, ": dimension ", d, " in both shapes must be equal: shape[0] = ",
                                      first.shape().ToString(), " vs. shape[", k, "] = ", t.shape().ToString()));
      }
    }
    total += t.dim(ax);
  }
  if (ins.size() == 1) {
    ctx.set_output(0, first);
    return Status::Ok();
  }
  out_shape.set_dim(ax, total);
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, first.dtype(), out_shape));
  const int64_t outer = Product(first.shape().dims(), 0, static_cast<size_t>(ax));
  std::vector<int64_t> widths;
  for (const Tensor* t : ins) widths.push_back(Product(t->shape().dims(), static_cast<size_t>(ax)));
  return DispatchByElement(first.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ConcatRows<T>(ins, widths, outer, ElemData<T>(out));
    return Status::Ok();
  });
}

std::vector<const Tensor*> Inputs(KernelContext& ctx, int from, int to) {
  std::vector<const Tensor*> v;
  for (int i = from; i < to; ++i) v.push_back(&ctx.input(i));
  return v;
}

Result<int> NormaliseAxis(int64_t axis, int rank, std::string_view op) {
  if (axis < -rank || axis >= rank) {
    return InvalidArgument(StrCat(op, ": axis = ", axis, " not in [", -rank, ", ", rank, ")"));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

Result<KernelPtr> MakePack(const KernelInfo& info) {
  const int64_t axis_attr = info.GetIntOr("axis", 0);
  return MakeFnKernel([axis_attr](KernelContext& ctx) -> Status {
    const int n = ctx.num_inputs();
    if (n == 0) return InvalidArgument("Pack: needs at least one input");
    const Tensor& first = ctx.input(0);
    SERVAL_ASSIGN_OR_RETURN(int ax, NormaliseAxis(axis_attr, first.rank() + 1, "Pack"));
    for (int k = 1; k < n; ++k) {
      if (!(ctx.input(k).shape() == first.shape()) || ctx.input(k).dtype() != first.dtype()) {
        return InvalidArgument(StrCat("Pack: shapes of all inputs must match: values[0].shape = ", first.shape().ToString(),
                                      " != values[", k, "].shape = ", ctx.input(k).shape().ToString()));
      }
    }
    TensorShape out_shape = first.shape();
    out_shape.InsertDim(ax, n);
    if (n == 1) {
      SERVAL_ASSIGN_OR_RETURN(Tensor t, first.Reshaped(out_shape));
      ctx.set_output(0, std::move(t));
      return Status::Ok();
    }
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, first.dtype(), out_shape));
    const int64_t outer = Product(first.shape().dims(), 0, static_cast<size_t>(ax));
    const std::vector<int64_t> widths(static_cast<size_t>(n), Product(first.shape().dims(), static_cast<size_t>(ax)));
    const std::vector<const Tensor*> ins = Inputs(ctx, 0, n);
    return DispatchByElement(first.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ConcatRows<T>(ins, widths, outer, ElemData<T>(out));
      return Status::Ok();
    });
  });
}

// Allocates outputs of `shapes` and splits `in` along ax into them.
Status SplitInto(KernelContext& ctx, const Tensor& in, int ax, const std::vector<TensorShape>& shapes) {
  std::vector<Tensor*> outs;
  std::vector<int64_t> widths;
  for (size_t k = 0; k < shapes.size(); ++k) {
    SERVAL_ASSIGN_OR_RETURN(Tensor * o, ctx.allocate_output(static_cast<int>(k), in.dtype(), shapes[k]));
    outs.push_back(o);
    widths.push_back(Product(shapes[k].dims(), static_cast<size_t>(ax)));
  }
  const int64_t outer = Product(in.shape().dims(), 0, static_cast<size_t>(ax));
  return DispatchByElement(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::vector<T*> ptrs;
    for (Tensor* o : outs) ptrs.push_back(ElemData<T>(o));
    SplitRows<T>(ElemData<T>(in), widths, outer, ptrs);
    return Status::Ok();
  });
}

Result<KernelPtr> MakeUnpack(const KernelInfo& info) {
  const int64_t axis_attr = info.GetIntOr("axis", 0);
  SERVAL_ASSIGN_OR_RETURN(int64_t num, info.GetInt("num"));
  return MakeFnKernel([axis_attr, num](KernelContext& ctx) -> Status {
    const Tensor& in = ctx.input(0);
    SERVAL_ASSIGN_OR_RETURN(int ax, NormaliseAxis(axis_attr, in.rank(), "Unpack"));
    if (in.dim(ax) != num || ctx.num_outputs() != num) {
      return InvalidArgument(StrCat("Unpack: input shape axis ", ax, " must equal ", num, ", got shape ",
                                    in.shape().ToString()));
    }
    TensorShape piece = in.shape();
    piece.RemoveDim(ax);
    if (num == 1) {
      SERVAL_ASSIGN_OR_RETURN(Tensor t, in.Reshaped(piece));
      ctx.set_output(0, std::move(t));
      return Status::Ok();
    }
    // Pieces without the axis have the same row width (inner elements) as with a 1-dim.
    return SplitInto(ctx, in, ax, std::vector<TensorShape>(static_cast<size_t>(num), piece));
  });
}

Status SplitEven(KernelContext& ctx, const Tensor& axis_t, const Tensor& in, int64_t num_split) {
  SERVAL_ASSIGN_OR_RETURN(int64_t axis, ReadIndexScalar(axis_t, "Split: split_dim"));
  const int r = in.rank();
  if (axis < -r || axis >= r) {
    return InvalidArgument(StrCat("Split: -input rank(-", r, ") <= split_dim < input rank (", r, "), but got ", axis));
  }
  const int ax = static_cast<int>(axis < 0 ? axis + r : axis);
  if (num_split <= 0 || in.dim(ax) % num_split != 0) {
    return InvalidArgument(StrCat("Split: number of ways to split should evenly divide the split dimension, but got split_dim ",
                                  ax, " (size = ", in.dim(ax), ") and num_split ", num_split));
  }
  if (num_split == 1) {
    ctx.set_output(0, in);
    return Status::Ok();
  }
  TensorShape piece = in.shape();
  piece.set_dim(ax, in.dim(ax) / num_split);
  return SplitInto(ctx, in, ax, std::vector<TensorShape>(static_cast<size_t>(num_split), piece));
}

Status SplitV(KernelContext& ctx, int64_t num_split) {
  const Tensor& in = ctx.input(0);
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, ReadIndexVector(ctx.input(1), "SplitV: size_splits"));
  SERVAL_ASSIGN_OR_RETURN(int64_t axis, ReadIndexScalar(ctx.input(2), "SplitV: split_dim"));
  const int r = in.rank();
  if (axis < -r || axis >= r) {
    return InvalidArgument(StrCat("SplitV: -input rank(-", r, ") <= split_dim < input rank (", r, "), but got ", axis));
  }
  const int ax = static_cast<int>(axis < 0 ? axis + r : axis);
  if (static_cast<int64_t>(sizes.size()) != num_split) {
    return InvalidArgument(StrCat("SplitV: number of ways to split should match the size of size_splits: num_split ",
                                  num_split, " vs. ", sizes.size(), " sizes"));
  }
  int64_t known = 0, unknown = -1;
  for (size_t k = 0; k < sizes.size(); ++k) {
    if (sizes[k] == -1) {
      if (unknown != -1) return InvalidArgument("SplitV: there can only be one -1 in the input");
      unknown = static_cast<int64_t>(k);
    } else if (sizes[k] < 0) {
      return InvalidArgument(StrCat("SplitV: split size at index ", k, " must be >= 0 or -1, got ", sizes[k]));
    } else {
      known += sizes[k];
    }
  }
  const int64_t dim = in.dim(ax);
  if ((unknown == -1 && known != dim) || (unknown != -1 && known > dim)) {
    return InvalidArgument(StrCat("SplitV: determined shape must either match input shape along split_dim exactly if "
                                  "fully specified, or be less than the size of the input along split_dim if not fully "
                                  "specified. Got: ", known, " for dimension of size ", dim, " (input shape ",
                                  in.shape().ToString(), ")"));
  }
  if (unknown != -1) sizes[static_cast<size_t>(unknown)] = dim - known;
  if (num_split == 1) {
    ctx.set_output(0, in);
    return Status::Ok();
  }
  std::vector<TensorShape> shapes;
  for (int64_t s : sizes) {
    TensorShape piece = in.shape();
    piece.set_dim(ax, s);
    shapes.push_back(piece);
  }
  return SplitInto(ctx, in, ax, shapes);
}

}  // namespace

void RegisterSliceKernels(runtime::KernelRegistry& r) {
  const std::vector<DataType> all = AllDataMovementTypes();
  r.Register("Slice", "T", all, [](const KernelInfo&) -> Result<KernelPtr> { return MakeFnKernel(Slice); });
  r.Register("Pack", "T", all, MakePack);
  r.Register("Unpack", "T", all, MakeUnpack);
  r.Register("ConcatV2", "T", all, [](const KernelInfo&) -> Result<KernelPtr> {
    return MakeFnKernel([](KernelContext& ctx) -> Status {
      const int n = ctx.num_inputs() - 1;
      if (n < 1) return InvalidArgument("ConcatV2: needs at least one value and an axis");
      const std::vector<const Tensor*> ins = Inputs(ctx, 0, n);
      return ConcatImpl(ctx, ins, ctx.input(n), "ConcatV2");
    });
  });
  r.Register("Concat", "T", all, [](const KernelInfo&) -> Result<KernelPtr> {
    return MakeFnKernel([](KernelContext& ctx) -> Status {
      if (ctx.num_inputs() < 2) return InvalidArgument("Concat: needs an axis and at least one value");
      const std::vector<const Tensor*> ins = Inputs(ctx, 1, ctx.num_inputs());
      return ConcatImpl(ctx, ins, ctx.input(0), "Concat");
    });
  });
  r.Register("Split", "T", all, [](const KernelInfo& info) -> Result<KernelPtr> {
    SERVAL_ASSIGN_OR_RETURN(int64_t num_split, info.GetInt("num_split"));
    return MakeFnKernel(
        [num_split](KernelContext& ctx) { return SplitEven(ctx, ctx.input(0), ctx.input(1), num_split); });
  });
  r.Register("SplitV", "T", all, [](const KernelInfo& info) -> Result<KernelPtr> {
    SERVAL_ASSIGN_OR_RETURN(int64_t num_split, info.GetInt("num_split"));
    return MakeFnKernel([num_split](KernelContext& ctx) { return SplitV(ctx, num_split); });
  });
  RegisterStridedSliceKernels(r);
}

}  // namespace serval::kernels::cpu
