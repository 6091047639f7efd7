// Resolving a CLI <dir> argument: a SavedModel folder, or a base path with numeric versions.
#pragma once

#include <optional>
#include <string>

#include "serval/base/status.h"
#include "serval/loader/version_dirs.h"

namespace serval::cli {

inline Result<std::string> ResolveDir(const std::string& dir, int64_t version) {
  return loader::ResolveModelDir(dir, version >= 0 ? std::optional<int64_t>(version) : std::nullopt);
}

}  // namespace serval::cli
