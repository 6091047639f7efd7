// Session: one loaded SavedModel, ready to run its signatures. Load reads the export, restores
// variables by running the model's own restore op against the checkpoint, runs the init op with
// its asset paths fed, and plans every signature (kernels created, constants folded, weights
// pre-packed). An op without a kernel fails Load, naming the op, node, function and signature.
// Run is const and thread-safe; stateful models serialise their variable updates per variable.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "serval/base/status.h"
#include "serval/loader/saved_model.h"
#include "serval/tensor/tensor.h"

namespace serval::session {

struct SessionOptions {
  std::set<std::string> tags = {"serve"};
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> Load(const std::string& export_dir, const SessionOptions& options = {});
  ~Session();

  const loader::SavedModel& model() const;
  const std::vector<loader::Signature>& signatures() const;
  // nullptr when absent. An empty key means "serving_default".
  const loader::Signature* FindSignature(const std::string& key) const;

  // Checks every input against the signature (name, dtype, shape), fills omitted inputs from the
  // signature's defaults, runs the plan and returns the outputs by key (all of them, or those in
  // output_filter). Errors start with "signature '<key>': ".
  Result<std::map<std::string, Tensor>> Run(const std::string& signature_key, std::map<std::string, Tensor> inputs,
                                            const std::vector<std::string>& output_filter = {}) const;

  // The checks Run makes before running (signature key, input names and dtypes, output_filter),
  // adding the signature's defaults for omitted inputs to `inputs`; same error texts as Run. Lets
  // a batcher reject one bad request before it is merged with others.
  Status PrepareInputs(const std::string& signature_key, std::map<std::string, Tensor>& inputs,
                       const std::vector<std::string>& output_filter = {}) const;

  // Op types run per call by each signature's plan (after constant folding), for tests and tools.
  std::map<std::string, std::vector<std::string>> PlannedOps() const;

 private:
  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What `serval ops` shows: every op type reachable from the model's signatures (through function
// calls and control-flow bodies) with its node count, and which ones Serval has no kernel for.
struct OpReport {
  std::map<std::string, int> ops;
  std::vector<std::string> missing;
};
Result<OpReport> ReportOps(const loader::SavedModel& model);

}  // namespace serval::session
