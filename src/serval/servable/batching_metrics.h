// Metrics of processed batches, in monitoring::Registry::Global(): TF Serving's
// :tensorflow:serving:batching_session:* (thread_pool_name "model_server_batch_threads", as TF
// Serving names its shared pool) and Serval's per model/version/signature ones:
//   serval_batch_requests    histogram  requests merged into one batch
//   serval_batch_rows        histogram  rows a batch ran with (after padding)
//   serval_batch_queue_depth gauge      requests still waiting when the latest batch started
// Thread-safe.
#pragma once

#include <string>

#include "serval/batching/batch_scheduler.h"
#include "serval/servable/servable_manager.h"

namespace serval::servable {

// Creates the metrics (so a scrape lists them before the first batch). Idempotent.
void RegisterBatchingMetrics();

void RecordBatchMetrics(const LoadedModel& loaded, const std::string& signature, const batching::BatchStats& stats);

}  // namespace serval::servable
