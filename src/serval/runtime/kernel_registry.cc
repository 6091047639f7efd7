#include "serval/runtime/kernel_registry.h"

#include <algorithm>

#include "serval/base/strings.h"

namespace serval::runtime {

void KernelRegistry::Register(std::string op, std::string type_attr, std::vector<DataType> dtypes,
                              KernelFactory factory) {
  if (defs_.count(op)) {
    duplicates_.push_back(op);
    return;
  }
  KernelDef def{op, std::move(type_attr), std::move(dtypes), std::move(factory)};
  defs_.emplace(std::move(op), std::move(def));
}

const KernelDef* KernelRegistry::Find(const std::string& op) const {
  auto it = defs_.find(op);
  return it == defs_.end() ? nullptr : &it->second;
}

Result<std::unique_ptr<Kernel>> KernelRegistry::Create(const KernelInfo& info) const {
  const KernelDef* def = Find(info.op());
  if (!def) return Unimplemented(StrCat("Serval has no kernel for op '", info.op(), "'"));
  if (!def->type_attr.empty()) {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType(def->type_attr));
    if (std::find(def->dtypes.begin(), def->dtypes.end(), dt) == def->dtypes.end()) {
      std::vector<std::string> names;
      for (DataType d : def->dtypes) names.emplace_back(DataTypeName(d));
      return Unimplemented(StrCat("Serval's ", info.op(), " kernel does not support ", def->type_attr, "=",
                                  DataTypeName(dt), " (supported: ", Join(names, ", "), ")"));
    }
  }
  return def->factory(info);
}

std::vector<std::string> KernelRegistry::Ops() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : defs_) out.push_back(k);
  return out;
}

}  // namespace serval::runtime
