// Recurrent layers as TF traces them: a While loop over a TensorList of time steps
// (TensorListFromTensor / TensorListGetItem / TensorListSetItem / TensorListStack), the cell's
// MatMul/BiasAdd/Split/activations in the body, the weights passed into the loop as resources.
// Keras 2 LSTM and GRU (reset_after) put the loop in a `standard_lstm` / `standard_gru` function
// called through StatefulPartitionedCall (as in ../shared/spec/anatomy/keras_lstm_stock.txt);
// Keras 2 SimpleRNN and GRU(reset_after=False) and every Keras 3 RNN loop in the traced function.
#include "tools/serval_zoo/zoo.h"

#include "serval/loader/op_defs.h"

namespace serval::zoo {
namespace {

const DataType kF = DataType::kFloat;
const DataType kI = DataType::kInt32;
const DataType kV = DataType::kVariant;
const DataType kR = DataType::kResource;

// Emits nodes into a plain FunctionBuilder (loop bodies, the standard_* function), resolving
// output arg names from the OpDefs.
class Fn {
 public:
  Fn(FunctionBuilder* f, std::string prefix = "") : f_(f), prefix_(std::move(prefix)) {}
  std::string Op(const std::string& name, const std::string& op, std::vector<std::string> in, Attrs a = {}, int index = 0) {
    const std::string full = prefix_ + name;
    f_->AddNode(full, op, std::move(in), std::move(a));
    const tensorflow::OpDef* def = loader::FindBuiltinOpDef(op);
    if (!def || def->output_arg_size() <= 1) {
      return FunctionBuilder::Ref(full, def && def->output_arg_size() ? def->output_arg(0).name() : "output", index);
    }
    return FunctionBuilder::Ref(full, def->output_arg(index).name(), 0);
  }
  std::string OpT(const std::string& name, const std::string& op, std::vector<std::string> in, Attrs a = {},
                  int index = 0, DataType t = kF) {
    a["T"] = attr::Type(t);
    return Op(name, op, std::move(in), std::move(a), index);
  }
  std::string I32(const std::string& name, std::vector<int32_t> v, bool scalar = false) {
    if (scalar) return f_->AddConst(prefix_ + name, Tensor::Scalar<int32_t>(v.at(0)));
    return f_->AddConst(prefix_ + name, Tensor::FromVector<int32_t>(v, TensorShape{static_cast<int64_t>(v.size())}));
  }
  std::string F32(const std::string& name, float v) { return f_->AddConst(prefix_ + name, Tensor::Scalar<float>(v)); }
  std::string Read(const std::string& name, const std::string& resource) {
    return Op(name, "ReadVariableOp", {resource}, {{"dtype", attr::Type(kF)}});
  }
  std::string Slice(const std::string& name, const std::string& x, std::vector<int32_t> b, std::vector<int32_t> e,
                    std::vector<int32_t> s, Attrs masks, DataType t) {
    masks["Index"] = attr::Type(kI);
    masks["T"] = attr::Type(t);
    return Op(name, "StridedSlice", {x, I32(name + "/stack", b), I32(name + "/stack_1", e), I32(name + "/stack_2", s)}, masks);
  }
  FunctionBuilder* f() { return f_; }
  std::string Ref(const std::string& name, const std::string& arg, int i) const {
    return FunctionBuilder::Ref(prefix_ + name, arg, i);
  }

 private:
  FunctionBuilder* f_;
  std::string prefix_;
};

enum class Cell { kSimple, kGru, kGruResetBefore, kLstm };

struct RnnSpec {
  Cell cell;
  int64_t features, units, steps;
  bool go_backwards = false;
};

int NumStates(Cell c) { return c == Cell::kLstm ? 2 : 1; }
int Gates(Cell c) { return c == Cell::kLstm ? 4 : c == Cell::kSimple ? 1 : 3; }

// One cell step inside the loop body. `w` are the loop-invariant weights as the body sees them
// (resources for kernel / recurrent kernel, and bias as a resource or, for GRU, two tensors).
// Returns the new states; states[0] is the step output.
std::vector<std::string> Step(Fn& b, Cell cell, int64_t units, const std::string& x, const std::vector<std::string>& s,
                              const std::vector<std::string>& w) {
  const std::string k = b.Read("MatMul/ReadVariableOp", w[0]);
  std::string mx = b.OpT("MatMul", "MatMul", {x, k});
  const std::string rk = b.Read("MatMul_1/ReadVariableOp", w[1]);
  if (cell == Cell::kSimple) {
    const std::string bias = b.Read("BiasAdd/ReadVariableOp", w[2]);
    mx = b.OpT("BiasAdd", "BiasAdd", {mx, bias});
    const std::string mh = b.OpT("MatMul_1", "MatMul", {s[0], rk});
    return {b.OpT("Tanh", "Tanh", {b.OpT("add", "AddV2", {mx, mh})})};
  }
  if (cell == Cell::kLstm) {
    const std::string mh = b.OpT("MatMul_1", "MatMul", {s[0], rk});
    const std::string add = b.OpT("add", "AddV2", {mx, mh});
    const std::string bias = b.Read("BiasAdd/ReadVariableOp", w[2]);
    const std::string z = b.OpT("BiasAdd", "BiasAdd", {add, bias});
    const std::string dim = b.I32("split/split_dim", {1}, true);
    auto part = [&](int i) { return FunctionBuilder::Ref("split", "output", i); };
    b.OpT("split", "Split", {dim, z}, {{"num_split", attr::Int(4)}});
    const std::string i = b.OpT("Sigmoid", "Sigmoid", {part(0)});
    const std::string f = b.OpT("Sigmoid_1", "Sigmoid", {part(1)});
    const std::string fc = b.OpT("mul", "Mul", {f, s[1]});
    const std::string g = b.OpT("Tanh", "Tanh", {part(2)});
    const std::string ig = b.OpT("mul_1", "Mul", {i, g});
    const std::string c = b.OpT("add_1", "AddV2", {fc, ig});
    const std::string o = b.OpT("Sigmoid_2", "Sigmoid", {part(3)});
    const std::string h = b.OpT("mul_2", "Mul", {o, b.OpT("Tanh_1", "Tanh", {c})});
    return {h, c};
  }
  // GRU. reset_after: both biases added before the split, r applied to the recurrent candidate.
  const std::string dim = b.I32("split/split_dim", {1}, true);
  const std::string in_bias = cell == Cell::kGru ? w[2] : b.Read("BiasAdd/ReadVariableOp", w[2]);
  mx = b.OpT("BiasAdd", "BiasAdd", {mx, in_bias});
  b.OpT("split", "Split", {dim, mx}, {{"num_split", attr::Int(3)}});
  auto xs = [&](int i) { return FunctionBuilder::Ref("split", "output", i); };
  auto rs = [&](int i) { return FunctionBuilder::Ref("split_1", "output", i); };
  const int32_t u = static_cast<int32_t>(units);
  std::string z, r, hh;
  if (cell == Cell::kGru) {
    std::string mh = b.OpT("MatMul_1", "MatMul", {s[0], rk});
    mh = b.OpT("BiasAdd_1", "BiasAdd", {mh, w[3]});
    const std::string dim1 = b.I32("split_1/split_dim", {1}, true);
    b.OpT("split_1", "Split", {dim1, mh}, {{"num_split", attr::Int(3)}});
    z = b.OpT("Sigmoid", "Sigmoid", {b.OpT("add", "AddV2", {xs(0), rs(0)})});
    r = b.OpT("Sigmoid_1", "Sigmoid", {b.OpT("add_1", "AddV2", {xs(1), rs(1)})});
    const std::string rh = b.OpT("mul", "Mul", {r, rs(2)});
    hh = b.OpT("Tanh", "Tanh", {b.OpT("add_2", "AddV2", {xs(2), rh})});
  } else {
    const std::string rk_zr = b.Slice("strided_slice", rk, {0, 0}, {0, 2 * u}, {1, 1},
                                      {{"begin_mask", attr::Int(3)}, {"end_mask", attr::Int(1)}}, kF);
    const std::string mh = b.OpT("MatMul_1", "MatMul", {s[0], rk_zr});
    const std::string sizes = b.I32("split_1/size_splits", {u, u});
    const std::string dim1 = b.I32("split_1/split_dim", {-1}, true);
    b.Op("split_1", "SplitV", {mh, sizes, dim1}, {{"T", attr::Type(kF)}, {"Tlen", attr::Type(kI)}, {"num_split", attr::Int(2)}});
    z = b.OpT("Sigmoid", "Sigmoid", {b.OpT("add", "AddV2", {xs(0), rs(0)})});
    r = b.OpT("Sigmoid_1", "Sigmoid", {b.OpT("add_1", "AddV2", {xs(1), rs(1)})});
    const std::string rh0 = b.OpT("mul", "Mul", {r, s[0]});
    const std::string rk_h = b.Slice("strided_slice_1", rk, {0, 2 * u}, {0, 0}, {1, 1},
                                     {{"begin_mask", attr::Int(1)}, {"end_mask", attr::Int(3)}}, kF);
    const std::string rh = b.OpT("MatMul_2", "MatMul", {rh0, rk_h});
    hh = b.OpT("Tanh", "Tanh", {b.OpT("add_2", "AddV2", {xs(2), rh})});
  }
  const std::string zh = b.OpT("mul_1", "Mul", {z, s[0]});
  const std::string one = b.F32("sub/x", 1.0f);
  const std::string omz = b.OpT("sub", "Sub", {one, z});
  const std::string zhh = b.OpT("mul_2", "Mul", {omz, hh});
  return {b.OpT("add_3", "AddV2", {zh, zhh})};
}

struct LoopResult {
  std::string last, sequences;
  std::vector<std::string> states;
};

// The While loop over time, emitted into `outer` (prefix = the node-name scope there).
// `x` is [batch, steps, features]; `init` the initial states; `w` the loop-invariant weights
// (with their dtypes).
LoopResult Loop(SavedModelBuilder& sb, Fn& outer, const RnnSpec& spec, const std::string& x,
                const std::vector<std::string>& init, const std::vector<std::pair<std::string, DataType>>& w) {
  const int ns = NumStates(spec.cell);
  const int32_t f = static_cast<int32_t>(spec.features), u = static_cast<int32_t>(spec.units);
  std::string xt = outer.OpT("transpose", "Transpose", {x, outer.I32("transpose/perm", {1, 0, 2})}, {{"Tperm", attr::Type(kI)}});
  if (spec.go_backwards) {
    xt = outer.OpT("ReverseV2", "ReverseV2", {xt, outer.I32("ReverseV2/axis", {0})}, {{"Tidx", attr::Type(kI)}});
  }
  const std::string shape = outer.OpT("Shape_1", "Shape", {xt});
  const std::string steps = outer.Slice("strided_slice_1", shape, {0}, {1}, {1}, {{"shrink_axis_mask", attr::Int(1)}}, kI);
  const Attrs list_attrs{{"element_dtype", attr::Type(kF)}, {"shape_type", attr::Type(kI)}};
  const std::string in_list = outer.Op("TensorArrayUnstack/TensorListFromTensor", "TensorListFromTensor",
                                       {xt, outer.I32("TensorArrayUnstack/TensorListFromTensor/element_shape", {-1, f})}, list_attrs);
  const std::string out_list = outer.Op("TensorArrayV2_1", "TensorListReserve",
                                        {outer.I32("TensorArrayV2_1/element_shape", {-1, u}), steps}, list_attrs);

  // Loop variables: counter, max iterations, time, output list, states, steps, input list, weights.
  std::vector<DataType> types{kI, kI, kI, kV};
  for (int i = 0; i < ns; ++i) types.push_back(kF);
  types.push_back(kI);
  types.push_back(kV);
  for (const auto& [ref, dt] : w) types.push_back(dt);
  const int id = sb.NextId();
  FunctionBuilder body = sb.NewFunction("while_body_" + std::to_string(id));
  FunctionBuilder cond = sb.NewFunction("while_cond_" + std::to_string(id - 1));
  std::vector<std::string> names{"while_loop_counter", "while_maximum_iterations", "placeholder", "placeholder_1"};
  for (int i = 0; i < ns; ++i) names.push_back("placeholder_" + std::to_string(2 + i));
  names.push_back("strided_slice_0");
  names.push_back("tensorarrayv2read_tensorlistgetitem_tensorarrayunstack_tensorlistfromtensor_0");
  for (size_t i = 0; i < w.size(); ++i) names.push_back("weight_" + std::to_string(i) + "_0");
  for (size_t i = 0; i < types.size(); ++i) {
    body.AddInput(names[i], types[i]);
    cond.AddInput(names[i], types[i]);
  }
  {
    Fn c(&cond);
    const std::string less = c.OpT("Less", "Less", {"placeholder", "strided_slice_0"}, {}, 0, kI);
    cond.AddOutput(less, DataType::kBool);
  }
  Fn b(&body);
  const std::string item = b.Op("TensorArrayV2Read/TensorListGetItem", "TensorListGetItem",
                                {names[5 + ns], "placeholder", b.I32("TensorArrayV2Read/TensorListGetItem/element_shape", {-1, f})},
                                {{"element_dtype", attr::Type(kF)}});
  std::vector<std::string> states, wrefs;
  for (int i = 0; i < ns; ++i) states.push_back(names[4 + static_cast<size_t>(i)]);
  for (size_t i = 0; i < w.size(); ++i) wrefs.push_back(names[6 + static_cast<size_t>(ns) + i]);
  const std::vector<std::string> next = Step(b, spec.cell, spec.units, item, states, wrefs);
  const std::string set = b.Op("TensorArrayV2Write/TensorListSetItem", "TensorListSetItem", {"placeholder_1", "placeholder", next[0]},
                               {{"element_dtype", attr::Type(kF)}});
  const std::string t1 = b.OpT("add_4", "AddV2", {"placeholder", b.I32("add_4/y", {1}, true)}, {}, 0, kI);
  const std::string c1 = b.OpT("add_5", "AddV2", {"while_loop_counter", b.I32("add_5/y", {1}, true)}, {}, 0, kI);
  std::vector<std::string> outs{c1, "while_maximum_iterations", t1, set};
  outs.insert(outs.end(), next.begin(), next.end());
  outs.push_back("strided_slice_0");
  outs.push_back(names[5 + static_cast<size_t>(ns)]);
  outs.insert(outs.end(), wrefs.begin(), wrefs.end());
  for (size_t i = 0; i < outs.size(); ++i) body.AddOutput(outs[i], types[i]);
  sb.AddFunction(body);
  sb.AddFunction(cond);

  std::vector<std::string> in{outer.I32("while/loop_counter", {0}, true), outer.I32("while/maximum_iterations", {-1}, true),
                              outer.I32("time", {0}, true), out_list};
  in.insert(in.end(), init.begin(), init.end());
  in.push_back(steps);
  in.push_back(in_list);
  for (const auto& [ref, dt] : w) in.push_back(ref);
  std::vector<PartialShape> shapes(types.size(), PartialShape());
  outer.Op("while", "While", in,
           {{"T", attr::TypeList(types)}, {"body", attr::Func(body.name())}, {"cond", attr::Func(cond.name())},
            {"parallel_iterations", attr::Int(32)}, {"_num_original_outputs", attr::Int(static_cast<int64_t>(types.size()))},
            {"_lower_using_switch_merge", attr::Bool(true)}, {"output_shapes", attr::ShapeList(shapes)}});
  LoopResult r;
  const std::string seq = outer.Op("TensorArrayV2Stack/TensorListStack", "TensorListStack",
                                   {outer.Ref("while", "output", 3), outer.I32("TensorArrayV2Stack/TensorListStack/element_shape", {-1, u})},
                                   {{"element_dtype", attr::Type(kF)}, {"num_elements", attr::Int(static_cast<int64_t>(spec.steps))}});
  r.last = outer.Slice("strided_slice_2", seq, {-1}, {0}, {1}, {{"shrink_axis_mask", attr::Int(1)}}, kF);
  r.sequences = outer.OpT("transpose_1", "Transpose", {seq, outer.I32("transpose_1/perm", {1, 0, 2})}, {{"Tperm", attr::Type(kI)}});
  for (int i = 0; i < ns; ++i) r.states.push_back(outer.Ref("while", "output", 4 + i));
  return r;
}

// Initial zero states: Shape / StridedSlice (batch) / Pack / Fill.
std::vector<std::string> Zeros(Fn& o, const std::string& x, int n, int64_t units) {
  const std::string shape = o.OpT("Shape", "Shape", {x});
  const std::string batch = o.Slice("strided_slice", shape, {0}, {1}, {1}, {{"shrink_axis_mask", attr::Int(1)}}, kI);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const std::string z = i == 0 ? "zeros" : "zeros_" + std::to_string(i);
    const std::string packed = o.Op(z + "/packed", "Pack", {batch, o.I32(z + "/packed/1", {static_cast<int32_t>(units)}, true)},
                                    {{"N", attr::Int(2)}, {"T", attr::Type(kI)}});
    out.push_back(o.OpT(z, "Fill", {packed, o.F32(z + "/Const", 0.0f)}, {{"index_type", attr::Type(kI)}}));
  }
  return out;
}

struct RnnOut {
  std::string last, sequences;
  std::vector<std::string> states;
};

// One recurrent layer `layer` on x, in the structure of the flavor; weights from Weights().
RnnOut Rnn(Emitter& e, const std::string& layer, const RnnSpec& spec, const std::string& x) {
  e.Layer(layer);
  const int g = Gates(spec.cell);
  const int64_t f = spec.features, u = spec.units;
  const std::string k = e.WeightResource("kernel", Weights(layer + "/kernel", {f, g * u}));
  const std::string rk = e.WeightResource("recurrent_kernel", Weights(layer + "/recurrent_kernel", {u, g * u}));
  const std::vector<int64_t> bias_shape = spec.cell == Cell::kGru ? std::vector<int64_t>{2, g * u} : std::vector<int64_t>{g * u};
  const std::string bias = e.WeightResource("bias", Weights(layer + "/bias", bias_shape, 0.2));
  Fn o(&e.fn(), e.scope() + "/");
  const std::vector<std::string> init = Zeros(o, x, NumStates(spec.cell), u);
  const bool standard = !e.keras3() && (spec.cell == Cell::kLstm || spec.cell == Cell::kGru);
  RnnOut out;
  if (!standard) {
    std::vector<std::pair<std::string, DataType>> w{{k, kR}, {rk, kR}};
    if (spec.cell == Cell::kGru) {
      const std::string bv = o.Read("ReadVariableOp", bias);
      o.OpT("unstack", "Unpack", {bv}, {{"num", attr::Int(2)}});
      w.push_back({o.Ref("unstack", "output", 0), kF});
      w.push_back({o.Ref("unstack", "output", 1), kF});
    } else {
      w.push_back({bias, kR});
    }
    LoopResult r = Loop(e.builder(), o, spec, x, init, w);
    return {r.last, r.sequences, r.states};
  }
  // Keras 2 LSTM / GRU: the loop lives in standard_lstm / standard_gru.
  const bool lstm = spec.cell == Cell::kLstm;
  FunctionBuilder sf = e.builder().NewFunction(std::string("__inference_standard_") + (lstm ? "lstm_" : "gru_") +
                                               std::to_string(e.builder().NextId()));
  const std::string in = sf.AddInput("inputs", kF, PartialShape({-1, spec.steps, f}));
  std::vector<std::string> sinit{sf.AddInput("init_h", kF, PartialShape({-1, u}))};
  if (lstm) sinit.push_back(sf.AddInput("init_c", kF, PartialShape({-1, u})));
  const std::string sk = sf.AddInput("kernel", kR, PartialShape(std::vector<int64_t>{}));
  const std::string srk = sf.AddInput("recurrent_kernel", kR, PartialShape(std::vector<int64_t>{}));
  const std::string sb = sf.AddInput("bias", kR, PartialShape(std::vector<int64_t>{}));
  Fn s(&sf);
  std::vector<std::pair<std::string, DataType>> w{{sk, kR}, {srk, kR}};
  if (lstm) {
    w.push_back({sb, kR});
  } else {
    const std::string bv = s.Read("ReadVariableOp", sb);
    s.OpT("unstack", "Unpack", {bv}, {{"num", attr::Int(2)}});
    w.push_back({s.Ref("unstack", "output", 0), kF});
    w.push_back({s.Ref("unstack", "output", 1), kF});
  }
  LoopResult r = Loop(e.builder(), s, spec, in, sinit, w);
  sf.AddOutput(r.last, kF, PartialShape({-1, u}));
  sf.AddOutput(r.sequences, kF, PartialShape({-1, -1, u}));
  for (const auto& st : r.states) sf.AddOutput(st, kF, PartialShape({-1, u}));
  sf.AddOutput(sf.AddConst("runtime", Tensor::Scalar<float>(1.0f)), kF, PartialShape(std::vector<int64_t>{}));
  e.builder().AddFunction(sf);
  std::vector<std::string> call_in{x};
  call_in.insert(call_in.end(), init.begin(), init.end());
  call_in.insert(call_in.end(), {k, rk, bias});
  std::vector<DataType> tin(1 + init.size(), kF), tout(3 + init.size(), kF);
  tin.insert(tin.end(), {kR, kR, kR});
  const int64_t first_res = static_cast<int64_t>(1 + init.size());
  o.Op("StatefulPartitionedCall", "StatefulPartitionedCall", call_in,
       {{"Tin", attr::TypeList(tin)}, {"Tout", attr::TypeList(tout)}, {"f", attr::Func(sf.name())},
        {"_read_only_resource_inputs", attr::IntList({first_res, first_res + 1, first_res + 2})},
        {"config_proto", attr::Str("")}, {"config", attr::Str("")}, {"executor_type", attr::Str("")}});
  out.last = o.Ref("StatefulPartitionedCall", "output", 0);
  out.sequences = o.Ref("StatefulPartitionedCall", "output", 1);
  for (size_t i = 0; i < init.size(); ++i) out.states.push_back(o.Ref("StatefulPartitionedCall", "output", 2 + static_cast<int>(i)));
  return out;
}

}  // namespace

void AddRnnCases(std::vector<Case>* out) {
  const char* why_tol = "; rtol 1e-4: four recurrent steps of float32 sigmoid/tanh compound rounding";
  struct Simple {
    const char* name;
    const char* layer;
    Cell cell;
    const char* note;
  };
  for (const Simple& c : {Simple{"simple_rnn", "SimpleRNN", Cell::kSimple, "units 3, last output; loop in the traced function"},
                          Simple{"lstm", "LSTM", Cell::kLstm, "units 3, last output; Keras 2 standard_lstm + While"},
                          Simple{"gru", "GRU", Cell::kGru, "units 3, reset_after true (bias [2, 9], Unpack); Keras 2 standard_gru + While"},
                          Simple{"gru_reset_before", "GRU", Cell::kGruResetBefore,
                                 "units 3, reset_after false (bias [9]; recurrent kernel sliced, r applied before the matmul)"}}) {
    const std::string layer = c.name == std::string("simple_rnn") ? "simple_rnn" : c.name == std::string("lstm") ? "lstm" : "gru";
    const Cell cell = c.cell;
    out->push_back({c.name, c.layer, c.note + std::string(why_tol), {{layer + "_input", kF, {4, 2}}}, {{layer, kF, {3}}},
                    [layer, cell](Emitter& e) {
                      e.Output(Rnn(e, layer, {cell, 2, 3, 4}, e.Input(0)).last);
                    },
                    1e-4, 1e-5});
  }
  out->push_back({"lstm_sequences_state", "LSTM",
                  std::string("units 3, return_sequences, return_state, go_backwards (ReverseV2 on the time-major input)") + why_tol,
                  {{"input_1", kF, {4, 2}}}, {{"lstm", kF, {4, 3}}, {"lstm_1", kF, {3}}, {"lstm_2", kF, {3}}},
                  [](Emitter& e) {
                    const RnnOut r = Rnn(e, "lstm", {Cell::kLstm, 2, 3, 4, true}, e.Input(0));
                    e.Output(r.sequences);
                    e.Output(r.states[0]);
                    e.Output(r.states[1]);
                  },
                  1e-4, 1e-5});
  out->push_back({"bidirectional_lstm", "Bidirectional",
                  std::string("Bidirectional(LSTM(2)), merge_mode concat: forward and go_backwards loops, ConcatV2") + why_tol,
                  {{"bidirectional_input", kF, {4, 2}}}, {{"bidirectional", kF, {4}}}, [](Emitter& e) {
                    const RnnOut fw = Rnn(e, "forward_lstm", {Cell::kLstm, 2, 2, 4}, e.Input(0));
                    const RnnOut bw = Rnn(e, "backward_lstm", {Cell::kLstm, 2, 2, 4, true}, e.Input(0));
                    e.Layer("bidirectional");
                    e.Output(e.OpT("concat", "ConcatV2", {fw.last, bw.last, e.ConstI32("concat/axis", {-1}, true)},
                                   {{"N", attr::Int(2)}, {"Tidx", attr::Type(kI)}}));
                  },
                  1e-4, 1e-5});
}

}  // namespace serval::zoo
