// Ragged and sparse → dense conversions Keras preprocessing exports: RaggedTensorToTensor
// (RaggedTensor.to_tensor, e.g. TextVectorization output_mode="int") and SparseToDense.
// RaggedTensorToTensor accepts row_partition_types of ROW_SPLITS per ragged level, or
// FIRST_DIM_SIZE followed by VALUE_ROWIDS per level, as TF writes them. Output dims are the
// `shape` input's where given (>= 0) and the natural ones (row count, longest row) otherwise;
// rows and columns beyond a given size are dropped, missing ones take default_value (a scalar or
// one value element).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

Result<std::vector<int64_t>> ToInt64(const Tensor& t, const std::string& what) {
  std::vector<int64_t> v(static_cast<size_t>(t.num_elements()));
  if (t.dtype() == DataType::kInt32) {
    auto f = t.flat<int32_t>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = f[i];
  } else if (t.dtype() == DataType::kInt64) {
    auto f = t.flat<int64_t>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = f[i];
  } else {
    return InvalidArgument(StrCat(what, " must be int32 or int64, got ", DataTypeName(t.dtype())));
  }
  return v;
}

// Copies element `from` of `src` (elements of `elem` scalars) to element `to` of `dst`.
void CopyElement(const Tensor& src, int64_t from, Tensor& dst, int64_t to, int64_t elem) {
  if (src.dtype() == DataType::kString) {
    auto s = src.flat<std::string>();
    auto d = dst.flat<std::string>();
    for (int64_t i = 0; i < elem; ++i) d[static_cast<size_t>(to * elem + i)] = s[static_cast<size_t>(from * elem + i)];
    return;
  }
  const size_t bytes = static_cast<size_t>(elem) * DataTypeSize(src.dtype());
  std::memcpy(static_cast<char*>(dst.raw_data()) + static_cast<size_t>(to) * bytes,
              static_cast<const char*>(src.raw_data()) + static_cast<size_t>(from) * bytes, bytes);
}

class RaggedToTensorKernel final : public Kernel {
 public:
  RaggedToTensorKernel(DataType dt, std::vector<std::string> types) : dt_(dt), types_(std::move(types)) {}

  Status Compute(KernelContext& ctx) const override {
    static const std::string op = "RaggedTensorToTensor";
    const Tensor& shape_t = ctx.input(0);
    const Tensor& values = ctx.input(1);
    const Tensor& dflt = ctx.input(2);
    const int num_partitions = ctx.num_inputs() - 3;
    if (values.dtype() != dt_ || dflt.dtype() != dt_) {
      return InvalidArgument(StrCat(op, ": values and default_value must be ", DataTypeName(dt_)));
    }
    if (num_partitions != static_cast<int>(types_.size())) {
      return InvalidArgument(StrCat(op, ": got ", num_partitions, " row partition tensors for ", types_.size(),
                                    " row_partition_types"));
    }
    if (values.rank() < 1) return InvalidArgument(StrCat(op, ": values must have rank >= 1"));
    // splits[l] partitions the items of level l+1 (the last level's items are values' rows).
    std::vector<std::vector<int64_t>> splits;
    int64_t nrows = 0;
    if (types_[0] == "FIRST_DIM_SIZE") {
      SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> first, ToInt64(ctx.input(3), op + ": FIRST_DIM_SIZE"));
      if (first.size() != 1 || first[0] < 0) return InvalidArgument(StrCat(op, ": FIRST_DIM_SIZE must be a scalar >= 0"));
      nrows = first[0];
      for (int i = 1; i < num_partitions; ++i) {
        SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> ids, ToInt64(ctx.input(3 + i), op + ": VALUE_ROWIDS"));
        const int64_t parent_rows = i == 1 ? nrows : splits.back().back();
        std::vector<int64_t> sp(static_cast<size_t>(parent_rows) + 1, 0);
        for (size_t k = 0; k < ids.size(); ++k) {
          if (ids[k] < 0 || ids[k] >= parent_rows || (k > 0 && ids[k] < ids[k - 1])) {
            return InvalidArgument(StrCat(op, ": VALUE_ROWIDS must be sorted and in [0, ", parent_rows, "), got ", ids[k],
                                          " at ", k));
          }
          ++sp[static_cast<size_t>(ids[k]) + 1];
        }
        for (size_t k = 1; k < sp.size(); ++k) sp[k] += sp[k - 1];
        splits.push_back(std::move(sp));
      }
    } else {
      for (int i = 0; i < num_partitions; ++i) {
        SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> sp, ToInt64(ctx.input(3 + i), op + ": ROW_SPLITS"));
        if (sp.empty() || sp[0] != 0) return InvalidArgument(StrCat(op, ": ROW_SPLITS must start with 0"));
        for (size_t k = 1; k < sp.size(); ++k) {
          if (sp[k] < sp[k - 1]) return InvalidArgument(StrCat(op, ": ROW_SPLITS must be non-decreasing"));
        }
        if (i > 0 && static_cast<int64_t>(sp.size()) - 1 != splits.back().back()) {
          return InvalidArgument(StrCat(op, ": ROW_SPLITS of level ", i, " describe ", sp.size() - 1,
                                        " rows but the level above has ", splits.back().back(), " items"));
        }
        splits.push_back(std::move(sp));
      }
      nrows = static_cast<int64_t>(splits[0].size()) - 1;
    }
    if (splits.empty()) return InvalidArgument(StrCat(op, ": at least one ragged partition is required"));
    if (splits.back().back() != values.dim(0)) {
      return InvalidArgument(StrCat(op, ": the row partition describes ", splits.back().back(), " values but values has ",
                                    values.dim(0)));
    }
    const size_t levels = splits.size();
    // Natural dims: rows, the longest row of each level, then values' inner dims.
    std::vector<int64_t> dims{nrows};
    for (const auto& sp : splits) {
      int64_t longest = 0;
      for (size_t k = 1; k < sp.size(); ++k) longest = std::max(longest, sp[k] - sp[k - 1]);
      dims.push_back(longest);
    }
    int64_t elem = 1;
    for (int d = 1; d < values.rank(); ++d) {
      dims.push_back(values.dim(d));
      elem *= values.dim(d);
    }
    SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> want, ToInt64(shape_t, op + ": shape"));
    if (shape_t.rank() == 1 && !want.empty()) {
      if (want.size() != dims.size()) {
        return InvalidArgument(StrCat(op, ": shape has ", want.size(), " dims but the ragged tensor has rank ",
                                      dims.size()));
      }
      for (size_t d = 0; d < dims.size(); ++d) {
        if (want[d] < 0) continue;
        if (d > levels && want[d] != dims[d]) {
          return InvalidArgument(StrCat(op, ": shape dim ", d, " is ", want[d], " but values have ", dims[d]));
        }
        dims[d] = want[d];
      }
    }
    SERVAL_ASSIGN_OR_RETURN(TensorShape out_shape, TensorShape::Make(dims));
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt_, out_shape));
    const int64_t cells = elem == 0 ? 0 : out->num_elements() / elem;
    if (dflt.num_elements() != 1 && dflt.num_elements() != elem) {
      return InvalidArgument(StrCat(op, ": default_value ", dflt.shape().ToString(),
                                    " must be a scalar or one value element"));
    }
    for (int64_t c = 0; c < cells; ++c) {
      if (dflt.num_elements() == 1) {
        for (int64_t e = 0; e < elem; ++e) CopyElement(dflt, 0, *out, c * elem + e, 1);
      } else {
        CopyElement(dflt, 0, *out, c, elem);
      }
    }
    if (cells == 0) return Status::Ok();
    // stride[l] = number of value elements per step in output dim l (in units of `elem`).
    std::vector<int64_t> stride(levels + 1, 1);
    for (size_t l = levels; l-- > 0;) stride[l] = stride[l + 1] * dims[l + 1];
    for (int64_t r = 0; r < std::min(nrows, dims[0]); ++r) Visit(splits, values, 0, r, r * stride[0], dims, stride, elem, *out);
    return Status::Ok();
  }

 private:
  // Places item `item` of output dim `l` (a row when l == 0, a value row when l == levels) at
  // output cell `at`, recursing into its children up to the output's size.
  static void Visit(const std::vector<std::vector<int64_t>>& splits, const Tensor& values, size_t l, int64_t item,
                    int64_t at, const std::vector<int64_t>& dims, const std::vector<int64_t>& stride, int64_t elem,
                    Tensor& out) {
    if (l == splits.size()) {
      CopyElement(values, item, out, at, elem);
      return;
    }
    const auto& sp = splits[l];
    const int64_t b = sp[static_cast<size_t>(item)];
    const int64_t n = std::min(sp[static_cast<size_t>(item) + 1] - b, dims[l + 1]);
    for (int64_t j = 0; j < n; ++j) Visit(splits, values, l + 1, b + j, at + j * stride[l + 1], dims, stride, elem, out);
  }

  DataType dt_;
  std::vector<std::string> types_;
};

Result<std::unique_ptr<Kernel>> MakeRaggedToTensor(const KernelInfo& info) {
  SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
  const tensorflow::AttrValue* a = info.FindAttr("row_partition_types");
  if (a == nullptr || a->list().s_size() == 0) {
    return InvalidArgument("RaggedTensorToTensor: attr 'row_partition_types' is missing or empty");
  }
  std::vector<std::string> types(a->list().s().begin(), a->list().s().end());
  if (types[0] == "FIRST_DIM_SIZE") {
    if (types.size() < 2) return InvalidArgument("RaggedTensorToTensor: FIRST_DIM_SIZE must be followed by VALUE_ROWIDS");
    for (size_t i = 1; i < types.size(); ++i) {
      if (types[i] != "VALUE_ROWIDS") {
        return Unimplemented(StrCat("RaggedTensorToTensor: row partition '", types[i],
                                    "' after FIRST_DIM_SIZE is not supported (only VALUE_ROWIDS)"));
      }
    }
  } else {
    for (const auto& t : types) {
      if (t != "ROW_SPLITS") {
        return Unimplemented(StrCat("RaggedTensorToTensor: row partition '", t,
                                    "' is not supported (ROW_SPLITS, or FIRST_DIM_SIZE + VALUE_ROWIDS)"));
      }
    }
  }
  return std::unique_ptr<Kernel>(std::make_unique<RaggedToTensorKernel>(dt, std::move(types)));
}

// SparseToDense(sparse_indices [N, rank] / [N] / [], output_shape [rank], sparse_values [N] / [],
// default_value []) -> dense.
Status ComputeSparseToDense(DataType dt, bool validate, KernelContext& ctx) {
  static const std::string op = "SparseToDense";
  const Tensor& idx_t = ctx.input(0);
  const Tensor& values = ctx.input(2);
  const Tensor& dflt = ctx.input(3);
  if (values.dtype() != dt || dflt.dtype() != dt) {
    return InvalidArgument(StrCat(op, ": sparse_values and default_value must be ", DataTypeName(dt)));
  }
  if (idx_t.rank() > 2) return InvalidArgument(StrCat(op, ": sparse_indices should be a scalar, vector, or matrix"));
  if (dflt.num_elements() != 1) return InvalidArgument(StrCat(op, ": default_value should be a scalar"));
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ToInt64(ctx.input(1), op + ": output_shape"));
  if (ctx.input(1).rank() > 1) return InvalidArgument(StrCat(op, ": output_shape should be a scalar or vector"));
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> idx, ToInt64(idx_t, op + ": sparse_indices"));
  const int64_t n = idx_t.rank() == 0 ? 1 : idx_t.dim(0);
  const int64_t rank = idx_t.rank() == 2 ? idx_t.dim(1) : 1;
  if (rank != static_cast<int64_t>(shape.size())) {
    return InvalidArgument(StrCat(op, ": sparse_indices rank ", rank, " does not match output_shape size ",
                                  shape.size()));
  }
  if (values.num_elements() != 1 && values.num_elements() != n) {
    return InvalidArgument(StrCat(op, ": sparse_values has ", values.num_elements(), " elements, expected 1 or ", n));
  }
  SERVAL_ASSIGN_OR_RETURN(TensorShape out_shape, TensorShape::Make(shape));
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt, out_shape));
  for (int64_t c = 0; c < out->num_elements(); ++c) CopyElement(dflt, 0, *out, c, 1);
  int64_t prev = -1;
  for (int64_t i = 0; i < n; ++i) {
    int64_t flat = 0;
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t v = idx[static_cast<size_t>(i * rank + d)];
      if (v < 0 || v >= shape[static_cast<size_t>(d)]) {
        return InvalidArgument(StrCat(op, ": indices[", i, "] is out of bounds: index ", v, " in dim ", d, " of size ",
                                      shape[static_cast<size_t>(d)]));
      }
      flat = flat * shape[static_cast<size_t>(d)] + v;
    }
    if (validate && flat <= prev) {
      return InvalidArgument(StrCat(op, ": indices[", i, "] is out of order or repeated"));
    }
    prev = flat;
    CopyElement(values, values.num_elements() == 1 ? 0 : i, *out, flat, 1);
  }
  return Status::Ok();
}

}  // namespace

void RegisterRaggedKernels(runtime::KernelRegistry& r) {
  r.Register("RaggedTensorToTensor", MakeRaggedToTensor);
  r.Register("SparseToDense", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
    const bool validate = info.GetBoolOr("validate_indices", true);
    return runtime::MakeFnKernel([dt, validate](KernelContext& ctx) { return ComputeSparseToDense(dt, validate, ctx); });
  });
}

}  // namespace serval::kernels::cpu
