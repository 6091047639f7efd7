// Core layers: Dense (rank 2 and rank 3), EinsumDense, Embedding, the inference-time identity
// layers, and the seed's custom layer (plain tf.matmul on its own weights).
#include "tools/serval_zoo/zoo.h"

namespace serval::zoo {
namespace {

// Keras 2 Dense on rank > 2: tf.tensordot(inputs, kernel, [[rank-1], [0]]), op for op as
// TF 2.14 traces it (static rank, dynamic batch), then BiasAdd.
std::string Tensordot(Emitter& e, const std::string& x, const std::string& kernel, int rank, int64_t units) {
  const DataType i32 = DataType::kInt32;
  std::vector<int32_t> free;
  for (int i = 0; i < rank - 1; ++i) free.push_back(i);
  const std::string axes = e.ConstI32("Tensordot/axes", {rank - 1});
  const std::string fr = e.ConstI32("Tensordot/free", free);
  const std::string shape = e.OpT("Tensordot/Shape", "Shape", {x});
  const std::string ax0 = e.ConstI32("Tensordot/GatherV2/axis", {0}, true);
  const std::string g = e.Op("Tensordot/GatherV2", "GatherV2", {shape, fr, ax0},
                             {{"Taxis", attr::Type(i32)}, {"Tindices", attr::Type(i32)}, {"Tparams", attr::Type(i32)}});
  const std::string ax1 = e.ConstI32("Tensordot/GatherV2_1/axis", {0}, true);
  const std::string g1 = e.Op("Tensordot/GatherV2_1", "GatherV2", {shape, axes, ax1},
                              {{"Taxis", attr::Type(i32)}, {"Tindices", attr::Type(i32)}, {"Tparams", attr::Type(i32)}});
  const std::string c0 = e.ConstI32("Tensordot/Const", {0});
  const std::string prod = e.Op("Tensordot/Prod", "Prod", {g, c0}, {{"T", attr::Type(i32)}, {"Tidx", attr::Type(i32)}});
  const std::string c1 = e.ConstI32("Tensordot/Const_1", {0});
  const std::string prod1 = e.Op("Tensordot/Prod_1", "Prod", {g1, c1}, {{"T", attr::Type(i32)}, {"Tidx", attr::Type(i32)}});
  const std::string cax = e.ConstI32("Tensordot/concat/axis", {0}, true);
  const std::string perm = e.Op("Tensordot/concat", "ConcatV2", {fr, axes, cax},
                                {{"N", attr::Int(2)}, {"T", attr::Type(i32)}, {"Tidx", attr::Type(i32)}});
  const std::string stack = e.Op("Tensordot/stack", "Pack", {prod, prod1}, {{"N", attr::Int(2)}, {"T", attr::Type(i32)}});
  const std::string tr = e.OpT("Tensordot/transpose", "Transpose", {x, perm}, {{"Tperm", attr::Type(i32)}});
  const std::string rs = e.OpT("Tensordot/Reshape", "Reshape", {tr, stack}, {{"Tshape", attr::Type(i32)}});
  const std::string mm = e.OpT("Tensordot/MatMul", "MatMul", {rs, kernel});
  const std::string c2 = e.ConstI32("Tensordot/Const_2", {static_cast<int32_t>(units)});
  const std::string cax1 = e.ConstI32("Tensordot/concat_1/axis", {0}, true);
  const std::string outshape = e.Op("Tensordot/concat_1", "ConcatV2", {g, c2, cax1},
                                    {{"N", attr::Int(2)}, {"T", attr::Type(i32)}, {"Tidx", attr::Type(i32)}});
  return e.OpT("Tensordot", "Reshape", {mm, outshape}, {{"Tshape", attr::Type(i32)}});
}

}  // namespace

// Dense as each Keras version traces it. Keras 2: MatMul (rank 2) or Tensordot (rank > 2) then
// BiasAdd; Keras 3: ops.matmul (MatMul, or BatchMatMulV2 on rank > 2) then AddV2.
std::string DenseOps(Emitter& e, const std::string& name, const std::string& x, int rank, int64_t in, int64_t units,
                     const std::string& act) {
  e.Layer(name);
  const std::string kernel_key = name + "/kernel";
  std::string y;
  if (e.keras3()) {
    const std::string k = e.Weight("kernel", Weights(kernel_key, {in, units}), "Cast");
    y = e.OpT("MatMul", rank == 2 ? "MatMul" : "BatchMatMulV2", {x, k});
    const std::string b = e.Weight("bias", Weights(name + "/bias", {units}, 0.1), "Add");
    y = e.OpT("Add", "AddV2", {y, b});
  } else if (rank == 2) {
    const std::string k = e.Weight("kernel", Weights(kernel_key, {in, units}), "MatMul");
    y = e.OpT("MatMul", "MatMul", {x, k});
    const std::string b = e.Weight("bias", Weights(name + "/bias", {units}, 0.1), "BiasAdd");
    y = e.OpT("BiasAdd", "BiasAdd", {y, b});
  } else {
    const std::string k = e.Weight("kernel", Weights(kernel_key, {in, units}), "Tensordot");
    y = Tensordot(e, x, k, rank, units);
    const std::string b = e.Weight("bias", Weights(name + "/bias", {units}, 0.1), "BiasAdd");
    y = e.OpT("BiasAdd", "BiasAdd", {y, b});
  }
  if (act == "relu") y = e.OpT("Relu", "Relu", {y});
  if (act == "tanh") y = e.OpT("Tanh", "Tanh", {y});
  if (act == "softmax") y = e.OpT("Softmax", "Softmax", {y});
  return y;
}

void AddCoreCases(std::vector<Case>* out) {
  out->push_back({"dense", "Dense", "rank-2 input, relu; then Dense softmax", {{"dense_input", DataType::kFloat, {4}}},
                  {{"dense_1", DataType::kFloat, {3}}}, [](Emitter& e) {
                    std::string y = DenseOps(e, "dense", e.Input(0), 2, 4, 5, "relu");
                    e.Output(DenseOps(e, "dense_1", y, 2, 5, 3, "softmax"));
                  }});
  out->push_back({"dense_rank3", "Dense", "rank-3 input: Keras 2 Tensordot (Reshape/MatMul/Reshape), Keras 3 BatchMatMulV2",
                  {{"dense_input", DataType::kFloat, {3, 4}}}, {{"dense", DataType::kFloat, {3, 2}}}, [](Emitter& e) {
                    e.Output(DenseOps(e, "dense", e.Input(0), 3, 4, 2, "tanh"));
                  }});
  out->push_back({"einsum_dense", "EinsumDense", "equation abc,cd->abd, bias_axes d, relu",
                  {{"input_1", DataType::kFloat, {3, 4}}}, {{"einsum_dense", DataType::kFloat, {3, 5}}}, [](Emitter& e) {
                    e.Layer("einsum_dense");
                    const std::string k = e.Weight("kernel", Weights("einsum_dense/kernel", {4, 5}), "einsum/Einsum");
                    std::string y = e.OpT("einsum/Einsum", "Einsum", {e.Input(0), k},
                                          {{"equation", attr::Str("abc,cd->abd")}, {"N", attr::Int(2)}});
                    const std::string b = e.Weight("bias", Weights("einsum_dense/bias", {5}, 0.1), "add");
                    y = e.OpT("add", "AddV2", {y, b});
                    e.Output(e.OpT("Relu", "Relu", {y}));
                  }});
  out->push_back({"embedding", "Embedding",
                  "float ids (Keras' default input dtype) cast to int32; Keras 2 ResourceGather on the variable, "
                  "Keras 3 GatherV2 on its value",
                  {{"embedding_input", DataType::kFloat, {4}, 0, 9}}, {{"embedding", DataType::kFloat, {4, 3}}},
                  [](Emitter& e) {
                    e.Layer("embedding");
                    const std::string ids = e.Op("Cast", "Cast", {e.Input(0)},
                                                 {{"SrcT", attr::Type(DataType::kFloat)}, {"DstT", attr::Type(DataType::kInt32)}});
                    const Tensor table = Weights("embedding/embeddings", {10, 3});
                    if (e.keras3()) {
                      const std::string t = e.Weight("embeddings", table, "GatherV2");
                      const std::string ax = e.ConstI32("GatherV2/axis", {0}, true);
                      e.Output(e.Op("GatherV2", "GatherV2", {t, ids, ax},
                                    {{"Taxis", attr::Type(DataType::kInt32)}, {"Tindices", attr::Type(DataType::kInt32)},
                                     {"Tparams", attr::Type(DataType::kFloat)}}));
                    } else {
                      const std::string res = e.WeightResource("embeddings", table);
                      const std::string g = e.Op("embedding_lookup", "ResourceGather", {res, ids},
                                                 {{"dtype", attr::Type(DataType::kFloat)},
                                                  {"Tindices", attr::Type(DataType::kInt32)}});
                      e.Output(e.OpT("embedding_lookup/Identity", "Identity", {g}));
                    }
                  }});
  out->push_back({"dropout_noise", "Dropout, GaussianNoise, GaussianDropout",
                  "inference: Keras 2 traces Dropout/GaussianNoise/GaussianDropout as Identity (training=False), Keras 3 emits nothing; then Dense",
                  {{"dropout_input", DataType::kFloat, {4}}}, {{"dense", DataType::kFloat, {2}}}, [](Emitter& e) {
                    std::string y = e.Input(0);
                    if (!e.keras3()) {
                      for (const char* l : {"dropout", "gaussian_noise", "gaussian_dropout"}) {
                        e.Layer(l);
                        y = e.OpT("Identity", "Identity", {y});
                      }
                    }
                    e.Output(DenseOps(e, "dense", y, 2, 4, 2, ""));
                  }});
  out->push_back({"spatial_dropout", "SpatialDropout1D, SpatialDropout2D, SpatialDropout3D",
                  "inference: Keras 2's SpatialDropout inherits Dropout.call, whose smart_cond on training=False traces "
                  "tf.identity (Identity); Keras 3 returns the input (no op). Rank 3, 4 and 5 inputs, each then Flatten",
                  {{"input_1", DataType::kFloat, {3, 2}}, {"input_2", DataType::kFloat, {2, 2, 2}},
                   {"input_3", DataType::kFloat, {2, 1, 2, 2}}},
                  {{"flatten", DataType::kFloat, {6}}, {"flatten_1", DataType::kFloat, {8}}, {"flatten_2", DataType::kFloat, {8}}},
                  [](Emitter& e) {
                    const char* drops[] = {"spatial_dropout1d", "spatial_dropout2d", "spatial_dropout3d"};
                    const char* flats[] = {"flatten", "flatten_1", "flatten_2"};
                    const int32_t sizes[] = {6, 8, 8};
                    for (int i = 0; i < 3; ++i) {
                      std::string y = e.Input(i);
                      if (!e.keras3()) {
                        e.Layer(drops[i]);
                        y = e.OpT("Identity", "Identity", {y});
                      }
                      e.Layer(flats[i]);
                      e.Output(e.OpT("Reshape", "Reshape", {y, e.ConstI32("Const", {-1, sizes[i]})},
                                     {{"Tshape", attr::Type(DataType::kInt32)}}));
                    }
                  }});
  out->push_back({"activity_regularization", "ActivityRegularization",
                  "l1 0.01 then Dense: the layer returns its input unchanged; Keras 2's __call__ adds the activity loss "
                  "(Abs, Sum, Mul, AddV2, DivNoNan by the batch size) to the traced function, where no output reaches "
                  "it; Keras 3 adds no op to the serving function",
                  {{"input_1", DataType::kFloat, {4}}}, {{"dense", DataType::kFloat, {2}}}, [](Emitter& e) {
                    const std::string x = e.Input(0);
                    if (!e.keras3()) {
                      // The loss subgraph TF keeps in the function body: the runtime must tolerate (or prune)
                      // nodes that reach no output.
                      e.Layer("activity_regularization");
                      const DataType kI = DataType::kInt32;
                      const std::string p = "ActivityRegularizer/";
                      const std::string zero = e.ConstF(p + "Const", {0.0f}, true);
                      const std::string abs = e.OpT(p + "Abs", "Abs", {x});
                      const std::string sum = e.OpT(p + "Sum", "Sum", {abs, e.ConstI32(p + "Const_1", {0, 1})},
                                                    {{"Tidx", attr::Type(kI)}, {"keep_dims", attr::Bool(false)}});
                      const std::string mul = e.OpT(p + "mul", "Mul", {e.ConstF(p + "mul/x", {0.01f}, true), sum});
                      const std::string loss = e.OpT(p + "add", "AddV2", {zero, mul});
                      const std::string shape = e.OpT(p + "Shape", "Shape", {x}, {{"out_type", attr::Type(kI)}});
                      const std::string n = e.Op(p + "strided_slice", "StridedSlice",
                                                 {shape, e.ConstI32(p + "strided_slice/stack", {0}),
                                                  e.ConstI32(p + "strided_slice/stack_1", {1}),
                                                  e.ConstI32(p + "strided_slice/stack_2", {1})},
                                                 {{"Index", attr::Type(kI)}, {"T", attr::Type(kI)}, {"shrink_axis_mask", attr::Int(1)}});
                      const std::string nf = e.Op(p + "Cast", "Cast", {n}, {{"SrcT", attr::Type(kI)}, {"DstT", attr::Type(DataType::kFloat)}});
                      e.OpT(p + "truediv", "DivNoNan", {loss, nf});
                    }
                    e.Output(DenseOps(e, "dense", x, 2, 4, 2, ""));
                  }});
  out->push_back({"custom_layer", "custom layer",
                  "subclassed layer: y = tf.matmul(x, w) + b then tf.nn.relu; weights w, b from add_weight",
                  {{"input_1", DataType::kFloat, {4}}}, {{"my_layer", DataType::kFloat, {3}}}, [](Emitter& e) {
                    e.Layer("my_layer");
                    const std::string w = e.Weight("w", Weights("my_layer/w", {4, 3}), "MatMul");
                    std::string y = e.OpT("MatMul", "MatMul", {e.Input(0), w});
                    const std::string b = e.Weight("b", Weights("my_layer/b", {3}, 0.2), "add");
                    y = e.OpT("add", "AddV2", {y, b});
                    e.Output(e.OpT("Relu", "Relu", {y}));
                  }});
}

}  // namespace serval::zoo
