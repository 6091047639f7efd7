// Test-only helper for the matmul/conv/pool/norm/image kernel tests: creates one kernel (with
// chosen constant inputs, as the loader would) and runs it many times, from many threads, to test
// cached-primitive reuse across batch sizes and concurrent Compute. KernelTester runs once only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "serval/base/strings.h"
#include "serval/runtime/kernel_registry.h"
#include "serval/tensor/tensor.h"
#include "tensorflow/core/framework/node_def.pb.h"

namespace serval::kernels::cpu::testing {

class PreparedKernel {
 public:
  // `constants[i]` non-null marks input i as a load-time constant with that value.
  static Result<std::unique_ptr<PreparedKernel>> Create(const runtime::KernelRegistry& registry,
                                                        tensorflow::NodeDef def, int num_inputs,
                                                        std::vector<const Tensor*> constants, int num_outputs = 1) {
    auto p = std::unique_ptr<PreparedKernel>(new PreparedKernel);
    p->def_ = std::move(def);
    p->node_.name = p->def_.name();
    p->node_.op = p->def_.op();
    p->node_.def = &p->def_;
    p->node_.inputs.resize(static_cast<size_t>(num_inputs));
    p->node_.num_outputs = num_outputs;
    for (const Tensor* c : constants) p->constants_.push_back(c ? *c : Tensor());
    std::vector<const Tensor*> ptrs;
    for (const Tensor& c : p->constants_) ptrs.push_back(c.valid() ? &c : nullptr);
    runtime::KernelInfo info(p->node_, ptrs, &p->resources_, nullptr);
    SERVAL_ASSIGN_OR_RETURN(p->kernel_, registry.Create(info));
    return p;
  }

  Result<std::vector<Tensor>> Run(const std::vector<Tensor>& inputs) const {
    std::vector<const Tensor*> ptrs;
    for (const Tensor& t : inputs) ptrs.push_back(&t);
    std::vector<Tensor> outputs(static_cast<size_t>(node_.num_outputs));
    runtime::RunState run;
    run.resources = const_cast<runtime::ResourceManager*>(&resources_);
    runtime::KernelContext ctx(node_, ptrs, outputs, &run);
    SERVAL_RETURN_IF_ERROR(kernel_->Compute(ctx));
    return outputs;
  }

 private:
  PreparedKernel() = default;
  tensorflow::NodeDef def_;
  graph::Node node_;
  std::vector<Tensor> constants_;
  runtime::ResourceManager resources_;
  std::unique_ptr<runtime::Kernel> kernel_;
};

// The deterministic inputs of the tfjs reference script: ((i*m) % mod - off) / div.
inline std::vector<float> Seq(int64_t n, int m = 7, int mod = 11, int off = 5, float div = 4) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>((i * m) % mod - off) / div;
  return v;
}
inline Tensor FloatT(std::vector<float> v, TensorShape shape) { return Tensor::FromVector<float>(v, std::move(shape)); }
inline Tensor SeqT(TensorShape shape, int m = 7, int mod = 11, int off = 5, float div = 4) {
  return FloatT(Seq(shape.num_elements(), m, mod, off, div), shape);
}

}  // namespace serval::kernels::cpu::testing
