#include "serval/loader/version_dirs.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "serval/base/file.h"
#include "serval/base/strings.h"

namespace serval::loader {
namespace {

// Parses an all-digit folder name; nullopt for anything else, including values past int64.
std::optional<int64_t> ParseVersion(const std::string& name) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
  if (ec != std::errc() || ptr != name.data() + name.size()) return std::nullopt;
  return v;
}

// version -> folder name. Two names may parse to the same version ("7" and "007"); TF Serving
// would serve one of them arbitrarily, we keep the first in sorted order so the choice is stable.
Result<std::map<int64_t, std::string>> VersionFolders(const std::string& base_path) {
  SERVAL_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(base_path));
  std::map<int64_t, std::string> out;
  for (const auto& name : names) {
    auto v = ParseVersion(name);
    if (!v || !IsDirectory(JoinPath(base_path, name))) continue;
    out.emplace(*v, name);
  }
  return out;
}

std::string VersionList(const std::map<int64_t, std::string>& folders) {
  std::vector<std::string> items;
  for (const auto& [v, name] : folders) items.push_back(name == std::to_string(v) ? name : StrCat(v, " (", name, ")"));
  return items.empty() ? "none" : Join(items, ", ");
}

}  // namespace

Result<std::vector<int64_t>> ListVersions(const std::string& base_path) {
  SERVAL_ASSIGN_OR_RETURN(auto folders, VersionFolders(base_path));
  std::vector<int64_t> out;
  for (const auto& [v, name] : folders) out.push_back(v);
  return out;
}

bool IsSavedModelDir(const std::string& dir) {
  return PathExists(JoinPath(dir, "saved_model.pb")) || PathExists(JoinPath(dir, "saved_model.pbtxt")) ||
         PathExists(JoinPath(dir, "saved_model.cpb"));
}

Result<std::string> ResolveModelDir(const std::string& dir, std::optional<int64_t> version) {
  if (!IsDirectory(dir)) {
    return NotFound(StrCat("model path '", dir, "' does not exist or is not a directory"));
  }
  if (IsSavedModelDir(dir)) {
    if (version.has_value()) {
      return InvalidArgument(StrCat("'", dir, "' is a SavedModel folder, not a base path with version folders; "
                                    "version ", *version, " cannot be selected in it"));
    }
    return dir;
  }
  SERVAL_ASSIGN_OR_RETURN(auto folders, VersionFolders(dir));
  if (folders.empty()) {
    return NotFound(StrCat("'", dir, "' holds neither saved_model.pb/.pbtxt nor numeric version folders"));
  }
  if (version.has_value()) {
    auto it = folders.find(*version);
    if (it == folders.end()) {
      return NotFound(StrCat("model base path '", dir, "' has no version ", *version,
                             "; available versions: ", VersionList(folders)));
    }
    return JoinPath(dir, it->second);
  }
  return JoinPath(dir, folders.rbegin()->second);
}

}  // namespace serval::loader
