// Cast (TF's cast_op). Conversions follow what TF's CPU kernel computes on x86-64:
//  - float/double/half -> integer truncates toward zero; NaN and out-of-range values give what
//    the x86 cvtt* instructions give: the "integer indefinite" INT_MIN for int32 (and, for int8,
//    int16, uint8 and uint16, the low bits of that int32 conversion), INT64_MIN for int64 (and the
//    low 32 bits of the int64 conversion for uint32). uint64 follows GCC's code sequence:
//    values >= 2^63 convert via x - 2^63, NaN gives 2^63, values >= 2^64 give 0.
//  - integer -> integer is modular (two's complement), bool -> x is 0/1, x -> bool is x != 0
//    (NaN -> true).
//  - double -> half/bfloat16 rounds through float, as Eigen's half(double) does.
//  - Truncate=true only changes float -> bfloat16 (mantissa truncation instead of rounding);
//    elsewhere it is accepted and ignored.
#include <cmath>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>

#include "serval/kernels/cpu/elementwise.h"
#include "serval/runtime/kernel_registry.h"

namespace serval::kernels::cpu {
namespace {

using CastTypes = decltype(ConcatTypes(RealAndBoolTypes{}, TypeList<BFloat16>{}));

template <typename T>
constexpr bool kIsFloatLike =
    std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

template <typename S>
auto Widen(S v) {
  if constexpr (std::is_same_v<S, Half>) return HalfToFloat(v);
  else if constexpr (std::is_same_v<S, BFloat16>) return BFloat16ToFloat(v);
  else return v;
}

// x86 cvttsd2si (32-bit): INT32_MIN for NaN and out-of-range.
inline int32_t CvtI32(double x) {
  if (!(x > -2147483649.0 && x < 2147483648.0)) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(x);
}
// x86 cvttsd2si (64-bit): INT64_MIN for NaN and out-of-range.
inline int64_t CvtI64(double x) {
  if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(x);
}

template <typename D, typename S>
D Convert(S s, bool truncate) {
  auto v = Widen(s);
  using V = decltype(v);
  if constexpr (std::is_same_v<D, bool>) {
    return v != V(0);
  } else if constexpr (std::is_same_v<D, Half>) {
    return FloatToHalf(static_cast<float>(v));
  } else if constexpr (std::is_same_v<D, BFloat16>) {
    float f = static_cast<float>(v);
    if (truncate && !std::isnan(f)) {
      uint32_t u;
      std::memcpy(&u, &f, 4);
      return BFloat16{static_cast<uint16_t>(u >> 16)};
    }
    return FloatToBFloat16(f);
  } else if constexpr (std::is_floating_point_v<D>) {
    return static_cast<D>(v);
  } else if constexpr (std::is_floating_point_v<V>) {
    const double x = static_cast<double>(v);
    if constexpr (std::is_same_v<D, int64_t>) {
      return CvtI64(x);
    } else if constexpr (std::is_same_v<D, uint64_t>) {
      constexpr double k2p63 = 9223372036854775808.0;
      if (x >= k2p63) return static_cast<uint64_t>(CvtI64(x - k2p63)) ^ (uint64_t{1} << 63);
      return static_cast<uint64_t>(CvtI64(x));
    } else if constexpr (std::is_same_v<D, uint32_t>) {
      return static_cast<uint32_t>(CvtI64(x));
    } else {
      return static_cast<D>(CvtI32(x));
    }
  } else {
    return static_cast<D>(v);  // integer/bool -> integer: modular
  }
}

}  // namespace

void RegisterCastKernel(runtime::KernelRegistry& r) {
  r.Register("Cast", "SrcT", DTypes(CastTypes{}),
             [](const runtime::KernelInfo& info) -> Result<std::unique_ptr<runtime::Kernel>> {
               SERVAL_ASSIGN_OR_RETURN(DataType dst, info.GetType("DstT"));
               const std::vector<DataType> ok = DTypes(CastTypes{});
               if (std::find(ok.begin(), ok.end(), dst) == ok.end()) {
                 return Unimplemented(StrCat("Cast: unsupported DstT ", DataTypeName(dst)));
               }
               const bool truncate = info.GetBoolOr("Truncate", false);
               return std::unique_ptr<runtime::Kernel>(
                   runtime::MakeFnKernel([dst, truncate](runtime::KernelContext& ctx) -> Status {
                     const Tensor& x = ctx.input(0);
                     if (x.dtype() == dst) {
                       ctx.set_output(0, x);
                       return Status::Ok();
                     }
                     SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dst, x.shape()));
                     return DispatchType(x.dtype(), CastTypes{}, "Cast", [&](auto stag) -> Status {
                       using S = typename decltype(stag)::type;
                       return DispatchType(dst, CastTypes{}, "Cast", [&](auto dtag) -> Status {
                         using D = typename decltype(dtag)::type;
                         auto in = x.flat<S>();
                         auto o = out->flat<D>();
                         for (size_t i = 0; i < in.size(); ++i) o[i] = Convert<D, S>(in[i], truncate);
                         return Status::Ok();
                       });
                     });
                   }));
             });
}

}  // namespace serval::kernels::cpu
