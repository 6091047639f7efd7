// Activations (TF's relu_op, softplus_op, softmax_op). Formulas follow TF's Eigen functors so
// results match bit-for-bit where Eigen is used:
//  - Relu/Relu6 keep NaN (Eigen's cwiseMax(x, 0) returns x when x is NaN) and -0.0 stays -0.0.
//  - LeakyRelu: x > 0 ? x : alpha * x (any alpha; attr default 0.2).
//  - Elu/Selu use exp(x) - 1 for x < 0 (TF's formula, not expm1).
//  - Softplus: x when x > -threshold, exp(x) when x < threshold, else log1p(exp(x)), with
//    threshold = log(epsilon) + 2 (TF's numerically-stable form).
//  - Softmax/LogSoftmax over the last axis: shift by the row max; Softmax multiplies by the
//    reciprocal of the row sum, as TF does. Half is computed in float and rounded once.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/kernels/cpu/unary_ops_impl.h"

namespace serval::kernels::cpu {
namespace {

using unary_internal::RegisterUnary;
using unary_internal::RegisterUnaryWithAttrs;

struct ReluOp {
  template <typename A>
  auto Array(const A& a) const { return a.max(typename A::Scalar(0)); }
  template <typename T>
  T Scalar(T x) const { return x < T(0) ? T(0) : x; }
};
struct Relu6Op {
  template <typename A>
  auto Array(const A& a) const {
    using S = typename A::Scalar;
    return a.max(S(0)).min(S(6));
  }
  template <typename T>
  T Scalar(T x) const { return std::min(x < T(0) ? T(0) : x, T(6)); }
};
struct LeakyReluOp {
  float alpha = 0.2f;
  template <typename A>
  auto Array(const A& a) const {
    using S = typename A::Scalar;
    return (a > S(0)).select(a, a * static_cast<S>(alpha));
  }
};
struct EluOp {
  template <typename A>
  auto Array(const A& a) const {
    using S = typename A::Scalar;
    return (a < S(0)).select(a.exp() - S(1), a);
  }
};
struct SeluOp {
  template <typename A>
  auto Array(const A& a) const {
    using S = typename A::Scalar;
    const S scale = static_cast<S>(1.0507009873554804934193349852946);
    const S scale_alpha = static_cast<S>(1.7580993408473768599402175208123);
    return (a < S(0)).select(scale_alpha * (a.exp() - S(1)), scale * a);
  }
};
struct SoftplusOp {
  template <typename A>
  auto Array(const A& a) const {
    using S = typename A::Scalar;
    const S threshold = std::log(std::numeric_limits<S>::epsilon()) + S(2);
    return (a > -threshold).select(a, (a < threshold).select(a.exp(), a.exp().log1p()));
  }
};

template <typename T>
void SoftmaxRows(const T* in, T* out, int64_t rows, int64_t cols, bool log) {
  using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
  for (int64_t r = 0; r < rows; ++r) {
    Eigen::Map<const Arr> x(in + r * cols, cols);
    Eigen::Map<Arr> y(out + r * cols, cols);
    const T m = x.maxCoeff();
    y = x - m;
    if (log) {
      y -= std::log(y.exp().sum());
    } else {
      y = y.exp();
      y *= T(1) / y.sum();
    }
  }
}

void RegisterSoftmax(runtime::KernelRegistry& r, const std::string& name, bool log) {
  r.Register(name, "T", DTypes(FloatTypes{}),
             [name, log](const runtime::KernelInfo&) -> Result<std::unique_ptr<runtime::Kernel>> {
               return std::unique_ptr<runtime::Kernel>(
                   runtime::MakeFnKernel([name, log](runtime::KernelContext& ctx) -> Status {
                     const Tensor& x = ctx.input(0);
                     if (x.rank() < 1) {
                       return InvalidArgument(
                           StrCat(name, ": logits must have >= 1 dimension, got ", x.shape().ToString()));
                     }
                     const int64_t cols = x.dim(x.rank() - 1);
                     const int64_t rows = cols == 0 ? 0 : x.num_elements() / cols;
                     return DispatchType(x.dtype(), FloatTypes{}, name, [&](auto tag) -> Status {
                       using T = typename decltype(tag)::type;
                       SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x.dtype(), x.shape()));
                       if (rows == 0) return Status::Ok();
                       if constexpr (std::is_same_v<T, Half>) {
                         std::vector<float> in(static_cast<size_t>(x.num_elements())), res(in.size());
                         auto xs = x.flat<Half>();
                         for (size_t i = 0; i < in.size(); ++i) in[i] = HalfToFloat(xs[i]);
                         SoftmaxRows<float>(in.data(), res.data(), rows, cols, log);
                         auto os = out->flat<Half>();
                         for (size_t i = 0; i < res.size(); ++i) os[i] = FloatToHalf(res[i]);
                       } else {
                         SoftmaxRows<T>(x.flat<T>().data(), out->flat<T>().data(), rows, cols, log);
                       }
                       return Status::Ok();
                     });
                   }));
             });
}

}  // namespace

void RegisterActivationKernels(runtime::KernelRegistry& r) {
  RegisterUnary<ReluOp>(r, "Relu", RealTypes{});
  RegisterUnary<Relu6Op>(r, "Relu6", RealTypes{});
  RegisterUnaryWithAttrs<LeakyReluOp>(r, "LeakyRelu", FloatTypes{},
                                      [](const runtime::KernelInfo& info) -> Result<LeakyReluOp> {
                                        LeakyReluOp op;
                                        op.alpha = info.GetFloatOr("alpha", 0.2f);
                                        if (!std::isfinite(op.alpha)) {
                                          return InvalidArgument(StrCat("LeakyRelu: attr alpha must be finite, got ",
                                                                        op.alpha));
                                        }
                                        return op;
                                      });
  RegisterUnary<EluOp>(r, "Elu", FloatTypes{});
  RegisterUnary<SeluOp>(r, "Selu", FloatTypes{});
  RegisterUnary<SoftplusOp>(r, "Softplus", FloatTypes{});
  RegisterSoftmax(r, "Softmax", /*log=*/false);
  RegisterSoftmax(r, "LogSoftmax", /*log=*/true);
}

}  // namespace serval::kernels::cpu
