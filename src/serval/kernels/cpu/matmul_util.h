// Shared pieces of the matmul family (matmul_ops.cc, matmul_einsum.cc): a batched matrix product
// for every dtype the family registers, and a byte-wise N-d transpose used to bring Einsum
// operands into [batch, M, K] x [batch, K, N] form.
#pragma once

#include <cstdint>
#include <memory>
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

}  // namespace serval::kernels::cpu
