// Text preprocessing ops that Keras TextVectorization and Hashing export: StringSplitV2 (tf.strings.split),
// StringNGrams (tf.strings.ngrams), StringStrip, StringToHashBucketStrong (Hashing with a salt).
//   StringSplitV2 follows Python's str.split: with a separator, consecutive separators delimit
//     empty strings; with an empty separator, runs of ASCII whitespace separate and leading/trailing
//     whitespace yields nothing. maxsplit >= 0 limits the splits, the remainder is the last token.
//   StringNGrams follows TF's string_ngrams_op.cc: per row and per width, ngrams over the row padded
//     by min(pad_width < 0 ? width-1 : pad_width, width-1) left_pad/right_pad tokens on each side;
//     preserve_short_sequences emits one ngram of the whole (padded) row when no width fits.
//   StringToHashBucketStrong is SipHash-2-4 keyed by key[0], key[1], modulo num_buckets.
#include <cctype>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::vector<std::string_view> SplitWhitespace(std::string_view s, int64_t maxsplit) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) ++i;
  while (i < s.size()) {
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
      out.push_back(s.substr(i));
      break;
    }
    size_t j = i;
    while (j < s.size() && !IsSpace(s[j])) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
    while (i < s.size() && IsSpace(s[i])) ++i;
  }
  return out;
}

std::vector<std::string_view> SplitSep(std::string_view s, std::string_view sep, int64_t maxsplit) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) break;
    const size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) break;
    out.push_back(s.substr(start, pos - start));
    start = pos + sep.size();
  }
  out.push_back(s.substr(start));
  return out;
}

// StringSplitV2(input: string [N], sep: string []) -> indices int64 [M, 2], values string [M],
// shape int64 [2] = [N, longest row].
Status ComputeSplit(int64_t maxsplit, KernelContext& ctx) {
  const Tensor& input = ctx.input(0);
  const Tensor& sep = ctx.input(1);
  if (input.dtype() != DataType::kString || input.rank() != 1) {
    return InvalidArgument(StrCat("StringSplitV2: input must be a 1-D string tensor, got ", DataTypeName(input.dtype()),
                                  input.shape().ToString()));
  }
  if (sep.dtype() != DataType::kString || sep.rank() != 0) {
    return InvalidArgument(StrCat("StringSplitV2: sep must be a string scalar, got ", DataTypeName(sep.dtype()),
                                  sep.shape().ToString()));
  }
  const std::string& sp = sep.flat<std::string>()[0];
  auto in = input.flat<std::string>();
  std::vector<std::vector<std::string_view>> rows(in.size());
  int64_t total = 0, longest = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    rows[i] = sp.empty() ? SplitWhitespace(in[i], maxsplit) : SplitSep(in[i], sp, maxsplit);
    total += static_cast<int64_t>(rows[i].size());
    longest = std::max<int64_t>(longest, static_cast<int64_t>(rows[i].size()));
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * indices, ctx.allocate_output(0, DataType::kInt64, TensorShape{total, 2}));
  SERVAL_ASSIGN_OR_RETURN(Tensor * values, ctx.allocate_output(1, DataType::kString, TensorShape{total}));
  SERVAL_ASSIGN_OR_RETURN(Tensor * shape, ctx.allocate_output(2, DataType::kInt64, TensorShape{2}));
  auto idx = indices->flat<int64_t>();
  auto val = values->flat<std::string>();
  size_t k = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < rows[i].size(); ++j, ++k) {
      idx[2 * k] = static_cast<int64_t>(i);
      idx[2 * k + 1] = static_cast<int64_t>(j);
      val[k] = std::string(rows[i][j]);
    }
  }
  shape->flat<int64_t>()[0] = static_cast<int64_t>(in.size());
  shape->flat<int64_t>()[1] = longest;
  return Status::Ok();
}

struct NGramParams {
  std::string separator, left_pad, right_pad;
  std::vector<int64_t> widths;
  int64_t pad_width = 0;
  bool preserve_short = false;

  int64_t PadWidth(int64_t width) const { return std::min(pad_width < 0 ? width - 1 : pad_width, width - 1); }
  int64_t NumNGrams(int64_t length, int64_t width) const {
    return std::max<int64_t>(0, length + 2 * PadWidth(width) - width + 1);
  }
  // Writes `count` ngrams of `width` over tokens data[0..] padded on both sides.
  void Make(const std::string* data, std::string* out, int64_t count, int64_t width) const {
    const int64_t pad = PadWidth(width);
    for (int64_t g = 0; g < count; ++g) {
      const int64_t left = std::max<int64_t>(0, pad - g);
      const int64_t right = std::max<int64_t>(0, pad - (count - (g + 1)));
      const int64_t tokens = width - (left + right);
      const int64_t first = left > 0 ? 0 : g - pad;
      std::string& s = out[g];
      for (int64_t n = 0; n < left; ++n) s.append(left_pad).append(separator);
      for (int64_t n = 0; n + 1 < tokens; ++n) s.append(data[first + n]).append(separator);
      if (tokens > 0) {
        s.append(data[first + tokens - 1]);
        for (int64_t n = 0; n < right; ++n) s.append(separator).append(right_pad);
      } else {
        for (int64_t n = 0; n + 1 < right; ++n) s.append(right_pad).append(separator);
        s.append(right_pad);
      }
    }
  }
};

template <typename S>
Status ComputeNGrams(const NGramParams& p, KernelContext& ctx) {
  static const std::string op = "StringNGrams";
  const Tensor& data = ctx.input(0);
  const Tensor& splits = ctx.input(1);
  if (data.dtype() != DataType::kString || data.rank() != 1) {
    return InvalidArgument(StrCat(op, ": data must be a 1-D string tensor, got ", data.shape().ToString()));
  }
  if (splits.rank() != 1 || splits.dim(0) < 1) {
    return InvalidArgument(StrCat(op, ": data_splits must be a non-empty vector, got ", splits.shape().ToString()));
  }
  auto sp = splits.flat<S>();
  const int64_t n = data.dim(0);
  if (sp[0] != 0) return InvalidArgument(StrCat(op, ": first split value must be 0, got ", sp[0]));
  for (size_t i = 1; i < sp.size(); ++i) {
    if (sp[i] < sp[i - 1] || sp[i] > n) {
      return InvalidArgument(StrCat(op, ": invalid split value ", sp[i], " (splits must be non-decreasing and at most ",
                                    n, ")"));
    }
  }
  if (sp[sp.size() - 1] != n) {
    return InvalidArgument(StrCat(op, ": last split value must be data size, got ", sp[sp.size() - 1], " vs ", n));
  }
  const int64_t rows = splits.dim(0) - 1;
  std::vector<S> out_splits(static_cast<size_t>(rows + 1), 0);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t len = static_cast<int64_t>(sp[static_cast<size_t>(r) + 1] - sp[static_cast<size_t>(r)]);
    int64_t count = 0;
    for (int64_t w : p.widths) count += p.NumNGrams(len, w);
    if (p.preserve_short && len > 0 && count == 0) count = 1;
    out_splits[static_cast<size_t>(r) + 1] = out_splits[static_cast<size_t>(r)] + static_cast<S>(count);
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * ngrams,
                          ctx.allocate_output(0, DataType::kString, TensorShape{static_cast<int64_t>(out_splits.back())}));
  SERVAL_ASSIGN_OR_RETURN(Tensor * ngram_splits, ctx.allocate_output(1, splits.dtype(), TensorShape{rows + 1}));
  std::copy(out_splits.begin(), out_splits.end(), ngram_splits->flat<S>().begin());
  const std::string* in = data.flat<std::string>().data();
  std::string* out = ngrams->flat<std::string>().data();
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t start = static_cast<int64_t>(sp[static_cast<size_t>(r)]);
    const int64_t len = static_cast<int64_t>(sp[static_cast<size_t>(r) + 1]) - start;
    int64_t at = static_cast<int64_t>(out_splits[static_cast<size_t>(r)]);
    for (int64_t w : p.widths) {
      const int64_t count = p.NumNGrams(len, w);
      p.Make(in + start, out + at, count, w);
      at += count;
    }
    if (p.preserve_short && len > 0 && at == static_cast<int64_t>(out_splits[static_cast<size_t>(r)])) {
      p.Make(in + start, out + at, 1, len + 2 * p.pad_width);
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<Kernel>> MakeNGrams(const KernelInfo& info) {
  NGramParams p;
  p.separator = info.GetStringOr("separator", "");
  p.left_pad = info.GetStringOr("left_pad", "");
  p.right_pad = info.GetStringOr("right_pad", "");
  SERVAL_ASSIGN_OR_RETURN(p.widths, info.GetIntList("ngram_widths"));
  for (int64_t w : p.widths) {
    if (w <= 0) return InvalidArgument(StrCat("StringNGrams: ngram_widths must contain positive values, got ", w));
  }
  SERVAL_ASSIGN_OR_RETURN(p.pad_width, info.GetInt("pad_width"));
  p.preserve_short = info.GetBoolOr("preserve_short_sequences", false);
  DataType tsplits = DataType::kInt64;
  if (info.FindAttr("Tsplits") != nullptr) {
    SERVAL_ASSIGN_OR_RETURN(tsplits, info.GetType("Tsplits"));
  }
  if (tsplits == DataType::kInt32) {
    return runtime::MakeFnKernel([p](KernelContext& ctx) -> Status {
      if (ctx.input(1).dtype() != DataType::kInt32) return InvalidArgument("StringNGrams: data_splits must be int32");
      return ComputeNGrams<int32_t>(p, ctx);
    });
  }
  if (tsplits == DataType::kInt64) {
    return runtime::MakeFnKernel([p](KernelContext& ctx) -> Status {
      if (ctx.input(1).dtype() != DataType::kInt64) return InvalidArgument("StringNGrams: data_splits must be int64");
      return ComputeNGrams<int64_t>(p, ctx);
    });
  }
  return InvalidArgument(StrCat("StringNGrams: Tsplits must be int32 or int64, got ", DataTypeName(tsplits)));
}

// SipHash-2-4 (Aumasson & Bernstein), little-endian words.
uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

uint64_t SipHash24(uint64_t k0, uint64_t k1, std::string_view m) {
  uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
  auto round = [&] {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  };
  const size_t full = m.size() / 8 * 8;
  for (size_t i = 0; i < full; i += 8) {
    uint64_t w = 0;
    for (int b = 7; b >= 0; --b) w = (w << 8) | static_cast<uint8_t>(m[i + static_cast<size_t>(b)]);
    v3 ^= w;
    round();
    round();
    v0 ^= w;
  }
  uint64_t last = static_cast<uint64_t>(m.size() & 0xff) << 56;
  for (size_t i = full; i < m.size(); ++i) last |= static_cast<uint64_t>(static_cast<uint8_t>(m[i])) << (8 * (i - full));
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

Result<std::unique_ptr<Kernel>> MakeHashStrong(const KernelInfo& info) {
  SERVAL_ASSIGN_OR_RETURN(int64_t buckets, info.GetInt("num_buckets"));
  if (buckets <= 0) {
    return InvalidArgument(StrCat("StringToHashBucketStrong: num_buckets must be positive, got ", buckets));
  }
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> key, info.GetIntList("key"));
  if (key.size() != 2) {
    return InvalidArgument(StrCat("StringToHashBucketStrong: key must have size 2, got ", key.size()));
  }
  const uint64_t k0 = static_cast<uint64_t>(key[0]), k1 = static_cast<uint64_t>(key[1]);
  return runtime::MakeFnKernel([buckets, k0, k1](KernelContext& ctx) -> Status {
    const Tensor& in = ctx.input(0);
    if (in.dtype() != DataType::kString) {
      return InvalidArgument(
          StrCat("StringToHashBucketStrong: input must be a string tensor, got ", DataTypeName(in.dtype())));
    }
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kInt64, in.shape()));
    auto s = in.flat<std::string>();
    auto o = out->flat<int64_t>();
    for (size_t i = 0; i < s.size(); ++i) {
      o[i] = static_cast<int64_t>(SipHash24(k0, k1, s[i]) % static_cast<uint64_t>(buckets));
    }
    return Status::Ok();
  });
}

Status ComputeStrip(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  if (in.dtype() != DataType::kString) {
    return InvalidArgument(StrCat("StringStrip: input must be a string tensor, got ", DataTypeName(in.dtype())));
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, DataType::kString, in.shape()));
  auto s = in.flat<std::string>();
  auto o = out->flat<std::string>();
  for (size_t i = 0; i < s.size(); ++i) {
    std::string_view v = s[i];
    while (!v.empty() && IsSpace(v.front())) v.remove_prefix(1);
    while (!v.empty() && IsSpace(v.back())) v.remove_suffix(1);
    o[i] = std::string(v);
  }
  return Status::Ok();
}

}  // namespace

void RegisterTextKernels(runtime::KernelRegistry& r) {
  r.Register("StringSplitV2", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    const int64_t maxsplit = info.GetIntOr("maxsplit", -1);
    return runtime::MakeFnKernel([maxsplit](KernelContext& ctx) { return ComputeSplit(maxsplit, ctx); });
  });
  r.Register("StringNGrams", MakeNGrams);
  r.Register("StringToHashBucketStrong", MakeHashStrong);
  r.Register("StringStrip", [](const KernelInfo&) -> Result<std::unique_ptr<Kernel>> {
    return runtime::MakeFnKernel(ComputeStrip);
  });
}

}  // namespace serval::kernels::cpu
