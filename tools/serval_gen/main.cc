// `serval_gen`: writes example SavedModels with Serval's own SavedModel writer (no TensorFlow),
// in the structure TF 2.14 exports. The build runs it to produce build/models/<name>/1, which the
// README's first command serves.
//   half_plus_two  y = 0.5 * x + 2 (variables a, b), like TF Serving's half_plus_two;
//                  serving_default: x DT_FLOAT [-1,1] -> y DT_FLOAT [-1,1]
//   mlp            Keras-style Sequential Dense(8, relu) -> Dense(3, softmax) on 4 features;
//                  serving_default: dense_input [-1,4] -> dense_1 [-1,3]
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "serval/loader/saved_model_writer.h"

namespace {

using serval::DataType;
using serval::PartialShape;
using serval::Status;
using serval::Tensor;
using serval::TensorShape;
using serval::loader::FunctionBuilder;
using serval::loader::SavedModelBuilder;
using serval::loader::VariableOptions;
namespace attr = serval::loader::attr;

Status HalfPlusTwo(const std::string& out) {
  SavedModelBuilder b;
  auto a = b.AddVariable("a", Tensor::Scalar<float>(0.5f));
  auto c = b.AddVariable("b", Tensor::Scalar<float>(2.0f));
  FunctionBuilder f = b.NewFunction("__inference_predict_" + std::to_string(b.NextId()));
  const std::string x = f.AddInput("x", DataType::kFloat, PartialShape({-1, 1}));
  const std::string ra = f.ReadVariable(a, "Mul/ReadVariableOp");
  f.AddNode("Mul", "Mul", {ra, x}, {{"T", attr::Type(DataType::kFloat)}});
  const std::string rb = f.ReadVariable(c, "Add/ReadVariableOp");
  f.AddNode("Add", "AddV2", {"Mul:z:0", rb}, {{"T", attr::Type(DataType::kFloat)}});
  f.AddOutput("Add:z:0", DataType::kFloat, PartialShape({-1, 1}));
  b.AddSignature("serving_default", {{"x", DataType::kFloat, PartialShape({-1, 1})}},
                 {{"y", DataType::kFloat, PartialShape({-1, 1})}}, f);
  return b.Save(out);
}

// The mlp's weights. tests/gen/generated_models_test.py computes the same values: keep in sync.
//   kernel of layer L: k[i][j] = 0.5 * sin(7*i + 3*j + 11*L)
//   bias of layer L:   b[j]    = 0.1 * cos(5*j + 13*L)
Tensor Kernel(int layer, int rows, int cols) {
  Tensor t(DataType::kFloat, TensorShape{rows, cols});
  auto v = t.flat<float>();
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      v[static_cast<size_t>(i * cols + j)] = static_cast<float>(0.5 * std::sin(7.0 * i + 3.0 * j + 11.0 * layer));
    }
  }
  return t;
}
Tensor Bias(int layer, int n) {
  Tensor t(DataType::kFloat, TensorShape{n});
  auto v = t.flat<float>();
  for (int j = 0; j < n; ++j) v[static_cast<size_t>(j)] = static_cast<float>(0.1 * std::cos(5.0 * j + 13.0 * layer));
  return t;
}

Status Mlp(const std::string& out) {
  SavedModelBuilder b;
  const int sizes[] = {4, 8, 3};
  const char* names[] = {"dense", "dense_1"};
  FunctionBuilder f = b.NewFunction("__inference__wrapped_model_" + std::to_string(b.NextId()));
  std::string h = f.AddInput("dense_input", DataType::kFloat, PartialShape({-1, 4}));
  for (int l = 0; l < 2; ++l) {
    const std::string layer = names[l];
    // Keras 2 (tf.keras) checkpoint paths: layer_with_weights-<i>/{kernel,bias}.
    VariableOptions ko, bo;
    ko.object_path = "layer_with_weights-" + std::to_string(l) + "/kernel";
    bo.object_path = "layer_with_weights-" + std::to_string(l) + "/bias";
    auto k = b.AddVariable(layer + "/kernel", Kernel(l, sizes[l], sizes[l + 1]), ko);
    auto bias = b.AddVariable(layer + "/bias", Bias(l, sizes[l + 1]), bo);
    const std::string scope = "sequential/" + layer + "/";
    const std::string rk = f.ReadVariable(k, scope + "MatMul/ReadVariableOp");
    f.AddNode(scope + "MatMul", "MatMul", {h, rk}, {{"T", attr::Type(DataType::kFloat)}});
    const std::string rb = f.ReadVariable(bias, scope + "BiasAdd/ReadVariableOp");
    f.AddNode(scope + "BiasAdd", "BiasAdd", {FunctionBuilder::Ref(scope + "MatMul", "product"), rb},
              {{"T", attr::Type(DataType::kFloat)}});
    const std::string act = l == 0 ? "Relu" : "Softmax";
    f.AddNode(scope + act, act, {FunctionBuilder::Ref(scope + "BiasAdd", "output")},
              {{"T", attr::Type(DataType::kFloat)}});
    h = FunctionBuilder::Ref(scope + act, l == 0 ? "activations" : "softmax");
  }
  f.AddOutput(h, DataType::kFloat, PartialShape({-1, 3}));
  b.AddSignature("serving_default", {{"dense_input", DataType::kFloat, PartialShape({-1, 4})}},
                 {{"dense_1", DataType::kFloat, PartialShape({-1, 3})}}, f);
  return b.Save(out);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"serval_gen: write an example SavedModel with Serval's SavedModel writer"};
  std::string out;
  std::string model;
  app.add_option("out_dir", out, "SavedModel folder to create (e.g. models/half_plus_two/1)")->required();
  app.add_option("--model", model, "which model")->required()->check(CLI::IsMember({"half_plus_two", "mlp"}));
  CLI11_PARSE(app, argc, argv);
  const Status s = model == "mlp" ? Mlp(out) : HalfPlusTwo(out);
  if (!s.ok()) {
    std::fprintf(stderr, "serval_gen: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
