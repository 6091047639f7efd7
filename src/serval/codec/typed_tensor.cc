// Typed-tensor JSON of the golden files (shared/fixtures/README.md):
//   {"dtype": "DT_FLOAT", "shape": [3, 1], "data": [[1.0], [2.0], [5.0]]}
//   {"dtype": "DT_STRING", "encoding": "tf.Example", "shape": [3], "examples": [{"x": [1.0]}, ...]}
#include <optional>

#include "serval/base/strings.h"
#include "serval/codec/json_util.h"
#include "serval/codec/tfs_json.h"

namespace serval::codec {

namespace internal {
Result<std::string> SerializeJsonExample(Element e, bool numbers_as_float);  // example_json.cc
}  // namespace internal

using internal::Element;

namespace {

Result<TensorShape> ParseShape(Element e) {
  if (e.type() != simdjson::dom::element_type::ARRAY) return InvalidArgument("'shape' must be a list of dims");
  std::vector<int64_t> dims;
  for (Element d : internal::AsArray(e)) {
    if (d.type() != simdjson::dom::element_type::INT64 || d.get_int64().value_unsafe() < 0) {
      return InvalidArgument(StrCat("'shape' has an invalid dim: ", internal::DebugString(d)));
    }
    if (dims.size() >= static_cast<size_t>(internal::kMaxRank)) return InvalidArgument("'shape' has too many dims");
    dims.push_back(d.get_int64().value_unsafe());
  }
  return TensorShape::Make(dims);
}

Result<Tensor> TypedTensor(Element e) {
  if (internal::KindOf(e) != internal::Kind::kObject) {
    return InvalidArgument(StrCat(internal::JsonValuePrefix(e), "is not a typed tensor object"));
  }
  simdjson::dom::object obj = internal::AsObject(e);
  auto dtype_el = obj.at_key("dtype");
  if (dtype_el.error() || dtype_el.value_unsafe().type() != simdjson::dom::element_type::STRING) {
    return InvalidArgument("typed tensor needs a string 'dtype' (e.g. \"DT_FLOAT\")");
  }
  const std::string_view dtype_name = dtype_el.value_unsafe().get_string().value_unsafe();
  const DataType dtype = DataTypeFromName(dtype_name);
  if (dtype == DataType::kInvalid) return InvalidArgument(StrCat("unknown dtype: ", dtype_name));

  std::optional<TensorShape> declared;
  if (auto s = obj.at_key("shape"); !s.error()) {
    SERVAL_ASSIGN_OR_RETURN(TensorShape shape, ParseShape(s.value_unsafe()));
    declared = std::move(shape);
  }

  Tensor tensor;
  if (auto enc = obj.at_key("encoding"); !enc.error()) {
    std::string_view encoding;
    if (enc.value_unsafe().get_string().get(encoding) || encoding != "tf.Example") {
      return InvalidArgument(StrCat("unsupported 'encoding': ", internal::DebugString(enc.value_unsafe()),
                                    " (only \"tf.Example\")"));
    }
    if (dtype != DataType::kString) return InvalidArgument("tf.Example encoding needs dtype DT_STRING");
    auto examples = obj.at_key("examples");
    if (examples.error() || examples.value_unsafe().type() != simdjson::dom::element_type::ARRAY) {
      return InvalidArgument("tf.Example encoding needs an 'examples' list");
    }
    internal::ValueSink sink(DataType::kString);
    size_t index = 0;
    for (Element ex : internal::AsArray(examples.value_unsafe())) {
      auto serialized = internal::SerializeJsonExample(ex, /*numbers_as_float=*/true);
      if (!serialized.ok()) return serialized.status().WithContext(StrCat("example ", index));
      sink.AddString(std::move(*serialized));
      ++index;
    }
    SERVAL_ASSIGN_OR_RETURN(tensor, sink.ToTensor(TensorShape{sink.size()}));
  } else {
    auto data = obj.at_key("data");
    if (data.error()) return InvalidArgument("typed tensor needs 'data' (or 'encoding' + 'examples')");
    SERVAL_ASSIGN_OR_RETURN(tensor, internal::ElementToTensor(data.value_unsafe(), dtype));
  }
  if (declared && !(tensor.shape() == *declared)) {
    if (tensor.num_elements() != declared->num_elements()) {
      return InvalidArgument(StrCat("'shape' ", declared->ToString(), " does not match the data, which has shape ",
                                    tensor.shape().ToString()));
    }
    SERVAL_ASSIGN_OR_RETURN(tensor, tensor.Reshaped(*declared));  // a flat list with its shape
  }
  return tensor;
}

Result<std::map<std::string, Tensor>> TypedTensorMap(Element e) {
  if (internal::KindOf(e) != internal::Kind::kObject) {
    return InvalidArgument(StrCat(internal::JsonValuePrefix(e), "is not an object of typed tensors"));
  }
  std::map<std::string, Tensor> out;
  for (auto field : internal::AsObject(e)) {
    auto t = TypedTensor(field.value);
    if (!t.ok()) return t.status().WithContext(StrCat("tensor '", field.key, "'"));
    out.emplace(std::string(field.key), std::move(*t));
  }
  return out;
}

std::string StringOr(simdjson::dom::object obj, std::string_view key) {
  std::string_view v;
  if (obj.at_key(key).get_string().get(v)) return "";
  return std::string(v);
}

Result<GoldenCall> Call(simdjson::dom::object obj, const std::string& default_signature) {
  GoldenCall call;
  call.signature = StringOr(obj, "signature");
  if (call.signature.empty()) call.signature = default_signature;
  for (const char* key : {"inputs", "outputs"}) {
    auto el = obj.at_key(key);
    if (el.error()) continue;
    auto m = TypedTensorMap(el.value_unsafe());
    if (!m.ok()) return m.status().WithContext(key);
    (std::string_view(key) == "inputs" ? call.inputs : call.outputs) = std::move(*m);
  }
  return call;
}

}  // namespace

Result<Tensor> ParseTypedTensorJson(std::string_view json_value) {
  SERVAL_ASSIGN_OR_RETURN(auto doc, internal::ParseJson(json_value));
  return TypedTensor(doc->root);
}

Result<std::map<std::string, Tensor>> ParseTypedTensorMapJson(std::string_view json_object) {
  SERVAL_ASSIGN_OR_RETURN(auto doc, internal::ParseJson(json_object));
  return TypedTensorMap(doc->root);
}

Result<GoldenFile> ParseGoldenFile(std::string_view json) {
  SERVAL_ASSIGN_OR_RETURN(auto doc, internal::ParseJson(json));
  if (internal::KindOf(doc->root) != internal::Kind::kObject) return InvalidArgument("golden file is not an object");
  simdjson::dom::object obj = internal::AsObject(doc->root);
  GoldenFile file;
  file.model = StringOr(obj, "model");
  file.version = StringOr(obj, "version");
  file.oracle = StringOr(obj, "oracle");
  double v;
  if (!obj.at_key("rtol").get_double().get(v)) file.rtol = v;
  if (!obj.at_key("atol").get_double().get(v)) file.atol = v;
  file.expect_load_error = StringOr(obj, "expect") == "load error";
  if (auto steps = obj.at_key("steps"); !steps.error()) {
    if (steps.value_unsafe().type() != simdjson::dom::element_type::ARRAY) return InvalidArgument("'steps' must be a list");
    size_t index = 0;
    for (Element step : internal::AsArray(steps.value_unsafe())) {
      if (step.type() != simdjson::dom::element_type::OBJECT) return InvalidArgument("'steps' items must be objects");
      auto call = Call(internal::AsObject(step), StringOr(obj, "signature"));
      if (!call.ok()) return call.status().WithContext(StrCat("step ", index));
      file.calls.push_back(std::move(*call));
      ++index;
    }
  } else if (!file.expect_load_error) {
    SERVAL_ASSIGN_OR_RETURN(GoldenCall call, Call(obj, std::string(kDefaultSignature)));
    file.calls.push_back(std::move(call));
  }
  return file;
}

}  // namespace serval::codec
