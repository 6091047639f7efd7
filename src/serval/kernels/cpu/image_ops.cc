// ResizeBilinear (float output) and ResizeNearestNeighbor (same dtype), NHWC, with TF's scale and
// sampling rules (image_resizer_state.h, resize_bilinear_op.cc, resize_nearest_neighbor_op.cc):
//   scale = align_corners && out > 1 ? (in-1)/(out-1) : in/out           (in float)
//   bilinear source = half_pixel_centers ? (i+0.5)*scale-0.5 : i*scale; lower = max(floor, 0),
//     upper = min(ceil, in-1), lerp = src - floor; top/bottom lerped along x, then along y.
//   nearest source = half_pixel_centers ? (i+0.5)*scale : i*scale, then roundf (align_corners) or
//     floorf, clamped to [0, in-1].
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/kernels/cpu/resize_util.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

struct Interp {
  int64_t lower, upper;
  float lerp;
};

std::vector<Interp> BilinearWeights(int64_t out, int64_t in, float scale, bool half_pixel) {
  std::vector<Interp> w(static_cast<size_t>(out));
  for (int64_t i = 0; i < out; ++i) {
    const float src = half_pixel ? (static_cast<float>(i) + 0.5f) * scale - 0.5f : static_cast<float>(i) * scale;
    const float f = std::floor(src);
    w[static_cast<size_t>(i)] = {std::max<int64_t>(static_cast<int64_t>(f), 0),
                                 std::min<int64_t>(static_cast<int64_t>(std::ceil(src)), in - 1), src - f};
  }
  return w;
}

template <typename T>
void Bilinear(const Tensor& in, Tensor& out, const resize::Shape& s, bool align, bool half_pixel) {
  const auto ys = BilinearWeights(s.out_h, s.in_h, resize::Scale(s.in_h, s.out_h, align), half_pixel);
  const auto xs = BilinearWeights(s.out_w, s.in_w, resize::Scale(s.in_w, s.out_w, align), half_pixel);
  const T* src = in.flat<T>().data();
  float* dst = out.flat<float>().data();
  for (int64_t b = 0; b < s.n; ++b) {
    for (int64_t y = 0; y < s.out_h; ++y) {
      const Interp& iy = ys[static_cast<size_t>(y)];
      const T* top = src + (b * s.in_h + iy.lower) * s.in_w * s.c;
      const T* bot = src + (b * s.in_h + iy.upper) * s.in_w * s.c;
      for (int64_t x = 0; x < s.out_w; ++x) {
        const Interp& ix = xs[static_cast<size_t>(x)];
        float* o = dst + ((b * s.out_h + y) * s.out_w + x) * s.c;
        for (int64_t ch = 0; ch < s.c; ++ch) {
          const float tl = resize::ToFloat(top[ix.lower * s.c + ch]), tr = resize::ToFloat(top[ix.upper * s.c + ch]);
          const float bl = resize::ToFloat(bot[ix.lower * s.c + ch]), br = resize::ToFloat(bot[ix.upper * s.c + ch]);
          const float t = tl + (tr - tl) * ix.lerp;
          const float bt = bl + (br - bl) * ix.lerp;
          o[ch] = t + (bt - t) * iy.lerp;
        }
      }
    }
  }
}

std::vector<int64_t> NearestIndex(int64_t out, int64_t in, float scale, bool align, bool half_pixel) {
  std::vector<int64_t> idx(static_cast<size_t>(out));
  for (int64_t i = 0; i < out; ++i) {
    const float src = half_pixel ? (static_cast<float>(i) + 0.5f) * scale : static_cast<float>(i) * scale;
    int64_t v = std::min<int64_t>(
        align ? static_cast<int64_t>(std::roundf(src)) : static_cast<int64_t>(std::floor(src)), in - 1);
    if (half_pixel) v = std::max<int64_t>(v, 0);
    idx[static_cast<size_t>(i)] = v;
  }
  return idx;
}

void Nearest(const Tensor& in, Tensor& out, const resize::Shape& s, bool align, bool half_pixel) {
  const auto ys = NearestIndex(s.out_h, s.in_h, resize::Scale(s.in_h, s.out_h, align), align, half_pixel);
  const auto xs = NearestIndex(s.out_w, s.in_w, resize::Scale(s.in_w, s.out_w, align), align, half_pixel);
  const size_t es = DataTypeSize(in.dtype());
  const size_t px = static_cast<size_t>(s.c) * es;
  const char* src = static_cast<const char*>(in.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  for (int64_t b = 0; b < s.n; ++b) {
    for (int64_t y = 0; y < s.out_h; ++y) {
      for (int64_t x = 0; x < s.out_w; ++x) {
        const int64_t from = (b * s.in_h + ys[static_cast<size_t>(y)]) * s.in_w + xs[static_cast<size_t>(x)];
        const int64_t to = (b * s.out_h + y) * s.out_w + x;
        std::memcpy(dst + static_cast<size_t>(to) * px, src + static_cast<size_t>(from) * px, px);
      }
    }
  }
}

runtime::KernelFactory ResizeFactory(std::string op, bool bilinear) {
  return [op, bilinear](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
    const bool align = info.GetBoolOr("align_corners", false);
    const bool half_pixel = info.GetBoolOr("half_pixel_centers", false);
    if (align && half_pixel) {
      return InvalidArgument(StrCat(op, ": if half_pixel_centers is True, align_corners must be False"));
    }
    return runtime::MakeFnKernel([op, bilinear, dt, align, half_pixel](KernelContext& ctx) -> Status {
      const Tensor& images = ctx.input(0);
      if (images.dtype() != dt) {
        return InvalidArgument(
            StrCat(op, ": images has dtype ", DataTypeName(images.dtype()), ", expected ", DataTypeName(dt)));
      }
      SERVAL_ASSIGN_OR_RETURN(resize::Shape s, resize::CheckArgs(op, images, ctx.input(1)));
      TensorShape out_shape{s.n, s.out_h, s.out_w, s.c};
      if (!bilinear) {
        SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt, out_shape));
        if (out->num_elements() > 0) Nearest(images, *out, s, align, half_pixel);
        return Status::Ok();
      }
      SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kFloat, out_shape));
      if (out->num_elements() == 0) return Status::Ok();
      return resize::VisitInputType(dt, op, [&](auto tag) {
        Bilinear<decltype(tag)>(images, *out, s, align, half_pixel);
      });
    });
  };
}

}  // namespace

void RegisterImageKernels(runtime::KernelRegistry& r) {
  const auto& types = resize::InputTypes();
  r.Register("ResizeBilinear", "T", types, ResizeFactory("ResizeBilinear", true));
  r.Register("ResizeNearestNeighbor", "T", types, ResizeFactory("ResizeNearestNeighbor", false));
}

}  // namespace serval::kernels::cpu
