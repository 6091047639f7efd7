#include "serval/session/session.h"

#include <algorithm>
#include <unordered_set>

#include "serval/base/file.h"
#include "serval/base/strings.h"
#include "serval/graph/import.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/function_compiler.h"
#include "serval/runtime/plan.h"
#include "serval/session/variable_writes.h"

namespace serval::session {

namespace {

// Adapts the loader's bundle to the RestoreV2 kernel.
class BundleCheckpoint final : public runtime::CheckpointSource {
 public:
  explicit BundleCheckpoint(const loader::BundleReader& bundle) : bundle_(bundle) {}
  Result<Tensor> Read(const std::string& key) const override { return bundle_.Read(key); }

 private:
  const loader::BundleReader& bundle_;
};

struct SignaturePlan {
  const loader::Signature* signature = nullptr;
  std::unique_ptr<runtime::Plan> plan;
  // The dtype each input really has: the fed placeholder's, which old TF1 exports sometimes
  // record wrongly in the TensorInfo (tfs_half_plus_three says DT_FLOAT for a string input).
  std::vector<DataType> input_dtypes;
};

DataType FedDtype(const tensorflow::GraphDef& g, const loader::SignatureTensor& in) {
  std::string node;
  int index = 0;
  if (!graph::ParseTensorName(in.tensor_name, &node, &index).ok()) return in.dtype;
  for (const auto& nd : g.node()) {
    if (nd.name() != node) continue;
    if (nd.op() != "Placeholder" && nd.op() != "PlaceholderWithDefault") return in.dtype;
    auto it = nd.attr().find("dtype");
    if (it == nd.attr().end() || !IsValidDataType(it->second.type())) return in.dtype;
    return static_cast<DataType>(it->second.type());
  }
  return in.dtype;
}

std::string SignatureContext(const std::string& key) { return StrCat("signature '", key, "'"); }

}  // namespace

struct Session::Impl {
  std::shared_ptr<const loader::SavedModel> model;
  std::unique_ptr<loader::OpDefs> op_defs;
  std::unique_ptr<graph::FunctionLibrary> library;
  runtime::ResourceManager resources;
  std::unique_ptr<runtime::LibraryFunctionCompiler> functions;
  std::map<std::string, SignaturePlan> plans;

  Status RunTargets(const std::vector<std::string>& feeds, std::vector<Tensor> feed_values,
                    const std::vector<std::string>& targets, const runtime::CheckpointSource* checkpoint,
                    const std::string& what);
};

Status Session::Impl::RunTargets(const std::vector<std::string>& feeds, std::vector<Tensor> feed_values,
                                 const std::vector<std::string>& targets, const runtime::CheckpointSource* checkpoint,
                                 const std::string& what) {
  graph::ImportRequest req;
  req.feeds = feeds;
  req.targets = targets;
  auto g = graph::ImportGraph(model->meta_graph.graph_def(), *library, req);
  if (!g.ok()) return g.status().WithContext(what);
  runtime::PlanOptions opts;
  opts.fold_constants = false;  // runs once: folding would only cost time
  // One-shot plans get their own function compiler: their bodies must not be frozen.
  runtime::LibraryFunctionCompiler fc(*library, kernels::cpu::CpuKernelRegistry(), &resources, opts);
  auto plan = runtime::BuildPlan(*g, kernels::cpu::CpuKernelRegistry(), &resources, &fc, opts);
  if (!plan.ok()) return plan.status().WithContext(what);
  runtime::RunState run;
  run.resources = &resources;
  run.checkpoint = checkpoint;
  std::vector<Tensor> outputs;
  Status s = (*plan)->Run(std::move(feed_values), &outputs, run);
  return s.WithContext(what);
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::Load(const std::string& export_dir, const SessionOptions& options) {
  auto impl = std::make_unique<Impl>();
  loader::LoadOptions lo;
  lo.tags = options.tags;
  SERVAL_ASSIGN_OR_RETURN(impl->model, loader::LoadSavedModel(export_dir, lo));
  const loader::SavedModel& model = *impl->model;
  const auto& mg = model.meta_graph;
  impl->op_defs = std::make_unique<loader::OpDefs>(mg.has_meta_info_def() ? &mg.meta_info_def().stripped_op_list()
                                                                          : nullptr);
  impl->library = std::make_unique<graph::FunctionLibrary>(mg.graph_def().library(), *impl->op_defs);
  const std::string context = StrCat("SavedModel '", export_dir, "'");

  // 1. Restore variables by running the model's own restore op (TF's session-based loader does
  //    the same), so TF1, TF2 and Keras 3 naming all work without guessing names.
  if (model.variables && !mg.saver_def().restore_op_name().empty()) {
    BundleCheckpoint checkpoint(*model.variables);
    Tensor prefix = Tensor::Scalar<std::string>(JoinPath(JoinPath(export_dir, "variables"), "variables"));
    std::vector<std::string> feeds;
    std::vector<Tensor> values;
    if (!mg.saver_def().filename_tensor_name().empty()) {
      feeds.push_back(mg.saver_def().filename_tensor_name());
      values.push_back(prefix);
    }
    SERVAL_RETURN_IF_ERROR(impl->RunTargets(feeds, values, {mg.saver_def().restore_op_name()}, &checkpoint,
                                            StrCat(context, ": restoring variables")));
  }

  // 2. The init op, with asset paths fed as the export expects (hash tables, asset variables).
  if (!model.init_op.empty()) {
    std::vector<std::string> feeds;
    std::vector<Tensor> values;
    for (const auto& a : model.assets) {
      if (a.tensor_name.empty()) continue;
      feeds.push_back(a.tensor_name);
      values.push_back(Tensor::Scalar<std::string>(a.path));
    }
    SERVAL_RETURN_IF_ERROR(impl->RunTargets(feeds, values, {model.init_op}, nullptr,
                                            StrCat(context, ": running init op '", model.init_op, "'")));
  }

  // 3. Plan every signature. Variables become constants when no signature can write one.
  std::map<std::string, std::shared_ptr<const graph::Graph>> graphs;
  bool writes = false;
  for (const auto& sig : model.signatures) {
    graph::ImportRequest req;
    for (const auto& in : sig.inputs) req.feeds.push_back(in.tensor_name);
    for (const auto& out : sig.outputs) req.fetches.push_back(out.tensor_name);
    auto g = graph::ImportGraph(mg.graph_def(), *impl->library, req);
    if (!g.ok()) return g.status().WithContext(StrCat(context, ": ", SignatureContext(sig.key)));
    writes = writes || WritesVariables(**g, *impl->library);
    graphs[sig.key] = *g;
  }
  runtime::PlanOptions opts;
  opts.freeze_variables = !writes;
  impl->functions = std::make_unique<runtime::LibraryFunctionCompiler>(*impl->library, kernels::cpu::CpuKernelRegistry(),
                                                                       &impl->resources, opts);
  for (const auto& sig : model.signatures) {
    auto plan = runtime::BuildPlan(graphs[sig.key], kernels::cpu::CpuKernelRegistry(), &impl->resources,
                                   impl->functions.get(), opts);
    if (!plan.ok()) return plan.status().WithContext(StrCat(context, ": ", SignatureContext(sig.key)));
    SignaturePlan sp{&sig, std::move(*plan), {}};
    for (const auto& in : sig.inputs) sp.input_dtypes.push_back(FedDtype(mg.graph_def(), in));
    impl->plans[sig.key] = std::move(sp);
  }
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

const loader::SavedModel& Session::model() const { return *impl_->model; }
const std::vector<loader::Signature>& Session::signatures() const { return impl_->model->signatures; }

const loader::Signature* Session::FindSignature(const std::string& key) const {
  return impl_->model->FindSignature(key.empty() ? "serving_default" : key);
}

namespace {

std::string KeyList(const std::vector<loader::SignatureTensor>& ts) {
  std::vector<std::string> names;
  for (const auto& t : ts) names.push_back("'" + t.key + "'");
  return Join(names, ", ");
}

Status CheckInputDtype(const loader::SignatureTensor& spec, DataType dtype, const Tensor& t) {
  if (t.dtype() != dtype) {
    return InvalidArgument(StrCat("input '", spec.key, "' has dtype ", DataTypeName(t.dtype()), ", expected ",
                                  DataTypeName(dtype)));
  }
  return Status();
}

// "" when `t` fits the signature's shape; else a sentence for error messages, with a hint for the
// classic batch-dimension mistakes. Shapes are not enforced up front: like TF Serving, Serval
// feeds what arrives and lets the graph decide (many graphs broadcast), but when the run fails
// this note says what the signature expected.
std::string ShapeNote(const loader::SignatureTensor& spec, const Tensor& t) {
  if (spec.shape.IsCompatibleWith(t.shape())) return "";
  std::string hint;
  const auto& d = spec.shape.dims();
  if (t.rank() + 1 == spec.shape.rank() && !d.empty() && d[0] == -1) {
    hint = " (the first dimension is the batch: did you forget to wrap a single example in a list?)";
  } else if (!d.empty() && d[0] > 0 && t.rank() == spec.shape.rank() && t.dim(0) != d[0]) {
    hint = StrCat(" (the model was exported with a fixed batch size of ", d[0],
                  "; re-export it with a None batch dimension to send other batch sizes)");
  }
  return StrCat("input '", spec.key, "' has shape ", t.shape().ToString(), ", but the signature declares ",
                spec.shape.ToString(), hint);
}

}  // namespace

Status Session::PrepareInputs(const std::string& signature_key, std::map<std::string, Tensor>& inputs,
                              const std::vector<std::string>& output_filter) const {
  const std::string key = signature_key.empty() ? "serving_default" : signature_key;
  auto it = impl_->plans.find(key);
  if (it == impl_->plans.end()) {
    std::vector<std::string> keys;
    for (const auto& [k, p] : impl_->plans) keys.push_back("'" + k + "'");
    return NotFound(StrCat("signature '", key, "' not found; the model has ", Join(keys, ", ")));
  }
  const loader::Signature& sig = *it->second.signature;
  auto fail = [&](Status s) { return std::move(s).WithContext(SignatureContext(key)); };

  size_t matched = 0;
  for (size_t i = 0; i < sig.inputs.size(); ++i) {
    const auto& spec = sig.inputs[i];
    auto in = inputs.find(spec.key);
    if (in == inputs.end()) {
      auto d = sig.defaults.find(spec.key);
      if (d == sig.defaults.end()) {
        return fail(InvalidArgument(StrCat("input '", spec.key, "' is missing (the signature takes ", KeyList(sig.inputs),
                                           ")")));
      }
      inputs.emplace(spec.key, d->second);
      ++matched;
      continue;
    }
    if (Status s = CheckInputDtype(spec, it->second.input_dtypes[i], in->second); !s.ok()) return fail(s);
    ++matched;
  }
  if (matched != inputs.size()) {
    std::vector<std::string> extra;
    for (const auto& [k, v] : inputs) {
      if (std::none_of(sig.inputs.begin(), sig.inputs.end(), [&](const auto& i) { return i.key == k; })) {
        extra.push_back("'" + k + "'");
      }
    }
    return fail(InvalidArgument(StrCat("unknown input ", Join(extra, ", "), "; the signature takes ", KeyList(sig.inputs))));
  }
  for (const auto& name : output_filter) {
    if (std::none_of(sig.outputs.begin(), sig.outputs.end(), [&](const auto& o) { return o.key == name; })) {
      return fail(InvalidArgument(StrCat("output '", name, "' is not in the signature; it has ", KeyList(sig.outputs))));
    }
  }
  return Status::Ok();
}

Result<std::map<std::string, Tensor>> Session::Run(const std::string& signature_key, std::map<std::string, Tensor> inputs,
                                                   const std::vector<std::string>& output_filter) const {
  SERVAL_RETURN_IF_ERROR(PrepareInputs(signature_key, inputs, output_filter));
  const std::string key = signature_key.empty() ? "serving_default" : signature_key;
  const auto& entry = impl_->plans.at(key);
  const loader::Signature& sig = *entry.signature;

  // PrepareInputs guarantees exactly one tensor per signature input.
  std::vector<Tensor> args;
  args.reserve(sig.inputs.size());
  std::vector<std::string> shape_notes;
  for (const auto& spec : sig.inputs) {
    Tensor& t = inputs.at(spec.key);
    std::string note = ShapeNote(spec, t);
    if (!note.empty()) shape_notes.push_back(std::move(note));
    args.push_back(std::move(t));
  }

  runtime::RunState run;
  run.resources = &impl_->resources;
  std::vector<Tensor> outs;
  Status s = entry.plan->Run(std::move(args), &outs, run);
  if (!s.ok()) {
    if (!shape_notes.empty()) s = Status(s.code(), StrCat(s.message(), "; note: ", Join(shape_notes, "; ")));
    return std::move(s).WithContext(SignatureContext(key));
  }
  std::map<std::string, Tensor> result;
  for (size_t i = 0; i < sig.outputs.size(); ++i) {
    const auto& spec = sig.outputs[i];
    if (!output_filter.empty() && std::find(output_filter.begin(), output_filter.end(), spec.key) == output_filter.end()) {
      continue;
    }
    result[spec.key] = std::move(outs[i]);
  }
  return result;
}

std::map<std::string, std::vector<std::string>> Session::PlannedOps() const {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [k, p] : impl_->plans) out[k] = p.plan->StepOps();
  return out;
}

}  // namespace serval::session
