// ResizeBicubic and ResizeArea (NHWC, float output), with TF's sampling rules (resize_bicubic_op.cc,
// resize_area_op.cc); Keras Resizing(interpolation="bicubic"/"area") exports them.
//   scale = align_corners && out > 1 ? (in-1)/(out-1) : in/out  (in float)
//   Bicubic: src = half_pixel_centers ? (i+0.5)*scale-0.5 : i*scale; taps floor(src)-1..+2 clamped
//     to the image, weights from a 1024-step table of the cubic kernel with a = -0.5 (Keys, when
//     half_pixel_centers) or -0.75 (legacy), indexed by lrintf(frac*1024). With half_pixel_centers,
//     taps outside the image get weight 0 and the rest are renormalised to sum 1.
//   Area: output cell y covers [y*scale, (y+1)*scale); each input cell contributes its overlap
//     (clamped to the last row/column), and the sum is divided by scale_h*scale_w.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
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

constexpr int64_t kTableSize = 1024;

// coeffs[2*i] = W(i/1024) (|x| <= 1 branch), coeffs[2*i+1] = W(1 + i/1024) (1 < |x| < 2 branch).
std::vector<float> CubicTable(float a) {
  std::vector<float> t(static_cast<size_t>((kTableSize + 1) * 2));
  for (int64_t i = 0; i <= kTableSize; ++i) {
    float x = static_cast<float>(static_cast<double>(i) / kTableSize);
    t[static_cast<size_t>(i * 2)] = ((a + 2) * x - (a + 3)) * x * x + 1;
    x += 1.0f;
    t[static_cast<size_t>(i * 2 + 1)] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  }
  return t;
}

const std::vector<float>& Table(bool keys) {
  static const std::vector<float> keys_table = CubicTable(-0.5f);
  static const std::vector<float> legacy_table = CubicTable(-0.75f);
  return keys ? keys_table : legacy_table;
}

struct CubicTaps {
  std::array<int64_t, 4> index;
  std::array<float, 4> weight;
};

int64_t Bound(int64_t v, int64_t limit) { return std::min(limit - 1, std::max<int64_t>(0, v)); }

std::vector<CubicTaps> CubicWeights(int64_t out, int64_t in, float scale, bool half_pixel) {
  const std::vector<float>& t = Table(half_pixel);
  std::vector<CubicTaps> taps(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const float src = half_pixel ? (static_cast<float>(o) + 0.5f) * scale - 0.5f : static_cast<float>(o) * scale;
    const int64_t loc = static_cast<int64_t>(std::floor(src));
    const float delta = src - static_cast<float>(loc);
    const int64_t off = static_cast<int64_t>(lrintf(delta * kTableSize));
    CubicTaps& c = taps[static_cast<size_t>(o)];
    c.weight = {t[static_cast<size_t>(off * 2 + 1)], t[static_cast<size_t>(off * 2)],
                t[static_cast<size_t>((kTableSize - off) * 2)], t[static_cast<size_t>((kTableSize - off) * 2 + 1)]};
    for (int k = 0; k < 4; ++k) {
      const int64_t want = loc - 1 + k;
      c.index[static_cast<size_t>(k)] = Bound(want, in);
      if (half_pixel && c.index[static_cast<size_t>(k)] != want) c.weight[static_cast<size_t>(k)] = 0.0f;
    }
    if (half_pixel) {
      const float sum = c.weight[0] + c.weight[1] + c.weight[2] + c.weight[3];
      if (std::abs(sum) >= 1000.0f * std::numeric_limits<float>::min()) {
        const float inv = 1.0f / sum;
        for (float& w : c.weight) w *= inv;
      }
    }
  }
  return taps;
}

template <typename T>
void Bicubic(const Tensor& in, Tensor& out, const resize::Shape& s, bool align, bool half_pixel) {
  const auto ys = CubicWeights(s.out_h, s.in_h, resize::Scale(s.in_h, s.out_h, align), half_pixel);
  const auto xs = CubicWeights(s.out_w, s.in_w, resize::Scale(s.in_w, s.out_w, align), half_pixel);
  const T* src = in.flat<T>().data();
  float* dst = out.flat<float>().data();
  std::vector<float> cols(static_cast<size_t>(4 * s.c));
  for (int64_t b = 0; b < s.n; ++b) {
    for (int64_t y = 0; y < s.out_h; ++y) {
      const CubicTaps& ty = ys[static_cast<size_t>(y)];
      const T* r0 = src + (b * s.in_h + ty.index[0]) * s.in_w * s.c;
      const T* r1 = src + (b * s.in_h + ty.index[1]) * s.in_w * s.c;
      const T* r2 = src + (b * s.in_h + ty.index[2]) * s.in_w * s.c;
      const T* r3 = src + (b * s.in_h + ty.index[3]) * s.in_w * s.c;
      for (int64_t x = 0; x < s.out_w; ++x) {
        const CubicTaps& tx = xs[static_cast<size_t>(x)];
        // Along y for each of the four source columns, then along x (TF's order of rounding).
        for (size_t k = 0; k < 4; ++k) {
          const int64_t off = tx.index[k] * s.c;
          for (int64_t ch = 0; ch < s.c; ++ch) {
            cols[k * static_cast<size_t>(s.c) + static_cast<size_t>(ch)] =
                resize::ToFloat(r0[off + ch]) * ty.weight[0] + resize::ToFloat(r1[off + ch]) * ty.weight[1] + resize::ToFloat(r2[off + ch]) * ty.weight[2] +
                resize::ToFloat(r3[off + ch]) * ty.weight[3];
          }
        }
        float* o = dst + ((b * s.out_h + y) * s.out_w + x) * s.c;
        const size_t c = static_cast<size_t>(s.c);
        for (size_t ch = 0; ch < c; ++ch) {
          o[ch] = cols[ch] * tx.weight[0] + cols[c + ch] * tx.weight[1] + cols[2 * c + ch] * tx.weight[2] +
                  cols[3 * c + ch] * tx.weight[3];
        }
      }
    }
  }
}

// The input cells output cell i covers along one axis, with their overlap fractions.
struct AreaSpan {
  std::vector<int64_t> index;
  std::vector<float> weight;
};

std::vector<AreaSpan> AreaSpans(int64_t out, int64_t in, float scale) {
  std::vector<AreaSpan> spans(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const float lo = static_cast<float>(o) * scale;
    const float hi = static_cast<float>(o + 1) * scale;
    const int64_t start = static_cast<int64_t>(std::floor(lo));
    const int64_t end = static_cast<int64_t>(std::ceil(hi));
    AreaSpan& sp = spans[static_cast<size_t>(o)];
    for (int64_t i = start; i < end; ++i) {
      const float fi = static_cast<float>(i);
      const float w = fi < lo ? (fi + 1 > hi ? scale : fi + 1 - lo) : (fi + 1 > hi ? hi - fi : 1.0f);
      sp.index.push_back(std::min(i, in - 1));
      sp.weight.push_back(w);
    }
  }
  return spans;
}

template <typename T>
void Area(const Tensor& in, Tensor& out, const resize::Shape& s, bool align) {
  const float sh = resize::Scale(s.in_h, s.out_h, align), sw = resize::Scale(s.in_w, s.out_w, align);
  const auto ys = AreaSpans(s.out_h, s.in_h, sh);
  const auto xs = AreaSpans(s.out_w, s.in_w, sw);
  const float norm = 1.0f / (sh * sw);
  const T* src = in.flat<T>().data();
  float* dst = out.flat<float>().data();
  std::vector<float> acc(static_cast<size_t>(s.c)), row(static_cast<size_t>(s.c));
  for (int64_t b = 0; b < s.n; ++b) {
    for (int64_t y = 0; y < s.out_h; ++y) {
      const AreaSpan& sy = ys[static_cast<size_t>(y)];
      for (int64_t x = 0; x < s.out_w; ++x) {
        const AreaSpan& sx = xs[static_cast<size_t>(x)];
        std::fill(acc.begin(), acc.end(), 0.0f);
        for (size_t i = 0; i < sy.index.size(); ++i) {
          const T* r = src + (b * s.in_h + sy.index[i]) * s.in_w * s.c;
          std::fill(row.begin(), row.end(), 0.0f);
          for (size_t j = 0; j < sx.index.size(); ++j) {
            const T* px = r + sx.index[j] * s.c;
            for (int64_t ch = 0; ch < s.c; ++ch) row[static_cast<size_t>(ch)] += resize::ToFloat(px[ch]) * sx.weight[j];
          }
          for (int64_t ch = 0; ch < s.c; ++ch)
            acc[static_cast<size_t>(ch)] += row[static_cast<size_t>(ch)] * sy.weight[i];
        }
        float* o = dst + ((b * s.out_h + y) * s.out_w + x) * s.c;
        for (int64_t ch = 0; ch < s.c; ++ch) o[ch] = acc[static_cast<size_t>(ch)] * norm;
      }
    }
  }
}

template <typename T>
void Dispatch(bool bicubic, const Tensor& in, Tensor& out, const resize::Shape& s, bool align, bool half_pixel) {
  if (bicubic)
    Bicubic<T>(in, out, s, align, half_pixel);
  else
    Area<T>(in, out, s, align);
}

runtime::KernelFactory Factory(std::string op, bool bicubic) {
  return [op, bicubic](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
    const bool align = info.GetBoolOr("align_corners", false);
    const bool half_pixel = bicubic && info.GetBoolOr("half_pixel_centers", false);
    if (align && half_pixel) {
      return InvalidArgument(StrCat(op, ": if half_pixel_centers is True, align_corners must be False"));
    }
    return runtime::MakeFnKernel([op, bicubic, dt, align, half_pixel](KernelContext& ctx) -> Status {
      const Tensor& images = ctx.input(0);
      if (images.dtype() != dt) {
        return InvalidArgument(
            StrCat(op, ": images has dtype ", DataTypeName(images.dtype()), ", expected ", DataTypeName(dt)));
      }
      SERVAL_ASSIGN_OR_RETURN(resize::Shape s, resize::CheckArgs(op, images, ctx.input(1)));
      SERVAL_ASSIGN_OR_RETURN(Tensor * out,
                              ctx.allocate_output(0, DataType::kFloat, TensorShape{s.n, s.out_h, s.out_w, s.c}));
      if (out->num_elements() == 0) return Status::Ok();
      return resize::VisitInputType(dt, op, [&](auto tag) {
        Dispatch<decltype(tag)>(bicubic, images, *out, s, align, half_pixel);
      });
    });
  };
}

}  // namespace

void RegisterResizeCubicAreaKernels(runtime::KernelRegistry& r) {
  const auto& types = resize::InputTypes();
  r.Register("ResizeBicubic", "T", types, Factory("ResizeBicubic", true));
  r.Register("ResizeArea", "T", types, Factory("ResizeArea", false));
}

}  // namespace serval::kernels::cpu
