// KernelTester: builds one node, creates its kernel from a registry and runs it, for kernel unit
// tests. Test-only.
//   KernelTester t("MatMul", registry);
//   t.Attr("T", DataType::kFloat).Input(a).Input(b);
//   auto out = t.Run();            // Result<std::vector<Tensor>>
//   ExpectTensorNear(out->at(0), expected, 1e-6);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "serval/runtime/kernel_registry.h"
#include "tensorflow/core/framework/node_def.pb.h"

namespace serval::runtime::testing {

class KernelTester {
 public:
  KernelTester(std::string op, const KernelRegistry& registry);

  KernelTester& Attr(const std::string& name, DataType v);
  KernelTester& Attr(const std::string& name, int64_t v);
  KernelTester& Attr(const std::string& name, int v) { return Attr(name, static_cast<int64_t>(v)); }
  KernelTester& Attr(const std::string& name, float v);
  KernelTester& Attr(const std::string& name, bool v);
  KernelTester& Attr(const std::string& name, const char* v) { return Attr(name, std::string(v)); }
  KernelTester& Attr(const std::string& name, const std::string& v);
  KernelTester& Attr(const std::string& name, const std::vector<int64_t>& v);
  KernelTester& Attr(const std::string& name, const std::vector<DataType>& v);
  KernelTester& Attr(const std::string& name, const tensorflow::AttrValue& v);
  KernelTester& Input(Tensor t);
  // An input the kernel may treat as a load-time constant (pre-packing path).
  KernelTester& ConstInput(Tensor t);
  KernelTester& NumOutputs(int n);
  KernelTester& Resources(ResourceManager* r);

  // Creates the kernel (returns its Status on failure) and runs it once.
  Result<std::vector<Tensor>> Run();
  // Only creates the kernel (to test attr checks).
  Status Create();

 private:
  graph::Node MakeNode() const;
  Result<std::unique_ptr<Kernel>> CreateKernel(const graph::Node& node) const;

  const KernelRegistry& registry_;
  tensorflow::NodeDef def_;
  std::vector<Tensor> inputs_;
  std::vector<bool> is_const_;
  int num_outputs_ = 1;
  ResourceManager own_resources_;
  ResourceManager* resources_ = &own_resources_;
};

// Element-wise |got - want| <= atol + rtol*|want|, dtype and shape equal; NaNs must match NaNs.
// Integers, bools and strings compare exactly. Reports the first mismatching index.
void ExpectTensorNear(const Tensor& got, const Tensor& want, double atol = 1e-6, double rtol = 1e-6);
void ExpectTensorEqual(const Tensor& got, const Tensor& want);

// Tensor builders for kernel tests.
//   MakeTensor<int64_t>({1, 2, 3, 4}, {2, 2});  Floats({0.5f}, {});  Int32s({2, 0, 3})  // shape [3]
template <typename T>
Tensor MakeTensor(std::vector<T> values, TensorShape shape) {
  return Tensor::FromVector<T>(values, std::move(shape));
}
Tensor Floats(std::vector<float> values, TensorShape shape);
// std::vector<bool> is bit-packed, so bools are copied element by element.
Tensor Bools(std::vector<bool> values, TensorShape shape);
// 1-D tensors of shape [values.size()].
Tensor Int32s(std::vector<int32_t> values);
Tensor Int64s(std::vector<int64_t> values);
Tensor Strings(std::vector<std::string> values);

}  // namespace serval::runtime::testing
