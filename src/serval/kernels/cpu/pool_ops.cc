// MaxPool, MaxPoolV2 and AvgPool (NHWC) as direct loops, vectorised over the channel dim.
// TF semantics: SAME pads pad_total/2 before; AvgPool divides by the number of in-bounds elements
// of each window (padding is excluded), MaxPool ignores padding. Half is computed in float.
// NaN: MaxPool propagates a NaN in the window (std::max-style comparisons would drop it
// depending on position; we keep it visible).
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

struct PoolParams {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1;
  Padding padding = Padding::kValid;
};

Status CheckWindow(const std::string& op, const std::vector<int64_t>& ksize, const std::vector<int64_t>& strides) {
  if (ksize.size() != 4 || strides.size() != 4) {
    return InvalidArgument(
        StrCat(op, ": ksize and strides must have 4 values, got ", ksize.size(), " and ", strides.size()));
  }
  if (ksize[0] != 1 || strides[0] != 1) {
    return Unimplemented(StrCat(op, ": pooling over the batch dimension is not supported"));
  }
  if (ksize[3] != 1 || strides[3] != 1) {
    return Unimplemented(StrCat(op, ": pooling over the depth dimension is not supported"));
  }
  for (int i = 1; i < 3; ++i) {
    if (ksize[static_cast<size_t>(i)] < 1 || strides[static_cast<size_t>(i)] < 1) {
      return InvalidArgument(StrCat(op, ": ksize and strides must be positive, got ksize [", ksize[1], ",", ksize[2],
                                    "], strides [", strides[1], ",", strides[2], "]"));
    }
  }
  return Status::Ok();
}

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
void Pool2D(const Tensor& in, Tensor& out, const PoolParams& p, const WindowDim& rows, const WindowDim& cols) {
  using A = AccT<T>;
  const int64_t n = in.dim(0), h = in.dim(1), w = in.dim(2), c = in.dim(3);
  const T* src = in.flat<T>().data();
  T* dst = out.flat<T>().data();
  std::vector<A> acc(static_cast<size_t>(c));
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t oy = 0; oy < rows.out; ++oy) {
      const int64_t y0 = std::max<int64_t>(oy * p.sh - rows.pad_before, 0);
      const int64_t y1 = std::min<int64_t>(oy * p.sh - rows.pad_before + p.kh, h);
      for (int64_t ox = 0; ox < cols.out; ++ox) {
        const int64_t x0 = std::max<int64_t>(ox * p.sw - cols.pad_before, 0);
        const int64_t x1 = std::min<int64_t>(ox * p.sw - cols.pad_before + p.kw, w);
        std::fill(acc.begin(), acc.end(), kMax ? std::numeric_limits<A>::lowest() : A(0));
        for (int64_t y = y0; y < y1; ++y) {
          for (int64_t x = x0; x < x1; ++x) {
            const T* px = src + ((b * h + y) * w + x) * c;
            for (int64_t ch = 0; ch < c; ++ch) {
              const A v = Load(px[ch]);
              if constexpr (kMax) {
                A& m = acc[static_cast<size_t>(ch)];
                if constexpr (std::is_floating_point_v<A>) {
                  if (!(v <= m) && !std::isnan(m)) m = v;  // NaN sticks once seen
                } else {
                  if (v > m) m = v;
                }
              } else {
                acc[static_cast<size_t>(ch)] += v;
              }
            }
          }
        }
        T* po = dst + ((b * rows.out + oy) * cols.out + ox) * c;
        const A count = static_cast<A>((y1 - y0) * (x1 - x0));
        for (int64_t ch = 0; ch < c; ++ch) {
          po[ch] = Store<T>(kMax ? acc[static_cast<size_t>(ch)] : acc[static_cast<size_t>(ch)] / count);
        }
      }
    }
  }
}

template <bool kMax>
Status RunPool(const std::string& op, DataType dt, const PoolParams& p, KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  if (in.dtype() != dt) {
    return InvalidArgument(StrCat(op, ": input has dtype ", DataTypeName(in.dtype()), ", expected ", DataTypeName(dt)));
  }
  if (in.rank() != 4) return InvalidArgument(StrCat(op, ": input must be 4-D NHWC, got ", in.shape().ToString()));
  SERVAL_ASSIGN_OR_RETURN(WindowDim rows, ComputeWindow(op, in.dim(1), p.kh, p.sh, 1, p.padding));
  SERVAL_ASSIGN_OR_RETURN(WindowDim cols, ComputeWindow(op, in.dim(2), p.kw, p.sw, 1, p.padding));
  SERVAL_ASSIGN_OR_RETURN(Tensor * out,
                          ctx.allocate_output(0, dt, TensorShape{in.dim(0), rows.out, cols.out, in.dim(3)}));
  if (out->num_elements() == 0) return Status::Ok();
  switch (dt) {
#define SERVAL_POOL_CASE_(DT, T)              \
  case DataType::DT:                          \
    Pool2D<T, kMax>(in, *out, p, rows, cols); \
    return Status::Ok();
    SERVAL_POOL_CASE_(kFloat, float)
    SERVAL_POOL_CASE_(kDouble, double)
    SERVAL_POOL_CASE_(kHalf, Half)
    SERVAL_POOL_CASE_(kInt32, int32_t)
    SERVAL_POOL_CASE_(kInt64, int64_t)
    SERVAL_POOL_CASE_(kInt8, int8_t)
    SERVAL_POOL_CASE_(kUInt8, uint8_t)
    SERVAL_POOL_CASE_(kInt16, int16_t)
    SERVAL_POOL_CASE_(kUInt16, uint16_t)
#undef SERVAL_POOL_CASE_
    default:
      return Unimplemented(StrCat(op, ": dtype ", DataTypeName(dt)));
  }
}

Result<Padding> PoolAttrs(const KernelInfo& info, const std::string& op) {
  const std::string fmt = info.GetStringOr("data_format", "NHWC");
  if (fmt != "NHWC") {
    return Unimplemented(StrCat(op, ": data_format '", fmt, "' is not supported on CPU (only NHWC), as in TF"));
  }
  SERVAL_ASSIGN_OR_RETURN(std::string pad, info.GetString("padding"));
  return ParsePadding(pad, op, /*allow_explicit=*/false);
}

template <bool kMax>
runtime::KernelFactory PoolFactory(std::string op) {
  return [op](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
    SERVAL_ASSIGN_OR_RETURN(Padding padding, PoolAttrs(info, op));
    SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> ksize, info.GetIntList("ksize"));
    SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> strides, info.GetIntList("strides"));
    SERVAL_RETURN_IF_ERROR(CheckWindow(op, ksize, strides));
    PoolParams p{ksize[1], ksize[2], strides[1], strides[2], padding};
    return runtime::MakeFnKernel([op, dt, p](KernelContext& ctx) { return RunPool<kMax>(op, dt, p, ctx); });
  };
}

Result<std::vector<int64_t>> ReadIntVector(const Tensor& t, const std::string& op, const char* name) {
  if (t.rank() != 1) return InvalidArgument(StrCat(op, ": ", name, " must be 1-D, got ", t.shape().ToString()));
  std::vector<int64_t> v;
  if (t.dtype() == DataType::kInt32) {
    for (int32_t x : t.flat<int32_t>()) v.push_back(x);
  } else if (t.dtype() == DataType::kInt64) {
    for (int64_t x : t.flat<int64_t>()) v.push_back(x);
  } else {
    return InvalidArgument(StrCat(op, ": ", name, " must be int32, got ", DataTypeName(t.dtype())));
  }
  return v;
}

Result<std::unique_ptr<Kernel>> MakeMaxPoolV2(const KernelInfo& info) {
  const std::string op = "MaxPoolV2";
  SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
  SERVAL_ASSIGN_OR_RETURN(Padding padding, PoolAttrs(info, op));
  return runtime::MakeFnKernel([op, dt, padding](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> ksize, ReadIntVector(ctx.input(1), op, "ksize"));
    SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> strides, ReadIntVector(ctx.input(2), op, "strides"));
    SERVAL_RETURN_IF_ERROR(CheckWindow(op, ksize, strides));
    PoolParams p{ksize[1], ksize[2], strides[1], strides[2], padding};
    return RunPool<true>(op, dt, p, ctx);
  });
}

}  // namespace

void RegisterPoolKernels(runtime::KernelRegistry& r) {
  const std::vector<DataType> max_types = {DataType::kFloat, DataType::kDouble, DataType::kHalf,
                                           DataType::kInt32, DataType::kInt64,  DataType::kInt8,
                                           DataType::kUInt8, DataType::kInt16,  DataType::kUInt16};
  r.Register("MaxPool", "T", max_types, PoolFactory<true>("MaxPool"));
  r.Register("MaxPoolV2", "T", max_types, MakeMaxPoolV2);
  r.Register("AvgPool", "T", {DataType::kFloat, DataType::kDouble, DataType::kHalf}, PoolFactory<false>("AvgPool"));
}

}  // namespace serval::kernels::cpu
