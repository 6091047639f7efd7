// `serval check <dir> <golden.json>...`: runs golden cases and reports, per output, the largest
// absolute and relative error. Comparison: |got - want| <= atol + rtol * |want| for floats,
// exact for integers, bools and strings (the fixtures README's rule).
#include <cmath>
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "model_dir.h"
#include "serval/base/file.h"
#include "serval/base/strings.h"
#include "serval/codec/tfs_json.h"
#include "serval/session/session.h"

namespace serval::cli {

bool IsSavedModelDirOrFile(const std::string& dir);

namespace {

struct Comparison {
  bool ok = true;
  double max_abs = 0, max_rel = 0;
  std::string why;
};

template <typename T>
double AsDouble(T v) {
  if constexpr (std::is_same_v<T, Half>) return HalfToFloat(v);
  else if constexpr (std::is_same_v<T, BFloat16>) return BFloat16ToFloat(v);
  else return static_cast<double>(v);
}

template <typename T>
void CompareNumbers(const Tensor& got, const Tensor& want, double atol, double rtol, bool exact, Comparison* c) {
  auto g = got.flat<T>();
  auto w = want.flat<T>();
  for (size_t i = 0; i < g.size(); ++i) {
    double gv = AsDouble(g[i]), wv = AsDouble(w[i]);
    if (std::isnan(wv) && std::isnan(gv)) continue;
    double err = std::abs(gv - wv);
    if (std::isinf(wv) && gv == wv) err = 0;
    c->max_abs = std::max(c->max_abs, err);
    if (wv != 0) c->max_rel = std::max(c->max_rel, err / std::abs(wv));
    bool bad = exact ? !(gv == wv) : !(err <= atol + rtol * std::abs(wv));
    if (bad && c->ok) {
      c->ok = false;
      char buf[160];
      std::snprintf(buf, sizeof(buf), "element %zu: got %.9g, expected %.9g", i, gv, wv);
      c->why = buf;
    }
  }
}

Comparison Compare(const Tensor& got, const Tensor& want, double atol, double rtol) {
  Comparison c;
  if (got.dtype() != want.dtype()) {
    c.ok = false;
    c.why = StrCat("dtype ", DataTypeName(got.dtype()), ", expected ", DataTypeName(want.dtype()));
    return c;
  }
  if (!(got.shape() == want.shape())) {
    c.ok = false;
    c.why = StrCat("shape ", got.shape().ToString(), ", expected ", want.shape().ToString());
    return c;
  }
  switch (want.dtype()) {
    case DataType::kFloat: CompareNumbers<float>(got, want, atol, rtol, false, &c); break;
    case DataType::kDouble: CompareNumbers<double>(got, want, atol, rtol, false, &c); break;
    case DataType::kHalf: CompareNumbers<Half>(got, want, atol, rtol, false, &c); break;
    case DataType::kInt32: CompareNumbers<int32_t>(got, want, 0, 0, true, &c); break;
    case DataType::kInt64: CompareNumbers<int64_t>(got, want, 0, 0, true, &c); break;
    case DataType::kInt8: CompareNumbers<int8_t>(got, want, 0, 0, true, &c); break;
    case DataType::kUInt8: CompareNumbers<uint8_t>(got, want, 0, 0, true, &c); break;
    case DataType::kInt16: CompareNumbers<int16_t>(got, want, 0, 0, true, &c); break;
    case DataType::kBool: CompareNumbers<bool>(got, want, 0, 0, true, &c); break;
    case DataType::kString: {
      auto g = got.flat<std::string>();
      auto w = want.flat<std::string>();
      for (size_t i = 0; i < g.size(); ++i) {
        if (g[i] != w[i]) {
          c.ok = false;
          c.why = StrCat("element ", i, ": got ", CEscape(g[i]), ", expected ", CEscape(w[i]));
          break;
        }
      }
      break;
    }
    default:
      c.ok = false;
      c.why = StrCat("cannot compare ", DataTypeName(want.dtype()));
  }
  return c;
}

// Runs one golden file; prints a line per output; returns whether everything passed.
bool CheckFile(const std::string& dir, const std::string& path) {
  auto text = ReadFileToString(path);
  if (!text.ok()) {
    std::cout << "FAIL " << path << ": " << text.status().message() << "\n";
    return false;
  }
  auto golden = codec::ParseGoldenFile(*text);
  if (!golden.ok()) {
    std::cout << "FAIL " << path << ": cannot parse: " << golden.status().message() << "\n";
    return false;
  }
  std::optional<int64_t> version;
  if (!golden->version.empty() && !IsSavedModelDirOrFile(dir)) version = std::stoll(golden->version);
  auto resolved = loader::ResolveModelDir(dir, version);
  if (!resolved.ok()) {
    std::cout << "FAIL " << path << ": " << resolved.status().message() << "\n";
    return false;
  }
  auto session = session::Session::Load(*resolved);
  if (golden->expect_load_error) {
    if (session.ok()) {
      std::cout << "FAIL " << path << ": the model loaded, but loading was expected to fail\n";
      return false;
    }
    std::cout << "PASS " << path << ": load failed as expected: " << session.status().message() << "\n";
    return true;
  }
  if (!session.ok()) {
    std::cout << "FAIL " << path << ": " << session.status().message() << "\n";
    return false;
  }
  bool all_ok = true;
  for (size_t step = 0; step < golden->calls.size(); ++step) {
    const auto& call = golden->calls[step];
    std::string label = golden->calls.size() > 1 ? StrCat(path, " step ", step, " (", call.signature, ")") : path;
    auto outputs = (*session)->Run(call.signature, call.inputs);
    if (!outputs.ok()) {
      std::cout << "FAIL " << label << ": " << outputs.status().message() << "\n";
      all_ok = false;
      continue;
    }
    for (const auto& [key, want] : call.outputs) {
      auto got = outputs->find(key);
      if (got == outputs->end()) {
        std::cout << "FAIL " << label << " output '" << key << "': not produced\n";
        all_ok = false;
        continue;
      }
      Comparison c = Compare(got->second, want, golden->atol, golden->rtol);
      char buf[96];
      std::snprintf(buf, sizeof(buf), "max_abs_err=%.3g max_rel_err=%.3g", c.max_abs, c.max_rel);
      std::cout << (c.ok ? "PASS " : "FAIL ") << label << " output '" << key << "': " << buf;
      if (!c.ok) std::cout << ": " << c.why;
      std::cout << "\n";
      all_ok = all_ok && c.ok;
    }
  }
  return all_ok;
}

}  // namespace

bool IsSavedModelDirOrFile(const std::string& dir) { return loader::IsSavedModelDir(dir); }

void AddCheckCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("check", "Run golden cases against a model; exit 1 if any fails");
  auto dir = std::make_shared<std::string>();
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("dir", *dir, "SavedModel folder or model base path")->required();
  cmd->add_option("golden", *files, "golden case files (fixtures README format)")->required();
  cmd->callback([=] {
    int passed = 0, failed = 0;
    for (const auto& f : *files) (CheckFile(*dir, f) ? passed : failed)++;
    std::cout << passed << " passed, " << failed << " failed\n";
    if (failed) *exit_code = 1;
  });
}

}  // namespace serval::cli
