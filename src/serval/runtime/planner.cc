#include <malloc.h>

#include <cstdlib>
#include <unordered_set>

#include "serval/base/strings.h"
#include "serval/runtime/plan.h"

namespace serval::runtime {

std::string NodeContext(const graph::Node& node) {
  if (node.function.empty()) return StrCat("node '", node.name, "' (", node.op, ")");
  return StrCat("node '", node.name, "' (", node.op, ") in function '", node.function, "'");
}

namespace {

// Ops never folded even when their inputs are constant: they read feeds or have effects that
// the OpDef does not mark stateful.
bool NeverFold(const std::string& op) {
  static const std::unordered_set<std::string> kOps = {
      "_Arg", "Placeholder", "PlaceholderWithDefault", "NoOp", "ReadFile", "RestoreV2", "Assert", "Print",
      "PrintV2", "While", "StatelessWhile", "If", "StatelessIf", "Case", "StatelessCase",
      "Switch", "RefSwitch", "Merge", "RefMerge"};
  return kOps.count(op) > 0;
}

// Every run allocates its intermediate tensors and frees them at their release points. With
// glibc's defaults, a buffer above the dynamic mmap threshold (from 128 kB; a CNN activation at
// batch 32 is several MB) is mmap'ed per run and unmapped on free, so each run pays page faults and
// zeroing for every large activation: 40 % of a batch-32 CNN call (docs/benchmarks.md). Raising
// the thresholds once, when the first plan is built, keeps freed buffers in the heap for the next
// run. Bounded by the largest working set a run has needed; SERVAL_KEEP_MALLOC_DEFAULTS=1 opts out.
void TuneAllocatorForRepeatedRuns() {
  static const bool done = [] {
    const char* keep = std::getenv("SERVAL_KEEP_MALLOC_DEFAULTS");
    if (keep && *keep && *keep != '0') return false;
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    return true;
  }();
  (void)done;
}

}  // namespace

std::vector<std::string> Plan::StepOps() const {
  std::vector<std::string> ops;
  for (const auto& s : steps_) ops.push_back(s.node->op);
  return ops;
}

Result<std::unique_ptr<Plan>> BuildPlan(std::shared_ptr<const graph::Graph> graph, const KernelRegistry& registry,
                                        ResourceManager* resources, FunctionCompiler* functions,
                                        const PlanOptions& options) {
  TuneAllocatorForRepeatedRuns();
  auto plan = std::make_unique<Plan>();
  plan->graph_ = graph;
  const auto& nodes = graph->nodes;
  // ref[node] = first Ref of the node's outputs (slot base, or constant index base encoded).
  std::vector<int> slot_base(nodes.size(), -1);
  std::vector<int> const_base(nodes.size(), -1);
  std::unordered_set<int> target_set(graph->targets.begin(), graph->targets.end());

  auto ref_of = [&](const graph::Endpoint& e) -> Plan::Ref {
    const auto n = static_cast<size_t>(e.node);
    if (const_base[n] >= 0) return -(const_base[n] + e.index) - 1;
    return slot_base[n] + e.index;
  };

  // TF1 conditionals: Run propagates dead values, and a node under a control dependency (a
  // branch's Const waits for the branch pivot) is not folded, so it is dead when its branch is.
  for (const auto& node : nodes) {
    if (node.op == "Switch" || node.op == "RefSwitch") plan->dead_values_ = true;
  }
  RunState fold_state;
  fold_state.resources = resources;
  for (size_t id = 0; id < nodes.size(); ++id) {
    const graph::Node& node = nodes[id];
    if (node.op == "_Arg") {
      slot_base[id] = plan->num_slots_++;
      continue;
    }
    std::vector<const Tensor*> const_inputs;
    bool all_const = true;
    for (const auto& in : node.inputs) {
      const auto src = static_cast<size_t>(in.node);
      if (const_base[src] >= 0) {
        const_inputs.push_back(&plan->constants_[static_cast<size_t>(const_base[src] + in.index)]);
      } else {
        const_inputs.push_back(nullptr);
        all_const = false;
      }
    }
    KernelInfo info(node, const_inputs, resources, functions);
    auto kernel = registry.Create(info);
    if (!kernel.ok()) return kernel.status().WithContext(NodeContext(node));

    bool foldable = options.fold_constants && all_const && !NeverFold(node.op) && !target_set.count(static_cast<int>(id)) &&
                    !(plan->dead_values_ && !node.control_inputs.empty()) &&
                    (node.op == "Const" || node.op == "VarHandleOp" ||
                     (node.op == "ReadVariableOp" && options.freeze_variables) ||
                     (!node.stateful && !node.inputs.empty()));
    if (foldable) {
      std::vector<Tensor> outs(static_cast<size_t>(node.num_outputs));
      KernelContext ctx(node, const_inputs, outs, &fold_state);
      Status s = (*kernel)->Compute(ctx);
      bool complete = s.ok();
      for (const auto& t : outs) complete = complete && t.valid();
      if (complete) {
        const_base[id] = static_cast<int>(plan->constants_.size());
        for (auto& t : outs) plan->constants_.push_back(std::move(t));
        continue;
      }
      // A Const that fails to evaluate is a broken model: report it now, not per request.
      if (node.op == "Const" && !s.ok()) return s.WithContext(NodeContext(node));
    }
    Plan::Step step;
    step.node = &node;
    step.node_id = static_cast<int>(id);
    step.kernel = std::move(*kernel);
    for (const auto& in : node.inputs) step.inputs.push_back(ref_of(in));
    step.output_base = plan->num_slots_;
    step.num_outputs = node.num_outputs;
    slot_base[id] = plan->num_slots_;
    plan->num_slots_ += node.num_outputs;
    plan->steps_.push_back(std::move(step));
  }
  for (const auto& a : graph->args) plan->arg_slots_.push_back(ref_of(a));
  for (const auto& o : graph->outputs) plan->outputs_.push_back(ref_of(o));

  // Release points: a slot is dropped after the last step that reads it, unless it is an output.
  std::vector<int> last_use(static_cast<size_t>(plan->num_slots_), -1);
  for (size_t s = 0; s < plan->steps_.size(); ++s) {
    for (Plan::Ref r : plan->steps_[s].inputs)
      if (r >= 0) last_use[static_cast<size_t>(r)] = static_cast<int>(s);
    // Outputs nobody reads are dropped right after the step that made them.
    const auto& st = plan->steps_[s];
    for (int i = 0; i < st.num_outputs; ++i) last_use[static_cast<size_t>(st.output_base + i)] =
        std::max(last_use[static_cast<size_t>(st.output_base + i)], static_cast<int>(s));
  }
  for (Plan::Ref r : plan->outputs_)
    if (r >= 0) last_use[static_cast<size_t>(r)] = -2;
  for (size_t slot = 0; slot < last_use.size(); ++slot) {
    if (last_use[slot] >= 0) plan->steps_[static_cast<size_t>(last_use[slot])].release.push_back(static_cast<int>(slot));
  }
  return plan;
}

}  // namespace serval::runtime
