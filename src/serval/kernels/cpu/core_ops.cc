// Ops that move values without computing: constants, feeds, identities, no-ops and run-time checks
// (EnsureShape, Assert).
#include "serval/base/strings.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/tensor/tensor_proto.h"
#include "tensorflow/core/framework/attr_value.pb.h"

namespace serval::kernels::cpu {

using runtime::KernelContext;
using runtime::KernelInfo;
using runtime::MakeFnKernel;

namespace {

Result<std::unique_ptr<runtime::Kernel>> MakeConst(const KernelInfo& info) {
  const auto* value = info.FindAttr("value");
  if (!value || value->value_case() != tensorflow::AttrValue::kTensor) {
    return InvalidArgument("Const has no 'value' tensor");
  }
  auto t = TensorFromProto(value->tensor());
  if (!t.ok()) return t.status().WithContext("Const 'value'");
  if (auto dt = info.GetType("dtype"); dt.ok() && *dt != t->dtype()) {
    return InvalidArgument(StrCat("Const 'value' has dtype ", DataTypeName(t->dtype()), " but attr dtype is ",
                                  DataTypeName(*dt)));
  }
  return MakeFnKernel([value = std::move(*t)](KernelContext& ctx) {
    ctx.set_output(0, value);
    return Status();
  });
}

// Forwards every input to the output of the same index.
Result<std::unique_ptr<runtime::Kernel>> MakeForward(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) {
    for (int i = 0; i < ctx.num_inputs() && i < ctx.num_outputs(); ++i) ctx.set_output(i, ctx.input(i));
    return Status();
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakePlaceholder(const KernelInfo& info) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    return InvalidArgument("no value was fed for this placeholder (is the input missing from the request?)");
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakeEnsureShape(const KernelInfo& info) {
  const auto* shape = info.FindAttr("shape");
  std::vector<int64_t> dims;
  bool unknown_rank = true;
  if (shape && shape->value_case() == tensorflow::AttrValue::kShape && !shape->shape().unknown_rank()) {
    unknown_rank = false;
    for (const auto& d : shape->shape().dim()) dims.push_back(d.size());
  }
  PartialShape want = unknown_rank ? PartialShape::UnknownRank() : PartialShape(dims);
  return MakeFnKernel([want](KernelContext& ctx) -> Status {
    if (!want.IsCompatibleWith(ctx.input(0).shape())) {
      return InvalidArgument(StrCat("EnsureShape: shape of tensor ", ctx.input(0).shape().ToString(),
                                    " is not compatible with expected shape ", want.ToString()));
    }
    ctx.set_output(0, ctx.input(0));
    return Status();
  });
}

// tf.debugging.Assert / the asserts inside tf.image functions: fails the run with the data
// (strings and numbers) when the condition is false, as TF's "assertion failed: [...]".
Result<std::unique_ptr<runtime::Kernel>> MakeAssert(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    const Tensor& cond = ctx.input(0);
    if (cond.dtype() != DataType::kBool || cond.num_elements() != 1) {
      return InvalidArgument(StrCat("Assert: condition must be a bool scalar, got ", DataTypeName(cond.dtype()), " ",
                                    cond.shape().ToString()));
    }
    if (cond.flat<bool>()[0]) return Status();
    std::string what;
    for (int i = 1; i < ctx.num_inputs(); ++i) {
      const Tensor& d = ctx.input(i);
      if (d.dtype() == DataType::kString) {
        for (const std::string& s : d.flat<std::string>()) what += (what.empty() ? "" : " ") + s;
      } else {
        what += StrCat(what.empty() ? "" : " ", DataTypeName(d.dtype()), " ", d.shape().ToString());
      }
    }
    return InvalidArgument(StrCat("assertion failed: [", what, "]"));
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakeNoOp(const KernelInfo&) {
  return MakeFnKernel([](KernelContext&) { return Status(); });
}

}  // namespace

void RegisterCoreKernels(runtime::KernelRegistry& r) {
  r.Register("Const", MakeConst);
  r.Register("Identity", MakeForward);
  r.Register("IdentityN", MakeForward);
  r.Register("Snapshot", MakeForward);
  r.Register("StopGradient", MakeForward);
  r.Register("PreventGradient", MakeForward);
  r.Register("PlaceholderWithDefault", MakeForward);
  r.Register("Placeholder", MakePlaceholder);
  r.Register("EnsureShape", MakeEnsureShape);
  r.Register("NoOp", MakeNoOp);
  r.Register("Assert", MakeAssert);
}

}  // namespace serval::kernels::cpu
