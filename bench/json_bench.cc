// json_bench: the JSON floor for REST :predict. The same body, {"instances": [[784 floats] x 32]},
// decoded by Serval (codec::ParsePredictRequest: parse + convert to a [32,784] float tensor) and
// parsed by simdjson alone (DOM parse, the floor), and simdjson parse + reading every number as a
// float (what any decoder must at least do). Arg: significant digits per float (17 = what
// Python's json.dumps writes for float32 values widened to double, 4 = short hand-written).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <string>
#include <vector>

#include "serval/codec/tfs_json.h"
#include "serval/loader/saved_model.h"

namespace {

std::string Body(int digits) {
  std::string body = "{\"instances\": [";
  uint32_t seed = 777;
  char buf[64];
  for (int r = 0; r < 32; ++r) {
    body += r ? ", [" : "[";
    for (int c = 0; c < 784; ++c) {
      seed = seed * 1664525u + 1013904223u;
      const float v = static_cast<float>(seed >> 8) / 16777216.0f * 2.0f - 1.0f;
      std::snprintf(buf, sizeof buf, "%s%.*g", c ? ", " : "", digits, static_cast<double>(v));
      body += buf;
    }
    body += "]";
  }
  body += "]}";
  return body;
}

serval::loader::Signature MlpSignature() {
  serval::loader::Signature sig;
  sig.key = "serving_default";
  sig.method_name = "tensorflow/serving/predict";
  serval::loader::SignatureTensor in;
  in.key = "dense_input";
  in.tensor_name = "serving_default_dense_input:0";
  in.dtype = serval::DataType::kFloat;
  in.shape = serval::PartialShape({-1, 784});
  sig.inputs.push_back(in);
  return sig;
}

void BM_ServalDecode(benchmark::State& state) {
  const std::string body = Body(static_cast<int>(state.range(0)));
  static const serval::loader::Signature sig = MlpSignature();
  serval::codec::SignatureLookup lookup = [](const std::string&) -> serval::Result<const serval::loader::Signature*> {
    return &sig;
  };
  for (auto _ : state) {
    auto req = serval::codec::ParsePredictRequest(body, lookup);
    if (!req.ok() || req->inputs.at("dense_input").num_elements() != 32 * 784) {
      state.SkipWithError(req.ok() ? "wrong tensor size" : req.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(req);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_SimdjsonParse(benchmark::State& state) {
  const std::string body = Body(static_cast<int>(state.range(0)));
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc) != simdjson::SUCCESS) {
      state.SkipWithError("simdjson parse failed");
      return;
    }
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_SimdjsonParseToFloats(benchmark::State& state) {
  const std::string body = Body(static_cast<int>(state.range(0)));
  simdjson::dom::parser parser;
  std::vector<float> out(32 * 784);
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc) != simdjson::SUCCESS) {
      state.SkipWithError("simdjson parse failed");
      return;
    }
    size_t i = 0;
    for (simdjson::dom::element row : doc["instances"].get_array()) {
      for (simdjson::dom::element v : row.get_array()) {
        if (i < out.size()) out[i++] = static_cast<float>(v.get_double().value_unsafe());
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}

}  // namespace

BENCHMARK(BM_ServalDecode)->Arg(17)->Arg(4)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SimdjsonParse)->Arg(17)->Arg(4)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SimdjsonParseToFloats)->Arg(17)->Arg(4)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
