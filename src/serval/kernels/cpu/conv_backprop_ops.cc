// Conv2DBackpropInput (Keras Conv2DTranspose at inference), NHWC, float, on oneDNN's
// backward-data convolution. The forward convolution it inverts is described by input_sizes,
// the filter [KH, KW, in_C, out_C], strides/dilations/padding; its output size must equal the
// out_backprop spatial dims. A constant filter is reordered once; primitives are cached per shape.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/conv_util.h"
#include "serval/kernels/cpu/onednn_util.h"

namespace serval::kernels::cpu {
namespace {

using dnnl::memory;
using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

memory::desc HwioDesc(int64_t kh, int64_t kw, int64_t c, int64_t o) {
  return memory::desc({o, c, kh, kw}, memory::data_type::f32, memory::dims{1, o, kw * c * o, c * o});
}

class ConvBackpropInputKernel final : public Kernel {
 public:
  ConvBackpropInputKernel(Conv2DParams p, const Tensor* filter) : p_(std::move(p)) {
    if (filter != nullptr) {
      filter_shape_ = filter->shape();
      packer_ = std::make_unique<onednn::WeightPacker>(
          *filter, HwioDesc(filter->dim(0), filter->dim(1), filter->dim(2), filter->dim(3)));
    }
  }

  Status Compute(KernelContext& ctx) const override {
    static const std::string op = "Conv2DBackpropInput";
    const Tensor& sizes = ctx.input(0);
    const Tensor& f = ctx.input(1);
    const Tensor& dy = ctx.input(2);
    if (sizes.rank() != 1 || sizes.dim(0) != 4 || sizes.dtype() != DataType::kInt32) {
      return InvalidArgument(StrCat(op, ": input_sizes must be a 4-element int32 vector, got ",
                                    DataTypeName(sizes.dtype()), sizes.shape().ToString()));
    }
    if (f.dtype() != DataType::kFloat || dy.dtype() != DataType::kFloat) {
      return InvalidArgument(StrCat(op, ": filter and out_backprop must be float"));
    }
    auto s = sizes.flat<int32_t>();
    SERVAL_ASSIGN_OR_RETURN(TensorShape in_shape, TensorShape::Make(std::vector<int64_t>{s[0], s[1], s[2], s[3]}));
    auto shapes = [&] {
      return StrCat("input_sizes ", in_shape.ToString(), ", filter ", f.shape().ToString(), ", out_backprop ",
                    dy.shape().ToString());
    };
    if (f.rank() != 4 || dy.rank() != 4)
      return InvalidArgument(StrCat(op, ": filter and out_backprop must be 4-D: ", shapes()));
    const int64_t n = in_shape.dim(0), h = in_shape.dim(1), w = in_shape.dim(2), c = in_shape.dim(3);
    const int64_t kh = f.dim(0), kw = f.dim(1), o = f.dim(3);
    SERVAL_ASSIGN_OR_RETURN(
        WindowDim rows, ComputeWindow(op, h, kh, p_.stride_h, p_.dilation_h, p_.padding, p_.pad_top, p_.pad_bottom));
    SERVAL_ASSIGN_OR_RETURN(
        WindowDim cols, ComputeWindow(op, w, kw, p_.stride_w, p_.dilation_w, p_.padding, p_.pad_left, p_.pad_right));
    if (f.dim(2) != c || dy.dim(0) != n || dy.dim(1) != rows.out || dy.dim(2) != cols.out || dy.dim(3) != o) {
      return InvalidArgument(StrCat(op, ": shapes are inconsistent (expected out_backprop [", n, ",", rows.out, ",",
                                    cols.out, ",", o, "]): ", shapes()));
    }
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kFloat, in_shape));
    if (out->num_elements() == 0) return Status::Ok();
    if (dy.num_elements() == 0 || kh * kw * o == 0) {
      std::memset(out->raw_data(), 0, out->byte_size());
      return Status::Ok();
    }
    const bool use_packed = packer_ != nullptr && f.shape() == filter_shape_;
    auto entry = (use_packed ? packed_cache_ : plain_cache_).GetOrCreate({n, h, w, c, kh, kw, o}, [&]() {
      return Make(n, h, w, c, kh, kw, o, rows, cols, use_packed);
    });
    if (!entry.ok()) return entry.status();
    const onednn::CachedPrimitive& prim = **entry;
    try {
      const dnnl::engine& eng = onednn::Engine();
      dnnl::stream& st = onednn::ThreadStream();
      memory diff_dst(prim.src_md, eng, const_cast<void*>(dy.raw_data()));
      memory diff_src(prim.dst_md, eng, out->raw_data());
      memory weights;
      if (use_packed) {
        weights = *prim.packed_weights;
      } else {
        memory user(HwioDesc(kh, kw, c, o), eng, const_cast<void*>(f.raw_data()));
        weights = memory(prim.weights_md, eng);
        onednn::Reorder(user, weights);
      }
      prim.prim.execute(st, {{DNNL_ARG_DIFF_DST, diff_dst},
                             {DNNL_ARG_WEIGHTS, weights},
                             {DNNL_ARG_DIFF_SRC, diff_src},
                             {DNNL_ARG_SCRATCHPAD, onednn::ThreadScratchpad(prim.scratchpad_md)}});
      st.wait();
    } catch (const dnnl::error& e) {
      return onednn::FromDnnlError(op.c_str(), e);
    }
    return Status::Ok();
  }

 private:
  // src_md holds out_backprop's layout and dst_md the result's (the reverse of a forward conv).
  Result<std::shared_ptr<const onednn::CachedPrimitive>> Make(int64_t n, int64_t h, int64_t w, int64_t c, int64_t kh,
                                                              int64_t kw, int64_t o, const WindowDim& rows,
                                                              const WindowDim& cols, bool use_packed) const {
    try {
      auto e = std::make_shared<onednn::CachedPrimitive>();
      memory::desc x_md({n, c, h, w}, memory::data_type::f32, memory::format_tag::nhwc);
      memory::desc y_md({n, o, rows.out, cols.out}, memory::data_type::f32, memory::format_tag::nhwc);
      memory::desc any_w({o, c, kh, kw}, memory::data_type::f32, memory::format_tag::any);
      const memory::dims strides{p_.stride_h, p_.stride_w}, dil{p_.dilation_h - 1, p_.dilation_w - 1};
      const memory::dims pl{rows.pad_before, cols.pad_before}, pr{rows.pad_after, cols.pad_after};
      dnnl::convolution_forward::primitive_desc hint(
          dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, x_md,
                                          any_w, y_md, strides, dil, pl, pr),
          onednn::Engine());
      dnnl::convolution_backward_data::primitive_desc pd(
          dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, x_md, any_w, y_md, strides, dil,
                                                pl, pr),
          onednn::UserScratchpadAttr(), onednn::Engine(), hint);
      e->scratchpad_md = pd.scratchpad_desc();
      e->src_md = y_md;
      e->dst_md = x_md;
      e->weights_md = pd.weights_desc();
      e->prim = dnnl::convolution_backward_data(pd);
      if (use_packed) {
        SERVAL_ASSIGN_OR_RETURN(e->packed_weights, packer_->Get(e->weights_md));
      }
      return std::shared_ptr<const onednn::CachedPrimitive>(e);
    } catch (const dnnl::error& err) {
      return onednn::FromDnnlError("Conv2DBackpropInput: creating primitive", err);
    }
  }

  Conv2DParams p_;
  TensorShape filter_shape_;
  std::unique_ptr<onednn::WeightPacker> packer_;
  onednn::PrimitiveCache packed_cache_, plain_cache_;
};

}  // namespace

void RegisterConvBackpropInputKernel(runtime::KernelRegistry& r) {
  r.Register("Conv2DBackpropInput", "T", {DataType::kFloat},
             [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
               SERVAL_ASSIGN_OR_RETURN(Conv2DParams p, ParseConv2DParams(info, "Conv2DBackpropInput"));
               const Tensor* f = info.constant_input(1);
               if (f != nullptr && (f->dtype() != DataType::kFloat || f->rank() != 4 || f->num_elements() == 0))
                 f = nullptr;
               return std::unique_ptr<Kernel>(std::make_unique<ConvBackpropInputKernel>(std::move(p), f));
             });
}

}  // namespace serval::kernels::cpu
