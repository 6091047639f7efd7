// :predict response and error bodies (serving-spec §1.6–§1.8).
#include "serval/base/strings.h"
#include "serval/codec/json_util.h"
#include "serval/codec/json_writer.h"
#include "serval/codec/tfs_json.h"

namespace serval::codec {

using internal::JsonWriter;

namespace {

Status CheckWritable(const std::string& name, const Tensor& t) {
  switch (t.dtype()) {
    case DataType::kFloat: case DataType::kDouble: case DataType::kHalf: case DataType::kBFloat16:
    case DataType::kInt8: case DataType::kInt16: case DataType::kInt32: case DataType::kInt64:
    case DataType::kUInt8: case DataType::kUInt16: case DataType::kUInt32: case DataType::kUInt64:
    case DataType::kBool: case DataType::kString:
      return Status::Ok();
    default:
      return InvalidArgument(StrCat("Failed to write JSON value for tensor type: ", DataTypeShortName(t.dtype()),
                                    " (output: ", name, ")"));
  }
}

void WriteString(std::string_view s, bool as_bytes, JsonWriter* w) {
  // TF Serving writes "_bytes" outputs as base64; Serval also base64s strings that are not UTF-8
  // (RapidJSON would emit them raw, producing invalid JSON).
  if (as_bytes || !internal::IsValidUtf8(s)) {
    w->StartObject();
    w->Key("b64");
    w->String(internal::Base64Encode(s));
    w->EndObject();
  } else {
    w->String(s);
  }
}

void WriteElement(const Tensor& t, int64_t i, bool as_bytes, JsonWriter* w) {
  switch (t.dtype()) {
    case DataType::kFloat: w->Raw(internal::FormatFloat(t.flat<float>()[i])); break;
    case DataType::kDouble: w->Raw(internal::FormatDouble(t.flat<double>()[i])); break;
    case DataType::kHalf: w->Raw(internal::FormatFloat(HalfToFloat(t.flat<Half>()[i]))); break;
    case DataType::kBFloat16: w->Raw(internal::FormatFloat(BFloat16ToFloat(t.flat<BFloat16>()[i]))); break;
    case DataType::kInt8: w->Int(t.flat<int8_t>()[i]); break;
    case DataType::kInt16: w->Int(t.flat<int16_t>()[i]); break;
    case DataType::kInt32: w->Int(t.flat<int32_t>()[i]); break;
    case DataType::kInt64: w->Int(t.flat<int64_t>()[i]); break;
    case DataType::kUInt8: w->Uint(t.flat<uint8_t>()[i]); break;
    case DataType::kUInt16: w->Uint(t.flat<uint16_t>()[i]); break;
    case DataType::kUInt32: w->Uint(t.flat<uint32_t>()[i]); break;
    case DataType::kUInt64: w->Uint(t.flat<uint64_t>()[i]); break;
    case DataType::kBool: w->Bool(t.flat<bool>()[i]); break;
    case DataType::kString: WriteString(t.flat<std::string>()[i], as_bytes, w); break;
    default: break;  // rejected by CheckWritable
  }
}

// Writes the sub-tensor at dims [level..) starting at flat element *offset, as nested lists.
void WriteNested(const Tensor& t, int level, int64_t* offset, bool as_bytes, JsonWriter* w) {
  if (level == t.rank()) {
    WriteElement(t, (*offset)++, as_bytes, w);
    return;
  }
  w->StartArray();
  for (int64_t i = 0; i < t.dim(level); ++i) WriteNested(t, level + 1, offset, as_bytes, w);
  w->EndArray();
}

int64_t RowSize(const Tensor& t) {
  int64_t n = 1;
  for (int i = 1; i < t.rank(); ++i) n *= t.dim(i);
  return n;
}

}  // namespace

Result<std::string> WritePredictResponse(const std::map<std::string, Tensor>& outputs, bool row_format) {
  if (outputs.empty()) return InvalidArgument("Cannot convert empty tensor map to JSON");
  for (const auto& [name, t] : outputs) SERVAL_RETURN_IF_ERROR(CheckWritable(name, t));
  JsonWriter w;
  w.StartObject();
  if (row_format) {
    int64_t batch = -1;
    for (const auto& [name, t] : outputs) {
      if (t.rank() < 1) return InvalidArgument(StrCat("Tensor name: ", name, " has no shape information "));
      if (batch >= 0 && t.dim(0) != batch) {
        return InvalidArgument(StrCat("Tensor name: ", name, " has inconsistent batch size: ", t.dim(0),
                                      " expecting: ", batch));
      }
      batch = t.dim(0);
    }
    w.Key("predictions");
    w.StartArray();
    std::vector<int64_t> offsets(outputs.size(), 0);
    for (int64_t row = 0; row < batch; ++row) {
      if (outputs.size() == 1) {
        const auto& [name, t] = *outputs.begin();
        WriteNested(t, 1, &offsets[0], EndsWith(name, "_bytes"), &w);
        continue;
      }
      w.StartObject();
      for (const auto& [name, t] : outputs) {
        w.Key(name);
        int64_t off = row * RowSize(t);
        WriteNested(t, 1, &off, EndsWith(name, "_bytes"), &w);
      }
      w.EndObject();
    }
    w.EndArray(/*newline_before_close=*/true);
  } else {
    w.Key("outputs");
    if (outputs.size() == 1) {
      const auto& [name, t] = *outputs.begin();
      int64_t off = 0;
      if (t.rank() == 0) {
        WriteNested(t, 0, &off, EndsWith(name, "_bytes"), &w);
      } else {
        w.StartArray();
        for (int64_t i = 0; i < t.dim(0); ++i) WriteNested(t, 1, &off, EndsWith(name, "_bytes"), &w);
        w.EndArray(/*newline_before_close=*/true);
      }
    } else {
      w.StartObject();
      for (const auto& [name, t] : outputs) {
        w.Key(name);
        int64_t off = 0;
        WriteNested(t, 0, &off, EndsWith(name, "_bytes"), &w);
      }
      w.EndObject();
    }
  }
  w.EndObject();
  return w.Take();
}

std::string WriteErrorBody(const Status& status) {
  if (status.ok()) return "";
  JsonWriter w;
  w.StartObject();
  w.Key("error");
  if (internal::IsValidUtf8(status.message())) {
    w.String(status.message());
  } else {
    std::string clean = status.message();
    for (char& c : clean)
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    w.String(clean);
  }
  w.EndObject();
  return w.Take();
}

}  // namespace serval::codec
