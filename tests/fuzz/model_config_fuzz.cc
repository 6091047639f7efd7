// libFuzzer target: the input is a --model_config_file (ModelServerConfig in protobuf text format)
// given to servable::ParseModelServerConfig. Any error Status is fine. A parsed config must obey
// what the parser promises to the servable manager (ValidateModelConfig holds for every model, the
// names are unique), since the manager turns names into URLs and base paths into folder scans.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "serval/base/logging.h"
#include "serval/servable/model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    serval::SetLogLevel(serval::LogLevel::kError);  // warnings for ignored fields would flood the log
    return true;
  }();
  (void)quiet;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = serval::servable::ParseModelServerConfig(text, "fuzz.config");
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) std::abort();  // errors must say what is wrong
    return 0;
  }
  std::set<std::string> names;
  for (const auto& model : *parsed) {
    if (!serval::servable::ValidateModelConfig(model).ok()) std::abort();
    if (!names.insert(model.name).second) std::abort();
  }
  return 0;
}
