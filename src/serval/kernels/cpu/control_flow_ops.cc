// Functional control flow: While/StatelessWhile and If/StatelessIf run library functions that
// the session compiles into Plans when the model loads. (Function calls themselves are inlined by
// graph import and never reach a kernel.)
#include "serval/base/strings.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {

using runtime::CompiledFunction;
using runtime::KernelContext;
using runtime::KernelInfo;
using runtime::MakeFnKernel;

namespace {

Result<std::shared_ptr<const CompiledFunction>> CompileAttr(const KernelInfo& info, const char* attr) {
  SERVAL_ASSIGN_OR_RETURN(std::string name, info.GetFunctionName(attr));
  if (!info.functions()) return Internal("no function compiler available");
  return info.functions()->Compile(name);
}

// TF's truthiness of a predicate tensor: a scalar is its value; any other tensor is "non-empty".
Result<bool> ToBool(const Tensor& t) {
  if (t.rank() > 0) return t.num_elements() > 0;
  switch (t.dtype()) {
    case DataType::kBool: return t.scalar<bool>();
    case DataType::kFloat: return t.scalar<float>() != 0;
    case DataType::kDouble: return t.scalar<double>() != 0;
    case DataType::kInt32: return t.scalar<int32_t>() != 0;
    case DataType::kInt64: return t.scalar<int64_t>() != 0;
    // TF's ToBool (functional_ops.cc) also accepts these integer scalars.
    case DataType::kInt8: return t.scalar<int8_t>() != 0;
    case DataType::kUInt8: return t.scalar<uint8_t>() != 0;
    case DataType::kInt16: return t.scalar<int16_t>() != 0;
    case DataType::kString: return !t.scalar<std::string>().empty();
    default: return InvalidArgument(StrCat("cannot use a ", DataTypeName(t.dtype()), " scalar as a condition"));
  }
}

Result<std::unique_ptr<runtime::Kernel>> MakeWhile(const KernelInfo& info) {
  SERVAL_ASSIGN_OR_RETURN(auto cond, CompileAttr(info, "cond"));
  SERVAL_ASSIGN_OR_RETURN(auto body, CompileAttr(info, "body"));
  const int n = info.num_inputs();
  if (cond->num_args() != n || body->num_args() != n || body->num_outputs() != n || cond->num_outputs() < 1) {
    return InvalidArgument(StrCat("While: the loop carries ", n, " values but cond takes ", cond->num_args(),
                                  " and body takes ", body->num_args(), " and returns ", body->num_outputs()));
  }
  return MakeFnKernel([cond, body, n](KernelContext& ctx) -> Status {
    std::vector<Tensor> vars;
    vars.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) vars.push_back(ctx.input(i));
    std::vector<Tensor> out;
    for (int64_t iter = 0;; ++iter) {
      if (ctx.run().cancelled && ctx.run().cancelled->load(std::memory_order_relaxed)) {
        return Cancelled(StrCat("While: cancelled after ", iter, " iterations"));
      }
      SERVAL_RETURN_IF_ERROR(cond->Call(vars, &out, ctx));
      SERVAL_ASSIGN_OR_RETURN(bool go, ToBool(out[0]));
      if (!go) break;
      Status s = body->Call(std::move(vars), &out, ctx);
      if (!s.ok()) return std::move(s).WithContext(StrCat("While body, iteration ", iter));
      vars = std::move(out);
      out.clear();
    }
    for (int i = 0; i < n; ++i) ctx.set_output(i, std::move(vars[static_cast<size_t>(i)]));
    return Status();
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakeIf(const KernelInfo& info) {
  SERVAL_ASSIGN_OR_RETURN(auto then_fn, CompileAttr(info, "then_branch"));
  SERVAL_ASSIGN_OR_RETURN(auto else_fn, CompileAttr(info, "else_branch"));
  const int n = info.num_inputs() - 1;
  for (const auto& f : {then_fn, else_fn}) {
    if (f->num_args() != n || f->num_outputs() != info.num_outputs()) {
      return InvalidArgument(StrCat("If: branches must take ", n, " inputs and return ", info.num_outputs(),
                                    " outputs; one takes ", f->num_args(), " and returns ", f->num_outputs()));
    }
  }
  return MakeFnKernel([then_fn, else_fn, n](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(bool pred, ToBool(ctx.input(0)));
    std::vector<Tensor> args;
    for (int i = 0; i < n; ++i) args.push_back(ctx.input(i + 1));
    std::vector<Tensor> out;
    SERVAL_RETURN_IF_ERROR((pred ? then_fn : else_fn)->Call(std::move(args), &out, ctx));
    for (size_t i = 0; i < out.size(); ++i) ctx.set_output(static_cast<int>(i), std::move(out[i]));
    return Status();
  });
}

// TF1 control flow. Switch forwards its data to output 1 when pred is true, else to output 0; the
// other output stays unset, which the executor treats as a dead value (Plan::RunDead). Merge
// forwards its first live (set) input and its index; the executor calls it with dead inputs.
// Enter/Exit/NextIteration/LoopCond only forward: import turns while-loop frames into While
// nodes, so these run only if a graph uses them outside a loop.
Result<std::unique_ptr<runtime::Kernel>> MakeSwitch(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(bool pred, ToBool(ctx.input(1)));
    ctx.set_output(pred ? 1 : 0, ctx.input(0));
    return Status();
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakeMerge(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.input(i).valid()) continue;
      ctx.set_output(0, ctx.input(i));
      ctx.set_output(1, Tensor::Scalar<int32_t>(i));
      return Status();
    }
    return Internal("Merge: every input is dead");
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakeForward(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    ctx.set_output(0, ctx.input(0));
    return Status();
  });
}

}  // namespace

void RegisterControlFlowKernels(runtime::KernelRegistry& r) {
  for (const char* op : {"Switch", "RefSwitch"}) r.Register(op, MakeSwitch);
  for (const char* op : {"Merge", "RefMerge"}) r.Register(op, MakeMerge);
  for (const char* op : {"Enter", "RefEnter", "Exit", "RefExit", "NextIteration", "RefNextIteration", "LoopCond"})
    r.Register(op, MakeForward);
  r.Register("While", MakeWhile);
  r.Register("StatelessWhile", MakeWhile);
  r.Register("If", MakeIf);
  r.Register("StatelessIf", MakeIf);
}

}  // namespace serval::kernels::cpu
