// Conv3D and Conv3DBackpropInputV2 (Keras Conv3D / Conv3DTranspose), NDHWC, on oneDNN. The filter
// is DHWIO [KD, KH, KW, in_C / groups, out_C]; an input depth that is a multiple of the filter's
// in-depth is a grouped convolution (as TF's oneDNN CPU path runs it). A constant filter is
// reordered once into the primitive's preferred layout; one primitive is cached per input shape.
// Half is computed in float and rounded once.
#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/conv_util.h"
#include "serval/kernels/cpu/onednn_util.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using dnnl::memory;
using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

struct Conv3DParams {
  std::array<int64_t, 3> strides{1, 1, 1};
  std::array<int64_t, 3> dilations{1, 1, 1};
  Padding padding = Padding::kValid;
};

Result<Conv3DParams> ParseConv3DParams(const KernelInfo& info, const std::string& op) {
  const std::string fmt = info.GetStringOr("data_format", "NDHWC");
  if (fmt != "NDHWC") {
    return Unimplemented(StrCat(op, ": data_format '", fmt, "' is not supported on CPU (only NDHWC)"));
  }
  Conv3DParams p;
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> s, info.GetIntList("strides"));
  if (s.size() != 5) return InvalidArgument(StrCat(op, ": sliding window strides field must specify 5 dimensions"));
  if (s[0] != 1 || s[4] != 1) {
    return InvalidArgument(StrCat(op, ": current implementation does not yet support strides in the batch and depth "
                                      "dimensions"));
  }
  std::vector<int64_t> d = {1, 1, 1, 1, 1};
  if (info.FindAttr("dilations") != nullptr) {
    SERVAL_ASSIGN_OR_RETURN(d, info.GetIntList("dilations"));
    if (d.empty()) d = {1, 1, 1, 1, 1};
  }
  if (d.size() != 5) return InvalidArgument(StrCat(op, ": dilation rates field must specify 5 dimensions"));
  if (d[0] != 1 || d[4] != 1) {
    return InvalidArgument(StrCat(op, ": current implementation does not yet support dilation rates in the batch and "
                                      "depth dimensions"));
  }
  for (int i = 0; i < 3; ++i) {
    p.strides[static_cast<size_t>(i)] = s[static_cast<size_t>(i) + 1];
    p.dilations[static_cast<size_t>(i)] = d[static_cast<size_t>(i) + 1];
    if (p.strides[static_cast<size_t>(i)] < 1 || p.dilations[static_cast<size_t>(i)] < 1) {
      return InvalidArgument(StrCat(op, ": strides and dilations must be positive"));
    }
  }
  SERVAL_ASSIGN_OR_RETURN(std::string pad, info.GetString("padding"));
  SERVAL_ASSIGN_OR_RETURN(p.padding, ParsePadding(pad, op, /*allow_explicit=*/false));
  return p;
}

Tensor ToFloat(const Tensor& t) {
  if (t.dtype() == DataType::kFloat) return t;
  Tensor out(DataType::kFloat, t.shape());
  auto in = t.flat<Half>();
  auto o = out.flat<float>();
  for (size_t i = 0; i < in.size(); ++i) o[i] = HalfToFloat(in[i]);
  return out;
}

// DHWIO filter bytes as grouped oneDNN weights {G, O/G, I, KD, KH, KW} (I = in-depth per group).
memory::desc FilterDesc(const TensorShape& f, int64_t groups) {
  const int64_t kd = f.dim(0), kh = f.dim(1), kw = f.dim(2), i = f.dim(3), o = f.dim(4);
  return memory::desc({groups, o / groups, i, kd, kh, kw}, memory::data_type::f32,
                      memory::dims{o / groups, 1, o, kh * kw * i * o, kw * i * o, i * o});
}

// The geometry of one forward convolution: x [N, D, H, W, C] * f -> y [N, OD, OH, OW, O].
struct Geometry {
  int64_t n, c, o, groups;
  std::array<int64_t, 3> in, k, out, pad_l, pad_r;
  memory::desc x_md() const {
    return memory::desc({n, c, in[0], in[1], in[2]}, memory::data_type::f32, memory::format_tag::ndhwc);
  }
  memory::desc y_md() const {
    return memory::desc({n, o, out[0], out[1], out[2]}, memory::data_type::f32, memory::format_tag::ndhwc);
  }
  memory::desc any_w() const {
    return memory::desc({groups, o / groups, c / groups, k[0], k[1], k[2]}, memory::data_type::f32,
                        memory::format_tag::any);
  }
  std::vector<int64_t> key() const { return {n, in[0], in[1], in[2], c, k[0], k[1], k[2], c / groups, o}; }
};

// Checks x (NDHWC) against f (DHWIO) and computes the output geometry with TF's rules.
Result<Geometry> MakeGeometry(const std::string& op, const Conv3DParams& p, const TensorShape& x,
                              const TensorShape& f) {
  auto shapes = [&] { return StrCat("input is ", x.ToString(), ", filter is ", f.ToString()); };
  if (x.rank() != 5) return InvalidArgument(StrCat(op, ": input must be 5-dimensional: ", shapes()));
  if (f.rank() != 5) return InvalidArgument(StrCat(op, ": filter must be 5-dimensional: ", shapes()));
  Geometry g;
  g.n = x.dim(0);
  g.c = x.dim(4);
  g.o = f.dim(4);
  const int64_t fc = f.dim(3);
  if (fc <= 0) return InvalidArgument(StrCat(op, ": filter in_depth must be positive: ", shapes()));
  if (g.c % fc != 0) {
    return InvalidArgument(
        StrCat(op, ": input depth must be evenly divisible by filter depth: ", g.c, " vs ", fc, " (", shapes(), ")"));
  }
  g.groups = g.c / fc;
  if (g.groups == 0) g.groups = 1;
  if (g.o % g.groups != 0) {
    return InvalidArgument(StrCat(op, ": number of output channels (", g.o, ") must be a multiple of the number of groups (",
                                  g.groups, "): ", shapes()));
  }
  for (size_t i = 0; i < 3; ++i) {
    g.in[i] = x.dim(static_cast<int>(i) + 1);
    g.k[i] = f.dim(static_cast<int>(i));
    SERVAL_ASSIGN_OR_RETURN(WindowDim w, ComputeWindow(op, g.in[i], g.k[i], p.strides[i], p.dilations[i], p.padding));
    g.out[i] = w.out;
    g.pad_l[i] = w.pad_before;
    g.pad_r[i] = w.pad_after;
  }
  return g;
}

// Shared by the forward and the backward-data kernels: holds the (optional) packed filter and the
// two primitive caches; `forward` selects which primitive Make builds.
class Conv3DKernelBase : public Kernel {
 public:
  Conv3DKernelBase(std::string op, DataType dt, Conv3DParams p, std::optional<Tensor> filter)
      : op_(std::move(op)), dt_(dt), p_(p) {
    if (filter) filter_ = ToFloat(*filter);
  }

 protected:

  // The packer of the constant filter viewed as `groups` groups (made on first use: the group
  // count depends on the input depth).
  const onednn::WeightPacker* Packer(int64_t groups) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto& p = packers_[groups];
    if (p == nullptr) p = std::make_unique<onednn::WeightPacker>(filter_, FilterDesc(filter_.shape(), groups));
    return p.get();
  }

  Result<std::shared_ptr<const onednn::CachedPrimitive>> Make(const Geometry& g, bool forward,
                                                              const onednn::WeightPacker* packer) const {
    try {
      auto e = std::make_shared<onednn::CachedPrimitive>();
      const memory::dims strides{p_.strides[0], p_.strides[1], p_.strides[2]};
      const memory::dims dil{p_.dilations[0] - 1, p_.dilations[1] - 1, p_.dilations[2] - 1};
      const memory::dims pl{g.pad_l[0], g.pad_l[1], g.pad_l[2]}, pr{g.pad_r[0], g.pad_r[1], g.pad_r[2]};
      const memory::desc x_md = g.x_md(), y_md = g.y_md();
      if (forward) {
        dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                          x_md, g.any_w(), y_md, strides, dil, pl, pr);
        dnnl::convolution_forward::primitive_desc pd(d, onednn::UserScratchpadAttr(), onednn::Engine());
        e->src_md = x_md;
        e->dst_md = y_md;
        e->weights_md = pd.weights_desc();
        e->scratchpad_md = pd.scratchpad_desc();
        e->prim = dnnl::convolution_forward(pd);
      } else {
        dnnl::convolution_forward::primitive_desc hint(
            dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                            x_md, g.any_w(), y_md, strides, dil, pl, pr),
            onednn::Engine());
        dnnl::convolution_backward_data::primitive_desc pd(
            dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, x_md, g.any_w(), y_md, strides,
                                                  dil, pl, pr),
            onednn::UserScratchpadAttr(), onednn::Engine(), hint);
        e->src_md = y_md;  // the primitive reads out_backprop and writes the input-shaped result
        e->dst_md = x_md;
        e->weights_md = pd.weights_desc();
        e->scratchpad_md = pd.scratchpad_desc();
        e->prim = dnnl::convolution_backward_data(pd);
      }
      if (packer != nullptr) {
        SERVAL_ASSIGN_OR_RETURN(e->packed_weights, packer->Get(e->weights_md));
      }
      return std::shared_ptr<const onednn::CachedPrimitive>(e);
    } catch (const dnnl::error& err) {
      return onednn::FromDnnlError((op_ + ": creating primitive").c_str(), err);
    }
  }

  // Runs the primitive for geometry g reading `in` (float) and writing `out` (dt_).
  Status Execute(const Geometry& g, bool forward, const Tensor& in, const Tensor& f, Tensor& out) const {
    const bool use_packed = filter_.valid() && f.shape() == filter_.shape();
    const onednn::WeightPacker* packer = use_packed ? Packer(g.groups) : nullptr;
    auto entry = (use_packed ? packed_cache_ : plain_cache_).GetOrCreate(g.key(), [&]() {
      return Make(g, forward, packer);
    });
    if (!entry.ok()) return entry.status();
    const onednn::CachedPrimitive& prim = **entry;
    Tensor inf = ToFloat(in);
    Tensor of = dt_ == DataType::kFloat ? out : Tensor(DataType::kFloat, out.shape());
    try {
      const dnnl::engine& eng = onednn::Engine();
      dnnl::stream& s = onednn::ThreadStream();
      memory src(prim.src_md, eng, const_cast<void*>(inf.raw_data()));
      memory dst(prim.dst_md, eng, of.raw_data());
      memory weights;
      Tensor ff;
      if (use_packed) {
        weights = *prim.packed_weights;
      } else {
        ff = ToFloat(f);
        memory user(FilterDesc(f.shape(), g.groups), eng, const_cast<void*>(ff.raw_data()));
        weights = memory(prim.weights_md, eng);
        onednn::Reorder(user, weights);
      }
      prim.prim.execute(s, {{forward ? DNNL_ARG_SRC : DNNL_ARG_DIFF_DST, src},
                            {DNNL_ARG_WEIGHTS, weights},
                            {forward ? DNNL_ARG_DST : DNNL_ARG_DIFF_SRC, dst},
                            {DNNL_ARG_SCRATCHPAD, onednn::ThreadScratchpad(prim.scratchpad_md)}});
      s.wait();
    } catch (const dnnl::error& e) {
      return onednn::FromDnnlError(op_.c_str(), e);
    }
    if (dt_ == DataType::kHalf) {
      auto src = of.flat<float>();
      auto dst = out.flat<Half>();
      for (size_t i = 0; i < src.size(); ++i) dst[i] = FloatToHalf(src[i]);
    }
    return Status::Ok();
  }

  Status CheckDtype(const KernelContext& ctx, int i) const {
    if (ctx.input(i).dtype() != dt_) {
      return InvalidArgument(StrCat(op_, ": input ", i, " has dtype ", DataTypeName(ctx.input(i).dtype()),
                                    ", expected ", DataTypeName(dt_)));
    }
    return Status::Ok();
  }

  std::string op_;
  DataType dt_;
  Conv3DParams p_;

 private:
  Tensor filter_;  // float copy of a constant filter; invalid when the filter is computed
  mutable std::mutex mu_;
  mutable std::map<int64_t, std::unique_ptr<onednn::WeightPacker>> packers_;
  onednn::PrimitiveCache packed_cache_, plain_cache_;
};

class Conv3DKernel final : public Conv3DKernelBase {
 public:
  using Conv3DKernelBase::Conv3DKernelBase;

  Status Compute(KernelContext& ctx) const override {
    SERVAL_RETURN_IF_ERROR(CheckDtype(ctx, 0));
    SERVAL_RETURN_IF_ERROR(CheckDtype(ctx, 1));
    const Tensor& x = ctx.input(0);
    const Tensor& f = ctx.input(1);
    SERVAL_ASSIGN_OR_RETURN(Geometry g, MakeGeometry(op_, p_, x.shape(), f.shape()));
    SERVAL_ASSIGN_OR_RETURN(Tensor * out,
                            ctx.allocate_output(0, dt_, TensorShape{g.n, g.out[0], g.out[1], g.out[2], g.o}));
    if (out->num_elements() == 0) return Status::Ok();
    if (x.num_elements() == 0 || f.num_elements() == 0) {
      std::memset(out->raw_data(), 0, out->byte_size());
      return Status::Ok();
    }
    return Execute(g, /*forward=*/true, x, f, *out);
  }
};

class Conv3DBackpropInputKernel final : public Conv3DKernelBase {
 public:
  using Conv3DKernelBase::Conv3DKernelBase;

  Status Compute(KernelContext& ctx) const override {
    const Tensor& sizes = ctx.input(0);
    SERVAL_RETURN_IF_ERROR(CheckDtype(ctx, 1));
    SERVAL_RETURN_IF_ERROR(CheckDtype(ctx, 2));
    const Tensor& f = ctx.input(1);
    const Tensor& dy = ctx.input(2);
    if (sizes.rank() != 1 || sizes.dim(0) != 5 ||
        (sizes.dtype() != DataType::kInt32 && sizes.dtype() != DataType::kInt64)) {
      return InvalidArgument(StrCat(op_, ": input_sizes must be a 5-element int32 or int64 vector, got ",
                                    DataTypeName(sizes.dtype()), sizes.shape().ToString()));
    }
    std::vector<int64_t> dims;
    for (int64_t i = 0; i < 5; ++i) {
      dims.push_back(sizes.dtype() == DataType::kInt32 ? sizes.flat<int32_t>()[static_cast<size_t>(i)]
                                                       : sizes.flat<int64_t>()[static_cast<size_t>(i)]);
    }
    SERVAL_ASSIGN_OR_RETURN(TensorShape in_shape, TensorShape::Make(dims));
    SERVAL_ASSIGN_OR_RETURN(Geometry g, MakeGeometry(op_, p_, in_shape, f.shape()));
    const TensorShape want{g.n, g.out[0], g.out[1], g.out[2], g.o};
    if (dy.shape() != want) {
      return InvalidArgument(StrCat(op_, ": out_backprop must be ", want.ToString(), " for input_sizes ",
                                    in_shape.ToString(), " and filter ", f.shape().ToString(), ", got ",
                                    dy.shape().ToString()));
    }
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt_, in_shape));
    if (out->num_elements() == 0) return Status::Ok();
    if (dy.num_elements() == 0 || f.num_elements() == 0) {
      std::memset(out->raw_data(), 0, out->byte_size());
      return Status::Ok();
    }
    return Execute(g, /*forward=*/false, dy, f, *out);
  }
};

template <typename K>
runtime::KernelFactory Factory(std::string op, int filter_index) {
  return [op, filter_index](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
    SERVAL_ASSIGN_OR_RETURN(Conv3DParams p, ParseConv3DParams(info, op));
    std::optional<Tensor> filter;
    const Tensor* f = info.constant_input(filter_index);
    if (f != nullptr && f->dtype() == dt && f->rank() == 5 && f->num_elements() > 0) filter = *f;
    return std::unique_ptr<Kernel>(std::make_unique<K>(op, dt, p, std::move(filter)));
  };
}

}  // namespace

void RegisterConv3DKernels(runtime::KernelRegistry& r) {
  r.Register("Conv3D", "T", {DataType::kFloat, DataType::kHalf}, Factory<Conv3DKernel>("Conv3D", 1));
  r.Register("Conv3DBackpropInputV2", "T", {DataType::kFloat, DataType::kHalf},
             Factory<Conv3DBackpropInputKernel>("Conv3DBackpropInputV2", 1));
}

}  // namespace serval::kernels::cpu
