#include "serval/servable/batching_runner.h"

#include <algorithm>

#include "serval/base/file.h"
#include "serval/base/strings.h"
#include "serval/batching/tensor_rows.h"
#include "serval/servable/batching_config.h"

namespace serval::servable {
namespace {

bool BatchMajor(const loader::SignatureTensor& t, bool allow_unknown_rank) {
  if (!IsFixedSize(t.dtype) && t.dtype != DataType::kString) return false;
  if (t.shape.unknown_rank()) return allow_unknown_rank;
  return t.shape.rank() >= 1 && t.shape.dims()[0] < 0;
}

class BatchingRunner : public SignatureRunner {
 public:
  BatchingRunner(const LoadedModel& loaded, const BatchingSetup& setup, const batching::BatchingOptions& options)
      : session_(*loaded.session), scheduler_(setup.scheduler) {
    for (const auto& sig : session_.signatures()) {
      if (!IsBatchableSignature(sig)) continue;
      const std::string key = sig.key;
      const session::Session* session = &session_;
      batching::RunFn run = [session, key](batching::TensorMap in) { return session->Run(key, std::move(in)); };
      std::function<void(const batching::BatchStats&)> on_batch;
      if (setup.on_batch) {
        on_batch = [&loaded, key, cb = setup.on_batch](const batching::BatchStats& s) { cb(loaded, key, s); };
      }
      queues_.emplace(key, std::make_unique<batching::BatchQueue>(scheduler_.get(), options, std::move(run),
                                                                  std::move(on_batch)));
    }
  }

  Result<TensorMap> Run(const std::string& signature_key, TensorMap inputs,
                        const std::vector<std::string>& output_filter) const override {
    const std::string key = signature_key.empty() ? "serving_default" : signature_key;
    auto q = queues_.find(key);
    if (q == queues_.end()) return session_.Run(key, std::move(inputs), output_filter);
    SERVAL_RETURN_IF_ERROR(session_.PrepareInputs(key, inputs, output_filter));
    if (!SameRows(inputs)) return session_.Run(key, std::move(inputs), output_filter);
    SERVAL_ASSIGN_OR_RETURN(TensorMap out, q->second->Submit(std::move(inputs)));
    if (!output_filter.empty()) {
      std::erase_if(out, [&](const auto& kv) {
        return std::find(output_filter.begin(), output_filter.end(), kv.first) == output_filter.end();
      });
    }
    return out;
  }

 private:
  // Every input batchable with one shared dim 0 of at least one row.
  static bool SameRows(const TensorMap& inputs) {
    if (inputs.empty()) return false;
    const int64_t rows = inputs.begin()->second.rank() >= 1 ? inputs.begin()->second.dim(0) : -1;
    if (rows < 1) return false;
    return std::all_of(inputs.begin(), inputs.end(),
                       [&](const auto& kv) { return batching::IsBatchable(kv.second) && kv.second.dim(0) == rows; });
  }

  const session::Session& session_;
  // Declared before the queues: they unregister from it when destroyed.
  std::shared_ptr<batching::BatchScheduler> scheduler_;
  std::map<std::string, std::unique_ptr<batching::BatchQueue>> queues_;
};

}  // namespace

bool IsBatchableSignature(const loader::Signature& signature) {
  if (signature.inputs.empty() || signature.outputs.empty()) return false;
  return std::all_of(signature.inputs.begin(), signature.inputs.end(), [](const auto& t) { return BatchMajor(t, true); }) &&
         std::all_of(signature.outputs.begin(), signature.outputs.end(), [](const auto& t) { return BatchMajor(t, true); });
}

ManagerOptions::PrepareStep MakeBatchingStep(BatchingSetup setup) {
  return [setup = std::move(setup)](const ModelConfig& config, LoadedModel& loaded) -> Status {
    batching::BatchingOptions options = setup.defaults;
    if (config.batching) {
      options = *config.batching;
    } else if (setup.per_model_files) {
      const std::string file = JoinPath(loaded.path, "batching_params.pbtxt");
      if (PathExists(file)) {
        SERVAL_ASSIGN_OR_RETURN(std::string text, ReadFileToString(file));
        SERVAL_ASSIGN_OR_RETURN(options, ParseBatchingParameters(text, file));
      }
    }
    loaded.runner = std::make_unique<BatchingRunner>(loaded, setup, options);
    return Status::Ok();
  };
}

}  // namespace serval::servable
