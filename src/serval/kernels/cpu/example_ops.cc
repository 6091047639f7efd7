// ParseExample / ParseExampleV2 (TF's example_parsing_ops.cc semantics) for dense and sparse
// features. A missing dense feature takes its default; an empty default makes it required. A
// dense_shape whose first dim is -1 is a variable-length feature padded with the default value.
// Ragged features are not supported (Unimplemented at load).
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "tensorflow/core/example/example.pb.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

struct DenseSpec {
  DataType dtype;
  std::vector<int64_t> shape;  // shape[0] == -1: variable length
  bool var_len = false;
  int64_t stride = 1;  // elements per row (all dims but a variable first one)
};

struct Config {
  bool v2 = false;
  int num_sparse = 0, num_dense = 0;
  std::vector<DataType> sparse_types;
  std::vector<DenseSpec> dense;
};

std::string_view TypeName(DataType t) { return t == DataType::kString ? "string" : DataTypeShortName(t); }

// The dtype of a Feature's value list; kInvalid when no kind is set (treated as missing, as TF does).
DataType FeatureType(const tensorflow::Feature& f) {
  switch (f.kind_case()) {
    case tensorflow::Feature::kFloatList: return DataType::kFloat;
    case tensorflow::Feature::kInt64List: return DataType::kInt64;
    case tensorflow::Feature::kBytesList: return DataType::kString;
    default: return DataType::kInvalid;
  }
}

int64_t FeatureSize(const tensorflow::Feature& f) {
  switch (f.kind_case()) {
    case tensorflow::Feature::kFloatList: return f.float_list().value_size();
    case tensorflow::Feature::kInt64List: return f.int64_list().value_size();
    case tensorflow::Feature::kBytesList: return f.bytes_list().value_size();
    default: return 0;
  }
}

// Copies the feature's values into out[at...].
void CopyFeature(const tensorflow::Feature& f, Tensor& out, int64_t at) {
  const size_t a = static_cast<size_t>(at);
  switch (f.kind_case()) {
    case tensorflow::Feature::kFloatList:
      std::copy(f.float_list().value().begin(), f.float_list().value().end(), out.flat<float>().begin() + a);
      break;
    case tensorflow::Feature::kInt64List:
      std::copy(f.int64_list().value().begin(), f.int64_list().value().end(), out.flat<int64_t>().begin() + a);
      break;
    case tensorflow::Feature::kBytesList:
      std::copy(f.bytes_list().value().begin(), f.bytes_list().value().end(), out.flat<std::string>().begin() + a);
      break;
    default:
      break;
  }
}

// out[at .. at+n) = default element(s): the whole default tensor, or its single value repeated.
void FillDefault(const Tensor& dflt, Tensor& out, int64_t at, int64_t n) {
  const bool single = dflt.num_elements() == 1;
  for (int64_t i = 0; i < n; ++i) {
    const size_t d = single ? 0 : static_cast<size_t>(i), o = static_cast<size_t>(at + i);
    switch (out.dtype()) {
      case DataType::kFloat: out.flat<float>()[o] = dflt.flat<float>()[d]; break;
      case DataType::kInt64: out.flat<int64_t>()[o] = dflt.flat<int64_t>()[d]; break;
      default: out.flat<std::string>()[o] = dflt.flat<std::string>()[d]; break;
    }
  }
}

std::string ExampleName(const Tensor& names, int64_t b) {
  return b < names.num_elements() && !names.flat<std::string>()[static_cast<size_t>(b)].empty()
             ? names.flat<std::string>()[static_cast<size_t>(b)]
             : "<unknown>";
}

Result<std::vector<std::string>> Keys(const Tensor& t, int64_t want, std::string_view what) {
  if (t.dtype() != DataType::kString) return InvalidArgument(StrCat(what, " must be strings"));
  if (t.num_elements() != want) {
    return InvalidArgument(StrCat("Expected len(", what, ") == ", want, ", got ", t.num_elements()));
  }
  return std::vector<std::string>(t.flat<std::string>().begin(), t.flat<std::string>().end());
}

Status Compute(const Config& c, KernelContext& ctx) {
  std::string_view op = c.v2 ? "ParseExampleV2" : "ParseExample";
  const Tensor& serialized = ctx.input(0);
  const Tensor& names = ctx.input(1);
  if (serialized.dtype() != DataType::kString || serialized.rank() > 1) {
    return InvalidArgument(StrCat(op, ": serialized must be a string scalar or vector, got ", serialized.DebugString()));
  }
  if (names.num_elements() != 0 && !(names.shape() == serialized.shape())) {
    return InvalidArgument(StrCat(op, ": names must be empty or have the shape of serialized ",
                                  serialized.shape().ToString(), ", got ", names.shape().ToString()));
  }
  // Inputs: v1 lists Nsparse key scalars, Ndense key scalars, Ndense defaults; v2 has key vectors.
  std::vector<std::string> sparse_keys, dense_keys;
  std::vector<const Tensor*> defaults;
  if (c.v2) {
    SERVAL_ASSIGN_OR_RETURN(sparse_keys, Keys(ctx.input(2), c.num_sparse, "sparse_keys"));
    SERVAL_ASSIGN_OR_RETURN(dense_keys, Keys(ctx.input(3), c.num_dense, "dense_keys"));
    for (int j = 0; j < c.num_dense; ++j) defaults.push_back(&ctx.input(5 + j));
  } else {
    for (int i = 0; i < c.num_sparse; ++i) {
      SERVAL_ASSIGN_OR_RETURN(auto k, Keys(ctx.input(2 + i), 1, "sparse_keys[i]"));
      sparse_keys.push_back(k[0]);
    }
    for (int j = 0; j < c.num_dense; ++j) {
      SERVAL_ASSIGN_OR_RETURN(auto k, Keys(ctx.input(2 + c.num_sparse + j), 1, "dense_keys[i]"));
      dense_keys.push_back(k[0]);
      defaults.push_back(&ctx.input(2 + c.num_sparse + c.num_dense + j));
    }
  }
  const bool scalar = serialized.rank() == 0;
  const int64_t batch = scalar ? 1 : serialized.dim(0);
  std::vector<tensorflow::Example> examples(static_cast<size_t>(batch));
  for (int64_t b = 0; b < batch; ++b) {
    const std::string& bytes = serialized.flat<std::string>()[static_cast<size_t>(b)];
    if (!examples[static_cast<size_t>(b)].ParseFromString(bytes)) {
      return InvalidArgument(StrCat(op, ": could not parse example input, value: ", CEscape(bytes)));
    }
  }
  auto find = [&](int64_t b, const std::string& key, DataType want) -> Result<const tensorflow::Feature*> {
    const auto& fmap = examples[static_cast<size_t>(b)].features().feature();
    auto it = fmap.find(key);
    if (it == fmap.end() || FeatureType(it->second) == DataType::kInvalid) return nullptr;
    if (FeatureType(it->second) != want) {
      return InvalidArgument(StrCat("Name: ", ExampleName(names, b), ", Key: ", key, ", Index: ", b,
                                    ".  Data types don't match. Data type: ", TypeName(FeatureType(it->second)),
                                    " but expected type: ", TypeName(want)));
    }
    return &it->second;
  };

  // Sparse: indices [N,2] (batch, position), values [N], dense_shape [batch, max_len].
  for (int i = 0; i < c.num_sparse; ++i) {
    std::vector<const tensorflow::Feature*> feats(static_cast<size_t>(batch));
    int64_t total = 0, max_len = 0;
    for (int64_t b = 0; b < batch; ++b) {
      SERVAL_ASSIGN_OR_RETURN(feats[static_cast<size_t>(b)], find(b, sparse_keys[static_cast<size_t>(i)],
                                                                  c.sparse_types[static_cast<size_t>(i)]));
      const int64_t n = feats[static_cast<size_t>(b)] ? FeatureSize(*feats[static_cast<size_t>(b)]) : 0;
      total += n;
      max_len = std::max(max_len, n);
    }
    const int64_t rank = scalar ? 1 : 2;
    SERVAL_ASSIGN_OR_RETURN(Tensor * ind, ctx.allocate_output(i, DataType::kInt64, TensorShape{total, rank}));
    SERVAL_ASSIGN_OR_RETURN(Tensor * val, ctx.allocate_output(c.num_sparse + i, c.sparse_types[static_cast<size_t>(i)],
                                                              TensorShape{total}));
    int64_t at = 0;
    for (int64_t b = 0; b < batch; ++b) {
      const auto* f = feats[static_cast<size_t>(b)];
      if (!f) continue;
      const int64_t n = FeatureSize(*f);
      CopyFeature(*f, *val, at);
      for (int64_t k = 0; k < n; ++k) {
        auto w = ind->flat<int64_t>();
        if (scalar) {
          w[static_cast<size_t>(at + k)] = k;
        } else {
          w[static_cast<size_t>(2 * (at + k))] = b;
          w[static_cast<size_t>(2 * (at + k) + 1)] = k;
        }
      }
      at += n;
    }
    std::vector<int64_t> shp = scalar ? std::vector<int64_t>{max_len} : std::vector<int64_t>{batch, max_len};
    ctx.set_output(2 * c.num_sparse + i, Tensor::FromVector<int64_t>(shp, TensorShape{rank}));
  }

  for (int j = 0; j < c.num_dense; ++j) {
    const DenseSpec& d = c.dense[static_cast<size_t>(j)];
    const std::string& key = dense_keys[static_cast<size_t>(j)];
    const Tensor& dflt = *defaults[static_cast<size_t>(j)];
    if (dflt.dtype() != d.dtype) {
      return InvalidArgument(StrCat(op, ": dense_defaults[", j, "] for key ", key, " is ", DataTypeName(dflt.dtype()),
                                    ", expected ", DataTypeName(d.dtype)));
    }
    const bool required = dflt.num_elements() == 0;
    if (!required && !d.var_len && dflt.num_elements() != d.stride) {
      return InvalidArgument(StrCat(op, ": default value for key ", key, " has shape ", dflt.shape().ToString(),
                                    ", expected shape ", DimsToString(d.shape)));
    }
    if (!required && d.var_len && dflt.num_elements() != 1) {
      return InvalidArgument(StrCat(op, ": default value for variable-length key ", key,
                                    " must have one element, got shape ", dflt.shape().ToString()));
    }
    std::vector<const tensorflow::Feature*> feats(static_cast<size_t>(batch));
    int64_t rows = d.var_len ? 0 : 1;
    for (int64_t b = 0; b < batch; ++b) {
      SERVAL_ASSIGN_OR_RETURN(const tensorflow::Feature* f, find(b, key, d.dtype));
      feats[static_cast<size_t>(b)] = f;
      if (!f) {
        if (required && !d.var_len) {
          return InvalidArgument(StrCat("Name: ", ExampleName(names, b), ", Feature: ", key, " (data type: ",
                                        TypeName(d.dtype), ") is required but could not be found."));
        }
        continue;
      }
      const int64_t n = FeatureSize(*f);
      if (d.var_len) {
        if (n % d.stride != 0) {
          return InvalidArgument(StrCat("Name: ", ExampleName(names, b), ", Key: ", key, ", Index: ", b,
                                        ".  Number of ", TypeName(d.dtype), " values is not a multiple of stride ",
                                        d.stride, ". Values size: ", n, " but output shape: ", DimsToString(d.shape)));
        }
        rows = std::max(rows, n / d.stride);
      } else if (n != d.stride) {
        return InvalidArgument(StrCat("Name: ", ExampleName(names, b), ", Key: ", key, ", Index: ", b, ".  Number of ",
                                      TypeName(d.dtype), " values != expected.  Values size: ", n,
                                      " but output shape: ", DimsToString(d.shape)));
      }
    }
    std::vector<int64_t> dims = d.shape;
    if (d.var_len) dims[0] = rows;
    if (!scalar) dims.insert(dims.begin(), batch);
    SERVAL_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Make(dims));
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(3 * c.num_sparse + j, d.dtype, shape));
    const int64_t per_example = rows * d.stride;
    for (int64_t b = 0; b < batch; ++b) {
      const auto* f = feats[static_cast<size_t>(b)];
      const int64_t at = b * per_example;
      const int64_t n = f ? FeatureSize(*f) : 0;
      if (f) CopyFeature(*f, *out, at);
      if (n >= per_example) continue;
      if (!required) {
        // Missing fixed-size features copy the whole default; variable-length ones pad with it.
        FillDefault(dflt, *out, at + n, per_example - n);
        continue;
      }
      // Only a variable-length feature gets here without a default: pad with zeros / "".
      for (int64_t k = at + n; k < at + per_example; ++k) {
        if (d.dtype == DataType::kFloat) out->flat<float>()[static_cast<size_t>(k)] = 0;
        else if (d.dtype == DataType::kInt64) out->flat<int64_t>()[static_cast<size_t>(k)] = 0;
      }
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<Kernel>> Make(const KernelInfo& info, bool v2) {
  Config c;
  c.v2 = v2;
  std::string_view op = v2 ? "ParseExampleV2" : "ParseExample";
  SERVAL_ASSIGN_OR_RETURN(std::vector<DataType> tdense, info.GetTypeList("Tdense"));
  SERVAL_ASSIGN_OR_RETURN(c.sparse_types, info.GetTypeList("sparse_types"));
  c.num_dense = static_cast<int>(tdense.size());
  if (v2) {
    SERVAL_ASSIGN_OR_RETURN(int64_t ns, info.GetInt("num_sparse"));
    c.num_sparse = static_cast<int>(ns);
    const auto* rv = info.FindAttr("ragged_value_types");
    if (rv != nullptr && rv->list().type_size() > 0) {
      return Unimplemented(StrCat(op, ": ragged features are not supported (", rv->list().type_size(), " requested)"));
    }
  } else {
    SERVAL_ASSIGN_OR_RETURN(int64_t ns, info.GetInt("Nsparse"));
    SERVAL_ASSIGN_OR_RETURN(int64_t nd, info.GetInt("Ndense"));
    c.num_sparse = static_cast<int>(ns);
    if (nd != c.num_dense) {
      return InvalidArgument(StrCat(op, ": attr Ndense is ", nd, " but Tdense has ", c.num_dense, " types"));
    }
  }
  if (c.num_sparse != static_cast<int>(c.sparse_types.size())) {
    return InvalidArgument(StrCat(op, ": ", c.num_sparse, " sparse keys but sparse_types has ", c.sparse_types.size(),
                                  " types"));
  }
  auto ok_type = [](DataType t) { return t == DataType::kFloat || t == DataType::kInt64 || t == DataType::kString; };
  for (DataType t : c.sparse_types) {
    if (!ok_type(t)) return InvalidArgument(StrCat(op, ": sparse_types contains unsupported ", DataTypeName(t)));
  }
  const auto* shapes = info.FindAttr("dense_shapes");
  const int nshapes = shapes ? shapes->list().shape_size() : 0;
  if (nshapes != c.num_dense) {
    return InvalidArgument(StrCat(op, ": attr dense_shapes has ", nshapes, " shapes, expected ", c.num_dense));
  }
  for (int j = 0; j < c.num_dense; ++j) {
    DenseSpec d;
    d.dtype = tdense[static_cast<size_t>(j)];
    if (!ok_type(d.dtype)) return InvalidArgument(StrCat(op, ": Tdense contains unsupported ", DataTypeName(d.dtype)));
    const auto& sp = shapes->list().shape(j);
    if (sp.unknown_rank()) return InvalidArgument(StrCat(op, ": dense_shapes[", j, "] has unknown rank"));
    for (int k = 0; k < sp.dim_size(); ++k) {
      const int64_t v = sp.dim(k).size();
      if (v < 0 && !(k == 0 && v == -1)) {
        return InvalidArgument(StrCat(op, ": dense_shapes[", j, "] has an unknown dim other than the first"));
      }
      d.shape.push_back(v);
    }
    d.var_len = !d.shape.empty() && d.shape[0] == -1;
    for (size_t k = d.var_len ? 1 : 0; k < d.shape.size(); ++k) d.stride *= d.shape[k];
    if (d.var_len && d.stride == 0) return InvalidArgument(StrCat(op, ": dense_shapes[", j, "] has a zero row size"));
    c.dense.push_back(std::move(d));
  }
  const int want_inputs = v2 ? 5 + c.num_dense : 2 + c.num_sparse + 2 * c.num_dense;
  if (info.num_inputs() != want_inputs) {
    return InvalidArgument(StrCat(op, ": expected ", want_inputs, " inputs, got ", info.num_inputs()));
  }
  return runtime::MakeFnKernel([c](KernelContext& ctx) { return Compute(c, ctx); });
}

}  // namespace

void RegisterExampleKernels(runtime::KernelRegistry& r) {
  r.Register("ParseExample", [](const KernelInfo& info) { return Make(info, false); });
  r.Register("ParseExampleV2", [](const KernelInfo& info) { return Make(info, true); });
}

}  // namespace serval::kernels::cpu
