#include "serval/servable/servable_manager.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <utility>

#include "serval/base/file.h"
#include "serval/base/logging.h"
#include "serval/base/strings.h"
#include "serval/loader/version_dirs.h"
#include "serval/monitoring/serving_metrics.h"
#include "serval/servable/resident_bytes.h"

namespace serval::servable {

std::string_view VersionStateName(VersionState s) {
  switch (s) {
    case VersionState::kUnknown: return "UNKNOWN";
    case VersionState::kStart: return "START";
    case VersionState::kLoading: return "LOADING";
    case VersionState::kAvailable: return "AVAILABLE";
    case VersionState::kUnloading: return "UNLOADING";
    case VersionState::kEnd: return "END";
  }
  return "UNKNOWN";
}

// Per model: its config and its version table. `config` and `versions` are written with both
// poll_mu_ and mu_ held and read under either; the scan fields are touched only under poll_mu_.
struct ServableManager::Model {
  ModelConfig config;
  struct Version {
    VersionState state = VersionState::kStart;
    Status error;
    ServableHandle handle;  // set exactly while AVAILABLE
    bool aspired = false;   // the policy wants it (as of the last poll)
    int attempts = 0;       // failed or successful loads since it became aspired / its files changed
    Clock::time_point last_attempt{};
    std::string fingerprint;  // the version's files at the last attempt
  };
  std::map<int64_t, Version> versions;

  std::vector<int64_t> on_disk;        // last listing, ascending
  std::string scan_problem;            // last logged base-path warning ("" = none)
  std::vector<int64_t> missing_specific;  // last logged specific versions not on disk
};

namespace {

std::string ModelVersion(const std::string& name, int64_t v) { return StrCat("model '", name, "' version ", v); }

// Identifies the files a load reads, so a version that failed while still being written is
// retried as soon as they change (and not only after the retry interval). Every file of
// variables/ counts: a copy that writes the data shard last must not be given up on.
std::string Fingerprint(const std::string& dir) {
  std::string out;
  auto add = [&out](const std::string& path, const std::string& label) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return;
    out += StrCat(label, ":", st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, ";");
  };
  for (const char* f : {"saved_model.pb", "saved_model.pbtxt", "saved_model.cpb"}) add(JoinPath(dir, f), f);
  const std::string vars = JoinPath(dir, "variables");
  if (auto names = ListDirectory(vars); names.ok()) {
    for (const auto& n : *names) add(JoinPath(vars, n), "variables/" + n);
  }
  return out;
}

std::string VersionDir(const std::string& base_path, int64_t v) {
  auto dir = loader::ResolveModelDir(base_path, v);  // keeps the folder's own spelling ("00000123")
  return dir.ok() ? *dir : JoinPath(base_path, std::to_string(v));
}

std::vector<std::string> ToStrings(const std::vector<int64_t>& v) {
  std::vector<std::string> out;
  for (int64_t x : v) out.push_back(std::to_string(x));
  return out;
}

}  // namespace

Result<TensorMap> LoadedModel::Run(const std::string& signature_key, TensorMap inputs,
                                   const std::vector<std::string>& output_filter) const {
  if (runner) return runner->Run(signature_key, std::move(inputs), output_filter);
  return session->Run(signature_key, std::move(inputs), output_filter);
}

Result<std::shared_ptr<LoadedModel>> ServableManager::LoadVersion(const ModelConfig& config, int64_t version,
                                                                  const std::string& dir) const {
  SERVAL_ASSIGN_OR_RETURN(auto session, session::Session::Load(dir, options_.session));
  auto loaded = std::make_shared<LoadedModel>();
  loaded->name = config.name;
  loaded->version = version;
  loaded->path = dir;
  loaded->session = std::move(session);
  for (const auto& step : options_.prepare) SERVAL_RETURN_IF_ERROR(step(config, *loaded));
  return loaded;
}

ServableManager::ServableManager(ManagerOptions options) : options_(std::move(options)) {
  options_.max_load_retries = std::max(0, options_.max_load_retries);
  options_.load_retry_interval_micros = std::max<int64_t>(0, options_.load_retry_interval_micros);
}

ServableManager::~ServableManager() {
  StopPolling();
  std::lock_guard<std::mutex> poll_lock(poll_mu_);
  std::map<std::string, std::shared_ptr<Model>> models;
  {
    std::lock_guard<std::mutex> lock(mu_);
    models.swap(models_);
  }
  for (auto& [name, m] : models) UnloadAll(*m);
}

void ServableManager::UnloadAll(Model& m) {
  // The model is no longer reachable through models_; only the poll lock holder touches it.
  for (auto& [v, ver] : m.versions) {
    if (!ver.handle) continue;
    ver.state = VersionState::kUnloading;
    ver.handle.reset();  // requests still holding the handle keep the session alive
    ver.state = VersionState::kEnd;
    monitoring::RecordModelUnload(m.config.name, v);
    SERVAL_LOG_INFO(StrCat("Unloaded ", ModelVersion(m.config.name, v)));
  }
}

void ServableManager::SetModels(std::vector<ModelConfig> models) {
  std::lock_guard<std::mutex> poll_lock(poll_mu_);
  std::vector<std::shared_ptr<Model>> to_poll;
  std::vector<std::shared_ptr<Model>> removed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, std::shared_ptr<Model>> next;
    for (auto& config : models) {
      auto it = models_.find(config.name);
      std::shared_ptr<Model> m;
      if (it != models_.end()) {
        m = it->second;
        const ModelConfig& old = m->config;
        bool changed = old.base_path != config.base_path || old.policy.kind != config.policy.kind ||
                       old.policy.num_versions != config.policy.num_versions ||
                       old.policy.versions != config.policy.versions;
        if (changed) to_poll.push_back(m);
        m->config = config;  // labels take effect at once
      } else {
        m = std::make_shared<Model>();
        m->config = config;
        to_poll.push_back(m);
      }
      if (!next.emplace(config.name, m).second) {
        SERVAL_LOG_WARNING(StrCat("model '", config.name, "' is listed more than once; the first entry is used"));
      }
    }
    for (auto& [name, m] : models_) {
      if (!next.count(name)) removed.push_back(m);
    }
    models_.swap(next);
  }
  for (auto& m : removed) {
    SERVAL_LOG_INFO(StrCat("Model '", m->config.name, "' removed from the config; unloading its versions"));
    UnloadAll(*m);
  }
  for (auto& m : to_poll) {
    SERVAL_LOG_INFO(StrCat("Serving model '", m->config.name, "' from base path '", m->config.base_path, "'"));
    PollModel(*m, /*rescan=*/true);
  }
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    ++wake_gen_;  // retry deadlines may have changed
  }
  wake_.notify_all();
}

void ServableManager::PollOnce() { PollAll(/*rescan=*/true); }

void ServableManager::PollAll(bool rescan) {
  std::lock_guard<std::mutex> poll_lock(poll_mu_);
  std::vector<std::shared_ptr<Model>> models;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [name, m] : models_) models.push_back(m);
  }
  for (auto& m : models) {
    if (stop_) break;
    PollModel(*m, rescan);
  }
}

void ServableManager::PollModel(Model& m, bool rescan) {
  // Holding poll_mu_: nobody else writes m.config or m.versions, so reading them unlocked is safe;
  // writes still take mu_ because Get/GetStatus read under it.
  const ModelConfig& config = m.config;
  const std::string& name = config.name;

  if (rescan) {
    std::string problem;
    auto listed = loader::ListVersions(config.base_path);
    if (!listed.ok()) {
      // A listing that fails (permissions, I/O, the folder being replaced) says nothing about
      // which versions exist: keep the last listing, so loaded versions keep serving (as in TF
      // Serving, whose file-system source skips a poll that fails).
      problem = StrCat("model '", name, "': cannot read base path '", config.base_path, "' (",
                       listed.status().message(), "); keeping the versions of the last listing (",
                       m.on_disk.empty() ? std::string("none") : Join(ToStrings(m.on_disk), ", "), ")");
    } else {
      m.on_disk = *listed;
      if (m.on_disk.empty()) {
        problem = StrCat("No versions of model '", name, "' found under base path '", config.base_path, "'");
        if (loader::IsSavedModelDir(config.base_path)) {
          problem += "; it is itself a SavedModel folder, but a base path must hold numeric version folders "
                     "(move it to '<base_path>/1/')";
        }
      }
    }
    if (problem != m.scan_problem) {
      if (!problem.empty()) {
        SERVAL_LOG_WARNING(problem);
      } else {
        SERVAL_LOG_INFO(StrCat("model '", name, "': versions on disk under '", config.base_path,
                               "': ", Join(ToStrings(m.on_disk), ", ")));
      }
      m.scan_problem = problem;
    }
  }

  // The aspired set, from the policy and the versions on disk.
  std::set<int64_t> aspired;
  switch (config.policy.kind) {
    case VersionPolicy::Kind::kLatest: {
      size_t n = static_cast<size_t>(std::max<int64_t>(1, config.policy.num_versions));
      for (size_t i = m.on_disk.size() > n ? m.on_disk.size() - n : 0; i < m.on_disk.size(); ++i) {
        aspired.insert(m.on_disk[i]);
      }
      break;
    }
    case VersionPolicy::Kind::kAll:
      aspired.insert(m.on_disk.begin(), m.on_disk.end());
      break;
    case VersionPolicy::Kind::kSpecific: {
      std::vector<int64_t> missing;
      for (int64_t v : config.policy.versions) {
        if (std::binary_search(m.on_disk.begin(), m.on_disk.end(), v)) {
          aspired.insert(v);
        } else {
          missing.push_back(v);
        }
      }
      if (rescan && missing != m.missing_specific) {
        if (!missing.empty()) {
          SERVAL_LOG_WARNING(StrCat("model '", name, "': specific version(s) ", Join(ToStrings(missing), ", "),
                                    " not found under base path '", config.base_path, "'"));
        }
        m.missing_specific = missing;
      }
      break;
    }
  }

  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int64_t v : aspired) {
      auto& ver = m.versions[v];
      if (!ver.aspired) {  // new, or back after leaving the aspired set: a fresh start
        ver.aspired = true;
        ver.attempts = 0;
        if (ver.state != VersionState::kAvailable) {
          ver.state = VersionState::kStart;
          ver.error = Status::Ok();
        }
      }
    }
    for (auto& [v, ver] : m.versions) {
      if (aspired.count(v) || !ver.aspired) continue;
      ver.aspired = false;
      if (ver.state == VersionState::kStart) ver.state = VersionState::kEnd;  // vanished before loading
    }
  }

  // Load what is aspired and not AVAILABLE, highest version first. Never under mu_.
  const int max_attempts = options_.max_load_retries + 1;
  const auto retry_interval = std::chrono::microseconds(options_.load_retry_interval_micros);
  for (auto it = aspired.rbegin(); it != aspired.rend(); ++it) {
    if (stop_) return;  // shutting down; unloads below would need a settled state anyway
    const int64_t v = *it;
    Model::Version& ver = m.versions.at(v);  // exists; only this thread inserts or erases
    if (ver.state == VersionState::kAvailable) continue;
    const std::string dir = VersionDir(config.base_path, v);
    std::string fingerprint = Fingerprint(dir);
    if (ver.attempts > 0) {
      if (fingerprint != ver.fingerprint) {
        std::lock_guard<std::mutex> lock(mu_);
        ver.attempts = 0;  // its files changed (e.g. the export finished): a fresh start
      } else if (ver.attempts >= max_attempts) {
        continue;  // gave up; stays END with its error
      } else if (Clock::now() - ver.last_attempt < retry_interval) {
        continue;  // retried by a later poll
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ver.state = VersionState::kLoading;
    }
    const auto start = Clock::now();
    auto loaded_or = LoadVersion(config, v, dir);
    const auto end = Clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(end - start).count();
    monitoring::RecordModelLoad(name, v, dir, loaded_or.status(), end - start,
                                loaded_or.ok() ? EstimateResidentBytes(*(*loaded_or)->session) : -1);
    if (loaded_or.ok()) {
      std::shared_ptr<LoadedModel> loaded = std::move(loaded_or).value();
      {
        std::lock_guard<std::mutex> lock(mu_);
        ver.handle = std::move(loaded);
        ver.state = VersionState::kAvailable;
        ver.error = Status::Ok();
        ++ver.attempts;
        ver.last_attempt = end;
        ver.fingerprint = fingerprint;
      }
      SERVAL_LOG_INFO(StrCat("Loaded ", ModelVersion(name, v), " from '", dir, "' in ", ms, " ms"));
    } else {
      int attempt = 0;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ver.state = VersionState::kEnd;
        ver.error = loaded_or.status();
        attempt = ++ver.attempts;
        ver.last_attempt = end;
        ver.fingerprint = fingerprint;
      }
      std::string next = attempt < max_attempts
                             ? StrCat("will retry in ", options_.load_retry_interval_micros / 1000, " ms")
                             : std::string("giving up until its files change");
      SERVAL_LOG_ERROR(StrCat("Failed to load ", ModelVersion(name, v), " from '", dir, "' (attempt ", attempt,
                              " of ", max_attempts, ", ", ms, " ms; ", next, "): ", loaded_or.status().ToString()));
    }
  }

  // Unload versions the policy dropped, once every aspired version is settled (AVAILABLE or failed
  // for good) and at least one of them serves, or none is aspired: availability first.
  bool settled = true;
  bool any_available = false;
  for (int64_t v : aspired) {
    const auto& ver = m.versions.at(v);
    if (ver.state == VersionState::kAvailable) {
      any_available = true;
    } else if (!(ver.state == VersionState::kEnd && ver.attempts >= max_attempts)) {
      settled = false;
    }
  }
  if (!settled || (!any_available && !aspired.empty())) return;
  for (auto& [v, ver] : m.versions) {
    if (ver.aspired || !ver.handle) continue;
    ServableHandle dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ver.state = VersionState::kUnloading;
      dropped = std::move(ver.handle);
      ver.handle = nullptr;
    }
    dropped.reset();  // frees the session unless a request still holds it
    {
      std::lock_guard<std::mutex> lock(mu_);
      ver.state = VersionState::kEnd;
      ver.error = Status::Ok();
    }
    monitoring::RecordModelUnload(name, v);
    SERVAL_LOG_INFO(StrCat("Unloaded ", ModelVersion(name, v), " (no longer in its version policy)"));
  }
}

ServableManager::Clock::time_point ServableManager::NextRetryDue() const {
  const auto interval = std::chrono::microseconds(options_.load_retry_interval_micros);
  const int max_attempts = options_.max_load_retries + 1;
  auto due = Clock::now() + std::chrono::hours(1);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, m] : models_) {
    for (const auto& [v, ver] : m->versions) {
      if (ver.aspired && ver.state == VersionState::kEnd && ver.attempts > 0 && ver.attempts < max_attempts) {
        due = std::min(due, ver.last_attempt + interval);
      }
    }
  }
  return due;
}

void ServableManager::PollLoop() {
  const int wait_s = options_.file_system_poll_wait_seconds;
  auto next_scan = Clock::now() + std::chrono::seconds(std::max(wait_s, 0));
  while (!stop_) {
    uint64_t gen;
    {
      std::lock_guard<std::mutex> lock(wake_mu_);
      gen = wake_gen_;
    }
    auto deadline = NextRetryDue();
    if (wait_s > 0) deadline = std::min(deadline, next_scan);
    {
      std::unique_lock<std::mutex> lock(wake_mu_);
      wake_.wait_until(lock, deadline, [&] { return stop_.load() || wake_gen_ != gen; });
    }
    if (stop_) break;
    const auto now = Clock::now();
    if (wait_s > 0 && now >= next_scan) {
      PollAll(/*rescan=*/true);
      next_scan = Clock::now() + std::chrono::seconds(wait_s);
    } else if (now >= deadline) {
      PollAll(/*rescan=*/false);  // retries only
    }
  }
}

void ServableManager::StartPolling() {
  if (options_.file_system_poll_wait_seconds < 0) {
    SERVAL_LOG_INFO("file system polling disabled (negative --file_system_poll_wait_seconds)");
    return;
  }
  if (poller_.joinable()) return;
  stop_ = false;
  poller_ = std::thread([this] { PollLoop(); });
}

void ServableManager::StopPolling() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (poller_.joinable()) poller_.join();
  stop_ = false;
}

Result<ServableHandle> ServableManager::Get(const std::string& model, std::optional<int64_t> version,
                                            const std::optional<std::string>& label) const {
  if (version.has_value() && label.has_value()) {
    return InvalidArgument(StrCat("Both model version (", *version, ") and model version label (", *label,
                                  ") cannot be supplied."));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = models_.find(model);
  const Model* m = it == models_.end() ? nullptr : it->second.get();
  if (label.has_value()) {
    if (m == nullptr) return NotFound(StrCat("Servable not found for request: Latest(", model, ")"));
    auto l = m->config.version_labels.find(*label);
    if (l == m->config.version_labels.end()) {
      return InvalidArgument(StrCat("Unrecognized servable version label: ", *label));
    }
    version = l->second;
  }
  if (version.has_value()) {
    if (m != nullptr) {
      auto v = m->versions.find(*version);
      if (v != m->versions.end() && v->second.state == VersionState::kAvailable && v->second.handle) {
        return ServableHandle(v->second.handle);
      }
    }
    return NotFound(StrCat("Servable not found for request: Specific(", model, ", ", *version, ")"));
  }
  if (m != nullptr) {
    for (auto v = m->versions.rbegin(); v != m->versions.rend(); ++v) {
      if (v->second.state == VersionState::kAvailable && v->second.handle) return ServableHandle(v->second.handle);
    }
  }
  return NotFound(StrCat("Servable not found for request: Latest(", model, ")"));
}

Result<std::vector<VersionStatus>> ServableManager::GetStatus(const std::string& model,
                                                              std::optional<int64_t> version) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = models_.find(model);
  if (it == models_.end() || it->second->versions.empty()) {
    return NotFound(StrCat("Could not find any versions of model ", model));
  }
  std::vector<VersionStatus> out;
  for (auto v = it->second->versions.rbegin(); v != it->second->versions.rend(); ++v) {
    if (version.has_value() && v->first != *version) continue;
    out.push_back(VersionStatus{v->first, v->second.state, v->second.error, v->second.attempts});
  }
  if (out.empty()) return NotFound(StrCat("Could not find version ", *version, " of model ", model));
  return out;
}

std::vector<std::string> ServableManager::ModelNames() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, m] : models_) out.push_back(name);
  return out;
}

bool ServableManager::AllModelsReady() const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, m] : models_) {
    bool ready = false;
    for (const auto& [v, ver] : m->versions) ready = ready || ver.state == VersionState::kAvailable;
    if (!ready) return false;
  }
  return true;
}

}  // namespace serval::servable
