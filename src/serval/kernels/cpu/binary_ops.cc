// Broadcasting binary arithmetic, comparison and logical ops (TF's cwise_op_*.cc family).
// TF semantics kept here:
//  - Integer arithmetic wraps (two's complement); Div/TruncateDiv/FloorDiv/Mod/TruncateMod/
//    FloorMod on integers fail with "Integer division by zero" when any divisor is 0 (checked
//    up front, as TF's safe_div does). INT_MIN / -1 wraps to INT_MIN (and its mod is 0) instead
//    of trapping like the x86 idiv TF would execute.
//  - Div on integers truncates toward zero (C++ '/'); FloorDiv rounds toward -inf; FloorMod takes
//    the sign of the divisor, TruncateMod/Mod the sign of the dividend (fmod on floats).
//  - Maximum/Minimum propagate NaN (Eigen PropagateNaN, as TF 2.x).
//  - Pow on signed integers with any negative exponent fails with "Integers to negative integer
//    powers are not allowed" (TF's safe_pow); float Pow is std::pow.
//  - Equal/NotEqual with incompatible_shape_error=false and unbroadcastable shapes give a scalar
//    false/true.
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>

#include <Eigen/Core>

#include "serval/kernels/cpu/binary_ops_impl.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using binary_internal::RegisterBinary;

struct AddOp {
  static constexpr bool kEigen = true;
  template <typename T>
  static T Apply(T a, T b) { return WrapAdd(a, b); }
  template <typename A, typename B>
  static auto Array(const A& a, const B& b) { return a + b; }
};
struct SubOp {
  static constexpr bool kEigen = true;
  template <typename T>
  static T Apply(T a, T b) { return WrapSub(a, b); }
  template <typename A, typename B>
  static auto Array(const A& a, const B& b) { return a - b; }
};
struct MulOp {
  static constexpr bool kEigen = true;
  template <typename T>
  static T Apply(T a, T b) { return WrapMul(a, b); }
  template <typename A, typename B>
  static auto Array(const A& a, const B& b) { return a * b; }
};
struct SquaredDifferenceOp {
  static constexpr bool kEigen = true;
  template <typename T>
  static T Apply(T a, T b) {
    T d = WrapSub(a, b);
    return WrapMul(d, d);
  }
  template <typename A, typename B>
  static auto Array(const A& a, const B& b) { return (a - b).square(); }
};
// Maximum / Minimum: a NaN operand propagates (either side), as Eigen's PropagateNaN.
template <bool kMax>
struct ExtremumOp {
  static constexpr bool kEigen = true;
  template <typename T>
  static T Apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
    }
    if constexpr (kMax) {
      return a < b ? b : a;
    } else {
      return b < a ? b : a;
    }
  }
  template <typename A, typename B>
  static auto Array(const A& a, const B& b) {
    using S = typename A::Scalar;
    if constexpr (kMax) {
      return a.binaryExpr(b, Eigen::internal::scalar_max_op<S, S, Eigen::PropagateNaN>());
    } else {
      return a.binaryExpr(b, Eigen::internal::scalar_min_op<S, S, Eigen::PropagateNaN>());
    }
  }
};
using MaximumOp = ExtremumOp<true>;
using MinimumOp = ExtremumOp<false>;

// Truncating integer division; float division. Divisors were checked non-zero.
template <typename T>
T TruncDiv(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_signed_v<T>) {
      if (b == T(-1)) return WrapNeg(a);
    }
    return static_cast<T>(a / b);
  } else {
    return a / b;
  }
}
template <typename T>
T TruncMod(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_signed_v<T>) {
      if (b == T(-1)) return T(0);
    }
    return static_cast<T>(a % b);
  } else {
    return std::fmod(a, b);
  }
}

struct DivOp {
  static constexpr bool kEigen = true;
  static constexpr bool kIntDivisor = true;
  template <typename T>
  static T Apply(T a, T b) { return TruncDiv(a, b); }
  template <typename A, typename B>
  static auto Array(const A& a, const B& b) { return a / b; }
};
struct TruncateDivOp : DivOp {};
struct DivNoNanOp {
  template <typename T>
  static T Apply(T a, T b) { return b == T(0) ? T(0) : a / b; }
};
struct FloorDivOp {
  static constexpr bool kIntDivisor = true;
  template <typename T>
  static T Apply(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
      T q = TruncDiv(a, b);
      if constexpr (std::is_signed_v<T>) {
        if (b != T(-1) && a % b != 0 && ((a < 0) != (b < 0))) q = static_cast<T>(q - 1);
      }
      return q;
    } else {
      return std::floor(a / b);
    }
  }
};
struct FloorModOp {
  static constexpr bool kIntDivisor = true;
  template <typename T>
  static T Apply(T a, T b) {
    T r = TruncMod(a, b);
    if constexpr (std::is_unsigned_v<T>) {
      return r;
    } else {
      return (r != T(0) && ((b < T(0)) != (r < T(0)))) ? static_cast<T>(r + b) : r;
    }
  }
};
struct TruncateModOp {
  static constexpr bool kIntDivisor = true;
  template <typename T>
  static T Apply(T a, T b) { return TruncMod(a, b); }
};
struct PowOp {
  static constexpr bool kNegExponentCheck = true;
  template <typename T>
  static T Apply(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
      T r = 1;
      while (b) {
        if (b & 1) r = WrapMul(r, a);
        a = WrapMul(a, a);
        b = static_cast<T>(b >> 1);
      }
      return r;
    } else {
      return std::pow(a, b);
    }
  }
};
struct Atan2Op {
  template <typename T>
  static T Apply(T a, T b) { return std::atan2(a, b); }
};

struct EqualOp {
  static constexpr bool kBoolOut = true;
  template <typename T>
  static bool Apply(const T& a, const T& b) { return a == b; }
};
struct NotEqualOp {
  static constexpr bool kBoolOut = true;
  template <typename T>
  static bool Apply(const T& a, const T& b) { return a != b; }
};
struct GreaterOp {
  static constexpr bool kBoolOut = true;
  template <typename T>
  static bool Apply(T a, T b) { return a > b; }
};
struct GreaterEqualOp {
  static constexpr bool kBoolOut = true;
  template <typename T>
  static bool Apply(T a, T b) { return a >= b; }
};
struct LessOp {
  static constexpr bool kBoolOut = true;
  template <typename T>
  static bool Apply(T a, T b) { return a < b; }
};
struct LessEqualOp {
  static constexpr bool kBoolOut = true;
  template <typename T>
  static bool Apply(T a, T b) { return a <= b; }
};
struct LogicalAndOp {
  static constexpr bool kBoolOut = true;
  static bool Apply(bool a, bool b) { return a && b; }
};
struct LogicalOrOp {
  static constexpr bool kBoolOut = true;
  static bool Apply(bool a, bool b) { return a || b; }
};

}  // namespace

void RegisterBinaryKernels(runtime::KernelRegistry& r) {
  using StrType = TypeList<std::string>;
  using BoolType = TypeList<bool>;
  // String Add concatenates (TF registers Add, not AddV2, for DT_STRING).
  RegisterBinary<AddOp>(r, "Add", decltype(ConcatTypes(RealTypes{}, StrType{})){});
  RegisterBinary<AddOp>(r, "AddV2", RealTypes{});
  RegisterBinary<SubOp>(r, "Sub", RealTypes{});
  RegisterBinary<MulOp>(r, "Mul", RealTypes{});
  RegisterBinary<DivOp>(r, "Div", RealTypes{});
  RegisterBinary<DivOp>(r, "RealDiv", FloatTypes{});
  RegisterBinary<DivNoNanOp>(r, "DivNoNan", FloatTypes{});
  RegisterBinary<TruncateDivOp>(r, "TruncateDiv", IntTypes{});
  RegisterBinary<FloorDivOp>(r, "FloorDiv", RealTypes{});
  RegisterBinary<FloorModOp>(r, "FloorMod", RealTypes{});
  RegisterBinary<TruncateModOp>(r, "TruncateMod", RealTypes{});
  RegisterBinary<TruncateModOp>(r, "Mod", RealTypes{});
  RegisterBinary<MaximumOp>(r, "Maximum", RealTypes{});
  RegisterBinary<MinimumOp>(r, "Minimum", RealTypes{});
  RegisterBinary<PowOp>(r, "Pow", RealTypes{});
  RegisterBinary<SquaredDifferenceOp>(r, "SquaredDifference", RealTypes{});
  RegisterBinary<Atan2Op>(r, "Atan2", FloatTypes{});
  RegisterBinary<EqualOp>(r, "Equal", decltype(ConcatTypes(RealAndBoolTypes{}, StrType{})){});
  RegisterBinary<NotEqualOp>(r, "NotEqual", decltype(ConcatTypes(RealAndBoolTypes{}, StrType{})){});
  RegisterBinary<GreaterOp>(r, "Greater", RealTypes{});
  RegisterBinary<GreaterEqualOp>(r, "GreaterEqual", RealTypes{});
  RegisterBinary<LessOp>(r, "Less", RealTypes{});
  RegisterBinary<LessEqualOp>(r, "LessEqual", RealTypes{});
  RegisterBinary<LogicalAndOp>(r, "LogicalAnd", BoolType{}, /*type_attr=*/"");
  RegisterBinary<LogicalOrOp>(r, "LogicalOr", BoolType{}, /*type_attr=*/"");
}

}  // namespace serval::kernels::cpu
