// ServableManager: loads, serves and unloads model versions. It keeps, per configured model, the
// versions its policy asks for that exist under the base path; a new version becomes AVAILABLE
// before an older one is unloaded, so requests never fail during a swap. A version that fails to
// load is reported (state END with the error) and retried up to max_load_retries; it never
// disturbs other versions or models. A base path that cannot be listed keeps its last listing. Thread-safe: front ends call Get/Status from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "serval/base/status.h"
#include "serval/servable/model_config.h"
#include "serval/session/session.h"

namespace serval::servable {

using TensorMap = std::map<std::string, Tensor>;

// Runs a signature on behalf of a loaded version instead of calling the Session directly (the
// dynamic batcher is one). Must be thread-safe.
class SignatureRunner {
 public:
  virtual ~SignatureRunner() = default;
  virtual Result<TensorMap> Run(const std::string& signature_key, TensorMap inputs,
                                const std::vector<std::string>& output_filter) const = 0;
};

// One loaded version. Immutable once published; hold the handle for one request only.
struct LoadedModel {
  std::string name;
  int64_t version = 0;
  std::string path;  // the version's export dir
  std::unique_ptr<session::Session> session;
  // Set by a prepare step (ManagerOptions::prepare) to route Run through it; destroyed before the
  // session (declared after it), so a batcher drains its queue while the session still exists.
  std::unique_ptr<SignatureRunner> runner;

  // What every front end calls: the runner when set, else Session::Run. Same contract as
  // Session::Run (errors start with "signature '<key>': ").
  Result<TensorMap> Run(const std::string& signature_key, TensorMap inputs,
                        const std::vector<std::string>& output_filter = {}) const;
};
using ServableHandle = std::shared_ptr<const LoadedModel>;

// TF Serving's ModelVersionStatus.State values.
enum class VersionState { kUnknown = 0, kStart = 10, kLoading = 20, kAvailable = 30, kUnloading = 40, kEnd = 50 };
std::string_view VersionStateName(VersionState s);  // "AVAILABLE"

struct VersionStatus {
  int64_t version = 0;
  VersionState state = VersionState::kUnknown;
  Status error;  // why it is END after a failure (OK otherwise)
  int load_attempts = 0;  // loads tried since the version (re)appeared or its files changed
};

struct ManagerOptions {
  int max_load_retries = 5;                 // --max_num_load_retries
  int64_t load_retry_interval_micros = 60'000'000;  // --load_retry_interval_micros
  // --file_system_poll_wait_seconds. 0: base paths are scanned only by SetModels/PollOnce (the
  // poll thread then only retries failed loads); negative: no poll thread at all (tests).
  int file_system_poll_wait_seconds = 1;
  session::SessionOptions session;
  // Steps run in order on a freshly loaded version before it becomes AVAILABLE (batcher setup,
  // warmup). An error fails that load exactly like a Session::Load error (reported, retried).
  // Called on the poll thread, never under the manager's lock.
  using PrepareStep = std::function<Status(const ModelConfig& config, LoadedModel& loaded)>;
  std::vector<PrepareStep> prepare;
};

class ServableManager {
 public:
  explicit ServableManager(ManagerOptions options);
  ~ServableManager();  // stops the poll thread, unloads everything

  // Replaces the set of models (config file reload). Models no longer listed are unloaded at once;
  // new models, and models whose base path or policy changed, get one synchronous poll before it
  // returns (so a server started with a model serves it right away). Label changes apply at once.
  void SetModels(std::vector<ModelConfig> models);
  // One scan of every base path: loads new versions, unloads ones the policy drops. Called by
  // the poll thread; public for tests.
  void PollOnce();
  // Starts/stops the background poll thread (every file_system_poll_wait_seconds).
  void StartPolling();
  void StopPolling();

  // The version to serve: `version`, else the version `label` names, else the latest AVAILABLE.
  // NotFound with TF Serving's wording when absent ("Servable not found for request:
  // Specific(m, 3)" / "... Latest(m)"); an unknown label is InvalidArgument "Unrecognized
  // servable version label: <l>"; both version and label is InvalidArgument.
  Result<ServableHandle> Get(const std::string& model, std::optional<int64_t> version = std::nullopt,
                             const std::optional<std::string>& label = std::nullopt) const;
  // Status of every version of a model, highest version first, as TF Serving lists them (versions
  // unloaded or failed stay listed as END). NotFound "Could not find any versions of model <m>"
  // when the model is not configured or has no versions yet; with `version`, NotFound "Could not
  // find version <v> of model <m>" when that version is unknown.
  Result<std::vector<VersionStatus>> GetStatus(const std::string& model,
                                               std::optional<int64_t> version = std::nullopt) const;
  std::vector<std::string> ModelNames() const;
  // True when every configured model has at least one AVAILABLE version (readiness probe).
  bool AllModelsReady() const;

 private:
  struct Model;
  using Clock = std::chrono::steady_clock;
  // rescan: list the base path again; otherwise only retry failed loads of the last listing.
  void PollModel(Model& m, bool rescan);
  void PollAll(bool rescan);
  void PollLoop();
  // When the earliest pending load retry is due (far future when none).
  Clock::time_point NextRetryDue() const;
  void UnloadAll(Model& m);
  // Session::Load, then the prepare steps.
  Result<std::shared_ptr<LoadedModel>> LoadVersion(const ModelConfig& config, int64_t version,
                                                   const std::string& dir) const;
  ManagerOptions options_;
  mutable std::mutex mu_;  // guards models_ (the map and each Model's version table)
  std::map<std::string, std::shared_ptr<Model>> models_;
  std::mutex poll_mu_;  // one poll at a time
  std::thread poller_;
  std::atomic<bool> stop_{false};
  std::condition_variable_any wake_;
  std::mutex wake_mu_;  // guards wake_gen_ (and orders stop_ with the poll thread's wait)
  uint64_t wake_gen_ = 0;
};

}  // namespace serval::servable
