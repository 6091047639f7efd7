// Merge layers on two [4] inputs: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate;
// Dot on rank 2 and rank 3, with and without normalize.
#include "tools/serval_zoo/zoo.h"

namespace serval::zoo {
namespace {

const DataType kI = DataType::kInt32;

// L2 normalization along `axis` as each Keras version writes it. Keras 2: tf.math.l2_normalize
// (x * rsqrt(max(sum(x^2), 1e-12))); Keras 3: ops.normalize(order=2)
// (x * min(rsqrt(sum(x^2)), 1 / epsilon)).
std::string L2Normalize(Emitter& e, const std::string& p, const std::string& x, int axis) {
  if (e.keras3()) {
    const std::string sq = e.OpT(p + "/Square", "Square", {x});
    const std::string sum = e.OpT(p + "/Sum", "Sum", {sq, e.ConstI32(p + "/Sum/reduction_indices", {axis}, true)},
                                  {{"Tidx", attr::Type(kI)}, {"keep_dims", attr::Bool(true)}});
    const std::string rs = e.OpT(p + "/Rsqrt", "Rsqrt", {sum});
    const std::string mn = e.OpT(p + "/Minimum", "Minimum", {rs, e.ConstF(p + "/Minimum/y", {1e7f}, true)});
    return e.OpT(p + "/mul", "Mul", {x, mn});
  }
  const std::string q = p + "/l2_normalize";
  const std::string sq = e.OpT(q + "/Square", "Square", {x});
  const std::string sum = e.OpT(q + "/Sum", "Sum", {sq, e.ConstI32(q + "/Sum/reduction_indices", {axis}, true)},
                                {{"Tidx", attr::Type(kI)}, {"keep_dims", attr::Bool(true)}});
  const std::string mx = e.OpT(q + "/Maximum", "Maximum", {sum, e.ConstF(q + "/Maximum/y", {1e-12f}, true)});
  const std::string rs = e.OpT(q + "/Rsqrt", "Rsqrt", {mx});
  return e.OpT(q, "Mul", {x, rs});
}

// backend.batch_dot (Keras 2) and its Keras 3 port in dot.py, for ranks 2 and 3: rank-2 inputs
// become [N,1,C] and [N,C,1]; the contracted axis of x is moved last and that of y to axis 1 by a
// Transpose; a batched MatMul (BatchMatMulV2); rank-2 results squeezed back to [N,1].
std::string BatchDot(Emitter& e, std::string x, std::string y, int rank, int a0, int a1) {
  if (rank == 2) {
    x = e.OpT("ExpandDims", "ExpandDims", {x, e.ConstI32("ExpandDims/dim", {1}, true)}, {{"Tdim", attr::Type(kI)}});
    y = e.OpT("ExpandDims_1", "ExpandDims", {y, e.ConstI32("ExpandDims_1/dim", {2}, true)}, {{"Tdim", attr::Type(kI)}});
    a0 += 1;
  } else {
    if (a0 != 2) {
      std::vector<int32_t> perm = {0, 1, 2};
      std::swap(perm[a0], perm[2]);
      x = e.OpT("transpose", "Transpose", {x, e.ConstI32("transpose/perm", perm)}, {{"Tperm", attr::Type(kI)}});
    }
    if (a1 != 1) {
      std::vector<int32_t> perm = {0, 1, 2};
      for (int i = a1; i > 1; --i) perm[i] = perm[i - 1];
      perm[1] = a1;
      y = e.OpT("transpose_1", "Transpose", {y, e.ConstI32("transpose_1/perm", perm)}, {{"Tperm", attr::Type(kI)}});
    }
  }
  const std::string mm = e.OpT("MatMul", "BatchMatMulV2", {x, y}, {{"adj_x", attr::Bool(false)}, {"adj_y", attr::Bool(false)}});
  if (rank != 2) return mm;
  return e.OpT("Squeeze", "Squeeze", {mm}, {{"squeeze_dims", attr::IntList({1})}});
}

}  // namespace

void AddMergeCases(std::vector<Case>* out) {
  const DataType kF = DataType::kFloat;
  out->push_back({"merge", "Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate",
                  "functional model, two inputs, one output per merge layer",
                  {{"input_1", kF, {4}}, {"input_2", kF, {4}}},
                  {{"add", kF, {4}}, {"subtract", kF, {4}}, {"multiply", kF, {4}}, {"average", kF, {4}},
                   {"maximum", kF, {4}}, {"minimum", kF, {4}}, {"concatenate", kF, {8}}},
                  [](Emitter& e) {
                    const std::string a = e.Input(0), b = e.Input(1);
                    e.Layer("add");
                    e.Output(e.OpT("add", "AddV2", {a, b}));
                    e.Layer("subtract");
                    e.Output(e.OpT("sub", "Sub", {a, b}));
                    e.Layer("multiply");
                    e.Output(e.OpT("mul", "Mul", {a, b}));
                    e.Layer("average");
                    const std::string s = e.OpT("add", "AddV2", {a, b});
                    const std::string two = e.ConstF("truediv/y", {2.0f}, true);
                    e.Output(e.OpT("truediv", "RealDiv", {s, two}));
                    e.Layer("maximum");
                    e.Output(e.OpT("Maximum", "Maximum", {a, b}));
                    e.Layer("minimum");
                    e.Output(e.OpT("Minimum", "Minimum", {a, b}));
                    e.Layer("concatenate");
                    const std::string ax = e.ConstI32("concat/axis", {-1}, true);
                    e.Output(e.OpT("concat", "ConcatV2", {a, b, ax}, {{"N", attr::Int(2)}, {"Tidx", attr::Type(DataType::kInt32)}}));
                  }});
  out->push_back({"dot", "Dot",
                  "axes 1 on two [4] inputs (ExpandDims to [N,1,4] and [N,4,1], BatchMatMulV2, Squeeze axis 1 -> [N,1]); "
                  "again with normalize=True: Keras 2 tf.math.l2_normalize (Maximum 1e-12), Keras 3 ops.normalize "
                  "(Minimum of the rsqrt with 1e7) on each input first",
                  {{"input_1", kF, {4}}, {"input_2", kF, {4}}}, {{"dot", kF, {1}}, {"dot_1", kF, {1}}}, [](Emitter& e) {
                    const std::string a = e.Input(0), b = e.Input(1);
                    e.Layer("dot");
                    e.Output(BatchDot(e, a, b, 2, 1, 1));
                    e.Layer("dot_1");
                    const std::string na = L2Normalize(e, "normalize", a, 1);
                    const std::string nb = L2Normalize(e, "normalize_1", b, 1);
                    e.Output(BatchDot(e, na, nb, 2, 1, 1));
                  }});
  out->push_back({"dot_rank3", "Dot",
                  "axes (2, 2) on [3,4] and [5,4]: y transposed to [N,4,5], BatchMatMulV2 -> [N,3,5]; axes (1, 1) "
                  "normalize=True on [3,4] and [3,2]: both normalized on axis 1, x transposed to [N,4,3], BatchMatMulV2 -> [N,4,2]",
                  {{"input_1", kF, {3, 4}}, {"input_2", kF, {5, 4}}, {"input_3", kF, {3, 2}}},
                  {{"dot", kF, {3, 5}}, {"dot_1", kF, {4, 2}}}, [](Emitter& e) {
                    e.Layer("dot");
                    e.Output(BatchDot(e, e.Input(0), e.Input(1), 3, 2, 2));
                    e.Layer("dot_1");
                    const std::string na = L2Normalize(e, "normalize", e.Input(0), 1);
                    const std::string nb = L2Normalize(e, "normalize_1", e.Input(2), 1);
                    e.Output(BatchDot(e, na, nb, 3, 1, 1));
                  }});
}

}  // namespace serval::zoo
