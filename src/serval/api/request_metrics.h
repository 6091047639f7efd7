// Glue between the front ends (REST handlers, gRPC services) and monitoring::RequestScope: what a
// lookup and a model run tell the request's metrics. `scope` may be null (then nothing is noted).
#pragma once

#include <string>
#include <vector>

#include "serval/monitoring/serving_metrics.h"
#include "serval/servable/servable_manager.h"

namespace serval::api {

// After manager.Get: the served version on success; on failure the requested name only when it
// is a configured model (unknown names are not turned into label values).
void NoteLookup(monitoring::RequestScope* scope, const servable::ServableManager& manager,
                const std::string& model, const Result<servable::ServableHandle>& handle);
// Before a lookup whose result is not a handle (status calls): the name if configured.
void NoteModelName(monitoring::RequestScope* scope, const servable::ServableManager& manager,
                   const std::string& model);

// loaded.Run, timed into the scope's runtime latency, with the signature noted.
Result<servable::TensorMap> TimedRun(monitoring::RequestScope* scope, const servable::LoadedModel& loaded,
                                     const std::string& signature, servable::TensorMap inputs,
                                     const std::vector<std::string>& output_filter = {});

}  // namespace serval::api
