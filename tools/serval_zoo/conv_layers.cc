// Convolutions: Conv1D/2D/3D (strides, dilation through SpaceToBatchND as tf.nn.convolution
// lowers it, same/valid, groups), Conv2DTranspose, DepthwiseConv2D, SeparableConv2D.
#include "tools/serval_zoo/zoo.h"

namespace serval::zoo {
namespace {

const DataType kF = DataType::kFloat;
const DataType kI = DataType::kInt32;

// Bias: Keras 2 BiasAdd; Keras 3 reshapes the bias to [1,...,1,filters] and adds (AddV2).
std::string Bias(Emitter& e, const std::string& y, const std::string& layer, int64_t filters, int rank) {
  if (!e.keras3()) {
    const std::string b = e.Weight("bias", Weights(layer + "/bias", {filters}, 0.1), "BiasAdd");
    return e.OpT("BiasAdd", "BiasAdd", {y, b});
  }
  const std::string b = e.Weight("bias", Weights(layer + "/bias", {filters}, 0.1), "Reshape");
  std::vector<int32_t> shape(static_cast<size_t>(rank - 1), 1);
  shape.push_back(static_cast<int32_t>(filters));
  const std::string s = e.ConstI32("Reshape/shape", shape);
  const std::string r = e.OpT("Reshape", "Reshape", {b, s}, {{"Tshape", attr::Type(kI)}});
  return e.OpT("add", "AddV2", {y, r});
}

Attrs ConvAttrs(std::vector<int64_t> strides, const std::string& padding, std::vector<int64_t> dilations = {}) {
  Attrs a{{"strides", attr::IntList(strides)}, {"padding", attr::Str(padding)}, {"data_format", attr::Str("NHWC")}};
  if (!dilations.empty()) a["dilations"] = attr::IntList(dilations);
  return a;
}

std::string ConvName(const Emitter& e) { return e.keras3() ? "convolution" : "Conv2D"; }

}  // namespace

void AddConvCases(std::vector<Case>* out) {
  out->push_back({"conv2d", "Conv2D", "3x3, strides 2, padding same, relu", {{"conv2d_input", kF, {6, 6, 2}}},
                  {{"conv2d", kF, {3, 3, 4}}}, [](Emitter& e) {
                    e.Layer("conv2d");
                    const std::string n = ConvName(e);
                    const std::string k = e.Weight("kernel", Weights("conv2d/kernel", {3, 3, 2, 4}), n);
                    std::string y = e.OpT(n, "Conv2D", {e.Input(0), k}, ConvAttrs({1, 2, 2, 1}, "SAME"));
                    y = Bias(e, y, "conv2d", 4, 4);
                    e.Output(e.OpT("Relu", "Relu", {y}));
                  }});
  out->push_back({"conv2d_dilated", "Conv2D",
                  "3x3, dilation 2, padding valid: tf.nn.convolution lowers it to SpaceToBatchND / Conv2D / "
                  "BatchToSpaceND",
                  {{"conv2d_input", kF, {7, 7, 2}}}, {{"conv2d", kF, {3, 3, 3}}}, [](Emitter& e) {
                    e.Layer("conv2d");
                    const std::string n = ConvName(e);
                    const std::string k = e.Weight("kernel", Weights("conv2d/kernel", {3, 3, 2, 3}), n);
                    const std::string block = e.ConstI32(n + "/dilation_rate", {2, 2});
                    const Tensor pads = Tensor::FromVector<int32_t>({0, 1, 0, 1}, TensorShape{2, 2});
                    const std::string p = e.Const(n + "/required_space_to_batch_paddings/paddings", pads);
                    const std::string c = e.Const(n + "/required_space_to_batch_paddings/crops", pads);
                    std::string y = e.OpT(n + "/SpaceToBatchND", "SpaceToBatchND", {e.Input(0), block, p},
                                          {{"Tblock_shape", attr::Type(kI)}, {"Tpaddings", attr::Type(kI)}});
                    y = e.OpT(n, "Conv2D", {y, k}, ConvAttrs({1, 1, 1, 1}, "VALID"));
                    y = e.OpT(n + "/BatchToSpaceND", "BatchToSpaceND", {y, block, c},
                              {{"Tblock_shape", attr::Type(kI)}, {"Tcrops", attr::Type(kI)}});
                    e.Output(Bias(e, y, "conv2d", 3, 4));
                  }});
  out->push_back({"conv1d", "Conv1D", "kernel 3, strides 2, padding valid: ExpandDims / Conv2D / Squeeze",
                  {{"conv1d_input", kF, {9, 3}}}, {{"conv1d", kF, {4, 4}}}, [](Emitter& e) {
                    e.Layer("conv1d");
                    const std::string n = e.keras3() ? "convolution" : "Conv1D";
                    const std::string d0 = e.ConstI32(n + "/ExpandDims/dim", {-3}, true);
                    const std::string x = e.OpT(n + "/ExpandDims", "ExpandDims", {e.Input(0), d0}, {{"Tdim", attr::Type(kI)}});
                    const std::string k = e.Weight("kernel", Weights("conv1d/kernel", {3, 3, 4}), n + "/ExpandDims_1");
                    const std::string d1 = e.ConstI32(n + "/ExpandDims_1/dim", {0}, true);
                    const std::string k4 = e.OpT(n + "/ExpandDims_1", "ExpandDims", {k, d1}, {{"Tdim", attr::Type(kI)}});
                    std::string y = e.OpT(n, "Conv2D", {x, k4}, ConvAttrs({1, 1, 2, 1}, "VALID"));
                    y = e.OpT(n + "/Squeeze", "Squeeze", {y}, {{"squeeze_dims", attr::IntList({-3})}});
                    e.Output(Bias(e, y, "conv1d", 4, 3));
                  }});
  out->push_back({"conv2d_transpose", "Conv2DTranspose",
                  "3x3, strides 2, padding same: output shape packed from the dynamic batch, Conv2DBackpropInput",
                  {{"conv2d_transpose_input", kF, {3, 3, 2}}}, {{"conv2d_transpose", kF, {6, 6, 3}}}, [](Emitter& e) {
                    e.Layer("conv2d_transpose");
                    const std::string shape = e.OpT("Shape", "Shape", {e.Input(0)});
                    const std::string s0 = e.ConstI32("strided_slice/stack", {0});
                    const std::string s1 = e.ConstI32("strided_slice/stack_1", {1});
                    const std::string s2 = e.ConstI32("strided_slice/stack_2", {1});
                    const std::string batch = e.Op("strided_slice", "StridedSlice", {shape, s0, s1, s2},
                                                   {{"Index", attr::Type(kI)}, {"T", attr::Type(kI)},
                                                    {"shrink_axis_mask", attr::Int(1)}});
                    const std::string h = e.ConstI32("stack/1", {6}, true);
                    const std::string w = e.ConstI32("stack/2", {6}, true);
                    const std::string f = e.ConstI32("stack/3", {3}, true);
                    const std::string os = e.Op("stack", "Pack", {batch, h, w, f}, {{"N", attr::Int(4)}, {"T", attr::Type(kI)}});
                    const std::string n = "conv2d_transpose";
                    const std::string k = e.Weight("kernel", Weights("conv2d_transpose/kernel", {3, 3, 3, 2}), n);
                    std::string y = e.OpT(n, "Conv2DBackpropInput", {os, k, e.Input(0)}, ConvAttrs({1, 2, 2, 1}, "SAME"));
                    e.Output(Bias(e, y, "conv2d_transpose", 3, 4));
                  }});
  out->push_back({"conv1d_transpose", "Conv1DTranspose",
                  "kernel 3, strides 2, padding same: ExpandDims, Conv2DBackpropInput on [N,1,W,C], Squeeze",
                  {{"conv1d_transpose_input", kF, {4, 2}}}, {{"conv1d_transpose", kF, {8, 3}}}, [](Emitter& e) {
                    e.Layer("conv1d_transpose");
                    const std::string shape = e.OpT("Shape", "Shape", {e.Input(0)});
                    const std::string batch = e.Op("strided_slice", "StridedSlice",
                                                   {shape, e.ConstI32("strided_slice/stack", {0}), e.ConstI32("strided_slice/stack_1", {1}),
                                                    e.ConstI32("strided_slice/stack_2", {1})},
                                                   {{"Index", attr::Type(kI)}, {"T", attr::Type(kI)}, {"shrink_axis_mask", attr::Int(1)}});
                    const std::string os = e.Op("stack", "Pack", {batch, e.ConstI32("stack/1", {1}, true), e.ConstI32("stack/2", {8}, true),
                                                                  e.ConstI32("stack/3", {3}, true)},
                                                {{"N", attr::Int(4)}, {"T", attr::Type(kI)}});
                    const std::string x = e.OpT("conv1d_transpose/ExpandDims", "ExpandDims",
                                                {e.Input(0), e.ConstI32("conv1d_transpose/ExpandDims/dim", {1}, true)}, {{"Tdim", attr::Type(kI)}});
                    const std::string k = e.Weight("kernel", Weights("conv1d_transpose/kernel", {3, 3, 2}), "conv1d_transpose/ExpandDims_1");
                    const std::string k4 = e.OpT("conv1d_transpose/ExpandDims_1", "ExpandDims",
                                                 {k, e.ConstI32("conv1d_transpose/ExpandDims_1/dim", {0}, true)}, {{"Tdim", attr::Type(kI)}});
                    std::string y = e.OpT("conv1d_transpose", "Conv2DBackpropInput", {os, k4, x}, ConvAttrs({1, 1, 2, 1}, "SAME"));
                    y = e.OpT("conv1d_transpose/Squeeze", "Squeeze", {y}, {{"squeeze_dims", attr::IntList({1})}});
                    e.Output(Bias(e, y, "conv1d_transpose", 3, 3));
                  }});
  out->push_back({"depthwise_conv2d", "DepthwiseConv2D", "3x3, depth_multiplier 2, padding valid",
                  {{"depthwise_conv2d_input", kF, {5, 5, 2}}}, {{"depthwise_conv2d", kF, {3, 3, 4}}}, [](Emitter& e) {
                    e.Layer("depthwise_conv2d");
                    const std::string k = e.Weight("depthwise_kernel", Weights("depthwise_conv2d/depthwise_kernel", {3, 3, 2, 2}), "depthwise");
                    std::string y = e.OpT("depthwise", "DepthwiseConv2dNative", {e.Input(0), k}, ConvAttrs({1, 1, 1, 1}, "VALID"));
                    e.Output(Bias(e, y, "depthwise_conv2d", 4, 4));
                  }});
  out->push_back({"separable_conv2d", "SeparableConv2D",
                  "3x3, padding same: DepthwiseConv2dNative then a 1x1 Conv2D (tf.nn.separable_conv2d)",
                  {{"separable_conv2d_input", kF, {5, 5, 2}}}, {{"separable_conv2d", kF, {5, 5, 3}}}, [](Emitter& e) {
                    e.Layer("separable_conv2d");
                    const std::string n = e.keras3() ? "separable_conv2d_1" : "separable_conv2d";
                    const std::string dk = e.Weight("depthwise_kernel", Weights("separable_conv2d/depthwise_kernel", {3, 3, 2, 1}), n + "/ReadVariableOp_dw");
                    const std::string pk = e.Weight("pointwise_kernel", Weights("separable_conv2d/pointwise_kernel", {1, 1, 2, 3}), n + "/ReadVariableOp_pw");
                    std::string y = e.OpT(n + "/depthwise", "DepthwiseConv2dNative", {e.Input(0), dk}, ConvAttrs({1, 1, 1, 1}, "SAME"));
                    y = e.OpT(n, "Conv2D", {y, pk}, ConvAttrs({1, 1, 1, 1}, "VALID"));
                    e.Output(Bias(e, y, "separable_conv2d", 3, 4));
                  }});
  out->push_back({"conv1d_causal", "Conv1D", "kernel 3, dilation 1, padding causal: Pad ((k-1)*d, 0) on the steps, then a valid Conv1D",
                  {{"conv1d_input", kF, {5, 2}}}, {{"conv1d", kF, {5, 3}}}, [](Emitter& e) {
                    e.Layer("conv1d");
                    const Tensor pads = Tensor::FromVector<int32_t>({0, 0, 2, 0, 0, 0}, TensorShape{3, 2});
                    const std::string p = e.OpT("Pad", "Pad", {e.Input(0), e.Const("Pad/paddings", pads)}, {{"Tpaddings", attr::Type(kI)}});
                    const std::string n = e.keras3() ? "convolution" : "Conv1D";
                    const std::string x = e.OpT(n + "/ExpandDims", "ExpandDims", {p, e.ConstI32(n + "/ExpandDims/dim", {-3}, true)},
                                                {{"Tdim", attr::Type(kI)}});
                    const std::string k = e.Weight("kernel", Weights("conv1d/kernel", {3, 2, 3}), n + "/ExpandDims_1");
                    const std::string k4 = e.OpT(n + "/ExpandDims_1", "ExpandDims", {k, e.ConstI32(n + "/ExpandDims_1/dim", {0}, true)},
                                                 {{"Tdim", attr::Type(kI)}});
                    std::string y = e.OpT(n, "Conv2D", {x, k4}, ConvAttrs({1, 1, 1, 1}, "VALID"));
                    y = e.OpT(n + "/Squeeze", "Squeeze", {y}, {{"squeeze_dims", attr::IntList({-3})}});
                    e.Output(Bias(e, y, "conv1d", 3, 3));
                  }});
  out->push_back({"depthwise_conv1d", "DepthwiseConv1D",
                  "kernel 3, depth_multiplier 2, padding valid: ExpandDims, DepthwiseConv2dNative, Squeeze",
                  {{"depthwise_conv1d_input", kF, {6, 2}}}, {{"depthwise_conv1d", kF, {4, 4}}}, [](Emitter& e) {
                    e.Layer("depthwise_conv1d");
                    const std::string x = e.OpT("ExpandDims", "ExpandDims", {e.Input(0), e.ConstI32("ExpandDims/dim", {1}, true)},
                                                {{"Tdim", attr::Type(kI)}});
                    const std::string k = e.Weight("kernel", Weights("depthwise_conv1d/kernel", {3, 2, 2}), "ExpandDims_1");
                    const std::string k4 = e.OpT("ExpandDims_1", "ExpandDims", {k, e.ConstI32("ExpandDims_1/dim", {0}, true)},
                                                 {{"Tdim", attr::Type(kI)}});
                    std::string y = e.OpT("depthwise", "DepthwiseConv2dNative", {x, k4}, ConvAttrs({1, 1, 1, 1}, "VALID"));
                    y = e.OpT("Squeeze", "Squeeze", {y}, {{"squeeze_dims", attr::IntList({1})}});
                    e.Output(Bias(e, y, "depthwise_conv1d", 4, 3));
                  }});
  out->push_back({"separable_conv1d", "SeparableConv1D",
                  "kernel 3, padding valid: ExpandDims to [N,1,W,C], DepthwiseConv2dNative, 1x1 Conv2D, Squeeze",
                  {{"separable_conv1d_input", kF, {6, 2}}}, {{"separable_conv1d", kF, {4, 3}}}, [](Emitter& e) {
                    e.Layer("separable_conv1d");
                    const std::string x = e.OpT("ExpandDims", "ExpandDims", {e.Input(0), e.ConstI32("ExpandDims/dim", {1}, true)},
                                                {{"Tdim", attr::Type(kI)}});
                    const std::string dk = e.Weight("depthwise_kernel", Weights("separable_conv1d/depthwise_kernel", {3, 2, 1}), "ExpandDims_1");
                    const std::string pk = e.Weight("pointwise_kernel", Weights("separable_conv1d/pointwise_kernel", {1, 2, 3}), "ExpandDims_2");
                    const std::string dk4 = e.OpT("ExpandDims_1", "ExpandDims", {dk, e.ConstI32("ExpandDims_1/dim", {0}, true)}, {{"Tdim", attr::Type(kI)}});
                    const std::string pk4 = e.OpT("ExpandDims_2", "ExpandDims", {pk, e.ConstI32("ExpandDims_2/dim", {0}, true)}, {{"Tdim", attr::Type(kI)}});
                    std::string y = e.OpT("separable_conv2d/depthwise", "DepthwiseConv2dNative", {x, dk4}, ConvAttrs({1, 1, 1, 1}, "VALID"));
                    y = e.OpT("separable_conv2d", "Conv2D", {y, pk4}, ConvAttrs({1, 1, 1, 1}, "VALID"));
                    y = e.OpT("Squeeze", "Squeeze", {y}, {{"squeeze_dims", attr::IntList({1})}});
                    e.Output(Bias(e, y, "separable_conv1d", 3, 3));
                  }});
  out->push_back({"conv3d_transpose", "Conv3DTranspose", "kernel 2, strides 2, padding valid: Conv3DBackpropInputV2",
                  {{"conv3d_transpose_input", kF, {2, 2, 2, 2}}}, {{"conv3d_transpose", kF, {4, 4, 4, 3}}}, [](Emitter& e) {
                    e.Layer("conv3d_transpose");
                    const std::string shape = e.OpT("Shape", "Shape", {e.Input(0)});
                    const std::string batch = e.Op("strided_slice", "StridedSlice",
                                                   {shape, e.ConstI32("strided_slice/stack", {0}), e.ConstI32("strided_slice/stack_1", {1}),
                                                    e.ConstI32("strided_slice/stack_2", {1})},
                                                   {{"Index", attr::Type(kI)}, {"T", attr::Type(kI)}, {"shrink_axis_mask", attr::Int(1)}});
                    const std::string os = e.Op("stack", "Pack", {batch, e.ConstI32("stack/1", {4}, true), e.ConstI32("stack/2", {4}, true),
                                                                  e.ConstI32("stack/3", {4}, true), e.ConstI32("stack/4", {3}, true)},
                                                {{"N", attr::Int(5)}, {"T", attr::Type(kI)}});
                    const std::string k = e.Weight("kernel", Weights("conv3d_transpose/kernel", {2, 2, 2, 3, 2}), "conv3d_transpose");
                    std::string y = e.OpT("conv3d_transpose", "Conv3DBackpropInputV2", {os, k, e.Input(0)},
                                          {{"strides", attr::IntList({1, 2, 2, 2, 1})}, {"padding", attr::Str("VALID")},
                                           {"Tshape", attr::Type(kI)}});
                    e.Output(Bias(e, y, "conv3d_transpose", 3, 5));
                  }});
  out->push_back({"conv2d_groups", "Conv2D", "groups 2: one Conv2D whose filter depth is in_channels / groups",
                  {{"conv2d_input", kF, {4, 4, 4}}}, {{"conv2d", kF, {2, 2, 4}}}, [](Emitter& e) {
                    e.Layer("conv2d");
                    const std::string n = ConvName(e);
                    const std::string k = e.Weight("kernel", Weights("conv2d/kernel", {3, 3, 2, 4}), n);
                    std::string y = e.OpT(n, "Conv2D", {e.Input(0), k}, ConvAttrs({1, 1, 1, 1}, "VALID"));
                    e.Output(Bias(e, y, "conv2d", 4, 4));
                  }});
  out->push_back({"conv3d", "Conv3D", "2x2x2, strides 1, padding valid",
                  {{"conv3d_input", kF, {3, 3, 3, 2}}}, {{"conv3d", kF, {2, 2, 2, 3}}}, [](Emitter& e) {
                    e.Layer("conv3d");
                    const std::string n = e.keras3() ? "convolution" : "Conv3D";
                    const std::string k = e.Weight("kernel", Weights("conv3d/kernel", {2, 2, 2, 2, 3}), n);
                    std::string y = e.OpT(n, "Conv3D", {e.Input(0), k},
                                          {{"strides", attr::IntList({1, 1, 1, 1, 1})}, {"padding", attr::Str("VALID")}});
                    e.Output(Bias(e, y, "conv3d", 3, 5));
                  }});
}

}  // namespace serval::zoo
