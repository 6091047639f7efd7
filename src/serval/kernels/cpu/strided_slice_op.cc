// StridedSlice, registered by RegisterSliceKernels. The spec handling follows TF's
// ValidateStridedSliceOp (tensorflow/core/util/strided_slice_op.cc) step by step: sparse spec ->
// dense spec (ellipsis expanded, new axes recorded), then per-dimension canonicalisation and
// clamping, then the final shape (shrunk dims dropped, new axes as 1). Masks and begin/end/strides
// are usually constants: the kernel is on Keras LSTM hot paths, so whole-dim slices become
// memcpys and identity slices alias the input.
#include <array>

#include "serval/kernels/cpu/data_movement.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::KernelContext;
using runtime::KernelInfo;
using runtime::MakeFnKernel;

constexpr int kShrinkAxis = -1, kNewAxis = -2;

struct Masks {
  int64_t begin = 0, end = 0, ellipsis = 0, new_axis = 0, shrink = 0;
};

struct SlicePlan {
  std::vector<int64_t> begin, strides, processing;  // per input dim
  TensorShape final_shape;
  bool identity = true;
};

Result<SlicePlan> ValidateStridedSlice(const TensorShape& input, const Tensor& begin_t, const Tensor& end_t,
                                       const Tensor& strides_t, const Masks& m) {
  const bool vectors = begin_t.rank() == 1 && end_t.rank() == 1 && strides_t.rank() == 1 &&
                       begin_t.num_elements() == strides_t.num_elements() &&
                       end_t.num_elements() == strides_t.num_elements() && begin_t.num_elements() < 32;
  if (!vectors) {
    return InvalidArgument(StrCat("StridedSlice: Expected begin, end, and strides to be 1D equal size tensors, but got shapes ",
                                  begin_t.shape().ToString(), ", ", end_t.shape().ToString(), ", and ",
                                  strides_t.shape().ToString(), " instead"));
  }
  if (!IsIndexType(begin_t.dtype()) || begin_t.dtype() != end_t.dtype() || begin_t.dtype() != strides_t.dtype()) {
    return InvalidArgument("StridedSlice: begin, end and strides must all be int32 or all int64");
  }
  if (m.ellipsis && (m.ellipsis & (m.ellipsis - 1)) != 0) {
    return InvalidArgument("StridedSlice: multiple ellipses in slice spec not allowed");
  }
  // Step 1: sparse spec.
  int64_t sparse_dims = strides_t.num_elements();
  int64_t ellipsis_mask = m.ellipsis;
  int num_add_axis_after_ellipsis = 0;
  bool ellipsis_seen = false;
  for (int i = 0; i < sparse_dims; ++i) {
    if (ellipsis_seen && ((int64_t{1} << i) & m.new_axis)) ++num_add_axis_after_ellipsis;
    if ((int64_t{1} << i) & m.ellipsis) ellipsis_seen = true;
  }
  if (!ellipsis_seen) {
    ellipsis_mask |= int64_t{1} << sparse_dims;
    ++sparse_dims;
  }
  // Step 2: dense spec.
  const int dims = input.rank();
  SlicePlan plan;
  std::vector<int64_t> begin(dims, 0), end(dims, 0), strides(dims, 1);
  int64_t dbegin_mask = 0, dend_mask = 0, dshrink = 0;
  std::vector<int> gather;
  int full = 0;
  for (int i = 0; i < sparse_dims; ++i) {
    const int64_t bit = int64_t{1} << i;
    if (bit & ellipsis_mask) {
      const int next = std::min<int>(dims - static_cast<int>(sparse_dims - i) + 1 + num_add_axis_after_ellipsis, dims);
      for (; full < next; ++full) {
        begin[full] = end[full] = 0;
        strides[full] = 1;
        dbegin_mask |= int64_t{1} << full;
        dend_mask |= int64_t{1} << full;
        gather.push_back(full);
      }
    } else if (bit & m.new_axis) {
      gather.push_back(kNewAxis);
    } else {
      if (full == dims) {
        return InvalidArgument(StrCat("StridedSlice: Index out of range using input dim ", full, "; input has only ",
                                      dims, " dims"));
      }
      begin[full] = IndexAt(begin_t, i);
      end[full] = IndexAt(end_t, i);
      strides[full] = IndexAt(strides_t, i);
      if (m.begin & bit) dbegin_mask |= int64_t{1} << full;
      if (m.end & bit) dend_mask |= int64_t{1} << full;
      if (m.shrink & bit) {
        gather.push_back(kShrinkAxis);
        dshrink |= int64_t{1} << full;
      } else {
        gather.push_back(full);
      }
      ++full;
    }
  }
  // Step 3: canonicalise and clamp.
  plan.processing.resize(dims);
  for (int i = 0; i < dims; ++i) {
    int64_t& b = begin[i];
    int64_t& e = end[i];
    const int64_t s = strides[i];
    const int64_t dim = input.dim(i);
    if (s == 0) return InvalidArgument(StrCat("StridedSlice: strides[", i, "] must be non-zero"));
    const bool shrink = dshrink & (int64_t{1} << i);
    const std::array<bool, 2> masked = {(dbegin_mask & (int64_t{1} << i)) != 0, (dend_mask & (int64_t{1} << i)) != 0};
    const std::array<int64_t, 2> valid = {s > 0 ? 0 : -1, s > 0 ? dim : dim - 1};
    auto canonical = [&](int64_t x, int c) {
      if (masked[c]) return s > 0 ? valid[c] : valid[(c + 1) & 1];
      const int64_t fwd = x < 0 ? dim + x : x;
      return fwd < valid[0] ? valid[0] : fwd > valid[1] ? valid[1] : fwd;
    };
    if (shrink && s <= 0) return InvalidArgument("StridedSlice: only stride 1 allowed on non-range indexing");
    if (shrink) {
      // foo[-1] arrives as begin=-1, end=0: rebuild end as begin+1.
      const int64_t fwd = b < 0 ? dim + b : b;
      b = fwd;
      e = b + 1;
      if (fwd < 0 || fwd >= dim) {
        return InvalidArgument(StrCat("StridedSlice: slice index ", b, " of dimension ", i,
                                      " out of bounds (input shape ", input.ToString(), ")"));
      }
    } else {
      b = canonical(b, 0);
      e = canonical(e, 1);
    }
    plan.identity = plan.identity && s == 1 && b == 0 && e == dim;
    const int64_t len = e - b;
    int64_t size = 0;
    if (len != 0 && (len < 0) == (s < 0)) size = len / s + (len % s != 0 ? 1 : 0);
    plan.processing[i] = size;
  }
  // Step 4: final shape.
  for (int g : gather) {
    if (g >= 0) {
      plan.final_shape.AddDim(plan.processing[g]);
    } else if (g == kNewAxis) {
      plan.final_shape.AddDim(1);
    }
  }
  plan.begin = std::move(begin);
  plan.strides = std::move(strides);
  return plan;
}

class StridedSliceKernel final : public runtime::Kernel {
 public:
  explicit StridedSliceKernel(Masks m) : m_(m) {}

  Status Compute(KernelContext& ctx) const override {
    const Tensor& in = ctx.input(0);
    SERVAL_ASSIGN_OR_RETURN(SlicePlan plan,
                            ValidateStridedSlice(in.shape(), ctx.input(1), ctx.input(2), ctx.input(3), m_));
    if (plan.identity) {
      SERVAL_ASSIGN_OR_RETURN(Tensor t, in.Reshaped(plan.final_shape));
      ctx.set_output(0, std::move(t));
      return Status::Ok();
    }
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, in.dtype(), plan.final_shape));
    if (out->num_elements() == 0) return Status::Ok();
    const std::vector<int64_t> is = RowMajorStrides(in.shape().dims());
    int64_t offset = 0;
    std::vector<int64_t> ss(is.size());
    for (size_t i = 0; i < is.size(); ++i) {
      offset += plan.begin[i] * is[i];
      ss[i] = plan.strides[i] * is[i];
    }
    const std::vector<int64_t> ds = RowMajorStrides(plan.processing);
    return DispatchByElement(in.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      StridedCopy<T>(plan.processing, ElemData<T>(in) + offset, ss, ElemData<T>(out), ds);
      return Status::Ok();
    });
  }

 private:
  Masks m_;
};

}  // namespace

void RegisterStridedSliceKernels(runtime::KernelRegistry& r) {
  r.Register("StridedSlice", "T", AllDataMovementTypes(),
             [](const KernelInfo& info) -> Result<std::unique_ptr<runtime::Kernel>> {
               Masks m;
               m.begin = info.GetIntOr("begin_mask", 0);
               m.end = info.GetIntOr("end_mask", 0);
               m.ellipsis = info.GetIntOr("ellipsis_mask", 0);
               m.new_axis = info.GetIntOr("new_axis_mask", 0);
               m.shrink = info.GetIntOr("shrink_axis_mask", 0);
               for (int64_t v : {m.begin, m.end, m.ellipsis, m.new_axis, m.shrink}) {
                 if (v < 0 || v > INT32_MAX) {
                   return InvalidArgument(StrCat("StridedSlice: mask attrs must be non-negative 32-bit values, got ", v));
                 }
               }
               return std::unique_ptr<runtime::Kernel>(new StridedSliceKernel(m));
             });
}

}  // namespace serval::kernels::cpu
