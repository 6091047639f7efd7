// Reshaping layers: Flatten, Reshape, Permute, RepeatVector, Cropping2D, ZeroPadding2D,
// UpSampling2D (nearest and bilinear, through tf.image.resize with half-pixel centers).
#include "tools/serval_zoo/zoo.h"

namespace serval::zoo {
namespace {

const DataType kF = DataType::kFloat;
const DataType kI = DataType::kInt32;

std::string Slice(Emitter& e, const std::string& n, const std::string& x, std::vector<int32_t> b, std::vector<int32_t> en,
                  std::vector<int32_t> s, Attrs masks, DataType t) {
  Attrs a = std::move(masks);
  a["Index"] = attr::Type(kI);
  a["T"] = attr::Type(t);
  return e.Op(n, "StridedSlice", {x, e.ConstI32(n + "/stack", b), e.ConstI32(n + "/stack_1", en), e.ConstI32(n + "/stack_2", s)}, a);
}

}  // namespace

void AddReshapingCases(std::vector<Case>* out) {
  out->push_back({"flatten", "Flatten", "Reshape to [-1, 12]", {{"flatten_input", kF, {2, 3, 2}}}, {{"flatten", kF, {12}}},
                  [](Emitter& e) {
                    e.Layer("flatten");
                    e.Output(e.OpT("Reshape", "Reshape", {e.Input(0), e.ConstI32("Const", {-1, 12})}, {{"Tshape", attr::Type(kI)}}));
                  }});
  out->push_back({"reshape_permute", "Reshape, Permute",
                  "Reshape((3, 4)) packs the dynamic batch with the target shape; Permute((2, 1)) is a Transpose",
                  {{"reshape_input", kF, {12}}}, {{"permute", kF, {4, 3}}}, [](Emitter& e) {
                    e.Layer("reshape");
                    const std::string shape = e.OpT("Shape", "Shape", {e.Input(0)});
                    const std::string n = Slice(e, "strided_slice", shape, {0}, {1}, {1}, {{"shrink_axis_mask", attr::Int(1)}}, kI);
                    const std::string s = e.Op("Reshape/shape", "Pack", {n, e.ConstI32("Reshape/shape/1", {3}, true),
                                                                          e.ConstI32("Reshape/shape/2", {4}, true)},
                                               {{"N", attr::Int(3)}, {"T", attr::Type(kI)}});
                    const std::string r = e.OpT("Reshape", "Reshape", {e.Input(0), s}, {{"Tshape", attr::Type(kI)}});
                    e.Layer("permute");
                    e.Output(e.OpT("transpose", "Transpose", {r, e.ConstI32("transpose/perm", {0, 2, 1})}, {{"Tperm", attr::Type(kI)}}));
                  }});
  out->push_back({"repeat_vector", "RepeatVector", "n 3: ExpandDims then Tile [1, 3, 1]", {{"repeat_vector_input", kF, {4}}},
                  {{"repeat_vector", kF, {3, 4}}}, [](Emitter& e) {
                    e.Layer("repeat_vector");
                    const std::string x = e.OpT("ExpandDims", "ExpandDims", {e.Input(0), e.ConstI32("ExpandDims/dim", {1}, true)},
                                                {{"Tdim", attr::Type(kI)}});
                    e.Output(e.OpT("Tile", "Tile", {x, e.ConstI32("stack", {1, 3, 1})}, {{"Tmultiples", attr::Type(kI)}}));
                  }});
  out->push_back({"cropping_padding", "Cropping2D, ZeroPadding2D",
                  "Cropping2D(((1, 1), (1, 2))) as StridedSlice with begin/end masks; ZeroPadding2D(((1, 0), (2, 1))) as Pad",
                  {{"cropping2d_input", kF, {5, 6, 2}}}, {{"zero_padding2d", kF, {4, 6, 2}}}, [](Emitter& e) {
                    e.Layer("cropping2d");
                    const std::string c = Slice(e, "strided_slice", e.Input(0), {0, 1, 1, 0}, {0, -1, -2, 0}, {1, 1, 1, 1},
                                                {{"begin_mask", attr::Int(9)}, {"end_mask", attr::Int(9)}}, kF);
                    e.Layer("zero_padding2d");
                    const Tensor pads = Tensor::FromVector<int32_t>({0, 0, 1, 0, 2, 1, 0, 0}, TensorShape{4, 2});
                    e.Output(e.OpT("Pad", "Pad", {c, e.Const("Pad/paddings", pads)}, {{"Tpaddings", attr::Type(kI)}}));
                  }});
  out->push_back({"padding_cropping_upsampling1d", "ZeroPadding1D, Cropping1D, UpSampling1D",
                  "ZeroPadding1D((1, 2)) as Pad; Cropping1D((1, 1)) as StridedSlice; UpSampling1D(2) as backend.repeat_elements: "
                  "Split into steps, ConcatV2 of each step twice",
                  {{"zero_padding1d_input", kF, {3, 2}}}, {{"up_sampling1d", kF, {8, 2}}}, [](Emitter& e) {
                    e.Layer("zero_padding1d");
                    const Tensor pads = Tensor::FromVector<int32_t>({0, 0, 1, 2, 0, 0}, TensorShape{3, 2});
                    const std::string p = e.OpT("Pad", "Pad", {e.Input(0), e.Const("Pad/paddings", pads)}, {{"Tpaddings", attr::Type(kI)}});
                    e.Layer("cropping1d");
                    const std::string c = Slice(e, "strided_slice", p, {0, 1, 0}, {0, -1, 0}, {1, 1, 1},
                                                {{"begin_mask", attr::Int(5)}, {"end_mask", attr::Int(5)}}, kF);
                    e.Layer("up_sampling1d");
                    e.OpT("split", "Split", {e.ConstI32("split/split_dim", {1}, true), c}, {{"num_split", attr::Int(4)}});
                    std::vector<std::string> parts;
                    for (int i = 0; i < 4; ++i) {
                      parts.push_back(FunctionBuilder::Ref(e.scope() + "/split", "output", i));
                      parts.push_back(parts.back());
                    }
                    parts.push_back(e.ConstI32("concat/axis", {1}, true));
                    e.Output(e.OpT("concat", "ConcatV2", parts, {{"N", attr::Int(8)}, {"Tidx", attr::Type(kI)}}));
                  }});
  out->push_back({"padding_cropping3d", "ZeroPadding3D, Cropping3D",
                  "ZeroPadding3D(1) as Pad on 5-D; Cropping3D(((1, 0), (0, 1), (1, 1))) as StridedSlice with masks",
                  {{"zero_padding3d_input", kF, {2, 2, 3, 2}}}, {{"cropping3d", kF, {3, 3, 3, 2}}}, [](Emitter& e) {
                    e.Layer("zero_padding3d");
                    const Tensor pads = Tensor::FromVector<int32_t>({0, 0, 1, 1, 1, 1, 1, 1, 0, 0}, TensorShape{5, 2});
                    const std::string p = e.OpT("Pad", "Pad", {e.Input(0), e.Const("Pad/paddings", pads)}, {{"Tpaddings", attr::Type(kI)}});
                    e.Layer("cropping3d");
                    e.Output(Slice(e, "strided_slice", p, {0, 1, 0, 1, 0}, {0, 0, -1, -1, 0}, {1, 1, 1, 1, 1},
                                   {{"begin_mask", attr::Int(17)}, {"end_mask", attr::Int(19)}}, kF));
                  }});
  out->push_back({"up_sampling3d", "UpSampling3D",
                  "size (2, 1, 2): backend.repeat_elements per axis (Split into slices, ConcatV2 of each slice repeated)",
                  {{"up_sampling3d_input", kF, {2, 2, 2, 1}}}, {{"up_sampling3d", kF, {4, 2, 4, 1}}}, [](Emitter& e) {
                    e.Layer("up_sampling3d");
                    std::string x = e.Input(0);
                    int n = 0;
                    for (const int axis : {1, 3}) {
                      const std::string sp = n == 0 ? "split" : "split_1";
                      const std::string cc = n == 0 ? "concat" : "concat_1";
                      e.OpT(sp, "Split", {e.ConstI32(sp + "/split_dim", {axis}, true), x}, {{"num_split", attr::Int(2)}});
                      std::vector<std::string> parts;
                      for (int i = 0; i < 2; ++i) {
                        parts.push_back(FunctionBuilder::Ref(e.scope() + "/" + sp, "output", i));
                        parts.push_back(parts.back());
                      }
                      parts.push_back(e.ConstI32(cc + "/axis", {axis}, true));
                      x = e.OpT(cc, "ConcatV2", parts, {{"N", attr::Int(4)}, {"Tidx", attr::Type(kI)}});
                      ++n;
                    }
                    e.Output(x);
                  }});
  for (const bool bilinear : {false, true}) {
    out->push_back({bilinear ? "up_sampling2d_bilinear" : "up_sampling2d", "UpSampling2D",
                    std::string("size 2, ") + (bilinear ? "bilinear: ResizeBilinear" : "nearest: ResizeNearestNeighbor") +
                        " (half_pixel_centers) to Shape[1:3] * 2",
                    {{"up_sampling2d_input", kF, {3, 2, 2}}}, {{"up_sampling2d", kF, {6, 4, 2}}}, [bilinear](Emitter& e) {
                      e.Layer("up_sampling2d");
                      const std::string shape = e.OpT("Shape", "Shape", {e.Input(0)});
                      const std::string hw = Slice(e, "strided_slice", shape, {1}, {3}, {1}, {}, kI);
                      const std::string size = e.Op("mul", "Mul", {hw, e.ConstI32("Const", {2, 2})}, {{"T", attr::Type(kI)}});
                      const std::string op = bilinear ? "ResizeBilinear" : "ResizeNearestNeighbor";
                      e.Output(e.OpT("resize/" + op, op, {e.Input(0), size}, {{"half_pixel_centers", attr::Bool(true)}}));
                    }});
  }
}

}  // namespace serval::zoo
