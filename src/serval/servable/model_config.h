// What the server is asked to serve: one entry per model, from --model_name/--model_base_path or
// from a ModelServerConfig text file (--model_config_file). Plain data.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "serval/base/status.h"
#include "serval/batching/batching_options.h"

namespace serval::servable {

struct VersionPolicy {
  enum class Kind { kLatest, kAll, kSpecific };
  Kind kind = Kind::kLatest;
  int64_t num_versions = 1;        // kLatest
  std::vector<int64_t> versions;   // kSpecific
};

struct ModelConfig {
  std::string name;
  // Folder holding the numeric version folders. TF Serving wants an absolute path; Serval also
  // accepts a relative one, resolved against the server's current directory (not the config file's).
  std::string base_path;
  VersionPolicy policy;
  std::map<std::string, int64_t> version_labels;  // label -> version
  // Serval extension: this model's own BatchingParameters (serval_batching_parameters), used
  // instead of --batching_parameters_file's when batching is on. Applies to versions loaded after.
  std::optional<batching::BatchingOptions> batching;
};

// Parses a ModelServerConfig in protobuf text format (TF Serving's model_config_list). Errors
// name the file (as given in `source`), the line and column or the model, and the problem:
//   "model config file 'models.config': model 'm1' (line 3): base_path is empty".
// custom_model_config and platforms other than "tensorflow" are Unimplemented; logging_config is
// accepted and ignored (with a warning). An empty file means no models.
Result<std::vector<ModelConfig>> ParseModelServerConfig(const std::string& text, const std::string& source);

// Checks one model the way ParseModelServerConfig does (also for --model_name/--model_base_path):
// the name is non-empty, has no '/', '\' or control characters and is not "." or ".." (names
// appear in URLs and log lines); base_path is non-empty; specific policies list at least one
// version; versions and label targets are >= 0 (folder names are non-negative integers).
// InvalidArgument "model 'm': <problem>".
Status ValidateModelConfig(const ModelConfig& config);

}  // namespace serval::servable
