// TF Serving's REST JSON codec (docs: serving-spec §1.4–§1.10). Parses :predict / :classify /
// :regress bodies into tensors or serialized tf.Examples and writes the responses, with TF
// Serving's texts for errors so existing clients and their tests keep working. Also reads the
// typed-tensor JSON of Serval's golden files (`serval check`).
//
// Parsing uses simdjson (DOM) behind a pre-pass that gives RapidJSON's kParseNanAndInfFlag and
// kParseStopWhenDoneFlag behaviour (NaN/Infinity tokens, trailing bytes ignored) and sizes the
// nesting limit to the input, so 500 000-deep arrays in an unused key parse and never overflow the
// stack. Writing is hand-rolled (RapidJSON PrettyWriter layout, §1.7 float formatting).
// All functions are thread-safe (no shared state).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "serval/base/status.h"
#include "serval/tensor/tensor.h"

namespace serval::loader {
struct Signature;
struct SavedModel;
}  // namespace serval::loader

namespace serval::codec {

inline constexpr std::string_view kDefaultSignature = "serving_default";

// Looks up a signature by name (ParsePredictRequest passes "serving_default" for a missing or
// empty name). Return an error Status (TF Serving's text) when absent.
using SignatureLookup = std::function<Result<const loader::Signature*>(const std::string& name)>;

// A lookup over a loaded SavedModel; the model must outlive the function. Missing name gives
// InvalidArgument `Serving signature name: "<name>" not found in signature def`.
SignatureLookup LookupIn(const loader::SavedModel& model);

struct PredictRequest {
  std::string signature_name;  // resolved: "serving_default" when the body gave none or ""
  bool row_format = false;     // "instances" (true) or "inputs" (false); picks the response key
  std::map<std::string, Tensor> inputs;  // signature input alias -> tensor (dtype of the signature)
};

// Parses a :predict body. Each value is converted to its signature input's dtype; shapes come from
// the JSON nesting (row format adds the batch dimension, columnar does not). Errors are
// InvalidArgument with TF Serving's texts (Unimplemented for dtypes JSON cannot carry), plus a
// short hint where TF's text is cryptic.
Result<PredictRequest> ParsePredictRequest(std::string_view body, const SignatureLookup& lookup);

// Optional strict check (TF Serving does not do it; the model fails later instead): every input's
// shape must be compatible with the signature's PartialShape. Gives a hint when a batch dimension
// looks missing. Inputs absent from `request` are ignored.
Status CheckInputShapes(const PredictRequest& request, const loader::Signature& signature);

// {"predictions": ...} (row_format) or {"outputs": ...}. One output is unwrapped; several give a
// list of objects per row (row) or one object (columnar). Keys in sorted (map) order. Floats per
// §1.7. DT_STRING outputs whose key ends in "_bytes" are {"b64": ...}; other strings are JSON
// strings, except bytes that are not valid UTF-8, which are written as {"b64": ...} so the body is
// always valid UTF-8.
Result<std::string> WritePredictResponse(const std::map<std::string, Tensor>& outputs, bool row_format);

// {"error": "<message>"} (pretty-printed, escaped); "" for an OK status.
std::string WriteErrorBody(const Status& status);

// --- Classify / Regress -------------------------------------------------------------------------

struct ExamplesRequest {
  std::string signature_name;  // resolved like PredictRequest::signature_name
  // One per "examples" entry: serialized(context) + serialized(example), exactly the bytes TF
  // Serving feeds the model (protobuf merge gives example features precedence over context).
  std::vector<std::string> serialized_examples;
  bool has_context = false;
};

// Parses a :classify / :regress body (§1.9 typing: string/b64 → bytes_list, decimal/exponent/NaN →
// float_list, integer/bool → int64_list).
Result<ExamplesRequest> ParseExamplesRequest(std::string_view body);

struct ClassScore {
  std::string label;  // "" when the signature has no "classes" output
  float score = 0;
};
// {"results": [[["label", score], ...], ...]}. Empty gives InvalidArgument.
Result<std::string> WriteClassifyResponse(const std::vector<std::vector<ClassScore>>& results);
// {"results": [v0, v1, ...]}. Empty gives InvalidArgument.
Result<std::string> WriteRegressResponse(const std::vector<float>& results);

// Builds the classify results from a classify signature's outputs: optional "classes" (DT_STRING
// [N,C]) and "scores" (DT_FLOAT [N,C]), at least one; N must equal num_examples.
Result<std::vector<std::vector<ClassScore>>> ClassificationsFromOutputs(
    const std::map<std::string, Tensor>& outputs, int64_t num_examples);
// Regress results from output "outputs" (DT_FLOAT [N] or [N,1]).
Result<std::vector<float>> RegressionsFromOutputs(const std::map<std::string, Tensor>& outputs,
                                                  int64_t num_examples);

// --- Golden-file typed tensors ------------------------------------------------------------------

// {"dtype": "DT_FLOAT", "shape": [3,1], "data": <nested or flat list, or a scalar for shape []>}
// or {"dtype": "DT_STRING", "encoding": "tf.Example", "examples": [{"x": [1.0]}, ...]} (every
// number becomes a float_list feature, strings/b64 become bytes_list). The declared shape is
// checked against the data before anything is allocated.
Result<Tensor> ParseTypedTensorJson(std::string_view json_value);
// {"name": <typed tensor>, ...}
Result<std::map<std::string, Tensor>> ParseTypedTensorMapJson(std::string_view json_object);

struct GoldenCall {
  std::string signature;
  std::map<std::string, Tensor> inputs;
  std::map<std::string, Tensor> outputs;
};
struct GoldenFile {
  std::string model;
  std::string version;  // "" when null (bare SavedModel directory)
  std::string oracle;
  double rtol = 0;
  double atol = 0;
  bool expect_load_error = false;  // neg_fuzz_*: loading must fail cleanly
  std::vector<GoldenCall> calls;   // one, or the ordered "steps" of a sequence file
};
// Parses a whole golden file (shared/fixtures/README.md format).
Result<GoldenFile> ParseGoldenFile(std::string_view json);

}  // namespace serval::codec
