// `bench_models`: the benchmark-only models and the weight dump the ONNX peer is built from.
//   bench_models write <root>            writes <root>/mlp784/1 and <root>/cnn/1 (SavedModels, in
//                                        Keras 2's structure, via Serval's SavedModelBuilder)
//   bench_models dump <export_dir> <out> writes every float variable of the export's checkpoint as
//                                        <out>/<n>.npy plus <out>/index.json {key: {file, shape}}
// The ONNX models (bench/onnx_models.py) are built from the dump, so the peer runs exactly the
// weights Serval reads, through Serval's own checkpoint reader.
//
//   mlp784  Dense(512, relu) -> Dense(10, softmax) on 784 features
//   cnn     30x30x3 -> Conv2D(16, 3x3, relu) -> MaxPool 2x2 -> Conv2D(32, 3x3, relu)
//           -> MaxPool 2x2 -> Flatten (1152) -> Dense(10) -> Softmax
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "serval/loader/bundle_reader.h"
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

// Glorot-uniform-like values from a fixed LCG, so activations stay in a sane range at any depth.
Tensor Weights(TensorShape shape, int64_t fan_in, int64_t fan_out, uint32_t seed) {
  Tensor t(DataType::kFloat, std::move(shape));
  const float limit = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
  for (float& v : t.flat<float>()) {
    seed = seed * 1664525u + 1013904223u;
    v = (static_cast<float>(seed >> 8) / 16777216.0f * 2.0f - 1.0f) * limit;
  }
  return t;
}
Tensor Bias(int64_t n, uint32_t seed) {
  Tensor t(DataType::kFloat, TensorShape{n});
  auto v = t.flat<float>();
  for (int64_t j = 0; j < n; ++j) v[static_cast<size_t>(j)] = 0.05f * std::cos(0.7f * static_cast<float>(j) + static_cast<float>(seed));
  return t;
}

serval::loader::Attrs FloatT() { return {{"T", attr::Type(DataType::kFloat)}}; }

// Keras 2 Dense: MatMul -> BiasAdd -> activation ("" = linear). Returns the output reference.
std::string Dense(SavedModelBuilder& b, FunctionBuilder& f, const std::string& in, int index, const std::string& layer,
                  int64_t rows, int64_t cols, const std::string& activation, const std::string& model_scope) {
  VariableOptions ko, bo;
  ko.object_path = "layer_with_weights-" + std::to_string(index) + "/kernel";
  bo.object_path = "layer_with_weights-" + std::to_string(index) + "/bias";
  auto k = b.AddVariable(layer + "/kernel", Weights(TensorShape{rows, cols}, rows, cols, 100u + index), ko);
  auto bias = b.AddVariable(layer + "/bias", Bias(cols, 200u + index), bo);
  const std::string scope = model_scope + "/" + layer + "/";
  const std::string rk = f.ReadVariable(k, scope + "MatMul/ReadVariableOp");
  f.AddNode(scope + "MatMul", "MatMul", {in, rk}, FloatT());
  const std::string rb = f.ReadVariable(bias, scope + "BiasAdd/ReadVariableOp");
  f.AddNode(scope + "BiasAdd", "BiasAdd", {FunctionBuilder::Ref(scope + "MatMul", "product"), rb}, FloatT());
  std::string out = FunctionBuilder::Ref(scope + "BiasAdd", "output");
  if (!activation.empty()) {
    f.AddNode(scope + activation, activation, {out}, FloatT());
    out = FunctionBuilder::Ref(scope + activation, activation == "Softmax" ? "softmax" : "activations");
  }
  return out;
}

Status Mlp784(const std::string& out) {
  SavedModelBuilder b;
  FunctionBuilder f = b.NewFunction("__inference__wrapped_model_" + std::to_string(b.NextId()));
  std::string h = f.AddInput("dense_input", DataType::kFloat, PartialShape({-1, 784}));
  h = Dense(b, f, h, 0, "dense", 784, 512, "Relu", "sequential");
  h = Dense(b, f, h, 1, "dense_1", 512, 10, "Softmax", "sequential");
  f.AddOutput(h, DataType::kFloat, PartialShape({-1, 10}));
  b.AddSignature("serving_default", {{"dense_input", DataType::kFloat, PartialShape({-1, 784})}},
                 {{"dense_1", DataType::kFloat, PartialShape({-1, 10})}}, f);
  return b.Save(out);
}

// Keras 2 Conv2D(3x3, VALID) -> BiasAdd -> Relu -> MaxPooling2D(2x2).
std::string ConvPool(SavedModelBuilder& b, FunctionBuilder& f, const std::string& in, int index, const std::string& conv,
                     const std::string& pool, int64_t cin, int64_t cout) {
  VariableOptions ko, bo;
  ko.object_path = "layer_with_weights-" + std::to_string(index) + "/kernel";
  bo.object_path = "layer_with_weights-" + std::to_string(index) + "/bias";
  auto k = b.AddVariable(conv + "/kernel", Weights(TensorShape{3, 3, cin, cout}, 9 * cin, 9 * cout, 300u + index), ko);
  auto bias = b.AddVariable(conv + "/bias", Bias(cout, 400u + index), bo);
  const std::string scope = "sequential/" + conv + "/";
  const std::string rk = f.ReadVariable(k, scope + "Conv2D/ReadVariableOp");
  serval::loader::Attrs conv_attrs = FloatT();
  conv_attrs["strides"] = attr::IntList({1, 1, 1, 1});
  conv_attrs["padding"] = attr::Str("VALID");
  f.AddNode(scope + "Conv2D", "Conv2D", {in, rk}, conv_attrs);
  const std::string rb = f.ReadVariable(bias, scope + "BiasAdd/ReadVariableOp");
  f.AddNode(scope + "BiasAdd", "BiasAdd", {FunctionBuilder::Ref(scope + "Conv2D", "output"), rb}, FloatT());
  f.AddNode(scope + "Relu", "Relu", {FunctionBuilder::Ref(scope + "BiasAdd", "output")}, FloatT());
  const std::string pscope = "sequential/" + pool + "/";
  serval::loader::Attrs pool_attrs = FloatT();
  pool_attrs["ksize"] = attr::IntList({1, 2, 2, 1});
  pool_attrs["strides"] = attr::IntList({1, 2, 2, 1});
  pool_attrs["padding"] = attr::Str("VALID");
  f.AddNode(pscope + "MaxPool", "MaxPool", {FunctionBuilder::Ref(scope + "Relu", "activations")}, pool_attrs);
  return FunctionBuilder::Ref(pscope + "MaxPool", "output");
}

Status Cnn(const std::string& out) {
  SavedModelBuilder b;
  FunctionBuilder f = b.NewFunction("__inference__wrapped_model_" + std::to_string(b.NextId()));
  std::string h = f.AddInput("conv2d_input", DataType::kFloat, PartialShape({-1, 30, 30, 3}));
  h = ConvPool(b, f, h, 0, "conv2d", "max_pooling2d", 3, 16);     // 28x28x16 -> 14x14x16
  h = ConvPool(b, f, h, 1, "conv2d_1", "max_pooling2d_1", 16, 32);  // 12x12x32 -> 6x6x32
  const std::string shape = f.AddConst("sequential/flatten/Const", Tensor::FromVector<int32_t>({-1, 1152}, TensorShape{2}));
  serval::loader::Attrs reshape_attrs = FloatT();
  reshape_attrs["Tshape"] = attr::Type(DataType::kInt32);
  f.AddNode("sequential/flatten/Reshape", "Reshape", {h, shape}, reshape_attrs);
  h = Dense(b, f, FunctionBuilder::Ref("sequential/flatten/Reshape", "output"), 2, "dense", 1152, 10, "Softmax",
            "sequential");
  f.AddOutput(h, DataType::kFloat, PartialShape({-1, 10}));
  b.AddSignature("serving_default", {{"conv2d_input", DataType::kFloat, PartialShape({-1, 30, 30, 3})}},
                 {{"dense", DataType::kFloat, PartialShape({-1, 10})}}, f);
  return b.Save(out);
}

// NumPy .npy v1.0, little-endian float32, C order.
bool WriteNpy(const std::string& path, const Tensor& t) {
  std::string shape = "(";
  for (int64_t d : t.shape().dims()) shape += std::to_string(d) + ",";
  if (t.rank() > 1) shape.pop_back();
  shape += ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::ofstream os(path, std::ios::binary);
  const uint16_t len = static_cast<uint16_t>(header.size());
  os.write("\x93NUMPY\x01\x00", 8);
  os.put(static_cast<char>(len & 0xff));
  os.put(static_cast<char>(len >> 8));
  os << header;
  os.write(static_cast<const char*>(t.raw_data()), static_cast<std::streamsize>(t.byte_size()));
  return static_cast<bool>(os);
}

int Dump(const std::string& export_dir, const std::string& out) {
  auto reader = serval::loader::BundleReader::Open(export_dir + "/variables/variables");
  if (!reader.ok()) {
    std::fprintf(stderr, "bench_models: %s\n", reader.status().ToString().c_str());
    return 1;
  }
  std::string index = "{";
  int n = 0;
  for (const std::string& key : (*reader)->keys()) {
    auto info = (*reader)->GetInfo(key);
    if (!info.ok() || info->dtype != DataType::kFloat || info->sliced) continue;
    auto t = (*reader)->Read(key);
    if (!t.ok()) {
      std::fprintf(stderr, "bench_models: %s\n", t.status().ToString().c_str());
      return 1;
    }
    const std::string file = std::to_string(n++) + ".npy";
    if (!WriteNpy(out + "/" + file, *t)) {
      std::fprintf(stderr, "bench_models: cannot write %s/%s\n", out.c_str(), file.c_str());
      return 1;
    }
    std::string shape;
    for (int64_t d : t->shape().dims()) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    index += std::string(n > 1 ? ",\n" : "\n") + " \"" + key + "\": {\"file\": \"" + file + "\", \"shape\": [" + shape + "]}";
  }
  index += "\n}\n";
  std::ofstream(out + "/index.json") << index;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "write" && argc == 3) {
    const std::string root = argv[2];
    for (auto [name, fn] : {std::pair{"mlp784", &Mlp784}, std::pair{"cnn", &Cnn}}) {
      const Status s = fn(root + "/" + name + "/1");
      if (!s.ok()) {
        std::fprintf(stderr, "bench_models: %s: %s\n", name, s.ToString().c_str());
        return 1;
      }
    }
    return 0;
  }
  if (cmd == "dump" && argc == 4) return Dump(argv[2], argv[3]);
  std::fprintf(stderr, "usage: bench_models write <root> | bench_models dump <export_dir> <out_dir>\n");
  return 2;
}
