// Writes the seed corpus for warmup_fuzz into the directory given as argv[1]
// (tests/fuzz/corpus/warmup). Every input is built here with Serval's own TFRecord writer and the
// PredictionLog protos; the tensors match the example mlp (dense_input [-1,4]). Input format: see
// warmup_fuzz.cc (first byte 0 = raw file bytes, 1 = length-prefixed records framed by the harness).
#include <cstdio>
#include <string>
#include <vector>

#include "serval/loader/tfrecord.h"
#include "serval/tensor/tensor.h"
#include "serval/tensor/tensor_proto.h"
#include "tensorflow/core/example/example.pb.h"
#include "tensorflow_serving/apis/prediction_log.pb.h"

namespace tfs = tensorflow::serving;
using serval::Tensor;
using serval::TensorShape;

namespace {

tfs::PredictionLog Predict(int64_t rows, bool as_content, const std::string& signature = "",
                           const std::vector<std::string>& filter = {}) {
  tfs::PredictionLog log;
  auto* r = log.mutable_predict_log()->mutable_request();
  r->mutable_model_spec()->set_name("mlp");
  r->mutable_model_spec()->set_signature_name(signature);
  std::vector<float> values;
  for (int64_t i = 0; i < rows * 4; ++i) values.push_back(0.25f * static_cast<float>(i));
  (void)serval::TensorToProto(Tensor::FromVector<float>(values, TensorShape{rows, 4}),
                              &(*r->mutable_inputs())["dense_input"], as_content);
  for (const auto& f : filter) r->add_output_filter(f);
  return log;
}

tfs::Input Examples() {
  tfs::Input input;
  auto* list = input.mutable_example_list_with_context();
  (*list->mutable_context()->mutable_features()->mutable_feature())["c"].mutable_int64_list()->add_value(7);
  auto* ex = list->add_examples();
  (*ex->mutable_features()->mutable_feature())["x"].mutable_float_list()->add_value(1.5f);
  return input;
}

std::string Raw(const std::vector<std::string>& records) {
  std::string out(1, '\0');
  for (const auto& r : records) serval::loader::AppendTFRecord(r, &out);
  return out;
}

std::string Framed(const std::vector<std::string>& records) {
  std::string out(1, '\1');
  for (const auto& r : records) {
    out.push_back(static_cast<char>(r.size() & 0xff));
    out.push_back(static_cast<char>((r.size() >> 8) & 0xff));
    out += r.substr(0, 0xffff);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output-dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  tfs::PredictionLog classify, regress, multi, session_run, streamed;
  *classify.mutable_classify_log()->mutable_request()->mutable_input() = Examples();
  classify.mutable_classify_log()->mutable_request()->mutable_model_spec()->set_signature_name("serving_default");
  *regress.mutable_regress_log()->mutable_request()->mutable_input() = Examples();
  auto* mreq = multi.mutable_multi_inference_log()->mutable_request();
  *mreq->mutable_input() = Examples();
  auto* task = mreq->add_tasks();
  task->set_method_name("tensorflow/serving/regress");
  session_run.mutable_session_run_log()->mutable_request()->add_fetch("dense_1:0");
  streamed.mutable_predict_streamed_log()->add_request();

  const std::string p1 = Predict(1, false).SerializeAsString();
  const std::string p3 = Predict(3, true, "serving_default", {"dense_1"}).SerializeAsString();
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"seed_raw_predict", Raw({p1, p3})},
      {"seed_raw_empty_file", Raw({})},
      {"seed_raw_mixed_types", Raw({p1, classify.SerializeAsString(), regress.SerializeAsString(),
                                    multi.SerializeAsString()})},
      {"seed_framed_predict", Framed({p1, p3})},
      {"seed_framed_classify", Framed({classify.SerializeAsString()})},
      {"seed_framed_regress", Framed({regress.SerializeAsString()})},
      {"seed_framed_multi_inference", Framed({multi.SerializeAsString()})},
      {"seed_framed_session_run", Framed({session_run.SerializeAsString()})},
      {"seed_framed_streamed", Framed({streamed.SerializeAsString()})},
      {"seed_framed_bad_filter", Framed({Predict(2, false, "", {"nope"}).SerializeAsString()})},
  };
  for (const auto& [name, bytes] : seeds) {
    const std::string path = dir + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
    std::fclose(f);
  }
  return 0;
}
