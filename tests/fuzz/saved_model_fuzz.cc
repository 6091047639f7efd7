// libFuzzer target for the SavedModel loading path up to (not including) execution: the input is
// the bytes of a saved_model.pb. It is written into a private temp dir (no variables/ folder), read
// with LoadSavedModel (open_variables=false), and every signature is imported (ImportGraph) and
// planned (BuildPlan with the CPU registry, a fresh ResourceManager and LibraryFunctionCompiler),
// as Session::Load does. BuildPlan folds constant subgraphs by running kernels on Const inputs,
// so kernels are fuzzed too. Any error Status is fine; a crash, a leak, a hang or a sanitizer
// report is a bug. With SERVAL_FUZZ_VERBOSE set, each stage's outcome is printed (corpus triage).
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include "serval/graph/import.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/loader/op_defs.h"
#include "serval/loader/saved_model.h"
#include "serval/runtime/function_compiler.h"
#include "serval/runtime/plan.h"
#include "serval/runtime/resource.h"
#include "serval/session/variable_writes.h"

namespace {

std::string g_dir;
const bool g_verbose = std::getenv("SERVAL_FUZZ_VERBOSE") != nullptr;

void Report(const std::string& what, const serval::Status& s) {
  if (g_verbose) std::fprintf(stderr, "saved_model_fuzz: %s: %s\n", what.c_str(), s.ok() ? "OK" : s.ToString().c_str());
}

void RemoveFiles() {
  if (g_dir.empty()) return;
  ::unlink((g_dir + "/saved_model.pb").c_str());
  ::rmdir(g_dir.c_str());
}

const std::string& Dir() {
  if (g_dir.empty()) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/serval-saved-model-fuzz-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();  // the harness cannot run at all; not a finding about the input
    }
    g_dir = tmpl;
    std::atexit(RemoveFiles);
    // Mutated protos often hold invalid UTF-8 in string fields; protobuf logs each one to stderr,
    // which only slows fuzzing. The parse failure itself is still reported as a Status.
    if (!g_verbose) google::protobuf::SetLogHandler(nullptr);
  }
  return g_dir;
}

void WriteFile(const std::string& path, const uint8_t* data, size_t n) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (n > 0 && std::fwrite(data, 1, n, f) != n) std::abort();
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace sv = serval;
  const std::string& dir = Dir();
  WriteFile(dir + "/saved_model.pb", data, size);

  sv::loader::LoadOptions lo;
  lo.open_variables = false;
  auto model = sv::loader::LoadSavedModel(dir, lo);
  Report("load", model.status());
  if (!model.ok()) return 0;
  const auto& mg = (*model)->meta_graph;
  sv::loader::OpDefs op_defs(mg.has_meta_info_def() ? &mg.meta_info_def().stripped_op_list() : nullptr);
  sv::graph::FunctionLibrary library(mg.graph_def().library(), op_defs);

  // Import every signature first, as the session does, to decide whether variables can be frozen.
  std::map<std::string, std::shared_ptr<const sv::graph::Graph>> graphs;
  bool writes = false;
  for (const auto& sig : (*model)->signatures) {
    sv::graph::ImportRequest req;
    for (const auto& in : sig.inputs) req.feeds.push_back(in.tensor_name);
    for (const auto& out : sig.outputs) req.fetches.push_back(out.tensor_name);
    auto g = sv::graph::ImportGraph(mg.graph_def(), library, req);
    Report("import " + sig.key, g.status());
    if (!g.ok()) continue;
    writes = writes || sv::session::WritesVariables(**g, library);
    graphs[sig.key] = *g;
  }

  sv::runtime::PlanOptions opts;
  opts.freeze_variables = !writes;
  opts.fold_constants = true;
  const sv::runtime::KernelRegistry& registry = sv::kernels::cpu::CpuKernelRegistry();
  sv::runtime::ResourceManager resources;
  sv::runtime::LibraryFunctionCompiler functions(library, registry, &resources, opts);
  for (const auto& [key, g] : graphs) {
    auto plan = sv::runtime::BuildPlan(g, registry, &resources, &functions, opts);
    Report("plan " + key, plan.status());
    if (plan.ok()) {
      for (const auto& op : (*plan)->StepOps())
        if (g_verbose) std::fprintf(stderr, "saved_model_fuzz:   step %s\n", op.c_str());
    } else {
      (void)plan.status().ToString();
    }
  }
  return 0;
}
