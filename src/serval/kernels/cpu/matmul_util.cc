#include "serval/kernels/cpu/matmul_util.h"

#include <Eigen/Core>
#include <cstring>
#include <type_traits>

namespace serval::kernels::cpu {
namespace {

template <typename T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <typename T>
void EigenMatMul(const T* a, const T* b, T* c, const BatchMatMulPlan& p) {
  const int64_t a_rows = p.transpose_a ? p.k : p.m, a_cols = p.transpose_a ? p.m : p.k;
  const int64_t b_rows = p.transpose_b ? p.n : p.k, b_cols = p.transpose_b ? p.k : p.n;
  Eigen::Map<const RowMat<T>> A(a, a_rows, a_cols);
  Eigen::Map<const RowMat<T>> B(b, b_rows, b_cols);
  Eigen::Map<RowMat<T>> C(c, p.m, p.n);
  if (!p.transpose_a && !p.transpose_b) C.noalias() = A * B;
  if (!p.transpose_a && p.transpose_b) C.noalias() = A * B.transpose();
  if (p.transpose_a && !p.transpose_b) C.noalias() = A.transpose() * B;
  if (p.transpose_a && p.transpose_b) C.noalias() = A.transpose() * B.transpose();
}

// Signed overflow is UB in C++; TF's Eigen kernels wrap in practice, so multiply-add unsigned.
template <typename T>
void IntMatMul(const T* a, const T* b, T* c, const BatchMatMulPlan& p) {
  using U = std::make_unsigned_t<T>;
  for (int64_t i = 0; i < p.m; ++i) {
    for (int64_t j = 0; j < p.n; ++j) {
      U acc = 0;
      for (int64_t l = 0; l < p.k; ++l) {
        U x = static_cast<U>(p.transpose_a ? a[l * p.m + i] : a[i * p.k + l]);
        U y = static_cast<U>(p.transpose_b ? b[j * p.k + l] : b[l * p.n + j]);
        acc += x * y;
      }
      c[i * p.n + j] = static_cast<T>(acc);
    }
  }
}

template <typename T, typename In>
void RunTyped(const BatchMatMulPlan& p, const In* a, const In* b, In* c) {
  const int64_t a_size = p.m * p.k, b_size = p.k * p.n, c_size = p.m * p.n;
  for (int64_t i = 0; i < p.batch; ++i) {
    const int64_t ia = p.a_index.empty() ? i : p.a_index[static_cast<size_t>(i)];
    const int64_t ib = p.b_index.empty() ? i : p.b_index[static_cast<size_t>(i)];
    if constexpr (std::is_integral_v<T>) {
      IntMatMul<T>(a + ia * a_size, b + ib * b_size, c + i * c_size, p);
    } else {
      EigenMatMul<T>(a + ia * a_size, b + ib * b_size, c + i * c_size, p);
    }
  }
}

std::vector<float> HalfToFloatVec(const Tensor& t) {
  auto in = t.flat<Half>();
  std::vector<float> out(in.size());
  for (size_t i = 0; i < in.size(); ++i) out[i] = HalfToFloat(in[i]);
  return out;
}

}  // namespace

bool IsMatMulDtype(DataType dt) {
  return dt == DataType::kFloat || dt == DataType::kDouble || dt == DataType::kHalf || dt == DataType::kInt32 ||
         dt == DataType::kInt64;
}

Status RunBatchMatMul(const BatchMatMulPlan& p, const Tensor& a, const Tensor& b, Tensor& out) {
  if (p.batch == 0 || p.m == 0 || p.n == 0) return Status::Ok();
  switch (a.dtype()) {
    case DataType::kFloat:
      RunTyped<float>(p, a.flat<float>().data(), b.flat<float>().data(), out.flat<float>().data());
      return Status::Ok();
    case DataType::kDouble:
      RunTyped<double>(p, a.flat<double>().data(), b.flat<double>().data(), out.flat<double>().data());
      return Status::Ok();
    case DataType::kInt32:
      RunTyped<int32_t>(p, a.flat<int32_t>().data(), b.flat<int32_t>().data(), out.flat<int32_t>().data());
      return Status::Ok();
    case DataType::kInt64:
      RunTyped<int64_t>(p, a.flat<int64_t>().data(), b.flat<int64_t>().data(), out.flat<int64_t>().data());
      return Status::Ok();
    case DataType::kHalf: {
      std::vector<float> af = HalfToFloatVec(a), bf = HalfToFloatVec(b);
      std::vector<float> cf(static_cast<size_t>(out.num_elements()));
      RunTyped<float>(p, af.data(), bf.data(), cf.data());
      auto o = out.flat<Half>();
      for (size_t i = 0; i < cf.size(); ++i) o[i] = FloatToHalf(cf[i]);
      return Status::Ok();
    }
    default:
      return Unimplemented(std::string("matmul: unsupported dtype ") + std::string(DataTypeName(a.dtype())));
  }
}

Tensor TransposeTensor(const Tensor& in, const std::vector<int>& perm) {
  const int r = in.rank();
  bool identity = true;
  for (int i = 0; i < r; ++i) identity = identity && perm[static_cast<size_t>(i)] == i;
  if (identity) return in;
  std::vector<int64_t> out_dims(static_cast<size_t>(r));
  std::vector<int64_t> in_strides(static_cast<size_t>(r), 1);
  for (int i = r - 2; i >= 0; --i)
    in_strides[static_cast<size_t>(i)] = in_strides[static_cast<size_t>(i + 1)] * in.dim(i + 1);
  std::vector<int64_t> src_stride(static_cast<size_t>(r));
  for (int i = 0; i < r; ++i) {
    out_dims[static_cast<size_t>(i)] = in.dim(perm[static_cast<size_t>(i)]);
    src_stride[static_cast<size_t>(i)] = in_strides[static_cast<size_t>(perm[static_cast<size_t>(i)])];
  }
  Tensor out(in.dtype(), TensorShape(out_dims));
  const int64_t n = in.num_elements();
  if (n == 0) return out;
  const size_t es = DataTypeSize(in.dtype());
  const char* src = static_cast<const char*>(in.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  std::vector<int64_t> idx(static_cast<size_t>(r), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(dst + static_cast<size_t>(i) * es, src + static_cast<size_t>(off) * es, es);
    for (int d = r - 1; d >= 0; --d) {
      const size_t ud = static_cast<size_t>(d);
      ++idx[ud];
      off += src_stride[ud];
      if (idx[ud] < out_dims[ud]) break;
      off -= src_stride[ud] * out_dims[ud];
      idx[ud] = 0;
    }
  }
  return out;
}

}  // namespace serval::kernels::cpu
