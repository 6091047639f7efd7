// LibraryFunctionCompiler: compiles library functions (While/If bodies, table initialisers) into
// Plans on first use and memoises them. Thread-safe. Borrows the library, registry and resources,
// which must outlive it (the session owns all four).
#pragma once

#include <map>
#include <mutex>
#include <set>

#include "serval/graph/import.h"
#include "serval/runtime/plan.h"

namespace serval::runtime {

class LibraryFunctionCompiler final : public FunctionCompiler {
 public:
  LibraryFunctionCompiler(const graph::FunctionLibrary& library, const KernelRegistry& registry,
                          ResourceManager* resources, PlanOptions options)
      : library_(library), registry_(registry), resources_(resources), options_(options) {}

  Result<std::shared_ptr<const CompiledFunction>> Compile(const std::string& name) override;

 private:
  const graph::FunctionLibrary& library_;
  const KernelRegistry& registry_;
  ResourceManager* resources_;
  PlanOptions options_;
  std::recursive_mutex mu_;  // Compile re-enters for nested bodies
  std::map<std::string, std::shared_ptr<const CompiledFunction>> compiled_;
  std::set<std::string> in_progress_;
};

}  // namespace serval::runtime
