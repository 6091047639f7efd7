// Element-wise unary math (TF's cwise_op_*.cc unary kernels). Float math goes through Eigen's
// array functions, as TF's kernels do (same vectorised approximations for exp, tanh, logistic,
// erf...). TF semantics kept here:
//  - Neg/Abs/Square on integers wrap (Abs(INT_MIN) == INT_MIN).
//  - Sign(NaN) is NaN (Eigen 3.4); Sign(+-0) is +0.
//  - Round is round-half-to-even (banker's), like Rint; on integers Round is the identity.
//  - Reciprocal/Inv of 0 is +-inf; Rsqrt of negative is NaN.
#include <cmath>
#include <string>

#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/kernels/cpu/unary_ops_impl.h"

namespace serval::kernels::cpu {
namespace {

using unary_internal::RegisterUnary;

#define SERVAL_FLOAT_UNARY_(Name, expr)    \
  struct Name {                            \
    template <typename A>                  \
    auto Array(const A& a) const {         \
      return expr;                         \
    }                                      \
  };

SERVAL_FLOAT_UNARY_(ExpOp, a.exp())
SERVAL_FLOAT_UNARY_(Expm1Op, a.expm1())
SERVAL_FLOAT_UNARY_(LogOp, a.log())
SERVAL_FLOAT_UNARY_(Log1pOp, a.log1p())
SERVAL_FLOAT_UNARY_(SqrtOp, a.sqrt())
SERVAL_FLOAT_UNARY_(RsqrtOp, a.rsqrt())
SERVAL_FLOAT_UNARY_(ReciprocalOp, a.inverse())
SERVAL_FLOAT_UNARY_(FloorOp, a.floor())
SERVAL_FLOAT_UNARY_(CeilOp, a.ceil())
SERVAL_FLOAT_UNARY_(RintOp, a.rint())
SERVAL_FLOAT_UNARY_(SinOp, a.sin())
SERVAL_FLOAT_UNARY_(CosOp, a.cos())
SERVAL_FLOAT_UNARY_(TanOp, a.tan())
SERVAL_FLOAT_UNARY_(AsinOp, a.asin())
SERVAL_FLOAT_UNARY_(AcosOp, a.acos())
SERVAL_FLOAT_UNARY_(AtanOp, a.atan())
SERVAL_FLOAT_UNARY_(SinhOp, a.sinh())
SERVAL_FLOAT_UNARY_(CoshOp, a.cosh())
SERVAL_FLOAT_UNARY_(TanhOp, a.tanh())
SERVAL_FLOAT_UNARY_(SigmoidOp, a.logistic())
SERVAL_FLOAT_UNARY_(ErfOp, a.erf())
SERVAL_FLOAT_UNARY_(ErfcOp, a.erfc())
// TF: features / (|features| + 1).
SERVAL_FLOAT_UNARY_(SoftsignOp, a / (a.abs() + typename A::Scalar(1)))
#undef SERVAL_FLOAT_UNARY_

struct NegOp {
  template <typename A>
  auto Array(const A& a) const { return -a; }
  template <typename T>
  T Scalar(T x) const { return WrapNeg(x); }
};
struct AbsOp {
  template <typename A>
  auto Array(const A& a) const { return a.abs(); }
  template <typename T>
  T Scalar(T x) const { return x < T(0) ? WrapNeg(x) : x; }
};
struct SquareOp {
  template <typename A>
  auto Array(const A& a) const { return a.square(); }
  template <typename T>
  T Scalar(T x) const { return WrapMul(x, x); }
};
struct SignOp {
  template <typename A>
  auto Array(const A& a) const { return a.sign(); }
  template <typename T>
  T Scalar(T x) const { return static_cast<T>((T(0) < x) - (x < T(0))); }
};
struct RoundOp {
  template <typename A>
  auto Array(const A& a) const { return a.rint(); }
  template <typename T>
  T Scalar(T x) const { return x; }
};
struct LogicalNotOp {
  bool Scalar(bool x) const { return !x; }
};
struct IsNanOp {
  static constexpr bool kBoolOut = true;
  template <typename T>
  bool Scalar(T x) const { return std::isnan(x); }
};
struct IsInfOp {
  static constexpr bool kBoolOut = true;
  template <typename T>
  bool Scalar(T x) const { return std::isinf(x); }
};
struct IsFiniteOp {
  static constexpr bool kBoolOut = true;
  template <typename T>
  bool Scalar(T x) const { return std::isfinite(x); }
};

template <int kValue>
void RegisterFillLike(runtime::KernelRegistry& r, const std::string& name) {
  using TL = RealAndBoolTypes;
  r.Register(name, "T", DTypes(TL{}), [name](const runtime::KernelInfo&) -> Result<std::unique_ptr<runtime::Kernel>> {
    return std::unique_ptr<runtime::Kernel>(runtime::MakeFnKernel([name](runtime::KernelContext& ctx) -> Status {
      const Tensor& x = ctx.input(0);
      return DispatchType(x.dtype(), TL{}, name, [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x.dtype(), x.shape()));
        T v;
        if constexpr (std::is_same_v<T, Half>) v = FloatToHalf(static_cast<float>(kValue));
        else v = static_cast<T>(kValue);
        for (T& o : out->flat<T>()) o = v;
        return Status::Ok();
      });
    }));
  });
}

}  // namespace

void RegisterUnaryKernels(runtime::KernelRegistry& r) {
  RegisterUnary<NegOp>(r, "Neg", SignedRealTypes{});
  RegisterUnary<AbsOp>(r, "Abs", SignedRealTypes{});
  RegisterUnary<SquareOp>(r, "Square", RealTypes{});
  RegisterUnary<SignOp>(r, "Sign", SignedRealTypes{});
  RegisterUnary<RoundOp>(r, "Round", SignedRealTypes{});
  RegisterUnary<ExpOp>(r, "Exp", FloatTypes{});
  RegisterUnary<Expm1Op>(r, "Expm1", FloatTypes{});
  RegisterUnary<LogOp>(r, "Log", FloatTypes{});
  RegisterUnary<Log1pOp>(r, "Log1p", FloatTypes{});
  RegisterUnary<SqrtOp>(r, "Sqrt", FloatTypes{});
  RegisterUnary<RsqrtOp>(r, "Rsqrt", FloatTypes{});
  RegisterUnary<ReciprocalOp>(r, "Reciprocal", FloatTypes{});
  RegisterUnary<ReciprocalOp>(r, "Inv", FloatTypes{});
  RegisterUnary<FloorOp>(r, "Floor", FloatTypes{});
  RegisterUnary<CeilOp>(r, "Ceil", FloatTypes{});
  RegisterUnary<RintOp>(r, "Rint", FloatTypes{});
  RegisterUnary<SinOp>(r, "Sin", FloatTypes{});
  RegisterUnary<CosOp>(r, "Cos", FloatTypes{});
  RegisterUnary<TanOp>(r, "Tan", FloatTypes{});
  RegisterUnary<AsinOp>(r, "Asin", FloatTypes{});
  RegisterUnary<AcosOp>(r, "Acos", FloatTypes{});
  RegisterUnary<AtanOp>(r, "Atan", FloatTypes{});
  RegisterUnary<SinhOp>(r, "Sinh", FloatTypes{});
  RegisterUnary<CoshOp>(r, "Cosh", FloatTypes{});
  RegisterUnary<TanhOp>(r, "Tanh", FloatTypes{});
  RegisterUnary<SigmoidOp>(r, "Sigmoid", FloatTypes{});
  RegisterUnary<ErfOp>(r, "Erf", FloatTypes{});
  RegisterUnary<ErfcOp>(r, "Erfc", FloatTypes{});
  RegisterUnary<SoftsignOp>(r, "Softsign", FloatTypes{});
  RegisterUnary<IsNanOp>(r, "IsNan", FloatTypes{});
  RegisterUnary<IsInfOp>(r, "IsInf", FloatTypes{});
  RegisterUnary<IsFiniteOp>(r, "IsFinite", FloatTypes{});
  RegisterUnary<LogicalNotOp>(r, "LogicalNot", TypeList<bool>{}, /*type_attr=*/"");
  RegisterFillLike<0>(r, "ZerosLike");
  RegisterFillLike<1>(r, "OnesLike");
}

}  // namespace serval::kernels::cpu
