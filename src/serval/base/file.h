// File-system helpers. All return Status values naming the path; none throw.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "serval/base/status.h"

namespace serval {

std::string JoinPath(std::string_view a, std::string_view b);
bool PathExists(const std::string& path);
bool IsDirectory(const std::string& path);

// Reads a whole regular file. Refuses files larger than max_bytes.
Result<std::string> ReadFileToString(const std::string& path, uint64_t max_bytes = uint64_t{1} << 32);

// Names (not paths) of the entries of a directory, sorted.
Result<std::vector<std::string>> ListDirectory(const std::string& path);

// A regular file read with pread: safe to share across threads, keeps its descriptor open while
// it lives. Unlike a mapping, a file truncated by someone else gives a DataLoss error on read
// instead of SIGBUS, so a model folder rewritten during a load cannot kill the process.
class RandomAccessFile {
 public:
  static Result<std::unique_ptr<RandomAccessFile>> Open(const std::string& path);
  ~RandomAccessFile();
  RandomAccessFile(const RandomAccessFile&) = delete;
  RandomAccessFile& operator=(const RandomAccessFile&) = delete;

  uint64_t size() const { return size_; }  // at Open
  const std::string& path() const { return path_; }
  // Reads exactly n bytes at offset into out; DataLoss when the file ends first.
  Status ReadAt(uint64_t offset, size_t n, char* out) const;

 private:
  RandomAccessFile() = default;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string path_;
};

}  // namespace serval
