// Pooling: MaxPooling/AveragePooling 1D (through ExpandDims/Squeeze) and 2D, global pooling
// (Mean/Max with and without keepdims), 3D pooling.
#include "tools/serval_zoo/zoo.h"

namespace serval::zoo {
namespace {

const DataType kF = DataType::kFloat;
const DataType kI = DataType::kInt32;

Attrs Pool(std::vector<int64_t> k, std::vector<int64_t> s, const std::string& padding) {
  return {{"ksize", attr::IntList(k)}, {"strides", attr::IntList(s)}, {"padding", attr::Str(padding)}};
}

}  // namespace

void AddPoolingCases(std::vector<Case>* out) {
  out->push_back({"max_pooling2d", "MaxPooling2D", "pool 2, strides 2, padding valid", {{"max_pooling2d_input", kF, {5, 5, 2}}},
                  {{"max_pooling2d", kF, {2, 2, 2}}}, [](Emitter& e) {
                    e.Layer("max_pooling2d");
                    e.Output(e.OpT("MaxPool", "MaxPool", {e.Input(0)}, Pool({1, 2, 2, 1}, {1, 2, 2, 1}, "VALID")));
                  }});
  out->push_back({"average_pooling2d", "AveragePooling2D", "pool 3, strides 2, padding same (padding not counted)",
                  {{"average_pooling2d_input", kF, {5, 5, 2}}}, {{"average_pooling2d", kF, {3, 3, 2}}}, [](Emitter& e) {
                    e.Layer("average_pooling2d");
                    e.Output(e.OpT("AvgPool", "AvgPool", {e.Input(0)}, Pool({1, 3, 3, 1}, {1, 2, 2, 1}, "SAME")));
                  }});
  for (const bool avg : {false, true}) {
    const std::string layer = avg ? "average_pooling1d" : "max_pooling1d";
    out->push_back({layer, avg ? "AveragePooling1D" : "MaxPooling1D",
                    "pool 2, strides 2: Keras 2 ExpandDims(axis 2) / pool / Squeeze, Keras 3 tf.nn pool1d (axis 1)",
                    {{layer + "_input", kF, {6, 3}}}, {{layer, kF, {3, 3}}}, [layer, avg](Emitter& e) {
                      e.Layer(layer);
                      const int axis = e.keras3() ? 1 : 2;
                      const std::string d = e.ConstI32("ExpandDims/dim", {axis}, true);
                      std::string y = e.OpT("ExpandDims", "ExpandDims", {e.Input(0), d}, {{"Tdim", attr::Type(kI)}});
                      const std::vector<int64_t> k = e.keras3() ? std::vector<int64_t>{1, 1, 2, 1} : std::vector<int64_t>{1, 2, 1, 1};
                      const std::string op = avg ? "AvgPool" : "MaxPool";
                      y = e.OpT(op, op, {y}, Pool(k, k, "VALID"));
                      e.Output(e.OpT("Squeeze", "Squeeze", {y}, {{"squeeze_dims", attr::IntList({axis})}}));
                    }});
  }
  out->push_back({"global_pooling", "GlobalAveragePooling2D, GlobalMaxPooling2D, GlobalAveragePooling1D",
                  "Mean / Max over the spatial axes; keepdims false and true",
                  {{"input_1", kF, {3, 4, 2}}},
                  {{"global_average_pooling2d", kF, {2}}, {"global_max_pooling2d", kF, {1, 1, 2}}},
                  [](Emitter& e) {
                    e.Layer("global_average_pooling2d");
                    const std::string ax = e.ConstI32("Mean/reduction_indices", {1, 2});
                    e.Output(e.OpT("Mean", "Mean", {e.Input(0), ax}, {{"Tidx", attr::Type(kI)}}));
                    e.Layer("global_max_pooling2d");
                    const std::string ax2 = e.ConstI32("Max/reduction_indices", {1, 2});
                    e.Output(e.OpT("Max", "Max", {e.Input(0), ax2}, {{"Tidx", attr::Type(kI)}, {"keep_dims", attr::Bool(true)}}));
                  }});
  out->push_back({"max_pooling3d", "MaxPooling3D", "pool 2, strides 2, padding valid",
                  {{"max_pooling3d_input", kF, {4, 4, 4, 2}}}, {{"max_pooling3d", kF, {2, 2, 2, 2}}}, [](Emitter& e) {
                    e.Layer("max_pooling3d");
                    e.Output(e.OpT("MaxPool3D", "MaxPool3D", {e.Input(0)},
                                   Pool({1, 2, 2, 2, 1}, {1, 2, 2, 2, 1}, "VALID")));
                  }});
  out->push_back({"average_pooling3d", "AveragePooling3D", "pool 2, strides 2, padding valid",
                  {{"average_pooling3d_input", kF, {4, 4, 4, 2}}}, {{"average_pooling3d", kF, {2, 2, 2, 2}}}, [](Emitter& e) {
                    e.Layer("average_pooling3d");
                    e.Output(e.OpT("AvgPool3D", "AvgPool3D", {e.Input(0)}, Pool({1, 2, 2, 2, 1}, {1, 2, 2, 2, 1}, "VALID")));
                  }});
}

}  // namespace serval::zoo
