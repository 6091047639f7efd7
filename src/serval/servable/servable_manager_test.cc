// ServableManager on temporary base paths whose version folders are symlinks to the real fixture
// exports (never copies). Skipped when $SERVAL_FIXTURES is absent.
#include "serval/servable/servable_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "serval/base/file.h"

namespace serval::servable {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kModel[] = "half";

class ServableManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("SERVAL_FIXTURES");
    fixture_ = env ? JoinPath(env, "savedmodels/tfs_half_plus_two_2_versions") : "";
    if (fixture_.empty() || !IsDirectory(JoinPath(fixture_, "00000123")) || !IsDirectory(JoinPath(fixture_, "00000124"))) {
      GTEST_SKIP() << "SERVAL_FIXTURES/savedmodels/tfs_half_plus_two_2_versions not found; manager tests SKIPPED";
    }
    static std::atomic<int> counter{0};
    tmp_ = fs::temp_directory_path() /
           ("serval_servable_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(tmp_);
    base_ = (tmp_ / "base").string();
    fs::create_directories(base_);
  }
  void TearDown() override {
    if (!tmp_.empty()) {
      std::error_code ec;
      fs::remove_all(tmp_, ec);  // removes the symlinks, never their targets
    }
  }

  // base/<name> -> fixture/<target>
  void Link(const std::string& name, const std::string& target, const std::string& base = "") {
    fs::create_directory_symlink(JoinPath(fixture_, target), fs::path(base.empty() ? base_ : base) / name);
  }
  void Remove(const std::string& name) { fs::remove_all(fs::path(base_) / name); }

  static ManagerOptions Options(int retries = 2) {
    ManagerOptions o;
    o.max_load_retries = retries;
    o.load_retry_interval_micros = 1000;
    o.file_system_poll_wait_seconds = -1;  // tests poll by hand unless they start the thread
    return o;
  }
  ModelConfig Config(VersionPolicy policy = {}, const std::string& name = kModel) {
    ModelConfig c;
    c.name = name;
    c.base_path = base_;
    c.policy = std::move(policy);
    return c;
  }

  // Version served for a plain (latest) request, or -1.
  static int64_t Served(const ServableManager& m, const std::string& name = kModel) {
    auto h = m.Get(name);
    return h.ok() ? (*h)->version : -1;
  }
  static std::vector<std::pair<int64_t, VersionState>> States(const ServableManager& m,
                                                              const std::string& name = kModel) {
    std::vector<std::pair<int64_t, VersionState>> out;
    auto s = m.GetStatus(name);
    if (s.ok()) {
      for (const auto& v : *s) out.emplace_back(v.version, v.state);
    }
    return out;
  }
  static VersionStatus StatusOf(const ServableManager& m, int64_t v) {
    auto s = m.GetStatus(kModel, v);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() && s->size() == 1 ? (*s)[0] : VersionStatus{};
  }

  // Runs serving_default on x=[[1],[2]]: half_plus_two gives y=[[2.5],[3.0]] in both versions.
  static void ExpectServes(const ServableHandle& h) {
    ASSERT_TRUE(h != nullptr);
    auto out = h->session->Run("serving_default", {{"x", Tensor::FromVector<float>({1.f, 2.f}, TensorShape{2, 1})}});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    const Tensor& y = out->at("y");
    ASSERT_EQ(y.num_elements(), 2);
    EXPECT_FLOAT_EQ(y.flat<float>()[0], 2.5f);
    EXPECT_FLOAT_EQ(y.flat<float>()[1], 3.0f);
  }

  std::string fixture_;
  fs::path tmp_;
  std::string base_;
};

constexpr auto kAvailable = VersionState::kAvailable;
constexpr auto kEnd = VersionState::kEnd;

TEST_F(ServableManagerTest, LatestServesNewVersionThenUnloadsOld) {
  Link("123", "00000123");
  ServableManager m(Options());
  m.SetModels({Config()});  // synchronous first poll: served right away
  EXPECT_EQ(Served(m), 123);
  EXPECT_TRUE(m.AllModelsReady());
  auto h123 = m.Get(kModel);
  ASSERT_TRUE(h123.ok());
  EXPECT_EQ((*h123)->path, JoinPath(base_, "123"));
  ExpectServes(*h123);

  Link("00000124", "00000124");  // zero-padded folder names are versions too
  m.PollOnce();
  EXPECT_EQ(Served(m), 124);
  EXPECT_THAT(States(m), ElementsAre(std::pair{int64_t{124}, kAvailable}, std::pair{int64_t{123}, kEnd}));
  EXPECT_TRUE(StatusOf(m, 123).error.ok());
  // The handle taken before the unload still works: the manager only dropped its reference.
  ExpectServes(*h123);
  EXPECT_EQ((*h123)->version, 123);
  auto gone = m.Get(kModel, 123);
  EXPECT_EQ(gone.status(), NotFound("Servable not found for request: Specific(half, 123)"));
  ExpectServes(*m.Get(kModel, 124));
}

TEST_F(ServableManagerTest, LatestTwoAndAllKeepSeveralVersions) {
  Link("123", "00000123");
  Link("124", "00000124");
  ServableManager m(Options());
  VersionPolicy latest2;
  latest2.num_versions = 2;
  VersionPolicy all;
  all.kind = VersionPolicy::Kind::kAll;
  m.SetModels({Config(latest2, "two"), Config(all, "all"), Config({}, "one")});
  EXPECT_THAT(m.ModelNames(), ElementsAre("all", "one", "two"));
  for (const char* name : {"two", "all"}) {
    EXPECT_THAT(States(m, name), ElementsAre(std::pair{int64_t{124}, kAvailable}, std::pair{int64_t{123}, kAvailable}))
        << name;
    EXPECT_EQ(Served(m, name), 124);
    EXPECT_EQ((*m.Get(name, 123))->version, 123);
  }
  EXPECT_THAT(States(m, "one"), ElementsAre(std::pair{int64_t{124}, kAvailable}));

  // Removing a folder unloads that version.
  Remove("124");
  m.PollOnce();
  for (const char* name : {"two", "all", "one"}) {
    EXPECT_EQ(Served(m, name), 123) << name;
    EXPECT_EQ(States(m, name).back(), (std::pair{int64_t{123}, kAvailable})) << name;
  }
  EXPECT_THAT(States(m, "all"), ElementsAre(std::pair{int64_t{124}, kEnd}, std::pair{int64_t{123}, kAvailable}));
  // Removing the last one unloads it too: the model has no versions.
  Remove("123");
  m.PollOnce();
  EXPECT_EQ(m.Get("all").status(), NotFound("Servable not found for request: Latest(all)"));
  EXPECT_FALSE(m.AllModelsReady());
}

TEST_F(ServableManagerTest, SpecificPolicyAndLabels) {
  Link("123", "00000123");
  Link("124", "00000124");
  VersionPolicy specific;
  specific.kind = VersionPolicy::Kind::kSpecific;
  specific.versions = {123, 200};  // 200 does not exist (a warning, no error)
  ModelConfig c = Config(specific);
  c.version_labels = {{"stable", 123}, {"canary", 124}};
  ServableManager m(Options());
  m.SetModels({c});
  EXPECT_THAT(States(m), ElementsAre(std::pair{int64_t{123}, kAvailable}));
  EXPECT_EQ(Served(m), 123);
  EXPECT_EQ((*m.Get(kModel, std::nullopt, std::string("stable")))->version, 123);
  // A label pointing at a version that is not loaded: like TF Serving, the version is not found.
  EXPECT_EQ(m.Get(kModel, std::nullopt, std::string("canary")).status(),
            NotFound("Servable not found for request: Specific(half, 124)"));
  EXPECT_EQ(m.Get(kModel, std::nullopt, std::string("nope")).status(),
            InvalidArgument("Unrecognized servable version label: nope"));
  EXPECT_EQ(m.Get(kModel, 123, std::string("stable")).status().code(), StatusCode::kInvalidArgument);

  // Config reload: serve both, move labels. The loaded 123 is kept (no reload).
  auto before = m.Get(kModel, 123);
  specific.versions = {123, 124};
  c.policy = specific;
  c.version_labels = {{"stable", 124}};
  m.SetModels({c});
  EXPECT_EQ((*m.Get(kModel, std::nullopt, std::string("stable")))->version, 124);
  EXPECT_EQ(m.Get(kModel, 123)->get(), before->get());
  EXPECT_EQ(m.Get(kModel, std::nullopt, std::string("canary")).status(),
            InvalidArgument("Unrecognized servable version label: canary"));
}

TEST_F(ServableManagerTest, StatusAndNotFoundTexts) {
  ServableManager m(Options());
  EXPECT_EQ(m.Get("nope").status(), NotFound("Servable not found for request: Latest(nope)"));
  EXPECT_EQ(m.Get("nope", 3).status(), NotFound("Servable not found for request: Specific(nope, 3)"));
  EXPECT_EQ(m.GetStatus("nope").status(), NotFound("Could not find any versions of model nope"));
  EXPECT_TRUE(m.AllModelsReady());  // nothing configured, nothing missing

  // A configured model whose base path does not exist: no versions (a logged warning), no crash.
  ModelConfig missing = Config();
  missing.base_path = (tmp_ / "does_not_exist").string();
  m.SetModels({missing});
  EXPECT_EQ(m.GetStatus(kModel).status(), NotFound("Could not find any versions of model half"));
  EXPECT_EQ(m.Get(kModel).status(), NotFound("Servable not found for request: Latest(half)"));
  EXPECT_FALSE(m.AllModelsReady());
  // It appears later: the next poll serves it.
  fs::create_directories(missing.base_path);
  Link("7", "00000124", missing.base_path);
  m.PollOnce();
  EXPECT_EQ(Served(m), 7);
  EXPECT_EQ(m.GetStatus(kModel, 8).status(), NotFound("Could not find version 8 of model half"));
  auto one = m.GetStatus(kModel, 7);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].state, kAvailable);
  EXPECT_EQ(VersionStateName((*one)[0].state), "AVAILABLE");
  EXPECT_EQ(VersionStateName(VersionState::kEnd), "END");
  EXPECT_EQ(VersionStateName(VersionState::kUnloading), "UNLOADING");
}

TEST_F(ServableManagerTest, BrokenVersionIsRetriedThenGivenUpAndNeverDisturbsServing) {
  Link("124", "00000124");
  ServableManager m(Options(/*retries=*/2));
  m.SetModels({Config()});
  EXPECT_EQ(Served(m), 124);

  // An export still being written: an empty folder.
  fs::create_directories(fs::path(base_) / "125");
  m.PollOnce();
  VersionStatus s = StatusOf(m, 125);
  EXPECT_EQ(s.state, kEnd);
  EXPECT_FALSE(s.error.ok());
  EXPECT_EQ(s.load_attempts, 1);
  EXPECT_EQ(Served(m), 124);  // the old version keeps serving
  EXPECT_EQ(StatusOf(m, 124).state, kAvailable);

  // Retried on later polls, at most max_load_retries times.
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    m.PollOnce();
    EXPECT_EQ(Served(m), 124);
  }
  s = StatusOf(m, 125);
  EXPECT_EQ(s.state, kEnd);
  EXPECT_EQ(s.load_attempts, 3);  // 1 + 2 retries
  EXPECT_FALSE(s.error.ok());
  EXPECT_EQ(StatusOf(m, 124).state, kAvailable);

  // A garbage saved_model.pb changes its files: a fresh round of attempts, still failing.
  { std::ofstream(fs::path(base_) / "125" / "saved_model.pb") << "not a protobuf"; }
  m.PollOnce();
  s = StatusOf(m, 125);
  EXPECT_EQ(s.state, kEnd);
  EXPECT_EQ(s.load_attempts, 1);
  EXPECT_FALSE(s.error.ok());
  EXPECT_EQ(Served(m), 124);

  // The export finishes (here: the folder becomes a real version): it loads, then 124 goes.
  Remove("125");
  Link("125", "00000123");
  m.PollOnce();
  EXPECT_EQ(Served(m), 125);
  EXPECT_TRUE(StatusOf(m, 125).error.ok());
  EXPECT_THAT(States(m), ElementsAre(std::pair{int64_t{125}, kAvailable}, std::pair{int64_t{124}, kEnd}));
}

TEST_F(ServableManagerTest, FailedOnlyVersionReportsError) {
  fs::create_directories(fs::path(base_) / "1");
  { std::ofstream(fs::path(base_) / "1" / "saved_model.pb") << "garbage"; }
  ServableManager m(Options(/*retries=*/0));
  m.SetModels({Config()});
  auto s = m.GetStatus(kModel);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].state, kEnd);
  EXPECT_FALSE((*s)[0].error.ok());
  EXPECT_FALSE(m.AllModelsReady());
  EXPECT_EQ(m.Get(kModel).status(), NotFound("Servable not found for request: Latest(half)"));
}

TEST_F(ServableManagerTest, SetModelsAddsAndRemovesModels) {
  Link("123", "00000123");
  ServableManager m(Options());
  m.SetModels({Config({}, "a")});
  EXPECT_EQ(Served(m, "a"), 123);
  m.SetModels({Config({}, "a"), Config({}, "b")});
  EXPECT_EQ(Served(m, "b"), 123);
  auto held = m.Get("a");
  ASSERT_TRUE(held.ok());
  m.SetModels({Config({}, "b")});
  EXPECT_THAT(m.ModelNames(), ElementsAre("b"));
  EXPECT_EQ(m.Get("a").status(), NotFound("Servable not found for request: Latest(a)"));
  EXPECT_EQ(m.GetStatus("a").status(), NotFound("Could not find any versions of model a"));
  ExpectServes(*held);  // a request holding the removed model's handle finishes normally
  m.SetModels({});
  EXPECT_TRUE(m.ModelNames().empty());
}

TEST_F(ServableManagerTest, PollThreadPicksUpNewVersionsAndStopsPromptly) {
  Link("123", "00000123");
  ManagerOptions o = Options();
  o.file_system_poll_wait_seconds = 1;
  ServableManager m(o);
  m.SetModels({Config()});
  m.StartPolling();
  Link("124", "00000124");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Served(m) != 124 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Served(m), 124);
  auto start = std::chrono::steady_clock::now();
  m.StopPolling();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
}

TEST_F(ServableManagerTest, PollThreadRetriesFailedLoadsWithoutRescanning) {
  // file_system_poll_wait_seconds = 0: no rescans, but failed loads are still retried.
  fs::create_directories(fs::path(base_) / "5");
  ManagerOptions o = Options(/*retries=*/3);
  o.file_system_poll_wait_seconds = 0;
  ServableManager m(o);
  m.SetModels({Config()});
  EXPECT_EQ(StatusOf(m, 5).load_attempts, 1);
  m.StartPolling();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (StatusOf(m, 5).load_attempts < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(StatusOf(m, 5).load_attempts, 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(StatusOf(m, 5).load_attempts, 4);  // given up
  m.StopPolling();
}

TEST_F(ServableManagerTest, ConcurrentGetsNeverFailWhileVersionsSwap) {
  Link("1", "00000123");
  ServableManager m(Options());
  m.SetModels({Config()});
  ASSERT_EQ(Served(m), 1);
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int64_t> requests{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const auto x = Tensor::FromVector<float>({1.f, 2.f}, TensorShape{2, 1});
      while (!done) {
        auto h = m.Get(kModel);
        if (!h.ok()) {
          ++failures;
          continue;
        }
        if (t % 2 == 0) {  // half the threads also run the model
          auto out = (*h)->session->Run("serving_default", {{"x", x}});
          if (!out.ok() || out->at("y").flat<float>()[1] != 3.0f) ++failures;
        }
        ++requests;
      }
    });
  }
  // On a loaded machine the clients may not have run yet: swap only once every one is busy.
  while (requests.load() < 64) std::this_thread::yield();
  // Versions 2..6 appear one by one (alternating exports); each swap unloads the previous one.
  for (int v = 2; v <= 6; ++v) {
    Link(std::to_string(v), v % 2 ? "00000123" : "00000124");
    m.PollOnce();
    EXPECT_EQ(Served(m), v);
    Remove(std::to_string(v - 1));
    m.PollOnce();
  }
  done = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(requests.load(), 0);
  EXPECT_EQ(Served(m), 6);
  EXPECT_EQ(States(m).size(), 6u);
}

// A base path that cannot be listed (gone, permissions, I/O) says nothing about the versions: the
// loaded one keeps serving (a regression: the model used to be unloaded).
TEST_F(ServableManagerTest, BasePathThatCannotBeListedKeepsServing) {
  Link("123", "00000123");
  ServableManager m(Options());
  m.SetModels({Config()});
  ASSERT_EQ(Served(m), 123);
  const std::string away = base_ + ".away";
  fs::rename(base_, away);
  m.PollOnce();
  EXPECT_EQ(Served(m), 123);
  EXPECT_THAT(States(m), ElementsAre(std::make_pair(int64_t{123}, kAvailable)));
  fs::rename(away, base_);
  m.PollOnce();
  EXPECT_EQ(Served(m), 123);
}

// A copy that writes the data shard last: the load fails while the shard is short, and the
// version loads as soon as the shard is complete, even with no retries left (a regression: only
// saved_model.pb and variables.index were watched, so the version was given up on for good).
TEST_F(ServableManagerTest, VersionWhoseDataShardIsWrittenLastLoadsOnceComplete) {
  Link("123", "00000123");
  ManagerOptions o = Options(/*retries=*/0);
  o.load_retry_interval_micros = 3'600'000'000;  // only a change of the files may trigger a retry
  ServableManager m(o);
  m.SetModels({Config()});
  ASSERT_EQ(Served(m), 123);

  const fs::path v124 = fs::path(base_) / "124";
  fs::copy(JoinPath(fixture_, "00000124"), v124, fs::copy_options::recursive);
  fs::path shard;
  for (const auto& e : fs::directory_iterator(v124 / "variables")) {
    if (e.path().filename().string().rfind("variables.data", 0) == 0) shard = e.path();
  }
  ASSERT_FALSE(shard.empty());
  // The fixtures are read-only and copies keep that; make the copy writable (and removable).
  fs::permissions(v124, fs::perms::owner_all, fs::perm_options::add);
  for (const auto& e : fs::recursive_directory_iterator(v124)) {
    fs::permissions(e.path(), e.is_directory() ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::add);
  }
  const auto full = fs::file_size(shard);
  std::string bytes;
  {
    std::ifstream in(shard, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_EQ(bytes.size(), full);
  fs::resize_file(shard, full / 2);

  m.PollOnce();
  EXPECT_EQ(Served(m), 123);
  EXPECT_EQ(StatusOf(m, 124).state, kEnd);
  EXPECT_THAT(StatusOf(m, 124).error.message(), HasSubstr("variables.data"));
  m.PollOnce();
  EXPECT_EQ(Served(m), 123);
  {
    std::ofstream out(shard, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  m.PollOnce();
  EXPECT_EQ(Served(m), 124);
  EXPECT_EQ(StatusOf(m, 124).state, kAvailable);
}

}  // namespace
}  // namespace serval::servable
