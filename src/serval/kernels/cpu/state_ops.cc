// Variables and checkpoint restore. Resource variables (VarHandleOp) and TF1 ref variables
// (VariableV2, which the importer gives explicit reads) both resolve to a runtime::Variable in the
// model's ResourceManager, so the restore plan, the init plan and every signature share them.
#include <cstring>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {

using runtime::KernelContext;
using runtime::KernelInfo;
using runtime::MakeFnKernel;
using runtime::Variable;

namespace {

Result<std::shared_ptr<Variable>> HandleToVariable(const Tensor& handle) {
  if (handle.dtype() != DataType::kResource || handle.num_elements() != 1) {
    return InvalidArgument(StrCat("expected a variable handle, got ", handle.DebugString()));
  }
  auto var = std::dynamic_pointer_cast<Variable>(handle.flat<ObjectPtr>()[0]);
  if (!var) return InvalidArgument("the resource handle does not refer to a variable");
  return var;
}

// VarHandleOp / VariableV2: the variable is created (uninitialised) when the kernel is built.
Result<std::unique_ptr<runtime::Kernel>> MakeVarHandle(const KernelInfo& info) {
  SERVAL_ASSIGN_OR_RETURN(DataType dtype, info.GetType("dtype"));
  std::string container = info.GetStringOr("container", "");
  std::string shared_name = info.GetStringOr("shared_name", "");
  // TF1 variables leave shared_name empty and are named by their node.
  if (shared_name.empty()) shared_name = info.node().def->name();
  if (!info.resources()) return Internal("no resource manager for variables");
  SERVAL_ASSIGN_OR_RETURN(ObjectPtr obj, info.resources()->LookupOrCreate(container, shared_name, [&]() -> Result<ObjectPtr> {
    return ObjectPtr(std::make_shared<Variable>(dtype, shared_name));
  }));
  auto var = std::dynamic_pointer_cast<Variable>(obj);
  if (!var) return InvalidArgument(StrCat("resource '", shared_name, "' exists and is not a variable"));
  if (var->dtype() != dtype) {
    return InvalidArgument(StrCat("variable '", shared_name, "' has dtype ", DataTypeName(var->dtype()),
                                  " but this handle declares ", DataTypeName(dtype)));
  }
  Tensor handle(DataType::kResource, TensorShape{});
  handle.flat<ObjectPtr>()[0] = var;
  return MakeFnKernel([handle](KernelContext& ctx) {
    ctx.set_output(0, handle);
    return Status();
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakeReadVariable(const KernelInfo& info) {
  SERVAL_ASSIGN_OR_RETURN(DataType dtype, info.GetType("dtype"));
  return MakeFnKernel([dtype](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(auto var, HandleToVariable(ctx.input(0)));
    SERVAL_ASSIGN_OR_RETURN(Tensor value, var->Read());
    if (value.dtype() != dtype) {
      return InvalidArgument(StrCat("variable '", var->name(), "' holds ", DataTypeName(value.dtype()),
                                    ", read as ", DataTypeName(dtype)));
    }
    ctx.set_output(0, std::move(value));
    return Status();
  });
}

Status CheckAssignable(const Variable& var, const Tensor& value) {
  if (value.dtype() != var.dtype()) {
    return InvalidArgument(StrCat("cannot assign a ", DataTypeName(value.dtype()), " value to variable '", var.name(),
                                  "' of type ", DataTypeName(var.dtype())));
  }
  return Status();
}

// AssignVariableOp (no output) and TF1 Assign (outputs the new value).
Result<std::unique_ptr<runtime::Kernel>> MakeAssign(const KernelInfo& info) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(auto var, HandleToVariable(ctx.input(0)));
    SERVAL_RETURN_IF_ERROR(CheckAssignable(*var, ctx.input(1)));
    var->Assign(ctx.input(1));
    if (ctx.num_outputs() > 0) ctx.set_output(0, ctx.input(1));
    return Status();
  });
}

template <typename T>
void AddInto(std::span<T> out, std::span<const T> a, std::span<const T> b, int sign) {
  for (size_t i = 0; i < out.size(); ++i) {
    // Unsigned arithmetic so integer overflow wraps as in TF instead of being undefined.
    if constexpr (std::is_integral_v<T>) {
      using U = std::make_unsigned_t<T>;
      U r = sign > 0 ? static_cast<U>(static_cast<U>(a[i]) + static_cast<U>(b[i]))
                     : static_cast<U>(static_cast<U>(a[i]) - static_cast<U>(b[i]));
      out[i] = static_cast<T>(r);
    } else {
      out[i] = sign > 0 ? a[i] + b[i] : a[i] - b[i];
    }
  }
}

Result<Tensor> AddTensors(const Tensor& a, const Tensor& b, int sign) {
  if (!(a.shape() == b.shape())) {
    return InvalidArgument(StrCat("update has shape ", b.shape().ToString(), " but the variable has shape ",
                                  a.shape().ToString()));
  }
  Tensor out(a.dtype(), a.shape());
  switch (a.dtype()) {
    case DataType::kFloat: AddInto<float>(out.flat<float>(), a.flat<float>(), b.flat<float>(), sign); break;
    case DataType::kDouble: AddInto<double>(out.flat<double>(), a.flat<double>(), b.flat<double>(), sign); break;
    case DataType::kInt32: AddInto<int32_t>(out.flat<int32_t>(), a.flat<int32_t>(), b.flat<int32_t>(), sign); break;
    case DataType::kInt64: AddInto<int64_t>(out.flat<int64_t>(), a.flat<int64_t>(), b.flat<int64_t>(), sign); break;
    default:
      return Unimplemented(StrCat("variable updates of type ", DataTypeName(a.dtype()), " are not supported"));
  }
  return out;
}

// AssignAddVariableOp / AssignSubVariableOp (no output), TF1 AssignAdd / AssignSub (new value).
Result<std::unique_ptr<runtime::Kernel>> MakeAssignUpdate(const KernelInfo& info, int sign) {
  return MakeFnKernel([sign](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(auto var, HandleToVariable(ctx.input(0)));
    SERVAL_RETURN_IF_ERROR(CheckAssignable(*var, ctx.input(1)));
    const Tensor& delta = ctx.input(1);
    SERVAL_ASSIGN_OR_RETURN(Tensor next, var->Update([&](const Tensor& cur) { return AddTensors(cur, delta, sign); }));
    if (ctx.num_outputs() > 0) ctx.set_output(0, std::move(next));
    return Status();
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakeVarIsInitialized(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(auto var, HandleToVariable(ctx.input(0)));
    ctx.set_output(0, Tensor::Scalar<bool>(var->initialized()));
    return Status();
  });
}

// RestoreV2(prefix, tensor_names, shape_and_slices): reads from the checkpoint the session is
// restoring (the prefix input is informational: the session already opened that bundle).
Result<std::unique_ptr<runtime::Kernel>> MakeRestore(const KernelInfo& info) {
  SERVAL_ASSIGN_OR_RETURN(std::vector<DataType> dtypes, info.GetTypeList("dtypes"));
  return MakeFnKernel([dtypes](KernelContext& ctx) -> Status {
    if (!ctx.run().checkpoint) return FailedPrecondition("RestoreV2 ran outside of a checkpoint restore");
    const Tensor& names = ctx.input(1);
    const Tensor& slices = ctx.input(2);
    if (names.dtype() != DataType::kString || names.num_elements() != static_cast<int64_t>(dtypes.size())) {
      return InvalidArgument(StrCat("RestoreV2: tensor_names has ", names.num_elements(), " entries, expected ",
                                    dtypes.size()));
    }
    for (size_t i = 0; i < dtypes.size(); ++i) {
      const std::string& key = names.flat<std::string>()[i];
      if (slices.dtype() == DataType::kString && static_cast<size_t>(slices.num_elements()) > i &&
          !slices.flat<std::string>()[i].empty()) {
        return Unimplemented(StrCat("RestoreV2: checkpoint key '", key, "' is restored by slice ('",
                                    slices.flat<std::string>()[i], "'); partitioned variables are not supported"));
      }
      SERVAL_ASSIGN_OR_RETURN(Tensor t, ctx.run().checkpoint->Read(key));
      if (t.dtype() != dtypes[i]) {
        return InvalidArgument(StrCat("RestoreV2: checkpoint key '", key, "' holds ", DataTypeName(t.dtype()),
                                      ", the graph expects ", DataTypeName(dtypes[i])));
      }
      ctx.set_output(static_cast<int>(i), std::move(t));
    }
    return Status();
  });
}

}  // namespace

void RegisterStateKernels(runtime::KernelRegistry& r) {
  r.Register("VarHandleOp", MakeVarHandle);
  r.Register("VariableV2", MakeVarHandle);
  r.Register("ReadVariableOp", MakeReadVariable);
  r.Register("AssignVariableOp", MakeAssign);
  r.Register("Assign", MakeAssign);
  r.Register("AssignAddVariableOp", [](const KernelInfo& i) { return MakeAssignUpdate(i, 1); });
  r.Register("AssignSubVariableOp", [](const KernelInfo& i) { return MakeAssignUpdate(i, -1); });
  r.Register("AssignAdd", [](const KernelInfo& i) { return MakeAssignUpdate(i, 1); });
  r.Register("AssignSub", [](const KernelInfo& i) { return MakeAssignUpdate(i, -1); });
  r.Register("VarIsInitializedOp", MakeVarIsInitialized);
  // Only affects copy-on-write bookkeeping in TF; Serval variables are always copy-on-write.
  r.Register("DisableCopyOnRead", [](const KernelInfo&) -> Result<std::unique_ptr<runtime::Kernel>> {
    return MakeFnKernel([](KernelContext&) { return Status(); });
  });
  r.Register("RestoreV2", MakeRestore);
}

}  // namespace serval::kernels::cpu
