#include "serval/session/variable_writes.h"

#include <set>
#include <unordered_set>

#include "tensorflow/core/framework/attr_value.pb.h"

namespace serval::session {

bool IsVariableWriteOp(const std::string& op) {
  static const std::unordered_set<std::string> kOps = {
      "AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp", "Assign", "AssignAdd", "AssignSub",
      "ResourceScatterUpdate", "ResourceScatterAdd", "ResourceScatterSub", "ScatterUpdate", "ScatterAdd",
      "ScatterSub", "ResourceApplyGradientDescent"};
  return kOps.count(op) > 0;
}

namespace {

void CollectFuncs(const tensorflow::AttrValue& v, std::vector<std::string>* out) {
  if (v.value_case() == tensorflow::AttrValue::kFunc) out->push_back(v.func().name());
  if (v.value_case() == tensorflow::AttrValue::kList)
    for (const auto& f : v.list().func()) out->push_back(f.name());
}

bool FunctionWrites(const std::string& name, const graph::FunctionLibrary& lib, std::set<std::string>* seen) {
  if (!seen->insert(name).second) return false;
  const tensorflow::FunctionDef* f = lib.Find(name);
  if (!f) return false;
  for (const auto& nd : f->node_def()) {
    if (IsVariableWriteOp(nd.op())) return true;
    if (lib.Find(nd.op()) && FunctionWrites(nd.op(), lib, seen)) return true;
    std::vector<std::string> funcs;
    for (const auto& [k, v] : nd.attr()) CollectFuncs(v, &funcs);
    for (const auto& fn : funcs)
      if (FunctionWrites(fn, lib, seen)) return true;
  }
  return false;
}

}  // namespace

bool WritesVariables(const graph::Graph& g, const graph::FunctionLibrary& library) {
  std::set<std::string> seen;
  for (const auto& node : g.nodes) {
    if (IsVariableWriteOp(node.op)) return true;
    std::vector<std::string> funcs;
    for (const auto& [k, v] : node.def->attr()) CollectFuncs(v, &funcs);
    for (const auto& fn : funcs)
      if (FunctionWrites(fn, library, &seen)) return true;
  }
  return false;
}

}  // namespace serval::session
