// Shared pieces of the element-wise kernel families (binary, unary, activation, reduction,
// math_misc): compile-time dtype lists, dispatch from a runtime DataType to a C++ type, half
// conversion and two's-complement wrapping integer arithmetic (TF's int ops wrap on overflow).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "serval/base/status.h"
#include "serval/base/strings.h"
#include "serval/tensor/dtype.h"

namespace serval::kernels::cpu {

template <typename T>
struct CwiseTypeTag {
  using type = T;
};
template <typename... Ts>
struct TypeList {};

template <typename... Ts>
std::vector<DataType> DTypes(TypeList<Ts...>) {
  return {DataTypeOf<Ts>::value...};
}

template <typename... A, typename... B>
constexpr TypeList<A..., B...> ConcatTypes(TypeList<A...>, TypeList<B...>) {
  return {};
}

using FloatTypes = TypeList<float, double, Half>;
using SignedIntTypes = TypeList<int8_t, int16_t, int32_t, int64_t>;
using UnsignedIntTypes = TypeList<uint8_t, uint16_t, uint32_t, uint64_t>;
using IntTypes = decltype(ConcatTypes(SignedIntTypes{}, UnsignedIntTypes{}));
using RealTypes = decltype(ConcatTypes(FloatTypes{}, IntTypes{}));
using SignedRealTypes = decltype(ConcatTypes(FloatTypes{}, SignedIntTypes{}));
using RealAndBoolTypes = decltype(ConcatTypes(RealTypes{}, TypeList<bool>{}));

// Calls f(CwiseTypeTag<T>{}) for the T in the list whose DataType is dt; Unimplemented otherwise.
template <typename... Ts, typename F>
Status DispatchType(DataType dt, TypeList<Ts...>, std::string_view op, F&& f) {
  Status s;
  // The error message is built only when no type matched: this runs on every elementwise call.
  const bool matched = ((DataTypeOf<Ts>::value == dt ? (s = f(CwiseTypeTag<Ts>{}), true) : false) || ...);
  if (!matched) return Unimplemented(StrCat(op, ": unsupported dtype ", DataTypeName(dt)));
  return s;
}

// Half is computed in float and rounded back, as Eigen::half does.
template <typename T>
using ComputeType = std::conditional_t<std::is_same_v<T, Half>, float, T>;
template <typename T>
inline ComputeType<T> ToCompute(T v) {
  if constexpr (std::is_same_v<T, Half>) return HalfToFloat(v);
  else return v;
}
template <typename T>
inline T FromCompute(ComputeType<T> v) {
  if constexpr (std::is_same_v<T, Half>) return FloatToHalf(v);
  else return v;
}

template <typename T>
constexpr bool kIsFloat = std::is_floating_point_v<T> || std::is_same_v<T, Half>;

// Wrapping integer arithmetic without signed-overflow UB.
template <typename T>
inline T WrapAdd(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}
template <typename T>
inline T WrapSub(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  } else {
    return a - b;
  }
}
template <typename T>
inline T WrapMul(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    // Promote narrow unsigned types to a wide unsigned type so the product cannot overflow int.
    using W = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
    return static_cast<T>(static_cast<U>(static_cast<W>(static_cast<U>(a)) * static_cast<W>(static_cast<U>(b))));
  } else {
    return a * b;
  }
}
template <typename T>
inline T WrapNeg(T a) {
  return WrapSub(T(0), a);
}

}  // namespace serval::kernels::cpu
