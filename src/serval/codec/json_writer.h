// Internal JSON writing for the codec layer: string escaping, TF Serving's float formatting (§1.7)
// and a writer with RapidJSON PrettyWriter's layout (4-space indent, kFormatSingleLineArray).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace serval::codec::internal {

// Appends `s` as a quoted JSON string. Escapes like RapidJSON's Writer: \" \\ \b \f \n \r \t and
// \u00XX for other control bytes; everything else (including non-ASCII bytes) is copied.
void AppendJsonString(std::string_view s, std::string* out);

// §1.7 WriteDecimal: 6 significant digits when that round-trips, else max_digits10; ".0" appended
// when there is neither '.' nor 'e'; NaN / Infinity / -Infinity tokens.
std::string FormatFloat(float v);
std::string FormatDouble(double v);

class JsonWriter {
 public:
  void StartObject();
  void EndObject();
  void StartArray();
  // newline_before_close: TF Serving closes its top-level "predictions"/"outputs" array on a new
  // line ("[2.5, 3.0\n    ]"); every other array is single-line.
  void EndArray(bool newline_before_close = false);
  void Key(std::string_view key);
  void String(std::string_view s);
  void Raw(std::string_view token);  // a number or literal written as is
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Bool(bool v);

  std::string Take() { return std::move(out_); }

 private:
  struct Level {
    bool in_array;
    int64_t count;
  };
  void Prefix();
  void Indent();

  std::string out_;
  std::vector<Level> stack_;
};

}  // namespace serval::codec::internal
