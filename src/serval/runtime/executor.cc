// Plan::Run: the hot loop. Everything that can be decided once lives in the Plan; here we only
// gather input pointers, call Compute and drop values at their release points.
#include "serval/base/strings.h"
#include "serval/runtime/plan.h"

namespace serval::runtime {

Status Plan::Run(std::vector<Tensor> args, std::vector<Tensor>* outputs, RunState& run) const {
  if (args.size() != arg_slots_.size()) {
    return InvalidArgument(StrCat("expected ", arg_slots_.size(), " inputs, got ", args.size()));
  }
  std::vector<Tensor> slots(static_cast<size_t>(num_slots_));
  for (size_t i = 0; i < args.size(); ++i) {
    if (arg_slots_[i] >= 0) slots[static_cast<size_t>(arg_slots_[i])] = std::move(args[i]);
  }
  std::vector<const Tensor*> inputs;
  for (const Step& step : steps_) {
    if (run.cancelled && run.cancelled->load(std::memory_order_relaxed)) {
      return Cancelled("the request was cancelled or its deadline passed");
    }
    inputs.clear();
    for (Ref r : step.inputs) {
      const Tensor* t = r >= 0 ? &slots[static_cast<size_t>(r)] : &constants_[static_cast<size_t>(-r - 1)];
      if (!t->valid()) {
        return Internal(StrCat(NodeContext(*step.node), ": input ", inputs.size(), " was never produced"));
      }
      inputs.push_back(t);
    }
    std::span<Tensor> outs(slots.data() + step.output_base, static_cast<size_t>(step.num_outputs));
    KernelContext ctx(*step.node, inputs, outs, &run);
    Status s = step.kernel->Compute(ctx);
    if (!s.ok()) return std::move(s).WithContext(NodeContext(*step.node));
    for (int slot : step.release) slots[static_cast<size_t>(slot)] = Tensor();
  }
  outputs->clear();
  outputs->reserve(outputs_.size());
  for (Ref r : outputs_) {
    const Tensor& t = r >= 0 ? slots[static_cast<size_t>(r)] : constants_[static_cast<size_t>(-r - 1)];
    if (!t.valid()) return Internal("an output of the graph was never produced");
    outputs->push_back(t);
  }
  return Status();
}

}  // namespace serval::runtime
