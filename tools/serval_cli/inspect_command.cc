// `serval inspect <dir>`: what a SavedModel holds (tag sets, signatures, variables, assets, ops)
// and an export lint of what will break or hurt serving. `--json` prints the same data with the
// stable schema documented in docs/inspect-json.md; keep the two in step.
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "commands.h"
#include "serval/base/file.h"
#include "serval/base/strings.h"
#include "serval/loader/saved_model.h"
#include "serval/loader/version_dirs.h"
#include "tensorflow/core/framework/function.pb.h"
#include "tensorflow/core/framework/graph.pb.h"

namespace serval::cli {
namespace {

using loader::SavedModel;
using loader::Signature;
using loader::SignatureTensor;

constexpr int kJsonSchemaVersion = 1;
constexpr char kPredictMethod[] = "tensorflow/serving/predict";
constexpr int64_t kMaxDefaultValuesShown = 16;

// ---- Collected facts ----------------------------------------------------------------------------

struct VariableInfo {
  std::string name;
  DataType dtype = DataType::kInvalid;
  std::vector<int64_t> shape;
  int64_t bytes = 0;
  bool sliced = false;
};

struct LintItem {
  std::string code;      // stable identifier, e.g. "fixed_batch_dimension"
  std::string severity;  // "warning" or "info"
  std::string message;
  std::string signature;  // "" when not about one signature
  std::string tensor;     // input/output key, "" when not about one tensor
};

struct Report {
  std::string model_dir;
  std::string base_path;  // "" when <dir> was the SavedModel folder itself
  std::optional<int64_t> version;
  std::vector<int64_t> available_versions;
  const SavedModel* model = nullptr;
  std::vector<VariableInfo> variables;
  int64_t variables_total_bytes = 0;
  bool has_checkpoint = false;
  std::map<std::string, int64_t> ops;  // op type -> node count (graph + reachable functions)
  int functions_total = 0;
  int functions_reachable = 0;
  std::vector<LintItem> lint;
};

// TF's spelling of a signature tensor's dtype, including ref types ("DT_FLOAT_REF").
std::string DtypeText(const SignatureTensor& t) {
  return t.is_ref ? StrCat(DataTypeName(t.dtype), "_REF") : std::string(DataTypeName(t.dtype));
}

std::string ShapeText(const PartialShape& s) { return s.unknown_rank() ? "unknown rank" : DimsToString(s.dims()); }

// Op types used by the graph and by every function reachable from it through func-valued attrs
// (f, body, cond, then_branch, else_branch, ... and lists of funcs) or direct calls (a node whose
// op is a library function). Unreachable functions (e.g. Keras' CudnnRNN variant) don't count.
void CountOps(const tensorflow::GraphDef& graph, Report* r) {
  std::unordered_map<std::string, const tensorflow::FunctionDef*> library;
  for (const auto& f : graph.library().function()) library.emplace(f.signature().name(), &f);
  r->functions_total = static_cast<int>(library.size());
  std::set<std::string> visited;
  std::vector<std::string> pending;
  auto visit_node = [&](const tensorflow::NodeDef& node) {
    if (library.count(node.op())) {
      pending.push_back(node.op());
    } else {
      ++r->ops[node.op()];
    }
    for (const auto& [name, value] : node.attr()) {
      if (value.has_func()) pending.push_back(value.func().name());
      if (value.has_list()) {
        for (const auto& f : value.list().func()) pending.push_back(f.name());
      }
    }
  };
  for (const auto& node : graph.node()) visit_node(node);
  while (!pending.empty()) {
    std::string name = std::move(pending.back());
    pending.pop_back();
    auto it = library.find(name);
    if (it == library.end() || !visited.insert(name).second) continue;
    for (const auto& node : it->second->node_def()) visit_node(node);
  }
  r->functions_reachable = static_cast<int>(visited.size());
}

Status CollectVariables(Report* r) {
  const auto& bundle = r->model->variables;
  if (!bundle) return Status();
  r->has_checkpoint = true;
  for (const auto& key : bundle->keys()) {
    SERVAL_ASSIGN_OR_RETURN(loader::BundleEntryInfo info, bundle->GetInfo(key));
    VariableInfo v;
    v.name = key;
    v.dtype = info.dtype;
    v.shape = info.shape.dims();
    v.bytes = info.size;
    v.sliced = info.sliced;
    r->variables_total_bytes += info.size;
    r->variables.push_back(std::move(v));
  }
  return Status();
}

// ---- Export lint --------------------------------------------------------------------------------

void Lint(Report* r, std::vector<std::string>* read_errors) {
  const SavedModel& m = *r->model;
  auto add = [r](std::string code, std::string severity, std::string message, std::string sig = "",
                 std::string tensor = "") {
    r->lint.push_back({std::move(code), std::move(severity), std::move(message), std::move(sig), std::move(tensor)});
  };
  if (m.FindSignature("serving_default") == nullptr) {
    std::vector<std::string> keys;
    for (const auto& s : m.signatures) keys.push_back(s.key);
    add("no_serving_default", "warning",
        StrCat("no 'serving_default' signature: clients must name one of [", Join(keys, ", "),
               "] explicitly (TF Serving's REST and gRPC APIs default to serving_default)"));
  }
  for (const auto& sig : m.signatures) {
    const bool predict = sig.method_name == kPredictMethod;
    for (const auto& in : sig.inputs) {
      if (in.shape.unknown_rank()) {
        add("unknown_rank_input", "warning",
            StrCat("input '", in.key, "' has unknown rank: Serval cannot check request shapes before running the "
                   "graph, and batching cannot split or pad it"),
            sig.key, in.key);
      } else if (predict && in.shape.rank() >= 1 && in.shape.dims()[0] > 0) {
        add("fixed_batch_dimension", "warning",
            StrCat("input '", in.key, "' has a fixed first dimension ", in.shape.dims()[0], " (shape ",
                   ShapeText(in.shape), "): requests with any other batch size are rejected; export with ",
                   "None/-1 as the batch dimension"),
            sig.key, in.key);
      }
      if (in.dtype == DataType::kString) {
        if (predict) {
          add("string_input", "info",
              StrCat("input '", in.key, "' is DT_STRING: REST clients must send binary data (images, serialized ",
                     "protos) as {\"b64\": \"...\"}; plain JSON strings are only right for UTF-8 text"),
              sig.key, in.key);
        } else {
          add("string_input", "info",
              StrCat("input '", in.key, "' is DT_STRING serialized tf.Examples for a ", sig.method_name,
                     " signature: REST clients send them as \"examples\" (JSON features) to :classify/:regress"),
              sig.key, in.key);
        }
      }
      if (!in.encoding.empty()) {
        add("composite_input", "warning",
            StrCat("input '", in.key, "' is a ", in.encoding, " tensor; only dense tensors can be sent directly"),
            sig.key, in.key);
      }
    }
    for (const auto& out : sig.outputs) {
      if (!out.encoding.empty()) {
        add("composite_output", "warning",
            StrCat("output '", out.key, "' is a ", out.encoding,
                   " tensor (e.g. ragged/sparse); TF Serving cannot return these"),
            sig.key, out.key);
      }
    }
  }
  if (PathExists(JoinPath(m.export_dir, "saved_model.cpb"))) {
    add("chunked_model", "warning",
        "saved_model.cpb (a chunked SavedModel for protos over 2 GB) is present; Serval reads only "
        "saved_model.pb/.pbtxt and ignores it");
  }
  for (const auto& a : m.assets) {
    if (!PathExists(a.path)) {
      add("missing_asset", "warning", StrCat("asset '", a.filename, "' (fed to ", a.tensor_name, ") is missing at ",
                                             a.path, "; the init op will fail"));
    }
  }
  if (m.meta_graph.has_graph_def() && !m.variables && m.meta_graph.saver_def().restore_op_name().empty() == false &&
      r->variables.empty()) {
    // A saver without a checkpoint is legal (TF skips the restore), so this is only a note.
    add("no_checkpoint", "info", "the graph has a saver but there is no variables/variables.index; nothing is restored");
  }

  // Identical checkpoint tensors: Keras 3.12-3.14 export every weight twice (keras-team/keras#23553),
  // doubling disk and RAM. Group candidates by dtype+shape, then compare the bytes (Read checks
  // each entry's CRC32C); only fixed-size dtypes.
  if (m.variables) {
    std::map<std::pair<int, std::vector<int64_t>>, std::vector<const VariableInfo*>> groups;
    for (const auto& v : r->variables) {
      if (IsFixedSize(v.dtype) && !v.sliced && v.bytes > 0) groups[{static_cast<int>(v.dtype), v.shape}].push_back(&v);
    }
    int64_t dup_entries = 0, dup_bytes = 0;
    std::vector<std::string> examples;
    for (const auto& [key, members] : groups) {
      if (members.size() < 2) continue;
      std::map<std::string, const VariableInfo*> seen;  // content -> first entry with it
      for (const VariableInfo* v : members) {
        Result<Tensor> t = m.variables->Read(v->name);
        if (!t.ok()) {
          read_errors->push_back(t.status().ToString());
          continue;
        }
        std::string bytes(static_cast<const char*>(t->raw_data()), t->byte_size());
        auto [it, inserted] = seen.emplace(std::move(bytes), v);
        if (!inserted) {
          ++dup_entries;
          dup_bytes += v->bytes;
          if (examples.size() < 3) examples.push_back(StrCat("'", v->name, "' = '", it->second->name, "'"));
        }
      }
    }
    if (dup_entries > 0) {
      // Small identical tensors (e.g. zero-initialised biases) are common and harmless; flag a
      // warning only when duplication is a real share of the checkpoint.
      const bool big = dup_bytes * 10 >= r->variables_total_bytes;
      add("duplicated_variables", big ? "warning" : "info",
          StrCat(dup_entries, " checkpoint entries are byte-identical copies of others (", dup_bytes, " of ",
                 r->variables_total_bytes, " bytes duplicated), e.g. ", Join(examples, ", "),
                 big ? "; Keras 3.12-3.14 exports every weight twice (keras-team/keras#23553)" : ""));
    }
  }
  // Hook for "ops Serval cannot run": once the runtime exposes its kernel registry, compare
  // r->ops against it here and add an "unsupported_op" warning per missing op.
}

// ---- Human output -------------------------------------------------------------------------------

std::string TagSetText(const std::set<std::string>& tags) {
  return StrCat("{", Join(std::vector<std::string>(tags.begin(), tags.end()), ","), "}");
}

std::string DefaultValueText(const Tensor& t) {
  const int64_t n = t.num_elements();
  std::ostringstream os;
  os << DataTypeName(t.dtype()) << t.shape().ToString();
  if (n > kMaxDefaultValuesShown) return os.str();
  os << " [";
  for (int64_t i = 0; i < n; ++i) {
    if (i) os << ", ";
    switch (t.dtype()) {
      case DataType::kFloat: os << t.flat<float>()[i]; break;
      case DataType::kDouble: os << t.flat<double>()[i]; break;
      case DataType::kInt32: os << t.flat<int32_t>()[i]; break;
      case DataType::kInt64: os << t.flat<int64_t>()[i]; break;
      case DataType::kBool: os << (t.flat<bool>()[i] ? "true" : "false"); break;
      case DataType::kString: os << CEscape(t.flat<std::string>()[i]); break;
      default: os << "?"; break;
    }
  }
  os << "]";
  return os.str();
}

std::string Pad(const std::string& s, size_t width) { return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' '); }

void PrintTensors(std::ostream& os, const char* title, const std::vector<SignatureTensor>& tensors,
                  const std::map<std::string, Tensor>* defaults) {
  os << "    " << title << ":\n";
  if (tensors.empty()) os << "      (none)\n";
  size_t kw = 4;
  for (const auto& t : tensors) kw = std::max(kw, t.key.size() + 2);
  for (const auto& t : tensors) {
    os << "      " << Pad(t.key, kw) << Pad(DtypeText(t), 11) << Pad(ShapeText(t.shape), 14)
       << (t.encoding.empty() ? t.tensor_name : StrCat("<", t.encoding, ">"));
    if (defaults) {
      auto it = defaults->find(t.key);
      if (it != defaults->end()) os << "   default: " << DefaultValueText(it->second);
    }
    os << "\n";
  }
}

void PrintHuman(const Report& r, std::ostream& os) {
  const SavedModel& m = *r.model;
  const auto& info = m.meta_graph.meta_info_def();
  os << "SavedModel: " << r.model_dir << "\n";
  if (!r.base_path.empty()) {
    std::vector<std::string> vs;
    for (int64_t v : r.available_versions) vs.push_back(std::to_string(v));
    os << "  base path " << r.base_path << ", version " << (r.version ? std::to_string(*r.version) : "?")
       << " (available: " << Join(vs, ", ") << ")\n";
  }
  os << "  file: " << m.source_file << "\n";
  os << "  TensorFlow version: " << (info.tensorflow_version().empty() ? "unknown" : info.tensorflow_version())
     << (info.tensorflow_git_version().empty() ? "" : StrCat(" (git ", info.tensorflow_git_version(), ")")) << "\n";
  std::vector<std::string> sets;
  for (const auto& s : m.available_tag_sets) sets.push_back(TagSetText(s));
  os << "  tag sets: " << Join(sets, " ") << "\n";
  os << "  init op: " << (m.init_op.empty() ? "(none)" : m.init_op) << "\n\n";

  os << "Signatures (" << m.signatures.size() << "):\n";
  for (const auto& sig : m.signatures) {
    os << "  '" << sig.key << "'  method " << sig.method_name << "\n";
    PrintTensors(os, "inputs", sig.inputs, &sig.defaults);
    PrintTensors(os, "outputs", sig.outputs, nullptr);
  }
  os << "\n";

  if (!r.has_checkpoint) {
    os << "Variables: no checkpoint (variables/variables.index absent)\n";
  } else {
    os << "Variables (" << r.variables.size() << " checkpoint entries, " << r.variables_total_bytes << " bytes):\n";
    size_t kw = 4;
    for (const auto& v : r.variables) kw = std::max(kw, v.name.size() + 2);
    for (const auto& v : r.variables) {
      os << "  " << Pad(v.name, kw) << Pad(std::string(DataTypeName(v.dtype)), 11) << Pad(DimsToString(v.shape), 14)
         << v.bytes << " bytes" << (v.sliced ? "  (sliced)" : "") << "\n";
    }
  }
  os << "\nAssets (" << m.assets.size() << "):\n";
  for (const auto& a : m.assets) {
    os << "  " << a.filename << " -> " << a.tensor_name << "  (" << a.path << (PathExists(a.path) ? "" : ", MISSING")
       << ")\n";
  }
  if (!m.extra_assets.empty()) os << "assets.extra: " << Join(m.extra_assets, ", ") << "\n";

  os << "\nOps (graph + " << r.functions_reachable << " of " << r.functions_total
     << " library functions reachable), node counts:\n";
  std::string line = " ";
  for (const auto& [op, n] : r.ops) {
    std::string item = StrCat(" ", op, " ", n);
    if (line.size() + item.size() > 98) {
      os << line << "\n";
      line = " ";
    }
    line += item;
  }
  if (line.size() > 1) os << line << "\n";

  os << "\nExport lint:\n";
  if (r.lint.empty()) os << "  no problems found\n";
  for (const auto& l : r.lint) {
    os << "  " << l.severity << " [" << l.code << "]";
    if (!l.signature.empty()) os << " signature '" << l.signature << "'";
    os << ": " << l.message << "\n";
  }
}

// ---- JSON output --------------------------------------------------------------------------------

// A tiny JSON writer: enough for this report, with RFC 8259 string escaping. Bytes that are not
// valid UTF-8 are escaped as \u00XX (Latin-1 reading) so the output always parses.
class JsonWriter {
 public:
  std::string str() const { return out_.str(); }
  void BeginObject() { Sep(); out_ << '{'; first_.push_back(true); }
  void EndObject() { first_.pop_back(); out_ << '}'; }
  void BeginArray() { Sep(); out_ << '['; first_.push_back(true); }
  void EndArray() { first_.pop_back(); out_ << ']'; }
  void Key(std::string_view k) { Sep(); String(k); out_ << ':'; after_key_ = true; }
  void Value(std::string_view s) { Sep(); String(s); }
  void Value(const char* s) { Value(std::string_view(s)); }
  void Value(int64_t v) { Sep(); out_ << v; }
  void Value(int v) { Value(static_cast<int64_t>(v)); }
  void Value(bool b) { Sep(); out_ << (b ? "true" : "false"); }
  void Value(double d) {
    Sep();
    if (d != d || d == 1.0 / 0.0 || d == -1.0 / 0.0) {
      out_ << "null";  // JSON has no NaN/Inf
    } else {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.9g", d);
      out_ << buf;
    }
  }
  void Null() { Sep(); out_ << "null"; }
  void Field(std::string_view k, std::string_view v) { Key(k); Value(v); }
  void Field(std::string_view k, int64_t v) { Key(k); Value(v); }
  void Field(std::string_view k, bool v) { Key(k); Value(v); }

 private:
  void Sep() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ << ',';
      first_.back() = false;
    }
  }
  void String(std::string_view s) {
    out_ << '"';
    size_t i = 0;
    while (i < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      size_t len = Utf8Len(s, i);
      if (len > 1) {
        out_ << s.substr(i, len);
        i += len;
        continue;
      }
      switch (c) {
        case '"': out_ << "\\\""; break;
        case '\\': out_ << "\\\\"; break;
        case '\n': out_ << "\\n"; break;
        case '\r': out_ << "\\r"; break;
        case '\t': out_ << "\\t"; break;
        case '\b': out_ << "\\b"; break;
        case '\f': out_ << "\\f"; break;
        default:
          if (c < 0x20 || c >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            out_ << buf;
          } else {
            out_ << static_cast<char>(c);
          }
      }
      ++i;
    }
    out_ << '"';
  }
  // Length of a valid multi-byte UTF-8 sequence at s[i], else 1.
  static size_t Utf8Len(std::string_view s, size_t i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? (c < 0xf0 ? 3 : 1) : c >= 0xc2 ? 2 : 1;
    if (n == 1 || i + n > s.size()) return 1;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 1;
    }
    return n;
  }

  std::ostringstream out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

void JsonShape(JsonWriter& w, const PartialShape& s) {
  if (s.unknown_rank()) {
    w.Null();
    return;
  }
  w.BeginArray();
  for (int64_t d : s.dims()) w.Value(d);
  w.EndArray();
}

void JsonDims(JsonWriter& w, const std::vector<int64_t>& dims) {
  w.BeginArray();
  for (int64_t d : dims) w.Value(d);
  w.EndArray();
}

void JsonTensors(JsonWriter& w, const std::vector<SignatureTensor>& tensors) {
  w.BeginArray();
  for (const auto& t : tensors) {
    w.BeginObject();
    w.Field("key", t.key);
    w.Field("dtype", DtypeText(t));
    w.Key("shape");
    JsonShape(w, t.shape);
    if (t.tensor_name.empty()) {
      w.Key("name");
      w.Null();
    } else {
      w.Field("name", t.tensor_name);
    }
    w.Field("encoding", t.encoding.empty() ? "dense" : t.encoding);
    w.EndObject();
  }
  w.EndArray();
}

void JsonDefaultValues(JsonWriter& w, const Tensor& t) {
  if (t.num_elements() > kMaxDefaultValuesShown) {
    w.Null();
    return;
  }
  w.BeginArray();
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    switch (t.dtype()) {
      case DataType::kFloat: w.Value(static_cast<double>(t.flat<float>()[i])); break;
      case DataType::kDouble: w.Value(t.flat<double>()[i]); break;
      case DataType::kInt32: w.Value(static_cast<int64_t>(t.flat<int32_t>()[i])); break;
      case DataType::kInt64: w.Value(t.flat<int64_t>()[i]); break;
      case DataType::kBool: w.Value(static_cast<bool>(t.flat<bool>()[i])); break;
      case DataType::kString: w.Value(std::string_view(t.flat<std::string>()[i])); break;
      default: w.Null(); break;
    }
  }
  w.EndArray();
}

std::string ToJson(const Report& r) {
  const SavedModel& m = *r.model;
  const auto& info = m.meta_graph.meta_info_def();
  JsonWriter w;
  w.BeginObject();
  w.Field("schema_version", static_cast<int64_t>(kJsonSchemaVersion));
  w.Field("model_dir", r.model_dir);
  w.Key("base_path");
  if (r.base_path.empty()) w.Null(); else w.Value(r.base_path);
  w.Key("version");
  if (r.version) w.Value(*r.version); else w.Null();
  w.Key("available_versions");
  JsonDims(w, r.available_versions);
  w.Field("source_file", m.source_file);
  w.Field("tensorflow_version", info.tensorflow_version());
  w.Field("tensorflow_git_version", info.tensorflow_git_version());
  w.Field("stripped_default_attrs", info.stripped_default_attrs());
  w.Key("tag_sets");
  w.BeginArray();
  for (const auto& s : m.available_tag_sets) {
    w.BeginArray();
    for (const auto& t : s) w.Value(t);
    w.EndArray();
  }
  w.EndArray();
  w.Key("tags");
  w.BeginArray();
  for (const auto& t : info.tags()) w.Value(t);
  w.EndArray();
  w.Key("init_op");
  if (m.init_op.empty()) w.Null(); else w.Value(m.init_op);

  w.Key("signatures");
  w.BeginArray();
  for (const auto& sig : m.signatures) {
    w.BeginObject();
    w.Field("key", sig.key);
    w.Field("method_name", sig.method_name);
    w.Key("inputs");
    JsonTensors(w, sig.inputs);
    w.Key("outputs");
    JsonTensors(w, sig.outputs);
    w.Key("defaults");
    w.BeginArray();
    for (const auto& [key, t] : sig.defaults) {
      w.BeginObject();
      w.Field("key", key);
      w.Field("dtype", DataTypeName(t.dtype()));
      w.Key("shape");
      JsonDims(w, t.shape().dims());
      w.Key("values");
      JsonDefaultValues(w, t);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();

  w.Key("checkpoint");
  w.BeginObject();
  w.Field("present", r.has_checkpoint);
  w.Field("num_entries", static_cast<int64_t>(r.variables.size()));
  w.Field("total_bytes", r.variables_total_bytes);
  w.EndObject();
  w.Key("variables");
  w.BeginArray();
  for (const auto& v : r.variables) {
    w.BeginObject();
    w.Field("name", v.name);
    w.Field("dtype", DataTypeName(v.dtype));
    w.Key("shape");
    JsonDims(w, v.shape);
    w.Field("bytes", v.bytes);
    w.Field("sliced", v.sliced);
    w.EndObject();
  }
  w.EndArray();

  w.Key("assets");
  w.BeginArray();
  for (const auto& a : m.assets) {
    w.BeginObject();
    w.Field("filename", a.filename);
    w.Field("path", a.path);
    w.Field("tensor_name", a.tensor_name);
    w.Field("exists", PathExists(a.path));
    w.EndObject();
  }
  w.EndArray();
  w.Key("extra_assets");
  w.BeginArray();
  for (const auto& e : m.extra_assets) w.Value(e);
  w.EndArray();

  w.Key("ops");
  w.BeginArray();
  for (const auto& [op, n] : r.ops) {
    w.BeginObject();
    w.Field("op", op);
    w.Field("count", n);
    w.EndObject();
  }
  w.EndArray();
  w.Key("functions");
  w.BeginObject();
  w.Field("total", static_cast<int64_t>(r.functions_total));
  w.Field("reachable", static_cast<int64_t>(r.functions_reachable));
  w.EndObject();

  w.Key("lint");
  w.BeginArray();
  for (const auto& l : r.lint) {
    w.BeginObject();
    w.Field("code", l.code);
    w.Field("severity", l.severity);
    w.Key("signature");
    if (l.signature.empty()) w.Null(); else w.Value(l.signature);
    w.Key("tensor");
    if (l.tensor.empty()) w.Null(); else w.Value(l.tensor);
    w.Field("message", l.message);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.str();
}

// ---- Command ------------------------------------------------------------------------------------

std::set<std::string> ParseTagSet(const std::string& text) {
  std::set<std::string> tags;
  std::string cur;
  auto flush = [&] {
    size_t b = cur.find_first_not_of(" \t"), e = cur.find_last_not_of(" \t");
    if (b != std::string::npos) tags.insert(cur.substr(b, e - b + 1));
    cur.clear();
  };
  for (char c : text) {
    if (c == ',') flush(); else cur += c;
  }
  flush();
  return tags;
}

struct InspectArgs {
  std::string dir;
  int64_t version = 0;
  bool has_version = false;
  std::string tag_set = "serve";
  bool json = false;
};

int RunInspect(const InspectArgs& args) {
  auto fail = [](const Status& s) {
    std::cerr << "error: " << s.ToString() << "\n";
    return 1;
  };
  std::optional<int64_t> version;
  if (args.has_version) version = args.version;
  Result<std::string> resolved = loader::ResolveModelDir(args.dir, version);
  if (!resolved.ok()) return fail(resolved.status());

  Report r;
  r.model_dir = *resolved;
  if (*resolved != args.dir) {
    r.base_path = args.dir;
    Result<std::vector<int64_t>> versions = loader::ListVersions(args.dir);
    if (versions.ok()) r.available_versions = *versions;
    std::string leaf = resolved->substr(resolved->find_last_of('/') + 1);
    r.version = std::stoll(leaf);  // ResolveModelDir only picks all-digit int64 folder names
  }

  loader::LoadOptions options;
  options.tags = ParseTagSet(args.tag_set);
  options.open_variables = true;
  auto loaded = loader::LoadSavedModel(r.model_dir, options);
  if (!loaded.ok()) return fail(loaded.status());
  r.model = loaded->get();

  Status s = CollectVariables(&r);
  if (!s.ok()) return fail(s);
  CountOps(r.model->meta_graph.graph_def(), &r);
  std::vector<std::string> read_errors;
  Lint(&r, &read_errors);
  if (!read_errors.empty()) {
    // A corrupt checkpoint entry is an error, not a lint: serving would fail on restore.
    for (const auto& e : read_errors) std::cerr << "error: " << e << "\n";
    return 1;
  }
  if (args.json) {
    std::cout << ToJson(r) << "\n";
  } else {
    PrintHuman(r, std::cout);
  }
  return 0;
}

}  // namespace

void AddInspectCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Show a SavedModel's tag sets, signatures, variables, assets and ops, with an export lint");
  cmd->add_option("dir", args->dir, "SavedModel folder, or a model base path with numeric version folders")
      ->required();
  CLI::Option* version = cmd->add_option("--version", args->version, "version folder to inspect (default: latest)");
  cmd->add_option("--tag_set", args->tag_set, "comma-separated tags of the MetaGraph to load")
      ->default_val("serve");
  cmd->add_flag("--json", args->json, "print JSON (schema: docs/inspect-json.md)");
  cmd->callback([args, version, exit_code] {
    args->has_version = version->count() > 0;
    *exit_code = RunInspect(*args);
  });
}

}  // namespace serval::cli
