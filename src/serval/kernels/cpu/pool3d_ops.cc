// MaxPool3D and AvgPool3D (NDHWC; Keras MaxPooling3D / AveragePooling3D) as direct loops,
// vectorised over channels. TF semantics as for the 2-D ops: SAME pads pad_total/2 before, AvgPool3D
// divides by the number of in-bounds elements of the window, MaxPool3D ignores padding and keeps a
// NaN once seen. Half is computed in float.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/conv_util.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

struct Pool3DParams {
  std::array<int64_t, 3> k{1, 1, 1}, s{1, 1, 1};
  Padding padding = Padding::kValid;
};

template <typename T>
using AccT = std::conditional_t<std::is_same_v<T, Half>, float, T>;

template <typename T>
AccT<T> Load(T v) {
  if constexpr (std::is_same_v<T, Half>)
    return HalfToFloat(v);
  else
    return v;
}
template <typename T>
T Store(AccT<T> v) {
  if constexpr (std::is_same_v<T, Half>)
    return FloatToHalf(v);
  else
    return v;
}

template <typename T, bool kMax>
void Pool3D(const Tensor& in, Tensor& out, const Pool3DParams& p, const std::array<WindowDim, 3>& w) {
  using A = AccT<T>;
  const int64_t n = in.dim(0), id = in.dim(1), ih = in.dim(2), iw = in.dim(3), c = in.dim(4);
  const T* src = in.flat<T>().data();
  T* dst = out.flat<T>().data();
  std::vector<A> acc(static_cast<size_t>(c));
  auto range = [&](size_t axis, int64_t o, int64_t in_size) {
    const int64_t start = o * p.s[axis] - w[axis].pad_before;
    return std::pair<int64_t, int64_t>{std::max<int64_t>(start, 0), std::min<int64_t>(start + p.k[axis], in_size)};
  };
  T* po = dst;
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t od = 0; od < w[0].out; ++od) {
      const auto [d0, d1] = range(0, od, id);
      for (int64_t oh = 0; oh < w[1].out; ++oh) {
        const auto [h0, h1] = range(1, oh, ih);
        for (int64_t ow = 0; ow < w[2].out; ++ow, po += c) {
          const auto [w0, w1] = range(2, ow, iw);
          std::fill(acc.begin(), acc.end(), kMax ? std::numeric_limits<A>::lowest() : A(0));
          for (int64_t z = d0; z < d1; ++z) {
            for (int64_t y = h0; y < h1; ++y) {
              for (int64_t x = w0; x < w1; ++x) {
                const T* px = src + (((b * id + z) * ih + y) * iw + x) * c;
                for (int64_t ch = 0; ch < c; ++ch) {
                  const A v = Load(px[ch]);
                  A& a = acc[static_cast<size_t>(ch)];
                  if constexpr (kMax) {
                    if (!(v <= a) && !std::isnan(a)) a = v;
                  } else {
                    a += v;
                  }
                }
              }
            }
          }
          const A count = static_cast<A>((d1 - d0) * (h1 - h0) * (w1 - w0));
          for (int64_t ch = 0; ch < c; ++ch) {
            po[ch] = Store<T>(kMax ? acc[static_cast<size_t>(ch)] : acc[static_cast<size_t>(ch)] / count);
          }
        }
      }
    }
  }
}

template <bool kMax>
Status RunPool3D(const std::string& op, DataType dt, const Pool3DParams& p, KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  if (in.dtype() != dt) {
    return InvalidArgument(StrCat(op, ": input has dtype ", DataTypeName(in.dtype()), ", expected ", DataTypeName(dt)));
  }
  if (in.rank() != 5) return InvalidArgument(StrCat(op, ": tensor_in must be 5-dimensional, got ", in.shape().ToString()));
  std::array<WindowDim, 3> w;
  for (size_t i = 0; i < 3; ++i) {
    SERVAL_ASSIGN_OR_RETURN(w[i], ComputeWindow(op, in.dim(static_cast<int>(i) + 1), p.k[i], p.s[i], 1, p.padding));
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out,
                          ctx.allocate_output(0, dt, TensorShape{in.dim(0), w[0].out, w[1].out, w[2].out, in.dim(4)}));
  if (out->num_elements() == 0) return Status::Ok();
  switch (dt) {
    case DataType::kFloat:
      Pool3D<float, kMax>(in, *out, p, w);
      return Status::Ok();
    case DataType::kDouble:
      Pool3D<double, kMax>(in, *out, p, w);
      return Status::Ok();
    case DataType::kHalf:
      Pool3D<Half, kMax>(in, *out, p, w);
      return Status::Ok();
    default:
      return Unimplemented(StrCat(op, ": dtype ", DataTypeName(dt)));
  }
}

template <bool kMax>
runtime::KernelFactory Pool3DFactory(std::string op) {
  return [op](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
    const std::string fmt = info.GetStringOr("data_format", "NDHWC");
    if (fmt != "NDHWC") {
      return Unimplemented(StrCat(op, ": data_format '", fmt, "' is not supported on CPU (only NDHWC)"));
    }
    SERVAL_ASSIGN_OR_RETURN(std::string pad, info.GetString("padding"));
    Pool3DParams p;
    SERVAL_ASSIGN_OR_RETURN(p.padding, ParsePadding(pad, op, /*allow_explicit=*/false));
    SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> ksize, info.GetIntList("ksize"));
    SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> strides, info.GetIntList("strides"));
    if (ksize.size() != 5) return InvalidArgument(StrCat(op, ": ksize must be 5-dimensional, got ", ksize.size()));
    if (strides.size() != 5)
      return InvalidArgument(StrCat(op, ": strides must be 5-dimensional, got ", strides.size()));
    if (ksize[0] != 1 || strides[0] != 1 || ksize[4] != 1 || strides[4] != 1) {
      return Unimplemented(StrCat(op, ": pooling is not yet supported on the batch or depth dimension"));
    }
    for (size_t i = 0; i < 3; ++i) {
      p.k[i] = ksize[i + 1];
      p.s[i] = strides[i + 1];
      if (p.k[i] < 1 || p.s[i] < 1) return InvalidArgument(StrCat(op, ": ksize and strides must be positive"));
    }
    return runtime::MakeFnKernel([op, dt, p](KernelContext& ctx) { return RunPool3D<kMax>(op, dt, p, ctx); });
  };
}

}  // namespace

void RegisterPool3DKernels(runtime::KernelRegistry& r) {
  const std::vector<DataType> types = {DataType::kFloat, DataType::kDouble, DataType::kHalf};
  r.Register("MaxPool3D", "T", types, Pool3DFactory<true>("MaxPool3D"));
  r.Register("AvgPool3D", "T", types, Pool3DFactory<false>("AvgPool3D"));
}

}  // namespace serval::kernels::cpu
