// The broadcasting driver behind binary_ops.cc: an Op supplies Apply(a, b) (computed in float
// for half) and optionally flags:
//   kEigen            Array(a, b) on Eigen array expressions: used for float/double runs, so the
//                     LSTM hot path (same shape, scalar, row-vector broadcast) is vectorised.
//   kBoolOut          output dtype is bool.
//   kIntDivisor       integer divisors must be non-zero ("Integer division by zero").
//   kNegExponentCheck signed integer exponents must be >= 0.
#pragma once

#include <memory>
#include <string>
#include <type_traits>

#include <Eigen/Core>

#include "serval/kernels/cpu/broadcast.h"
#include "serval/kernels/cpu/elementwise.h"
#include "serval/runtime/kernel_registry.h"

namespace serval::kernels::cpu::binary_internal {

template <typename Op>
constexpr bool kHasEigen = requires { requires Op::kEigen; };
template <typename Op>
constexpr bool kBoolOut = requires { requires Op::kBoolOut; };
template <typename Op>
constexpr bool kIntDivisor = requires { requires Op::kIntDivisor; };
template <typename Op>
constexpr bool kNegExponentCheck = requires { requires Op::kNegExponentCheck; };

template <typename Op, typename T, typename Out>
inline Out ApplyOne(const T& x, const T& y) {
  if constexpr (std::is_same_v<T, Half>) {
    auto r = Op::Apply(HalfToFloat(x), HalfToFloat(y));
    if constexpr (std::is_same_v<Out, bool>) return r;
    else return FloatToHalf(r);
  } else {
    return Op::Apply(x, y);
  }
}

// One run: a and b advance by sa/sb (0 or 1) per element.
template <typename Op, typename T, typename Out>
void BinaryRun(const T* __restrict a, int64_t sa, const T* __restrict b, int64_t sb, Out* __restrict out,
               int64_t n) {
  if constexpr (kHasEigen<Op> && std::is_floating_point_v<T>) {
    using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
    Eigen::Map<Eigen::Array<Out, Eigen::Dynamic, 1>> mo(out, n);
    if (sa && sb) {
      mo = Op::Array(Eigen::Map<const Arr>(a, n), Eigen::Map<const Arr>(b, n));
    } else if (sa) {
      mo = Op::Array(Eigen::Map<const Arr>(a, n), Arr::Constant(n, *b));
    } else if (sb) {
      mo = Op::Array(Arr::Constant(n, *a), Eigen::Map<const Arr>(b, n));
    } else {
      mo.setConstant(ApplyOne<Op, T, Out>(*a, *b));
    }
  } else {
    if (sa && sb) {
      for (int64_t i = 0; i < n; ++i) out[i] = ApplyOne<Op, T, Out>(a[i], b[i]);
    } else if (sa) {
      const T y = *b;
      for (int64_t i = 0; i < n; ++i) out[i] = ApplyOne<Op, T, Out>(a[i], y);
    } else if (sb) {
      const T x = *a;
      for (int64_t i = 0; i < n; ++i) out[i] = ApplyOne<Op, T, Out>(x, b[i]);
    } else {
      const Out v = ApplyOne<Op, T, Out>(*a, *b);
      for (int64_t i = 0; i < n; ++i) out[i] = v;
    }
  }
}

template <typename Op, typename T, typename Out>
void BinaryLoop(const T* a, const T* b, Out* out, const BroadcastPlan& p) {
  if (p.same_shape) {
    BinaryRun<Op, T, Out>(a, 1, b, 1, out, p.out_shape.num_elements());
    return;
  }
  ForEachBroadcastRun<2>(p, [&](int64_t o, const auto& off, const auto& st, int64_t n) {
    BinaryRun<Op, T, Out>(a + off[0], st[0], b + off[1], st[1], out + o, n);
  });
}

template <typename Op, typename TL>
Status ComputeBinary(runtime::KernelContext& ctx, const std::string& op, bool incompatible_shape_error) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.dtype() != b.dtype()) {
    return InvalidArgument(StrCat(op, ": inputs have different dtypes: ", DataTypeName(a.dtype()), " vs. ",
                                  DataTypeName(b.dtype())));
  }
  auto plan = MakeBroadcastPlan(a.shape(), b.shape(), op);
  if (!plan.ok()) {
    if (incompatible_shape_error) return plan.status();
    // TF's Equal/NotEqual: unbroadcastable shapes simply compare unequal, as a scalar.
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kBool, TensorShape{}));
    out->scalar<bool>() = (op == "NotEqual");
    return Status::Ok();
  }
  return DispatchType(a.dtype(), TL{}, op, [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    using Out = std::conditional_t<kBoolOut<Op>, bool, T>;
    const int64_t out_n = plan->out_shape.num_elements();
    if constexpr (kIntDivisor<Op> && std::is_integral_v<T>) {
      if (out_n > 0) {
        for (T v : b.flat<T>())
          if (v == T(0)) return InvalidArgument("Integer division by zero");
      }
    }
    if constexpr (kNegExponentCheck<Op> && std::is_integral_v<T> && std::is_signed_v<T>) {
      if (out_n > 0) {
        for (T v : b.flat<T>())
          if (v < T(0)) return InvalidArgument("Integers to negative integer powers are not allowed");
      }
    }
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataTypeOf<Out>::value, plan->out_shape));
    if (out_n == 0) return Status::Ok();
    BinaryLoop<Op, T, Out>(a.flat<T>().data(), b.flat<T>().data(), out->flat<Out>().data(), *plan);
    return Status::Ok();
  });
}

template <typename Op, typename TL>
void RegisterBinary(runtime::KernelRegistry& r, const std::string& name, TL tl, const std::string& type_attr = "T") {
  r.Register(name, type_attr, type_attr.empty() ? std::vector<DataType>{} : DTypes(tl),
             [name](const runtime::KernelInfo& info) -> Result<std::unique_ptr<runtime::Kernel>> {
               bool strict = info.GetBoolOr("incompatible_shape_error", true);
               return std::unique_ptr<runtime::Kernel>(
                   runtime::MakeFnKernel([name, strict](runtime::KernelContext& ctx) {
                     return ComputeBinary<Op, TL>(ctx, name, strict);
                   }));
             });
}

}  // namespace serval::kernels::cpu::binary_internal
