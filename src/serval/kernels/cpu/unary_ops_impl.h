// The element-wise unary driver behind unary_ops.cc and activation_ops.cc. An Op supplies
//   Array(a)   on an Eigen array expression: used for float and double (and half, computed in
//              float), so results match TF's Eigen kernels (vectorised exp/tanh/logistic...).
//   Scalar(x)  for integer dtypes (only ops registered for integers need it), and for ops with
//              kBoolOut (IsNan...), which are evaluated element by element in the compute type.
// Ops may carry attrs (LeakyRelu's alpha): the registered factory builds the Op via MakeOp(info).
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "serval/kernels/cpu/elementwise.h"
#include "serval/runtime/kernel_registry.h"

namespace serval::kernels::cpu::unary_internal {

template <typename Op>
constexpr bool kBoolOut = requires { requires Op::kBoolOut; };

template <typename Op, typename T>
void UnaryLoop(const Op& op, const T* in, std::conditional_t<kBoolOut<Op>, bool, T>* out, int64_t n) {
  if constexpr (kBoolOut<Op>) {
    for (int64_t i = 0; i < n; ++i) out[i] = op.Scalar(ToCompute(in[i]));
  } else if constexpr (std::is_same_v<T, Half>) {
    // Chunked so the float scratch stays in cache.
    constexpr int64_t kChunk = 4096;
    std::vector<float> buf(static_cast<size_t>(std::min(n, kChunk)));
    for (int64_t s = 0; s < n; s += kChunk) {
      int64_t m = std::min(kChunk, n - s);
      for (int64_t i = 0; i < m; ++i) buf[static_cast<size_t>(i)] = HalfToFloat(in[s + i]);
      Eigen::Map<Eigen::ArrayXf> a(buf.data(), m);
      a = op.Array(a);
      for (int64_t i = 0; i < m; ++i) out[s + i] = FloatToHalf(buf[static_cast<size_t>(i)]);
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
    Eigen::Map<Arr>(out, n) = op.Array(Eigen::Map<const Arr>(in, n));
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = op.Scalar(in[i]);
  }
}

template <typename Op, typename TL>
Status ComputeUnary(const Op& op, runtime::KernelContext& ctx, const std::string& name) {
  const Tensor& x = ctx.input(0);
  return DispatchType(x.dtype(), TL{}, name, [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    using Out = std::conditional_t<kBoolOut<Op>, bool, T>;
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataTypeOf<Out>::value, x.shape()));
    UnaryLoop<Op, T>(op, x.flat<T>().data(), out->flat<Out>().data(), x.num_elements());
    return Status::Ok();
  });
}

// make_op: Result<Op>(const KernelInfo&), reading and checking attrs at load.
template <typename Op, typename TL, typename MakeOp>
void RegisterUnaryWithAttrs(runtime::KernelRegistry& r, const std::string& name, TL tl, MakeOp make_op,
                   const std::string& type_attr = "T") {
  r.Register(name, type_attr, type_attr.empty() ? std::vector<DataType>{} : DTypes(tl),
             [name, make_op](const runtime::KernelInfo& info) -> Result<std::unique_ptr<runtime::Kernel>> {
               SERVAL_ASSIGN_OR_RETURN(Op op, make_op(info));
               return std::unique_ptr<runtime::Kernel>(runtime::MakeFnKernel(
                   [name, op](runtime::KernelContext& ctx) { return ComputeUnary<Op, TL>(op, ctx, name); }));
             });
}

template <typename Op, typename TL>
void RegisterUnary(runtime::KernelRegistry& r, const std::string& name, TL tl, const std::string& type_attr = "T") {
  RegisterUnaryWithAttrs<Op>(r, name, tl, [](const runtime::KernelInfo&) -> Result<Op> { return Op{}; }, type_attr);
}

}  // namespace serval::kernels::cpu::unary_internal
