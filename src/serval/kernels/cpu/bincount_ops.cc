// Bincount, DenseBincount, RaggedBincount and SparseBincount (tf.math.bincount / tf.sparse.bincount;
// Keras CategoryEncoding and TextVectorization count / multi_hot / tf_idf). As in TF:
//   - bins are [size] for 1-D input, [rows, size] for 2-D / ragged / rank-2 sparse input;
//   - values >= size are ignored, negative values are an error;
//   - an empty weights tensor means weight 1; otherwise weights match the values one to one;
//   - binary_output sets a bin to 1 when any value falls in it (weights are then ignored).
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

Result<int64_t> ReadSize(const std::string& op, const Tensor& t) {
  if (t.rank() != 0) return InvalidArgument(StrCat(op, ": size must be a scalar, got shape ", t.shape().ToString()));
  int64_t size = 0;
  if (t.dtype() == DataType::kInt32) {
    size = t.flat<int32_t>()[0];
  } else if (t.dtype() == DataType::kInt64) {
    size = t.flat<int64_t>()[0];
  } else {
    return InvalidArgument(StrCat(op, ": size must be int32 or int64, got ", DataTypeName(t.dtype())));
  }
  if (size < 0) return InvalidArgument(StrCat(op, ": size (", size, ") must be non-negative"));
  return size;
}

Result<std::vector<int64_t>> ReadValues(const std::string& op, const Tensor& t, const char* what) {
  std::vector<int64_t> v(static_cast<size_t>(t.num_elements()));
  if (t.dtype() == DataType::kInt32) {
    auto f = t.flat<int32_t>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = f[i];
  } else if (t.dtype() == DataType::kInt64) {
    auto f = t.flat<int64_t>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = f[i];
  } else {
    return InvalidArgument(StrCat(op, ": ", what, " must be int32 or int64, got ", DataTypeName(t.dtype())));
  }
  for (int64_t x : v) {
    if (x < 0) return InvalidArgument(StrCat(op, ": input ", what, " must be non-negative, got ", x));
  }
  return v;
}

// Accumulates value i (weight i, or 1) into row rows[i] of a [num_rows, size] output of type T.
template <typename T>
void Accumulate(const std::vector<int64_t>& values, const std::vector<int64_t>& rows, const Tensor* weights,
                int64_t size, bool binary, Tensor& out) {
  T* o = out.flat<T>().data();
  std::memset(static_cast<void*>(o), 0, out.byte_size());
  const T* w = weights != nullptr ? weights->flat<T>().data() : nullptr;
  for (size_t i = 0; i < values.size(); ++i) {
    const int64_t v = values[i];
    if (v >= size) continue;
    T& bin = o[rows[i] * size + v];
    if (binary) {
      bin = T(1);
    } else {
      bin += w != nullptr ? w[i] : T(1);
    }
  }
}

Status Fill(const std::string& op, DataType dt, const std::vector<int64_t>& values, const std::vector<int64_t>& rows,
            const Tensor& weights, int64_t size, bool binary, Tensor& out) {
  const Tensor* w = nullptr;
  if (weights.num_elements() > 0 && !binary) {
    if (weights.dtype() != dt) {
      return InvalidArgument(StrCat(op, ": weights have dtype ", DataTypeName(weights.dtype()), ", expected ",
                                    DataTypeName(dt)));
    }
    if (static_cast<size_t>(weights.num_elements()) != values.size()) {
      return InvalidArgument(StrCat(op, ": weights must have one element per value: ", weights.num_elements(), " vs ",
                                    values.size()));
    }
    w = &weights;
  }
  switch (dt) {
    case DataType::kInt32:
      Accumulate<int32_t>(values, rows, w, size, binary, out);
      return Status::Ok();
    case DataType::kInt64:
      Accumulate<int64_t>(values, rows, w, size, binary, out);
      return Status::Ok();
    case DataType::kFloat:
      Accumulate<float>(values, rows, w, size, binary, out);
      return Status::Ok();
    case DataType::kDouble:
      Accumulate<double>(values, rows, w, size, binary, out);
      return Status::Ok();
    default:
      return Unimplemented(StrCat(op, ": dtype ", DataTypeName(dt)));
  }
}

// Bincount(arr: int32, size: int32, weights: T) -> bins: T [size].
Status ComputeBincount(DataType dt, KernelContext& ctx) {
  const std::string op = "Bincount";
  SERVAL_ASSIGN_OR_RETURN(int64_t size, ReadSize(op, ctx.input(1)));
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> values, ReadValues(op, ctx.input(0), "arr"));
  const Tensor& weights = ctx.input(2);
  if (weights.num_elements() > 0 && weights.shape() != ctx.input(0).shape()) {
    return InvalidArgument(StrCat(op, ": weights ", weights.shape().ToString(), " must be empty or have the shape of arr ",
                                  ctx.input(0).shape().ToString()));
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt, TensorShape{size}));
  return Fill(op, dt, values, std::vector<int64_t>(values.size(), 0), weights, size, false, *out);
}

// DenseBincount(input: Tidx [N] or [B, N], size: Tidx, weights: T) -> [size] or [B, size].
Status ComputeDense(DataType dt, bool binary, KernelContext& ctx) {
  const std::string op = "DenseBincount";
  const Tensor& in = ctx.input(0);
  if (in.rank() != 1 && in.rank() != 2) {
    return InvalidArgument(StrCat(op, ": input must be a 1 or 2-dimensional tensor, got ", in.shape().ToString()));
  }
  SERVAL_ASSIGN_OR_RETURN(int64_t size, ReadSize(op, ctx.input(1)));
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> values, ReadValues(op, in, "input"));
  const Tensor& weights = ctx.input(2);
  if (weights.num_elements() > 0 && weights.shape() != in.shape()) {
    return InvalidArgument(StrCat(op, ": weights and input must have the same shape, weights ",
                                  weights.shape().ToString(), " vs input ", in.shape().ToString()));
  }
  std::vector<int64_t> rows(values.size(), 0);
  TensorShape out_shape{size};
  if (in.rank() == 2) {
    const int64_t cols = in.dim(1);
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i) / cols;
    out_shape = TensorShape{in.dim(0), size};
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt, out_shape));
  return Fill(op, dt, values, rows, weights, size, binary, *out);
}

// RaggedBincount(splits: int64, values: Tidx, size: Tidx, weights: T) -> [len(splits)-1, size].
Status ComputeRagged(DataType dt, bool binary, KernelContext& ctx) {
  const std::string op = "RaggedBincount";
  const Tensor& splits = ctx.input(0);
  if (splits.dtype() != DataType::kInt64 || splits.rank() != 1 || splits.dim(0) < 1) {
    return InvalidArgument(StrCat(op, ": splits must be a non-empty 1-D int64 tensor, got ",
                                  DataTypeName(splits.dtype()), splits.shape().ToString()));
  }
  SERVAL_ASSIGN_OR_RETURN(int64_t size, ReadSize(op, ctx.input(2)));
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> values, ReadValues(op, ctx.input(1), "values"));
  auto sp = splits.flat<int64_t>();
  const int64_t num_rows = splits.dim(0) - 1;
  if (sp[0] != 0) return InvalidArgument(StrCat(op, ": splits must start with 0, got ", sp[0]));
  if (sp[sp.size() - 1] != static_cast<int64_t>(values.size())) {
    return InvalidArgument(StrCat(op, ": splits must end with the number of values, got ", sp[sp.size() - 1],
                                  " instead of ", values.size()));
  }
  std::vector<int64_t> rows(values.size(), 0);
  for (int64_t r = 0; r < num_rows; ++r) {
    const int64_t a = sp[static_cast<size_t>(r)], b = sp[static_cast<size_t>(r) + 1];
    if (b < a) return InvalidArgument(StrCat(op, ": splits must be non-decreasing, got ", a, " then ", b));
    for (int64_t i = a; i < b; ++i) rows[static_cast<size_t>(i)] = r;
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt, TensorShape{num_rows, size}));
  return Fill(op, dt, values, rows, ctx.input(3), size, binary, *out);
}

// SparseBincount(indices: int64 [N, rank], values: Tidx [N], dense_shape: int64 [rank], size, weights)
// -> [size] (rank 1) or [dense_shape[0], size] (rank 2).
Status ComputeSparse(DataType dt, bool binary, KernelContext& ctx) {
  const std::string op = "SparseBincount";
  const Tensor& indices = ctx.input(0);
  const Tensor& shape = ctx.input(2);
  if (indices.dtype() != DataType::kInt64 || indices.rank() != 2 || shape.dtype() != DataType::kInt64 ||
      shape.rank() != 1 || indices.dim(1) != shape.dim(0)) {
    return InvalidArgument(StrCat(op, ": indices must be int64 [N, rank] and dense_shape int64 [rank], got ",
                                  indices.shape().ToString(), " and ", shape.shape().ToString()));
  }
  const int64_t rank = shape.dim(0);
  if (rank != 1 && rank != 2) {
    return InvalidArgument(StrCat(op, ": input must be a 1 or 2-dimensional sparse tensor, got rank ", rank));
  }
  SERVAL_ASSIGN_OR_RETURN(int64_t size, ReadSize(op, ctx.input(3)));
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> values, ReadValues(op, ctx.input(1), "values"));
  if (static_cast<int64_t>(values.size()) != indices.dim(0)) {
    return InvalidArgument(StrCat(op, ": values must have one element per index row: ", values.size(), " vs ",
                                  indices.dim(0)));
  }
  std::vector<int64_t> rows(values.size(), 0);
  TensorShape out_shape{size};
  if (rank == 2) {
    const int64_t num_rows = shape.flat<int64_t>()[0];
    if (num_rows < 0) return InvalidArgument(StrCat(op, ": dense_shape must be non-negative"));
    auto idx = indices.flat<int64_t>();
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i] = idx[i * 2];
      if (rows[i] < 0 || rows[i] >= num_rows) {
        return InvalidArgument(StrCat(op, ": index row ", rows[i], " is out of range [0, ", num_rows, ")"));
      }
    }
    out_shape = TensorShape{num_rows, size};
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt, out_shape));
  return Fill(op, dt, values, rows, ctx.input(4), size, binary, *out);
}

template <typename F>
runtime::KernelFactory Factory(F compute) {
  return [compute](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
    const bool binary = info.GetBoolOr("binary_output", false);
    return runtime::MakeFnKernel([compute, dt, binary](KernelContext& ctx) { return compute(dt, binary, ctx); });
  };
}

}  // namespace

void RegisterBincountKernels(runtime::KernelRegistry& r) {
  const std::vector<DataType> types = {DataType::kInt32, DataType::kInt64, DataType::kFloat, DataType::kDouble};
  r.Register("Bincount", "T", types,
             Factory([](DataType dt, bool, KernelContext& ctx) { return ComputeBincount(dt, ctx); }));
  r.Register("DenseBincount", "T", types, Factory(ComputeDense));
  r.Register("RaggedBincount", "T", types, Factory(ComputeRagged));
  r.Register("SparseBincount", "T", types, Factory(ComputeSparse));
}

}  // namespace serval::kernels::cpu
