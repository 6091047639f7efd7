// String kernels. Regexes use std::regex (ECMAScript) in place of TF's RE2: the common subset
// (classes, groups, alternation, anchors, quantifiers) behaves the same; a leading "(?i)" is
// mapped to icase. RE2-only syntax ((?P<name>..), \A, \z, \pL, other inline flags) fails to
// compile with InvalidArgument; ECMAScript-only syntax (backreferences, lookaround) is accepted
// where TF would reject it. RE2 rewrite strings (\0..\9, \\) are translated to ECMAScript ($&, $n).
// StringLower/StringUpper map ASCII letters only (TF's "utf-8" encoding also maps non-ASCII).
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "serval/base/file.h"
#include "serval/base/strings.h"
#include "serval/kernels/cpu/farmhash_fingerprint.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

constexpr uint64_t kMaxReadFileBytes = uint64_t{1} << 30;

Status ExpectString(const Tensor& t, std::string_view op, std::string_view what) {
  if (t.dtype() != DataType::kString) {
    return InvalidArgument(StrCat(op, ": ", what, " must be a string tensor, got ", DataTypeName(t.dtype())));
  }
  return Status::Ok();
}

Result<std::shared_ptr<const std::regex>> CompileRegex(std::string pattern, std::string_view op) {
  auto flags = std::regex::ECMAScript;
  if (pattern.rfind("(?i)", 0) == 0) {
    pattern = pattern.substr(4);
    flags |= std::regex::icase;
  }
  try {
    return std::make_shared<const std::regex>(pattern, flags);
  } catch (const std::regex_error& e) {
    return InvalidArgument(StrCat(op, ": invalid pattern ", CEscape(pattern), ": ", e.what()));
  }
}

// RE2 rewrite → ECMAScript format string.
std::string TranslateRewrite(const std::string& rw) {
  std::string out;
  for (size_t i = 0; i < rw.size(); ++i) {
    char c = rw[i];
    if (c == '\\' && i + 1 < rw.size()) {
      char n = rw[++i];
      if (n == '0') out += "$&";
      else if (n >= '1' && n <= '9') out += StrCat("$", n);
      else out += n;  // "\\\\" → "\\"
    } else if (c == '$') {
      out += "$$";
    } else {
      out += c;
    }
  }
  return out;
}

Status Replace(KernelContext& ctx, const std::regex& re, const std::string& fmt, bool global) {
  const Tensor& in = ctx.input(0);
  SERVAL_RETURN_IF_ERROR(ExpectString(in, "RegexReplace", "input"));
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kString, in.shape()));
  auto flags = global ? std::regex_constants::format_default : std::regex_constants::format_first_only;
  auto src = in.flat<std::string>();
  auto dst = out->flat<std::string>();
  for (size_t i = 0; i < src.size(); ++i) dst[i] = std::regex_replace(src[i], re, fmt, flags);
  return Status::Ok();
}

template <typename F>
Status MapStrings(KernelContext& ctx, std::string_view op, F f) {
  const Tensor& in = ctx.input(0);
  SERVAL_RETURN_IF_ERROR(ExpectString(in, op, "input"));
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kString, in.shape()));
  auto src = in.flat<std::string>();
  auto dst = out->flat<std::string>();
  for (size_t i = 0; i < src.size(); ++i) dst[i] = f(src[i]);
  return Status::Ok();
}

std::unique_ptr<Kernel> CaseKernel(bool upper) {
  return runtime::MakeFnKernel([upper](KernelContext& ctx) -> Status {
    return MapStrings(ctx, upper ? "StringUpper" : "StringLower", [upper](const std::string& s) {
      std::string r = s;
      for (char& c : r) {
        if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      return r;
    });
  });
}

Result<int64_t> IntScalar(const Tensor& t, std::string_view op, std::string_view what) {
  if (t.num_elements() != 1 || t.rank() != 0) {
    return InvalidArgument(StrCat(op, ": ", what, " must be a scalar, got shape ", t.shape().ToString()));
  }
  if (t.dtype() == DataType::kInt32) return static_cast<int64_t>(t.scalar<int32_t>());
  if (t.dtype() == DataType::kInt64) return t.scalar<int64_t>();
  return InvalidArgument(StrCat(op, ": ", what, " must be int32 or int64"));
}

// AsString: TF builds one printf format from the attrs at load.
struct AsStringSpec {
  DataType dtype;
  std::string format;  // for numbers; bool/string use it with %s
};

template <typename T>
std::string Fmt(const std::string& f, T v) {
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, f.c_str(), v);
  if (n < 0) return "";
  if (static_cast<size_t>(n) < sizeof buf) return std::string(buf, static_cast<size_t>(n));
  std::string big(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(big.data(), big.size(), f.c_str(), v);
  big.resize(static_cast<size_t>(n));
  return big;
}

std::string FormatElement(const AsStringSpec& s, const Tensor& t, size_t i) {
  switch (s.dtype) {
    case DataType::kFloat: return Fmt(s.format, static_cast<double>(t.flat<float>()[i]));
    case DataType::kHalf: return Fmt(s.format, static_cast<double>(HalfToFloat(t.flat<Half>()[i])));
    case DataType::kDouble: return Fmt(s.format, t.flat<double>()[i]);
    case DataType::kInt8: return Fmt(s.format, static_cast<int>(t.flat<int8_t>()[i]));
    case DataType::kInt16: return Fmt(s.format, static_cast<int>(t.flat<int16_t>()[i]));
    case DataType::kInt32: return Fmt(s.format, t.flat<int32_t>()[i]);
    case DataType::kInt64: return Fmt(s.format, static_cast<long long>(t.flat<int64_t>()[i]));
    case DataType::kUInt8: return Fmt(s.format, static_cast<unsigned>(t.flat<uint8_t>()[i]));
    case DataType::kUInt16: return Fmt(s.format, static_cast<unsigned>(t.flat<uint16_t>()[i]));
    case DataType::kUInt32: return Fmt(s.format, t.flat<uint32_t>()[i]);
    case DataType::kUInt64: return Fmt(s.format, static_cast<unsigned long long>(t.flat<uint64_t>()[i]));
    case DataType::kBool: return Fmt(s.format, t.flat<bool>()[i] ? "true" : "false");
    default: return Fmt(s.format, t.flat<std::string>()[i].c_str());
  }
}

Result<std::unique_ptr<Kernel>> MakeAsString(const KernelInfo& info) {
  AsStringSpec s;
  SERVAL_ASSIGN_OR_RETURN(s.dtype, info.GetType("T"));
  const int64_t precision = info.GetIntOr("precision", -1);
  const bool scientific = info.GetBoolOr("scientific", false);
  const bool shortest = info.GetBoolOr("shortest", false);
  const int64_t width = info.GetIntOr("width", -1);
  const std::string fill = info.GetStringOr("fill", "");
  const bool is_float = s.dtype == DataType::kFloat || s.dtype == DataType::kDouble || s.dtype == DataType::kHalf;
  if (!is_float && (scientific || shortest)) {
    return InvalidArgument(StrCat("AsString: cannot select scientific or shortest notation for ", DataTypeName(s.dtype)));
  }
  if (scientific && shortest) return InvalidArgument("AsString: cannot select both scientific and shortest notation");
  if (!is_float && precision > -1) {
    return InvalidArgument(StrCat("AsString: precision not supported for datatype ", DataTypeName(s.dtype)));
  }
  if (fill.size() > 1) return InvalidArgument(StrCat("AsString: fill string must be one or fewer characters"));
  if (width > 4096 || precision > 4096) return InvalidArgument("AsString: width/precision too large");
  s.format = "%";
  if (!fill.empty()) {
    if (std::string_view(" +-0#").find(fill[0]) == std::string_view::npos) {
      return InvalidArgument(StrCat("AsString: fill argument not supported: \"", fill, "\""));
    }
    s.format += fill;
  }
  if (width > -1) s.format += std::to_string(width);
  if (precision > -1) s.format += StrCat(".", precision);
  switch (s.dtype) {
    case DataType::kFloat: case DataType::kDouble: case DataType::kHalf:
      s.format += shortest ? "g" : scientific ? "e" : "f";
      break;
    case DataType::kInt8: case DataType::kInt16: case DataType::kInt32: s.format += "d"; break;
    case DataType::kInt64: s.format += "lld"; break;
    case DataType::kUInt8: case DataType::kUInt16: case DataType::kUInt32: s.format += "u"; break;
    case DataType::kUInt64: s.format += "llu"; break;
    case DataType::kBool: case DataType::kString: s.format += "s"; break;
    default: return InvalidArgument(StrCat("AsString: unsupported type ", DataTypeName(s.dtype)));
  }
  return runtime::MakeFnKernel([s](KernelContext& ctx) -> Status {
    const Tensor& in = ctx.input(0);
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kString, in.shape()));
    auto dst = out->flat<std::string>();
    for (size_t i = 0; i < dst.size(); ++i) dst[i] = FormatElement(s, in, i);
    return Status::Ok();
  });
}

}  // namespace

void RegisterStringKernels(runtime::KernelRegistry& r) {
  r.Register("ReadFile", [](const KernelInfo&) -> Result<std::unique_ptr<Kernel>> {
    return runtime::MakeFnKernel([](KernelContext& ctx) -> Status {
      const Tensor& f = ctx.input(0);
      SERVAL_RETURN_IF_ERROR(ExpectString(f, "ReadFile", "filename"));
      if (f.rank() != 0) return InvalidArgument(StrCat("ReadFile: filename must be a scalar, got ", f.shape().ToString()));
      const std::string& path = f.scalar<std::string>();
      auto contents = ReadFileToString(path, kMaxReadFileBytes);
      if (!contents.ok()) return contents.status().WithContext(StrCat("ReadFile '", path, "'"));
      ctx.set_output(0, Tensor::Scalar<std::string>(std::move(*contents)));
      return Status::Ok();
    });
  });

  r.Register("StringJoin", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    std::string sep = info.GetStringOr("separator", "");
    return runtime::MakeFnKernel([sep](KernelContext& ctx) -> Status {
      const Tensor* shaped = nullptr;
      for (int i = 0; i < ctx.num_inputs(); ++i) {
        const Tensor& t = ctx.input(i);
        SERVAL_RETURN_IF_ERROR(ExpectString(t, "StringJoin", "inputs"));
        if (t.rank() == 0) continue;
        if (shaped != nullptr && !(shaped->shape() == t.shape())) {
          return InvalidArgument(StrCat("StringJoin: inputs must be scalars or have the same shape; got ",
                                        shaped->shape().ToString(), " and ", t.shape().ToString(), " (input ", i, ")"));
        }
        if (shaped == nullptr) shaped = &t;
      }
      TensorShape shape = shaped ? shaped->shape() : TensorShape{};
      SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kString, shape));
      auto dst = out->flat<std::string>();
      for (size_t k = 0; k < dst.size(); ++k) {
        std::string s;
        for (int i = 0; i < ctx.num_inputs(); ++i) {
          const Tensor& t = ctx.input(i);
          if (i > 0) s += sep;
          s += t.flat<std::string>()[t.rank() == 0 ? 0 : k];
        }
        dst[k] = std::move(s);
      }
      return Status::Ok();
    });
  });

  r.Register("StaticRegexFullMatch", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(std::string pattern, info.GetString("pattern"));
    SERVAL_ASSIGN_OR_RETURN(auto re, CompileRegex(pattern, "StaticRegexFullMatch"));
    return runtime::MakeFnKernel([re](KernelContext& ctx) -> Status {
      const Tensor& in = ctx.input(0);
      SERVAL_RETURN_IF_ERROR(ExpectString(in, "StaticRegexFullMatch", "input"));
      SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kBool, in.shape()));
      auto src = in.flat<std::string>();
      auto dst = out->flat<bool>();
      for (size_t i = 0; i < src.size(); ++i) dst[i] = std::regex_match(src[i], *re);
      return Status::Ok();
    });
  });

  r.Register("RegexFullMatch", [](const KernelInfo&) -> Result<std::unique_ptr<Kernel>> {
    return runtime::MakeFnKernel([](KernelContext& ctx) -> Status {
      const Tensor& in = ctx.input(0);
      const Tensor& p = ctx.input(1);
      SERVAL_RETURN_IF_ERROR(ExpectString(in, "RegexFullMatch", "input"));
      SERVAL_RETURN_IF_ERROR(ExpectString(p, "RegexFullMatch", "pattern"));
      if (p.rank() != 0) return InvalidArgument("RegexFullMatch: pattern must be a scalar");
      SERVAL_ASSIGN_OR_RETURN(auto re, CompileRegex(p.scalar<std::string>(), "RegexFullMatch"));
      SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kBool, in.shape()));
      auto src = in.flat<std::string>();
      auto dst = out->flat<bool>();
      for (size_t i = 0; i < src.size(); ++i) dst[i] = std::regex_match(src[i], *re);
      return Status::Ok();
    });
  });

  r.Register("StaticRegexReplace", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(std::string pattern, info.GetString("pattern"));
    SERVAL_ASSIGN_OR_RETURN(std::string rewrite, info.GetString("rewrite"));
    const bool global = info.GetBoolOr("replace_global", true);
    SERVAL_ASSIGN_OR_RETURN(auto re, CompileRegex(pattern, "StaticRegexReplace"));
    std::string fmt = TranslateRewrite(rewrite);
    return runtime::MakeFnKernel([re, fmt, global](KernelContext& ctx) { return Replace(ctx, *re, fmt, global); });
  });

  r.Register("RegexReplace", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    const bool global = info.GetBoolOr("replace_global", true);
    return runtime::MakeFnKernel([global](KernelContext& ctx) -> Status {
      const Tensor& p = ctx.input(1);
      const Tensor& rw = ctx.input(2);
      SERVAL_RETURN_IF_ERROR(ExpectString(p, "RegexReplace", "pattern"));
      SERVAL_RETURN_IF_ERROR(ExpectString(rw, "RegexReplace", "rewrite"));
      if (p.rank() != 0 || rw.rank() != 0) return InvalidArgument("RegexReplace: pattern and rewrite must be scalars");
      SERVAL_ASSIGN_OR_RETURN(auto re, CompileRegex(p.scalar<std::string>(), "RegexReplace"));
      return Replace(ctx, *re, TranslateRewrite(rw.scalar<std::string>()), global);
    });
  });

  r.Register("StringLower", [](const KernelInfo&) -> Result<std::unique_ptr<Kernel>> { return CaseKernel(false); });
  r.Register("StringUpper", [](const KernelInfo&) -> Result<std::unique_ptr<Kernel>> { return CaseKernel(true); });

  r.Register("StringToHashBucketFast", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(int64_t buckets, info.GetInt("num_buckets"));
    if (buckets < 1) return InvalidArgument(StrCat("StringToHashBucketFast: num_buckets must be >= 1, got ", buckets));
    return runtime::MakeFnKernel([buckets](KernelContext& ctx) -> Status {
      const Tensor& in = ctx.input(0);
      SERVAL_RETURN_IF_ERROR(ExpectString(in, "StringToHashBucketFast", "input"));
      SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kInt64, in.shape()));
      auto src = in.flat<std::string>();
      auto dst = out->flat<int64_t>();
      for (size_t i = 0; i < src.size(); ++i) {
        dst[i] = static_cast<int64_t>(FarmhashFingerprint64(src[i]) % static_cast<uint64_t>(buckets));
      }
      return Status::Ok();
    });
  });

  r.Register("AsString", "T",
             {DataType::kFloat, DataType::kDouble, DataType::kHalf, DataType::kInt8, DataType::kInt16, DataType::kInt32,
              DataType::kInt64, DataType::kUInt8, DataType::kUInt16, DataType::kUInt32, DataType::kUInt64,
              DataType::kBool, DataType::kString},
             MakeAsString);

  r.Register("ShardedFilename", [](const KernelInfo&) -> Result<std::unique_ptr<Kernel>> {
    return runtime::MakeFnKernel([](KernelContext& ctx) -> Status {
      const Tensor& base = ctx.input(0);
      SERVAL_RETURN_IF_ERROR(ExpectString(base, "ShardedFilename", "basename"));
      if (base.rank() != 0) return InvalidArgument("ShardedFilename: basename must be a scalar");
      SERVAL_ASSIGN_OR_RETURN(int64_t shard, IntScalar(ctx.input(1), "ShardedFilename", "shard"));
      SERVAL_ASSIGN_OR_RETURN(int64_t num, IntScalar(ctx.input(2), "ShardedFilename", "num_shards"));
      char buf[64];
      std::snprintf(buf, sizeof buf, "-%05d-of-%05d", static_cast<int>(shard), static_cast<int>(num));
      ctx.set_output(0, Tensor::Scalar<std::string>(base.scalar<std::string>() + buf));
      return Status::Ok();
    });
  });

  r.Register("StringLength", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    std::string unit = info.GetStringOr("unit", "BYTE");
    if (unit != "BYTE" && unit != "UTF8_CHAR") {
      return InvalidArgument(StrCat("StringLength: unit must be BYTE or UTF8_CHAR, got ", CEscape(unit)));
    }
    const bool utf8 = unit == "UTF8_CHAR";
    return runtime::MakeFnKernel([utf8](KernelContext& ctx) -> Status {
      const Tensor& in = ctx.input(0);
      SERVAL_RETURN_IF_ERROR(ExpectString(in, "StringLength", "input"));
      SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kInt32, in.shape()));
      auto src = in.flat<std::string>();
      auto dst = out->flat<int32_t>();
      for (size_t i = 0; i < src.size(); ++i) {
        int64_t n = 0;
        if (utf8) {
          // TF counts bytes that are not UTF-8 continuation bytes.
          for (char c : src[i]) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        } else {
          n = static_cast<int64_t>(src[i].size());
        }
        dst[i] = static_cast<int32_t>(n);
      }
      return Status::Ok();
    });
  });
}

}  // namespace serval::kernels::cpu
