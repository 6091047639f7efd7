// SavedModelBuilder: writes a SavedModel directory in the exact structure TF 2.14's
// tf.saved_model.save / Keras export produces (serving-spec §4.3), without TensorFlow:
//
//   saved_model.pb   one MetaGraph {serve}, stripped_default_attrs, stripped_op_list, saver_def
//     graph:    VarHandleOp per variable (shared_name = name) + `<var>/Read/ReadVariableOp`,
//               Placeholder `<signature>_<input key>` per signature input,
//               StatefulPartitionedCall[_N] per signature → `__inference_signature_wrapper_<id>`
//                 (inputs: placeholders, then the captured VarHandleOps),
//               HashTableV2 per table (+ its keys/values Consts and the StatefulPartitionedCall
//                 running its initializer), NoOp (init op, depending on those calls),
//               Const (serialized TrackableObjectGraph), saver_filename,
//               StatefulPartitionedCall_* → `__inference__traced_save_<id>` (SaveV2 + merge) and
//               → `__inference__traced_restore_<id>` (RestoreV2 → Identity → AssignVariableOp).
//     library:  the traced functions the caller builds (data args first, then DT_RESOURCE args
//               with handle_data; ReadVariableOp inside), the wrappers, save and restore.
//     signature_def: the caller's signatures + `__saved_model_init_op` → NoOp.
//     object_graph_def: root → child path per variable (SavedVariable) and `signatures`.
//   variables/variables.{index,data-00000-of-00001}: `<object path>/.ATTRIBUTES/VARIABLE_VALUE`
//               per variable plus `_CHECKPOINTABLE_OBJECT_GRAPH`.
//   fingerprint.pb
//
// Usage:
//   SavedModelBuilder b;
//   VariableHandle w = b.AddVariable("dense/kernel", kernel_tensor);
//   FunctionBuilder f = b.NewFunction("__inference__wrapped_model_123");
//   std::string x = f.AddInput("dense_input", DataType::kFloat, PartialShape({-1, 4}));
//   std::string k = f.ReadVariable(w, "sequential/dense/MatMul/ReadVariableOp");
//   f.AddNode("sequential/dense/MatMul", "MatMul", {x, k}, {{"T", attr::Type(DataType::kFloat)}});
//   f.AddOutput("sequential/dense/MatMul:product:0", DataType::kFloat, PartialShape({-1, 8}));
//   b.AddSignature("serving_default", {{"dense_input", kFloat, {-1,4}}}, {{"dense", kFloat, {-1,8}}}, f);
//   Status s = b.Save("/tmp/models/m/1");
//
// Function-body references use TF's syntax: an argument name, `node:out_arg:index`, `^node`.
// Nothing is validated against OpDefs beyond what TF's loader would need; Save() reports API
// misuse (unknown variable handles, mismatched signature dtypes, duplicate names).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "serval/base/status.h"
#include "serval/tensor/shape.h"
#include "serval/tensor/tensor.h"
#include "tensorflow/core/framework/attr_value.pb.h"
#include "tensorflow/core/framework/function.pb.h"
#include "tensorflow/core/framework/node_def.pb.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"
#include "tensorflow/core/protobuf/saved_model.pb.h"

namespace serval::loader {

// AttrValue helpers for AddNode.
namespace attr {
tensorflow::AttrValue Type(DataType dt);
tensorflow::AttrValue TypeList(const std::vector<DataType>& dts);
tensorflow::AttrValue Shape(const PartialShape& shape);
tensorflow::AttrValue ShapeList(const std::vector<PartialShape>& shapes);
tensorflow::AttrValue TensorValue(const Tensor& t);  // as TF's Const: tensor_content for >1 element
tensorflow::AttrValue Int(int64_t v);
tensorflow::AttrValue IntList(const std::vector<int64_t>& v);
tensorflow::AttrValue Float(float v);
tensorflow::AttrValue Bool(bool v);
tensorflow::AttrValue Str(const std::string& v);
tensorflow::AttrValue Func(const std::string& function_name);
}  // namespace attr

using Attrs = std::map<std::string, tensorflow::AttrValue>;

struct VariableHandle {
  int index = -1;
};

// A lookup table (tf.lookup.StaticHashTable with a KeyValueTensorInitializer, as Keras'
// StringLookup / IntegerLookup hold their vocabulary).
struct TableHandle {
  int index = -1;
};

struct VariableOptions {
  bool trainable = true;
  // '/'-separated path of attribute names from the root object, which names the checkpoint key
  // `<object_path>/.ATTRIBUTES/VARIABLE_VALUE` and the object-graph nodes. Default: the variable
  // name (tf.Module style). Keras 2 style: "layer_with_weights-0/kernel".
  std::string object_path;
};

// One signature input or output: the key clients use, dtype and (partial) shape.
struct TensorSpec {
  std::string key;
  DataType dtype = DataType::kFloat;
  PartialShape shape;
};

class SavedModelBuilder;

// Builds one library function. Arguments are emitted data inputs first (in AddInput order), then
// resource inputs (in capture order), as TF traces them.
class FunctionBuilder {
 public:
  const std::string& name() const { return name_; }

  // A data argument. Returns the reference to use in node inputs (the argument name).
  std::string AddInput(const std::string& arg_name, DataType dtype, PartialShape shape = PartialShape());
  // A captured variable: DT_RESOURCE argument with handle_data. Capturing the same variable twice
  // returns the same argument. Default arg name: `<variable name, lowercased, '/'→'_'>_resource`.
  std::string AddResourceInput(VariableHandle v, const std::string& arg_name = "");
  // A captured lookup table: DT_RESOURCE argument fed by the graph's HashTableV2 node. Capturing
  // the same table twice returns the same argument.
  std::string AddTableInput(TableHandle t, const std::string& arg_name);
  // A resource argument named after the read node (`mul_readvariableop_resource`, as TF names it)
  // plus `ReadVariableOp` node `read_node_name`. Returns "<read_node_name>:value:0".
  std::string ReadVariable(VariableHandle v, const std::string& read_node_name);
  // Adds a node. The reference stays valid while this builder lives (fill more attrs through it).
  tensorflow::NodeDef& AddNode(const std::string& node_name, const std::string& op, std::vector<std::string> inputs,
                               Attrs attrs = {});
  // Const node; returns "<name>:output:0".
  std::string AddConst(const std::string& node_name, const Tensor& value);
  // A function output fed by `ref`. The builder adds `Identity[_k]` (with ^NoOp over the variable
  // reads, as TF does) and names the output arg `identity[_k]`. Returns the output index.
  int AddOutput(const std::string& ref, DataType dtype, PartialShape shape = PartialShape());

  // "node:out_arg:index"
  static std::string Ref(const std::string& node, const std::string& out_arg, int index = 0);

 private:
  friend class SavedModelBuilder;
  FunctionBuilder(SavedModelBuilder* owner, std::string name) : owner_(owner), name_(std::move(name)) {}

  struct Arg {
    tensorflow::OpDef::ArgDef def;
    PartialShape shape;
    int variable = -1;  // resource args: the variable index
    int table = -1;     // or the table index
  };
  struct Output {
    std::string ref;
    DataType dtype;
    PartialShape shape;
  };
  // Builds the FunctionDef (adds the output Identity nodes and NoOp).
  tensorflow::FunctionDef Build() const;

  SavedModelBuilder* owner_;
  std::string name_;
  std::vector<Arg> data_args_;
  std::vector<Arg> resource_args_;
  std::vector<Output> outputs_;
  tensorflow::FunctionDef body_;  // node_defs only
  std::vector<std::string> errors_;
};

class SavedModelBuilder {
 public:
  SavedModelBuilder();

  // A resource variable (VarHandleOp with shared_name = name) holding `value`.
  VariableHandle AddVariable(const std::string& name, const Tensor& value, VariableOptions options = {});

  // A static hash table as TF 2 saves one: graph node `<name>` (HashTableV2, shared_name `<name>`)
  // that signatures capture, filled by the init op (NoOp -> StatefulPartitionedCall ->
  // `__inference__initializer_<id>`: LookupTableImportV2 of `keys` -> `values`, both 1-D and of the
  // same length). Tables hold no checkpoint values.
  TableHandle AddStaticHashTable(const std::string& name, const Tensor& keys, const Tensor& values);

  // A new traced function. Its name should look like TF's (`__inference_call_123`); an empty name
  // gets `__inference_<n>`.
  FunctionBuilder NewFunction(const std::string& name = "");

  // Adds a function (and any functions it calls through `f` attrs, e.g. While bodies, added
  // separately) to the library without a signature.
  void AddFunction(const FunctionBuilder& f);
  void AddFunction(tensorflow::FunctionDef f);

  // A signature calling `traced` (which is added to the library). inputs[i] feeds the i-th data
  // argument of `traced` (dtypes must match), outputs[k] is its k-th output.
  void AddSignature(const std::string& key, std::vector<TensorSpec> inputs, std::vector<TensorSpec> outputs,
                    const FunctionBuilder& traced, const std::string& method_name = "tensorflow/serving/predict");

  // Builds the MetaGraph proto and the checkpoint contents, without writing files.
  Result<tensorflow::SavedModel> BuildProto() const;
  // Writes export_dir (created with parents; must not contain a saved_model.pb already).
  Status Save(const std::string& export_dir) const;

  // Next function id (TF numbers traced functions with a global counter).
  int NextId();

 private:
  friend class FunctionBuilder;
  struct Variable {
    std::string name;
    Tensor value;
    VariableOptions options;
  };
  struct SignatureEntry {
    std::string key;
    std::string method_name;
    std::vector<TensorSpec> inputs;
    std::vector<TensorSpec> outputs;
    std::string traced_name;
    std::string wrapper_name;
    // Variable indices, in the traced function's resource-arg order; a table t is -(t + 2).
    std::vector<int> captured;
    std::vector<DataType> traced_output_dtypes;
  };
  std::string CheckpointKey(int variable) const;

  struct Table {
    std::string name;
    Tensor keys, values;
    std::string initializer;  // function name
  };

  std::vector<Variable> variables_;
  std::vector<Table> tables_;
  std::vector<tensorflow::FunctionDef> functions_;
  std::vector<SignatureEntry> signatures_;
  std::vector<std::string> errors_;
  int next_id_ = 100;
};

}  // namespace serval::loader
