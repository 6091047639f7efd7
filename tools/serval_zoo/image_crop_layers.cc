// Image preprocessing that crops: Resizing(crop_to_aspect_ratio=True) and CenterCrop.
//
// Keras 2 (tf.keras 2.14) crops through image_utils.smart_resize (a crop box computed from the
// dynamic Shape, Slice, then tf.image.resize), and its CenterCrop decides between cropping and
// smart_resize with tf.cond on the dynamic input size: a StatelessIf whose branches are library
// functions. Keras 3's TensorFlow backend computes the same crop box but slices with a strided
// slice, and its CenterCrop reads the static height/width in Python, so the export holds only the
// taken path (a constant StridedSlice).
#include "tools/serval_zoo/zoo.h"

#include "serval/loader/op_defs.h"

namespace serval::zoo {
namespace {

const DataType kF = DataType::kFloat;
const DataType kI = DataType::kInt32;
const DataType kD = DataType::kDouble;

// Where nodes go: the traced function through the Emitter (scoped to the layer), or a cond branch
// function. Both resolve a node's output arg name from its OpDef.
class Nodes {
 public:
  explicit Nodes(Emitter* e) : e_(e) {}
  Nodes(FunctionBuilder* f, std::string prefix) : f_(f), prefix_(std::move(prefix)) {}

  std::string Op(const std::string& name, const std::string& op, std::vector<std::string> in, Attrs a = {}) {
    if (e_) return e_->Op(name, op, std::move(in), std::move(a));
    f_->AddNode(prefix_ + name, op, std::move(in), std::move(a));
    const tensorflow::OpDef* def = loader::FindBuiltinOpDef(op);
    return FunctionBuilder::Ref(prefix_ + name, def && def->output_arg_size() ? def->output_arg(0).name() : "output", 0);
  }
  std::string OpT(const std::string& name, const std::string& op, std::vector<std::string> in, DataType t, Attrs a = {}) {
    a["T"] = attr::Type(t);
    return Op(name, op, std::move(in), std::move(a));
  }
  std::string Cast(const std::string& name, const std::string& x, DataType from, DataType to) {
    return Op(name, "Cast", {x}, {{"SrcT", attr::Type(from)}, {"DstT", attr::Type(to)}, {"Truncate", attr::Bool(false)}});
  }
  std::string I32(const std::string& name, std::vector<int32_t> v, bool scalar = false) {
    const Tensor t = scalar ? Tensor::Scalar<int32_t>(v.at(0))
                            : Tensor::FromVector<int32_t>(v, TensorShape{static_cast<int64_t>(v.size())});
    return e_ ? e_->Const(name, t) : f_->AddConst(prefix_ + name, t);
  }
  std::string F32(const std::string& name, float v) {
    return e_ ? e_->Const(name, Tensor::Scalar<float>(v)) : f_->AddConst(prefix_ + name, Tensor::Scalar<float>(v));
  }
  std::string Str(const std::string& name, const std::string& v) {
    const Tensor t = Tensor::Scalar<std::string>(v);
    return e_ ? e_->Const(name, t) : f_->AddConst(prefix_ + name, t);
  }
  // shape[i] of an int32 shape vector (negative i counts from the end), as `shape[i]` traces.
  std::string Dim(const std::string& name, const std::string& shape, int32_t i) {
    return Op(name, "StridedSlice", {shape, I32(name + "/stack", {i}), I32(name + "/stack_1", {i + 1 == 0 ? 0 : i + 1}),
                                     I32(name + "/stack_2", {1})},
              {{"Index", attr::Type(kI)}, {"T", attr::Type(kI)}, {"shrink_axis_mask", attr::Int(1)},
               {"end_mask", attr::Int(i == -1 ? 1 : 0)}});
  }

 private:
  Emitter* e_ = nullptr;
  FunctionBuilder* f_ = nullptr;
  std::string prefix_;
};

// int32 `a` * k / d in float32, truncated back to int32: tf.cast(tf.cast(a * k, "float32") / d, "int32").
std::string ScaleDiv(Nodes& n, const std::string& p, const std::string& a, int32_t k, float d, int& cast) {
  std::string x = a;
  if (k != 1) x = n.OpT(p.empty() ? "mul" : "mul_" + p, "Mul", {a, n.I32((p.empty() ? "mul" : "mul_" + p) + "/y", {k}, true)}, kI);
  const std::string c = n.Cast("Cast" + (cast ? "_" + std::to_string(cast) : ""), x, kI, kF);
  ++cast;
  const std::string div_name = "truediv" + (p.empty() ? "" : "_" + p);
  const std::string q = n.OpT(div_name, "RealDiv", {c, n.F32(div_name + "/y", d)}, kF);
  const std::string r = n.Cast("Cast_" + std::to_string(cast), q, kF, kI);
  ++cast;
  return r;
}

struct CropBox {
  std::string h0, w0, ch, cw;
};

// The crop box both Keras versions compute for an aspect-ratio crop of a [N,H,W,C] image to
// target (th, tw): ch = min(H, int(float(W * th) / tw)), cw = min(W, int(float(H * tw) / th))
// (Keras 3 also clamps them to >= 1), start = int(float(dim - crop) / 2).
CropBox AspectCropBox(Nodes& n, const std::string& x, int32_t th, int32_t tw, bool keras3) {
  const std::string shape = n.OpT("Shape", "Shape", {x}, kF, {{"out_type", attr::Type(kI)}});
  const std::string h = n.Dim("strided_slice", shape, -3);
  const std::string w = n.Dim("strided_slice_1", shape, -2);
  int cast = 0;
  std::string ch = ScaleDiv(n, "", w, th, static_cast<float>(tw), cast);
  ch = n.OpT("Minimum", "Minimum", {h, ch}, kI);
  if (keras3) ch = n.OpT("Maximum", "Maximum", {ch, n.I32("Maximum/y", {1}, true)}, kI);
  std::string cw = ScaleDiv(n, "1", h, tw, static_cast<float>(th), cast);
  cw = n.OpT("Minimum_1", "Minimum", {w, cw}, kI);
  if (keras3) cw = n.OpT("Maximum_1", "Maximum", {cw, n.I32("Maximum_1/y", {1}, true)}, kI);
  const std::string hd = n.OpT("sub", "Sub", {h, ch}, kI);
  const std::string h0 = ScaleDiv(n, "2", hd, 1, 2.0f, cast);
  const std::string wd = n.OpT("sub_1", "Sub", {w, cw}, kI);
  const std::string w0 = ScaleDiv(n, "3", wd, 1, 2.0f, cast);
  return {h0, w0, ch, cw};
}

std::string ResizeBilinear(Nodes& n, const std::string& x, int32_t th, int32_t tw) {
  return n.OpT("resize/ResizeBilinear", "ResizeBilinear", {x, n.I32("resize/size", {th, tw})}, kF,
               {{"half_pixel_centers", attr::Bool(true)}, {"align_corners", attr::Bool(false)}});
}

// Keras 2 image_utils.smart_resize on a rank-4 image: Slice by the aspect-ratio crop box, then
// tf.image.resize (bilinear).
std::string SmartResize(Nodes& n, const std::string& x, int32_t th, int32_t tw) {
  const CropBox b = AspectCropBox(n, x, th, tw, false);
  const std::string begin = n.Op("stack", "Pack", {n.I32("stack/0", {0}, true), b.h0, b.w0, n.I32("stack/3", {0}, true)},
                                 {{"N", attr::Int(4)}, {"T", attr::Type(kI)}, {"axis", attr::Int(0)}});
  const std::string size = n.Op("stack_1", "Pack", {n.I32("stack_1/0", {-1}, true), b.ch, b.cw, n.I32("stack_1/3", {-1}, true)},
                                {{"N", attr::Int(4)}, {"T", attr::Type(kI)}, {"axis", attr::Int(0)}});
  const std::string crop = n.OpT("Slice", "Slice", {x, begin, size}, kF, {{"Index", attr::Type(kI)}});
  return ResizeBilinear(n, crop, th, tw);
}

// Keras 3 backend image.resize(crop_to_aspect_ratio=True): the same box, cut with
// images[:, h0:h0+ch, w0:w0+cw, :] (StridedSlice, begin/end packed, masks on the batch and
// channel axes), then tf.image.resize.
std::string Keras3AspectResize(Nodes& n, const std::string& x, int32_t th, int32_t tw) {
  const CropBox b = AspectCropBox(n, x, th, tw, true);
  const std::string h1 = n.OpT("add", "AddV2", {b.h0, b.ch}, kI);
  const std::string w1 = n.OpT("add_1", "AddV2", {b.w0, b.cw}, kI);
  const Attrs pack = {{"N", attr::Int(4)}, {"T", attr::Type(kI)}, {"axis", attr::Int(0)}};
  const std::string begin =
      n.Op("strided_slice_2/stack", "Pack", {n.I32("strided_slice_2/stack/0", {0}, true), b.h0, b.w0, n.I32("strided_slice_2/stack/3", {0}, true)}, pack);
  const std::string end =
      n.Op("strided_slice_2/stack_1", "Pack", {n.I32("strided_slice_2/stack_1/0", {0}, true), h1, w1, n.I32("strided_slice_2/stack_1/3", {0}, true)}, pack);
  const std::string crop = n.Op("strided_slice_2", "StridedSlice", {x, begin, end, n.I32("strided_slice_2/stack_2", {1, 1, 1, 1})},
                                {{"Index", attr::Type(kI)}, {"T", attr::Type(kF)}, {"begin_mask", attr::Int(9)}, {"end_mask", attr::Int(9)}});
  return ResizeBilinear(n, crop, th, tw);
}

// int32 tensor / 2 as Python 3 division traces it for integers: both sides to float64, RealDiv;
// then tf.cast to int32.
std::string HalfToInt(Nodes& n, const std::string& p, const std::string& x, const std::string& cast_name) {
  const std::string a = n.Cast(p + "/Cast", x, kI, kD);
  const std::string two = n.Cast(p + "/Cast_1", n.I32(p + "/y", {2}, true), kI, kD);
  const std::string q = n.OpT(p, "RealDiv", {a, two}, kD);
  return n.Cast(cast_name, q, kD, kI);
}

// tf.image.crop_to_bounding_box on a [N,H,W,C] image with static H, W, C: the asserts on the
// (dynamic) offsets, a control-dependent Identity, Slice.
std::string CropToBoundingBox(Nodes& n, const std::string& x, const std::string& oh, const std::string& ow,
                              int32_t th, int32_t tw, int32_t h, int32_t w, int32_t c) {
  const std::string p = "crop_to_bounding_box/";
  const std::string shape = n.OpT(p + "Shape", "Shape", {x}, kF, {{"out_type", attr::Type(kI)}});
  n.Op(p + "unstack", "Unpack", {shape}, {{"T", attr::Type(kI)}, {"num", attr::Int(4)}, {"axis", attr::Int(0)}});
  std::vector<std::string> asserts;
  auto check = [&](const std::string& name, const std::string& cond, const std::string& msg) {
    const std::string a = p + name;
    n.Op(a + "/Assert", "Assert", {cond, n.Str(a + "/Assert/data_0", msg)},
         {{"T", attr::TypeList({DataType::kString})}, {"summarize", attr::Int(3)}});
    asserts.push_back("^" + a + "/Assert");
  };
  check("Assert", n.OpT(p + "GreaterEqual", "GreaterEqual", {ow, n.I32(p + "GreaterEqual/y", {0}, true)}, kI),
        "offset_width must be >= 0.");
  check("Assert_1", n.OpT(p + "GreaterEqual_1", "GreaterEqual", {oh, n.I32(p + "GreaterEqual_1/y", {0}, true)}, kI),
        "offset_height must be >= 0.");
  const std::string aw = n.OpT(p + "add", "AddV2", {n.I32(p + "add/x", {tw}, true), ow}, kI);
  check("Assert_2", n.OpT(p + "LessEqual", "LessEqual", {aw, n.I32(p + "LessEqual/y", {w}, true)}, kI),
        "width must be >= target + offset.");
  const std::string ah = n.OpT(p + "add_1", "AddV2", {n.I32(p + "add_1/x", {th}, true), oh}, kI);
  check("Assert_3", n.OpT(p + "LessEqual_1", "LessEqual", {ah, n.I32(p + "LessEqual_1/y", {h}, true)}, kI),
        "height must be >= target + offset.");
  std::vector<std::string> dep_in = {x};
  dep_in.insert(dep_in.end(), asserts.begin(), asserts.end());
  const std::string img = n.OpT(p + "control_dependency", "Identity", dep_in, kF, {{"_class", [&] {
                                  tensorflow::AttrValue v;
                                  v.mutable_list()->add_s("loc:@" + x.substr(0, x.find(':')));
                                  return v;
                                }()}});
  const Attrs pack = {{"N", attr::Int(4)}, {"T", attr::Type(kI)}, {"axis", attr::Int(0)}};
  const std::string begin = n.Op(p + "stack", "Pack", {n.I32(p + "stack/0", {0}, true), oh, ow, n.I32(p + "stack/3", {0}, true)}, pack);
  const std::string shape1 = n.OpT(p + "Shape_1", "Shape", {img}, kF, {{"out_type", attr::Type(kI)}});
  const std::string batch = n.Dim(p + "strided_slice", shape1, 0);
  const std::string size = n.Op(p + "stack_1", "Pack",
                                {batch, n.I32(p + "stack_1/1", {th}, true), n.I32(p + "stack_1/2", {tw}, true), n.I32(p + "stack_1/3", {c}, true)},
                                pack);
  return n.OpT(p + "Slice", "Slice", {img, begin, size}, kF, {{"Index", attr::Type(kI)}});
}

// CenterCrop(th, tw) on a [h, w, 2] image.
void CenterCrop(Emitter& e, int32_t h, int32_t w, int32_t th, int32_t tw) {
  e.Layer("center_crop");
  const std::string x = e.Input(0);
  if (e.keras3()) {
    // The static sizes are Python ints: the crop box is computed at trace time.
    const bool crop = h >= th && w >= tw;
    int32_t ch = th, cw = tw;
    if (!crop) {  // keras image_utils.smart_resize with static sizes
      ch = std::max(std::min(h, static_cast<int32_t>(static_cast<float>(w * th) / tw)), 1);
      cw = std::max(std::min(w, static_cast<int32_t>(static_cast<float>(h * tw) / th)), 1);
    }
    const int32_t h0 = (h - ch) / 2, w0 = (w - cw) / 2;
    std::string y = e.Op("strided_slice", "StridedSlice",
                         {x, e.ConstI32("strided_slice/stack", {0, h0, w0, 0}),
                          e.ConstI32("strided_slice/stack_1", {0, h0 + ch, w0 + cw, 0}),
                          e.ConstI32("strided_slice/stack_2", {1, 1, 1, 1})},
                         {{"Index", attr::Type(kI)}, {"T", attr::Type(kF)}, {"begin_mask", attr::Int(9)}, {"end_mask", attr::Int(9)}});
    if (!crop) {
      Nodes n(&e);
      y = ResizeBilinear(n, y, th, tw);
    }
    e.Output(y);
    return;
  }
  Nodes n(&e);
  const std::string shape = n.OpT("Shape", "Shape", {x}, kF, {{"out_type", attr::Type(kI)}});
  const std::string hd = n.OpT("sub", "Sub", {n.Dim("strided_slice", shape, 1), n.I32("sub/y", {th}, true)}, kI);
  const std::string wd = n.OpT("sub_1", "Sub", {n.Dim("strided_slice_1", shape, 2), n.I32("sub_1/y", {tw}, true)}, kI);
  const std::string ge = n.OpT("GreaterEqual", "GreaterEqual", {hd, n.I32("GreaterEqual/y", {0}, true)}, kI);
  const std::string ge1 = n.OpT("GreaterEqual_1", "GreaterEqual", {wd, n.I32("GreaterEqual_1/y", {0}, true)}, kI);
  const std::string packed = n.Op("All/input", "Pack", {ge, ge1},
                                  {{"N", attr::Int(2)}, {"T", attr::Type(DataType::kBool)}, {"axis", attr::Int(0)}});
  const std::string all = n.Op("All", "All", {packed, n.I32("Const", {0})},
                               {{"Tidx", attr::Type(kI)}, {"keep_dims", attr::Bool(false)}});
  // cond_v2: both branches take the union of the captured tensors (image, h_diff, w_diff).
  SavedModelBuilder& b = e.builder();
  const int id = b.NextId();
  const PartialShape img(std::vector<int64_t>{-1, h, w, 2});
  FunctionBuilder then_fn = b.NewFunction("cond_true_" + std::to_string(id));
  FunctionBuilder else_fn = b.NewFunction("cond_false_" + std::to_string(id));
  {
    const std::string in = then_fn.AddInput("crop_to_bounding_box_image", kF, img);
    const std::string hd_arg = then_fn.AddInput("truediv_sub", kI, PartialShape(std::vector<int64_t>{}));
    const std::string wd_arg = then_fn.AddInput("truediv_1_sub_1", kI, PartialShape(std::vector<int64_t>{}));
    Nodes t(&then_fn, "");
    const std::string oh = HalfToInt(t, "truediv", hd_arg, "Cast");
    const std::string ow = HalfToInt(t, "truediv_1", wd_arg, "Cast_1");
    then_fn.AddOutput(CropToBoundingBox(t, in, oh, ow, th, tw, h, w, 2), kF, PartialShape({-1, th, tw, 2}));
  }
  {
    const std::string in = else_fn.AddInput("shape_inputs", kF, img);
    else_fn.AddInput("placeholder", kI, PartialShape(std::vector<int64_t>{}));
    else_fn.AddInput("placeholder_1", kI, PartialShape(std::vector<int64_t>{}));
    Nodes f(&else_fn, "");
    else_fn.AddOutput(SmartResize(f, in, th, tw), kF, PartialShape({-1, th, tw, -1}));
  }
  b.AddFunction(then_fn);
  b.AddFunction(else_fn);
  const std::string cond = e.Op("cond", "StatelessIf", {all, x, hd, wd},
                                {{"Tcond", attr::Type(DataType::kBool)},
                                 {"Tin", attr::TypeList({kF, kI, kI})},
                                 {"Tout", attr::TypeList({kF})},
                                 {"then_branch", attr::Func(then_fn.name())},
                                 {"else_branch", attr::Func(else_fn.name())},
                                 {"output_shapes", attr::ShapeList({PartialShape({-1, -1, -1, 2})})},
                                 {"_lower_using_switch_merge", attr::Bool(true)}});
  e.Output(e.OpT("cond/Identity", "Identity", {cond}));
}

}  // namespace

void AddImageCropCases(std::vector<Case>* out) {
  out->push_back({"resizing_crop_to_aspect_ratio", "Resizing",
                  "[5,6,2] to [2,4], bilinear, crop_to_aspect_ratio: crop box from the dynamic Shape (Mul, Cast, RealDiv, "
                  "Minimum, Sub; Keras 3 also Maximum 1) = rows 1..3, all columns; Keras 2 smart_resize Slice, Keras 3 "
                  "StridedSlice with packed begin/end; then ResizeBilinear (half_pixel_centers)",
                  {{"resizing_input", kF, {5, 6, 2}}}, {{"resizing", kF, {2, 4, 2}}}, [](Emitter& e) {
                    e.Layer("resizing");
                    Nodes n(&e);
                    e.Output(e.keras3() ? Keras3AspectResize(n, e.Input(0), 2, 4) : SmartResize(n, e.Input(0), 2, 4));
                  }});
  out->push_back({"center_crop", "CenterCrop",
                  "[5,6,2] to [3,4]. Keras 2: tf.cond on the dynamic size (Shape, Sub, GreaterEqual, Pack, All) -> "
                  "StatelessIf; then branch: offsets int((H-3)/2), int((W-4)/2) in float64, "
                  "tf.image.crop_to_bounding_box (Asserts, Slice); else branch: smart_resize. Keras 3 reads the "
                  "static size: one constant StridedSlice [:, 1:4, 1:5, :]",
                  {{"center_crop_input", kF, {5, 6, 2}}}, {{"center_crop", kF, {3, 4, 2}}}, [](Emitter& e) { CenterCrop(e, 5, 6, 3, 4); }});
  out->push_back({"center_crop_upsize", "CenterCrop",
                  "[3,3,2] to [4,5] (larger than the input). Keras 2: the same StatelessIf, taking the else branch: "
                  "smart_resize (aspect crop rows 0..1, columns 0..2, Slice, ResizeBilinear); Keras 3: the static crop "
                  "box as a constant StridedSlice, then ResizeBilinear",
                  {{"center_crop_input", kF, {3, 3, 2}}}, {{"center_crop", kF, {4, 5, 2}}},
                  [](Emitter& e) { CenterCrop(e, 3, 3, 4, 5); }});
}

}  // namespace serval::zoo
