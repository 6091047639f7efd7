// Layout-changing copies registered by RegisterShapeKernels: Tile, Pad, PadV2, MirrorPad,
// Transpose, Reverse, ReverseV2. All are strided copies (data_movement.h); Transpose has a
// cache-blocked path for the 2-D and batched 2-D cases (Keras Dense on rank-3 inputs, attention).
#include <algorithm>

#include "serval/kernels/cpu/data_movement.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::KernelContext;
using runtime::KernelInfo;
using runtime::MakeFnKernel;
using KernelPtr = std::unique_ptr<runtime::Kernel>;

Status Tile(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> mult, ReadIndexVector(ctx.input(1), "Tile: multiples"));
  const int r = in.rank();
  if (static_cast<int>(mult.size()) != r) {
    return InvalidArgument(StrCat("Tile: expected multiples argument to be a vector of length ", r,
                                  " but got length ", mult.size(), " (input shape ", in.shape().ToString(), ")"));
  }
  std::vector<int64_t> out_dims(static_cast<size_t>(r));
  for (int i = 0; i < r; ++i) {
    if (mult[i] < 0) return InvalidArgument(StrCat("Tile: expected multiples[", i, "] >= 0, but got ", mult[i]));
    out_dims[i] = in.dim(i) * mult[i];
  }
  auto shape = TensorShape::Make(out_dims);
  if (!shape.ok()) return InvalidArgument(StrCat("Tile: ", shape.status().message()));
  if (*shape == in.shape()) {
    ctx.set_output(0, in);
    return Status::Ok();
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, in.dtype(), *shape));
  // Output index k*d + j (k < multiple, j < d) reads input index j: a 2r-dim copy whose src
  // stride is 0 over k.
  const std::vector<int64_t> is = RowMajorStrides(in.shape().dims()), os = RowMajorStrides(out_dims);
  std::vector<int64_t> dims, ss, ds;
  for (int i = 0; i < r; ++i) {
    dims.insert(dims.end(), {mult[i], in.dim(i)});
    ss.insert(ss.end(), {0, is[i]});
    ds.insert(ds.end(), {in.dim(i) * os[i], os[i]});
  }
  return DispatchByElement(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    StridedCopy<T>(dims, ElemData<T>(in), ss, ElemData<T>(out), ds);
    return Status::Ok();
  });
}

// Paddings as [rank][2], validated against the input.
Result<std::vector<std::array<int64_t, 2>>> ReadPaddings(const Tensor& in, const Tensor& p, std::string_view op) {
  if (!IsIndexType(p.dtype())) return InvalidArgument(StrCat(op, ": paddings must be int32 or int64"));
  if (p.rank() != 2 || p.dim(1) != 2) {
    return InvalidArgument(StrCat(op, ": paddings must be a matrix with 2 columns, got shape ", p.shape().ToString()));
  }
  if (p.dim(0) != in.rank()) {
    return InvalidArgument(StrCat(op, ": the first dimension of paddings must be the rank of inputs: paddings shape ",
                                  p.shape().ToString(), ", input shape ", in.shape().ToString()));
  }
  std::vector<std::array<int64_t, 2>> pads(static_cast<size_t>(in.rank()));
  for (int i = 0; i < in.rank(); ++i) {
    pads[i] = {IndexAt(p, 2 * i), IndexAt(p, 2 * i + 1)};
    if (pads[i][0] < 0 || pads[i][1] < 0) {
      return InvalidArgument(StrCat(op, ": paddings must be non-negative: ", pads[i][0], " ", pads[i][1]));
    }
  }
  return pads;
}

Result<TensorShape> PaddedShape(const Tensor& in, const std::vector<std::array<int64_t, 2>>& pads,
                                std::string_view op) {
  std::vector<int64_t> dims(static_cast<size_t>(in.rank()));
  for (int i = 0; i < in.rank(); ++i) dims[i] = in.dim(i) + pads[i][0] + pads[i][1];
  auto shape = TensorShape::Make(dims);
  if (!shape.ok()) return InvalidArgument(StrCat(op, ": ", shape.status().message()));
  return *shape;
}

Status Pad(KernelContext& ctx, bool v2) {
  const std::string_view op = v2 ? "PadV2" : "Pad";
  const Tensor& in = ctx.input(0);
  SERVAL_ASSIGN_OR_RETURN(auto pads, ReadPaddings(in, ctx.input(1), op));
  if (v2 && ctx.input(2).rank() != 0) {
    return InvalidArgument(StrCat(op, ": constant_values must be a scalar, got shape ", ctx.input(2).shape().ToString()));
  }
  SERVAL_ASSIGN_OR_RETURN(TensorShape shape, PaddedShape(in, pads, op));
  if (shape == in.shape()) {
    ctx.set_output(0, in);
    return Status::Ok();
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, in.dtype(), shape));
  const std::vector<int64_t> os = RowMajorStrides(shape.dims());
  int64_t offset = 0;
  for (int i = 0; i < in.rank(); ++i) offset += pads[i][0] * os[i];
  return DispatchByElement(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T value = v2 ? *ElemData<T>(ctx.input(2)) : T{};
    std::fill_n(ElemData<T>(out), out->num_elements(), value);
    StridedCopy<T>(in.shape().dims(), ElemData<T>(in), RowMajorStrides(in.shape().dims()), ElemData<T>(out) + offset,
                   os);
    return Status::Ok();
  });
}

// out[o] = in[sum_d table[d][o_d]]: an N-d gather with one offset table per dim.
template <typename T>
void GatherByTables(const std::vector<std::vector<int64_t>>& tables, const T* src, T* dst) {
  const int r = static_cast<int>(tables.size());
  if (r == 0) {
    *dst = *src;
    return;
  }
  for (const auto& t : tables) {
    if (t.empty()) return;
  }
  std::vector<size_t> idx(static_cast<size_t>(r), 0);
  const std::vector<int64_t>& last = tables.back();
  while (true) {
    int64_t base = 0;
    for (int d = 0; d + 1 < r; ++d) base += tables[d][idx[d]];
    for (int64_t off : last) *dst++ = src[base + off];
    int k = r - 2;
    for (; k >= 0; --k) {
      if (++idx[k] < tables[k].size()) break;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

Result<KernelPtr> MakeMirrorPad(const KernelInfo& info) {
  SERVAL_ASSIGN_OR_RETURN(std::string mode, info.GetString("mode"));
  if (mode != "REFLECT" && mode != "SYMMETRIC") {
    return InvalidArgument(StrCat("MirrorPad: attr mode must be REFLECT or SYMMETRIC, got '", mode, "'"));
  }
  const bool reflect = mode == "REFLECT";
  return MakeFnKernel([reflect](KernelContext& ctx) -> Status {
    const Tensor& in = ctx.input(0);
    SERVAL_ASSIGN_OR_RETURN(auto pads, ReadPaddings(in, ctx.input(1), "MirrorPad"));
    const int64_t slack = reflect ? 1 : 0;  // REFLECT does not repeat the edge element
    for (int i = 0; i < in.rank(); ++i) {
      if (pads[i][0] > in.dim(i) - slack || pads[i][1] > in.dim(i) - slack) {
        return InvalidArgument(StrCat("MirrorPad: paddings must be ", reflect ? "less than" : "no greater than",
                                      " the dimension size: ", pads[i][0], ", ", pads[i][1], " vs. dimension ", i,
                                      " of size ", in.dim(i)));
      }
    }
    SERVAL_ASSIGN_OR_RETURN(TensorShape shape, PaddedShape(in, pads, "MirrorPad"));
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, in.dtype(), shape));
    const std::vector<int64_t> is = RowMajorStrides(in.shape().dims());
    std::vector<std::vector<int64_t>> tables(static_cast<size_t>(in.rank()));
    for (int d = 0; d < in.rank(); ++d) {
      const int64_t n = in.dim(d);
      for (int64_t o = 0; o < shape.dim(d); ++o) {
        int64_t i = o - pads[d][0];
        if (i < 0) i = reflect ? -i : -i - 1;
        if (i >= n) i = reflect ? 2 * n - 2 - i : 2 * n - 1 - i;
        tables[d].push_back(i * is[d]);
      }
    }
    return DispatchByElement(in.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      GatherByTables<T>(tables, ElemData<T>(in), ElemData<T>(out));
      return Status::Ok();
    });
  });
}

// out[c][r] = in[r][c] for one rows x cols matrix, in 32x32 tiles so both sides stay in cache.
template <typename T>
void BlockTranspose(const T* in, T* out, int64_t rows, int64_t cols) {
  constexpr int64_t kB = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += kB) {
    const int64_t r1 = std::min(rows, r0 + kB);
    for (int64_t c0 = 0; c0 < cols; c0 += kB) {
      const int64_t c1 = std::min(cols, c0 + kB);
      for (int64_t c = c0; c < c1; ++c) {
        for (int64_t r = r0; r < r1; ++r) out[c * rows + r] = in[r * cols + c];
      }
    }
  }
}

Status Transpose(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ReadIndexVector(ctx.input(1), "Transpose: perm"));
  const int r = in.rank();
  if (static_cast<int>(perm.size()) != r) {
    return InvalidArgument(StrCat("Transpose: transpose expects a vector of size ", r, ". But input(1) is a vector of size ",
                                  perm.size(), " (input shape ", in.shape().ToString(), ")"));
  }
  std::vector<bool> seen(static_cast<size_t>(r), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= r) return InvalidArgument(StrCat("Transpose: ", p, " is out of range [0 .. ", r, ")"));
    if (seen[p]) return InvalidArgument(StrCat("Transpose: ", p, " is duplicated in the input"));
    seen[p] = true;
  }
  TensorShape out_shape;
  for (int i = 0; i < r; ++i) out_shape.AddDim(in.dim(static_cast<int>(perm[i])));
  // Moving only size-1 dims keeps the element order: alias the buffer.
  std::vector<int64_t> kept;  // input dims of size > 1, in output order
  for (int64_t p : perm) {
    if (in.dim(static_cast<int>(p)) != 1) kept.push_back(p);
  }
  if (std::is_sorted(kept.begin(), kept.end()) || in.num_elements() == 0) {
    SERVAL_ASSIGN_OR_RETURN(Tensor t, in.Reshaped(out_shape));
    ctx.set_output(0, std::move(t));
    return Status::Ok();
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, in.dtype(), out_shape));
  // Merge input dims that stay adjacent in the output: reduced dims/perm.
  std::vector<int64_t> red_dims;  // reduced input dims
  std::vector<int> group_of(static_cast<size_t>(r), -1);
  std::vector<int64_t> red_perm;
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i > 0 && kept[i] == kept[i - 1] + 1) {
      continue;
    }
    red_perm.push_back(kept[i]);  // first input dim of each group, in output order
  }
  std::vector<int64_t> starts = red_perm;
  std::sort(starts.begin(), starts.end());
  for (size_t g = 0; g < starts.size(); ++g) {
    int64_t size = 1;
    const int64_t end = g + 1 < starts.size() ? starts[g + 1] : r;
    for (int64_t d = starts[g]; d < end; ++d) size *= in.dim(static_cast<int>(d));
    red_dims.push_back(size);
  }
  for (auto& p : red_perm) p = std::lower_bound(starts.begin(), starts.end(), p) - starts.begin();
  const size_t rr = red_dims.size();
  return DispatchByElement(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = ElemData<T>(in);
    T* dst = ElemData<T>(out);
    if (rr == 2) {  // perm is [1,0]
      BlockTranspose(src, dst, red_dims[0], red_dims[1]);
    } else if (rr == 3 && red_perm[0] == 0 && red_perm[1] == 2) {  // batched [0,2,1]
      const int64_t m = red_dims[1] * red_dims[2];
      for (int64_t b = 0; b < red_dims[0]; ++b) BlockTranspose(src + b * m, dst + b * m, red_dims[1], red_dims[2]);
    } else {
      const std::vector<int64_t> is = RowMajorStrides(red_dims);
      std::vector<int64_t> od(rr), ss(rr);
      for (size_t i = 0; i < rr; ++i) {
        od[i] = red_dims[red_perm[i]];
        ss[i] = is[red_perm[i]];
      }
      StridedCopy<T>(od, src, ss, dst, RowMajorStrides(od));
    }
    return Status::Ok();
  });
}

Status ReverseDims(KernelContext& ctx, const std::vector<bool>& rev) {
  const Tensor& in = ctx.input(0);
  bool any = false;
  for (int i = 0; i < in.rank(); ++i) any = any || (rev[i] && in.dim(i) > 1);
  if (!any) {
    ctx.set_output(0, in);
    return Status::Ok();
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, in.dtype(), in.shape()));
  std::vector<int64_t> ss = RowMajorStrides(in.shape().dims());
  const std::vector<int64_t> ds = ss;
  int64_t start = 0;
  for (int i = 0; i < in.rank(); ++i) {
    if (rev[i]) {
      start += (in.dim(i) - 1) * ss[i];
      ss[i] = -ss[i];
    }
  }
  return DispatchByElement(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    StridedCopy<T>(in.shape().dims(), ElemData<T>(in) + start, ss, ElemData<T>(out), ds);
    return Status::Ok();
  });
}

Status ReverseV1(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& dims = ctx.input(1);
  if (dims.dtype() != DataType::kBool || dims.rank() != 1 || dims.num_elements() != in.rank()) {
    return InvalidArgument(StrCat("Reverse: 'dims' must be a bool vector with one value per dimension of 'input': input shape ",
                                  in.shape().ToString(), ", dims shape ", dims.shape().ToString()));
  }
  std::vector<bool> rev(dims.flat<bool>().begin(), dims.flat<bool>().end());
  return ReverseDims(ctx, rev);
}

Status ReverseV2(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ReadIndexVector(ctx.input(1), "ReverseV2: axis"));
  const int r = in.rank();
  std::vector<bool> rev(static_cast<size_t>(r), false);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = axes[i];
    if (a < -r || a >= r) {
      return InvalidArgument(StrCat("ReverseV2: 'axis'[", i, "] = ", a, " is out of valid range [", -r, ", ", r - 1,
                                    "] for input shape ", in.shape().ToString()));
    }
    const int64_t c = a < 0 ? a + r : a;
    if (rev[c]) return InvalidArgument(StrCat("ReverseV2: axis ", c, " specified more than once"));
    rev[c] = true;
  }
  return ReverseDims(ctx, rev);
}

}  // namespace

void RegisterShapeTransformKernels(runtime::KernelRegistry& r) {
  const std::vector<DataType> all = AllDataMovementTypes();
  r.Register("Tile", "T", all, [](const KernelInfo&) -> Result<KernelPtr> { return MakeFnKernel(Tile); });
  r.Register("Pad", "T", all, [](const KernelInfo&) -> Result<KernelPtr> {
    return MakeFnKernel([](KernelContext& ctx) { return Pad(ctx, false); });
  });
  r.Register("PadV2", "T", all, [](const KernelInfo&) -> Result<KernelPtr> {
    return MakeFnKernel([](KernelContext& ctx) { return Pad(ctx, true); });
  });
  r.Register("MirrorPad", "T", all, MakeMirrorPad);
  r.Register("Transpose", "T", all, [](const KernelInfo&) -> Result<KernelPtr> { return MakeFnKernel(Transpose); });
  r.Register("Reverse", "T", all, [](const KernelInfo&) -> Result<KernelPtr> { return MakeFnKernel(ReverseV1); });
  r.Register("ReverseV2", "T", all, [](const KernelInfo&) -> Result<KernelPtr> { return MakeFnKernel(ReverseV2); });
}

}  // namespace serval::kernels::cpu
