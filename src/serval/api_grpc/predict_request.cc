#include "serval/api_grpc/predict_request.h"

#include <set>
#include <utility>

#include "serval/base/strings.h"
#include "serval/tensor/tensor_proto.h"

namespace serval::api_grpc {
namespace {

std::string JoinSet(const std::set<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ",";
    out += s;
  }
  return out;
}

}  // namespace

Result<DecodedPredict> DecodePredictRequest(const tensorflow::serving::PredictRequest& request,
                                            const loader::Signature& signature) {
  std::set<std::string> sent, expected;
  for (const auto& [alias, tensor] : request.inputs()) sent.insert(alias);
  for (const auto& in : signature.inputs) expected.insert(in.key);
  if (sent.size() > expected.size() || (sent.size() < expected.size() && signature.defaults.empty())) {
    std::set<std::string> extra, missing;
    for (const auto& s : sent) {
      if (!expected.count(s)) extra.insert(s);
    }
    for (const auto& e : expected) {
      if (!sent.count(e) && !signature.defaults.count(e)) missing.insert(e);
    }
    return InvalidArgument(StrCat("input size does not match signature: ", sent.size(), "!=", expected.size(),
                                  " len({", JoinSet(sent), "}) != len({", JoinSet(expected), "}). Sent extra: {",
                                  JoinSet(extra), "}. Missing but required: {", JoinSet(missing), "}."));
  }
  DecodedPredict out;
  for (const auto& [alias, proto] : request.inputs()) {
    if (!expected.count(alias)) {
      return InvalidArgument(StrCat("input tensor alias not found in signature: ", alias,
                                    ". Inputs expected to be in the set {", JoinSet(expected), "}."));
    }
    auto tensor = TensorFromRequestProto(proto);  // refuses huge declared shapes before allocating
    if (!tensor.ok()) return InvalidArgument(StrCat("tensor parsing error: ", alias, ": ", tensor.status().message()));
    out.inputs.emplace(alias, std::move(*tensor));
  }
  std::set<std::string> outputs_known, filtered;
  for (const auto& o : signature.outputs) outputs_known.insert(o.key);
  for (const std::string& alias : request.output_filter()) {
    if (!outputs_known.count(alias)) {
      return InvalidArgument(StrCat("output tensor alias not found in signature: ", alias,
                                    " Outputs expected to be in the set {", JoinSet(outputs_known), "}."));
    }
    if (!filtered.insert(alias).second) return InvalidArgument(StrCat("duplicate output tensor alias: ", alias));
    out.output_filter.push_back(alias);
  }
  return out;
}

}  // namespace serval::api_grpc
