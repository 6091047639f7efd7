// `serval_zoo <out_dir> [--case NAME]`: writes the Keras layer zoo (tools/serval_zoo/zoo.h):
//   <out_dir>/keras2/<case>/1/   Keras 2 (tf.keras model.save) structure
//   <out_dir>/keras3/<case>/1/   Keras 3 (model.export) structure
//   <out_dir>/cases.json         (--case: <out_dir>/<case>.json) per case: layer, inputs, outputs, signature keys of both
//                                structures, missing kernels, tolerances and the weights (for
//                                tests/gen/zoo/golden.js)
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "tools/serval_zoo/zoo.h"

namespace {

using namespace serval;
using namespace serval::zoo;

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

std::string Dims(const std::vector<int64_t>& d) {
  std::string out = "[";
  for (size_t i = 0; i < d.size(); ++i) out += (i ? "," : "") + std::to_string(d[i]);
  return out + "]";
}

std::string Strings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + Quote(v[i]);
  return out + "]";
}

std::string Floats(const Tensor& t) {
  std::string out = "[";
  auto v = t.flat<float>();
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof(buf), "%s%.9g", i ? "," : "", static_cast<double>(v[i]));
    out += buf;
  }
  return out + "]";
}

std::string CaseJson(const Case& c, const Emitter& e) {
  std::ostringstream j;
  j << "{\"name\":" << Quote(c.name) << ",\"layer\":" << Quote(c.layer) << ",\"note\":" << Quote(c.note)
    << ",\"rtol\":" << c.rtol << ",\"atol\":" << c.atol << ",\"needs\":" << Strings(c.needs) << ",\"batches\":[";
  for (size_t i = 0; i < c.batches.size(); ++i) j << (i ? "," : "") << c.batches[i];
  j << "],\"inputs\":[";
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const auto& in = c.inputs[i];
    j << (i ? "," : "") << "{\"key\":" << Quote(in.key) << ",\"keras3_key\":"
      << Quote(i == 0 ? "keras_tensor" : "keras_tensor_" + std::to_string(i)) << ",\"dtype\":"
      << Quote(std::string(DataTypeName(in.dtype))) << ",\"shape\":" << Dims(in.shape) << ",\"lo\":" << in.lo
      << ",\"hi\":" << in.hi << ",\"vocab\":" << Strings(in.vocab) << "}";
  }
  j << "],\"outputs\":[";
  for (size_t k = 0; k < c.outputs.size(); ++k) {
    const auto& o = c.outputs[k];
    j << (k ? "," : "") << "{\"key\":" << Quote(o.key) << ",\"keras3_key\":" << Quote("output_" + std::to_string(k))
      << ",\"dtype\":" << Quote(std::string(DataTypeName(o.dtype))) << ",\"shape\":" << Dims(o.shape) << "}";
  }
  j << "],\"weights\":{";
  bool first = true;
  for (const auto& [name, t] : e.weights()) {
    if (t.dtype() != DataType::kFloat) continue;
    j << (first ? "" : ",") << Quote(name) << ":{\"shape\":" << Dims(t.shape().dims()) << ",\"data\":" << Floats(t)
      << "}";
    first = false;
  }
  j << "}}";
  return j.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"serval_zoo: write the Keras layer zoo (Keras 2 and Keras 3 SavedModel structure)"};
  std::string out;
  std::string only;
  bool list = false;
  bool ops = false;
  app.add_option("out_dir", out, "folder to (re)create");
  app.add_option("--case", only, "write only this case");
  app.add_flag("--list", list, "print the case names and exit");
  app.add_flag("--ops", ops, "print, per case and structure, the op types its signatures reach, and exit");
  CLI11_PARSE(app, argc, argv);
  const std::vector<Case> cases = AllCases();
  if (list) {
    for (const auto& c : cases) std::printf("%s\n", c.name.c_str());
    return 0;
  }
  if (ops) {
    for (const auto& c : cases) {
      for (Flavor flavor : {Flavor::kKeras2, Flavor::kKeras3}) {
        SavedModelBuilder b;
        Emitter e(c, flavor, &b);
        c.build(e);
        auto sm = e.BuildProto();
        if (!sm.ok()) return 1;
        std::set<std::string> names;
        for (const auto* n : ReachedNodes(*sm)) names.insert(n->op());
        std::printf("%s %s", c.name.c_str(), flavor == Flavor::kKeras3 ? "keras3" : "keras2");
        for (const auto& n : names) std::printf(" %s", n.c_str());
        std::printf("\n");
      }
    }
    return 0;
  }
  if (out.empty()) {
    std::fprintf(stderr, "serval_zoo: out_dir is required\n");
    return 2;
  }
  std::error_code ec;
  for (const Case& c : cases) {
    if (!only.empty() && c.name != only) continue;
    std::filesystem::remove_all(out + "/keras2/" + c.name, ec);
    std::filesystem::remove_all(out + "/keras3/" + c.name, ec);
  }
  std::filesystem::create_directories(out, ec);
  std::string json = "[\n";
  int failures = 0;
  bool first = true;
  for (const Case& c : cases) {
    if (!only.empty() && c.name != only) continue;
    for (Flavor flavor : {Flavor::kKeras2, Flavor::kKeras3}) {
      SavedModelBuilder b;
      Emitter e(c, flavor, &b);
      c.build(e);
      const bool k3 = flavor == Flavor::kKeras3;
      const std::string dir = out + (k3 ? "/keras3/" : "/keras2/") + c.name + "/1";
      const Status s = e.Save(dir);
      if (!s.ok()) {
        std::fprintf(stderr, "serval_zoo: case %s (%s): %s\n", c.name.c_str(), k3 ? "keras3" : "keras2",
                     s.ToString().c_str());
        ++failures;
        continue;
      }
      if (!k3) {
        json += (first ? "" : ",\n") + CaseJson(c, e);
        first = false;
      }
    }
  }
  json += "\n]\n";
  std::ofstream(out + (only.empty() ? std::string("/cases.json") : "/" + only + ".json")) << json;
  return failures ? 1 : 0;
}
