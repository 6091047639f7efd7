// libFuzzer target: the input is a :predict body parsed against a fixed signature with float,
// int64 and string inputs (plus a single-input signature "one"), then also as a :classify body
// and as a golden typed tensor. Any successfully parsed request is written back as a response.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "serval/codec/tfs_json.h"
#include "serval/loader/saved_model.h"

namespace {

serval::loader::SignatureTensor Input(const char* key, serval::DataType dtype) {
  serval::loader::SignatureTensor t;
  t.key = key;
  t.dtype = dtype;
  return t;
}

const serval::loader::Signature& Multi() {
  static const serval::loader::Signature sig = [] {
    serval::loader::Signature s;
    s.key = "serving_default";
    s.inputs = {Input("f", serval::DataType::kFloat), Input("i", serval::DataType::kInt64),
                Input("s", serval::DataType::kString)};
    return s;
  }();
  return sig;
}

const serval::loader::Signature& One() {
  static const serval::loader::Signature sig = [] {
    serval::loader::Signature s;
    s.key = "one";
    s.inputs = {Input("x", serval::DataType::kFloat)};
    return s;
  }();
  return sig;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const serval::codec::SignatureLookup lookup =
      [](const std::string& name) -> serval::Result<const serval::loader::Signature*> {
    if (name == "serving_default") return &Multi();
    if (name == "one") return &One();
    return serval::InvalidArgument("Serving signature name: \"" + name + "\" not found in signature def");
  };
  auto request = serval::codec::ParsePredictRequest(body, lookup);
  if (request.ok()) {
    auto response = serval::codec::WritePredictResponse(request->inputs, request->row_format);
    (void)response;
  } else {
    (void)serval::codec::WriteErrorBody(request.status());
  }
  auto examples = serval::codec::ParseExamplesRequest(body);
  (void)examples;
  auto typed = serval::codec::ParseTypedTensorJson(body);
  (void)typed;
  return 0;
}
