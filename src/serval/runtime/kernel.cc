#include "serval/runtime/kernel.h"

#include "serval/base/strings.h"

namespace serval::runtime {

namespace {
Status Missing(std::string_view name) { return NotFound(StrCat("attr '", name, "' is missing")); }
Status Mistyped(std::string_view name, std::string_view want) {
  return InvalidArgument(StrCat("attr '", name, "' is not of type ", want));
}
}  // namespace

const tensorflow::AttrValue* KernelInfo::FindAttr(std::string_view name) const {
  const auto& attrs = node_.def->attr();
  auto it = attrs.find(std::string(name));
  return it == attrs.end() ? nullptr : &it->second;
}

Result<DataType> KernelInfo::GetType(std::string_view name) const {
  const auto* a = FindAttr(name);
  if (!a) return Missing(name);
  if (a->value_case() != tensorflow::AttrValue::kType) return Mistyped(name, "type");
  int v = static_cast<int>(a->type());
  if (!IsValidDataType(v)) return InvalidArgument(StrCat("attr '", name, "' has unsupported dtype ", v));
  return static_cast<DataType>(v);
}

Result<int64_t> KernelInfo::GetInt(std::string_view name) const {
  const auto* a = FindAttr(name);
  if (!a) return Missing(name);
  if (a->value_case() != tensorflow::AttrValue::kI) return Mistyped(name, "int");
  return a->i();
}

Result<float> KernelInfo::GetFloat(std::string_view name) const {
  const auto* a = FindAttr(name);
  if (!a) return Missing(name);
  if (a->value_case() != tensorflow::AttrValue::kF) return Mistyped(name, "float");
  return a->f();
}

Result<bool> KernelInfo::GetBool(std::string_view name) const {
  const auto* a = FindAttr(name);
  if (!a) return Missing(name);
  if (a->value_case() != tensorflow::AttrValue::kB) return Mistyped(name, "bool");
  return a->b();
}

Result<std::string> KernelInfo::GetString(std::string_view name) const {
  const auto* a = FindAttr(name);
  if (!a) return Missing(name);
  if (a->value_case() != tensorflow::AttrValue::kS) return Mistyped(name, "string");
  return a->s();
}

Result<std::vector<int64_t>> KernelInfo::GetIntList(std::string_view name) const {
  const auto* a = FindAttr(name);
  if (!a) return Missing(name);
  if (a->value_case() != tensorflow::AttrValue::kList) return Mistyped(name, "list(int)");
  return std::vector<int64_t>(a->list().i().begin(), a->list().i().end());
}

Result<std::vector<float>> KernelInfo::GetFloatList(std::string_view name) const {
  const auto* a = FindAttr(name);
  if (!a) return Missing(name);
  if (a->value_case() != tensorflow::AttrValue::kList) return Mistyped(name, "list(float)");
  return std::vector<float>(a->list().f().begin(), a->list().f().end());
}

Result<std::vector<DataType>> KernelInfo::GetTypeList(std::string_view name) const {
  const auto* a = FindAttr(name);
  if (!a) return Missing(name);
  if (a->value_case() != tensorflow::AttrValue::kList) return Mistyped(name, "list(type)");
  std::vector<DataType> out;
  for (int t : a->list().type()) {
    if (!IsValidDataType(t)) return InvalidArgument(StrCat("attr '", name, "' has unsupported dtype ", t));
    out.push_back(static_cast<DataType>(t));
  }
  return out;
}

Result<std::string> KernelInfo::GetFunctionName(std::string_view name) const {
  const auto* a = FindAttr(name);
  if (!a) return Missing(name);
  if (a->value_case() != tensorflow::AttrValue::kFunc) return Mistyped(name, "func");
  return a->func().name();
}

int64_t KernelInfo::GetIntOr(std::string_view name, int64_t dflt) const {
  auto r = GetInt(name);
  return r.ok() ? *r : dflt;
}
bool KernelInfo::GetBoolOr(std::string_view name, bool dflt) const {
  auto r = GetBool(name);
  return r.ok() ? *r : dflt;
}
float KernelInfo::GetFloatOr(std::string_view name, float dflt) const {
  auto r = GetFloat(name);
  return r.ok() ? *r : dflt;
}
std::string KernelInfo::GetStringOr(std::string_view name, std::string dflt) const {
  auto r = GetString(name);
  return r.ok() ? *r : dflt;
}

Result<Tensor*> KernelContext::allocate_output(int i, DataType dtype, TensorShape shape) {
  if (i < 0 || i >= num_outputs()) {
    return Internal(StrCat("output ", i, " out of range (", num_outputs(), " outputs)"));
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype, std::move(shape)));
  outputs_[static_cast<size_t>(i)] = std::move(t);
  return &outputs_[static_cast<size_t>(i)];
}

}  // namespace serval::runtime
