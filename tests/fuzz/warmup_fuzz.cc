// libFuzzer target for the warmup reader: TFRecord framing and CRCs, the record limit, the
// PredictionLog parse, and the replay of every record (TensorProto decoding, signature and
// output-filter checks, tf.Example inputs, Session::Run input validation and execution) against
// Serval's example MLP (build/models/mlp/1, dense_input [-1,4] -> dense_1 [-1,3]), loaded once.
// Input, by the low bit of the first byte:
//   0: the rest is a warmup file's bytes as they would sit on disk (framing and CRC paths);
//   1: the rest is [uint16 LE n][n bytes]... records, framed here with valid CRCs, so mutations
//      reach the PredictionLog parser and the replay instead of dying at the checksum.
// Any error Status is fine; a crash, a hang, a leak or a sanitizer report is a bug.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "serval/base/logging.h"
#include "serval/loader/tfrecord.h"
#include "serval/servable/warmup.h"

#ifndef SERVAL_WARMUP_FUZZ_MODEL
#error "SERVAL_WARMUP_FUZZ_MODEL (the example mlp export dir) must be defined by the build"
#endif

namespace {

const serval::servable::LoadedModel& Model() {
  static const serval::servable::LoadedModel* model = [] {
    serval::SetLogLevel(serval::LogLevel::kError);
    auto session = serval::session::Session::Load(SERVAL_WARMUP_FUZZ_MODEL);
    if (!session.ok()) {
      std::fprintf(stderr, "warmup_fuzz: cannot load %s: %s\n", SERVAL_WARMUP_FUZZ_MODEL,
                   std::string(session.status().message()).c_str());
      std::abort();  // the harness cannot run at all; not a finding about the input
    }
    auto* m = new serval::servable::LoadedModel();
    m->name = "mlp";
    m->version = 1;
    m->path = SERVAL_WARMUP_FUZZ_MODEL;
    m->session = std::move(*session);
    return m;
  }();
  return *model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool frame_here = (data[0] & 1) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string file;
  if (frame_here) {
    while (rest.size() >= 2) {
      const size_t n = static_cast<unsigned char>(rest[0]) | (static_cast<size_t>(static_cast<unsigned char>(rest[1])) << 8);
      rest.remove_prefix(2);
      const std::string_view record = rest.substr(0, n);
      rest.remove_prefix(record.size());
      serval::loader::AppendTFRecord(record, &file);
    }
  } else {
    file.assign(rest);
  }
  const auto& model = Model();
  auto records = serval::servable::ParseWarmupRecords(file, "fuzz/tf_serving_warmup_requests");
  if (!records.ok()) return 0;
  // 16 MiB per input keeps each run within libFuzzer's RSS and time limits under ASan; the size
  // check itself is what is fuzzed here, the production limit is kMaxWarmupTensorBytes.
  for (const auto& record : *records) (void)serval::servable::ReplayWarmupRecord(model, record, int64_t{16} << 20);
  return 0;
}
