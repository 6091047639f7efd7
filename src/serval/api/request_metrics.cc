#include "serval/api/request_metrics.h"

#include <algorithm>
#include <chrono>

namespace serval::api {

void NoteModelName(monitoring::RequestScope* scope, const servable::ServableManager& manager,
                   const std::string& model) {
  if (scope == nullptr) return;
  const std::vector<std::string> names = manager.ModelNames();
  scope->set_model(model, std::find(names.begin(), names.end(), model) != names.end());
}

void NoteLookup(monitoring::RequestScope* scope, const servable::ServableManager& manager,
                const std::string& model, const Result<servable::ServableHandle>& handle) {
  if (scope == nullptr) return;
  if (!handle.ok()) return NoteModelName(scope, manager, model);
  scope->set_model((*handle)->name);
  scope->set_version((*handle)->version);
}

Result<servable::TensorMap> TimedRun(monitoring::RequestScope* scope, const servable::LoadedModel& loaded,
                                     const std::string& signature, servable::TensorMap inputs,
                                     const std::vector<std::string>& output_filter) {
  if (scope == nullptr) return loaded.Run(signature, std::move(inputs), output_filter);
  scope->set_signature(signature);
  const auto start = std::chrono::steady_clock::now();
  auto out = loaded.Run(signature, std::move(inputs), output_filter);
  scope->AddRuntime(std::chrono::steady_clock::now() - start);
  return out;
}

}  // namespace serval::api
