// Hash-table kernels (TF's lookup_table_op.cc / lookup_table_init_op.cc semantics). The table
// lives in the ResourceManager under (container, shared_name) — the node name when shared_name
// is empty — so the init plan and every serving plan reach the same table.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <type_traits>
#include <memory>

#include "serval/base/file.h"
#include "serval/base/strings.h"
#include "serval/kernels/cpu/lookup_table.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

constexpr int64_t kLineNumber = -1;
constexpr int64_t kWholeLine = -2;
constexpr uint64_t kMaxVocabFileBytes = uint64_t{1} << 32;

bool IsKeyType(DataType t) {
  return t == DataType::kString || t == DataType::kInt32 || t == DataType::kInt64 || t == DataType::kFloat ||
         t == DataType::kDouble;
}
bool IsValueType(DataType t) { return IsKeyType(t) || t == DataType::kBool; }

Result<std::shared_ptr<LookupTable>> TableFromHandle(const Tensor& h, std::string_view op) {
  if (h.dtype() != DataType::kResource || h.num_elements() != 1) {
    return InvalidArgument(StrCat(op, ": table_handle must be a scalar resource, got ", h.DebugString()));
  }
  auto t = std::dynamic_pointer_cast<LookupTable>(h.flat<ObjectPtr>()[0]);
  if (!t) return InvalidArgument(StrCat(op, ": table_handle does not refer to a lookup table"));
  return t;
}

Tensor HandleTensor(ObjectPtr p) {
  Tensor t(DataType::kResource, TensorShape{});
  t.flat<ObjectPtr>()[0] = std::move(p);
  return t;
}

// HashTableV2 / MutableHashTableV2.
Result<std::unique_ptr<Kernel>> MakeTableKernel(const KernelInfo& info, bool is_mutable) {
  SERVAL_ASSIGN_OR_RETURN(DataType kt, info.GetType("key_dtype"));
  SERVAL_ASSIGN_OR_RETURN(DataType vt, info.GetType("value_dtype"));
  if (!IsKeyType(kt)) return InvalidArgument(StrCat("key_dtype ", DataTypeName(kt), " is not supported"));
  if (!IsValueType(vt)) return InvalidArgument(StrCat("value_dtype ", DataTypeName(vt), " is not supported"));
  std::string container = info.GetStringOr("container", "");
  std::string name = info.GetStringOr("shared_name", "");
  if (name.empty()) name = info.name();
  auto make = [=]() -> Result<ObjectPtr> { return ObjectPtr(std::make_shared<LookupTable>(kt, vt, is_mutable, name)); };
  auto get = [=](runtime::ResourceManager* rm) -> Result<ObjectPtr> {
    SERVAL_ASSIGN_OR_RETURN(ObjectPtr p, rm->LookupOrCreate(container, name, make));
    auto t = std::dynamic_pointer_cast<LookupTable>(p);
    if (!t) return InvalidArgument(StrCat("resource ", container, "/", name, " exists and is not a lookup table"));
    SERVAL_RETURN_IF_ERROR(t->CheckDtypes(kt, vt));
    return p;
  };
  // Create at load so dtype conflicts surface then; the run looks it up again because the run's
  // ResourceManager is the authority.
  if (info.resources() != nullptr) SERVAL_RETURN_IF_ERROR(get(info.resources()).status());
  return runtime::MakeFnKernel([get](KernelContext& ctx) -> Status {
    if (ctx.run().resources == nullptr) return FailedPrecondition("no resource manager for a hash table");
    SERVAL_ASSIGN_OR_RETURN(ObjectPtr p, get(ctx.run().resources));
    ctx.set_output(0, HandleTensor(std::move(p)));
    return Status::Ok();
  });
}

// TF's safe_strto* accept surrounding whitespace and nothing else.
template <typename T>
bool ParseNumber(const std::string& s, T* out) {
  const char* b = s.c_str();
  char* end = nullptr;
  errno = 0;
  if constexpr (std::is_same_v<T, float>) {
    *out = std::strtof(b, &end);
  } else if constexpr (std::is_same_v<T, double>) {
    *out = std::strtod(b, &end);
  } else {
    long long v = std::strtoll(b, &end, 10);
    if (errno == ERANGE || v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) return false;
    *out = static_cast<T>(v);
  }
  if (end == b) return false;
  while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r' || *end == '\f' || *end == '\v') ++end;
  return *end == '\0';
}

struct TextFileSpec {
  int64_t key_index, value_index, vocab_size, offset;
  char delimiter;
};

// Sets t[row] from a line field (TF's TextFileLineIterator::SetValue).
Status SetField(Tensor& t, int64_t row, const std::string& line, const std::vector<std::string>& tokens,
                int64_t index, int64_t line_no, int64_t offset, const std::string& file) {
  const size_t r = static_cast<size_t>(row);
  if (index == kLineNumber) {
    t.flat<int64_t>()[r] = line_no + offset;
    return Status::Ok();
  }
  const std::string& tok = index == kWholeLine ? line : tokens[static_cast<size_t>(index)];
  auto bad = [&](std::string_view type) {
    return InvalidArgument(StrCat("Field ", tok, " in line ", line_no, " of ", file, " is not a valid ", type, "."));
  };
  switch (t.dtype()) {
    case DataType::kInt32: {
      int32_t v;
      if (!ParseNumber(tok, &v)) return bad("int32");
      t.flat<int32_t>()[r] = static_cast<int32_t>(v + offset);  // TF adds offset to int32 fields too
      break;
    }
    case DataType::kInt64: {
      int64_t v;
      if (!ParseNumber(tok, &v)) return bad("int64");
      t.flat<int64_t>()[r] = v;
      break;
    }
    case DataType::kFloat: {
      float v;
      if (!ParseNumber(tok, &v)) return bad("float");
      t.flat<float>()[r] = v;
      break;
    }
    case DataType::kDouble: {
      double v;
      if (!ParseNumber(tok, &v)) return bad("double");
      t.flat<double>()[r] = v;
      break;
    }
    case DataType::kString:
      t.flat<std::string>()[r] = tok;
      break;
    default:
      return InvalidArgument(StrCat("Data type ", DataTypeName(t.dtype()), " not supported."));
  }
  return Status::Ok();
}

Status InitFromTextFile(LookupTable& table, const std::string& file, const TextFileSpec& s) {
  const DataType kt = table.key_dtype(), vt = table.value_dtype();
  if (s.key_index == kLineNumber && kt != DataType::kInt64) {
    return InvalidArgument(StrCat("Key index for line number requires table key dtype of int64, got ",
                                  DataTypeName(kt)));
  }
  if (s.key_index == kWholeLine && !IsInteger(kt) && kt != DataType::kString) {
    return InvalidArgument(StrCat("Key index for whole line requires string or integer table key, got ",
                                  DataTypeName(kt)));
  }
  if (s.value_index == kLineNumber && vt != DataType::kInt64) {
    return InvalidArgument(StrCat("Value index for line number requires table value dtype of int64, got ",
                                  DataTypeName(vt)));
  }
  if (s.value_index == kWholeLine && !IsInteger(vt) && vt != DataType::kString) {
    return InvalidArgument(StrCat("Value index for whole line requires table value dtype of integer or string, got ",
                                  DataTypeName(vt)));
  }
  SERVAL_ASSIGN_OR_RETURN(std::string contents, ReadFileToString(file, kMaxVocabFileBytes));
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < contents.size();) {
    size_t nl = contents.find('\n', pos);
    if (nl == std::string::npos) nl = contents.size();
    std::string line = contents.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();  // as TF's InputBuffer::ReadLine
    lines.push_back(std::move(line));
    pos = nl + 1;
    if (s.vocab_size != -1 && static_cast<int64_t>(lines.size()) >= s.vocab_size) break;
  }
  const int64_t n = static_cast<int64_t>(lines.size());
  if (s.vocab_size != -1 && n != s.vocab_size) {
    return InvalidArgument(StrCat("Invalid vocab_size in ", file, ": expected ", s.vocab_size, " but got ", n));
  }
  Tensor keys(kt, TensorShape{n}), values(vt, TensorShape{n});
  const bool split = std::max(s.key_index, s.value_index) >= 0;
  const size_t need = static_cast<size_t>(std::max(s.key_index, s.value_index) + 1);
  std::vector<std::string> tokens;
  for (int64_t i = 0; i < n; ++i) {
    const std::string& line = lines[static_cast<size_t>(i)];
    if (line.empty()) {
      return InvalidArgument(StrCat("Invalid content in ", file, ": empty line found at line ", i, "."));
    }
    tokens.clear();
    if (split) {
      for (size_t p = 0;;) {
        size_t q = line.find(s.delimiter, p);
        tokens.push_back(line.substr(p, q == std::string::npos ? std::string::npos : q - p));
        if (q == std::string::npos) break;
        p = q + 1;
      }
      if (tokens.size() < need) {
        return InvalidArgument(StrCat("Invalid number of columns in ", file, " line ", i, " (", line,
                                      ") : expected at least ", need, " got ", tokens.size()));
      }
    }
    SERVAL_RETURN_IF_ERROR(SetField(keys, i, line, tokens, s.key_index, i, s.offset, file));
    SERVAL_RETURN_IF_ERROR(SetField(values, i, line, tokens, s.value_index, i, s.offset, file));
  }
  if (table.is_mutable()) return table.Import(keys, values);
  return table.Initialize(keys, values);
}

}  // namespace

void RegisterLookupKernels(runtime::KernelRegistry& r) {
  r.Register("HashTableV2", [](const KernelInfo& info) { return MakeTableKernel(info, false); });
  r.Register("MutableHashTableV2", [](const KernelInfo& info) { return MakeTableKernel(info, true); });

  r.Register("LookupTableFindV2", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType tin, info.GetType("Tin"));
    SERVAL_ASSIGN_OR_RETURN(DataType tout, info.GetType("Tout"));
    return runtime::MakeFnKernel([tin, tout](KernelContext& ctx) -> Status {
      constexpr std::string_view kOp = "LookupTableFindV2";
      SERVAL_ASSIGN_OR_RETURN(auto table, TableFromHandle(ctx.input(0), kOp));
      SERVAL_RETURN_IF_ERROR(table->CheckDtypes(tin, tout));
      const Tensor& keys = ctx.input(1);
      const Tensor& dflt = ctx.input(2);
      if (keys.dtype() != tin || dflt.dtype() != tout) {
        return InvalidArgument(StrCat(kOp, ": expected keys ", DataTypeName(tin), " and default_value ",
                                      DataTypeName(tout), ", got ", DataTypeName(keys.dtype()), " and ",
                                      DataTypeName(dflt.dtype())));
      }
      if (dflt.rank() != 0 && !(dflt.shape() == keys.shape())) {
        return InvalidArgument(StrCat(kOp, ": default_value must be a scalar or have the keys' shape ",
                                      keys.shape().ToString(), ", got ", dflt.shape().ToString()));
      }
      SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, tout, keys.shape()));
      return table->Find(keys, dflt, *out);
    });
  });

  r.Register("LookupTableSizeV2", [](const KernelInfo&) -> Result<std::unique_ptr<Kernel>> {
    return runtime::MakeFnKernel([](KernelContext& ctx) -> Status {
      SERVAL_ASSIGN_OR_RETURN(auto table, TableFromHandle(ctx.input(0), "LookupTableSizeV2"));
      ctx.set_output(0, Tensor::Scalar<int64_t>(table->size()));
      return Status::Ok();
    });
  });

  r.Register("LookupTableExportV2", [](const KernelInfo&) -> Result<std::unique_ptr<Kernel>> {
    return runtime::MakeFnKernel([](KernelContext& ctx) -> Status {
      SERVAL_ASSIGN_OR_RETURN(auto table, TableFromHandle(ctx.input(0), "LookupTableExportV2"));
      Tensor k, v;
      table->Export(&k, &v);
      ctx.set_output(0, std::move(k));
      ctx.set_output(1, std::move(v));
      return Status::Ok();
    });
  });

  // InitializeTableV2, LookupTableImportV2 and LookupTableInsertV2 share one shape: (handle, keys, values).
  auto keys_values_op = [&r](const std::string& op, int mode) {
    r.Register(op, [op, mode](const KernelInfo&) -> Result<std::unique_ptr<Kernel>> {
      return runtime::MakeFnKernel([op, mode](KernelContext& ctx) -> Status {
        SERVAL_ASSIGN_OR_RETURN(auto table, TableFromHandle(ctx.input(0), op));
        const Tensor& keys = ctx.input(1);
        const Tensor& values = ctx.input(2);
        if (!(keys.shape() == values.shape())) {
          return InvalidArgument(StrCat(op, ": keys and values must have the same shape, got keys ",
                                        keys.shape().ToString(), " and values ", values.shape().ToString()));
        }
        if (mode == 2 || (mode == 1 && table->is_mutable())) {
          return mode == 2 ? table->Insert(keys, values) : table->Import(keys, values);
        }
        return table->Initialize(keys, values);
      });
    });
  };
  keys_values_op("InitializeTableV2", 0);
  keys_values_op("LookupTableImportV2", 1);
  keys_values_op("LookupTableInsertV2", 2);

  r.Register("InitializeTableFromTextFileV2", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    TextFileSpec s;
    SERVAL_ASSIGN_OR_RETURN(s.key_index, info.GetInt("key_index"));
    SERVAL_ASSIGN_OR_RETURN(s.value_index, info.GetInt("value_index"));
    s.vocab_size = info.GetIntOr("vocab_size", -1);
    s.offset = info.GetIntOr("offset", 0);
    std::string delim = info.GetStringOr("delimiter", "\t");
    if (s.key_index < kWholeLine) return InvalidArgument(StrCat("key_index must be >= -2, got ", s.key_index));
    if (s.value_index < kWholeLine) return InvalidArgument(StrCat("value_index must be >= -2, got ", s.value_index));
    if (s.vocab_size < -1 || s.vocab_size == 0) {
      return InvalidArgument(StrCat("vocab_size must be -1 or positive, got ", s.vocab_size));
    }
    if (delim.size() != 1) return InvalidArgument(StrCat("delimiter should be only 1 char, got ", CEscape(delim)));
    s.delimiter = delim[0];
    return runtime::MakeFnKernel([s](KernelContext& ctx) -> Status {
      constexpr std::string_view kOp = "InitializeTableFromTextFileV2";
      SERVAL_ASSIGN_OR_RETURN(auto table, TableFromHandle(ctx.input(0), kOp));
      const Tensor& f = ctx.input(1);
      if (f.dtype() != DataType::kString || f.rank() != 0) {
        return InvalidArgument(StrCat(kOp, ": filename must be a string scalar, got ", f.DebugString()));
      }
      // TF ignores a second initialisation from a file (the shared name embeds the file).
      if (!table->is_mutable() && table->initialized()) return Status::Ok();
      return InitFromTextFile(*table, f.scalar<std::string>(), s);
    });
  });
}

}  // namespace serval::kernels::cpu
