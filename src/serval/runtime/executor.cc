// Plan::Run: the hot loop. Everything that can be decided once lives in the Plan; here we only
// gather input pointers, call Compute and drop values at their release points.
#include <memory>
#include <vector>

#include "serval/base/strings.h"
#include "serval/runtime/plan.h"

namespace serval::runtime {

namespace {
inline bool IsCancelled(const RunState& run) {
  return run.cancelled && run.cancelled->load(std::memory_order_relaxed);
}
Status CancelledError() { return Cancelled("the request was cancelled or its deadline passed"); }

// Per-thread bookkeeping for Plan::Run (the value slots and the input-pointer list), reused across
// calls: a While body runs its plan once per iteration, and allocating these vectors each time was
// a measurable share of small models' latency (docs/benchmarks.md). One entry per nesting level in
// use (a While or If body runs a nested Plan::Run on the same thread); entries come back emptied,
// so no tensor outlives its run. Very large plans do not keep their vectors.
struct RunScratch {
  std::vector<Tensor> slots;
  std::vector<const Tensor*> inputs;
};
constexpr size_t kMaxPooledSlots = 4096;
constexpr size_t kMaxPooledLevels = 16;
thread_local std::vector<std::unique_ptr<RunScratch>> t_scratch_pool;

class ScopedScratch {
 public:
  ScopedScratch() {
    if (t_scratch_pool.empty()) {
      s_ = std::make_unique<RunScratch>();
    } else {
      s_ = std::move(t_scratch_pool.back());
      t_scratch_pool.pop_back();
    }
  }
  ~ScopedScratch() {
    s_->slots.clear();
    s_->inputs.clear();
    if (s_->slots.capacity() <= kMaxPooledSlots && t_scratch_pool.size() < kMaxPooledLevels) {
      t_scratch_pool.push_back(std::move(s_));
    }
  }
  ScopedScratch(const ScopedScratch&) = delete;
  ScopedScratch& operator=(const ScopedScratch&) = delete;
  RunScratch& operator*() { return *s_; }

 private:
  std::unique_ptr<RunScratch> s_;
};
}  // namespace

inline Status Plan::ComputeStep(const Step& step, const std::vector<const Tensor*>& inputs,
                                std::vector<Tensor>& slots, RunState& run) const {
  std::span<Tensor> outs(slots.data() + step.output_base, static_cast<size_t>(step.num_outputs));
  KernelContext ctx(*step.node, inputs, outs, &run);
  Status s = step.kernel->Compute(ctx);
  if (!s.ok()) return std::move(s).WithContext(NodeContext(*step.node));
  return s;
}

bool Plan::CollectOutputs(const std::vector<Tensor>& slots, std::vector<Tensor>* outputs) const {
  outputs->clear();
  outputs->reserve(outputs_.size());
  for (Ref r : outputs_) {
    const Tensor& t = Value(r, slots);
    if (!t.valid()) return false;
    outputs->push_back(t);
  }
  return true;
}

Status Plan::Run(std::vector<Tensor> args, std::vector<Tensor>* outputs, RunState& run) const {
  if (args.size() != arg_slots_.size()) {
    return InvalidArgument(StrCat("expected ", arg_slots_.size(), " inputs, got ", args.size()));
  }
  if (dead_values_) {
    std::vector<Tensor> slots(static_cast<size_t>(num_slots_));
    for (size_t i = 0; i < args.size(); ++i) {
      if (arg_slots_[i] >= 0) slots[static_cast<size_t>(arg_slots_[i])] = std::move(args[i]);
    }
    return RunDead(std::move(slots), outputs, run);
  }
  ScopedScratch scratch;
  std::vector<Tensor>& slots = (*scratch).slots;
  std::vector<const Tensor*>& inputs = (*scratch).inputs;
  slots.resize(static_cast<size_t>(num_slots_));
  for (size_t i = 0; i < args.size(); ++i) {
    if (arg_slots_[i] >= 0) slots[static_cast<size_t>(arg_slots_[i])] = std::move(args[i]);
  }
  for (const Step& step : steps_) {
    if (IsCancelled(run)) return CancelledError();
    inputs.clear();
    for (Ref r : step.inputs) {
      const Tensor* t = &Value(r, slots);
      if (!t->valid()) {
        return Internal(StrCat(NodeContext(*step.node), ": input ", inputs.size(), " was never produced"));
      }
      inputs.push_back(t);
    }
    SERVAL_RETURN_IF_ERROR(ComputeStep(step, inputs, slots, run));
    for (int slot : step.release) slots[static_cast<size_t>(slot)] = Tensor();
  }
  if (!CollectOutputs(slots, outputs)) return Internal("an output of the graph was never produced");
  return Status();
}

// The loop for graphs with TF1 conditionals. A slot left unset by its step (the untaken output of
// a Switch) is a dead value. A step with a dead data input or a dead control input is skipped:
// its outputs are dead, and so is the node for control dependencies. Merge runs while any input
// is live (it forwards the first live one). Slots are never reused, so "unset" means "dead".
Status Plan::RunDead(std::vector<Tensor> slots, std::vector<Tensor>* outputs, RunState& run) const {
  std::vector<uint8_t> dead(graph_->nodes.size(), 0);
  std::vector<const Tensor*> inputs;
  for (const Step& step : steps_) {
    if (IsCancelled(run)) return CancelledError();
    const bool merge = step.node->op == "Merge" || step.node->op == "RefMerge";
    bool is_dead = false;
    for (int c : step.node->control_inputs) is_dead = is_dead || dead[static_cast<size_t>(c)];
    bool any_live = false;
    inputs.clear();
    for (Ref r : step.inputs) {
      const Tensor* t = &Value(r, slots);
      if (t->valid()) any_live = true;
      else if (!merge) is_dead = true;
      inputs.push_back(t);
    }
    if (merge && !any_live) is_dead = true;
    if (is_dead) {
      dead[static_cast<size_t>(step.node_id)] = 1;
    } else {
      SERVAL_RETURN_IF_ERROR(ComputeStep(step, inputs, slots, run));
    }
    for (int slot : step.release) slots[static_cast<size_t>(slot)] = Tensor();
  }
  if (!CollectOutputs(slots, outputs)) {
    return InvalidArgument("an output of the graph is dead (on an untaken branch of a conditional)");
  }
  return Status();
}

}  // namespace serval::runtime
