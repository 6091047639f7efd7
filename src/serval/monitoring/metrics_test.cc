#include "serval/monitoring/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace serval::monitoring {
namespace {

TEST(MetricsTest, CounterExposition) {
  Registry r;
  Counter& c = r.AddCounter(":tensorflow:serving:request_count", "Requests by status.",
                            {"model_name", "status"});
  c.Increment({"mlp", "OK"});
  c.Increment({"mlp", "OK"}, 2);
  c.Increment({"mlp", "INVALID_ARGUMENT"});
  c.Increment({"mlp", "OK"}, -5);  // ignored: counters only go up
  EXPECT_EQ(c.Value({"mlp", "OK"}), 3);
  EXPECT_EQ(c.Value({"other", "OK"}), 0);
  EXPECT_EQ(r.ExportPrometheus(),
            "# HELP :tensorflow:serving:request_count Requests by status.\n"
            "# TYPE :tensorflow:serving:request_count counter\n"
            ":tensorflow:serving:request_count{model_name=\"mlp\",status=\"INVALID_ARGUMENT\"} 1\n"
            ":tensorflow:serving:request_count{model_name=\"mlp\",status=\"OK\"} 3\n");
}

TEST(MetricsTest, AddIsIdempotentPerName) {
  Registry r;
  Counter& a = r.AddCounter("c", "h", {"x"});
  Counter& b = r.AddCounter("c", "other help", {"x"});
  EXPECT_EQ(&a, &b);
  a.Increment({"1"});
  b.Increment({"1"});
  EXPECT_EQ(a.Value({"1"}), 2);
  // The same name as another kind gives a working but unexported metric, never a crash.
  Gauge& g = r.AddGauge("c", "h", {"x"});
  g.Set({"1"}, 7);
  EXPECT_EQ(g.Value({"1"}), 7);
  EXPECT_EQ(r.ExportPrometheus(), "# HELP c h\n# TYPE c counter\nc{x=\"1\"} 2\n");
}

TEST(MetricsTest, NamesAreConvertedAsTfServingDoes) {
  EXPECT_EQ(PrometheusMetricName("/tensorflow/serving/request_count"),
            ":tensorflow:serving:request_count");
  EXPECT_EQ(PrometheusMetricName("9lives-x"), "_9lives:x");
  EXPECT_EQ(PrometheusLabelName("model-name.x"), "model_name_x");
  Registry r;
  r.AddGauge("/a/b", "h", {"the-label"}).Set({"v"}, 1);
  EXPECT_EQ(r.ExportPrometheus(), "# HELP :a:b h\n# TYPE :a:b gauge\n:a:b{the_label=\"v\"} 1\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  Registry r;
  r.AddCounter("c", "line1\nback\\slash \"q\"", {"v"}).Increment({"a\"b\\c\nd"});
  EXPECT_EQ(r.ExportPrometheus(),
            "# HELP c line1\\nback\\\\slash \"q\"\n"
            "# TYPE c counter\n"
            "c{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsTest, GaugeSetAndAdd) {
  Registry r;
  Gauge& g = r.AddGauge("inflight", "h", {});
  g.Add({}, 1);
  g.Add({}, 1);
  g.Add({}, -1);
  EXPECT_EQ(g.Value({}), 1);
  g.Set({}, 2.5);
  EXPECT_EQ(r.ExportPrometheus(), "# HELP inflight h\n# TYPE inflight gauge\ninflight 2.5\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndLessOrEqual) {
  Registry r;
  Histogram& h = r.AddHistogram("lat", "h", {"m"}, {10, 1, 5, 5});  // sorted and deduplicated
  EXPECT_EQ(h.bucket_upper_bounds(), (std::vector<double>{1, 5, 10}));
  for (double v : {0.5, 1.0, 3.0, 5.0, 7.0, 100.0}) h.Observe({"m1"}, v);
  EXPECT_EQ(h.Count({"m1"}), 6u);
  EXPECT_EQ(r.ExportPrometheus(),
            "# HELP lat h\n"
            "# TYPE lat histogram\n"
            "lat_bucket{m=\"m1\",le=\"1\"} 2\n"
            "lat_bucket{m=\"m1\",le=\"5\"} 4\n"
            "lat_bucket{m=\"m1\",le=\"10\"} 5\n"
            "lat_bucket{m=\"m1\",le=\"+Inf\"} 6\n"
            "lat_sum{m=\"m1\"} 116.5\n"
            "lat_count{m=\"m1\"} 6\n");
}

TEST(MetricsTest, HistogramWithoutLabels) {
  Registry r;
  r.AddHistogram("h", "x", {}, {0.25}).Observe({}, 0.1);
  EXPECT_EQ(r.ExportPrometheus(),
            "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"0.25\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
            "h_sum 0.1\nh_count 1\n");
}

TEST(MetricsTest, WrongLabelCountIsDroppedNotFatal) {
  Registry r;
  Counter& c = r.AddCounter("c", "h", {"a", "b"});
  c.Increment({"only-one"});
  c.Increment({"1", "2", "3"});
  EXPECT_EQ(r.ExportPrometheus(), "# HELP c h\n# TYPE c counter\n");
}

TEST(MetricsTest, EmptyMetricHasTypeLineOnly) {
  Registry r;
  r.AddHistogram("b", "h", {"x"}, {1});
  r.AddCounter("a", "h", {});
  // Sorted by name, so the output is stable from scrape to scrape.
  EXPECT_EQ(r.ExportPrometheus(), "# HELP a h\n# TYPE a counter\n# HELP b h\n# TYPE b histogram\n");
}

TEST(MetricsTest, FormatsValues) {
  EXPECT_EQ(FormatPrometheusValue(3), "3");
  EXPECT_EQ(FormatPrometheusValue(0.1), "0.1");
  EXPECT_EQ(FormatPrometheusValue(1e21), "1e+21");
  EXPECT_EQ(FormatPrometheusValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatPrometheusValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatPrometheusValue(std::nan("")), "NaN");
}

TEST(MetricsTest, ExponentialBucketsMatchTfServingLatencyBuckets) {
  std::vector<double> b = ExponentialBuckets(10, 1.8, 33);
  ASSERT_EQ(b.size(), 33u);
  EXPECT_EQ(b[0], 10);
  EXPECT_EQ(b[1], 18);
  EXPECT_EQ(FormatPrometheusValue(b[2]), "32.4");
  EXPECT_EQ(FormatPrometheusValue(b[3]), "58.32");
  EXPECT_NEAR(b[32], 10 * std::pow(1.8, 32), 1e-11 * b[32]);
  std::vector<double> s = ExponentialBuckets(1e-4, 2, 3);
  EXPECT_EQ(s, (std::vector<double>{1e-4, 2e-4, 4e-4}));
}

TEST(MetricsTest, ConcurrentRecordingLosesNothing) {
  Registry r;
  Counter& c = r.AddCounter("c", "h", {"t"});
  Histogram& h = r.AddHistogram("h", "h", {"t"}, {0.5});
  constexpr int kThreads = 8, kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const Labels own{std::to_string(t % 2)};
      for (int i = 0; i < kPerThread; ++i) {
        c.Increment(own);
        h.Observe(own, i % 2);
        if (i % 1000 == 0) (void)r.ExportPrometheus();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value({"0"}) + c.Value({"1"}), kThreads * kPerThread);
  EXPECT_EQ(h.Count({"0"}) + h.Count({"1"}), uint64_t{kThreads} * kPerThread);
}

TEST(MetricsTest, GlobalIsOneRegistry) {
  EXPECT_EQ(&Registry::Global(), &Registry::Global());
  Counter& a = Registry::Global().AddCounter("serval_test_global", "h", {});
  EXPECT_EQ(&a, &Registry::Global().AddCounter("serval_test_global", "h", {}));
}

}  // namespace
}  // namespace serval::monitoring
