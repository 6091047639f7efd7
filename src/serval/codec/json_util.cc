#include "serval/codec/json_util.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "serval/base/strings.h"
#include "serval/codec/json_writer.h"
#include "serval/codec/tfs_json.h"
#include "tensorflow/core/example/example.pb.h"

namespace serval::codec::internal {
namespace {

// NaN/Infinity tokens are rewritten to this one-member object before simdjson sees the text
// (simdjson has no NaN/Inf extension). A client would have to send this exact NUL-prefixed key to
// collide, and the only effect would be a value read as NaN/Infinity where a type error was due.
constexpr std::string_view kNonFiniteKey("\0serval-nonfinite", 17);
constexpr std::string_view kNonFiniteJson[3] = {
    R"({"\u0000serval-nonfinite":0})",  // NaN
    R"({"\u0000serval-nonfinite":1})",  // +Infinity
    R"({"\u0000serval-nonfinite":2})",  // -Infinity
};

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// ASCII only, without the locale lookup of std::isalnum (this runs once per byte of a number).
bool IsNumberTail(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '+' ||
         c == '-';
}

bool Match(std::string_view s, size_t i, std::string_view word) { return s.substr(i, word.size()) == word; }

// RapidJSON kParseNanAndInfFlag after an optional '-': "NaN", "Inf", "Infinity". Returns the
// token length (without the sign) and sets kind (0 NaN, 1 Inf), or 0 when not such a token.
size_t NonFiniteToken(std::string_view s, size_t i, int* kind) {
  if (Match(s, i, "NaN")) {
    *kind = 0;
    return 3;
  }
  if (Match(s, i, "Infinity")) {
    *kind = 1;
    return 8;
  }
  if (Match(s, i, "Inf")) {
    *kind = 1;
    return 3;
  }
  return 0;
}

// True for an integer literal (digits only after the sign) outside int64/uint64: RapidJSON reads
// those as doubles, simdjson refuses them.
bool IsBigInteger(std::string_view digits, bool negative) {
  const std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
  if (digits.size() != limit.size()) return digits.size() > limit.size();
  return digits > limit;
}

// Rewrites the text for simdjson; finds the end of the top-level container (StopWhenDone) and the
// deepest nesting.
std::string Rewrite(std::string_view s, size_t start, size_t* max_depth) {
  std::string out;
  out.reserve(s.size() + 16);
  const bool container = s[start] == '{' || s[start] == '[';
  size_t depth = 0;
  *max_depth = 0;
  size_t i = start;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"') {
      const size_t begin = i++;
      while (i < s.size() && s[i] != '"') i += (s[i] == '\\') ? 2 : 1;
      i = std::min(i + 1, s.size());
      out.append(s.substr(begin, i - begin));
      if (container && depth == 0) break;
      continue;
    }
    if (c == '[' || c == '{') {
      ++depth;
      *max_depth = std::max(*max_depth, depth);
    } else if (c == ']' || c == '}') {
      out.push_back(c);
      ++i;
      if (depth > 0) --depth;
      if (container && depth == 0) break;
      continue;
    } else if (c == 'N' || c == 'I' || c == '-') {
      const bool minus = c == '-';
      int kind = 0;
      const size_t n = NonFiniteToken(s, i + (minus ? 1 : 0), &kind);
      if (n > 0) {
        out.append(kNonFiniteJson[kind == 0 ? 0 : (minus ? 2 : 1)]);
        i += n + (minus ? 1 : 0);
        continue;
      }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t j = i + (c == '-' ? 1 : 0);
      const size_t digits_begin = j;
      while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
      bool integer = true;
      size_t k = j;
      while (k < s.size() && IsNumberTail(s[k])) {
        integer = false;
        ++k;
      }
      out.append(s.substr(i, k - i));
      if (integer && IsBigInteger(s.substr(digits_begin, j - digits_begin), c == '-')) out.append(".0");
      i = k;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

void AppendDebug(Element e, size_t max, std::string* out) {
  if (out->size() >= max) return;
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      for (Element child : AsArray(e)) {
        if (out->size() >= max) return;
        if (!first) out->push_back(',');
        first = false;
        AppendDebug(child, max, out);
      }
      out->push_back(']');
      return;
    }
    case simdjson::dom::element_type::OBJECT: {
      if (KindOf(e) == Kind::kNumber) {
        const int64_t k = AsObject(e).begin().value().get_int64().value_unsafe();
        out->append(k == 0 ? "NaN" : k == 1 ? "Infinity" : "-Infinity");
        return;
      }
      out->push_back('{');
      bool first = true;
      for (auto field : AsObject(e)) {
        if (out->size() >= max) return;
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(field.key, out);
        out->push_back(':');
        AppendDebug(field.value, max, out);
      }
      out->push_back('}');
      return;
    }
    case simdjson::dom::element_type::STRING:
      AppendJsonString(e.get_string().value_unsafe(), out);
      return;
    case simdjson::dom::element_type::INT64:
      out->append(std::to_string(e.get_int64().value_unsafe()));
      return;
    case simdjson::dom::element_type::UINT64:
      out->append(std::to_string(e.get_uint64().value_unsafe()));
      return;
    case simdjson::dom::element_type::DOUBLE: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof(buf), e.get_double().value_unsafe());
      out->append(buf, r.ptr);
      return;
    }
    case simdjson::dom::element_type::BOOL:
      out->append(e.get_bool().value_unsafe() ? "true" : "false");
      return;
    case simdjson::dom::element_type::NULL_VALUE:
      out->append("null");
      return;
  }
}

}  // namespace

Result<std::unique_ptr<JsonDoc>> ParseJson(std::string_view body) {
  size_t start = 0;
  while (start < body.size() && IsWs(body[start])) ++start;
  if (start == body.size()) return InvalidArgument("JSON Parse error: The document is empty");
  auto doc = std::make_unique<JsonDoc>();
  // Fast path, the common case: plain JSON parses as is. Everything the rewrite below changes
  // (NaN/Inf tokens outside strings, integers beyond 64 bits, bytes after the top-level container,
  // nesting beyond simdjson's default depth) is an error for simdjson, so a successful parse here
  // is exactly what the rewrite + parse would have produced. Any error falls through to the
  // rewrite, which also yields the error message for bodies that are really malformed.
  doc->buffer = simdjson::padded_string(body);
  {
    auto fast = doc->parser.parse(doc->buffer);
    if (!fast.error()) {
      doc->root = fast.value_unsafe();
      return doc;
    }
  }
  size_t max_depth = 0;
  std::string text = Rewrite(body, start, &max_depth);
  if (max_depth > kMaxJsonDepth) {
    return InvalidArgument(StrCat("JSON Parse error: nesting deeper than ", kMaxJsonDepth, " levels"));
  }
  doc->buffer = simdjson::padded_string(text);
  if (auto err = doc->parser.allocate(doc->buffer.size(), max_depth + 2); err) {
    return ResourceExhausted(StrCat("JSON Parse error: ", simdjson::error_message(err)));
  }
  auto result = doc->parser.parse(doc->buffer);
  if (result.error()) {
    return InvalidArgument(StrCat("JSON Parse error: ", simdjson::error_message(result.error())));
  }
  doc->root = result.value_unsafe();
  return doc;
}

Kind KindOf(Element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: return Kind::kArray;
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object obj = AsObject(e);
      if (obj.size() == 1 && (*obj.begin()).key == kNonFiniteKey && (*obj.begin()).value.is_int64()) {
        return Kind::kNumber;
      }
      return Kind::kObject;
    }
    case simdjson::dom::element_type::STRING: return Kind::kString;
    case simdjson::dom::element_type::BOOL:
      return e.get_bool().value_unsafe() ? Kind::kTrue : Kind::kFalse;
    case simdjson::dom::element_type::NULL_VALUE: return Kind::kNull;
    default: return Kind::kNumber;
  }
}

std::string_view KindName(Kind k) {
  switch (k) {
    case Kind::kNull: return "Null";
    case Kind::kFalse: return "False";
    case Kind::kTrue: return "True";
    case Kind::kObject: return "Object";
    case Kind::kArray: return "Array";
    case Kind::kString: return "String";
    case Kind::kNumber: return "Number";
  }
  return "?";
}

double NumberAsDouble(Element e) {
  if (e.type() == simdjson::dom::element_type::OBJECT) {
    const int64_t k = AsObject(e).begin().value().get_int64().value_unsafe();
    if (k == 0) return std::numeric_limits<double>::quiet_NaN();
    return k == 1 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  }
  return e.get_double().value_unsafe();
}

bool NumberIsDecimal(Element e) {
  return e.type() == simdjson::dom::element_type::DOUBLE || e.type() == simdjson::dom::element_type::OBJECT;
}

bool IsB64Object(Element e, std::string_view* b64) {
  if (e.type() != simdjson::dom::element_type::OBJECT) return false;
  simdjson::dom::object obj = AsObject(e);
  if (obj.size() != 1) return false;
  auto field = *obj.begin();
  if (field.key != "b64" || field.value.type() != simdjson::dom::element_type::STRING) return false;
  if (b64 != nullptr) *b64 = field.value.get_string().value_unsafe();
  return true;
}

bool IsNamedObject(Element e) { return KindOf(e) == Kind::kObject && !IsB64Object(e); }

std::string DebugString(Element e, size_t max_bytes) {
  std::string out;
  AppendDebug(e, max_bytes, &out);
  if (out.size() > max_bytes) {
    // Cut on a UTF-8 boundary so the text stays valid in a JSON error body.
    size_t n = max_bytes;
    while (n > 0 && (static_cast<unsigned char>(out[n]) & 0xC0) == 0x80) --n;
    out.resize(n);
  }
  return out;
}

std::string JsonValuePrefix(Element e) { return StrCat("JSON Value: ", DebugString(e), " "); }

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                       (uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (rest == 2) v |= uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

bool Base64Decode(std::string_view text, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  size_t chars = 0;
  size_t padding = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') {
      ++padding;
      continue;
    } else if (IsWs(c)) {
      continue;
    } else {
      return false;
    }
    if (padding > 0) return false;  // data after padding
    ++chars;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (chars % 4 == 1) return false;
  if (padding > 0 && (chars + padding) % 4 != 0) return false;
  if (padding > 2) return false;
  // Leftover bits must be zero (canonical encoding).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return false;
  return true;
}

Status JsonObjectToExample(Element e, bool numbers_as_float, tensorflow::Example* example) {
  if (KindOf(e) != Kind::kObject) {
    return InvalidArgument(StrCat("Example must be JSON object but got JSON ", KindName(KindOf(e))));
  }
  auto* features = example->mutable_features()->mutable_feature();
  for (auto field : AsObject(e)) {
    const std::string name(field.key);
    tensorflow::Feature feature;
    enum { kUnset, kBytes, kFloat, kInt64 } kind = kUnset;
    auto add = [&](Element v) -> Status {
      const Kind k = KindOf(v);
      std::string_view b64;
      int want;
      if (k == Kind::kString || IsB64Object(v, &b64)) {
        want = kBytes;
      } else if (k == Kind::kNumber) {
        if (numbers_as_float || NumberIsDecimal(v)) {
          want = kFloat;
        } else if (v.type() == simdjson::dom::element_type::UINT64) {
          return InvalidArgument(StrCat("Feature: ", name, " ", JsonValuePrefix(v), "Only int64_t is supported"));
        } else {
          want = kInt64;
        }
      } else if (k == Kind::kTrue || k == Kind::kFalse) {
        want = kInt64;
      } else {
        return InvalidArgument(StrCat("Feature: ", name, " has element with unexpected JSON type: ", KindName(k)));
      }
      static constexpr const char* kNames[] = {"", "bytes", "float", "int64"};
      if (kind != kUnset && kind != want) {
        return InvalidArgument(
            StrCat("Unexpected element type in feature: ", name, " expecting type: ", kNames[kind]));
      }
      kind = static_cast<decltype(kind)>(want);
      switch (kind) {
        case kBytes:
          if (k == Kind::kString) {
            feature.mutable_bytes_list()->add_value(std::string(v.get_string().value_unsafe()));
          } else {
            std::string decoded;
            if (!Base64Decode(b64, &decoded)) {
              return InvalidArgument(StrCat("Feature: ", name, " ", JsonValuePrefix(v), "Unable to base64 decode"));
            }
            feature.mutable_bytes_list()->add_value(std::move(decoded));
          }
          break;
        case kFloat:
          feature.mutable_float_list()->add_value(static_cast<float>(NumberAsDouble(v)));
          break;
        case kInt64:
          feature.mutable_int64_list()->add_value(k == Kind::kNumber ? v.get_int64().value_unsafe()
                                                                     : (k == Kind::kTrue ? 1 : 0));
          break;
        default:
          break;
      }
      return Status::Ok();
    };
    if (field.value.type() == simdjson::dom::element_type::ARRAY) {
      for (Element v : AsArray(field.value)) SERVAL_RETURN_IF_ERROR(add(v));
    } else {
      SERVAL_RETURN_IF_ERROR(add(field.value));
    }
    (*features)[name] = std::move(feature);
  }
  return Status::Ok();
}

bool IsValidUtf8(std::string_view s) {
  return simdjson::validate_utf8(s.data(), s.size());
}

// --- ValueSink ----------------------------------------------------------------------------------

template <typename T>
void ValueSink::Push(T v) {
  if (bytes_.size() - used_ < sizeof(T)) bytes_.resize(std::max<size_t>(256, bytes_.size() * 2));
  std::memcpy(bytes_.data() + used_, &v, sizeof(T));
  used_ += sizeof(T);
  ++count_;
}

bool ValueSink::TryAddPlainNumber(Element e) {
  const auto type = e.type();
  if (type != simdjson::dom::element_type::DOUBLE && type != simdjson::dom::element_type::INT64 &&
      type != simdjson::dom::element_type::UINT64) {
    return false;
  }
  if (dtype_ == DataType::kFloat) {
    Push<float>(static_cast<float>(e.get_double().value_unsafe()));
    return true;
  }
  if (dtype_ == DataType::kDouble) {
    Push<double>(e.get_double().value_unsafe());
    return true;
  }
  return false;
}

Status ValueSink::TypeError(Element e) const {
  const Kind kind = KindOf(e);
  std::string msg = StrCat(JsonValuePrefix(e), "Type: ", KindName(kind), " is not of expected type: ",
                           DataTypeShortName(dtype_));
  std::string hint;
  if (dtype_ != DataType::kString && IsB64Object(e)) {
    hint = "{\"b64\": ...} is only for DT_STRING inputs";
  } else if (kind == Kind::kString && dtype_ != DataType::kString) {
    hint = StrCat("the input is ", DataTypeName(dtype_), "; send JSON numbers", dtype_ == DataType::kBool ? "/booleans" : "",
                  ", not strings");
  } else if (kind == Kind::kNumber && IsInteger(dtype_)) {
    hint = NumberIsDecimal(e) ? StrCat("the input is ", DataTypeName(dtype_), "; send integers without a decimal point")
                              : StrCat("value is out of range for ", DataTypeName(dtype_));
  } else if (kind == Kind::kNumber && dtype_ == DataType::kBool) {
    hint = "the input is DT_BOOL; send true/false";
  } else if (kind == Kind::kNumber && dtype_ == DataType::kString) {
    hint = "the input is DT_STRING; send JSON strings or {\"b64\": \"...\"}";
  }
  if (!hint.empty()) msg += StrCat(" (hint: ", hint, ")");
  return InvalidArgument(std::move(msg));
}

Status ValueSink::Add(Element e) {
  const Kind kind = KindOf(e);
  const auto type = e.type();
  switch (dtype_) {
    case DataType::kFloat:
      if (kind != Kind::kNumber) return TypeError(e);
      Push<float>(static_cast<float>(NumberAsDouble(e)));
      return Status::Ok();
    case DataType::kDouble:
      if (kind != Kind::kNumber) return TypeError(e);
      Push<double>(NumberAsDouble(e));
      return Status::Ok();
    case DataType::kInt32:
    case DataType::kInt16:
    case DataType::kInt8:
    case DataType::kUInt8: {
      if (type != simdjson::dom::element_type::INT64) return TypeError(e);
      const int64_t v = e.get_int64().value_unsafe();
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) return TypeError(e);
      // TF Serving stores int_val and casts; no narrower range check (spec §1.4).
      if (dtype_ == DataType::kInt32) Push<int32_t>(static_cast<int32_t>(v));
      else if (dtype_ == DataType::kInt16) Push<int16_t>(static_cast<int16_t>(v));
      else if (dtype_ == DataType::kInt8) Push<int8_t>(static_cast<int8_t>(v));
      else Push<uint8_t>(static_cast<uint8_t>(v));
      return Status::Ok();
    }
    case DataType::kInt64:
      if (type != simdjson::dom::element_type::INT64) return TypeError(e);
      Push<int64_t>(e.get_int64().value_unsafe());
      return Status::Ok();
    case DataType::kUInt32: {
      if (type != simdjson::dom::element_type::INT64) return TypeError(e);
      const int64_t v = e.get_int64().value_unsafe();
      if (v < 0 || v > int64_t{std::numeric_limits<uint32_t>::max()}) return TypeError(e);
      Push<uint32_t>(static_cast<uint32_t>(v));
      return Status::Ok();
    }
    case DataType::kUInt64: {
      if (type == simdjson::dom::element_type::UINT64) {
        Push<uint64_t>(e.get_uint64().value_unsafe());
        return Status::Ok();
      }
      if (type != simdjson::dom::element_type::INT64 || e.get_int64().value_unsafe() < 0) return TypeError(e);
      Push<uint64_t>(static_cast<uint64_t>(e.get_int64().value_unsafe()));
      return Status::Ok();
    }
    case DataType::kBool:
      if (kind != Kind::kTrue && kind != Kind::kFalse) return TypeError(e);
      Push<bool>(kind == Kind::kTrue);
      return Status::Ok();
    case DataType::kString: {
      if (kind == Kind::kString) {
        AddString(std::string(e.get_string().value_unsafe()));
        return Status::Ok();
      }
      if (kind == Kind::kObject) {
        std::string_view b64;
        if (!IsB64Object(e, &b64)) {
          return InvalidArgument(StrCat(JsonValuePrefix(e), "not formatted correctly for base64 data"));
        }
        std::string decoded;
        if (!Base64Decode(b64, &decoded)) {
          return InvalidArgument(StrCat(JsonValuePrefix(e), "Unable to base64 decode"));
        }
        AddString(std::move(decoded));
        return Status::Ok();
      }
      return TypeError(e);
    }
    default:
      return Unimplemented(StrCat("Conversion of ", JsonValuePrefix(e), "to type: ", DataTypeShortName(dtype_)));
  }
}

Result<Tensor> ValueSink::ToTensor(const TensorShape& shape) {
  SERVAL_ASSIGN_OR_RETURN(TensorShape checked, TensorShape::Make(shape.dims()));
  if (checked.num_elements() != count_) {
    return Internal(StrCat("JSON conversion produced ", count_, " values for shape ", shape.ToString()));
  }
  SERVAL_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype_, std::move(checked)));
  if (dtype_ == DataType::kString) {
    auto out = t.flat<std::string>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = std::move(strings_[i]);
    strings_.clear();
  } else if (used_ > 0) {
    std::memcpy(t.raw_data(), bytes_.data(), used_);
    bytes_.clear();
    used_ = 0;
  }
  count_ = 0;
  return t;
}

// --- shapes -------------------------------------------------------------------------------------

Result<TensorShape> InferShape(Element e) {
  TensorShape shape;
  while (e.type() == simdjson::dom::element_type::ARRAY) {
    simdjson::dom::array a = AsArray(e);
    if (shape.rank() >= kMaxRank) {
      return InvalidArgument(StrCat("JSON value is nested deeper than the maximum tensor rank ", kMaxRank));
    }
    shape.AddDim(static_cast<int64_t>(a.size()));
    if (a.size() == 0) break;
    e = *a.begin();
  }
  return shape;
}

namespace {
Status Fill(Element e, const TensorShape& shape, int level, ValueSink* sink) {
  if (e.type() == simdjson::dom::element_type::ARRAY) {
    if (level >= shape.rank()) {
      return InvalidArgument(
          StrCat("Encountered list at unexpected level: ", level, " expected < ", shape.rank()));
    }
    simdjson::dom::array a = AsArray(e);
    if (static_cast<int64_t>(a.size()) != shape.dim(level)) {
      return InvalidArgument(StrCat("Encountered list at unexpected size: ", a.size(), " at level: ", level,
                                    " expected size: ", shape.dim(level)));
    }
    if (level + 1 == shape.rank()) {  // a row of scalars: the bulk of any tensor
      for (Element child : a) {
        if (!sink->TryAddPlainNumber(child)) SERVAL_RETURN_IF_ERROR(Fill(child, shape, level + 1, sink));
      }
      return Status::Ok();
    }
    for (Element child : a) SERVAL_RETURN_IF_ERROR(Fill(child, shape, level + 1, sink));
    return Status::Ok();
  }
  if (level != shape.rank()) {
    return InvalidArgument(StrCat(JsonValuePrefix(e), "found at incorrect level: ", level,
                                  " in the JSON DOM. Expected at level: ", shape.rank()));
  }
  return sink->Add(e);
}
}  // namespace

Status FillValues(Element e, const TensorShape& shape, ValueSink* sink) { return Fill(e, shape, 0, sink); }

Result<Tensor> ElementToTensor(Element e, DataType dtype) {
  SERVAL_ASSIGN_OR_RETURN(TensorShape shape, InferShape(e));
  ValueSink sink(dtype);
  SERVAL_RETURN_IF_ERROR(FillValues(e, shape, &sink));
  return sink.ToTensor(shape);
}

Result<simdjson::dom::object> RequestObject(Element root) {
  if (KindOf(root) != Kind::kObject) return InvalidArgument(StrCat(JsonValuePrefix(root), "Is not object"));
  return AsObject(root);
}

Result<std::string> RequestSignatureName(simdjson::dom::object top) {
  std::string name;
  auto sig_name = top.at_key("signature_name");
  if (!sig_name.error()) {
    Element v = sig_name.value_unsafe();
    if (v.type() != simdjson::dom::element_type::STRING) {
      return InvalidArgument(
          StrCat(JsonValuePrefix(v), "not formatted correctly. 'signature_name' key must be a string value."));
    }
    name = std::string(v.get_string().value_unsafe());
  }
  if (name.empty()) name = std::string(kDefaultSignature);
  return name;
}

}  // namespace serval::codec::internal
