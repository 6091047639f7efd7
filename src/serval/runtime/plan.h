// Plan: a Graph made executable. Built once at load (BuildPlan): kernels created with their attrs
// checked, constant subgraphs (Const, variable handles, reads of variables nothing writes, and
// stateless ops over those) folded into tensors, one value slot per remaining output, and for
// each step the slots to release after it. Run only iterates over the steps; it is const and safe
// to call from many threads at once (per-call state lives on the caller's stack).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "serval/base/status.h"
#include "serval/graph/graph.h"
#include "serval/runtime/kernel.h"
#include "serval/runtime/kernel_registry.h"

namespace serval::runtime {

struct PlanOptions {
  // Treat variables as constants (the model has no op that writes variables in this graph).
  bool freeze_variables = false;
  // Fold constant subgraphs at build time.
  bool fold_constants = true;
};

class Plan {
 public:
  // A value reference: >= 0 is a slot, < 0 is constant (-ref - 1).
  using Ref = int;

  struct Step {
    const graph::Node* node = nullptr;
    std::unique_ptr<Kernel> kernel;
    std::vector<Ref> inputs;
    int output_base = 0;  // slots [output_base, output_base + num_outputs)
    int num_outputs = 0;
    std::vector<int> release;  // slots no longer needed after this step
    int node_id = 0;           // index of `node` in the graph (TF1 control-flow deadness)
  };

  int num_args() const { return static_cast<int>(arg_slots_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  int num_steps() const { return static_cast<int>(steps_.size()); }
  int num_constants() const { return static_cast<int>(constants_.size()); }
  const graph::Graph& graph() const { return *graph_; }
  // Op types of the steps that run per call (after folding), for `serval ops` and tests.
  std::vector<std::string> StepOps() const;

  // Runs the plan. args.size() must equal num_args().
  Status Run(std::vector<Tensor> args, std::vector<Tensor>* outputs, RunState& run) const;

 private:
  friend Result<std::unique_ptr<Plan>> BuildPlan(std::shared_ptr<const graph::Graph>, const KernelRegistry&,
                                                 ResourceManager*, FunctionCompiler*, const PlanOptions&);
  std::shared_ptr<const graph::Graph> graph_;
  std::vector<Step> steps_;
  std::deque<Tensor> constants_;  // deque: addresses stay valid as it grows
  std::vector<int> arg_slots_;
  std::vector<Ref> outputs_;
  int num_slots_ = 0;
  // The graph has TF1 conditionals (Switch/Merge): Run propagates dead values (RunDead).
  bool dead_values_ = false;
  Status RunDead(std::vector<Tensor> slots, std::vector<Tensor>* outputs, RunState& run) const;

  // Helpers shared by Run and RunDead (executor.cc).
  // The value `r` refers to: a slot, or a constant.
  const Tensor& Value(Ref r, const std::vector<Tensor>& slots) const {
    return r >= 0 ? slots[static_cast<size_t>(r)] : constants_[static_cast<size_t>(-r - 1)];
  }
  // Runs the step's kernel on `inputs`; its outputs go to its slots. Errors get the node's context.
  Status ComputeStep(const Step& step, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& slots,
                     RunState& run) const;
  // Copies the graph's outputs into *outputs; false if one of them is unset (never produced, or dead).
  bool CollectOutputs(const std::vector<Tensor>& slots, std::vector<Tensor>* outputs) const;
};

// Errors carry the node, op and function of the failing node.
Result<std::unique_ptr<Plan>> BuildPlan(std::shared_ptr<const graph::Graph> graph, const KernelRegistry& registry,
                                        ResourceManager* resources, FunctionCompiler* functions,
                                        const PlanOptions& options);

// "node 'a/b' (MatMul) in function 'f'" — the context the executor and planner add to errors.
std::string NodeContext(const graph::Node& node);

}  // namespace serval::runtime
