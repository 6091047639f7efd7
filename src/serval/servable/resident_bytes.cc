#include "serval/servable/resident_bytes.h"

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

}  // namespace

int64_t EstimateResidentBytes(const session::Session& session) {
  const loader::SavedModel& model = session.model();
  int64_t total = 0;
  if (model.variables) {
    for (const std::string& key : model.variables->keys()) {
      auto info = model.variables->GetInfo(key);
      if (info.ok()) total += info->size;
    }
  }
  const tensorflow::GraphDef& graph = model.meta_graph.graph_def();
  for (const auto& node : graph.node()) total += ConstBytes(node);
  for (const auto& fn : graph.library().function()) {
    for (const auto& node : fn.node_def()) total += ConstBytes(node);
  }
  return total;
}

}  // namespace serval::servable
