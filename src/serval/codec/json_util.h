// Internal helpers of the codec layer: parsing with TF Serving's (RapidJSON) rules on top of
// simdjson, JSON value kinds and debug text, base64, and JSON value -> typed tensor conversion.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "serval/base/status.h"
#include "serval/tensor/tensor.h"

namespace tensorflow {
class Example;
}  // namespace tensorflow

namespace serval::codec::internal {

using Element = simdjson::dom::element;

// Refuse nesting deeper than this (memory for simdjson's depth stack is sized per document).
inline constexpr size_t kMaxJsonDepth = 1 << 20;
// TensorFlow's TensorShape::MaxDimensions().
inline constexpr int kMaxRank = 254;
// Debug values in error messages are cut to this many bytes, as TF Serving does.
inline constexpr size_t kMaxDebugBytes = 256;

// A parsed document; `root` stays valid as long as this object lives.
struct JsonDoc {
  simdjson::dom::parser parser;
  simdjson::padded_string buffer;
  Element root;
};

// Parses with TF Serving's flags: NaN/Inf/Infinity/-Inf/-Infinity tokens are numbers, bytes
// after the top-level object/array are ignored, integers too large for int64/uint64 become
// doubles, nesting up to kMaxJsonDepth (never recursion). Empty → "JSON Parse error: The document
// is empty"; syntax errors → "JSON Parse error: <simdjson message>".
Result<std::unique_ptr<JsonDoc>> ParseJson(std::string_view body);

inline simdjson::dom::array AsArray(Element e) { return e.get_array().value_unsafe(); }
inline simdjson::dom::object AsObject(Element e) { return e.get_object().value_unsafe(); }

enum class Kind { kNull, kFalse, kTrue, kObject, kArray, kString, kNumber };
// NaN/Infinity tokens report kNumber.
Kind KindOf(Element e);
std::string_view KindName(Kind k);  // "Null", "False", ..., "Number" (RapidJSON's names)

// Number access (kind must be kNumber).
double NumberAsDouble(Element e);
bool NumberIsDecimal(Element e);  // had '.'/exponent, or NaN/Infinity (RapidJSON IsDouble)

// {"b64": "<string>"} with exactly that one member.
bool IsB64Object(Element e, std::string_view* b64 = nullptr);
// A JSON object that is not a b64 object.
bool IsNamedObject(Element e);
// Compact JSON text (NaN/Infinity as tokens), cut to max_bytes.
std::string DebugString(Element e, size_t max_bytes = kMaxDebugBytes);

std::string Base64Encode(std::string_view bytes);
// Standard alphabet; '=' padding optional; ASCII whitespace skipped (absl::Base64Unescape).
bool Base64Decode(std::string_view text, std::string* out);

bool IsValidUtf8(std::string_view s);

// Values converted to one dtype, collected before the tensor is allocated (so the element count is
// bounded by the input size, never by a shape someone declared).
class ValueSink {
 public:
  explicit ValueSink(DataType dtype) : dtype_(dtype) {}
  DataType dtype() const { return dtype_; }
  int64_t size() const { return count_; }
  // TF Serving's AddValueToTensor: converts one JSON scalar to the sink's dtype.
  Status Add(Element e);
  // Add() for the common case only: a finite JSON number into a float/double sink. False (and
  // nothing added) for anything else, which then goes through Add() for its checks and errors.
  bool TryAddPlainNumber(Element e);
  void AddString(std::string s) {
    strings_.push_back(std::move(s));
    ++count_;
  }
  // Moves the values into a tensor of `shape` (element count must equal size()).
  Result<Tensor> ToTensor(const TensorShape& shape);

 private:
  template <typename T>
  void Push(T v);
  Status TypeError(Element e) const;

  DataType dtype_;
  int64_t count_ = 0;
  // bytes_[0, used_) holds the values; bytes_ grows geometrically ahead of use so a Push is a
  // bounds check and a store, not a vector resize per element.
  size_t used_ = 0;
  std::vector<unsigned char> bytes_;
  std::vector<std::string> strings_;
};

// The shape read from the first element at every nesting level (error beyond kMaxRank).
Result<TensorShape> InferShape(Element e);
// Checks `e` against `shape` (TF's list size/level errors) and adds every scalar to `sink`.
Status FillValues(Element e, const TensorShape& shape, ValueSink* sink);
// InferShape + FillValues + ToTensor.
Result<Tensor> ElementToTensor(Element e, DataType dtype);

// A JSON object of features → tf.Example (§1.9 typing). numbers_as_float: every number becomes a
// float_list (golden-file encoding) instead of int64 for integers.
Status JsonObjectToExample(Element e, bool numbers_as_float, tensorflow::Example* example);

// "JSON Value: <v> " prefix used by many TF texts.
std::string JsonValuePrefix(Element e);

// Request bodies (predict/classify/regress): the top-level value must be an object ("Is not object").
Result<simdjson::dom::object> RequestObject(Element root);
// The request's "signature_name" (must be a string); kDefaultSignature when absent or empty.
Result<std::string> RequestSignatureName(simdjson::dom::object top);

}  // namespace serval::codec::internal
