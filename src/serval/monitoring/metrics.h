// Process-wide metric registry (counters, gauges, histograms with labels) and its Prometheus text
// exposition (format 0.0.4).
//
// Thread safety: every method may be called from any thread. Recording (Increment/Set/Add/Observe)
// on a label set that already exists takes a shared lock, does no allocation and updates atomics;
// the first use of a label set takes an exclusive lock once. Export takes shared locks only.
// Lifetime: metrics are never removed; references returned by Registry::Add* live as long as the
// registry (Global() lives for the whole process).
// Misuse (a label count that does not match the label names, a name re-added with another kind)
// never aborts: the point is dropped / a detached metric is returned, and a warning is logged once.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

namespace serval::monitoring {

using Labels = std::vector<std::string>;  // label values, in the order of the label names

enum class MetricKind { kCounter, kGauge, kHistogram };

// Shared part of the three kinds: name, help, label names and the per-label-set cells.
class Metric {
 public:
  Metric(MetricKind kind, std::string name, std::string help, std::vector<std::string> label_names);
  virtual ~Metric() = default;
  Metric(const Metric&) = delete;
  Metric& operator=(const Metric&) = delete;

  MetricKind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Drops a label set from the exposition (e.g. the gauges of an unloaded model version). Its cell
  // is retired, not freed, so a concurrent recorder never touches freed memory.
  void Remove(const Labels& labels);

  // Appends this metric's HELP, TYPE and sample lines to `out`.
  void AppendExposition(std::string& out) const;

 protected:
  struct Cell {
    virtual ~Cell() = default;
  };
  // Returns the cell for `labels`, creating it on first use; nullptr if the label count is wrong.
  Cell* FindOrCreate(const Labels& labels);
  const Cell* Find(const Labels& labels) const;  // nullptr if never recorded
  virtual std::unique_ptr<Cell> NewCell() const = 0;
  // Appends the sample lines of one cell; `label_text` is `a="x",b="y"` (possibly empty).
  virtual void AppendCell(const Cell& cell, const std::string& label_text, std::string& out) const = 0;

 private:
  const MetricKind kind_;
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  mutable std::shared_mutex mu_;
  std::map<Labels, std::unique_ptr<Cell>, std::less<>> cells_;
  std::vector<std::unique_ptr<Cell>> retired_;
  std::atomic<bool> warned_ = false;
};

class Counter : public Metric {
 public:
  Counter(std::string name, std::string help, std::vector<std::string> label_names);
  // Negative `by` is ignored (counters only go up).
  void Increment(const Labels& labels, double by = 1);
  // Current value (0 for a label set never recorded); for tests and derived metrics.
  double Value(const Labels& labels) const;

 private:
  struct CounterCell : Cell {
    std::atomic<double> value = 0;
  };
  std::unique_ptr<Cell> NewCell() const override;
  void AppendCell(const Cell& cell, const std::string& label_text, std::string& out) const override;
};

class Gauge : public Metric {
 public:
  Gauge(std::string name, std::string help, std::vector<std::string> label_names);
  void Set(const Labels& labels, double v);
  void Add(const Labels& labels, double d);
  double Value(const Labels& labels) const;

 private:
  struct GaugeCell : Cell {
    std::atomic<double> value = 0;
  };
  std::unique_ptr<Cell> NewCell() const override;
  void AppendCell(const Cell& cell, const std::string& label_text, std::string& out) const override;
};

class Histogram : public Metric {
 public:
  // `bucket_upper_bounds` is sorted and deduplicated; +Inf is implicit (and dropped if given).
  Histogram(std::string name, std::string help, std::vector<std::string> label_names,
            std::vector<double> bucket_upper_bounds);
  void Observe(const Labels& labels, double value);
  const std::vector<double>& bucket_upper_bounds() const { return bounds_; }
  // Number of observations for a label set (0 if never recorded); for tests.
  uint64_t Count(const Labels& labels) const;

 private:
  struct HistogramCell : Cell {
    explicit HistogramCell(size_t n) : buckets(n + 1) {}
    std::vector<std::atomic<uint64_t>> buckets;  // non-cumulative; last one is +Inf
    std::atomic<double> sum = 0;
    std::atomic<uint64_t> count = 0;
  };
  std::unique_ptr<Cell> NewCell() const override;
  void AppendCell(const Cell& cell, const std::string& label_text, std::string& out) const override;
  std::vector<double> bounds_;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  static Registry& Global();

  // Idempotent per name (returns the existing metric if already added with the same kind).
  // Names are converted as TF Serving does for Prometheus: characters outside [a-zA-Z0-9_:]
  // become ':' (so "/tensorflow/serving/request_count" is ":tensorflow:serving:request_count"),
  // a leading digit gets '_'; in label names every character outside [a-zA-Z0-9_] becomes '_'.
  Counter& AddCounter(const std::string& name, const std::string& help,
                      std::vector<std::string> label_names);
  Gauge& AddGauge(const std::string& name, const std::string& help,
                  std::vector<std::string> label_names);
  Histogram& AddHistogram(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names,
                          std::vector<double> bucket_upper_bounds);

  std::string ExportPrometheus() const;  // text exposition format 0.0.4

 private:
  template <typename T, typename... Args>
  T& Add(MetricKind kind, const std::string& name, Args&&... args);

  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<Metric>> metrics_;  // by exported name
  std::vector<std::unique_ptr<Metric>> detached_;           // kind clashes; recorded, not exported
};

// start, start*factor, ..., `count` bounds (TF's ExponentialBuckets), each rounded to 12
// significant digits.
std::vector<double> ExponentialBuckets(double start, double factor, int count);

// Prometheus conversions, exposed for tests.
std::string PrometheusMetricName(const std::string& name);
std::string PrometheusLabelName(const std::string& name);
std::string EscapeLabelValue(const std::string& value);
std::string FormatPrometheusValue(double v);

}  // namespace serval::monitoring
