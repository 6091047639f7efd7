// The kernel contract. A Kernel is created once per node when a model loads (KernelInfo: attrs
// checked, constant inputs visible for pre-packing) and its Compute runs once per request with a
// KernelContext. Compute is const and must be safe to call from many threads at once; per-call
// state lives in the context. Kernels return Status values (shape errors name the expected and
// actual shapes); the executor adds the node, op and function to every message.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "serval/base/status.h"
#include "serval/graph/graph.h"
#include "serval/runtime/resource.h"
#include "serval/tensor/tensor.h"
#include "tensorflow/core/framework/attr_value.pb.h"

namespace serval::runtime {

class KernelContext;

// A compiled function body (While/If bodies, table initialisers): runs with positional args.
class CompiledFunction {
 public:
  virtual ~CompiledFunction() = default;
  virtual int num_args() const = 0;
  virtual int num_outputs() const = 0;
  // Runs the body; `parent` supplies the per-call state (resources, checkpoint, cancellation).
  virtual Status Call(std::vector<Tensor> args, std::vector<Tensor>* outputs, KernelContext& parent) const = 0;
};

// Compiles library functions on demand (memoised by the session).
class FunctionCompiler {
 public:
  virtual ~FunctionCompiler() = default;
  virtual Result<std::shared_ptr<const CompiledFunction>> Compile(const std::string& name) = 0;
};

class KernelInfo {
 public:
  KernelInfo(const graph::Node& node, std::vector<const Tensor*> constant_inputs, ResourceManager* resources,
             FunctionCompiler* functions)
      : node_(node), constant_inputs_(std::move(constant_inputs)), resources_(resources), functions_(functions) {}

  const graph::Node& node() const { return node_; }
  const std::string& name() const { return node_.name; }
  const std::string& op() const { return node_.op; }
  int num_inputs() const { return static_cast<int>(node_.inputs.size()); }
  int num_outputs() const { return node_.num_outputs; }

  // Attribute accessors: NotFound / InvalidArgument naming the attr when missing or mistyped.
  const tensorflow::AttrValue* FindAttr(std::string_view name) const;
  Result<DataType> GetType(std::string_view name) const;
  Result<int64_t> GetInt(std::string_view name) const;
  Result<float> GetFloat(std::string_view name) const;
  Result<bool> GetBool(std::string_view name) const;
  Result<std::string> GetString(std::string_view name) const;
  Result<std::vector<int64_t>> GetIntList(std::string_view name) const;
  Result<std::vector<float>> GetFloatList(std::string_view name) const;
  Result<std::vector<DataType>> GetTypeList(std::string_view name) const;
  Result<std::string> GetFunctionName(std::string_view name) const;
  // Default-valued variants for attrs that may be absent in old exports.
  int64_t GetIntOr(std::string_view name, int64_t dflt) const;
  bool GetBoolOr(std::string_view name, bool dflt) const;
  float GetFloatOr(std::string_view name, float dflt) const;
  std::string GetStringOr(std::string_view name, std::string dflt) const;

  // The value of input i when it is a compile-time constant (a Const node, or a variable that
  // nothing in the model writes after restore); nullptr otherwise. Lets kernels pre-pack weights.
  const Tensor* constant_input(int i) const {
    return i < static_cast<int>(constant_inputs_.size()) ? constant_inputs_[static_cast<size_t>(i)] : nullptr;
  }
  ResourceManager* resources() const { return resources_; }
  FunctionCompiler* functions() const { return functions_; }

 private:
  const graph::Node& node_;
  std::vector<const Tensor*> constant_inputs_;
  ResourceManager* resources_;
  FunctionCompiler* functions_;
};

// Per-call state shared by every kernel of one Run (and of the functions it calls).
struct RunState {
  ResourceManager* resources = nullptr;
  const CheckpointSource* checkpoint = nullptr;  // set only while restoring
  const std::atomic<bool>* cancelled = nullptr;  // checked by loops
};

class KernelContext {
 public:
  KernelContext(const graph::Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs,
                RunState* run)
      : node_(node), inputs_(inputs), outputs_(outputs), run_(run) {}

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const Tensor& input(int i) const { return *inputs_[static_cast<size_t>(i)]; }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  void set_output(int i, Tensor t) { outputs_[static_cast<size_t>(i)] = std::move(t); }
  // Allocates output i (ResourceExhausted on absurd sizes) and returns it for writing.
  Result<Tensor*> allocate_output(int i, DataType dtype, TensorShape shape);

  const graph::Node& node() const { return node_; }
  RunState& run() { return *run_; }

 private:
  const graph::Node& node_;
  std::span<const Tensor* const> inputs_;
  std::span<Tensor> outputs_;
  RunState* run_;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual Status Compute(KernelContext& ctx) const = 0;
};

using KernelFactory = std::function<Result<std::unique_ptr<Kernel>>(const KernelInfo&)>;

// A kernel from a lambda, for the many kernels with no load-time state.
template <typename F>
class FnKernel final : public Kernel {
 public:
  explicit FnKernel(F f) : f_(std::move(f)) {}
  Status Compute(KernelContext& ctx) const override { return f_(ctx); }

 private:
  F f_;
};
template <typename F>
std::unique_ptr<Kernel> MakeFnKernel(F f) {
  return std::make_unique<FnKernel<F>>(std::move(f));
}

}  // namespace serval::runtime
