// BatchNormalization (Keras 2 fused FusedBatchNormV3 on 4-D, the unfused Rsqrt/Mul/Sub/AddV2 form
// on 2-D and in Keras 3), LayerNormalization (Keras 2's fused-batch-norm trick, Keras 3's moments).
#include "tools/serval_zoo/zoo.h"

namespace serval::zoo {
namespace {

const DataType kF = DataType::kFloat;
const DataType kI = DataType::kInt32;

struct BnWeights {
  std::string gamma, beta, mean, var;
};

// tf.nn.batch_normalization: x * (gamma * rsqrt(var + eps)) + (beta - mean * gamma * rsqrt(var + eps)).
std::string Unfused(Emitter& e, const std::string& x, const BnWeights& w, float eps) {
  const std::string c = e.ConstF("batchnorm/add/y", {eps}, true);
  const std::string add = e.OpT("batchnorm/add", "AddV2", {w.var, c});
  const std::string rs = e.OpT("batchnorm/Rsqrt", "Rsqrt", {add});
  const std::string mul = e.OpT("batchnorm/mul", "Mul", {rs, w.gamma});
  const std::string mul1 = e.OpT("batchnorm/mul_1", "Mul", {x, mul});
  const std::string mul2 = e.OpT("batchnorm/mul_2", "Mul", {w.mean, mul});
  const std::string sub = e.OpT("batchnorm/sub", "Sub", {w.beta, mul2});
  return e.OpT("batchnorm/add_1", "AddV2", {mul1, sub});
}

BnWeights ReadBn(Emitter& e, int64_t c, bool fused) {
  BnWeights w;
  w.gamma = e.Weight("gamma", Weights("batch_normalization/gamma", {c}, 0.3, 1.0), fused ? "ReadVariableOp" : "batchnorm/mul");
  w.beta = e.Weight("beta", Weights("batch_normalization/beta", {c}, 0.2), fused ? "ReadVariableOp_1" : "batchnorm/ReadVariableOp_2");
  w.mean = e.Weight("moving_mean", Weights("batch_normalization/moving_mean", {c}, 0.5), fused ? "FusedBatchNormV3/ReadVariableOp" : "batchnorm/ReadVariableOp_1", false);
  w.var = e.Weight("moving_variance", Weights("batch_normalization/moving_variance", {c}, 0.4, 1.0), fused ? "FusedBatchNormV3/ReadVariableOp_1" : "batchnorm/ReadVariableOp", false);
  return w;
}

}  // namespace

void AddNormalizationCases(std::vector<Case>* out) {
  out->push_back({"batch_normalization", "BatchNormalization",
                  "4-D input, inference: Keras 2 FusedBatchNormV3 (is_training false), Keras 3 Rsqrt/Mul/Sub/AddV2",
                  {{"batch_normalization_input", kF, {3, 3, 4}}}, {{"batch_normalization", kF, {3, 3, 4}}}, [](Emitter& e) {
                    e.Layer("batch_normalization");
                    const BnWeights w = ReadBn(e, 4, !e.keras3());
                    if (e.keras3()) {
                      e.Output(Unfused(e, e.Input(0), w, 0.001f));
                      return;
                    }
                    e.Output(e.OpT("FusedBatchNormV3", "FusedBatchNormV3", {e.Input(0), w.gamma, w.beta, w.mean, w.var},
                                   {{"U", attr::Type(kF)}, {"epsilon", attr::Float(0.001f)}, {"is_training", attr::Bool(false)},
                                    {"data_format", attr::Str("NHWC")}}));
                  }});
  out->push_back({"batch_normalization_2d", "BatchNormalization",
                  "2-D input: the unfused tf.nn.batch_normalization form in both Keras versions",
                  {{"batch_normalization_input", kF, {4}}}, {{"batch_normalization", kF, {4}}}, [](Emitter& e) {
                    e.Layer("batch_normalization");
                    e.Output(Unfused(e, e.Input(0), ReadBn(e, 4, false), 0.001f));
                  }});
  out->push_back({"layer_normalization", "LayerNormalization",
                  "last axis of a [N,6] input. Keras 2: reshape to [1,N,6,1] and FusedBatchNormV3 in training mode "
                  "(NCHW, unit scale, zero offset), reshape back, * gamma + beta. Keras 3: moments, Rsqrt, "
                  "x * inv + (beta - mean * inv). rtol 1e-4: the two variance formulas round differently",
                  {{"layer_normalization_input", kF, {6}}}, {{"layer_normalization", kF, {6}}}, [](Emitter& e) {
                    e.Layer("layer_normalization");
                    const std::string x = e.Input(0);
                    if (e.keras3()) {
                      const std::string ax = e.ConstI32("moments/mean/reduction_indices", {-1});
                      const std::string mean = e.OpT("moments/mean", "Mean", {x, ax}, {{"Tidx", attr::Type(kI)}, {"keep_dims", attr::Bool(true)}});
                      const std::string sg = e.OpT("moments/StopGradient", "StopGradient", {mean});
                      const std::string sd = e.OpT("moments/SquaredDifference", "SquaredDifference", {x, sg});
                      const std::string ax1 = e.ConstI32("moments/variance/reduction_indices", {-1});
                      const std::string var = e.OpT("moments/variance", "Mean", {sd, ax1}, {{"Tidx", attr::Type(kI)}, {"keep_dims", attr::Bool(true)}});
                      const std::string eps = e.ConstF("add/y", {0.001f}, true);
                      const std::string add = e.OpT("add", "AddV2", {var, eps});
                      const std::string inv0 = e.OpT("Rsqrt", "Rsqrt", {add});
                      const std::string g = e.Weight("gamma", Weights("layer_normalization/gamma", {6}, 0.3, 1.0), "mul");
                      const std::string inv = e.OpT("mul", "Mul", {inv0, g});
                      const std::string neg = e.OpT("Neg", "Neg", {mean});
                      const std::string res0 = e.OpT("mul_1", "Mul", {neg, inv});
                      const std::string b = e.Weight("beta", Weights("layer_normalization/beta", {6}, 0.2), "add_1");
                      const std::string res = e.OpT("add_1", "AddV2", {res0, b});
                      const std::string xi = e.OpT("mul_2", "Mul", {x, inv});
                      e.Output(e.OpT("add_2", "AddV2", {xi, res}));
                      return;
                    }
                    const std::string shape = e.OpT("Shape", "Shape", {x});
                    auto slice = [&](const std::string& n, int i) {
                      const std::string a = e.ConstI32(n + "/stack", {i});
                      const std::string b = e.ConstI32(n + "/stack_1", {i + 1});
                      const std::string c = e.ConstI32(n + "/stack_2", {1});
                      return e.Op(n, "StridedSlice", {shape, a, b, c},
                                  {{"Index", attr::Type(kI)}, {"T", attr::Type(kI)}, {"shrink_axis_mask", attr::Int(1)}});
                    };
                    const std::string n = slice("strided_slice", 0);
                    const std::string one = e.ConstI32("mul/x", {1}, true);
                    const std::string pre = e.Op("mul", "Mul", {one, n}, {{"T", attr::Type(kI)}});
                    const std::string f = slice("strided_slice_1", 1);
                    const std::string one1 = e.ConstI32("mul_1/x", {1}, true);
                    const std::string in = e.Op("mul_1", "Mul", {one1, f}, {{"T", attr::Type(kI)}});
                    const std::string p0 = e.ConstI32("Reshape/shape/0", {1}, true);
                    const std::string p3 = e.ConstI32("Reshape/shape/3", {1}, true);
                    const std::string rshape = e.Op("Reshape/shape", "Pack", {p0, pre, in, p3}, {{"N", attr::Int(4)}, {"T", attr::Type(kI)}});
                    const std::string r = e.OpT("Reshape", "Reshape", {x, rshape}, {{"Tshape", attr::Type(kI)}});
                    const std::string os = e.Op("ones/packed", "Pack", {pre}, {{"N", attr::Int(1)}, {"T", attr::Type(kI)}});
                    const std::string oc = e.ConstF("ones/Const", {1.0f}, true);
                    const std::string ones = e.OpT("ones", "Fill", {os, oc}, {{"index_type", attr::Type(kI)}});
                    const std::string zs = e.Op("zeros/packed", "Pack", {pre}, {{"N", attr::Int(1)}, {"T", attr::Type(kI)}});
                    const std::string zc = e.ConstF("zeros/Const", {0.0f}, true);
                    const std::string zeros = e.OpT("zeros", "Fill", {zs, zc}, {{"index_type", attr::Type(kI)}});
                    const std::string empty = e.Const("Const", Tensor(kF, TensorShape{0}));
                    const std::string empty1 = e.Const("Const_1", Tensor(kF, TensorShape{0}));
                    const std::string y = e.OpT("FusedBatchNormV3", "FusedBatchNormV3", {r, ones, zeros, empty, empty1},
                                                {{"U", attr::Type(kF)}, {"epsilon", attr::Float(0.001f)},
                                                 {"data_format", attr::Str("NCHW")}, {"is_training", attr::Bool(true)}});
                    const std::string back = e.OpT("Reshape_1", "Reshape", {y, shape}, {{"Tshape", attr::Type(kI)}});
                    const std::string g = e.Weight("gamma", Weights("layer_normalization/gamma", {6}, 0.3, 1.0), "mul_2");
                    const std::string m = e.OpT("mul_2", "Mul", {back, g});
                    const std::string b = e.Weight("beta", Weights("layer_normalization/beta", {6}, 0.2), "add");
                    e.Output(e.OpT("add", "AddV2", {m, b}));
                  }, 1e-4, 1e-5});
  out->push_back({"unit_normalization", "UnitNormalization", "axis -1: tf.linalg.l2_normalize (Square, Sum, Maximum, Rsqrt, Mul)",
                  {{"unit_normalization_input", kF, {5}}}, {{"unit_normalization", kF, {5}}}, [](Emitter& e) {
                    e.Layer("unit_normalization");
                    const std::string x = e.Input(0);
                    const std::string sq = e.OpT("l2_normalize/Square", "Square", {x});
                    const std::string sum = e.OpT("l2_normalize/Sum", "Sum", {sq, e.ConstI32("l2_normalize/Const", {-1})},
                                                  {{"Tidx", attr::Type(kI)}, {"keep_dims", attr::Bool(true)}});
                    const std::string mx = e.OpT("l2_normalize/Maximum", "Maximum", {sum, e.ConstF("l2_normalize/Maximum/y", {1e-12f}, true)});
                    const std::string rs = e.OpT("l2_normalize/Rsqrt", "Rsqrt", {mx});
                    e.Output(e.OpT("l2_normalize", "Mul", {x, rs}));
                  }});
  out->push_back({"group_normalization", "GroupNormalization",
                  "groups 2 on [6,4]: Reshape to [-1,6,2,2], moments over axes 1 and 3, gamma/beta reshaped to "
                  "[1,1,2,2], tf.nn.batch_normalization, Reshape back. rtol 1e-4: a 12-element variance",
                  {{"group_normalization_input", kF, {6, 4}}}, {{"group_normalization", kF, {6, 4}}}, [](Emitter& e) {
                    e.Layer("group_normalization");
                    const std::string x = e.Input(0);
                    const std::string shape = e.OpT("Shape", "Shape", {x});
                    const std::string n = e.Op("strided_slice", "StridedSlice",
                                               {shape, e.ConstI32("strided_slice/stack", {0}), e.ConstI32("strided_slice/stack_1", {1}),
                                                e.ConstI32("strided_slice/stack_2", {1})},
                                               {{"Index", attr::Type(kI)}, {"T", attr::Type(kI)}, {"shrink_axis_mask", attr::Int(1)}});
                    const std::string gs = e.Op("stack", "Pack", {n, e.ConstI32("stack/1", {6}, true), e.ConstI32("stack/2", {2}, true),
                                                                  e.ConstI32("stack/3", {2}, true)},
                                                {{"N", attr::Int(4)}, {"T", attr::Type(kI)}});
                    const std::string r = e.OpT("Reshape", "Reshape", {x, gs}, {{"Tshape", attr::Type(kI)}});
                    const std::string ax = e.ConstI32("moments/mean/reduction_indices", {1, 3});
                    const std::string mean = e.OpT("moments/mean", "Mean", {r, ax}, {{"Tidx", attr::Type(kI)}, {"keep_dims", attr::Bool(true)}});
                    const std::string sg = e.OpT("moments/StopGradient", "StopGradient", {mean});
                    const std::string sd = e.OpT("moments/SquaredDifference", "SquaredDifference", {r, sg});
                    const std::string ax1 = e.ConstI32("moments/variance/reduction_indices", {1, 3});
                    const std::string var = e.OpT("moments/variance", "Mean", {sd, ax1}, {{"Tidx", attr::Type(kI)}, {"keep_dims", attr::Bool(true)}});
                    const std::string g0 = e.Weight("gamma", Weights("group_normalization/gamma", {4}, 0.3, 1.0), "Reshape_1");
                    const std::string g = e.OpT("Reshape_1", "Reshape", {g0, e.ConstI32("Reshape_1/shape", {1, 1, 2, 2})}, {{"Tshape", attr::Type(kI)}});
                    const std::string b0 = e.Weight("beta", Weights("group_normalization/beta", {4}, 0.2), "Reshape_2");
                    const std::string b = e.OpT("Reshape_2", "Reshape", {b0, e.ConstI32("Reshape_2/shape", {1, 1, 2, 2})}, {{"Tshape", attr::Type(kI)}});
                    const std::string y = Unfused(e, r, {g, b, mean, var}, 0.001f);
                    e.Output(e.OpT("Reshape_3", "Reshape", {y, shape}, {{"Tshape", attr::Type(kI)}}));
                  }, 1e-4, 1e-5});
}

}  // namespace serval::zoo
