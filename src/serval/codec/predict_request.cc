// :predict request parsing (serving-spec §1.4, §1.5).
#include <algorithm>
#include <set>

#include "serval/base/strings.h"
#include "serval/codec/json_util.h"
#include "serval/codec/tfs_json.h"
#include "serval/loader/saved_model.h"

namespace serval::codec {

using internal::Element;
using internal::ValueSink;

namespace {

std::string InputNames(const loader::Signature& sig) {
  std::vector<std::string> names;
  for (const auto& in : sig.inputs) names.push_back(in.key);
  return Join(names, ",");
}

std::string Wrap(const Status& s, size_t index, std::string_view key) {
  return StrCat("Failed to process element: ", index, key.empty() ? "" : StrCat(" key: ", key),
                " of 'instances' list. Error: ", s.ToString());
}

// One input's rows stacked along a new batch dimension.
struct RowStack {
  explicit RowStack(DataType dtype) : sink(dtype) {}
  ValueSink sink;
  TensorShape row_shape;
  size_t rows = 0;

  Status AddRow(Element e) {
    SERVAL_ASSIGN_OR_RETURN(TensorShape shape, internal::InferShape(e));
    SERVAL_RETURN_IF_ERROR(internal::FillValues(e, shape, &sink));
    if (rows > 0 && !(shape == row_shape)) {
      if (shape.num_elements() != row_shape.num_elements()) {
        return InvalidArgument(
            StrCat("Expecting tensor size: ", row_shape.num_elements(), " but got: ", shape.num_elements()));
      }
      return InvalidArgument(StrCat("Expecting shape ", row_shape.ToString(), " but got: ", shape.ToString()));
    }
    row_shape = shape;
    ++rows;
    return Status::Ok();
  }

  Result<Tensor> Finish() {
    TensorShape shape = row_shape;
    shape.InsertDim(0, static_cast<int64_t>(rows));
    return sink.ToTensor(shape);
  }
};

Status ParseInstances(Element instances, const loader::Signature& sig, PredictRequest* req) {
  if (instances.type() != simdjson::dom::element_type::ARRAY) {
    return InvalidArgument("Expecting 'instances' to be an list/array");
  }
  simdjson::dom::array list = internal::AsArray(instances);
  if (list.size() == 0) return InvalidArgument("No values in 'instances' array");
  const bool named = internal::IsNamedObject(*list.begin());
  if (!named && sig.inputs.size() != 1) {
    return InvalidArgument(StrCat(
        "instances is a plain list, but expecting list of objects as multiple input tensors required as per "
        "tensorinfo_map (hint: send one object per instance with keys ",
        InputNames(sig), ")"));
  }
  std::vector<RowStack> stacks;
  for (const auto& in : sig.inputs) stacks.emplace_back(in.dtype);
  size_t index = 0;
  for (Element elem : list) {
    const bool is_named = internal::IsNamedObject(elem);
    if (named && !is_named) {
      return InvalidArgument(StrCat("Expecting object but got ", internal::KindOf(elem) == internal::Kind::kArray ? "list" : "value",
                                    " at item ", index, " of input list"));
    }
    if (!named && is_named) {
      return InvalidArgument(StrCat("Expecting value/list but got object at item ", index, " of input list"));
    }
    if (!named) {
      Status s = stacks[0].AddRow(elem);
      if (!s.ok()) return Status(s.code(), Wrap(s, index, sig.inputs[0].key));
    } else {
      simdjson::dom::object obj = internal::AsObject(elem);
      std::set<std::string_view> seen;
      for (auto field : obj) {
        auto it = std::find_if(sig.inputs.begin(), sig.inputs.end(),
                               [&](const loader::SignatureTensor& t) { return t.key == field.key; });
        if (it == sig.inputs.end()) {
          return InvalidArgument(StrCat("Failed to process element: ", index, " of 'instances' list. JSON object: does not have named input: ",
                                        field.key, " (valid inputs: ", InputNames(sig), ")"));
        }
        if (!seen.insert(field.key).second) {
          return InvalidArgument(StrCat("Failed to process element: ", index, " of 'instances' list. JSON object has duplicate key: ",
                                        field.key));
        }
      }
      if (seen.size() != sig.inputs.size()) {
        std::vector<std::string> missing;
        for (const auto& in : sig.inputs)
          if (!seen.count(in.key)) missing.push_back(in.key);
        return InvalidArgument(StrCat("Failed to process element: ", index, " of 'instances' list. JSON object: ",
                                      internal::DebugString(elem), " keys must be equal to: ", InputNames(sig),
                                      " (missing: ", Join(missing, ","), ")"));
      }
      for (size_t i = 0; i < sig.inputs.size(); ++i) {
        Element value = obj.at_key(sig.inputs[i].key).value_unsafe();
        Status s = stacks[i].AddRow(value);
        if (!s.ok()) return Status(s.code(), Wrap(s, index, sig.inputs[i].key));
      }
    }
    ++index;
  }
  for (size_t i = 0; i < sig.inputs.size(); ++i) {
    SERVAL_ASSIGN_OR_RETURN(Tensor t, stacks[i].Finish());
    req->inputs.emplace(sig.inputs[i].key, std::move(t));
  }
  return Status::Ok();
}

Status ParseColumnar(Element inputs, const loader::Signature& sig, PredictRequest* req) {
  if (!internal::IsNamedObject(inputs)) {
    if (sig.inputs.size() != 1) {
      return InvalidArgument(StrCat(
          "inputs is a plain value/list, but expecting an object as multiple input tensors required as per "
          "tensorinfo_map (hint: send {\"inputs\": {",
          InputNames(sig), ": ...}})"));
    }
    auto t = internal::ElementToTensor(inputs, sig.inputs[0].dtype);
    if (!t.ok()) return t.status().WithContext(StrCat("input '", sig.inputs[0].key, "'"));
    req->inputs.emplace(sig.inputs[0].key, std::move(*t));
    return Status::Ok();
  }
  simdjson::dom::object obj = internal::AsObject(inputs);
  for (const auto& in : sig.inputs) {
    auto value = obj.at_key(in.key);
    if (value.error()) {
      std::vector<std::string> given;
      for (auto field : obj) given.emplace_back(field.key);
      return InvalidArgument(StrCat("Missing named input: ", in.key, " in 'inputs' object. (signature inputs: ",
                                    InputNames(sig), "; given: ", Join(given, ","), ")"));
    }
    auto t = internal::ElementToTensor(value.value_unsafe(), in.dtype);
    if (!t.ok()) return t.status().WithContext(StrCat("input '", in.key, "'"));
    req->inputs.emplace(in.key, std::move(*t));
  }
  return Status::Ok();
}

}  // namespace

SignatureLookup LookupIn(const loader::SavedModel& model) {
  return [&model](const std::string& name) -> Result<const loader::Signature*> {
    const loader::Signature* sig = model.FindSignature(name);
    if (sig == nullptr) {
      return InvalidArgument(StrCat("Serving signature name: \"", name, "\" not found in signature def"));
    }
    return sig;
  };
}

Result<PredictRequest> ParsePredictRequest(std::string_view body, const SignatureLookup& lookup) {
  SERVAL_ASSIGN_OR_RETURN(auto doc, internal::ParseJson(body));
  SERVAL_ASSIGN_OR_RETURN(simdjson::dom::object top, internal::RequestObject(doc->root));
  PredictRequest req;
  SERVAL_ASSIGN_OR_RETURN(req.signature_name, internal::RequestSignatureName(top));

  auto instances = top.at_key("instances");
  auto inputs = top.at_key("inputs");
  if (!instances.error() && !inputs.error()) {
    return InvalidArgument("Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist");
  }
  if (instances.error() && inputs.error()) {
    return InvalidArgument(
        "Missing 'inputs' or 'instances' key (hint: row format is {\"instances\": [...]}, columnar format is "
        "{\"inputs\": ...})");
  }
  req.row_format = !instances.error();

  SERVAL_ASSIGN_OR_RETURN(const loader::Signature* sig, lookup(req.signature_name));
  if (sig == nullptr) {
    return InvalidArgument(StrCat("Serving signature name: \"", req.signature_name, "\" not found in signature def"));
  }
  if (sig->inputs.empty()) {
    return InvalidArgument(StrCat("Failed to get input map for signature: ",
                                  req.signature_name == kDefaultSignature ? "DEFAULT" : req.signature_name));
  }
  if (req.row_format) {
    SERVAL_RETURN_IF_ERROR(ParseInstances(instances.value_unsafe(), *sig, &req));
  } else {
    SERVAL_RETURN_IF_ERROR(ParseColumnar(inputs.value_unsafe(), *sig, &req));
  }
  return req;
}

Status CheckInputShapes(const PredictRequest& request, const loader::Signature& signature) {
  for (const auto& in : signature.inputs) {
    auto it = request.inputs.find(in.key);
    if (it == request.inputs.end() || in.shape.unknown_rank()) continue;
    const TensorShape& got = it->second.shape();
    if (in.shape.IsCompatibleWith(got)) continue;
    std::string hint;
    if (got.rank() + 1 == in.shape.rank()) {
      std::vector<int64_t> inner(in.shape.dims().begin() + 1, in.shape.dims().end());
      if (PartialShape(inner).IsCompatibleWith(got)) {
        hint = request.row_format
                   ? " (hint: the batch dimension looks missing; in \"instances\" each element is one example, so "
                     "wrap single examples in a list)"
                   : " (hint: the batch dimension looks missing; \"inputs\" adds none, wrap the value in a list)";
      }
    }
    return InvalidArgument(StrCat("input '", in.key, "': shape ", got.ToString(),
                                  " is not compatible with the signature shape ", in.shape.ToString(), hint));
  }
  return Status::Ok();
}

}  // namespace serval::codec
