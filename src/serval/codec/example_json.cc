// :classify / :regress bodies (serving-spec §1.9): JSON examples → serialized tf.Example, and the
// {"results": ...} responses.
#include "serval/base/strings.h"
#include "serval/codec/json_util.h"
#include "serval/codec/json_writer.h"
#include "serval/codec/tfs_json.h"
#include "tensorflow/core/example/example.pb.h"
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace serval::codec {

using internal::Element;
using internal::JsonWriter;

namespace {

Result<std::string> SerializeExample(Element e, bool numbers_as_float) {
  tensorflow::Example example;
  SERVAL_RETURN_IF_ERROR(internal::JsonObjectToExample(e, numbers_as_float, &example));
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!example.SerializeToCodedStream(&coded)) return Internal("failed to serialize tf.Example");
  }
  return out;
}

void WriteLabel(std::string_view s, JsonWriter* w) {
  if (internal::IsValidUtf8(s)) {
    w->String(s);
  } else {
    w->StartObject();
    w->Key("b64");
    w->String(internal::Base64Encode(s));
    w->EndObject();
  }
}

}  // namespace

namespace internal {
// Shared with typed_tensor.cc (golden tf.Example inputs).
Result<std::string> SerializeJsonExample(Element e, bool numbers_as_float) {
  return SerializeExample(e, numbers_as_float);
}
}  // namespace internal

Result<ExamplesRequest> ParseExamplesRequest(std::string_view body) {
  SERVAL_ASSIGN_OR_RETURN(auto doc, internal::ParseJson(body));
  SERVAL_ASSIGN_OR_RETURN(simdjson::dom::object top, internal::RequestObject(doc->root));
  ExamplesRequest req;
  SERVAL_ASSIGN_OR_RETURN(req.signature_name, internal::RequestSignatureName(top));

  std::string context;
  auto ctx = top.at_key("context");
  if (!ctx.error()) {
    auto serialized = SerializeExample(ctx.value_unsafe(), false);
    if (!serialized.ok()) return serialized.status().WithContext("'context'");
    context = std::move(*serialized);
    req.has_context = true;
  }
  auto examples = top.at_key("examples");
  if (examples.error()) {
    return InvalidArgument("When method is classify, key 'examples' is expected and was not found");
  }
  if (examples.value_unsafe().type() != simdjson::dom::element_type::ARRAY) {
    return InvalidArgument("Expecting 'examples' value to be an list/array");
  }
  simdjson::dom::array list = internal::AsArray(examples.value_unsafe());
  if (list.size() == 0) return InvalidArgument("'examples' value is an empty array");
  size_t index = 0;
  for (Element e : list) {
    auto serialized = SerializeExample(e, false);
    if (!serialized.ok()) return serialized.status().WithContext(StrCat("'examples' item ", index));
    req.serialized_examples.push_back(context + *serialized);
    ++index;
  }
  return req;
}

Result<std::string> WriteClassifyResponse(const std::vector<std::vector<ClassScore>>& results) {
  if (results.empty()) return InvalidArgument("Cannot convert empty ClassificationResults to JSON");
  JsonWriter w;
  w.StartObject();
  w.Key("results");
  w.StartArray();
  for (const auto& classes : results) {
    w.StartArray();
    for (const auto& c : classes) {
      w.StartArray();
      WriteLabel(c.label, &w);
      w.Raw(internal::FormatFloat(c.score));
      w.EndArray();
    }
    w.EndArray();
  }
  w.EndArray(/*newline_before_close=*/true);
  w.EndObject();
  return w.Take();
}

Result<std::string> WriteRegressResponse(const std::vector<float>& results) {
  if (results.empty()) return InvalidArgument("Cannot convert empty RegressionResults to JSON");
  JsonWriter w;
  w.StartObject();
  w.Key("results");
  w.StartArray();
  for (float v : results) w.Raw(internal::FormatFloat(v));
  w.EndArray(/*newline_before_close=*/true);
  w.EndObject();
  return w.Take();
}

Result<std::vector<std::vector<ClassScore>>> ClassificationsFromOutputs(
    const std::map<std::string, Tensor>& outputs, int64_t num_examples) {
  const Tensor* classes = nullptr;
  const Tensor* scores = nullptr;
  if (auto it = outputs.find("classes"); it != outputs.end()) classes = &it->second;
  if (auto it = outputs.find("scores"); it != outputs.end()) scores = &it->second;
  if (classes == nullptr && scores == nullptr) {
    return InvalidArgument("Classification signature must have a 'classes' or 'scores' output");
  }
  auto check = [&](const char* name, const Tensor* t, DataType want) -> Status {
    if (t == nullptr) return Status::Ok();
    if (t->dtype() != want) {
      return InvalidArgument(StrCat("Expected ", name, " Tensor of ", DataTypeName(want),
                                    ". Got: ", DataTypeName(t->dtype())));
    }
    if (t->rank() != 2 || t->dim(0) != num_examples) {
      return InvalidArgument(StrCat("Expected ", name, " Tensor shape: [batch_size num_classes] with batch_size ",
                                    num_examples, " but got ", t->shape().ToString()));
    }
    return Status::Ok();
  };
  SERVAL_RETURN_IF_ERROR(check("classes", classes, DataType::kString));
  SERVAL_RETURN_IF_ERROR(check("scores", scores, DataType::kFloat));
  if (classes != nullptr && scores != nullptr && classes->dim(1) != scores->dim(1)) {
    return InvalidArgument(StrCat("Tensors classes and scores should match in dim[1]: ", classes->dim(1), " vs ",
                                  scores->dim(1)));
  }
  const int64_t num_classes = classes != nullptr ? classes->dim(1) : scores->dim(1);
  std::vector<std::vector<ClassScore>> results(static_cast<size_t>(num_examples));
  for (int64_t i = 0; i < num_examples; ++i) {
    auto& row = results[static_cast<size_t>(i)];
    row.resize(static_cast<size_t>(num_classes));
    for (int64_t c = 0; c < num_classes; ++c) {
      const int64_t k = i * num_classes + c;
      if (classes != nullptr) row[static_cast<size_t>(c)].label = classes->flat<std::string>()[k];
      if (scores != nullptr) row[static_cast<size_t>(c)].score = scores->flat<float>()[k];
    }
  }
  return results;
}

Result<std::vector<float>> RegressionsFromOutputs(const std::map<std::string, Tensor>& outputs,
                                                  int64_t num_examples) {
  auto it = outputs.find("outputs");
  if (it == outputs.end()) return InvalidArgument("Regression signature has no 'outputs' output");
  const Tensor& t = it->second;
  if (t.dtype() != DataType::kFloat) {
    return InvalidArgument(StrCat("Expected output Tensor of DT_FLOAT. Got: ", DataTypeName(t.dtype())));
  }
  if (!(t.rank() == 1 || (t.rank() == 2 && t.dim(1) == 1))) {
    return InvalidArgument(StrCat("Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got ",
                                  t.shape().ToString()));
  }
  if (t.dim(0) != num_examples) {
    return InvalidArgument(
        StrCat("Input batch size did not match output batch size: ", num_examples, " vs. ", t.dim(0)));
  }
  auto flat = t.flat<float>();
  return std::vector<float>(flat.begin(), flat.end());
}

}  // namespace serval::codec
