// Conv2D and DepthwiseConv2dNative (NHWC) on oneDNN. The filter (HWIO, or HW-C-multiplier for
// depthwise = a grouped convolution with C groups) is reordered once at load into the layout the
// primitive prefers when it is constant; one primitive is cached per input shape. Half is
// computed in float and rounded once. Conv2D with an input depth that is a multiple G of the
// filter's in-depth is a grouped convolution (Keras groups=G): output channel o reads input
// channels [g*I, (g+1)*I) for g = o / (O/G), as TF defines it.
#include <map>
#include <mutex>
#include <cstring>
#include <memory>
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

Tensor ToFloat(const Tensor& t) {
  if (t.dtype() == DataType::kFloat) return t;
  Tensor out(DataType::kFloat, t.shape());
  auto in = t.flat<Half>();
  auto o = out.flat<float>();
  for (size_t i = 0; i < in.size(); ++i) o[i] = HalfToFloat(in[i]);
  return out;
}

// The filter's bytes as oneDNN weights: dims {O, I, KH, KW} (or {G, O/G, I/G, KH, KW}).
memory::desc FilterDesc(int64_t kh, int64_t kw, int64_t c, int64_t o, bool depthwise, int64_t groups = 1) {
  if (depthwise) {  // TF filter [KH, KW, C, M]
    return memory::desc({c, o, 1, kh, kw}, memory::data_type::f32, memory::dims{o, 1, 1, kw * c * o, c * o});
  }
  if (groups > 1) {  // TF filter [KH, KW, I, O]; output channel o is in group o / (O/G)
    return memory::desc({groups, o / groups, c, kh, kw}, memory::data_type::f32,
                        memory::dims{o / groups, 1, o, kw * c * o, c * o});
  }
  return memory::desc({o, c, kh, kw}, memory::data_type::f32, memory::dims{1, o, kw * c * o, c * o});
}

class ConvKernel final : public Kernel {
 public:
  ConvKernel(std::string op, DataType dt, Conv2DParams p, bool depthwise, std::optional<Tensor> filter)
      : op_(std::move(op)), dt_(dt), p_(std::move(p)), depthwise_(depthwise) {
    if (filter) {
      filter_shape_ = filter->shape();
      filter_ = ToFloat(*filter);
      packer_ = std::make_unique<onednn::WeightPacker>(
          filter_, FilterDesc(filter_.dim(0), filter_.dim(1), filter_.dim(2), filter_.dim(3), depthwise_));
    }
  }

  Status Compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& f = ctx.input(1);
    for (int i = 0; i < 2; ++i) {
      if (ctx.input(i).dtype() != dt_) {
        return InvalidArgument(StrCat(op_, ": input ", i, " has dtype ", DataTypeName(ctx.input(i).dtype()),
                                      ", expected ", DataTypeName(dt_)));
      }
    }
    auto shapes = [&] { return StrCat("input is ", x.shape().ToString(), ", filter is ", f.shape().ToString()); };
    if (x.rank() != 4 || f.rank() != 4)
      return InvalidArgument(StrCat(op_, ": input and filter must be 4-D: ", shapes()));
    const int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
    const int64_t kh = f.dim(0), kw = f.dim(1), fc = f.dim(2), fo = f.dim(3);
    int64_t groups = 1;
    if (depthwise_) {
      if (c != fc) {
        return InvalidArgument(StrCat(op_, ": input depth must equal filter in_depth (dim 2): ", shapes()));
      }
    } else {
      if (fc <= 0 || c % fc != 0) {
        return InvalidArgument(StrCat(op_, ": input depth must be evenly divisible by filter depth: ", c, " vs ", fc,
                                      " (", shapes(), ")"));
      }
      groups = c / fc;
      if (fo % groups != 0) {
        return InvalidArgument(StrCat(op_, ": the number of output channels (", fo,
                                      ") must be a multiple of the number of groups (", groups, "): ", shapes()));
      }
    }
    const int64_t oc = depthwise_ ? c * fo : fo;
    SERVAL_ASSIGN_OR_RETURN(
        WindowDim rows, ComputeWindow(op_, h, kh, p_.stride_h, p_.dilation_h, p_.padding, p_.pad_top, p_.pad_bottom));
    SERVAL_ASSIGN_OR_RETURN(
        WindowDim cols, ComputeWindow(op_, w, kw, p_.stride_w, p_.dilation_w, p_.padding, p_.pad_left, p_.pad_right));
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt_, TensorShape{n, rows.out, cols.out, oc}));
    if (out->num_elements() == 0) return Status::Ok();
    if (kh * kw * c == 0) {
      std::memset(out->raw_data(), 0, out->byte_size());
      return Status::Ok();
    }
    const bool use_packed = packer_ != nullptr && f.shape() == filter_shape_;
    const PrimitiveKey key{n, h, w, c, kh, kw, fc, fo};
    const onednn::WeightPacker* packer = nullptr;
    if (use_packed) {
      SERVAL_ASSIGN_OR_RETURN(packer, Packer(groups));
    }
    auto entry = (use_packed ? packed_cache_ : plain_cache_).GetOrCreate(key, [&]() {
      return MakePrimitive(n, h, w, c, fc, kh, kw, fo, oc, groups, rows, cols, packer);
    });
    if (!entry.ok()) return entry.status();
    const onednn::CachedPrimitive& prim = **entry;

    Tensor xf = ToFloat(x);
    Tensor of = dt_ == DataType::kFloat ? *out : Tensor(DataType::kFloat, out->shape());
    try {
      const dnnl::engine& eng = onednn::Engine();
      dnnl::stream& s = onednn::ThreadStream();
      memory src(prim.src_md, eng, const_cast<void*>(xf.raw_data()));
      memory dst(prim.dst_md, eng, of.raw_data());
      memory weights;
      Tensor ff;
      if (use_packed) {
        weights = *prim.packed_weights;
      } else {
        ff = ToFloat(f);
        memory user(FilterDesc(kh, kw, fc, fo, depthwise_, groups), eng, const_cast<void*>(ff.raw_data()));
        weights = memory(prim.weights_md, eng);
        onednn::Reorder(user, weights);
      }
      prim.prim.execute(s, {{DNNL_ARG_SRC, src},
                            {DNNL_ARG_WEIGHTS, weights},
                            {DNNL_ARG_DST, dst},
                            {DNNL_ARG_SCRATCHPAD, onednn::ThreadScratchpad(prim.scratchpad_md)}});
      s.wait();
    } catch (const dnnl::error& e) {
      return onednn::FromDnnlError(op_.c_str(), e);
    }
    if (dt_ == DataType::kHalf) {
      auto src = of.flat<float>();
      auto dst = out->flat<Half>();
      for (size_t i = 0; i < src.size(); ++i) dst[i] = FloatToHalf(src[i]);
    }
    return Status::Ok();
  }

 private:
  using PrimitiveKey = onednn::PrimitiveCache::Key;

  // The packer for a constant filter viewed as `groups` groups (made on first use: the group count
  // depends on the input depth, unknown at load time).
  Result<const onednn::WeightPacker*> Packer(int64_t groups) const {
    if (groups == 1 || depthwise_) return packer_.get();
    std::lock_guard<std::mutex> lock(mu_);
    auto& p = grouped_packers_[groups];
    if (p == nullptr) {
      p = std::make_unique<onednn::WeightPacker>(
          filter_, FilterDesc(filter_.dim(0), filter_.dim(1), filter_.dim(2), filter_.dim(3), false, groups));
    }
    return p.get();
  }

  Result<std::shared_ptr<const onednn::CachedPrimitive>> MakePrimitive(int64_t n, int64_t h, int64_t w, int64_t c,
                                                                       int64_t fc, int64_t kh, int64_t kw, int64_t fo,
                                                                       int64_t oc, int64_t groups,
                                                                       const WindowDim& rows, const WindowDim& cols,
                                                                       const onednn::WeightPacker* packer) const {
    try {
      auto e = std::make_shared<onednn::CachedPrimitive>();
      e->src_md = memory::desc({n, c, h, w}, memory::data_type::f32, memory::format_tag::nhwc);
      e->dst_md = memory::desc({n, oc, rows.out, cols.out}, memory::data_type::f32, memory::format_tag::nhwc);
      memory::dims wdims = depthwise_    ? memory::dims{c, fo, 1, kh, kw}
                           : groups > 1 ? memory::dims{groups, fo / groups, fc, kh, kw}
                                        : memory::dims{fo, c, kh, kw};
      memory::desc any_w(wdims, memory::data_type::f32, memory::format_tag::any);
      dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                        e->src_md, any_w, e->dst_md, {p_.stride_h, p_.stride_w},
                                        {p_.dilation_h - 1, p_.dilation_w - 1}, {rows.pad_before, cols.pad_before},
                                        {rows.pad_after, cols.pad_after});
      dnnl::convolution_forward::primitive_desc pd(d, onednn::UserScratchpadAttr(), onednn::Engine());
      e->scratchpad_md = pd.scratchpad_desc();
      e->weights_md = pd.weights_desc();
      e->prim = dnnl::convolution_forward(pd);
      if (packer != nullptr) {
        SERVAL_ASSIGN_OR_RETURN(e->packed_weights, packer->Get(e->weights_md));
      }
      return std::shared_ptr<const onednn::CachedPrimitive>(e);
    } catch (const dnnl::error& err) {
      return onednn::FromDnnlError((op_ + ": creating primitive").c_str(), err);
    }
  }

  std::string op_;
  DataType dt_;
  Conv2DParams p_;
  bool depthwise_;
  TensorShape filter_shape_;
  Tensor filter_;  // float copy of a constant filter
  std::unique_ptr<onednn::WeightPacker> packer_;
  mutable std::mutex mu_;
  mutable std::map<int64_t, std::unique_ptr<onednn::WeightPacker>> grouped_packers_;
  onednn::PrimitiveCache packed_cache_, plain_cache_;
};

runtime::KernelFactory ConvFactory(std::string op, bool depthwise) {
  return [op, depthwise](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
    SERVAL_ASSIGN_OR_RETURN(Conv2DParams p, ParseConv2DParams(info, op));
    std::optional<Tensor> filter;
    const Tensor* f = info.constant_input(1);
    if (f != nullptr && f->dtype() == dt && f->rank() == 4 && f->num_elements() > 0) filter = *f;
    return std::unique_ptr<Kernel>(std::make_unique<ConvKernel>(op, dt, std::move(p), depthwise, std::move(filter)));
  };
}

}  // namespace

void RegisterConvKernels(runtime::KernelRegistry& r) {
  r.Register("Conv2D", "T", {DataType::kFloat, DataType::kHalf}, ConvFactory("Conv2D", false));
  r.Register("DepthwiseConv2dNative", "T", {DataType::kFloat, DataType::kHalf},
             ConvFactory("DepthwiseConv2dNative", true));
  RegisterConvBackpropInputKernel(r);
  RegisterSpaceBatchKernels(r);
}

}  // namespace serval::kernels::cpu
