// Writes the seed corpus for saved_model_fuzz into the directory given as argv[1]
// (tests/fuzz/corpus/saved_model). Every seed is a small saved_model.pb built here from scratch
// with the generated proto classes; none is copied from a real export:
//   seed_tf1_mul_add         Placeholder -> Mul -> Add with Consts (TF1 style, no op list)
//   seed_tf2_dense_relu      signature -> StatefulPartitionedCall -> function with
//                            Const/MatMul/BiasAdd/Relu (TF2 style, with stripped_op_list)
//   seed_stateless_while     StatelessWhile with cond/body functions
//   seed_tf1_fold            a constant subgraph (Fill/Sum/Reshape/ConcatV2/Cast) the planner folds
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "serval/loader/op_defs.h"
#include "tensorflow/core/framework/attr_value.pb.h"
#include "tensorflow/core/framework/function.pb.h"
#include "tensorflow/core/framework/graph.pb.h"
#include "tensorflow/core/framework/node_def.pb.h"
#include "tensorflow/core/framework/tensor.pb.h"
#include "tensorflow/core/framework/tensor_shape.pb.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"
#include "tensorflow/core/protobuf/saved_model.pb.h"

namespace tf = tensorflow;

namespace {

void SetShape(tf::TensorShapeProto* s, std::initializer_list<long> dims) {
  for (long d : dims) s->add_dim()->set_size(d);
}

tf::NodeDef* AddNode(google::protobuf::RepeatedPtrField<tf::NodeDef>* nodes, const std::string& name,
                     const std::string& op, std::initializer_list<std::string> inputs) {
  tf::NodeDef* n = nodes->Add();
  n->set_name(name);
  n->set_op(op);
  for (const auto& in : inputs) n->add_input(in);
  return n;
}

void SetType(tf::NodeDef* n, const std::string& attr, tf::DataType t) { (*n->mutable_attr())[attr].set_type(t); }
void SetBool(tf::NodeDef* n, const std::string& attr, bool b) { (*n->mutable_attr())[attr].set_b(b); }
void SetFunc(tf::NodeDef* n, const std::string& attr, const std::string& f) {
  (*n->mutable_attr())[attr].mutable_func()->set_name(f);
}

tf::NodeDef* Placeholder(google::protobuf::RepeatedPtrField<tf::NodeDef>* nodes, const std::string& name,
                         tf::DataType t, std::initializer_list<long> dims) {
  tf::NodeDef* n = AddNode(nodes, name, "Placeholder", {});
  SetType(n, "dtype", t);
  SetShape((*n->mutable_attr())["shape"].mutable_shape(), dims);
  return n;
}

tf::NodeDef* FloatConst(google::protobuf::RepeatedPtrField<tf::NodeDef>* nodes, const std::string& name,
                        std::initializer_list<long> dims, std::initializer_list<float> values) {
  tf::NodeDef* n = AddNode(nodes, name, "Const", {});
  SetType(n, "dtype", tf::DT_FLOAT);
  tf::TensorProto* t = (*n->mutable_attr())["value"].mutable_tensor();
  t->set_dtype(tf::DT_FLOAT);
  SetShape(t->mutable_tensor_shape(), dims);
  for (float v : values) t->add_float_val(v);
  return n;
}

tf::NodeDef* IntConst(google::protobuf::RepeatedPtrField<tf::NodeDef>* nodes, const std::string& name,
                      std::initializer_list<long> dims, std::initializer_list<int> values) {
  tf::NodeDef* n = AddNode(nodes, name, "Const", {});
  SetType(n, "dtype", tf::DT_INT32);
  tf::TensorProto* t = (*n->mutable_attr())["value"].mutable_tensor();
  t->set_dtype(tf::DT_INT32);
  SetShape(t->mutable_tensor_shape(), dims);
  for (int v : values) t->add_int_val(v);
  return n;
}

tf::MetaGraphDef* NewMetaGraph(tf::SavedModel* sm) {
  sm->set_saved_model_schema_version(1);
  tf::MetaGraphDef* mg = sm->add_meta_graphs();
  mg->mutable_meta_info_def()->add_tags("serve");
  mg->mutable_meta_info_def()->set_tensorflow_version("2.15.0");
  mg->mutable_graph_def()->mutable_versions()->set_producer(1645);
  return mg;
}

void AddTensorInfo(google::protobuf::Map<std::string, tf::TensorInfo>* m, const std::string& key,
                   const std::string& tensor, tf::DataType t, std::initializer_list<long> dims) {
  tf::TensorInfo& info = (*m)[key];
  info.set_name(tensor);
  info.set_dtype(t);
  SetShape(info.mutable_tensor_shape(), dims);
}

tf::SignatureDef* AddSignature(tf::MetaGraphDef* mg, const std::string& key) {
  tf::SignatureDef& sig = (*mg->mutable_signature_def())[key];
  sig.set_method_name("tensorflow/serving/predict");
  return &sig;
}

// Copies Serval's built-in OpDefs for `ops` into the model's stripped_op_list, as exports do.
bool AddOpList(tf::MetaGraphDef* mg, std::initializer_list<const char*> ops) {
  for (const char* op : ops) {
    const tf::OpDef* def = serval::loader::FindBuiltinOpDef(op);
    if (def == nullptr) {
      std::fprintf(stderr, "no built-in OpDef for %s\n", op);
      return false;
    }
    *mg->mutable_meta_info_def()->mutable_stripped_op_list()->add_op() = *def;
  }
  return true;
}

tf::SavedModel Tf1MulAdd() {
  tf::SavedModel sm;
  tf::MetaGraphDef* mg = NewMetaGraph(&sm);
  auto* nodes = mg->mutable_graph_def()->mutable_node();
  Placeholder(nodes, "x", tf::DT_FLOAT, {-1, 2});
  FloatConst(nodes, "two", {}, {2.0f});
  FloatConst(nodes, "one", {2}, {1.0f, -1.0f});
  SetType(AddNode(nodes, "mul", "Mul", {"x", "two"}), "T", tf::DT_FLOAT);
  SetType(AddNode(nodes, "add", "Add", {"mul:0", "one"}), "T", tf::DT_FLOAT);
  tf::SignatureDef* sig = AddSignature(mg, "serving_default");
  AddTensorInfo(sig->mutable_inputs(), "x", "x:0", tf::DT_FLOAT, {-1, 2});
  AddTensorInfo(sig->mutable_outputs(), "y", "add:0", tf::DT_FLOAT, {-1, 2});
  return sm;
}

tf::SavedModel Tf2DenseRelu(bool* ok) {
  tf::SavedModel sm;
  tf::MetaGraphDef* mg = NewMetaGraph(&sm);
  *ok = AddOpList(mg, {"BiasAdd", "Const", "Identity", "MatMul", "NoOp", "Placeholder", "Relu",
                       "StatefulPartitionedCall"});
  mg->mutable_meta_info_def()->set_stripped_default_attrs(true);
  auto* g = mg->mutable_graph_def();
  Placeholder(g->mutable_node(), "serving_default_x", tf::DT_FLOAT, {-1, 2});
  tf::NodeDef* call = AddNode(g->mutable_node(), "StatefulPartitionedCall", "StatefulPartitionedCall",
                              {"serving_default_x"});
  SetFunc(call, "f", "__inference_signature_wrapper_42");
  (*call->mutable_attr())["Tin"].mutable_list()->add_type(tf::DT_FLOAT);
  (*call->mutable_attr())["Tout"].mutable_list()->add_type(tf::DT_FLOAT);
  (*call->mutable_attr())["config"].set_s("");
  (*call->mutable_attr())["config_proto"].set_s("");
  (*call->mutable_attr())["executor_type"].set_s("");

  tf::FunctionDef* f = g->mutable_library()->add_function();
  f->mutable_signature()->set_name("__inference_signature_wrapper_42");
  tf::OpDef::ArgDef* in = f->mutable_signature()->add_input_arg();
  in->set_name("x");
  in->set_type(tf::DT_FLOAT);
  tf::OpDef::ArgDef* out = f->mutable_signature()->add_output_arg();
  out->set_name("identity");
  out->set_type(tf::DT_FLOAT);
  f->mutable_signature()->set_is_stateful(true);
  auto* body = f->mutable_node_def();
  FloatConst(body, "w", {2, 3}, {0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.75f});
  FloatConst(body, "b", {3}, {0.1f, 0.2f, -0.3f});
  tf::NodeDef* mm = AddNode(body, "MatMul", "MatMul", {"x", "w:output:0"});
  SetType(mm, "T", tf::DT_FLOAT);
  SetBool(mm, "transpose_a", false);
  SetBool(mm, "transpose_b", false);
  tf::NodeDef* ba = AddNode(body, "BiasAdd", "BiasAdd", {"MatMul:product:0", "b:output:0"});
  SetType(ba, "T", tf::DT_FLOAT);
  (*ba->mutable_attr())["data_format"].set_s("NHWC");
  SetType(AddNode(body, "Relu", "Relu", {"BiasAdd:output:0"}), "T", tf::DT_FLOAT);
  SetType(AddNode(body, "Identity", "Identity", {"Relu:activations:0"}), "T", tf::DT_FLOAT);
  (*f->mutable_ret())["identity"] = "Identity:output:0";

  tf::SignatureDef* sig = AddSignature(mg, "serving_default");
  AddTensorInfo(sig->mutable_inputs(), "x", "serving_default_x:0", tf::DT_FLOAT, {-1, 2});
  AddTensorInfo(sig->mutable_outputs(), "dense", "StatefulPartitionedCall:0", tf::DT_FLOAT, {-1, 3});
  return sm;
}

void AddArg(google::protobuf::RepeatedPtrField<tf::OpDef::ArgDef>* args, const std::string& name, tf::DataType t) {
  tf::OpDef::ArgDef* a = args->Add();
  a->set_name(name);
  a->set_type(t);
}

tf::SavedModel StatelessWhile() {
  tf::SavedModel sm;
  tf::MetaGraphDef* mg = NewMetaGraph(&sm);
  auto* g = mg->mutable_graph_def();
  Placeholder(g->mutable_node(), "x", tf::DT_FLOAT, {});
  IntConst(g->mutable_node(), "i0", {}, {0});
  tf::NodeDef* w = AddNode(g->mutable_node(), "while", "StatelessWhile", {"i0", "x"});
  (*w->mutable_attr())["T"].mutable_list()->add_type(tf::DT_INT32);
  (*w->mutable_attr())["T"].mutable_list()->add_type(tf::DT_FLOAT);
  SetFunc(w, "cond", "while_cond_7");
  SetFunc(w, "body", "while_body_8");
  (*w->mutable_attr())["parallel_iterations"].set_i(10);
  (*w->mutable_attr())["output_shapes"].mutable_list()->add_shape();
  (*w->mutable_attr())["output_shapes"].mutable_list()->add_shape();
  (*w->mutable_attr())["_num_original_outputs"].set_i(2);

  tf::FunctionDef* cond = g->mutable_library()->add_function();
  cond->mutable_signature()->set_name("while_cond_7");
  AddArg(cond->mutable_signature()->mutable_input_arg(), "i", tf::DT_INT32);
  AddArg(cond->mutable_signature()->mutable_input_arg(), "v", tf::DT_FLOAT);
  AddArg(cond->mutable_signature()->mutable_output_arg(), "less", tf::DT_BOOL);
  IntConst(cond->mutable_node_def(), "limit", {}, {3});
  SetType(AddNode(cond->mutable_node_def(), "Less", "Less", {"i", "limit:output:0"}), "T", tf::DT_INT32);
  (*cond->mutable_ret())["less"] = "Less:z:0";

  tf::FunctionDef* body = g->mutable_library()->add_function();
  body->mutable_signature()->set_name("while_body_8");
  AddArg(body->mutable_signature()->mutable_input_arg(), "i", tf::DT_INT32);
  AddArg(body->mutable_signature()->mutable_input_arg(), "v", tf::DT_FLOAT);
  AddArg(body->mutable_signature()->mutable_output_arg(), "i_next", tf::DT_INT32);
  AddArg(body->mutable_signature()->mutable_output_arg(), "v_next", tf::DT_FLOAT);
  IntConst(body->mutable_node_def(), "one", {}, {1});
  FloatConst(body->mutable_node_def(), "two", {}, {2.0f});
  SetType(AddNode(body->mutable_node_def(), "add", "AddV2", {"i", "one:output:0"}), "T", tf::DT_INT32);
  SetType(AddNode(body->mutable_node_def(), "mul", "Mul", {"v", "two:output:0"}), "T", tf::DT_FLOAT);
  (*body->mutable_ret())["i_next"] = "add:z:0";
  (*body->mutable_ret())["v_next"] = "mul:z:0";

  tf::SignatureDef* sig = AddSignature(mg, "serving_default");
  AddTensorInfo(sig->mutable_inputs(), "x", "x:0", tf::DT_FLOAT, {});
  AddTensorInfo(sig->mutable_outputs(), "y", "while:1", tf::DT_FLOAT, {});
  return sm;
}

tf::SavedModel Tf1Fold() {
  tf::SavedModel sm;
  tf::MetaGraphDef* mg = NewMetaGraph(&sm);
  auto* nodes = mg->mutable_graph_def()->mutable_node();
  Placeholder(nodes, "x", tf::DT_FLOAT, {-1, 3});
  IntConst(nodes, "dims", {2}, {2, 3});
  FloatConst(nodes, "half", {}, {0.5f});
  tf::NodeDef* fill = AddNode(nodes, "fill", "Fill", {"dims", "half"});
  SetType(fill, "T", tf::DT_FLOAT);
  SetType(fill, "index_type", tf::DT_INT32);
  IntConst(nodes, "axis0", {}, {0});
  tf::NodeDef* sum = AddNode(nodes, "sum", "Sum", {"fill", "axis0"});
  SetType(sum, "T", tf::DT_FLOAT);
  SetType(sum, "Tidx", tf::DT_INT32);
  SetBool(sum, "keep_dims", true);
  tf::NodeDef* concat = AddNode(nodes, "concat", "ConcatV2", {"sum", "sum", "axis0"});
  SetType(concat, "T", tf::DT_FLOAT);
  SetType(concat, "Tidx", tf::DT_INT32);
  (*concat->mutable_attr())["N"].set_i(2);
  IntConst(nodes, "shape", {2}, {-1, 3});
  tf::NodeDef* reshape = AddNode(nodes, "reshape", "Reshape", {"concat", "shape"});
  SetType(reshape, "T", tf::DT_FLOAT);
  SetType(reshape, "Tshape", tf::DT_INT32);
  tf::NodeDef* mean = AddNode(nodes, "mean", "Mean", {"reshape", "axis0"});
  SetType(mean, "T", tf::DT_FLOAT);
  SetType(mean, "Tidx", tf::DT_INT32);
  SetBool(mean, "keep_dims", false);
  IntConst(nodes, "ivec", {3}, {1, 2, 3});
  tf::NodeDef* cast = AddNode(nodes, "cast", "Cast", {"ivec"});
  SetType(cast, "SrcT", tf::DT_INT32);
  SetType(cast, "DstT", tf::DT_FLOAT);
  SetBool(cast, "Truncate", false);
  SetType(AddNode(nodes, "add", "AddV2", {"x", "mean"}), "T", tf::DT_FLOAT);
  SetType(AddNode(nodes, "sub", "Sub", {"add", "cast:0"}), "T", tf::DT_FLOAT);
  tf::SignatureDef* sig = AddSignature(mg, "serving_default");
  AddTensorInfo(sig->mutable_inputs(), "x", "x:0", tf::DT_FLOAT, {-1, 3});
  AddTensorInfo(sig->mutable_outputs(), "y", "add:0", tf::DT_FLOAT, {-1, 3});
  AddTensorInfo(sig->mutable_outputs(), "z", "sub:0", tf::DT_FLOAT, {-1, 3});
  return sm;
}

bool Write(const std::string& dir, const std::string& name, const tf::SavedModel& sm) {
  std::string bytes;
  if (!sm.SerializeToString(&bytes)) return false;
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::fprintf(stderr, "cannot write %s/%s\n", dir.c_str(), name.c_str());
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output-dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  ok = Write(dir, "seed_tf1_mul_add.pb", Tf1MulAdd()) && ok;
  bool ops_ok = true;
  ok = Write(dir, "seed_tf2_dense_relu.pb", Tf2DenseRelu(&ops_ok)) && ops_ok && ok;
  ok = Write(dir, "seed_stateless_while.pb", StatelessWhile()) && ok;
  ok = Write(dir, "seed_tf1_fold.pb", Tf1Fold()) && ok;
  return ok ? 0 : 1;
}
