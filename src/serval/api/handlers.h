// The REST handlers behind the router: model status and metadata (model_handlers.cc), predict,
// classify and regress (predict_handler.cc), health. They see a decoded body and return the reply;
// the transport (rest_server.cc) owns HTTP. Every error names the model, the version (or label)
// and, once known, the signature, in front of TF Serving's own text:
//   model 'half' version 123 signature 'serving_default': JSON Parse error: ...
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "serval/api/router.h"
#include "serval/base/status.h"
#include "serval/monitoring/serving_metrics.h"
#include "serval/servable/servable_manager.h"

namespace serval::api {

struct HttpReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  Status error = Status::Ok();  // what ErrorReply was built from (OK otherwise), for metrics and logs
};

using Clock = std::chrono::steady_clock;

// {"error": "<message, capped>"} with the mapped HTTP code.
HttpReply ErrorReply(const Status& status);

// "model 'm' version 3 signature 's'" (version → "label 'l'" → nothing; signature only if given).
std::string ModelContext(const std::string& model, std::optional<int64_t> version,
                         const std::optional<std::string>& label = std::nullopt,
                         std::string_view signature = {});

HttpReply HandleModelStatus(const servable::ServableManager& manager, const Route& route);
HttpReply HandleModelMetadata(const servable::ServableManager& manager, const Route& route);
// `deadline`: --rest_api_timeout_in_ms from when the request arrived; a run that ends after it
// gives DEADLINE_EXCEEDED (504), like TF Serving's RunOptions.timeout_in_ms.
// `scope` (optional) receives the version, signature, example count and model run time.
HttpReply HandlePredict(const servable::ServableManager& manager, const Route& route, std::string_view body,
                        Clock::time_point deadline, monitoring::RequestScope* scope = nullptr);
HttpReply HandleClassifyRegress(const servable::ServableManager& manager, const Route& route,
                                std::string_view body, Clock::time_point deadline,
                                monitoring::RequestScope* scope = nullptr);
HttpReply HandleHealthReady(const servable::ServableManager& manager);

}  // namespace serval::api
