#include "serval/servable/batching_metrics.h"

#include "serval/monitoring/metrics.h"

namespace serval::servable {
namespace {

constexpr char kPool[] = "model_server_batch_threads";

struct BatchingMetrics {
  monitoring::Histogram& input_batch_size;
  monitoring::Histogram& processed_batch_size;
  monitoring::Histogram& padding_size;
  monitoring::Histogram& queuing_latency;
  monitoring::Counter& wrapped_run_count;
  monitoring::Histogram& batch_requests;
  monitoring::Histogram& batch_rows;
  monitoring::Gauge& queue_depth;
};

const BatchingMetrics& Metrics() {
  static const BatchingMetrics m = [] {
    auto& r = monitoring::Registry::Global();
    const std::vector<double> sizes = monitoring::ExponentialBuckets(1, 2, 14);  // 1 .. 8192
    const std::vector<std::string> per_version = {"model", "version", "signature"};
    return BatchingMetrics{
        r.AddHistogram(":tensorflow:serving:batching_session:input_batch_size",
                       "Rows of each request entering a batch queue.", {"thread_pool_name"}, sizes),
        r.AddHistogram(":tensorflow:serving:batching_session:processed_batch_size",
                       "Rows each batch ran with, padding included.", {"thread_pool_name"}, sizes),
        r.AddHistogram(":tensorflow:serving:batching_session:padding_size",
                       "Rows added to reach an allowed batch size.", {"thread_pool_name", "execution_batch_size"},
                       sizes),
        r.AddHistogram(":tensorflow:serving:batching_session:queuing_latency",
                       "Microseconds a request waited in a batch queue.", {"thread_pool_name"},
                       monitoring::ExponentialBuckets(10, 1.8, 33)),
        r.AddCounter(":tensorflow:serving:batching_session:wrapped_run_count", "Batches run.", {"thread_pool_name"}),
        r.AddHistogram("serval_batch_requests", "Requests merged into one batch.", per_version, sizes),
        r.AddHistogram("serval_batch_rows", "Rows a batch ran with, padding included.", per_version, sizes),
        r.AddGauge("serval_batch_queue_depth", "Requests waiting in the queue when the latest batch started.",
                   per_version),
    };
  }();
  return m;
}

}  // namespace

void RegisterBatchingMetrics() { Metrics(); }

void RecordBatchMetrics(const LoadedModel& loaded, const std::string& signature, const batching::BatchStats& s) {
  const BatchingMetrics& m = Metrics();
  const monitoring::Labels pool = {kPool};
  for (int64_t rows : s.part_rows) m.input_batch_size.Observe(pool, static_cast<double>(rows));
  for (double us : s.queue_micros) m.queuing_latency.Observe(pool, us);
  m.processed_batch_size.Observe(pool, static_cast<double>(s.padded_rows));
  m.padding_size.Observe({kPool, std::to_string(s.padded_rows)}, static_cast<double>(s.padded_rows - s.rows));
  m.wrapped_run_count.Increment(pool);
  const monitoring::Labels mine = {loaded.name, std::to_string(loaded.version), signature};
  m.batch_requests.Observe(mine, static_cast<double>(s.requests));
  m.batch_rows.Observe(mine, static_cast<double>(s.padded_rows));
  m.queue_depth.Set(mine, static_cast<double>(s.still_queued));
}

}  // namespace serval::servable
