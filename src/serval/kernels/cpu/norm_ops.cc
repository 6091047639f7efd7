// FusedBatchNorm, V2 and V3 in inference mode: y = (x - mean) * (scale * rsqrt(variance + eps)) +
// offset per channel, as TF's CPU functor computes it. As TF does at inference, batch_mean and
// batch_variance (and reserve spaces 1 and 2) pass the mean and variance inputs through, and V3's
// reserve_space_3 is empty. The per-channel factor is precomputed at load when scale, mean and
// variance are constants. Half x/y are computed in float (U is float).
// is_training=true is supported because Keras 2 LayerNormalization exports it (x reshaped to
// [1, rows, cols, 1] NCHW, statistics per row): mean and the biased variance are computed over all
// but the channel dim (in double); batch_variance is Bessel-corrected, and both are blended into the
// mean/variance inputs when exponential_avg_factor != 1, as TF's CPU kernel does.
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

class FusedBatchNormKernel final : public Kernel {
 public:
  FusedBatchNormKernel(std::string op, DataType t, float eps, bool nchw, std::optional<std::vector<float>> factor,
                       bool training = false, float avg_factor = 1.0f)
      : op_(std::move(op)),
        t_(t),
        eps_(eps),
        nchw_(nchw),
        factor_(std::move(factor)),
        training_(training),
        avg_factor_(avg_factor) {}

  Status Compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != t_) {
      return InvalidArgument(StrCat(op_, ": x has dtype ", DataTypeName(x.dtype()), ", expected ", DataTypeName(t_)));
    }
    if (x.rank() != 4 && x.rank() != 5) {
      return InvalidArgument(StrCat(op_, ": x must be 4-D or 5-D, got ", x.shape().ToString()));
    }
    const int channel_dim = nchw_ ? 1 : x.rank() - 1;
    const int64_t c = x.dim(channel_dim);
    static const char* kNames[] = {"x", "scale", "offset", "mean", "variance"};
    if (training_) return ComputeTraining(ctx, x, channel_dim, c);
    for (int i = 1; i < 5; ++i) {
      const Tensor& v = ctx.input(i);
      if (v.dtype() != DataType::kFloat) {
        return InvalidArgument(StrCat(op_, ": ", kNames[i], " must be float, got ", DataTypeName(v.dtype())));
      }
      if (v.rank() != 1 || v.dim(0) != c) {
        return InvalidArgument(StrCat(op_, ": ", kNames[i], " must be 1-D with ", c, " elements (the channels of x ",
                                      x.shape().ToString(), "), got ", v.shape().ToString()));
      }
    }
    auto scale = ctx.input(1).flat<float>();
    auto offset = ctx.input(2).flat<float>();
    auto mean = ctx.input(3).flat<float>();
    auto var = ctx.input(4).flat<float>();
    std::vector<float> local;
    const float* factor;
    if (factor_) {
      factor = factor_->data();
    } else {
      local.resize(static_cast<size_t>(c));
      for (int64_t i = 0; i < c; ++i)
        local[static_cast<size_t>(i)] = Factor(scale[static_cast<size_t>(i)], var[static_cast<size_t>(i)], eps_);
      factor = local.data();
    }
    SERVAL_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, t_, x.shape()));
    // [outer, c, inner]: NHWC has inner == 1, NCHW has outer == N.
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < channel_dim; ++d) outer *= x.dim(d);
    for (int d = channel_dim + 1; d < x.rank(); ++d) inner *= x.dim(d);
    if (t_ == DataType::kFloat) {
      Apply<float>(x.flat<float>().data(), y->flat<float>().data(), outer, c, inner, factor, mean.data(),
                   offset.data());
    } else {
      Apply<Half>(x.flat<Half>().data(), y->flat<Half>().data(), outer, c, inner, factor, mean.data(), offset.data());
    }
    // Outputs 1..4 pass the running statistics through; V3's output 5 is an empty float tensor.
    if (ctx.num_outputs() > 1) ctx.set_output(1, ctx.input(3));
    if (ctx.num_outputs() > 2) ctx.set_output(2, ctx.input(4));
    if (ctx.num_outputs() > 3) ctx.set_output(3, ctx.input(3));
    if (ctx.num_outputs() > 4) ctx.set_output(4, ctx.input(4));
    if (ctx.num_outputs() > 5) ctx.set_output(5, Tensor(DataType::kFloat, TensorShape{0}));
    return Status::Ok();
  }

  static float Factor(float scale, float var, float eps) { return scale * (1.0f / std::sqrt(var + eps)); }

 private:
  Status ComputeTraining(KernelContext& ctx, const Tensor& x, int channel_dim, int64_t c) const {
    static const char* kNames[] = {"x", "scale", "offset", "mean", "variance"};
    const bool blend = avg_factor_ != 1.0f;
    for (int i = 1; i < 5; ++i) {
      const Tensor& v = ctx.input(i);
      if (v.dtype() != DataType::kFloat) {
        return InvalidArgument(StrCat(op_, ": ", kNames[i], " must be float, got ", DataTypeName(v.dtype())));
      }
      // In training the running mean / variance are read only when blending.
      if (i >= 3 && !blend) continue;
      if (v.rank() != 1 || v.dim(0) != c) {
        return InvalidArgument(StrCat(op_, ": ", kNames[i], " must be 1-D with ", c, " elements (the channels of x ",
                                      x.shape().ToString(), "), got ", v.shape().ToString()));
      }
    }
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < channel_dim; ++d) outer *= x.dim(d);
    for (int d = channel_dim + 1; d < x.rank(); ++d) inner *= x.dim(d);
    const int64_t n = outer * inner;
    Tensor xf(DataType::kFloat, x.shape());
    if (t_ == DataType::kFloat) {
      xf = x;
    } else {
      auto src = x.flat<Half>();
      auto dst = xf.flat<float>();
      for (size_t i = 0; i < src.size(); ++i) dst[i] = HalfToFloat(src[i]);
    }
    const float* px = xf.flat<float>().data();
    std::vector<double> sum(static_cast<size_t>(c), 0.0), sq(static_cast<size_t>(c), 0.0);
    for (int64_t o = 0, i = 0; o < outer; ++o)
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t k = 0; k < inner; ++k, ++i) sum[static_cast<size_t>(ch)] += px[i];
    std::vector<float> mean(static_cast<size_t>(c)), var(static_cast<size_t>(c));
    for (int64_t ch = 0; ch < c; ++ch) sum[static_cast<size_t>(ch)] /= static_cast<double>(n > 0 ? n : 1);
    for (int64_t o = 0, i = 0; o < outer; ++o)
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t k = 0; k < inner; ++k, ++i) {
          const double d = px[i] - sum[static_cast<size_t>(ch)];
          sq[static_cast<size_t>(ch)] += d * d;
        }
    auto scale = ctx.input(1).flat<float>();
    auto offset = ctx.input(2).flat<float>();
    std::vector<float> factor(static_cast<size_t>(c));
    for (size_t ch = 0; ch < static_cast<size_t>(c); ++ch) {
      mean[ch] = static_cast<float>(sum[ch]);
      var[ch] = static_cast<float>(sq[ch] / static_cast<double>(n > 0 ? n : 1));
      factor[ch] = Factor(scale[ch], var[ch], eps_);
    }
    SERVAL_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, t_, x.shape()));
    if (t_ == DataType::kFloat) {
      Apply<float>(px, y->flat<float>().data(), outer, c, inner, factor.data(), mean.data(), offset.data());
    } else {
      Apply<Half>(x.flat<Half>().data(), y->flat<Half>().data(), outer, c, inner, factor.data(), mean.data(),
                  offset.data());
    }
    const float bessel = static_cast<float>(n) / static_cast<float>(n > 1 ? n - 1 : 1);
    Tensor batch_mean(DataType::kFloat, TensorShape{c}), batch_var(DataType::kFloat, TensorShape{c});
    for (size_t ch = 0; ch < static_cast<size_t>(c); ++ch) {
      float m = mean[ch], v = var[ch] * bessel;
      if (blend) {
        m = (1.0f - avg_factor_) * ctx.input(3).flat<float>()[ch] + avg_factor_ * m;
        v = (1.0f - avg_factor_) * ctx.input(4).flat<float>()[ch] + avg_factor_ * v;
      }
      batch_mean.flat<float>()[ch] = m;
      batch_var.flat<float>()[ch] = v;
    }
    if (ctx.num_outputs() > 1) ctx.set_output(1, batch_mean);
    if (ctx.num_outputs() > 2) ctx.set_output(2, batch_var);
    if (ctx.num_outputs() > 3) ctx.set_output(3, Tensor::FromVector<float>(mean, TensorShape{c}));
    if (ctx.num_outputs() > 4) ctx.set_output(4, Tensor::FromVector<float>(var, TensorShape{c}));
    if (ctx.num_outputs() > 5) ctx.set_output(5, Tensor(DataType::kFloat, TensorShape{0}));
    return Status::Ok();
  }

  template <typename T>
  static void Apply(const T* x, T* y, int64_t outer, int64_t c, int64_t inner, const float* factor, const float* mean,
                    const float* offset) {
    int64_t i = 0;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t ch = 0; ch < c; ++ch) {
        const float f = factor[ch], m = mean[ch], b = offset[ch];
        for (int64_t k = 0; k < inner; ++k, ++i) {
          if constexpr (std::is_same_v<T, Half>) {
            y[i] = FloatToHalf((HalfToFloat(x[i]) - m) * f + b);
          } else {
            y[i] = (x[i] - m) * f + b;
          }
        }
      }
    }
  }

  std::string op_;
  DataType t_;
  float eps_;
  bool nchw_;
  std::optional<std::vector<float>> factor_;
  bool training_ = false;
  float avg_factor_ = 1.0f;
};

runtime::KernelFactory FusedBatchNormFactory(std::string op, bool has_u) {
  return [op, has_u](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType t, info.GetType("T"));
    if (has_u) {
      SERVAL_ASSIGN_OR_RETURN(DataType u, info.GetType("U"));
      if (u != DataType::kFloat) return Unimplemented(StrCat(op, ": U must be float, got ", DataTypeName(u)));
    } else if (t != DataType::kFloat) {
      return Unimplemented(StrCat(op, ": T must be float, got ", DataTypeName(t)));
    }
    const bool training = info.GetBoolOr("is_training", true);
    const float avg_factor = info.GetFloatOr("exponential_avg_factor", 1.0f);
    const float eps = info.GetFloatOr("epsilon", 0.0001f);
    const std::string fmt = info.GetStringOr("data_format", "NHWC");
    bool nchw;
    if (fmt == "NHWC" || fmt == "NDHWC") {
      nchw = false;
    } else if (fmt == "NCHW" || fmt == "NCDHW") {
      nchw = true;
    } else {
      return InvalidArgument(StrCat(op, ": unsupported data_format '", fmt, "'"));
    }
    std::optional<std::vector<float>> factor;
    if (training) {
      return std::unique_ptr<Kernel>(
          std::make_unique<FusedBatchNormKernel>(op, t, eps, nchw, std::nullopt, true, avg_factor));
    }
    const Tensor* scale = info.constant_input(1);
    const Tensor* var = info.constant_input(4);
    if (scale && var && scale->dtype() == DataType::kFloat && var->dtype() == DataType::kFloat && scale->rank() == 1 &&
        var->shape() == scale->shape()) {
      factor.emplace(static_cast<size_t>(scale->dim(0)));
      for (int64_t i = 0; i < scale->dim(0); ++i) {
        (*factor)[static_cast<size_t>(i)] = FusedBatchNormKernel::Factor(
            scale->flat<float>()[static_cast<size_t>(i)], var->flat<float>()[static_cast<size_t>(i)], eps);
      }
    }
    return std::unique_ptr<Kernel>(std::make_unique<FusedBatchNormKernel>(op, t, eps, nchw, std::move(factor)));
  };
}

}  // namespace

void RegisterNormKernels(runtime::KernelRegistry& r) {
  r.Register("FusedBatchNorm", "T", {DataType::kFloat}, FusedBatchNormFactory("FusedBatchNorm", false));
  r.Register("FusedBatchNormV2", "T", {DataType::kFloat, DataType::kHalf},
             FusedBatchNormFactory("FusedBatchNormV2", true));
  r.Register("FusedBatchNormV3", "T", {DataType::kFloat, DataType::kHalf},
             FusedBatchNormFactory("FusedBatchNormV3", true));
}

}  // namespace serval::kernels::cpu
