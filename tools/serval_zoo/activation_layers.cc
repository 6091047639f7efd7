// Activations, each as an Activation / activation layer on a [6] input (softmax also on axis 1 of
// a [3,4] input), with the ops tf.keras 2.14 / Keras 3 trace for them.
#include "tools/serval_zoo/zoo.h"

namespace serval::zoo {
namespace {

const DataType kF = DataType::kFloat;
const DataType kI = DataType::kInt32;

using Body = std::function<std::string(Emitter&, const std::string&)>;

std::string Unary(Emitter& e, const std::string& op, const std::string& x, Attrs a = {}) { return e.OpT(op, op, {x}, a); }

void Add(std::vector<Case>* out, const std::string& name, const std::string& keras, const std::string& note, Body body,
         std::vector<int64_t> shape = {6}) {
  out->push_back({"activation_" + name, keras, note, {{"activation_input", kF, shape, -3.0, 3.0}},
                  {{"activation", kF, shape}}, [body](Emitter& e) {
                    e.Layer("activation");
                    e.Output(body(e, e.Input(0)));
                  }});
}

}  // namespace

void AddActivationCases(std::vector<Case>* out) {
  for (const char* op : {"Relu", "Relu6", "Elu", "Selu", "Softplus", "Softsign", "Sigmoid", "Tanh", "Exp", "Softmax", "LogSoftmax"}) {
    const std::string o = op;
    std::string name = o == "Exp" ? "exponential" : o == "LogSoftmax" ? "log_softmax" : o;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Add(out, name, "activation " + name, "one " + o + " op", [o](Emitter& e, const std::string& x) { return Unary(e, o, x); });
  }
  Add(out, "leaky_relu", "LeakyReLU", "alpha 0.3: LeakyRelu", [](Emitter& e, const std::string& x) {
    return Unary(e, "LeakyRelu", x, {{"alpha", attr::Float(0.3f)}});
  });
  Add(out, "relu_clipped", "ReLU", "max_value 4, negative_slope 0.1, threshold 0.5: backend.relu's Neg/AddV2/Relu, "
      "Greater/Cast/Mul, ClipByValue, Mul/Sub", [](Emitter& e, const std::string& x) {
    const std::string neg = e.OpT("Neg", "Neg", {x});
    const std::string th = e.ConstF("add/y", {0.5f}, true);
    const std::string np = e.OpT("Relu", "Relu", {e.OpT("add", "AddV2", {neg, th})});
    const std::string th1 = e.ConstF("Greater/y", {0.5f}, true);
    const std::string gt = e.OpT("Greater", "Greater", {x, th1});
    const std::string cast = e.Op("Cast", "Cast", {gt}, {{"SrcT", attr::Type(DataType::kBool)}, {"DstT", attr::Type(kF)}});
    std::string y = e.OpT("mul", "Mul", {x, cast});
    const std::string lo = e.ConstF("Const", {0.0f}, true);
    const std::string hi = e.ConstF("Const_1", {4.0f}, true);
    y = e.OpT("clip_by_value", "ClipByValue", {y, lo, hi});
    const std::string alpha = e.ConstF("mul_1/x", {0.1f}, true);
    const std::string an = e.OpT("mul_1", "Mul", {alpha, np});
    return e.OpT("sub", "Sub", {y, an});
  });
  Add(out, "gelu", "activation gelu (exact)", "0.5 * x * (1 + erf(x / sqrt(2))): Mul, RealDiv, Erf, AddV2, Mul",
      [](Emitter& e, const std::string& x) {
        const std::string half = e.ConstF("Gelu/mul/x", {0.5f}, true);
        const std::string m = e.OpT("Gelu/mul", "Mul", {half, x});
        const std::string s2 = e.ConstF("Gelu/Cast/x", {1.41421356f}, true);
        const std::string d = e.OpT("Gelu/truediv", "RealDiv", {x, s2});
        const std::string erf = e.OpT("Gelu/Erf", "Erf", {d});
        const std::string one = e.ConstF("Gelu/add/x", {1.0f}, true);
        const std::string a = e.OpT("Gelu/add", "AddV2", {one, erf});
        return e.OpT("Gelu/mul_1", "Mul", {m, a});
      });
  Add(out, "gelu_tanh", "activation gelu (approximate)",
      "0.5 * x * (1 + tanh(0.7978845608 * (x + 0.044715 * x^3))): Pow, Mul, AddV2, Tanh",
      [](Emitter& e, const std::string& x) {
        const std::string three = e.ConstF("Gelu/Pow/y", {3.0f}, true);
        const std::string p = e.OpT("Gelu/Pow", "Pow", {x, three});
        const std::string c = e.ConstF("Gelu/mul/x", {0.044715f}, true);
        const std::string m = e.OpT("Gelu/mul", "Mul", {c, p});
        const std::string a = e.OpT("Gelu/add", "AddV2", {x, m});
        const std::string k = e.ConstF("Gelu/mul_1/x", {0.7978845608f}, true);
        const std::string m1 = e.OpT("Gelu/mul_1", "Mul", {k, a});
        const std::string t = e.OpT("Gelu/Tanh", "Tanh", {m1});
        const std::string one = e.ConstF("Gelu/add_1/x", {1.0f}, true);
        const std::string a1 = e.OpT("Gelu/add_1", "AddV2", {one, t});
        const std::string half = e.ConstF("Gelu/mul_2/x", {0.5f}, true);
        const std::string m2 = e.OpT("Gelu/mul_2", "Mul", {half, x});
        return e.OpT("Gelu/mul_3", "Mul", {m2, a1});
      });
  Add(out, "silu", "activation silu / swish", "tf.nn.silu's custom gradient: Mul(beta, x), Sigmoid, Mul, IdentityN",
      [](Emitter& e, const std::string& x) {
        const std::string beta = e.ConstF("beta", {1.0f}, true);
        const std::string bx = e.OpT("mul", "Mul", {beta, x});
        const std::string s = e.OpT("Sigmoid", "Sigmoid", {bx});
        const std::string y = e.OpT("mul_1", "Mul", {x, s});
        return e.Op("IdentityN", "IdentityN", {y, x, beta}, {{"T", attr::TypeList({kF, kF, kF})}});
      });
  Add(out, "mish", "activation mish", "x * tanh(softplus(x))", [](Emitter& e, const std::string& x) {
    const std::string sp = e.OpT("Softplus", "Softplus", {x});
    const std::string t = e.OpT("Tanh", "Tanh", {sp});
    return e.OpT("mul", "Mul", {x, t});
  });
  // Keras 2 and Keras 3 define hard_sigmoid differently, so these cases have a golden per structure
  // (the golden's keras3_outputs).
  auto hard_sigmoid = [](Emitter& e, const std::string& p, const std::string& x) {
    if (e.keras3()) {  // keras.src.backend.tensorflow.nn.hard_sigmoid: relu6(x + 3) / 6
      const std::string a = e.OpT(p + "add", "AddV2", {x, e.ConstF(p + "Const", {3.0f}, true)});
      const std::string r = e.OpT(p + "Relu6", "Relu6", {a});
      return e.OpT(p + "truediv", "RealDiv", {r, e.ConstF(p + "Const_1", {6.0f}, true)});
    }
    // tf.keras backend.hard_sigmoid: clip(0.2 * x + 0.5, 0, 1)
    const std::string m = e.OpT(p + "Mul", "Mul", {x, e.ConstF(p + "Const", {0.2f}, true)});
    const std::string a = e.OpT(p + "Add", "AddV2", {m, e.ConstF(p + "Const_1", {0.5f}, true)});
    return e.OpT(p + "clip_by_value", "ClipByValue",
                 {a, e.ConstF(p + "clip_by_value/clip_value_min", {0.0f}, true), e.ConstF(p + "clip_by_value/clip_value_max", {1.0f}, true)});
  };
  Add(out, "hard_sigmoid", "activation hard_sigmoid",
      "Keras 2: clip(0.2 x + 0.5, 0, 1) (Mul, AddV2, ClipByValue); Keras 3: relu6(x + 3) / 6 (AddV2, Relu6, RealDiv); "
      "a golden per structure",
      [hard_sigmoid](Emitter& e, const std::string& x) { return hard_sigmoid(e, "", x); });
  Add(out, "hard_silu", "activation hard_silu",
      "x * hard_sigmoid(x). Keras 3: ops.hard_silu (AddV2, Relu6, RealDiv, Mul); tf.keras 2 has no hard_silu, so "
      "its structure holds what a Keras 2 user writes, x * tf.keras.activations.hard_sigmoid(x); a golden per structure",
      [hard_sigmoid](Emitter& e, const std::string& x) { return e.OpT("mul", "Mul", {x, hard_sigmoid(e, "", x)}); });
  Add(out, "softmax_axis1", "Softmax (axis 1)",
      "tf.nn.softmax on a non-last axis: Range/ConcatV2 build the swap permutation, Transpose, Softmax, Transpose back",
      [](Emitter& e, const std::string& x) {
        auto perm = [&](const std::string& p) {
          const std::string r = e.Op(p + "/range", "Range", {e.ConstI32(p + "/range/start", {0}, true),
                                                             e.ConstI32(p + "/range/limit", {1}, true),
                                                             e.ConstI32(p + "/range/delta", {1}, true)},
                                     {{"Tidx", attr::Type(kI)}});
          const std::string r1 = e.Op(p + "/range_1", "Range", {e.ConstI32(p + "/range_1/start", {2}, true),
                                                                 e.ConstI32(p + "/range_1/limit", {2}, true),
                                                                 e.ConstI32(p + "/range_1/delta", {1}, true)},
                                      {{"Tidx", attr::Type(kI)}});
          return e.Op(p + "/concat", "ConcatV2",
                      {r, e.ConstI32(p + "/concat/values_1", {2}), r1, e.ConstI32(p + "/concat/values_3", {1}),
                       e.ConstI32(p + "/concat/axis", {0}, true)},
                      {{"N", attr::Int(4)}, {"T", attr::Type(kI)}, {"Tidx", attr::Type(kI)}});
        };
        const std::string t = e.OpT("Softmax/transpose", "Transpose", {x, perm("Softmax")}, {{"Tperm", attr::Type(kI)}});
        const std::string s = e.OpT("Softmax/Softmax", "Softmax", {t});
        return e.OpT("Softmax/transpose_1", "Transpose", {s, perm("Softmax/transpose_1")}, {{"Tperm", attr::Type(kI)}});
      },
      {3, 4});
}

}  // namespace serval::zoo
