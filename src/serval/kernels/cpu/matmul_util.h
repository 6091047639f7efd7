// Shared pieces of the matmul family (matmul_ops.cc, matmul_einsum.cc): a batched matrix product
// for every dtype the family registers, and a byte-wise N-d transpose used to bring Einsum
// operands into [batch, M, K] x [batch, K, N] form.
#pragma once

#include <cstdint>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "serval/base/status.h"
#include "serval/kernels/cpu/onednn_util.h"
#include "serval/runtime/kernel_registry.h"
#include "serval/tensor/tensor.h"

namespace serval::kernels::cpu {

// out[i] = op(a[a_index[i]]) * op(b[b_index[i]]) for i < batch, each a row-major [M,K] (or [K,M]
// when transpose_a) by [K,N] (or [N,K] when transpose_b). Empty index vectors mean identity.
struct BatchMatMulPlan {
  int64_t batch = 1, m = 0, k = 0, n = 0;
  bool transpose_a = false, transpose_b = false;
  std::vector<int64_t> a_index, b_index;
};

// `out` is allocated by the caller with the right dtype and batch*m*n elements. Integer products
// wrap around as TF's do (two's complement); half is computed in float and rounded once.
Status RunBatchMatMul(const BatchMatMulPlan& plan, const Tensor& a, const Tensor& b, Tensor& out);

// A fresh tensor with dims permuted: out.dim(i) = in.dim(perm[i]). Shares `in` when perm is the
// identity. Fixed-size dtypes only.
Tensor TransposeTensor(const Tensor& in, const std::vector<int>& perm);

bool IsMatMulDtype(DataType dt);  // float, double, half, int32, int64

void RegisterEinsumKernel(runtime::KernelRegistry& r);  // matmul_einsum.cc

// C[M,N] = op(A)[M,K] * op(B)[K,N] in float with B constant and pre-packed: the contract of
// onednn::PackedMatMul (one shared primitive per distinct M, weights reordered once), but a
// steady-state Run allocates nothing: every calling thread keeps its own src/dst/scratchpad
// dnnl::memory objects per (instance, M) and only re-points them at the caller's buffers, and the
// primitive is executed with a fixed argument array instead of a std::unordered_map. Per-thread
// entries are keyed by an instance id that is never reused and hold the primitive weakly, so a
// destroyed kernel's packed weights are freed at once; a thread keeps at most kMaxThreadEntries.
// Thread-safe.
class DenseMatMul {
 public:
  static constexpr size_t kMaxThreadEntries = 256;
  DenseMatMul(Tensor b, int64_t k, int64_t n, bool transpose_a, bool transpose_b);
  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  Status Run(const float* a, int64_t m, float* c) const;

 private:
  Result<std::shared_ptr<const onednn::CachedPrimitive>> Primitive(int64_t m) const;

  uint64_t id_;
  int64_t k_, n_;
  bool transpose_a_;
  onednn::WeightPacker packer_;
  onednn::PrimitiveCache cache_;
};

}  // namespace serval::kernels::cpu
