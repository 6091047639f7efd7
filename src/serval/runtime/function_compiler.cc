#include "serval/runtime/function_compiler.h"

#include "serval/base/strings.h"

namespace serval::runtime {

namespace {

class PlanFunction final : public CompiledFunction {
 public:
  PlanFunction(std::string name, std::unique_ptr<Plan> plan) : name_(std::move(name)), plan_(std::move(plan)) {}
  int num_args() const override { return plan_->num_args(); }
  int num_outputs() const override { return plan_->num_outputs(); }
  Status Call(std::vector<Tensor> args, std::vector<Tensor>* outputs, KernelContext& parent) const override {
    if (static_cast<int>(args.size()) != num_args()) {
      return InvalidArgument(StrCat("function '", name_, "' takes ", num_args(), " arguments, got ", args.size()));
    }
    return plan_->Run(std::move(args), outputs, parent.run());
  }

 private:
  std::string name_;
  std::unique_ptr<Plan> plan_;
};

}  // namespace

Result<std::shared_ptr<const CompiledFunction>> LibraryFunctionCompiler::Compile(const std::string& name) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto it = compiled_.find(name);
  if (it != compiled_.end()) return it->second;
  if (!in_progress_.insert(name).second) {
    return Unimplemented(StrCat("function '", name, "' calls itself; recursive functions are not supported"));
  }
  auto graph = graph::ImportFunction(library_, name);
  if (!graph.ok()) {
    in_progress_.erase(name);
    return graph.status().WithContext(StrCat("function '", name, "'"));
  }
  auto plan = BuildPlan(*graph, registry_, resources_, this, options_);
  in_progress_.erase(name);
  if (!plan.ok()) return plan.status().WithContext(StrCat("function '", name, "'"));
  auto fn = std::make_shared<PlanFunction>(name, std::move(*plan));
  compiled_[name] = fn;
  return std::shared_ptr<const CompiledFunction>(fn);
}

}  // namespace serval::runtime
