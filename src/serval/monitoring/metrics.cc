#include "serval/monitoring/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "serval/base/logging.h"

namespace serval::monitoring {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

const char* KindName(MetricKind kind) {
  switch (kind) {
    case MetricKind::kCounter: return "counter";
    case MetricKind::kGauge: return "gauge";
    case MetricKind::kHistogram: return "histogram";
  }
  return "untyped";
}

std::string EscapeHelp(const std::string& help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void AppendSample(std::string& out, const std::string& name, const std::string& label_text,
                  double value) {
  out += name;
  if (!label_text.empty()) {
    out += '{';
    out += label_text;
    out += '}';
  }
  out += ' ';
  out += FormatPrometheusValue(value);
  out += '\n';
}

}  // namespace

std::string PrometheusMetricName(const std::string& name) {
  std::string out;
  if (!name.empty() && name[0] >= '0' && name[0] <= '9') out += '_';
  for (char c : name) out += (IsAlnum(c) || c == '_' || c == ':') ? c : ':';
  if (out.empty()) out = "_";
  return out;
}

std::string PrometheusLabelName(const std::string& name) {
  std::string out;
  if (!name.empty() && name[0] >= '0' && name[0] <= '9') out += '_';
  for (char c : name) out += (IsAlnum(c) || c == '_') ? c : '_';
  if (out.empty()) out = "_";
  return out;
}

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatPrometheusValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round-trip form
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> bounds;
  for (int i = 0; i < count; ++i) {
    // Rounded to 12 significant digits so the le labels read "32.4", not "32.400000000000006".
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.12g", start * std::pow(factor, i));
    bounds.push_back(std::strtod(buf, nullptr));
  }
  return bounds;
}

// ----------------------------------------------------------------------------------------------
// Metric

Metric::Metric(MetricKind kind, std::string name, std::string help,
               std::vector<std::string> label_names)
    : kind_(kind), name_(std::move(name)), help_(std::move(help)),
      label_names_(std::move(label_names)) {}

Metric::Cell* Metric::FindOrCreate(const Labels& labels) {
  if (labels.size() != label_names_.size()) {
    if (!warned_.exchange(true)) {
      SERVAL_LOG_WARNING("metric " + name_ + " recorded with " + std::to_string(labels.size()) +
                         " label values, expected " + std::to_string(label_names_.size()) +
                         "; such points are dropped");
    }
    return nullptr;
  }
  {
    std::shared_lock lock(mu_);
    auto it = cells_.find(labels);
    if (it != cells_.end()) return it->second.get();
  }
  std::unique_lock lock(mu_);
  auto& slot = cells_[labels];
  if (!slot) slot = NewCell();
  return slot.get();
}

const Metric::Cell* Metric::Find(const Labels& labels) const {
  std::shared_lock lock(mu_);
  auto it = cells_.find(labels);
  return it == cells_.end() ? nullptr : it->second.get();
}

void Metric::Remove(const Labels& labels) {
  std::unique_lock lock(mu_);
  auto it = cells_.find(labels);
  if (it == cells_.end()) return;
  retired_.push_back(std::move(it->second));
  cells_.erase(it);
}

void Metric::AppendExposition(std::string& out) const {
  out += "# HELP " + name_ + ' ' + EscapeHelp(help_) + '\n';
  out += "# TYPE " + name_ + ' ' + KindName(kind_) + '\n';
  std::shared_lock lock(mu_);
  for (const auto& [labels, cell] : cells_) {
    std::string label_text;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) label_text += ',';
      label_text += label_names_[i] + "=\"" + EscapeLabelValue(labels[i]) + '"';
    }
    AppendCell(*cell, label_text, out);
  }
}

// ----------------------------------------------------------------------------------------------
// Counter / Gauge / Histogram

Counter::Counter(std::string name, std::string help, std::vector<std::string> label_names)
    : Metric(MetricKind::kCounter, std::move(name), std::move(help), std::move(label_names)) {}

void Counter::Increment(const Labels& labels, double by) {
  if (!(by >= 0)) return;
  if (Cell* cell = FindOrCreate(labels)) {
    static_cast<CounterCell*>(cell)->value.fetch_add(by, std::memory_order_relaxed);
  }
}

double Counter::Value(const Labels& labels) const {
  const Cell* cell = Find(labels);
  return cell ? static_cast<const CounterCell*>(cell)->value.load() : 0;
}

std::unique_ptr<Metric::Cell> Counter::NewCell() const { return std::make_unique<CounterCell>(); }

void Counter::AppendCell(const Cell& cell, const std::string& label_text,
                         std::string& out) const {
  AppendSample(out, name(), label_text, static_cast<const CounterCell&>(cell).value.load());
}

Gauge::Gauge(std::string name, std::string help, std::vector<std::string> label_names)
    : Metric(MetricKind::kGauge, std::move(name), std::move(help), std::move(label_names)) {}

void Gauge::Set(const Labels& labels, double v) {
  if (Cell* cell = FindOrCreate(labels)) {
    static_cast<GaugeCell*>(cell)->value.store(v, std::memory_order_relaxed);
  }
}

void Gauge::Add(const Labels& labels, double d) {
  if (Cell* cell = FindOrCreate(labels)) {
    static_cast<GaugeCell*>(cell)->value.fetch_add(d, std::memory_order_relaxed);
  }
}

double Gauge::Value(const Labels& labels) const {
  const Cell* cell = Find(labels);
  return cell ? static_cast<const GaugeCell*>(cell)->value.load() : 0;
}

std::unique_ptr<Metric::Cell> Gauge::NewCell() const { return std::make_unique<GaugeCell>(); }

void Gauge::AppendCell(const Cell& cell, const std::string& label_text, std::string& out) const {
  AppendSample(out, name(), label_text, static_cast<const GaugeCell&>(cell).value.load());
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> bucket_upper_bounds)
    : Metric(MetricKind::kHistogram, std::move(name), std::move(help), std::move(label_names)) {
  std::erase_if(bucket_upper_bounds, [](double b) { return std::isnan(b) || std::isinf(b); });
  std::sort(bucket_upper_bounds.begin(), bucket_upper_bounds.end());
  bucket_upper_bounds.erase(std::unique(bucket_upper_bounds.begin(), bucket_upper_bounds.end()),
                            bucket_upper_bounds.end());
  bounds_ = std::move(bucket_upper_bounds);
}

void Histogram::Observe(const Labels& labels, double value) {
  Cell* raw = FindOrCreate(labels);
  if (raw == nullptr) return;
  auto* cell = static_cast<HistogramCell*>(raw);
  // Prometheus buckets are "less than or equal": the first bound >= value.
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  if (std::isnan(value)) i = bounds_.size();
  cell->buckets[i].fetch_add(1, std::memory_order_relaxed);
  cell->sum.fetch_add(value, std::memory_order_relaxed);
  cell->count.fetch_add(1, std::memory_order_relaxed);
}

uint64_t Histogram::Count(const Labels& labels) const {
  const Cell* cell = Find(labels);
  return cell ? static_cast<const HistogramCell*>(cell)->count.load() : 0;
}

std::unique_ptr<Metric::Cell> Histogram::NewCell() const {
  return std::make_unique<HistogramCell>(bounds_.size());
}

void Histogram::AppendCell(const Cell& raw, const std::string& label_text,
                           std::string& out) const {
  const auto& cell = static_cast<const HistogramCell&>(raw);
  // Buckets, sum and count are read without a common lock, so a concurrent Observe can make
  // them disagree by one; _count is derived from the buckets so the exposition stays consistent.
  const std::string prefix = label_text.empty() ? "" : label_text + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += cell.buckets[i].load(std::memory_order_relaxed);
    const std::string le = i < bounds_.size() ? FormatPrometheusValue(bounds_[i]) : "+Inf";
    AppendSample(out, name() + "_bucket", prefix + "le=\"" + le + '"',
                 static_cast<double>(cumulative));
  }
  AppendSample(out, name() + "_sum", label_text, cell.sum.load(std::memory_order_relaxed));
  AppendSample(out, name() + "_count", label_text, static_cast<double>(cumulative));
}

// ----------------------------------------------------------------------------------------------
// Registry

Registry& Registry::Global() {
  static Registry* registry = new Registry();  // never destroyed: metrics outlive static teardown
  return *registry;
}

template <typename T, typename... Args>
T& Registry::Add(MetricKind kind, const std::string& raw_name, Args&&... args) {
  const std::string name = PrometheusMetricName(raw_name);
  std::unique_lock lock(mu_);
  auto it = metrics_.find(name);
  if (it != metrics_.end()) {
    if (it->second->kind() == kind) return static_cast<T&>(*it->second);
    SERVAL_LOG_WARNING("metric " + name + " already exists as a " +
                       KindName(it->second->kind()) + ", not a " + KindName(kind) +
                       "; the new one is not exported");
    detached_.push_back(std::make_unique<T>(name, std::forward<Args>(args)...));
    return static_cast<T&>(*detached_.back());
  }
  auto metric = std::make_unique<T>(name, std::forward<Args>(args)...);
  T& ref = *metric;
  metrics_.emplace(name, std::move(metric));
  return ref;
}

namespace {
std::vector<std::string> ConvertLabelNames(std::vector<std::string> names) {
  for (auto& n : names) n = PrometheusLabelName(n);
  return names;
}
}  // namespace

Counter& Registry::AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names) {
  return Add<Counter>(MetricKind::kCounter, name, help, ConvertLabelNames(std::move(label_names)));
}

Gauge& Registry::AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names) {
  return Add<Gauge>(MetricKind::kGauge, name, help, ConvertLabelNames(std::move(label_names)));
}

Histogram& Registry::AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names,
                                  std::vector<double> bucket_upper_bounds) {
  return Add<Histogram>(MetricKind::kHistogram, name, help,
                        ConvertLabelNames(std::move(label_names)), std::move(bucket_upper_bounds));
}

std::string Registry::ExportPrometheus() const {
  std::string out;
  std::shared_lock lock(mu_);
  for (const auto& [name, metric] : metrics_) metric->AppendExposition(out);
  return out;
}

}  // namespace serval::monitoring
