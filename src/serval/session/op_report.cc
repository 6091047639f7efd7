#include <set>

#include "serval/graph/import.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/session/session.h"
#include "tensorflow/core/framework/attr_value.pb.h"

namespace serval::session {

namespace {

void CountFunction(const std::string& name, const graph::FunctionLibrary& lib, std::set<std::string>* seen,
                   std::map<std::string, int>* ops);

void CountNode(const tensorflow::NodeDef& nd, const graph::FunctionLibrary& lib, std::set<std::string>* seen,
               std::map<std::string, int>* ops) {
  bool is_call = nd.op() == "PartitionedCall" || nd.op() == "StatefulPartitionedCall" ||
                 (!lib.op_defs().Find(nd.op()) && lib.Find(nd.op()));
  if (!is_call) ++(*ops)[nd.op()];
  if (lib.Find(nd.op())) CountFunction(nd.op(), lib, seen, ops);
  for (const auto& [k, v] : nd.attr()) {
    if (v.value_case() == tensorflow::AttrValue::kFunc) CountFunction(v.func().name(), lib, seen, ops);
    if (v.value_case() == tensorflow::AttrValue::kList)
      for (const auto& f : v.list().func()) CountFunction(f.name(), lib, seen, ops);
  }
}

void CountFunction(const std::string& name, const graph::FunctionLibrary& lib, std::set<std::string>* seen,
                   std::map<std::string, int>* ops) {
  if (!seen->insert(name).second) return;
  const tensorflow::FunctionDef* f = lib.Find(name);
  if (!f) return;
  for (const auto& nd : f->node_def()) CountNode(nd, lib, seen, ops);
}

}  // namespace

Result<OpReport> ReportOps(const loader::SavedModel& model) {
  const auto& mg = model.meta_graph;
  loader::OpDefs op_defs(mg.has_meta_info_def() ? &mg.meta_info_def().stripped_op_list() : nullptr);
  graph::FunctionLibrary lib(mg.graph_def().library(), op_defs);
  OpReport report;
  std::set<std::string> seen;
  // Only what the signatures reach: graph import prunes to their fetches (and inlines calls).
  for (const auto& sig : model.signatures) {
    graph::ImportRequest req;
    for (const auto& in : sig.inputs) req.feeds.push_back(in.tensor_name);
    for (const auto& out : sig.outputs) req.fetches.push_back(out.tensor_name);
    SERVAL_ASSIGN_OR_RETURN(auto g, graph::ImportGraph(mg.graph_def(), lib, req));
    for (const auto& node : g->nodes) {
      if (node.op == "_Arg") continue;
      ++report.ops[node.op];
      for (const auto& [k, v] : node.def->attr()) {
        if (v.value_case() == tensorflow::AttrValue::kFunc) CountFunction(v.func().name(), lib, &seen, &report.ops);
        if (v.value_case() == tensorflow::AttrValue::kList)
          for (const auto& f : v.list().func()) CountFunction(f.name(), lib, &seen, &report.ops);
      }
    }
  }
  const auto& registry = kernels::cpu::CpuKernelRegistry();
  for (const auto& [op, n] : report.ops)
    if (!registry.Find(op)) report.missing.push_back(op);
  return report;
}

}  // namespace serval::session
