// Miscellaneous math: Select/SelectV2, ClipByValue, AddN, BiasAdd(V1), Cumsum/Cumprod,
// Bucketize; Cast lives in math_misc_ops_cast.cc. TF semantics kept here:
//  - Select (v1): cond is a scalar, has the shape of t/e, or is a vector matching dim 0 of
//    t/e; SelectV2 broadcasts all three inputs.
//  - ClipByValue: bounds are scalars or have t's shape; min(max) order as TF (min(x, hi) then
//    max(., lo)), so NaN stays NaN and lo > hi gives lo.
//  - BiasAdd: NHWC adds along the last dim, NCHW along dim 1; bias length must equal it.
//  - Cumsum/Cumprod accumulate sequentially in T (half rounds after every step, like Eigen's
//    scan on Eigen::half); integer scans wrap.
//  - Bucketize: index of the first boundary > x (std::upper_bound); boundaries must be sorted.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "serval/kernels/cpu/broadcast.h"
#include "serval/kernels/cpu/elementwise.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {

void RegisterCastKernel(runtime::KernelRegistry& r);  // math_misc_ops_cast.cc

namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;
using KernelResult = Result<std::unique_ptr<Kernel>>;
using SelectTypes = decltype(ConcatTypes(RealAndBoolTypes{}, TypeList<std::string>{}));

template <typename F>
KernelResult Fn(F f) {
  return std::unique_ptr<Kernel>(runtime::MakeFnKernel(std::move(f)));
}

Status ComputeSelect(KernelContext& ctx) {
  const Tensor& c = ctx.input(0);
  const Tensor& t = ctx.input(1);
  const Tensor& e = ctx.input(2);
  if (!(t.shape() == e.shape()) || t.dtype() != e.dtype()) {
    return InvalidArgument(StrCat("Select: 'then' and 'else' must have the same shape and dtype: ", t.DebugString(),
                                  " vs. ", e.DebugString()));
  }
  if (c.dtype() != DataType::kBool) return InvalidArgument("Select: condition must be bool");
  if (c.rank() == 0) {
    ctx.set_output(0, c.scalar<bool>() ? t : e);
    return Status::Ok();
  }
  int64_t inner;
  if (c.shape() == t.shape()) {
    inner = 1;
  } else if (c.rank() == 1 && t.rank() >= 1 && c.dim(0) == t.dim(0)) {
    inner = c.dim(0) == 0 ? 0 : t.num_elements() / c.dim(0);
  } else {
    return InvalidArgument(StrCat("Select: condition must be a scalar, have the shape of 'then', or be a vector of ",
                                  "its first dimension: condition ", c.shape().ToString(), " vs. then ",
                                  t.shape().ToString()));
  }
  return DispatchType(t.dtype(), SelectTypes{}, "Select", [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, t.dtype(), t.shape()));
    auto cv = c.flat<bool>();
    auto tv = t.flat<T>();
    auto ev = e.flat<T>();
    auto ov = out->flat<T>();
    for (size_t r = 0; r < cv.size(); ++r) {
      const auto& src = cv[r] ? tv : ev;
      const size_t base = r * static_cast<size_t>(inner);
      for (size_t i = 0; i < static_cast<size_t>(inner); ++i) ov[base + i] = src[base + i];
    }
    return Status::Ok();
  });
}

Status ComputeSelectV2(KernelContext& ctx) {
  const Tensor& c = ctx.input(0);
  const Tensor& t = ctx.input(1);
  const Tensor& e = ctx.input(2);
  if (c.dtype() != DataType::kBool) return InvalidArgument("SelectV2: condition must be bool");
  if (t.dtype() != e.dtype()) return InvalidArgument("SelectV2: 'then' and 'else' dtypes differ");
  const TensorShape* shapes[] = {&c.shape(), &t.shape(), &e.shape()};
  SERVAL_ASSIGN_OR_RETURN(BroadcastPlan p, MakeBroadcastPlan(std::span<const TensorShape* const>(shapes, 3), "SelectV2"));
  return DispatchType(t.dtype(), SelectTypes{}, "SelectV2", [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, t.dtype(), p.out_shape));
    const bool* cp = c.flat<bool>().data();
    const T* tp = t.flat<T>().data();
    const T* ep = e.flat<T>().data();
    T* op = out->flat<T>().data();
    ForEachBroadcastRun<3>(p, [&](int64_t o, const auto& off, const auto& st, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        op[o + i] = cp[off[0] + i * st[0]] ? tp[off[1] + i * st[1]] : ep[off[2] + i * st[2]];
      }
    });
    return Status::Ok();
  });
}

Status ComputeClip(KernelContext& ctx) {
  const Tensor& t = ctx.input(0);
  const Tensor& lo = ctx.input(1);
  const Tensor& hi = ctx.input(2);
  for (const Tensor* b : {&lo, &hi}) {
    if (b->rank() != 0 && !(b->shape() == t.shape())) {
      return InvalidArgument(StrCat("ClipByValue: clip_value_min and clip_value_max must be scalars or have the shape ",
                                    "of t: t ", t.shape().ToString(), ", min ", lo.shape().ToString(), ", max ",
                                    hi.shape().ToString()));
    }
    if (b->dtype() != t.dtype()) return InvalidArgument("ClipByValue: bounds must have t's dtype");
  }
  return DispatchType(t.dtype(), RealTypes{}, "ClipByValue", [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, t.dtype(), t.shape()));
    auto x = t.flat<T>();
    auto l = lo.flat<T>();
    auto h = hi.flat<T>();
    auto o = out->flat<T>();
    const size_t ls = lo.rank() ? 1 : 0, hs = hi.rank() ? 1 : 0;
    for (size_t i = 0; i < x.size(); ++i) {
      auto v = ToCompute(x[i]);
      auto a = ToCompute(l[i * ls]);
      auto b = ToCompute(h[i * hs]);
      auto m = (b < v) ? b : v;
      o[i] = FromCompute<T>((m < a) ? a : m);
    }
    return Status::Ok();
  });
}

Status ComputeAddN(KernelContext& ctx) {
  const int n = ctx.num_inputs();
  if (n == 0) return InvalidArgument("AddN: needs at least one input");
  const Tensor& x0 = ctx.input(0);
  for (int i = 1; i < n; ++i) {
    if (!(ctx.input(i).shape() == x0.shape()) || ctx.input(i).dtype() != x0.dtype()) {
      return InvalidArgument(StrCat("AddN: inputs must have the same shape and dtype: input 0 is ", x0.DebugString(),
                                    ", input ", i, " is ", ctx.input(i).DebugString()));
    }
  }
  if (n == 1) {
    ctx.set_output(0, x0);
    return Status::Ok();
  }
  return DispatchType(x0.dtype(), RealTypes{}, "AddN", [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x0.dtype(), x0.shape()));
    auto o = out->flat<T>();
    const int64_t m = x0.num_elements();
    if constexpr (std::is_floating_point_v<T>) {
      using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
      Eigen::Map<Arr> acc(o.data(), m);
      acc = Eigen::Map<const Arr>(x0.flat<T>().data(), m);
      for (int i = 1; i < n; ++i) acc += Eigen::Map<const Arr>(ctx.input(i).flat<T>().data(), m);
    } else {
      for (int64_t j = 0; j < m; ++j) {
        auto a = ToCompute(x0.flat<T>()[static_cast<size_t>(j)]);
        for (int i = 1; i < n; ++i) a = WrapAdd(a, ToCompute(ctx.input(i).flat<T>()[static_cast<size_t>(j)]));
        o[static_cast<size_t>(j)] = FromCompute<T>(a);
      }
    }
    return Status::Ok();
  });
}

Status ComputeBiasAdd(KernelContext& ctx, bool nchw, const char* op) {
  const Tensor& v = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (v.rank() < 2) return InvalidArgument(StrCat(op, ": input must be at least 2-D, got ", v.shape().ToString()));
  if (b.rank() != 1) return InvalidArgument(StrCat(op, ": bias must be 1-D, got ", b.shape().ToString()));
  if (b.dtype() != v.dtype()) return InvalidArgument(StrCat(op, ": bias dtype differs from value dtype"));
  const int cdim = nchw ? 1 : v.rank() - 1;
  const int64_t c = v.dim(cdim);
  if (b.dim(0) != c) {
    return InvalidArgument(StrCat(op, ": bias length must equal the channel dimension ", cdim, " of value: bias ",
                                  b.shape().ToString(), " vs. value ", v.shape().ToString()));
  }
  int64_t inner = 1;
  for (int d = cdim + 1; d < v.rank(); ++d) inner *= v.dim(d);
  const int64_t outer = (c * inner) == 0 ? 0 : v.num_elements() / (c * inner);
  return DispatchType(v.dtype(), RealTypes{}, op, [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, v.dtype(), v.shape()));
    const T* x = v.flat<T>().data();
    const T* bp = b.flat<T>().data();
    T* o = out->flat<T>().data();
    for (int64_t n = 0; n < outer; ++n) {
      if constexpr (std::is_floating_point_v<T>) {
        using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
        if (inner == 1) {  // NHWC: a row of c channels
          Eigen::Map<Arr>(o + n * c, c) = Eigen::Map<const Arr>(x + n * c, c) + Eigen::Map<const Arr>(bp, c);
          continue;
        }
        for (int64_t k = 0; k < c; ++k) {
          const int64_t base = (n * c + k) * inner;
          Eigen::Map<Arr>(o + base, inner) = Eigen::Map<const Arr>(x + base, inner) + bp[k];
        }
      } else {
        for (int64_t k = 0; k < c; ++k) {
          const auto bk = ToCompute(bp[k]);
          const int64_t base = (n * c + k) * inner;
          for (int64_t i = 0; i < inner; ++i) o[base + i] = FromCompute<T>(WrapAdd(ToCompute(x[base + i]), bk));
        }
      }
    }
    return Status::Ok();
  });
}

template <bool kProd>
Status ComputeScan(KernelContext& ctx, bool exclusive, bool reverse, const char* op) {
  const Tensor& x = ctx.input(0);
  const Tensor& a = ctx.input(1);
  if (a.rank() != 0 || (a.dtype() != DataType::kInt32 && a.dtype() != DataType::kInt64)) {
    return InvalidArgument(StrCat(op, ": axis must be an int32/int64 scalar, got ", a.DebugString()));
  }
  int64_t axis = a.dtype() == DataType::kInt32 ? a.scalar<int32_t>() : a.scalar<int64_t>();
  const int rank = x.rank();
  if (axis < -rank || axis >= rank) {
    return InvalidArgument(StrCat(op, ": expected scan axis in the range [", -rank, ", ", rank, "), but got ", axis));
  }
  if (axis < 0) axis += rank;
  const int ax = static_cast<int>(axis);
  const int64_t n = x.dim(ax);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < ax; ++d) outer *= x.dim(d);
  for (int d = ax + 1; d < rank; ++d) inner *= x.dim(d);
  return DispatchType(x.dtype(), RealTypes{}, op, [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x.dtype(), x.shape()));
    const T* in = x.flat<T>().data();
    T* o = out->flat<T>().data();
    for (int64_t p = 0; p < outer; ++p) {
      for (int64_t j = 0; j < inner; ++j) {
        T acc = FromCompute<T>(ComputeType<T>(kProd ? 1 : 0));
        for (int64_t s = 0; s < n; ++s) {
          const int64_t k = reverse ? n - 1 - s : s;
          const int64_t idx = (p * n + k) * inner + j;
          if (exclusive) o[idx] = acc;
          auto v = ToCompute(in[idx]);
          acc = FromCompute<T>(kProd ? WrapMul(ToCompute(acc), v) : WrapAdd(ToCompute(acc), v));
          if (!exclusive) o[idx] = acc;
        }
      }
    }
    return Status::Ok();
  });
}

template <bool kProd>
void RegisterScan(runtime::KernelRegistry& r, const char* name) {
  r.Register(name, "T", DTypes(RealTypes{}), [name](const KernelInfo& info) -> KernelResult {
    const bool exclusive = info.GetBoolOr("exclusive", false);
    const bool reverse = info.GetBoolOr("reverse", false);
    return Fn([=](KernelContext& ctx) { return ComputeScan<kProd>(ctx, exclusive, reverse, name); });
  });
}

}  // namespace

void RegisterMathMiscKernels(runtime::KernelRegistry& r) {
  RegisterCastKernel(r);
  r.Register("Select", "T", DTypes(SelectTypes{}), [](const KernelInfo&) { return Fn(ComputeSelect); });
  r.Register("SelectV2", "T", DTypes(SelectTypes{}), [](const KernelInfo&) { return Fn(ComputeSelectV2); });
  r.Register("ClipByValue", "T", DTypes(RealTypes{}), [](const KernelInfo&) { return Fn(ComputeClip); });
  r.Register("AddN", "T", DTypes(RealTypes{}), [](const KernelInfo&) { return Fn(ComputeAddN); });
  r.Register("BiasAdd", "T", DTypes(RealTypes{}), [](const KernelInfo& info) -> KernelResult {
    const std::string fmt = info.GetStringOr("data_format", "NHWC");
    if (fmt != "NHWC" && fmt != "NCHW") {
      return InvalidArgument(StrCat("BiasAdd: attr data_format must be NHWC or NCHW, got '", fmt, "'"));
    }
    const bool nchw = fmt == "NCHW";
    return Fn([nchw](KernelContext& ctx) { return ComputeBiasAdd(ctx, nchw, "BiasAdd"); });
  });
  r.Register("BiasAddV1", "T", DTypes(RealTypes{}), [](const KernelInfo&) {
    return Fn([](KernelContext& ctx) { return ComputeBiasAdd(ctx, false, "BiasAddV1"); });
  });
  RegisterScan<false>(r, "Cumsum");
  RegisterScan<true>(r, "Cumprod");
  using BucketTypes = TypeList<int32_t, int64_t, float, double>;
  r.Register("Bucketize", "T", DTypes(BucketTypes{}), [](const KernelInfo& info) -> KernelResult {
    SERVAL_ASSIGN_OR_RETURN(std::vector<float> bounds, info.GetFloatList("boundaries"));
    if (!std::is_sorted(bounds.begin(), bounds.end())) {
      return InvalidArgument("Bucketize: attr boundaries must be sorted");
    }
    return Fn([bounds](KernelContext& ctx) -> Status {
      const Tensor& x = ctx.input(0);
      return DispatchType(x.dtype(), BucketTypes{}, "Bucketize", [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kInt32, x.shape()));
        auto in = x.flat<T>();
        auto o = out->flat<int32_t>();
        for (size_t i = 0; i < in.size(); ++i) {
          o[i] = static_cast<int32_t>(std::upper_bound(bounds.begin(), bounds.end(), in[i]) - bounds.begin());
        }
        return Status::Ok();
      });
    });
  });
}

}  // namespace serval::kernels::cpu
