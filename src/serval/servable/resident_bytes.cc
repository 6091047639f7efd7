#include "serval/servable/resident_bytes.h"

#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "serval/loader/bundle_reader.h"
#include "serval/tensor/tensor_proto.h"

namespace serval::servable {
namespace {

int64_t ConstBytes(const tensorflow::NodeDef& node) {
  if (node.op() != "Const") return 0;
  auto it = node.attr().find("value");
  if (it == node.attr().end() || !it->second.has_tensor()) return 0;
  const tensorflow::TensorProto& t = it->second.tensor();
  const auto dtype = static_cast<DataType>(t.dtype());
  auto shape = ShapeFromProto(t.tensor_shape());
  if (IsFixedSize(dtype) && shape.ok()) {
    return shape->num_elements() * static_cast<int64_t>(DataTypeSize(dtype));
  }
  return static_cast<int64_t>(t.ByteSizeLong());
}

// "^name", "name:1" -> "name".
std::string_view NodeName(std::string_view input) {
  if (!input.empty() && input[0] == '^') input.remove_prefix(1);
  return input.substr(0, input.find(':'));
}

// Functions a node calls: its op when that names a library function, and every func attr.
void CalledFunctions(const tensorflow::NodeDef& node, const std::map<std::string, const tensorflow::FunctionDef*>& lib,
                     std::vector<const tensorflow::FunctionDef*>& out) {
  if (auto it = lib.find(node.op()); it != lib.end()) out.push_back(it->second);
  for (const auto& [name, attr] : node.attr()) {
    if (attr.has_func()) {
      if (auto it = lib.find(attr.func().name()); it != lib.end()) out.push_back(it->second);
    }
    for (const auto& f : attr.list().func()) {
      if (auto it = lib.find(f.name()); it != lib.end()) out.push_back(it->second);
    }
  }
}

}  // namespace

int64_t EstimateResidentBytes(const session::Session& session) {
  const loader::SavedModel& model = session.model();
  int64_t total = 0;
  if (model.variables) {
    for (const std::string& key : model.variables->keys()) {
      if (key == "_CHECKPOINTABLE_OBJECT_GRAPH") continue;  // TF2's object graph, not a weight
      auto info = model.variables->GetInfo(key);
      if (info.ok()) total += info->size;
    }
  }
  // Only constants the serving path can reach (from the signature outputs and the init op, through
  // node inputs and function calls): the save/restore graph's tensor-name constants are dropped
  // after the load and would otherwise dwarf a small model's weights.
  const tensorflow::GraphDef& graph = model.meta_graph.graph_def();
  std::map<std::string, const tensorflow::NodeDef*> nodes;
  for (const auto& node : graph.node()) nodes.emplace(node.name(), &node);
  std::map<std::string, const tensorflow::FunctionDef*> lib;
  for (const auto& fn : graph.library().function()) lib.emplace(fn.signature().name(), &fn);

  std::vector<std::string> pending;
  for (const auto& sig : model.signatures) {
    for (const auto& out : sig.outputs) pending.emplace_back(NodeName(out.tensor_name));
  }
  if (!model.init_op.empty()) pending.emplace_back(NodeName(model.init_op));
  std::set<std::string> seen_nodes;
  std::set<const tensorflow::FunctionDef*> seen_fns;
  std::vector<const tensorflow::FunctionDef*> fns;
  while (!pending.empty()) {
    std::string name = std::move(pending.back());
    pending.pop_back();
    auto it = nodes.find(name);
    if (it == nodes.end() || !seen_nodes.insert(name).second) continue;
    total += ConstBytes(*it->second);
    for (const auto& in : it->second->input()) pending.emplace_back(NodeName(in));
    CalledFunctions(*it->second, lib, fns);
  }
  while (!fns.empty()) {
    const tensorflow::FunctionDef* fn = fns.back();
    fns.pop_back();
    if (!seen_fns.insert(fn).second) continue;
    for (const auto& node : fn->node_def()) {
      total += ConstBytes(node);
      CalledFunctions(node, lib, fns);
    }
  }
  return total;
}

}  // namespace serval::servable
