#include "tools/serval_zoo/zoo.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <set>

#include "serval/loader/op_defs.h"

namespace serval::zoo {
namespace {

uint32_t Hash(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::string Keras3InputKey(size_t i) { return i == 0 ? "keras_tensor" : "keras_tensor_" + std::to_string(i); }

PartialShape Batched(const std::vector<int64_t>& dims) {
  std::vector<int64_t> d{-1};
  d.insert(d.end(), dims.begin(), dims.end());
  return PartialShape(d);
}

}  // namespace

Tensor Weights(const std::string& key, std::vector<int64_t> shape, double scale, double offset) {
  const uint32_t h = Hash(key);
  const double a = 0.7 + (h % 1000) / 400.0;        // in [0.7, 3.2)
  const double b = ((h / 1000) % 1000) / 159.0;     // in [0, 2*pi)
  Tensor t(DataType::kFloat, TensorShape(std::move(shape)));
  auto v = t.flat<float>();
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(offset + scale * std::sin(a * static_cast<double>(i) + b));
  return t;
}

Emitter::Emitter(const Case& c, Flavor flavor, SavedModelBuilder* b)
    : case_(c),
      flavor_(flavor),
      b_(b),
      fn_(b->NewFunction(flavor == Flavor::kKeras3 ? "__inference_serve_" + std::to_string(b->NextId())
                                                   : "__inference__wrapped_model_" + std::to_string(b->NextId()))),
      model_scope_(flavor == Flavor::kKeras3 ? "functional_1" : "model") {
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const std::string key = keras3() ? Keras3InputKey(i) : c.inputs[i].key;
    inputs_.push_back(fn_.AddInput(key, c.inputs[i].dtype, Batched(c.inputs[i].shape)));
  }
}

void Emitter::Layer(const std::string& name) {
  layer_ = name;
  scope_ = model_scope_ + "/" + (keras3() ? name + "_1" : name);
}

loader::VariableHandle Emitter::AddVariable(const std::string& weight, const Tensor& value, bool trainable) {
  loader::VariableOptions o;
  o.trainable = trainable;
  std::string var_name;
  if (keras3()) {
    // Keras 3's ExportArchive tracks a flat `variables` list; the graph names its VarHandleOps
    // after nothing the function uses (the fixtures README warns about exactly this).
    var_name = variable_count_ == 0 ? "Variable" : "Variable_" + std::to_string(variable_count_);
    o.object_path = "variables/" + std::to_string(variable_count_);
  } else {
    if (last_weighted_layer_ != layer_) {
      ++layer_with_weights_;
      last_weighted_layer_ = layer_;
    }
    var_name = layer_ + "/" + weight;
    o.object_path = "layer_with_weights-" + std::to_string(layer_with_weights_) + "/" + weight;
  }
  ++variable_count_;
  weights_.emplace_back(layer_ + "/" + weight, value);
  return b_->AddVariable(var_name, value, o);
}

std::string Emitter::Weight(const std::string& weight, const Tensor& value, const std::string& read_at,
                            bool trainable) {
  const loader::VariableHandle v = AddVariable(weight, value, trainable);
  const std::string read = Scoped(read_at + "/ReadVariableOp");
  node_ops_[read] = "ReadVariableOp";
  return fn_.ReadVariable(v, read);
}

std::string Emitter::WeightResource(const std::string& weight, const Tensor& value, bool trainable) {
  const loader::VariableHandle v = AddVariable(weight, value, trainable);
  std::string arg = Scoped(weight) + "_resource";
  for (char& c : arg) {
    if (c == '/') c = '_';
  }
  return fn_.AddResourceInput(v, arg);
}

std::string Emitter::Out(const std::string& name, int index) const {
  const std::string full = Scoped(name);
  auto it = node_ops_.find(full);
  const tensorflow::OpDef* def = it == node_ops_.end() ? nullptr : loader::FindBuiltinOpDef(it->second);
  if (!def || def->output_arg_size() == 0) return FunctionBuilder::Ref(full, "output", index);
  if (def->output_arg_size() == 1) return FunctionBuilder::Ref(full, def->output_arg(0).name(), index);
  return FunctionBuilder::Ref(full, def->output_arg(index).name(), 0);
}

std::string Emitter::Op(const std::string& name, const std::string& op, std::vector<std::string> inputs, Attrs attrs,
                        int index) {
  const std::string full = Scoped(name);
  fn_.AddNode(full, op, std::move(inputs), std::move(attrs));
  node_ops_[full] = op;
  return Out(name, index);
}

std::string Emitter::OpT(const std::string& name, const std::string& op, std::vector<std::string> inputs, Attrs attrs,
                         int index, DataType t) {
  attrs["T"] = attr::Type(t);
  return Op(name, op, std::move(inputs), std::move(attrs), index);
}

std::string Emitter::Const(const std::string& name, const Tensor& value) {
  node_ops_[Scoped(name)] = "Const";
  return fn_.AddConst(Scoped(name), value);
}

std::string Emitter::ConstI32(const std::string& name, std::vector<int32_t> values, bool scalar) {
  if (scalar) return Const(name, Tensor::Scalar<int32_t>(values.at(0)));
  const auto n = static_cast<int64_t>(values.size());
  return Const(name, Tensor::FromVector<int32_t>(values, TensorShape{n}));
}
std::string Emitter::ConstI64(const std::string& name, std::vector<int64_t> values, bool scalar) {
  if (scalar) return Const(name, Tensor::Scalar<int64_t>(values.at(0)));
  const auto n = static_cast<int64_t>(values.size());
  return Const(name, Tensor::FromVector<int64_t>(values, TensorShape{n}));
}
std::string Emitter::ConstF(const std::string& name, std::vector<float> values, bool scalar) {
  if (scalar) return Const(name, Tensor::Scalar<float>(values.at(0)));
  const auto n = static_cast<int64_t>(values.size());
  return Const(name, Tensor::FromVector<float>(values, TensorShape{n}));
}
std::string Emitter::ConstStr(const std::string& name, std::vector<std::string> values, bool scalar) {
  if (scalar) return Const(name, Tensor::Scalar<std::string>(values.at(0)));
  const auto n = static_cast<int64_t>(values.size());
  return Const(name, Tensor::FromVector<std::string>(values, TensorShape{n}));
}

void Emitter::Output(const std::string& ref) {
  const OutputSpec& o = case_.outputs.at(static_cast<size_t>(outputs_++));
  fn_.AddOutput(ref, o.dtype, Batched(o.shape));
}

Result<tensorflow::SavedModel> Emitter::BuildProto() {
  if (!signed_) AddSignatures();
  return b_->BuildProto();
}

Status Emitter::Save(const std::string& dir) {
  if (!signed_) AddSignatures();
  return b_->Save(dir);
}

void Emitter::AddSignatures() {
  signed_ = true;
  std::vector<TensorSpec> ins, outs;
  for (size_t i = 0; i < case_.inputs.size(); ++i) {
    const auto& in = case_.inputs[i];
    ins.push_back({keras3() ? Keras3InputKey(i) : in.key, in.dtype, Batched(in.shape)});
  }
  for (size_t k = 0; k < case_.outputs.size(); ++k) {
    const auto& o = case_.outputs[k];
    outs.push_back({keras3() ? "output_" + std::to_string(k) : o.key, o.dtype, Batched(o.shape)});
  }
  if (keras3()) {
    // model.export(): the endpoint `serve` and `serving_default`, both over the same function.
    b_->AddSignature("serve", ins, outs, fn_);
    b_->AddSignature("serving_default", ins, outs, fn_);
  } else {
    b_->AddSignature("serving_default", ins, outs, fn_);
  }
}

namespace {
void Reach(const std::string& fn, const std::map<std::string, const tensorflow::FunctionDef*>& lib,
           std::set<std::string>* seen, std::vector<std::string>* order) {
  if (!seen->insert(fn).second) return;
  order->push_back(fn);
  auto it = lib.find(fn);
  if (it == lib.end()) return;
  for (const auto& n : it->second->node_def()) {
    for (const auto& [k, v] : n.attr()) {
      if (v.has_func()) Reach(v.func().name(), lib, seen, order);
      for (const auto& f : v.list().func()) Reach(f.name(), lib, seen, order);
    }
  }
}
}  // namespace

std::vector<const tensorflow::NodeDef*> ReachedNodes(const tensorflow::SavedModel& sm) {
  std::vector<const tensorflow::NodeDef*> out;
  if (sm.meta_graphs_size() == 0) return out;
  const auto& mg = sm.meta_graphs(0);
  std::map<std::string, const tensorflow::FunctionDef*> lib;
  for (const auto& f : mg.graph_def().library().function()) lib[f.signature().name()] = &f;
  std::set<std::string> seen;
  std::vector<std::string> order;
  for (const auto& [key, sig] : mg.signature_def()) {
    if (key == "__saved_model_init_op") continue;
    for (const auto& [k, o] : sig.outputs()) {
      const std::string node = o.name().substr(0, o.name().find(':'));
      for (const auto& n : mg.graph_def().node()) {
        if (n.name() == node && n.attr().count("f")) Reach(n.attr().at("f").func().name(), lib, &seen, &order);
      }
    }
  }
  for (const auto& fn : order) {
    auto it = lib.find(fn);
    if (it == lib.end()) continue;
    for (const auto& n : it->second->node_def()) {
      if (n.op() == "StatefulPartitionedCall" || n.op() == "PartitionedCall") continue;
      out.push_back(&n);
    }
  }
  return out;
}

std::vector<Case> AllCases() {
  std::vector<Case> all;
  AddCoreCases(&all);
  AddConvCases(&all);
  AddPoolingCases(&all);
  AddNormalizationCases(&all);
  AddActivationCases(&all);
  AddReshapingCases(&all);
  AddMergeCases(&all);
  AddRnnCases(&all);
  AddAttentionCases(&all);
  AddPreprocessingCases(&all);
  AddImageCropCases(&all);
  return all;
}

}  // namespace serval::zoo
