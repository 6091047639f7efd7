#include "serval/loader/saved_model.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <unordered_set>

#include "serval/base/file.h"
#include "serval/base/strings.h"
#include "serval/loader/op_defs.h"
#include "serval/tensor/tensor_proto.h"
#include "tensorflow/core/framework/function.pb.h"
#include "tensorflow/core/framework/graph.pb.h"
#include "tensorflow/core/framework/node_def.pb.h"
#include "tensorflow/core/framework/tensor.pb.h"
#include "tensorflow/core/protobuf/saved_model.pb.h"

namespace serval::loader {
namespace {

constexpr char kInitOpSignatureKey[] = "__saved_model_init_op";
constexpr char kMainOpCollection[] = "saved_model_main_op";
constexpr char kLegacyInitOpCollection[] = "legacy_init_op";
constexpr char kAssetsCollection[] = "saved_model_assets";
// Deeply nested protos (e.g. nested StructuredValues in the object graph) need more than
// protobuf's default of 100, but a hostile file must not exhaust the stack.
constexpr int kRecursionLimit = 1000;

std::string TagSetToString(const std::set<std::string>& tags) {
  return StrCat("{", Join(std::vector<std::string>(tags.begin(), tags.end()), ","), "}");
}

std::string NodeLabel(const tensorflow::NodeDef& node) { return StrCat("node '", node.name(), "' (", node.op(), ")"); }

// ---- Reading the proto --------------------------------------------------------------------------

Status ParseBinary(const std::string& path, tensorflow::SavedModel* out) {
  // Read, not mapped: a file truncated while it is parsed must be a parse error, not SIGBUS.
  auto file = ReadFileToString(path, static_cast<uint64_t>(INT_MAX));
  if (!file.ok() && file.status().code() == StatusCode::kResourceExhausted) {
    return InvalidArgument(StrCat(path, ": ", file.status().message(), " (protobuf's 2 GB limit); TensorFlow "
                                  "writes models this large as chunked saved_model.cpb, which Serval does not read"));
  }
  if (!file.ok()) return file.status();
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(file->data()),
                                            static_cast<int>(file->size()));
  in.SetTotalBytesLimit(INT_MAX);
  in.SetRecursionLimit(kRecursionLimit);
  if (!out->ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
    return InvalidArgument(StrCat(path, ": not a valid SavedModel protocol buffer (", file->size(),
                                  " bytes; the binary parse failed: truncated, corrupt or not a SavedModel)"));
  }
  return Status();
}

// Collects text-format parse errors so the message can say where the file is wrong.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) first_ = StrCat("line ", line + 1, " column ", column + 1, ": ", message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

Status ParseText(const std::string& path, tensorflow::SavedModel* out) {
  SERVAL_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, uint64_t{INT_MAX}));
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, out)) {
    return InvalidArgument(StrCat(path, ": not a valid text-format SavedModel: ", errors.first()));
  }
  return Status();
}

Result<std::string> ReadSavedModelProto(const std::string& dir, tensorflow::SavedModel* proto) {
  const std::string pb = JoinPath(dir, "saved_model.pb");
  const std::string pbtxt = JoinPath(dir, "saved_model.pbtxt");
  const std::string cpb = JoinPath(dir, "saved_model.cpb");
  if (PathExists(pb)) {
    SERVAL_RETURN_IF_ERROR(ParseBinary(pb, proto));
    return pb;
  }
  if (PathExists(pbtxt)) {
    SERVAL_RETURN_IF_ERROR(ParseText(pbtxt, proto));
    return pbtxt;
  }
  if (PathExists(cpb)) {
    return Unimplemented(StrCat("chunked SavedModel (", cpb, ", written by TensorFlow's proto splitter for models "
                                "over 2 GB) is not supported; re-export without experimental_image_format"));
  }
  // A folder this process may not read looks empty to stat(); say so instead of "no saved_model.pb".
  if (::faccessat(AT_FDCWD, dir.c_str(), R_OK | X_OK, AT_EACCESS) != 0 && errno == EACCES) {
    return Status(StatusCode::kPermissionDenied, "cannot read the folder: Permission denied");
  }
  return NotFound("no saved_model.pb or saved_model.pbtxt in the folder");
}

// ---- Validation ---------------------------------------------------------------------------------

// A shape-valued attr must be a valid partial shape (dims >= -1).
Status CheckShapeAttr(const tensorflow::TensorShapeProto& shape) {
  return PartialShapeFromProto(shape).status();
}

Status CheckAttrShapes(const std::string& attr_name, const tensorflow::AttrValue& value) {
  if (value.has_shape()) {
    Status s = CheckShapeAttr(value.shape());
    if (!s.ok()) return InvalidArgument(StrCat("attr '", attr_name, "': ", s.message()));
  }
  if (value.has_list()) {
    for (int i = 0; i < value.list().shape_size(); ++i) {
      Status s = CheckShapeAttr(value.list().shape(i));
      if (!s.ok()) return InvalidArgument(StrCat("attr '", attr_name, "'[", i, "]: ", s.message()));
    }
  }
  return Status();
}

Status CheckConst(const tensorflow::NodeDef& node) {
  auto value_it = node.attr().find("value");
  if (value_it == node.attr().end()) {
    std::vector<std::string> names;
    for (const auto& [k, v] : node.attr()) names.push_back(k);
    std::sort(names.begin(), names.end());
    return InvalidArgument(StrCat("Const has no 'value' attr (it has: ", names.empty() ? "none" : Join(names, ", "),
                                  "); a Const must carry its tensor"));
  }
  if (!value_it->second.has_tensor()) {
    return InvalidArgument("Const attr 'value' does not hold a tensor");
  }
  const tensorflow::TensorProto& proto = value_it->second.tensor();
  Result<Tensor> t = TensorFromProto(proto);
  if (!t.ok()) return t.status().WithContext("Const attr 'value' does not decode");
  auto dtype_it = node.attr().find("dtype");
  if (dtype_it == node.attr().end()) return InvalidArgument("Const has no 'dtype' attr");
  if (static_cast<int>(dtype_it->second.type()) != static_cast<int>(proto.dtype())) {
    return InvalidArgument(StrCat("Const attr 'dtype' is ",
                                  DataTypeName(static_cast<DataType>(dtype_it->second.type())),
                                  " but its value tensor is ", DataTypeName(static_cast<DataType>(proto.dtype()))));
  }
  return Status();
}

// Function names a node refers to through func-valued attrs (f, body, cond, branches, ...).
void CollectFuncRefs(const tensorflow::AttrValue& v, std::vector<std::string>* out) {
  if (v.has_func()) out->push_back(v.func().name());
  if (v.has_list()) {
    for (const auto& f : v.list().func()) out->push_back(f.name());
  }
}

Status CheckNode(const tensorflow::NodeDef& node, const std::unordered_set<std::string>& functions) {
  for (const auto& [name, value] : node.attr()) {
    SERVAL_RETURN_IF_ERROR(CheckAttrShapes(name, value));
    std::vector<std::string> refs;
    CollectFuncRefs(value, &refs);
    for (const auto& f : refs) {
      if (!functions.count(f)) {
        return NotFound(StrCat("attr '", name, "' names function '", f, "', which is not in the function library"));
      }
    }
  }
  if (node.op() == "Const") SERVAL_RETURN_IF_ERROR(CheckConst(node));
  return Status();
}

std::string BaseNodeName(std::string_view input) {
  if (!input.empty() && input[0] == '^') input.remove_prefix(1);
  return std::string(input.substr(0, input.find(':')));
}

Status ValidateGraph(const tensorflow::GraphDef& graph) {
  std::unordered_set<std::string> functions;
  for (const auto& f : graph.library().function()) functions.insert(f.signature().name());
  std::unordered_set<std::string> nodes;
  for (const auto& node : graph.node()) {
    if (node.name().empty()) return InvalidArgument(StrCat("graph has a node with an empty name (op ", node.op(), ")"));
    if (!nodes.insert(node.name()).second) return InvalidArgument(StrCat("graph has two nodes named '", node.name(), "'"));
  }
  for (const auto& node : graph.node()) {
    Status s = CheckNode(node, functions);
    if (!s.ok()) return std::move(s).WithContext(StrCat("graph ", NodeLabel(node)));
    for (const auto& in : node.input()) {
      if (!nodes.count(BaseNodeName(in))) {
        return InvalidArgument(StrCat("graph ", NodeLabel(node), ": input '", in, "' names no node in the graph"));
      }
    }
  }
  for (const auto& fn : graph.library().function()) {
    for (const auto& node : fn.node_def()) {
      Status s = CheckNode(node, functions);
      if (!s.ok()) return std::move(s).WithContext(StrCat("function '", fn.signature().name(), "' ", NodeLabel(node)));
    }
  }
  return Status();
}

// ---- Signatures, init op, assets ----------------------------------------------------------------

Result<SignatureTensor> ConvertTensorInfo(const std::string& key, const tensorflow::TensorInfo& info) {
  SignatureTensor t;
  t.key = key;
  switch (info.encoding_case()) {
    case tensorflow::TensorInfo::kName: t.tensor_name = info.name(); break;
    case tensorflow::TensorInfo::kCooSparse: t.encoding = "coo_sparse"; break;
    case tensorflow::TensorInfo::kCompositeTensor: t.encoding = "composite_tensor"; break;
    default: return InvalidArgument("TensorInfo names no tensor (no name, coo_sparse or composite_tensor)");
  }
  int dt = static_cast<int>(info.dtype());
  // TF's reference types are the base type + 100 (DT_FLOAT_REF = 101); fetching one yields the
  // base type, so keep that and remember the ref for display.
  if (dt > 100 && dt < 200) {
    dt -= 100;
    t.is_ref = true;
  }
  // Composite tensors carry dtypes in their components; a dense tensor must have a real dtype.
  if (!IsValidDataType(dt) || (dt == 0 && t.encoding.empty())) {
    return InvalidArgument(StrCat("dtype ", dt, " is not a data type Serval supports"));
  }
  t.dtype = static_cast<DataType>(dt);
  // An absent tensor_shape means "not recorded": unknown rank, as saved_model_cli and the
  // fixture manifest read it (not a scalar).
  if (info.has_tensor_shape()) {
    SERVAL_ASSIGN_OR_RETURN(t.shape, PartialShapeFromProto(info.tensor_shape()));
  }
  return t;
}

Status ConvertTensorMap(const google::protobuf::Map<std::string, tensorflow::TensorInfo>& map, const char* what,
                        std::vector<SignatureTensor>* out) {
  for (const auto& [key, info] : map) {
    Result<SignatureTensor> t = ConvertTensorInfo(key, info);
    if (!t.ok()) return t.status().WithContext(StrCat(what, " '", key, "'"));
    out->push_back(std::move(t).value());
  }
  std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return Status();
}

Status ConvertSignature(const std::string& key, const tensorflow::SignatureDef& def,
                        const std::unordered_set<std::string>& graph_nodes, Signature* sig) {
  sig->key = key;
  sig->method_name = def.method_name();
  SERVAL_RETURN_IF_ERROR(ConvertTensorMap(def.inputs(), "input", &sig->inputs));
  SERVAL_RETURN_IF_ERROR(ConvertTensorMap(def.outputs(), "output", &sig->outputs));
  for (const auto* list : {&sig->inputs, &sig->outputs}) {
    for (const auto& t : *list) {
      if (!t.tensor_name.empty() && !graph_nodes.count(BaseNodeName(t.tensor_name))) {
        return InvalidArgument(StrCat("'", t.key, "' refers to tensor '", t.tensor_name, "', but the graph has no node '",
                                      BaseNodeName(t.tensor_name), "'"));
      }
    }
  }
  for (const auto& [input_key, proto] : def.defaults()) {
    if (!def.inputs().count(input_key)) {
      return InvalidArgument(StrCat("default given for '", input_key, "', which is not an input"));
    }
    Result<Tensor> t = TensorFromProto(proto);
    if (!t.ok()) return t.status().WithContext(StrCat("default for input '", input_key, "'"));
    sig->defaults.emplace(input_key, std::move(t).value());
  }
  return Status();
}

std::string StripOutputIndex(const std::string& tensor) {
  auto pos = tensor.find(':');
  return pos == std::string::npos ? tensor : tensor.substr(0, pos);
}

std::string FindInitOp(const tensorflow::MetaGraphDef& mg) {
  auto sig = mg.signature_def().find(kInitOpSignatureKey);
  if (sig != mg.signature_def().end()) {
    auto out = sig->second.outputs().find(kInitOpSignatureKey);
    if (out != sig->second.outputs().end() && !out->second.name().empty()) return StripOutputIndex(out->second.name());
  }
  for (const char* key : {kMainOpCollection, kLegacyInitOpCollection}) {
    auto it = mg.collection_def().find(key);
    if (it != mg.collection_def().end() && it->second.has_node_list() && it->second.node_list().value_size() > 0) {
      return StripOutputIndex(it->second.node_list().value(0));
    }
  }
  return "";
}

// An asset filename is a path relative to assets/; refuse anything that would leave it.
Status CheckAssetFilename(const std::string& filename) {
  if (filename.empty()) return InvalidArgument("asset has an empty filename");
  if (filename[0] == '/') return InvalidArgument(StrCat("asset filename '", filename, "' is absolute"));
  size_t start = 0;
  while (start <= filename.size()) {
    size_t end = filename.find('/', start);
    if (end == std::string::npos) end = filename.size();
    if (filename.compare(start, end - start, "..") == 0) {
      return InvalidArgument(StrCat("asset filename '", filename, "' leaves the assets folder"));
    }
    start = end + 1;
  }
  return Status();
}

Status CollectAssets(const std::string& dir, const tensorflow::MetaGraphDef& mg, std::vector<Asset>* out) {
  std::vector<tensorflow::AssetFileDef> defs(mg.asset_file_def().begin(), mg.asset_file_def().end());
  // TF1 SavedModelBuilder stored them as Any-packed AssetFileDefs in a collection instead.
  if (defs.empty()) {
    auto it = mg.collection_def().find(kAssetsCollection);
    if (it != mg.collection_def().end() && it->second.has_any_list()) {
      for (int i = 0; i < it->second.any_list().value_size(); ++i) {
        tensorflow::AssetFileDef def;
        if (!it->second.any_list().value(i).UnpackTo(&def)) {
          return InvalidArgument(StrCat("collection '", kAssetsCollection, "' entry ", i, " is not an AssetFileDef (type ",
                                        it->second.any_list().value(i).type_url(), ")"));
        }
        defs.push_back(std::move(def));
      }
    }
  }
  for (const auto& def : defs) {
    SERVAL_RETURN_IF_ERROR(CheckAssetFilename(def.filename()));
    Asset a;
    a.tensor_name = def.tensor_info().name();
    a.filename = def.filename();
    a.path = JoinPath(JoinPath(dir, "assets"), def.filename());
    out->push_back(std::move(a));
  }
  return Status();
}

bool GraphHasVariables(const tensorflow::GraphDef& graph) {
  for (const auto& node : graph.node()) {
    if (node.op() == "VariableV2" || node.op() == "Variable" || node.op() == "VarHandleOp") return true;
  }
  return false;
}

Result<std::shared_ptr<const SavedModel>> Load(const std::string& export_dir, const LoadOptions& options) {
  if (!IsDirectory(export_dir)) return NotFound("folder does not exist or is not a directory");
  auto model = std::make_shared<SavedModel>();
  model->export_dir = export_dir;

  tensorflow::SavedModel proto;
  SERVAL_ASSIGN_OR_RETURN(model->source_file, ReadSavedModelProto(export_dir, &proto));
  if (proto.meta_graphs_size() == 0) {
    return InvalidArgument(StrCat(model->source_file, " holds no MetaGraphs"));
  }

  int chosen = -1;
  for (int i = 0; i < proto.meta_graphs_size(); ++i) {
    const auto& tags = proto.meta_graphs(i).meta_info_def().tags();
    std::set<std::string> set(tags.begin(), tags.end());
    if (set == options.tags && chosen < 0) chosen = i;
    model->available_tag_sets.push_back(std::move(set));
  }
  if (chosen < 0) {
    std::vector<std::string> sets;
    for (const auto& s : model->available_tag_sets) sets.push_back(TagSetToString(s));
    return NotFound(StrCat("no MetaGraph has tag set ", TagSetToString(options.tags),
                           "; available tag sets: ", Join(sets, ", ")));
  }
  model->meta_graph = std::move(*proto.mutable_meta_graphs(chosen));
  tensorflow::MetaGraphDef& mg = model->meta_graph;
  tensorflow::GraphDef* graph = mg.mutable_graph_def();

  // Restore attrs stripped as defaults. Harmless when nothing was stripped: an attr already
  // present is never touched, and an absent one would get the same default at import in TF.
  {
    OpDefs op_defs(&mg.meta_info_def().stripped_op_list());
    for (auto& node : *graph->mutable_node()) SERVAL_RETURN_IF_ERROR(AddDefaultAttrs(op_defs, &node));
    for (auto& fn : *graph->mutable_library()->mutable_function()) {
      for (auto& node : *fn.mutable_node_def()) SERVAL_RETURN_IF_ERROR(AddDefaultAttrs(op_defs, &node));
    }
  }
  SERVAL_RETURN_IF_ERROR(ValidateGraph(*graph));

  std::unordered_set<std::string> graph_nodes;
  for (const auto& node : graph->node()) graph_nodes.insert(node.name());
  for (const auto& [key, def] : mg.signature_def()) {
    if (key == kInitOpSignatureKey) continue;
    Signature sig;
    Status s = ConvertSignature(key, def, graph_nodes, &sig);
    if (!s.ok()) return std::move(s).WithContext(StrCat("signature '", key, "'"));
    model->signatures.push_back(std::move(sig));
  }
  std::sort(model->signatures.begin(), model->signatures.end(),
            [](const Signature& a, const Signature& b) { return a.key < b.key; });

  model->init_op = FindInitOp(mg);
  if (!model->init_op.empty() && !graph_nodes.count(model->init_op)) {
    return InvalidArgument(StrCat("init op '", model->init_op, "' names no node in the graph"));
  }
  SERVAL_RETURN_IF_ERROR(CollectAssets(export_dir, mg, &model->assets));

  const std::string extra = JoinPath(export_dir, "assets.extra");
  if (IsDirectory(extra)) {
    SERVAL_ASSIGN_OR_RETURN(model->extra_assets, ListDirectory(extra));
  }

  const std::string prefix = JoinPath(export_dir, "variables/variables");
  const std::string index = prefix + ".index";
  if (PathExists(index)) {
    if (options.open_variables) {
      Result<std::unique_ptr<BundleReader>> reader = BundleReader::Open(prefix);
      if (!reader.ok()) return reader.status().WithContext("variables");
      model->variables = std::shared_ptr<const BundleReader>(std::move(reader).value());
    }
  } else if (GraphHasVariables(*graph)) {
    return FailedPrecondition(StrCat("the graph has variables but the checkpoint index '", index,
                                     "' is missing (was the variables/ folder copied?)"));
  }
  return std::shared_ptr<const SavedModel>(std::move(model));
}

}  // namespace

const Signature* SavedModel::FindSignature(const std::string& key) const {
  auto it = std::lower_bound(signatures.begin(), signatures.end(), key,
                             [](const Signature& s, const std::string& k) { return s.key < k; });
  return it != signatures.end() && it->key == key ? &*it : nullptr;
}

Result<std::shared_ptr<const SavedModel>> LoadSavedModel(const std::string& export_dir, const LoadOptions& options) {
  Result<std::shared_ptr<const SavedModel>> r = Load(export_dir, options);
  if (!r.ok()) return r.status().WithContext(StrCat("SavedModel '", export_dir, "'"));
  return r;
}

}  // namespace serval::loader
