// libFuzzer target: the input is the bytes of a tensorflow.serving.PredictRequest, decoded and
// validated exactly as the gRPC Predict handler does before running (api_grpc::DecodePredictRequest)
// against real signatures: those of a few fixture SavedModels ($SERVAL_FIXTURES, else the
// configured fixture folder) plus one synthetic signature with defaults and float, int64, string
// and half inputs, so the target still runs without fixtures. model_spec.name picks the model
// (unknown names: the synthetic one) and model_spec.signature_name the signature, as the handler
// does; decoded tensors are also checked against the declared shapes (Session::Run's test).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include "serval/api_grpc/predict_request.h"
#include "serval/loader/saved_model.h"
#include "tensorflow_serving/apis/predict.pb.h"

#ifndef SERVAL_FIXTURES_DIR
#define SERVAL_FIXTURES_DIR ""
#endif

namespace {

namespace fs = std::filesystem;
using serval::loader::Signature;
using serval::loader::SignatureTensor;

SignatureTensor Spec(const char* key, serval::DataType dtype, serval::PartialShape shape) {
  SignatureTensor t;
  t.key = key;
  t.dtype = dtype;
  t.shape = std::move(shape);
  return t;
}

Signature Synthetic() {
  Signature s;
  s.key = "serving_default";
  s.method_name = "tensorflow/serving/predict";
  s.inputs = {Spec("f", serval::DataType::kFloat, serval::PartialShape({-1, 3})),
              Spec("h", serval::DataType::kHalf, serval::PartialShape({-1})),
              Spec("i", serval::DataType::kInt64, serval::PartialShape({-1})),
              Spec("s", serval::DataType::kString, serval::PartialShape())};
  s.outputs = {Spec("y", serval::DataType::kFloat, serval::PartialShape({-1})),
               Spec("z", serval::DataType::kInt64, serval::PartialShape({-1}))};
  serval::Tensor def(serval::DataType::kInt64, serval::TensorShape{1});
  def.flat<int64_t>()[0] = 7;
  s.defaults.emplace("i", std::move(def));
  return s;
}

// Fixtures with varied signatures: classify/regress/predict keys, several inputs, int64, string
// and zero-input signatures.
constexpr const char* kFixtures[] = {"tfs_half_plus_two_cpu", "cppflow_multi_input_output",
                                     "tfjs_int64_multiply",   "tf_static_hashtable",
                                     "tfs_saved_model_counter", "keras_mlp_stock"};

// A bare SavedModel folder or a base path whose first version folder holds one.
std::string ExportDir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "saved_model.pb", ec)) return dir.string();
  std::string best;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (fs::exists(entry.path() / "saved_model.pb", ec) && (best.empty() || entry.path().string() < best)) {
      best = entry.path().string();
    }
  }
  return best;
}

struct Models {
  std::map<std::string, std::map<std::string, Signature>> by_name;  // model -> key -> signature
};

const Models& Load() {
  static const Models* models = [] {
    auto* m = new Models();
    // Parsing logs every invalid UTF-8 string field; at fuzzing rates that is the bottleneck.
    google::protobuf::SetLogHandler(nullptr);
    Signature synthetic = Synthetic();
    m->by_name["synthetic"][synthetic.key] = synthetic;
    const char* env = std::getenv("SERVAL_FIXTURES");
    const fs::path root = fs::path(env != nullptr && *env != '\0' ? env : SERVAL_FIXTURES_DIR) / "savedmodels";
    serval::loader::LoadOptions options;
    options.open_variables = false;
    for (const char* name : kFixtures) {
      const std::string dir = ExportDir(root / name);
      if (dir.empty()) continue;
      auto model = serval::loader::LoadSavedModel(dir, options);
      if (!model.ok()) continue;
      for (const Signature& sig : (*model)->signatures) m->by_name[name][sig.key] = sig;
    }
    size_t signatures = 0;
    for (const auto& [name, sigs] : m->by_name) signatures += sigs.size();
    std::fprintf(stderr, "grpc_predict_fuzz: %zu signatures of %zu models (fixtures from %s)\n", signatures,
                 m->by_name.size(), root.c_str());
    return m;
  }();
  return *models;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Models& models = Load();
  tensorflow::serving::PredictRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto model = models.by_name.find(request.model_spec().name());
  if (model == models.by_name.end()) model = models.by_name.find("synthetic");
  const std::string key =
      request.model_spec().signature_name().empty() ? "serving_default" : request.model_spec().signature_name();
  auto sig = model->second.find(key);
  if (sig == model->second.end()) sig = model->second.begin();
  if (sig == model->second.end()) return 0;
  auto decoded = serval::api_grpc::DecodePredictRequest(request, sig->second);
  if (!decoded.ok()) return 0;
  for (const SignatureTensor& in : sig->second.inputs) {
    auto it = decoded->inputs.find(in.key);
    if (it != decoded->inputs.end()) (void)in.shape.IsCompatibleWith(it->second.shape());
  }
  return 0;
}
