#include "serval/codec/json_writer.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace serval::codec::internal {

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

namespace {

template <typename T>
std::string FormatDecimal(T v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  // absl::StrCat: %g with 6 significant digits (computed in double, as absl does for float too).
  auto r = std::to_chars(buf, buf + sizeof(buf), static_cast<double>(v), std::chars_format::general, 6);
  std::string s(buf, r.ptr);
  T back{};
  auto pr = std::from_chars(s.data(), s.data() + s.size(), back);
  if (pr.ec != std::errc() || back != v) {
    r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general,
                      std::numeric_limits<T>::max_digits10);
    s.assign(buf, r.ptr);
  }
  if (s.find('.') == std::string::npos && s.find('e') == std::string::npos) s.append(".0");
  return s;
}

}  // namespace

std::string FormatFloat(float v) { return FormatDecimal<float>(v); }
std::string FormatDouble(double v) { return FormatDecimal<double>(v); }

void JsonWriter::Indent() { out_.append(stack_.size() * 4, ' '); }

void JsonWriter::Prefix() {
  if (stack_.empty()) return;
  Level& level = stack_.back();
  if (level.in_array) {
    if (level.count > 0) out_.append(", ");
  } else if (level.count % 2 == 1) {
    out_.append(": ");
  } else {
    if (level.count > 0) out_.push_back(',');
    out_.push_back('\n');
    Indent();
  }
  ++level.count;
}

void JsonWriter::StartObject() {
  Prefix();
  out_.push_back('{');
  stack_.push_back({false, 0});
}

void JsonWriter::EndObject() {
  const bool empty = stack_.back().count == 0;
  stack_.pop_back();
  if (!empty) {
    out_.push_back('\n');
    Indent();
  }
  out_.push_back('}');
}

void JsonWriter::StartArray() {
  Prefix();
  out_.push_back('[');
  stack_.push_back({true, 0});
}

void JsonWriter::EndArray(bool newline_before_close) {
  const bool empty = stack_.back().count == 0;
  stack_.pop_back();
  if (newline_before_close && !empty) {
    out_.push_back('\n');
    Indent();
  }
  out_.push_back(']');
}

void JsonWriter::Key(std::string_view key) {
  Prefix();
  AppendJsonString(key, &out_);
}

void JsonWriter::String(std::string_view s) {
  Prefix();
  AppendJsonString(s, &out_);
}

void JsonWriter::Raw(std::string_view token) {
  Prefix();
  out_.append(token);
}

void JsonWriter::Int(int64_t v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  Raw(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

void JsonWriter::Uint(uint64_t v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  Raw(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

void JsonWriter::Bool(bool v) { Raw(v ? "true" : "false"); }

}  // namespace serval::codec::internal
