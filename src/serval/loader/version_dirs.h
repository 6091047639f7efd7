// Model base paths with numeric version folders, as TF Serving lays them out:
//   <base>/00000123/saved_model.pb, <base>/00000124/saved_model.pb, ...
// A version folder's name is all digits and parses as a non-negative int64 ("00000123" -> 123).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "serval/base/status.h"

namespace serval::loader {

// Versions found under base_path, ascending. Other entries (files, non-numeric folders such as
// "tmp-export") are ignored, as TF Serving ignores them. Empty if there are none.
Result<std::vector<int64_t>> ListVersions(const std::string& base_path);

// True when `dir` directly holds saved_model.pb, saved_model.pbtxt or saved_model.cpb.
bool IsSavedModelDir(const std::string& dir);

// The SavedModel folder to load. If `dir` is itself a SavedModel folder it is returned (and
// `version` must be unset); otherwise `dir` is a base path and the requested version, or the
// latest one, is chosen. Errors list the versions that exist.
Result<std::string> ResolveModelDir(const std::string& dir, std::optional<int64_t> version);

}  // namespace serval::loader
