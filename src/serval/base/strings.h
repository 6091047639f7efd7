// Small string helpers used by error messages across every layer.
#pragma once

#include <cstdint>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace serval {

// StrCat("a", 1, 'b') — streams each argument.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

// "[2,3,-1]"
std::string DimsToString(std::span<const int64_t> dims);

// Joins items with sep.
std::string Join(const std::vector<std::string>& items, std::string_view sep);

// Quoted, with non-printable bytes escaped as \xNN; long strings are cut at max_len.
std::string CEscape(std::string_view s, size_t max_len = 64);

bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);

}  // namespace serval
