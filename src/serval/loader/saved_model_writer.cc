#include "serval/loader/saved_model_writer.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <filesystem>
#include <set>
#include <system_error>

#include "serval/base/file.h"
#include "serval/loader/bundle_writer.h"
#include "serval/loader/op_defs.h"
#include "serval/tensor/tensor_proto.h"
#include "tensorflow/core/framework/graph.pb.h"
#include "tensorflow/core/framework/tensor.pb.h"
#include "tensorflow/core/protobuf/fingerprint.pb.h"
#include "tensorflow/core/protobuf/saved_model.pb.h"
#include "tensorflow/core/protobuf/saved_object_graph.pb.h"
#include "tensorflow/core/protobuf/struct.pb.h"
#include "tensorflow/core/protobuf/trackable_object_graph.pb.h"

namespace serval::loader {
namespace {

using tensorflow::AttrValue;
using tensorflow::FunctionDef;
using tensorflow::NodeDef;

// What TF 2.14 writes into every StatefulPartitionedCall (a serialized ConfigProto).
constexpr char kConfigProto[] = "\202\001\0008\0012\002J\000\n\007\n\003CPU\020\001\n\007\n\003GPU\020\000";
constexpr int kGraphProducer = 1569;  // TF 2.14's GraphDef version
constexpr int kGraphMinConsumer = 12;
constexpr char kObjectGraphKey[] = "_CHECKPOINTABLE_OBJECT_GRAPH";

std::string Deterministic(const google::protobuf::MessageLite& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// TF's argument names: lowercased, anything but [a-z0-9_] becomes '_'.
std::string ArgName(std::string_view s) {
  std::string out;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    out.push_back(std::isalnum(u) || c == '_' ? static_cast<char>(std::tolower(u)) : '_');
  }
  return out;
}

std::string Indexed(const std::string& base, int k) { return k == 0 ? base : base + "_" + std::to_string(k); }

void SetShape(const PartialShape& shape, tensorflow::TensorShapeProto* p) {
  p->Clear();
  if (shape.unknown_rank()) {
    p->set_unknown_rank(true);
    return;
  }
  for (int64_t d : shape.dims()) p->add_dim()->set_size(d);
}

PartialShape Known(const TensorShape& s) { return PartialShape(s.dims()); }

NodeDef MakeNode(const std::string& name, const std::string& op, std::vector<std::string> inputs, Attrs attrs,
                 const std::string& device = "") {
  NodeDef n;
  n.set_name(name);
  n.set_op(op);
  for (auto& in : inputs) n.add_input(std::move(in));
  if (!device.empty()) n.set_device(device);
  for (auto& [k, v] : attrs) (*n.mutable_attr())[k] = std::move(v);
  return n;
}

AttrValue OutputShapes(std::initializer_list<PartialShape> shapes) {
  return attr::ShapeList(std::vector<PartialShape>(shapes));
}

tensorflow::StructuredValue SpecValue(const TensorSpec& spec, bool named) {
  tensorflow::StructuredValue v;
  auto* ts = v.mutable_tensor_spec_value();
  if (named) ts->set_name(spec.key);
  SetShape(spec.shape, ts->mutable_shape());
  ts->set_dtype(static_cast<tensorflow::DataType>(spec.dtype));
  return v;
}

void AddArg(tensorflow::OpDef* sig, const std::string& name, DataType dt) {
  auto* a = sig->add_input_arg();
  a->set_name(name);
  a->set_type(static_cast<tensorflow::DataType>(dt));
}

void AddUserSpecifiedName(FunctionDef* f, int arg, const std::string& name) {
  (*(*f->mutable_arg_attr())[static_cast<uint32_t>(arg)].mutable_attr())["_user_specified_name"] = attr::Str(name);
}

// Removes attrs equal to their OpDef default (what stripped_default_attrs means) and records the
// OpDefs used.
void StripDefaults(NodeDef* n, std::map<std::string, tensorflow::OpDef>* used) {
  const tensorflow::OpDef* def = FindBuiltinOpDef(n->op());
  if (!def) return;
  (*used)[n->op()] = *def;
  for (const auto& a : def->attr()) {
    if (!a.has_default_value()) continue;
    auto it = n->attr().find(a.name());
    if (it != n->attr().end() && Deterministic(it->second) == Deterministic(a.default_value())) {
      n->mutable_attr()->erase(a.name());
    }
  }
}

}  // namespace

namespace attr {
AttrValue Type(DataType dt) {
  AttrValue v;
  v.set_type(static_cast<tensorflow::DataType>(dt));
  return v;
}
AttrValue TypeList(const std::vector<DataType>& dts) {
  AttrValue v;
  auto* list = v.mutable_list();
  for (DataType dt : dts) list->add_type(static_cast<tensorflow::DataType>(dt));
  return v;
}
AttrValue Shape(const PartialShape& shape) {
  AttrValue v;
  SetShape(shape, v.mutable_shape());
  return v;
}
AttrValue ShapeList(const std::vector<PartialShape>& shapes) {
  AttrValue v;
  auto* list = v.mutable_list();
  for (const auto& s : shapes) SetShape(s, list->add_shape());
  return v;
}
AttrValue TensorValue(const Tensor& t) {
  AttrValue v;
  const bool as_content = t.num_elements() > 1 && t.dtype() != DataType::kString;
  (void)TensorToProto(t, v.mutable_tensor(), as_content);
  return v;
}
AttrValue Int(int64_t i) {
  AttrValue v;
  v.set_i(i);
  return v;
}
AttrValue IntList(const std::vector<int64_t>& is) {
  AttrValue v;
  auto* list = v.mutable_list();
  for (int64_t i : is) list->add_i(i);
  return v;
}
AttrValue Float(float f) {
  AttrValue v;
  v.set_f(f);
  return v;
}
AttrValue Bool(bool b) {
  AttrValue v;
  v.set_b(b);
  return v;
}
AttrValue Str(const std::string& s) {
  AttrValue v;
  v.set_s(s);
  return v;
}
AttrValue Func(const std::string& name) {
  AttrValue v;
  v.mutable_func()->set_name(name);
  return v;
}
}  // namespace attr

// ---------------------------------------------------------------------------------------------
// FunctionBuilder

std::string FunctionBuilder::Ref(const std::string& node, const std::string& out_arg, int index) {
  return node + ":" + out_arg + ":" + std::to_string(index);
}

std::string FunctionBuilder::AddInput(const std::string& arg_name, DataType dtype, PartialShape shape) {
  Arg a;
  a.def.set_name(arg_name);
  a.def.set_type(static_cast<tensorflow::DataType>(dtype));
  a.shape = std::move(shape);
  data_args_.push_back(std::move(a));
  return arg_name;
}

std::string FunctionBuilder::AddResourceInput(VariableHandle v, const std::string& arg_name) {
  if (v.index < 0 || static_cast<size_t>(v.index) >= owner_->variables_.size()) {
    errors_.push_back("function '" + name_ + "': unknown variable handle");
    return arg_name;
  }
  for (const Arg& a : resource_args_) {
    if (a.variable == v.index) return a.def.name();
  }
  const auto& var = owner_->variables_[static_cast<size_t>(v.index)];
  Arg a;
  a.def.set_name(arg_name.empty() ? ArgName(var.name) + "_resource" : arg_name);
  a.def.set_type(tensorflow::DT_RESOURCE);
  auto* hd = a.def.add_handle_data();
  hd->set_dtype(static_cast<tensorflow::DataType>(var.value.dtype()));
  SetShape(Known(var.value.shape()), hd->mutable_shape());
  a.shape = PartialShape(std::vector<int64_t>{});
  a.variable = v.index;
  resource_args_.push_back(std::move(a));
  return resource_args_.back().def.name();
}

std::string FunctionBuilder::AddTableInput(TableHandle t, const std::string& arg_name) {
  if (t.index < 0 || static_cast<size_t>(t.index) >= owner_->tables_.size()) {
    errors_.push_back("function '" + name_ + "': unknown table handle");
    return arg_name;
  }
  for (const Arg& a : resource_args_) {
    if (a.table == t.index) return a.def.name();
  }
  Arg a;
  a.def.set_name(arg_name);
  a.def.set_type(tensorflow::DT_RESOURCE);
  a.shape = PartialShape(std::vector<int64_t>{});
  a.table = t.index;
  resource_args_.push_back(std::move(a));
  return resource_args_.back().def.name();
}

std::string FunctionBuilder::ReadVariable(VariableHandle v, const std::string& read_node_name) {
  const std::string arg = AddResourceInput(v, ArgName(read_node_name) + "_resource");
  if (v.index < 0 || static_cast<size_t>(v.index) >= owner_->variables_.size()) return read_node_name;
  const auto& var = owner_->variables_[static_cast<size_t>(v.index)];
  AddNode(read_node_name, "ReadVariableOp", {arg},
          {{"dtype", attr::Type(var.value.dtype())}, {"_output_shapes", OutputShapes({Known(var.value.shape())})}});
  return Ref(read_node_name, "value", 0);
}

NodeDef& FunctionBuilder::AddNode(const std::string& node_name, const std::string& op, std::vector<std::string> inputs,
                                  Attrs attrs) {
  for (const auto& n : body_.node_def()) {
    if (n.name() == node_name) errors_.push_back("function '" + name_ + "': duplicate node name '" + node_name + "'");
  }
  *body_.add_node_def() = MakeNode(node_name, op, std::move(inputs), std::move(attrs));
  return *body_.mutable_node_def(body_.node_def_size() - 1);
}

std::string FunctionBuilder::AddConst(const std::string& node_name, const Tensor& value) {
  AddNode(node_name, "Const", {},
          {{"dtype", attr::Type(value.dtype())},
           {"value", attr::TensorValue(value)},
           {"_output_shapes", OutputShapes({Known(value.shape())})}});
  return Ref(node_name, "output", 0);
}

int FunctionBuilder::AddOutput(const std::string& ref, DataType dtype, PartialShape shape) {
  outputs_.push_back({ref, dtype, std::move(shape)});
  return static_cast<int>(outputs_.size()) - 1;
}

FunctionDef FunctionBuilder::Build() const {
  FunctionDef f = body_;
  auto* sig = f.mutable_signature();
  sig->set_name(name_);
  std::vector<const Arg*> args;
  for (const Arg& a : data_args_) args.push_back(&a);
  for (const Arg& a : resource_args_) args.push_back(&a);
  AttrValue input_shapes;
  input_shapes.mutable_list();
  for (size_t i = 0; i < args.size(); ++i) {
    *sig->add_input_arg() = args[i]->def;
    SetShape(args[i]->shape, input_shapes.mutable_list()->add_shape());
    auto& aa = *(*f.mutable_arg_attr())[static_cast<uint32_t>(i)].mutable_attr();
    if (args[i]->table >= 0) {
      aa["_user_specified_name"] = attr::Str(owner_->tables_[static_cast<size_t>(args[i]->table)].name);
    } else if (args[i]->variable < 0) {
      aa["_output_shapes"] = OutputShapes({args[i]->shape});
      aa["_user_specified_name"] = attr::Str(args[i]->def.name());
    } else {
      aa["_user_specified_name"] = attr::Str(owner_->variables_[static_cast<size_t>(args[i]->variable)].name);
    }
  }
  std::set<std::string> names;
  std::vector<std::string> reads;
  bool stateful = !resource_args_.empty();
  for (const auto& n : body_.node_def()) {
    names.insert(n.name());
    if (n.op() == "ReadVariableOp") reads.push_back(n.name());
    const tensorflow::OpDef* def = FindBuiltinOpDef(n.op());
    if ((def && def->is_stateful()) || n.op() == "StatefulPartitionedCall") stateful = true;
  }
  std::sort(reads.begin(), reads.end());
  auto unique = [&](const std::string& base) {
    std::string name = base;
    for (int k = 1; names.count(name); ++k) name = base + "_" + std::to_string(k);
    names.insert(name);
    return name;
  };
  std::string noop;
  if (!reads.empty()) noop = unique("NoOp");
  for (size_t k = 0; k < outputs_.size(); ++k) {
    const Output& o = outputs_[k];
    const std::string id = unique(Indexed("Identity", static_cast<int>(k)));
    std::vector<std::string> in{o.ref};
    if (!noop.empty()) in.push_back("^" + noop);
    *f.add_node_def() =
        MakeNode(id, "Identity", std::move(in), {{"T", attr::Type(o.dtype)}, {"_output_shapes", OutputShapes({o.shape})}});
    const std::string out_name = Indexed("identity", static_cast<int>(k));
    auto* oa = sig->add_output_arg();
    oa->set_name(out_name);
    oa->set_type(static_cast<tensorflow::DataType>(o.dtype));
    (*f.mutable_ret())[out_name] = id + ":output:0";
  }
  if (!noop.empty()) {
    std::vector<std::string> deps;
    for (const auto& r : reads) deps.push_back("^" + r);
    *f.add_node_def() = MakeNode(noop, "NoOp", std::move(deps), {{"_output_shapes", attr::ShapeList({})}});
    for (const auto& r : reads) {
      sig->add_control_output(r);
      (*f.mutable_control_ret())[r] = r;
    }
  }
  if (stateful) sig->set_is_stateful(true);
  (*f.mutable_attr())["_construction_context"] = attr::Str("kEagerRuntime");
  (*f.mutable_attr())["_input_shapes"] = input_shapes;
  return f;
}

// ---------------------------------------------------------------------------------------------
// SavedModelBuilder

SavedModelBuilder::SavedModelBuilder() = default;

int SavedModelBuilder::NextId() {
  next_id_ += 10;
  return next_id_;
}

VariableHandle SavedModelBuilder::AddVariable(const std::string& name, const Tensor& value, VariableOptions options) {
  for (const auto& v : variables_) {
    if (v.name == name) errors_.push_back("duplicate variable '" + name + "'");
  }
  if (!value.valid() || value.dtype() == DataType::kResource || value.dtype() == DataType::kVariant) {
    errors_.push_back("variable '" + name + "' needs a fixed-size or string value");
  }
  if (options.object_path.empty()) options.object_path = name;
  variables_.push_back({name, value, std::move(options)});
  return VariableHandle{static_cast<int>(variables_.size()) - 1};
}

FunctionBuilder SavedModelBuilder::NewFunction(const std::string& name) {
  return FunctionBuilder(this, name.empty() ? "__inference_" + std::to_string(NextId()) : name);
}

void SavedModelBuilder::AddFunction(const FunctionBuilder& f) {
  for (const auto& e : f.errors_) errors_.push_back(e);
  AddFunction(f.Build());
}

void SavedModelBuilder::AddFunction(FunctionDef f) {
  for (const auto& g : functions_) {
    if (g.signature().name() == f.signature().name()) return;  // already added (shared by signatures)
  }
  functions_.push_back(std::move(f));
}

void SavedModelBuilder::AddSignature(const std::string& key, std::vector<TensorSpec> inputs,
                                     std::vector<TensorSpec> outputs, const FunctionBuilder& traced,
                                     const std::string& method_name) {
  const std::string where = "signature '" + key + "': ";
  if (key.empty() || key == "__saved_model_init_op") errors_.push_back(where + "reserved or empty key");
  for (const auto& s : signatures_) {
    if (s.key == key) errors_.push_back(where + "duplicate signature");
  }
  if (inputs.size() != traced.data_args_.size()) {
    errors_.push_back(where + std::to_string(inputs.size()) + " inputs but function '" + traced.name() + "' has " +
                      std::to_string(traced.data_args_.size()) + " data arguments");
  } else {
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (static_cast<int>(inputs[i].dtype) != traced.data_args_[i].def.type()) {
        errors_.push_back(where + "input '" + inputs[i].key + "' dtype differs from argument '" +
                          traced.data_args_[i].def.name() + "'");
      }
    }
  }
  if (outputs.size() != traced.outputs_.size()) {
    errors_.push_back(where + std::to_string(outputs.size()) + " outputs but function '" + traced.name() + "' has " +
                      std::to_string(traced.outputs_.size()));
  } else {
    for (size_t k = 0; k < outputs.size(); ++k) {
      if (outputs[k].dtype != traced.outputs_[k].dtype) {
        errors_.push_back(where + "output '" + outputs[k].key + "' dtype differs from the function's output");
      }
    }
  }
  AddFunction(traced);
  SignatureEntry e;
  e.key = key;
  e.method_name = method_name;
  e.inputs = std::move(inputs);
  e.outputs = std::move(outputs);
  e.traced_name = traced.name();
  e.wrapper_name = "__inference_signature_wrapper_" + std::to_string(NextId());
  for (const auto& a : traced.resource_args_) e.captured.push_back(a.table >= 0 ? -(a.table + 2) : a.variable);
  for (const auto& o : traced.outputs_) e.traced_output_dtypes.push_back(o.dtype);
  signatures_.push_back(std::move(e));
}

TableHandle SavedModelBuilder::AddStaticHashTable(const std::string& name, const Tensor& keys, const Tensor& values) {
  for (const auto& t : tables_) {
    if (t.name == name) errors_.push_back("table '" + name + "' added twice");
  }
  if (keys.shape().rank() != 1 || values.shape().rank() != 1 || keys.num_elements() != values.num_elements()) {
    errors_.push_back("table '" + name + "': keys and values must be 1-D of the same length");
  }
  // TF's initializer: LookupTableImportV2 on the captured table, keys and values passed in.
  FunctionBuilder f = NewFunction("__inference__initializer_" + std::to_string(NextId()));
  const std::string k = f.AddInput("keys", keys.dtype(), Known(keys.shape()));
  const std::string v = f.AddInput("values", values.dtype(), Known(values.shape()));
  FunctionBuilder::Arg a;
  a.def.set_name("table");
  a.def.set_type(tensorflow::DT_RESOURCE);
  a.shape = PartialShape(std::vector<int64_t>{});
  a.table = static_cast<int>(tables_.size());
  f.resource_args_.push_back(std::move(a));
  f.AddNode("key_value_init/LookupTableImportV2", "LookupTableImportV2", {"table", k, v},
            {{"Tin", attr::Type(keys.dtype())}, {"Tout", attr::Type(values.dtype())}});
  const std::string one = f.AddConst("Const", Tensor::Scalar<bool>(true));
  f.body_.mutable_node_def(f.body_.node_def_size() - 1)->add_input("^key_value_init/LookupTableImportV2");
  f.AddOutput(one, DataType::kBool, PartialShape(std::vector<int64_t>{}));
  tables_.push_back({name, keys, values, f.name()});
  AddFunction(f);
  return TableHandle{static_cast<int>(tables_.size()) - 1};
}

std::string SavedModelBuilder::CheckpointKey(int variable) const {
  return variables_[static_cast<size_t>(variable)].options.object_path + "/.ATTRIBUTES/VARIABLE_VALUE";
}

namespace {

// The trackable tree: root, then one node per object-path component, variables at the leaves,
// and `signatures` with one child per signature. Ids are assigned breadth-first, as TF does.
struct TreeNode {
  std::vector<std::pair<std::string, int>> children;  // local name, tree index
  int variable = -1;
  int signature = -1;
  bool is_signature_map = false;
  bool has_values = false;
  int id = -1;
};

}  // namespace

Result<tensorflow::SavedModel> SavedModelBuilder::BuildProto() const {
  if (!errors_.empty()) return InvalidArgument("SavedModelBuilder: " + errors_.front());

  // ---- object tree
  std::deque<TreeNode> tree(1);
  auto child = [&](int parent, const std::string& name) {
    for (const auto& [n, idx] : tree[static_cast<size_t>(parent)].children) {
      if (n == name) return idx;
    }
    tree.emplace_back();
    const int idx = static_cast<int>(tree.size()) - 1;
    tree[static_cast<size_t>(parent)].children.emplace_back(name, idx);
    return idx;
  };
  for (size_t v = 0; v < variables_.size(); ++v) {
    const std::string& path = variables_[v].options.object_path;
    int at = 0;
    size_t start = 0;
    while (true) {
      const size_t slash = path.find('/', start);
      at = child(at, path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
      tree[static_cast<size_t>(at)].has_values = true;
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    if (tree[static_cast<size_t>(at)].variable >= 0 || !tree[static_cast<size_t>(at)].children.empty()) {
      return InvalidArgument("SavedModelBuilder: object path '" + path + "' is used twice");
    }
    tree[static_cast<size_t>(at)].variable = static_cast<int>(v);
  }
  tree[0].has_values = !variables_.empty();
  {
    const int sigs = child(0, "signatures");
    tree[static_cast<size_t>(sigs)].is_signature_map = true;
    for (size_t s = 0; s < signatures_.size(); ++s) {
      tree[static_cast<size_t>(child(sigs, signatures_[s].key))].signature = static_cast<int>(s);
    }
  }
  std::vector<int> order;  // tree indices by id
  {
    std::deque<int> queue{0};
    while (!queue.empty()) {
      const int t = queue.front();
      queue.pop_front();
      tree[static_cast<size_t>(t)].id = static_cast<int>(order.size());
      order.push_back(t);
      for (const auto& c : tree[static_cast<size_t>(t)].children) queue.push_back(c.second);
    }
  }
  std::vector<int> variable_node_id(variables_.size());
  for (const TreeNode& n : tree) {
    if (n.variable >= 0) variable_node_id[static_cast<size_t>(n.variable)] = n.id;
  }

  tensorflow::TrackableObjectGraph trackable;
  for (int t : order) {
    const TreeNode& n = tree[static_cast<size_t>(t)];
    auto* o = trackable.add_nodes();
    for (const auto& [name, idx] : n.children) {
      auto* r = o->add_children();
      r->set_node_id(tree[static_cast<size_t>(idx)].id);
      r->set_local_name(name);
    }
    if (n.variable >= 0) {
      auto* a = o->add_attributes();
      a->set_name("VARIABLE_VALUE");
      a->set_full_name(variables_[static_cast<size_t>(n.variable)].name);
      a->set_checkpoint_key(CheckpointKey(n.variable));
    }
    o->mutable_has_checkpoint_values()->set_value(n.has_values);
  }
  const std::string object_graph_bytes = Deterministic(trackable);

  tensorflow::SavedModel sm;
  sm.set_saved_model_schema_version(1);
  tensorflow::MetaGraphDef& mg = *sm.add_meta_graphs();
  auto* info = mg.mutable_meta_info_def();
  info->add_tags("serve");
  info->set_tensorflow_version("2.14.0");
  info->set_tensorflow_git_version("serval-writer");
  info->set_stripped_default_attrs(true);
  tensorflow::GraphDef& graph = *mg.mutable_graph_def();
  graph.mutable_versions()->set_producer(kGraphProducer);
  graph.mutable_versions()->set_min_consumer(kGraphMinConsumer);
  auto add = [&](NodeDef n) { *graph.add_node() = std::move(n); };

  // ---- variables
  for (const auto& v : variables_) {
    const PartialShape shape = Known(v.value.shape());
    add(MakeNode(v.name, "VarHandleOp", {},
                 {{"dtype", attr::Type(v.value.dtype())},
                  {"shape", attr::Shape(shape)},
                  {"shared_name", attr::Str(v.name)},
                  {"_output_shapes", OutputShapes({PartialShape(std::vector<int64_t>{})})}}));
    add(MakeNode(v.name + "/Read/ReadVariableOp", "ReadVariableOp", {v.name},
                 {{"dtype", attr::Type(v.value.dtype())}, {"_output_shapes", OutputShapes({shape})}}));
  }

  auto call_attrs = [](std::vector<DataType> tin, std::vector<DataType> tout, std::vector<int64_t> read_only,
                       const std::string& f, std::vector<PartialShape> out_shapes) {
    return Attrs{{"Tin", attr::TypeList(tin)},
                 {"Tout", attr::TypeList(tout)},
                 {"_collective_manager_ids", attr::IntList({})},
                 {"_read_only_resource_inputs", attr::IntList(read_only)},
                 {"config_proto", attr::Str(std::string(kConfigProto, sizeof(kConfigProto) - 1))},
                 {"f", attr::Func(f)},
                 {"_output_shapes", attr::ShapeList(out_shapes)}};
  };
  int call_counter = 0;
  auto next_call = [&] { return Indexed("StatefulPartitionedCall", call_counter++); };

  std::vector<FunctionDef> library = functions_;

  // ---- signatures
  auto& sigdefs = *mg.mutable_signature_def();
  for (const SignatureEntry& s : signatures_) {
    std::vector<std::string> call_inputs;
    std::vector<DataType> tin;
    std::vector<int64_t> read_only;
    tensorflow::SignatureDef& sd = sigdefs[s.key];
    sd.set_method_name(s.method_name);
    for (const TensorSpec& in : s.inputs) {
      const std::string ph = s.key + "_" + in.key;
      add(MakeNode(ph, "Placeholder", {},
                   {{"dtype", attr::Type(in.dtype)}, {"shape", attr::Shape(in.shape)},
                    {"_output_shapes", OutputShapes({in.shape})}}));
      call_inputs.push_back(ph);
      tin.push_back(in.dtype);
      auto& ti = (*sd.mutable_inputs())[in.key];
      ti.set_name(ph + ":0");
      ti.set_dtype(static_cast<tensorflow::DataType>(in.dtype));
      SetShape(in.shape, ti.mutable_tensor_shape());
    }
    for (int v : s.captured) {
      if (v < 0) {
        call_inputs.push_back(tables_[static_cast<size_t>(-v - 2)].name);
      } else {
        read_only.push_back(static_cast<int64_t>(call_inputs.size()));
        call_inputs.push_back(variables_[static_cast<size_t>(v)].name);
      }
      tin.push_back(DataType::kResource);
    }
    std::vector<DataType> tout;
    std::vector<PartialShape> out_shapes;
    for (const TensorSpec& o : s.outputs) {
      tout.push_back(o.dtype);
      out_shapes.push_back(o.shape);
    }
    const std::string call = next_call();
    add(MakeNode(call, "StatefulPartitionedCall", call_inputs,
                 call_attrs(tin, tout, read_only, s.wrapper_name, out_shapes)));
    for (size_t k = 0; k < s.outputs.size(); ++k) {
      auto& ti = (*sd.mutable_outputs())[s.outputs[k].key];
      ti.set_name(call + ":" + std::to_string(k));
      ti.set_dtype(static_cast<tensorflow::DataType>(s.outputs[k].dtype));
      SetShape(s.outputs[k].shape, ti.mutable_tensor_shape());
    }

    // The wrapper: signature inputs by key, then captured handles `unknown`, `unknown_0`, ...
    FunctionDef w;
    auto* sig = w.mutable_signature();
    sig->set_name(s.wrapper_name);
    std::vector<std::string> inner_inputs;
    AttrValue input_shapes;
    input_shapes.mutable_list();
    int arg = 0;
    for (const TensorSpec& in : s.inputs) {
      const std::string name = ArgName(in.key);
      AddArg(sig, name, in.dtype);
      inner_inputs.push_back(name);
      SetShape(in.shape, input_shapes.mutable_list()->add_shape());
      auto& aa = *(*w.mutable_arg_attr())[static_cast<uint32_t>(arg)].mutable_attr();
      aa["_output_shapes"] = OutputShapes({in.shape});
      aa["_user_specified_name"] = attr::Str(in.key);
      ++arg;
    }
    for (size_t c = 0; c < s.captured.size(); ++c) {
      const std::string name = c == 0 ? "unknown" : "unknown_" + std::to_string(c - 1);
      auto* a = sig->add_input_arg();
      a->set_name(name);
      a->set_type(tensorflow::DT_RESOURCE);
      inner_inputs.push_back(name);
      if (s.captured[c] < 0) {
        SetShape(PartialShape(std::vector<int64_t>{}), input_shapes.mutable_list()->add_shape());
        AddUserSpecifiedName(&w, arg++, tables_[static_cast<size_t>(-s.captured[c] - 2)].name);
        continue;
      }
      const auto& var = variables_[static_cast<size_t>(s.captured[c])];
      auto* hd = a->add_handle_data();
      hd->set_dtype(static_cast<tensorflow::DataType>(var.value.dtype()));
      SetShape(Known(var.value.shape()), hd->mutable_shape());
      SetShape(PartialShape(std::vector<int64_t>{}), input_shapes.mutable_list()->add_shape());
      AddUserSpecifiedName(&w, arg++, var.name);
    }
    *w.add_node_def() = MakeNode("StatefulPartitionedCall", "StatefulPartitionedCall", inner_inputs,
                                 call_attrs(tin, s.traced_output_dtypes, read_only, s.traced_name, out_shapes));
    for (size_t k = 0; k < s.outputs.size(); ++k) {
      const std::string id = Indexed("Identity", static_cast<int>(k));
      *w.add_node_def() =
          MakeNode(id, "Identity", {"StatefulPartitionedCall:output:" + std::to_string(k), "^NoOp"},
                   {{"T", attr::Type(s.outputs[k].dtype)}, {"_output_shapes", OutputShapes({s.outputs[k].shape})}});
      const std::string out = Indexed("identity", static_cast<int>(k));
      auto* oa = sig->add_output_arg();
      oa->set_name(out);
      oa->set_type(static_cast<tensorflow::DataType>(s.outputs[k].dtype));
      (*w.mutable_ret())[out] = id + ":output:0";
    }
    *w.add_node_def() =
        MakeNode("NoOp", "NoOp", {"^StatefulPartitionedCall"}, {{"_output_shapes", attr::ShapeList({})}});
    sig->set_is_stateful(true);
    sig->add_control_output("StatefulPartitionedCall");
    (*w.mutable_control_ret())["StatefulPartitionedCall"] = "StatefulPartitionedCall";
    (*w.mutable_attr())["_construction_context"] = attr::Str("kEagerRuntime");
    (*w.mutable_attr())["_input_shapes"] = input_shapes;
    library.push_back(std::move(w));
  }

  // ---- tables: the resource, its contents and the call of its initializer (run by the init op)
  std::vector<std::string> init_deps;
  for (size_t t = 0; t < tables_.size(); ++t) {
    const Table& tb = tables_[t];
    add(MakeNode(tb.name, "HashTableV2", {},
                 {{"key_dtype", attr::Type(tb.keys.dtype())},
                  {"value_dtype", attr::Type(tb.values.dtype())},
                  {"shared_name", attr::Str(tb.name)},
                  {"_output_shapes", OutputShapes({PartialShape(std::vector<int64_t>{})})}}));
    const std::string keys = tb.name + "/keys", values = tb.name + "/values";
    add(MakeNode(keys, "Const", {},
                 {{"dtype", attr::Type(tb.keys.dtype())},
                  {"value", attr::TensorValue(tb.keys)},
                  {"_output_shapes", OutputShapes({Known(tb.keys.shape())})}}));
    add(MakeNode(values, "Const", {},
                 {{"dtype", attr::Type(tb.values.dtype())},
                  {"value", attr::TensorValue(tb.values)},
                  {"_output_shapes", OutputShapes({Known(tb.values.shape())})}}));
    const std::string call = next_call();
    add(MakeNode(call, "StatefulPartitionedCall", {keys, values, tb.name},
                 call_attrs({tb.keys.dtype(), tb.values.dtype(), DataType::kResource}, {DataType::kBool}, {},
                            tb.initializer, {PartialShape(std::vector<int64_t>{})})));
    init_deps.push_back("^" + call);
  }

  // ---- init op, object-graph Const, saver
  add(MakeNode("NoOp", "NoOp", init_deps, {}));
  {
    Tensor og(DataType::kString, TensorShape{});
    og.scalar<std::string>() = object_graph_bytes;
    add(MakeNode("Const", "Const", {},
                 {{"dtype", attr::Type(DataType::kString)},
                  {"value", attr::TensorValue(og)},
                  {"_output_shapes", OutputShapes({PartialShape(std::vector<int64_t>{})})}},
                 "/device:CPU:0"));
  }
  const PartialShape scalar(std::vector<int64_t>{});
  add(MakeNode("saver_filename", "Placeholder", {},
               {{"dtype", attr::Type(DataType::kString)},
                {"shape", attr::Shape(scalar)},
                {"_output_shapes", OutputShapes({scalar})}}));

  const size_t nv = variables_.size();
  std::vector<std::string> keys;
  std::vector<DataType> dtypes;
  for (size_t v = 0; v < nv; ++v) {
    keys.push_back(CheckpointKey(static_cast<int>(v)));
    dtypes.push_back(variables_[v].value.dtype());
  }
  keys.push_back(kObjectGraphKey);
  dtypes.push_back(DataType::kString);
  auto string_vector = [](const std::vector<std::string>& values) {
    Tensor t(DataType::kString, TensorShape{static_cast<int64_t>(values.size())});
    for (size_t i = 0; i < values.size(); ++i) t.flat<std::string>()[i] = values[i];
    return t;
  };
  const Tensor names_tensor = string_vector(keys);
  const Tensor slices_tensor = string_vector(std::vector<std::string>(keys.size()));
  const PartialShape names_shape(std::vector<int64_t>{static_cast<int64_t>(keys.size())});
  const std::string cpu0 = "/device:CPU:0";
  auto string_const = [&](const std::string& name, const Tensor& t, const PartialShape& shape,
                          const std::string& device) {
    return MakeNode(name, "Const", {},
                    {{"dtype", attr::Type(t.dtype())}, {"value", attr::TensorValue(t)},
                     {"_output_shapes", OutputShapes({shape})}},
                    device);
  };
  const int base_id = next_id_ + 10;
  const std::string save_name = "__inference__traced_save_" + std::to_string(base_id);
  const std::string restore_name = "__inference__traced_restore_" + std::to_string(base_id + 18);

  // __inference__traced_save_*: what tf.saved_model.save emits (sharded SaveV2, then merge).
  {
    FunctionDef f;
    auto* sig = f.mutable_signature();
    sig->set_name(save_name);
    AddArg(sig, "file_prefix", DataType::kString);
    AddUserSpecifiedName(&f, 0, "file_prefix");
    std::vector<std::string> control;
    std::vector<std::string> save_inputs{"ShardedFilename:filename:0", "SaveV2/tensor_names:output:0",
                                         "SaveV2/shape_and_slices:output:0"};
    auto node = [&](NodeDef n) { *f.add_node_def() = std::move(n); };
    node(MakeNode("StaticRegexFullMatch", "StaticRegexFullMatch", {"file_prefix"},
                  {{"pattern", attr::Str("^s3://.*")}, {"_output_shapes", OutputShapes({scalar})}}, "/device:CPU:*"));
    node(string_const("Const", [] { Tensor t(DataType::kString, TensorShape{}); t.scalar<std::string>() = ".part"; return t; }(),
                      scalar, "/device:CPU:*"));
    node(string_const("Const_1", [] { Tensor t(DataType::kString, TensorShape{}); t.scalar<std::string>() = "_temp/part"; return t; }(),
                      scalar, "/device:CPU:*"));
    node(MakeNode("Select", "Select", {"StaticRegexFullMatch:output:0", "Const:output:0", "Const_1:output:0"},
                  {{"T", attr::Type(DataType::kString)}, {"_output_shapes", OutputShapes({scalar})}}, "/device:CPU:*"));
    node(MakeNode("StringJoin", "StringJoin", {"file_prefix", "Select:output:0"},
                  {{"N", attr::Int(2)}, {"_output_shapes", OutputShapes({scalar})}}, "/device:CPU:*"));
    node(string_const("num_shards", Tensor::Scalar<int32_t>(1), scalar, ""));
    node(string_const("ShardedFilename/shard", Tensor::Scalar<int32_t>(0), scalar, cpu0));
    node(MakeNode("ShardedFilename", "ShardedFilename",
                  {"StringJoin:output:0", "ShardedFilename/shard:output:0", "num_shards:output:0"},
                  {{"_output_shapes", OutputShapes({scalar})}}, cpu0));
    for (size_t v = 0; v < nv; ++v) {
      const auto& var = variables_[v];
      const std::string read = Indexed("Read", static_cast<int>(v));
      const std::string arg = (v == 0 ? std::string("read_") : "read_" + std::to_string(v) + "_") +
                              "disablecopyonread_" + ArgName(var.name);
      auto* a = sig->add_input_arg();
      a->set_name(arg);
      a->set_type(tensorflow::DT_RESOURCE);
      auto* hd = a->add_handle_data();
      hd->set_dtype(static_cast<tensorflow::DataType>(var.value.dtype()));
      SetShape(Known(var.value.shape()), hd->mutable_shape());
      AddUserSpecifiedName(&f, static_cast<int>(v) + 1, var.name);
      const PartialShape shape = Known(var.value.shape());
      node(MakeNode(read + "/DisableCopyOnRead", "DisableCopyOnRead", {arg}, {{"_output_shapes", attr::ShapeList({})}},
                    cpu0));
      node(MakeNode(read + "/ReadVariableOp", "ReadVariableOp", {arg, "^" + read + "/DisableCopyOnRead"},
                    {{"dtype", attr::Type(var.value.dtype())}, {"_output_shapes", OutputShapes({shape})}}, cpu0));
      const std::string id0 = Indexed("Identity", static_cast<int>(2 * v));
      const std::string id1 = Indexed("Identity", static_cast<int>(2 * v + 1));
      node(MakeNode(id0, "Identity", {read + "/ReadVariableOp:value:0"},
                    {{"T", attr::Type(var.value.dtype())}, {"_output_shapes", OutputShapes({shape})}}, cpu0));
      node(MakeNode(id1, "Identity", {id0 + ":output:0"},
                    {{"T", attr::Type(var.value.dtype())}, {"_output_shapes", OutputShapes({shape})}}, cpu0));
      save_inputs.push_back(id1 + ":output:0");
      control.push_back(read + "/DisableCopyOnRead");
      control.push_back(read + "/ReadVariableOp");
    }
    AddArg(sig, "savev2_const", DataType::kString);
    AddUserSpecifiedName(&f, static_cast<int>(nv) + 1, "Const");
    save_inputs.push_back("savev2_const");
    node(string_const("SaveV2/tensor_names", names_tensor, names_shape, cpu0));
    node(string_const("SaveV2/shape_and_slices", slices_tensor, names_shape, cpu0));
    node(MakeNode("SaveV2", "SaveV2", save_inputs,
                  {{"dtypes", attr::TypeList(dtypes)},
                   {"_has_manual_control_dependencies", attr::Bool(true)},
                   {"_output_shapes", attr::ShapeList({})}},
                  cpu0));
    node(MakeNode("MergeV2Checkpoints/checkpoint_prefixes", "Pack", {"ShardedFilename:filename:0", "^SaveV2"},
                  {{"N", attr::Int(1)}, {"T", attr::Type(DataType::kString)},
                   {"_output_shapes", OutputShapes({PartialShape(std::vector<int64_t>{1})})}},
                  cpu0));
    node(MakeNode("MergeV2Checkpoints", "MergeV2Checkpoints",
                  {"MergeV2Checkpoints/checkpoint_prefixes:output:0", "file_prefix"},
                  {{"_has_manual_control_dependencies", attr::Bool(true)}, {"_output_shapes", attr::ShapeList({})}},
                  cpu0));
    const std::string id_a = Indexed("Identity", static_cast<int>(2 * nv));
    const std::string id_b = Indexed("Identity", static_cast<int>(2 * nv + 1));
    node(MakeNode(id_a, "Identity", {"file_prefix", "^MergeV2Checkpoints"},
                  {{"T", attr::Type(DataType::kString)}, {"_output_shapes", OutputShapes({scalar})}}, cpu0));
    node(MakeNode(id_b, "Identity", {id_a + ":output:0", "^NoOp"},
                  {{"T", attr::Type(DataType::kString)}, {"_output_shapes", OutputShapes({scalar})}}));
    control.insert(control.begin(), "MergeV2Checkpoints");
    std::vector<std::string> deps;
    for (const auto& c : control) deps.push_back("^" + c);
    node(MakeNode("NoOp", "NoOp", deps, {{"_output_shapes", attr::ShapeList({})}}));
    const std::string out = Indexed("identity", static_cast<int>(2 * nv + 1));
    auto* oa = sig->add_output_arg();
    oa->set_name(out);
    oa->set_type(tensorflow::DT_STRING);
    (*f.mutable_ret())[out] = id_b + ":output:0";
    sig->set_is_stateful(true);
    for (const auto& c : control) {
      sig->add_control_output(c);
      (*f.mutable_control_ret())[c] = c;
    }
    (*f.mutable_attr())["_construction_context"] = attr::Str("kEagerRuntime");
    library.push_back(std::move(f));
  }

  // __inference__traced_restore_*: RestoreV2 → Identity → AssignVariableOp(resource arg), which
  // is how Serval's session (and TF's loader) maps checkpoint keys onto variables.
  {
    FunctionDef f;
    auto* sig = f.mutable_signature();
    sig->set_name(restore_name);
    AddArg(sig, "file_prefix", DataType::kString);
    AddUserSpecifiedName(&f, 0, "file_prefix");
    auto node = [&](NodeDef n) { *f.add_node_def() = std::move(n); };
    node(string_const("RestoreV2/tensor_names", names_tensor, names_shape, cpu0));
    node(string_const("RestoreV2/shape_and_slices", slices_tensor, names_shape, cpu0));
    node(MakeNode("RestoreV2", "RestoreV2",
                  {"file_prefix", "RestoreV2/tensor_names:output:0", "RestoreV2/shape_and_slices:output:0"},
                  {{"dtypes", attr::TypeList(dtypes)},
                   {"_output_shapes", attr::ShapeList(std::vector<PartialShape>(keys.size(), PartialShape()))}},
                  cpu0));
    std::vector<std::string> assigns;
    for (size_t v = 0; v < nv; ++v) {
      const auto& var = variables_[v];
      const std::string arg =
          (v == 0 ? std::string("assignvariableop_") : "assignvariableop_" + std::to_string(v) + "_") +
          ArgName(var.name);
      auto* a = sig->add_input_arg();
      a->set_name(arg);
      a->set_type(tensorflow::DT_RESOURCE);
      auto* hd = a->add_handle_data();
      hd->set_dtype(static_cast<tensorflow::DataType>(var.value.dtype()));
      SetShape(Known(var.value.shape()), hd->mutable_shape());
      AddUserSpecifiedName(&f, static_cast<int>(v) + 1, var.name);
      const std::string id = Indexed("Identity", static_cast<int>(v));
      const std::string assign = Indexed("AssignVariableOp", static_cast<int>(v));
      node(MakeNode(id, "Identity", {"RestoreV2:tensors:" + std::to_string(v)},
                    {{"T", attr::Type(var.value.dtype())}, {"_output_shapes", OutputShapes({PartialShape()})}}, cpu0));
      node(MakeNode(assign, "AssignVariableOp", {arg, id + ":output:0"},
                    {{"dtype", attr::Type(var.value.dtype())},
                     {"_has_manual_control_dependencies", attr::Bool(true)},
                     {"_output_shapes", attr::ShapeList({})}},
                    cpu0));
      assigns.push_back(assign);
    }
    node(MakeNode("NoOp", "NoOp", {},
                  {{"_has_manual_control_dependencies", attr::Bool(true)}, {"_output_shapes", attr::ShapeList({})}},
                  cpu0));
    const std::string id_a = Indexed("Identity", static_cast<int>(nv));
    const std::string id_b = Indexed("Identity", static_cast<int>(nv + 1));
    std::vector<std::string> in_a{"file_prefix"};
    std::vector<std::string> deps;
    for (const auto& a : assigns) {
      in_a.push_back("^" + a);
      deps.push_back("^" + a);
    }
    in_a.push_back("^NoOp");
    node(MakeNode(id_a, "Identity", in_a,
                  {{"T", attr::Type(DataType::kString)}, {"_output_shapes", OutputShapes({scalar})}}, cpu0));
    node(MakeNode(id_b, "Identity", {id_a + ":output:0", "^NoOp_1"},
                  {{"T", attr::Type(DataType::kString)}, {"_output_shapes", OutputShapes({scalar})}}));
    node(MakeNode("NoOp_1", "NoOp", deps, {{"_output_shapes", attr::ShapeList({})}}));
    const std::string out = Indexed("identity", static_cast<int>(nv + 1));
    auto* oa = sig->add_output_arg();
    oa->set_name(out);
    oa->set_type(tensorflow::DT_STRING);
    (*f.mutable_ret())[out] = id_b + ":output:0";
    sig->set_is_stateful(true);
    for (const auto& a : assigns) {
      sig->add_control_output(a);
      (*f.mutable_control_ret())[a] = a;
    }
    (*f.mutable_attr())["_construction_context"] = attr::Str("kEagerRuntime");
    library.push_back(std::move(f));
  }

  std::vector<std::string> var_nodes;
  std::vector<DataType> var_types;
  for (const auto& v : variables_) {
    var_nodes.push_back(v.name);
    var_types.push_back(DataType::kResource);
  }
  const std::string save_call = next_call();
  {
    std::vector<std::string> in{"saver_filename"};
    in.insert(in.end(), var_nodes.begin(), var_nodes.end());
    in.push_back("Const");
    std::vector<DataType> tin{DataType::kString};
    tin.insert(tin.end(), var_types.begin(), var_types.end());
    tin.push_back(DataType::kString);
    add(MakeNode(save_call, "StatefulPartitionedCall", in, call_attrs(tin, {DataType::kString}, {}, save_name, {scalar})));
  }
  const std::string restore_call = next_call();
  {
    std::vector<std::string> in{"saver_filename"};
    in.insert(in.end(), var_nodes.begin(), var_nodes.end());
    std::vector<DataType> tin{DataType::kString};
    tin.insert(tin.end(), var_types.begin(), var_types.end());
    add(MakeNode(restore_call, "StatefulPartitionedCall", in,
                 call_attrs(tin, {DataType::kString}, {}, restore_name, {scalar})));
  }

  for (auto& f : library) *graph.mutable_library()->add_function() = std::move(f);

  auto* saver = mg.mutable_saver_def();
  saver->set_filename_tensor_name("saver_filename:0");
  saver->set_save_tensor_name(save_call + ":0");
  saver->set_restore_op_name(restore_call);
  saver->set_version(tensorflow::SaverDef::V2);
  (*mg.mutable_collection_def())["saved_model_main_op"].mutable_node_list()->add_value("NoOp");
  {
    auto& init = sigdefs["__saved_model_init_op"];
    auto& ti = (*init.mutable_outputs())["__saved_model_init_op"];
    ti.set_name("NoOp");
    ti.mutable_tensor_shape()->set_unknown_rank(true);
  }

  // ---- SavedObjectGraph: same node ids as the TrackableObjectGraph.
  auto* og = mg.mutable_object_graph_def();
  for (int t : order) {
    const TreeNode& n = tree[static_cast<size_t>(t)];
    auto* o = og->add_nodes();
    for (const auto& [name, idx] : n.children) {
      auto* r = o->add_children();
      r->set_node_id(tree[static_cast<size_t>(idx)].id);
      r->set_local_name(name);
      *o->add_dependencies() = *r;
    }
    if (n.variable >= 0) {
      const auto& var = variables_[static_cast<size_t>(n.variable)];
      auto* sv = o->mutable_variable();
      sv->set_dtype(static_cast<tensorflow::DataType>(var.value.dtype()));
      SetShape(Known(var.value.shape()), sv->mutable_shape());
      sv->set_trainable(var.options.trainable);
      sv->set_name(var.name);
    } else if (n.signature >= 0) {
      const SignatureEntry& s = signatures_[static_cast<size_t>(n.signature)];
      auto* bcf = o->mutable_bare_concrete_function();
      bcf->set_concrete_function_name(s.wrapper_name);
      for (const auto& in : s.inputs) bcf->add_argument_keywords(in.key);
    } else {
      auto* uo = o->mutable_user_object();
      uo->set_identifier(n.is_signature_map ? "signature_map" : "_generic_user_object");
      uo->mutable_version()->set_producer(1);
      uo->mutable_version()->set_min_consumer(1);
    }
  }
  for (const SignatureEntry& s : signatures_) {
    auto& cf = (*og->mutable_concrete_functions())[s.wrapper_name];
    for (int v : s.captured) {
      if (v >= 0) cf.add_bound_inputs(variable_node_id[static_cast<size_t>(v)]);
    }
    auto* args = cf.mutable_canonicalized_input_signature()->mutable_tuple_value();
    args->add_values()->mutable_tuple_value();
    auto* kwargs = args->add_values()->mutable_dict_value();
    for (const auto& in : s.inputs) (*kwargs->mutable_fields())[in.key] = SpecValue(in, true);
    auto* outs = cf.mutable_output_signature()->mutable_dict_value();
    for (const auto& o : s.outputs) (*outs->mutable_fields())[o.key] = SpecValue(o, true);
  }

  // ---- stripped_default_attrs + stripped_op_list
  std::map<std::string, tensorflow::OpDef> used;
  for (auto& n : *graph.mutable_node()) StripDefaults(&n, &used);
  for (auto& f : *graph.mutable_library()->mutable_function()) {
    for (auto& n : *f.mutable_node_def()) StripDefaults(&n, &used);
  }
  for (auto& [name, def] : used) *info->mutable_stripped_op_list()->add_op() = def;
  return sm;
}

Status SavedModelBuilder::Save(const std::string& export_dir) const {
  SERVAL_ASSIGN_OR_RETURN(tensorflow::SavedModel sm, BuildProto());
  std::error_code ec;
  std::filesystem::create_directories(export_dir + "/variables", ec);
  if (ec) return Unavailable("cannot create '" + export_dir + "/variables': " + ec.message());
  if (PathExists(export_dir + "/saved_model.pb")) {
    return AlreadyExists("'" + export_dir + "' already holds a saved_model.pb");
  }
  BundleWriter bundle(export_dir + "/variables/variables");
  for (size_t v = 0; v < variables_.size(); ++v) {
    SERVAL_RETURN_IF_ERROR(bundle.Add(CheckpointKey(static_cast<int>(v)), variables_[v].value));
  }
  // The object graph travels twice, as in TF: in the checkpoint and as the saver's Const.
  const auto& const_node = sm.meta_graphs(0).graph_def().node();
  std::string object_graph;
  for (const auto& n : const_node) {
    if (n.name() == "Const") object_graph = n.attr().at("value").tensor().string_val(0);
  }
  SERVAL_RETURN_IF_ERROR(bundle.AddString(kObjectGraphKey, object_graph));
  SERVAL_RETURN_IF_ERROR(bundle.Finish());
  const std::string bytes = Deterministic(sm);
  SERVAL_RETURN_IF_ERROR(WriteStringToFile(export_dir + "/saved_model.pb", bytes));

  tensorflow::FingerprintDef fp;
  fp.set_saved_model_checksum(Fnv1a64(bytes));
  fp.set_graph_def_program_hash(Fnv1a64(Deterministic(sm.meta_graphs(0).graph_def())));
  std::string sigs;
  for (const auto& [k, v] : sm.meta_graphs(0).signature_def()) sigs += k + Deterministic(v);
  fp.set_signature_def_hash(Fnv1a64(sigs));
  fp.set_saved_object_graph_hash(Fnv1a64(Deterministic(sm.meta_graphs(0).object_graph_def())));
  fp.set_checkpoint_hash(Fnv1a64(bundle.IndexBytes() + bundle.data()));
  fp.mutable_version()->set_producer(1);
  return WriteStringToFile(export_dir + "/fingerprint.pb", Deterministic(fp));
}

}  // namespace serval::loader
