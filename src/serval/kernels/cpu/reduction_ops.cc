// Reductions (TF's reduction_ops_*.cc, argmax_op.cc). TF semantics kept here:
//  - reduction_indices: int32/int64 scalar or vector; negative axes count from the end; an axis
//    outside [-rank, rank) or a duplicate axis is InvalidArgument (TF's ReductionHelper); no axes
//    returns the input unchanged, as does reducing only size-1 dims (even for EuclideanNorm:
//    TF's ReductionHelper special case).
//  - Empty reductions give the identity: Sum 0, Prod 1, Max -inf (lowest for integers), Min +inf
//    (max for integers), All true, Any false, Mean NaN for floats (0/0). Integer Mean is the
//    wrapped integer sum divided (truncating) by the count; an empty integer Mean gives 0 where TF
//    would divide by zero.
//  - Max/Min propagate NaN. Integer Sum/Prod wrap. Half accumulates in float.
//  - ArgMax/ArgMin: ties resolve to the first index; a NaN wins (first NaN), as NumPy. An empty
//    reduction axis is InvalidArgument.
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "serval/kernels/cpu/elementwise.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

enum class Kind { kSum, kMean, kProd, kMax, kMin, kAll, kAny, kEuclid };

template <typename A>
A Identity(Kind k) {
  switch (k) {
    case Kind::kProd: return A(1);
    case Kind::kAll: return A(1);
    case Kind::kMax:
      if constexpr (std::numeric_limits<A>::has_infinity) return -std::numeric_limits<A>::infinity();
      else return std::numeric_limits<A>::lowest();
    case Kind::kMin:
      if constexpr (std::numeric_limits<A>::has_infinity) return std::numeric_limits<A>::infinity();
      else return std::numeric_limits<A>::max();
    default: return A(0);
  }
}

template <Kind K, typename A>
inline A Step(A acc, A x) {
  if constexpr (K == Kind::kSum || K == Kind::kMean) return WrapAdd(acc, x);
  else if constexpr (K == Kind::kProd) return WrapMul(acc, x);
  else if constexpr (K == Kind::kEuclid) return acc + x * x;
  else if constexpr (K == Kind::kMax) return (x > acc || x != x) ? x : acc;
  else if constexpr (K == Kind::kMin) return (x < acc || x != x) ? x : acc;
  else if constexpr (K == Kind::kAll) return acc && x;
  else return acc || x;
}

// Reads and validates the axes; fills `reduce` (per input dim).
Status ReadAxes(const Tensor& axes, int rank, const std::string& op, std::vector<bool>* reduce) {
  if (axes.rank() > 1) {
    return InvalidArgument(StrCat(op, ": reduction_indices must be a scalar or vector, got shape ", axes.shape().ToString()));
  }
  std::vector<int64_t> v;
  if (axes.dtype() == DataType::kInt32) {
    for (int32_t a : axes.flat<int32_t>()) v.push_back(a);
  } else if (axes.dtype() == DataType::kInt64) {
    for (int64_t a : axes.flat<int64_t>()) v.push_back(a);
  } else {
    return InvalidArgument(StrCat(op, ": reduction_indices must be int32 or int64, got ", DataTypeName(axes.dtype())));
  }
  reduce->assign(static_cast<size_t>(rank), false);
  for (int64_t a : v) {
    if (a < -rank || a >= rank) {
      return InvalidArgument(StrCat(op, ": invalid reduction dimension ", a, " for input with ", rank, " dimension(s)"));
    }
    int64_t i = a < 0 ? a + rank : a;
    if ((*reduce)[static_cast<size_t>(i)]) {
      return InvalidArgument(StrCat(op, ": axes contain duplicate dimension ", i));
    }
    (*reduce)[static_cast<size_t>(i)] = true;
  }
  return Status::Ok();
}

// Input data viewed as collapsed groups of dims, alternating kept / reduced.
struct Groups {
  std::vector<int64_t> size;
  std::vector<bool> reduced;
};

template <Kind K, typename T>
void Reduce(const T* in, T* out, const Groups& g, int64_t out_n, int64_t count) {
  using A = ComputeType<T>;
  // Not std::vector: All/Any accumulate bool.
  std::unique_ptr<A[]> acc(new A[static_cast<size_t>(out_n)]);
  for (int64_t i = 0; i < out_n; ++i) acc[static_cast<size_t>(i)] = Identity<A>(K);
  const size_t r = g.size.size();
  bool empty = false;
  for (int64_t s : g.size) empty = empty || s == 0;
  if (!empty && r > 0) {
    // Output strides of kept groups.
    std::vector<int64_t> ostride(r, 0);
    int64_t st = 1;
    for (size_t d = r; d-- > 0;) {
      if (!g.reduced[d]) {
        ostride[d] = st;
        st *= g.size[d];
      }
    }
    const int64_t inner = g.size[r - 1];
    const bool inner_reduced = g.reduced[r - 1];
    std::vector<int64_t> idx(r, 0);
    int64_t in_off = 0, o = 0;
    while (true) {
      const T* p = in + in_off;
      if (inner_reduced) {
        A a = acc[static_cast<size_t>(o)];
        if constexpr ((K == Kind::kSum || K == Kind::kMean) && std::is_floating_point_v<T>) {
          a += Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(p, inner).sum();
        } else if constexpr (K == Kind::kEuclid && std::is_floating_point_v<T>) {
          a += Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(p, inner).square().sum();
        } else {
          for (int64_t i = 0; i < inner; ++i) a = Step<K, A>(a, ToCompute(p[i]));
        }
        acc[static_cast<size_t>(o)] = a;
      } else {
        A* q = acc.get() + o;
        for (int64_t i = 0; i < inner; ++i) q[i] = Step<K, A>(q[i], ToCompute(p[i]));
      }
      in_off += inner;
      size_t d = r - 1;
      bool done = false;
      while (true) {
        if (d == 0) {
          done = true;
          break;
        }
        --d;
        ++idx[d];
        o += ostride[d];
        if (idx[d] < g.size[d]) break;
        o -= ostride[d] * g.size[d];
        idx[d] = 0;
      }
      if (done) break;
    }
  }
  for (int64_t i = 0; i < out_n; ++i) {
    A a = acc[static_cast<size_t>(i)];
    if constexpr (K == Kind::kMean) {
      if constexpr (std::is_integral_v<A>) a = count == 0 ? A(0) : static_cast<A>(a / static_cast<A>(count));
      else a = a / static_cast<A>(count);
    } else if constexpr (K == Kind::kEuclid) {
      a = std::sqrt(a);
    }
    out[i] = FromCompute<T>(a);
  }
}

template <Kind K, typename TL>
void RegisterReduction(runtime::KernelRegistry& r, const std::string& name, const std::string& type_attr = "T") {
  r.Register(name, type_attr, type_attr.empty() ? std::vector<DataType>{} : DTypes(TL{}),
             [name](const runtime::KernelInfo& info) -> Result<std::unique_ptr<runtime::Kernel>> {
               const bool keep_dims = info.GetBoolOr("keep_dims", false);
               return std::unique_ptr<runtime::Kernel>(
                   runtime::MakeFnKernel([name, keep_dims](runtime::KernelContext& ctx) -> Status {
                     const Tensor& x = ctx.input(0);
                     std::vector<bool> reduce;
                     SERVAL_RETURN_IF_ERROR(ReadAxes(ctx.input(1), x.rank(), name, &reduce));
                     TensorShape out_shape;
                     Groups g;
                     int64_t count = 1;
                     bool any = false;
                     for (int d = 0; d < x.rank(); ++d) {
                       const int64_t s = x.dim(d);
                       const bool red = reduce[static_cast<size_t>(d)];
                       any = any || red;
                       if (red) count *= s;
                       if (!red) out_shape.AddDim(s);
                       else if (keep_dims) out_shape.AddDim(1);
                       if (s == 1) continue;
                       if (!g.size.empty() && g.reduced.back() == red) {
                         g.size.back() *= s;
                       } else {
                         g.size.push_back(s);
                         g.reduced.push_back(red);
                       }
                     }
                     // TF reduces nothing (returns the input reshaped) when every reduced dim
                     // has size 1, e.g. EuclideanNorm over a size-1 axis keeps the sign.
                     bool reduces = false;
                     for (bool red : g.reduced) reduces = reduces || red;
                     if (!any || !reduces) {
                       SERVAL_ASSIGN_OR_RETURN(Tensor y, x.Reshaped(out_shape));
                       ctx.set_output(0, std::move(y));
                       return Status::Ok();
                     }
                     return DispatchType(x.dtype(), TL{}, name, [&](auto tag) -> Status {
                       using T = typename decltype(tag)::type;
                       SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x.dtype(), out_shape));
                       Reduce<K, T>(x.flat<T>().data(), out->flat<T>().data(), g, out_shape.num_elements(), count);
                       return Status::Ok();
                     });
                   }));
             });
}

template <bool kMax, typename T, typename I>
void ArgReduce(const T* in, I* out, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < inner; ++j) {
      const T* p = in + o * n * inner + j;
      auto best = ToCompute(p[0]);
      int64_t bi = 0;
      for (int64_t k = 1; k < n && best == best; ++k) {
        auto v = ToCompute(p[k * inner]);
        if (v != v || (kMax ? v > best : v < best)) {
          best = v;
          bi = k;
        }
      }
      out[o * inner + j] = static_cast<I>(bi);
    }
  }
}

template <bool kMax>
void RegisterArg(runtime::KernelRegistry& r, const std::string& name) {
  using TL = RealAndBoolTypes;
  r.Register(name, "T", DTypes(TL{}), [name](const runtime::KernelInfo& info) -> Result<std::unique_ptr<runtime::Kernel>> {
    DataType out_type = DataType::kInt64;
    if (info.FindAttr("output_type")) {
      SERVAL_ASSIGN_OR_RETURN(out_type, info.GetType("output_type"));
    }
    if (out_type != DataType::kInt32 && out_type != DataType::kInt64) {
      return InvalidArgument(StrCat(name, ": attr output_type must be int32 or int64, got ", DataTypeName(out_type)));
    }
    return std::unique_ptr<runtime::Kernel>(runtime::MakeFnKernel([name, out_type](runtime::KernelContext& ctx) -> Status {
      const Tensor& x = ctx.input(0);
      const Tensor& dim = ctx.input(1);
      if (dim.rank() != 0 || (dim.dtype() != DataType::kInt32 && dim.dtype() != DataType::kInt64)) {
        return InvalidArgument(StrCat(name, ": dimension must be an int32/int64 scalar, got ",
                                      DataTypeName(dim.dtype()), dim.shape().ToString()));
      }
      int64_t axis = dim.dtype() == DataType::kInt32 ? dim.scalar<int32_t>() : dim.scalar<int64_t>();
      const int rank = x.rank();
      if (axis < -rank || axis >= rank || rank == 0) {
        return InvalidArgument(StrCat(name, ": expected dimension in the range [", -rank, ", ", rank, "), but got ", axis));
      }
      if (axis < 0) axis += rank;
      const int ax = static_cast<int>(axis);
      const int64_t n = x.dim(ax);
      if (n == 0) {
        return InvalidArgument(StrCat(name, ": reduction axis ", ax, " is empty in shape ", x.shape().ToString()));
      }
      TensorShape out_shape = x.shape();
      out_shape.RemoveDim(ax);
      int64_t outer = 1, inner = 1;
      for (int d = 0; d < ax; ++d) outer *= x.dim(d);
      for (int d = ax + 1; d < rank; ++d) inner *= x.dim(d);
      return DispatchType(x.dtype(), TL{}, name, [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, out_type, out_shape));
        if (out_type == DataType::kInt32) {
          ArgReduce<kMax>(x.flat<T>().data(), out->flat<int32_t>().data(), outer, n, inner);
        } else {
          ArgReduce<kMax>(x.flat<T>().data(), out->flat<int64_t>().data(), outer, n, inner);
        }
        return Status::Ok();
      });
    }));
  });
}

}  // namespace

void RegisterReductionKernels(runtime::KernelRegistry& r) {
  RegisterReduction<Kind::kSum, RealTypes>(r, "Sum");
  RegisterReduction<Kind::kMean, RealTypes>(r, "Mean");
  RegisterReduction<Kind::kProd, RealTypes>(r, "Prod");
  RegisterReduction<Kind::kMax, RealTypes>(r, "Max");
  RegisterReduction<Kind::kMin, RealTypes>(r, "Min");
  RegisterReduction<Kind::kEuclid, FloatTypes>(r, "EuclideanNorm");
  RegisterReduction<Kind::kAll, TypeList<bool>>(r, "All", "");
  RegisterReduction<Kind::kAny, TypeList<bool>>(r, "Any", "");
  RegisterArg<true>(r, "ArgMax");
  RegisterArg<false>(r, "ArgMin");
}

}  // namespace serval::kernels::cpu
