// The Predict handler's request checks before anything runs, as one function so the handler and
// the gRPC request fuzzer (tests/fuzz/grpc_predict_fuzz.cc) exercise the same code: the inputs
// sent must match the signature's keys (TF Serving's PreProcessPrediction checks and texts;
// omitted inputs are allowed when the signature has defaults), every TensorProto must decode
// (spec §2.4: typed *_val fields or tensor_content, scalar broadcast, too few values), and
// output_filter aliases must be known and unique. Dtype and shape against the signature are
// Session::Run's checks. Messages carry no model context: the caller adds it. Pure and
// thread-safe; any bytes that parsed as a PredictRequest give a value or an error, never a crash.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "serval/base/status.h"
#include "serval/loader/saved_model.h"
#include "serval/tensor/tensor.h"
#include "tensorflow_serving/apis/predict.pb.h"

namespace serval::api_grpc {

struct DecodedPredict {
  std::map<std::string, Tensor> inputs;    // by signature input key
  std::vector<std::string> output_filter;  // in request order; empty = every output
};

Result<DecodedPredict> DecodePredictRequest(const tensorflow::serving::PredictRequest& request,
                                            const loader::Signature& signature);

}  // namespace serval::api_grpc
