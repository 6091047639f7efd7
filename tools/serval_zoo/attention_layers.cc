// Attention layers: Attention (dot-product, BatchMatMulV2 with adj_y, Softmax, BatchMatMulV2),
// MultiHeadAttention (EinsumDense projections, scaled Einsum scores, Softmax, Einsum, output
// EinsumDense), and TimeDistributed(Dense) (Reshape to [-1, features], Dense, Reshape back).
#include "tools/serval_zoo/zoo.h"

namespace serval::zoo {
namespace {

const DataType kF = DataType::kFloat;
const DataType kI = DataType::kInt32;

// EinsumDense as MultiHeadAttention uses it: Einsum with the kernel, then AddV2 of the bias.
std::string EinsumDense(Emitter& e, const std::string& layer, const std::string& x, const std::string& eq,
                        std::vector<int64_t> kshape, std::vector<int64_t> bshape) {
  e.Layer(layer);
  const std::string k = e.Weight("kernel", Weights(layer + "/kernel", kshape), "einsum/Einsum");
  const std::string y = e.OpT("einsum/Einsum", "Einsum", {x, k}, {{"equation", attr::Str(eq)}, {"N", attr::Int(2)}});
  const std::string b = e.Weight("bias", Weights(layer + "/bias", bshape, 0.1), "add");
  return e.OpT("add", "AddV2", {y, b});
}

}  // namespace

void AddAttentionCases(std::vector<Case>* out) {
  out->push_back({"attention", "Attention", "dot-product attention of query [3,4] over value [5,4] (key = value), no scale",
                  {{"input_1", kF, {3, 4}}, {"input_2", kF, {5, 4}}}, {{"attention", kF, {3, 4}}}, [](Emitter& e) {
                    e.Layer("attention");
                    const std::string s = e.OpT("MatMul", "BatchMatMulV2", {e.Input(0), e.Input(1)}, {{"adj_y", attr::Bool(true)}});
                    const std::string w = e.OpT("Softmax", "Softmax", {s});
                    e.Output(e.OpT("MatMul_1", "BatchMatMulV2", {w, e.Input(1)}));
                  }});
  out->push_back({"additive_attention", "AdditiveAttention",
                  "Bahdanau attention, use_scale: ExpandDims q and v, AddV2, Tanh, Mul by scale [4], Sum over the last "
                  "axis, Softmax, BatchMatMulV2 with the value",
                  {{"input_1", kF, {3, 4}}, {"input_2", kF, {5, 4}}}, {{"additive_attention", kF, {3, 4}}}, [](Emitter& e) {
                    e.Layer("additive_attention");
                    const std::string q = e.OpT("ExpandDims", "ExpandDims", {e.Input(0), e.ConstI32("ExpandDims/dim", {-2}, true)},
                                                {{"Tdim", attr::Type(kI)}});
                    const std::string k = e.OpT("ExpandDims_1", "ExpandDims", {e.Input(1), e.ConstI32("ExpandDims_1/dim", {-3}, true)},
                                                {{"Tdim", attr::Type(kI)}});
                    const std::string scale = e.Weight("scale", Weights("additive_attention/scale", {4}, 0.5, 0.5), "mul");
                    const std::string t = e.OpT("Tanh", "Tanh", {e.OpT("add", "AddV2", {q, k})});
                    const std::string m = e.OpT("mul", "Mul", {scale, t});
                    const std::string s = e.OpT("Sum", "Sum", {m, e.ConstI32("Sum/reduction_indices", {-1}, true)},
                                                {{"Tidx", attr::Type(kI)}});
                    const std::string w = e.OpT("Softmax", "Softmax", {s});
                    e.Output(e.OpT("MatMul", "BatchMatMulV2", {w, e.Input(1)}));
                  }});
  for (const bool masked : {false, true}) {
    Case c{masked ? "multi_head_attention_masked" : "multi_head_attention", "MultiHeadAttention",
           std::string("num_heads 2, key_dim 3, self-attention on [4,5]: query/key/value EinsumDense abc,cde->abde, "
                       "query * 1/sqrt(3), scores aecd,abcd->acbe, ") +
               (masked ? "bool attention_mask [4,4]: ExpandDims, Cast, (1 - mask) * -1e9 added to the scores, " : "") +
               "Softmax, acbe,aecd->abcd, output abcd,cde->abe. rtol 1e-4: two chained contractions and a softmax",
           {{"input_1", kF, {4, 5}}}, {{"multi_head_attention", kF, {4, 5}}}, nullptr, 1e-4, 1e-5};
    if (masked) c.inputs.push_back({"input_2", DataType::kBool, {4, 4}, 0, 1});
    c.build = [masked](Emitter& e) {
      const std::string x = e.Input(0);
      const std::string q = EinsumDense(e, "multi_head_attention/query", x, "abc,cde->abde", {5, 2, 3}, {2, 3});
      const std::string k = EinsumDense(e, "multi_head_attention/key", x, "abc,cde->abde", {5, 2, 3}, {2, 3});
      const std::string v = EinsumDense(e, "multi_head_attention/value", x, "abc,cde->abde", {5, 2, 3}, {2, 3});
      e.Layer("multi_head_attention");
      const std::string qs = e.OpT("Mul", "Mul", {q, e.ConstF("Mul/y", {0.57735026f}, true)});
      std::string sc = e.OpT("einsum/Einsum", "Einsum", {k, qs}, {{"equation", attr::Str("aecd,abcd->acbe")}, {"N", attr::Int(2)}});
      if (masked) {
        const std::string m = e.Op("ExpandDims", "ExpandDims", {e.Input(1), e.ConstI32("ExpandDims/dim", {-3}, true)},
                                   {{"T", attr::Type(DataType::kBool)}, {"Tdim", attr::Type(kI)}});
        const std::string mf = e.Op("softmax/Cast", "Cast", {m}, {{"SrcT", attr::Type(DataType::kBool)}, {"DstT", attr::Type(kF)}});
        const std::string inv = e.OpT("softmax/sub", "Sub", {e.ConstF("softmax/sub/x", {1.0f}, true), mf});
        const std::string add = e.OpT("softmax/mul", "Mul", {inv, e.ConstF("softmax/mul/y", {-1e9f}, true)});
        sc = e.OpT("softmax/add", "AddV2", {sc, add});
      }
      const std::string p = e.OpT("softmax/Softmax", "Softmax", {sc});
      const std::string ctx = e.OpT("einsum_1/Einsum", "Einsum", {p, v}, {{"equation", attr::Str("acbe,aecd->abcd")}, {"N", attr::Int(2)}});
      e.Output(EinsumDense(e, "multi_head_attention/attention_output", ctx, "abcd,cde->abe", {2, 3, 5}, {5}));
    };
    out->push_back(std::move(c));
  }
  out->push_back({"time_distributed", "TimeDistributed",
                  "TimeDistributed(Dense(2)) on [3,4]: Reshape to [-1,4], MatMul/BiasAdd, Reshape to [-1,3,2]",
                  {{"time_distributed_input", kF, {3, 4}}}, {{"time_distributed", kF, {3, 2}}}, [](Emitter& e) {
                    e.Layer("time_distributed");
                    const std::string r = e.OpT("Reshape", "Reshape", {e.Input(0), e.ConstI32("Reshape/shape", {-1, 4})},
                                                {{"Tshape", attr::Type(kI)}});
                    const std::string y = DenseOps(e, "time_distributed/dense", r, 2, 4, 2, "");
                    e.Layer("time_distributed");
                    e.Output(e.OpT("Reshape_1", "Reshape", {y, e.ConstI32("Reshape_1/shape", {-1, 3, 2})},
                                   {{"Tshape", attr::Type(kI)}}));
                  }});
}

}  // namespace serval::zoo
