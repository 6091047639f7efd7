// libFuzzer target for BundleReader (and through it TableReader, Snappy and CRC32C handling).
// Input: [uint32 LE n][n bytes: variables.index][rest: variables.data-00000-of-00001]. An n larger
// than the input means "everything is the index". Both files go into one private temp dir; the
// reader is opened and every key is inspected and read. Any error Status is fine; a crash, a leak
// or a sanitizer report is a bug.
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "serval/loader/bundle_reader.h"

namespace {

std::string g_dir;

void RemoveFiles() {
  if (g_dir.empty()) return;
  ::unlink((g_dir + "/variables.index").c_str());
  ::unlink((g_dir + "/variables.data-00000-of-00001").c_str());
  ::rmdir(g_dir.c_str());
}

const std::string& Dir() {
  if (g_dir.empty()) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/serval-bundle-fuzz-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();  // the harness cannot run at all; not a finding about the input
    }
    g_dir = tmpl;
    std::atexit(RemoveFiles);
  }
  return g_dir;
}

void WriteFile(const std::string& path, const uint8_t* data, size_t n) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (n > 0 && std::fwrite(data, 1, n, f) != n) std::abort();
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t index_len = 0;
  for (int i = 0; i < 4; ++i) index_len |= uint32_t{data[i]} << (8 * i);
  data += 4;
  size -= 4;
  if (index_len > size) index_len = static_cast<uint32_t>(size);

  const std::string prefix = Dir() + "/variables";
  WriteFile(prefix + ".index", data, index_len);
  WriteFile(prefix + ".data-00000-of-00001", data + index_len, size - index_len);

  auto reader = serval::loader::BundleReader::Open(prefix);
  if (!reader.ok()) return 0;
  for (const std::string& key : (*reader)->keys()) {
    (void)(*reader)->Contains(key);
    (void)(*reader)->GetInfo(key);
    auto t = (*reader)->Read(key);
    if (t.ok()) (void)t->DebugString();
  }
  return 0;
}
