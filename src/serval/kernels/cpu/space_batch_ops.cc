// SpaceToBatchND and BatchToSpaceND: tf.nn.depthwise_conv2d / separable_conv2d (Keras
// DepthwiseConv1D/2D and SeparableConv1D/2D with dilation_rate > 1) wrap the convolution in them.
// TF semantics (array_ops.cc): with M block dims, SpaceToBatchND zero-pads spatial dim j by
// paddings[j] and moves each block offset (o_1..o_M, row-major) to its own batch slice:
//   out[(o * batch) + b, i_1..i_M, rest] = padded_in[b, i_j * block_j + o_j, rest]
// and BatchToSpaceND is its inverse followed by cropping crops[j] from each spatial dim. Elements
// move as raw bytes, so every fixed-size dtype is handled by one loop.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/conv_util.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

Result<std::vector<int64_t>> ReadInts(const Tensor& t, const std::string& op, const char* what) {
  std::vector<int64_t> v(static_cast<size_t>(t.num_elements()));
  if (t.dtype() == DataType::kInt32) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.flat<int32_t>()[i];
  } else if (t.dtype() == DataType::kInt64) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.flat<int64_t>()[i];
  } else {
    return InvalidArgument(StrCat(op, ": ", what, " must be int32 or int64, got ", DataTypeName(t.dtype())));
  }
  return v;
}

// The batch-major tensor's geometry: `batch` is the space-side batch, `space` the space-side
// spatial dims (padded for SpaceToBatch, uncropped for BatchToSpace), `inner` bytes per position.
struct Geometry {
  int64_t batch = 0;
  std::vector<int64_t> block, space, before;  // before: padding (or crop) at the start of each dim
  std::vector<int64_t> real;                  // the unpadded / cropped space-side dims
  size_t inner = 0;
};

// Moves data between the space-side tensor (dims batch, real..., inner) and the batch-side tensor
// (dims batch*prod(block), space/block..., inner). to_batch: space -> batch, else batch -> space.
void Move(const Geometry& g, const char* src, char* dst, bool to_batch) {
  const size_t m = g.block.size();
  int64_t blocks = 1;
  for (int64_t b : g.block) blocks *= b;
  std::vector<int64_t> reduced(m);
  int64_t reduced_count = 1;
  for (size_t j = 0; j < m; ++j) {
    reduced[j] = g.space[j] / g.block[j];
    reduced_count *= reduced[j];
  }
  int64_t real_count = 1;
  for (int64_t r : g.real) real_count *= r;
  std::vector<int64_t> offset(m), idx(m);
  for (int64_t ob = 0; ob < blocks; ++ob) {
    int64_t rem = ob;
    for (size_t j = m; j-- > 0;) {
      offset[j] = rem % g.block[j];
      rem /= g.block[j];
    }
    for (int64_t b = 0; b < g.batch; ++b) {
      const int64_t batch_slice = ob * g.batch + b;
      for (int64_t r = 0; r < reduced_count; ++r) {
        int64_t rr = r;
        for (size_t j = m; j-- > 0;) {
          idx[j] = rr % reduced[j];
          rr /= reduced[j];
        }
        // The space-side position of this element, or -1 when it falls in padding / a crop.
        int64_t pos = 0;
        bool inside = true;
        for (size_t j = 0; j < m; ++j) {
          const int64_t p = idx[j] * g.block[j] + offset[j] - g.before[j];
          if (p < 0 || p >= g.real[j]) {
            inside = false;
            break;
          }
          pos = pos * g.real[j] + p;
        }
        const size_t batch_at = static_cast<size_t>(batch_slice * reduced_count + r) * g.inner;
        if (to_batch) {
          if (inside) {
            std::memcpy(dst + batch_at, src + static_cast<size_t>(b * real_count + pos) * g.inner, g.inner);
          } else {
            std::memset(dst + batch_at, 0, g.inner);
          }
        } else if (inside) {
          std::memcpy(dst + static_cast<size_t>(b * real_count + pos) * g.inner, src + batch_at, g.inner);
        }
      }
    }
  }
}

Status Compute(const std::string& op, bool to_batch, DataType dt, KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  if (in.dtype() != dt) {
    return InvalidArgument(StrCat(op, ": input has dtype ", DataTypeName(in.dtype()), ", expected ", DataTypeName(dt)));
  }
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> block, ReadInts(ctx.input(1), op, "block_shape"));
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ReadInts(ctx.input(2), op, to_batch ? "paddings" : "crops"));
  const size_t m = block.size();
  if (ctx.input(1).rank() != 1 || ctx.input(2).rank() != 2 || ctx.input(2).dim(0) != static_cast<int64_t>(m) ||
      ctx.input(2).dim(1) != 2) {
    return InvalidArgument(StrCat(op, ": block_shape must be [M] and ", to_batch ? "paddings" : "crops",
                                  " [M, 2], got ", ctx.input(1).shape().ToString(), " and ",
                                  ctx.input(2).shape().ToString()));
  }
  if (in.rank() < static_cast<int>(m) + 1) {
    return InvalidArgument(StrCat(op, ": input rank should be > block_shape size ", m, ", got ", in.shape().ToString()));
  }
  int64_t blocks = 1;
  for (size_t j = 0; j < m; ++j) {
    if (block[j] < 1) return InvalidArgument(StrCat(op, ": all values in block_shape must be positive, got ", block[j]));
    if (pads[2 * j] < 0 || pads[2 * j + 1] < 0) {
      return InvalidArgument(StrCat(op, ": all values in ", to_batch ? "paddings" : "crops", " must be non-negative"));
    }
    blocks *= block[j];
  }
  Geometry g;
  g.block = block;
  g.inner = DataTypeSize(dt);
  for (int d = static_cast<int>(m) + 1; d < in.rank(); ++d) g.inner *= static_cast<size_t>(in.dim(d));
  std::vector<int64_t> out_dims;
  if (to_batch) {
    g.batch = in.dim(0);
    out_dims.push_back(g.batch * blocks);
    for (size_t j = 0; j < m; ++j) {
      const int64_t padded = in.dim(static_cast<int>(j) + 1) + pads[2 * j] + pads[2 * j + 1];
      if (padded % block[j] != 0) {
        return InvalidArgument(StrCat(op, ": padded_shape[", j, "]=", padded, " is not divisible by block_shape[", j,
                                      "]=", block[j]));
      }
      g.space.push_back(padded);
      g.real.push_back(in.dim(static_cast<int>(j) + 1));
      g.before.push_back(pads[2 * j]);
      out_dims.push_back(padded / block[j]);
    }
  } else {
    if (in.dim(0) % blocks != 0) {
      return InvalidArgument(StrCat(op, ": input batch dimension (", in.dim(0),
                                    ") is not divisible by product of block sizes (", blocks, ")"));
    }
    g.batch = in.dim(0) / blocks;
    out_dims.push_back(g.batch);
    for (size_t j = 0; j < m; ++j) {
      const int64_t full = in.dim(static_cast<int>(j) + 1) * block[j];
      const int64_t cropped = full - pads[2 * j] - pads[2 * j + 1];
      if (cropped < 0) {
        return InvalidArgument(StrCat(op, ": crops must be less than or equal to the uncropped size in dim ", j,
                                      ": crop ", pads[2 * j], "+", pads[2 * j + 1], " vs ", full));
      }
      g.space.push_back(full);
      g.real.push_back(cropped);
      g.before.push_back(pads[2 * j]);
      out_dims.push_back(cropped);
    }
  }
  for (int d = static_cast<int>(m) + 1; d < in.rank(); ++d) out_dims.push_back(in.dim(d));
  SERVAL_ASSIGN_OR_RETURN(TensorShape out_shape, TensorShape::Make(out_dims));
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt, out_shape));
  if (out->num_elements() == 0 || in.num_elements() == 0) {
    if (out->byte_size() > 0) std::memset(out->raw_data(), 0, out->byte_size());
    return Status::Ok();
  }
  Move(g, static_cast<const char*>(in.raw_data()), static_cast<char*>(out->raw_data()), to_batch);
  return Status::Ok();
}

runtime::KernelFactory Factory(std::string op, bool to_batch) {
  return [op, to_batch](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
    return runtime::MakeFnKernel([op, to_batch, dt](KernelContext& ctx) { return Compute(op, to_batch, dt, ctx); });
  };
}

}  // namespace

void RegisterSpaceBatchKernels(runtime::KernelRegistry& r) {
  const std::vector<DataType> types = {DataType::kFloat, DataType::kDouble, DataType::kHalf,  DataType::kInt32,
                                       DataType::kInt64, DataType::kInt8,   DataType::kUInt8, DataType::kInt16,
                                       DataType::kUInt16, DataType::kBool};
  r.Register("SpaceToBatchND", "T", types, Factory("SpaceToBatchND", true));
  r.Register("BatchToSpaceND", "T", types, Factory("BatchToSpaceND", false));
}

}  // namespace serval::kernels::cpu
