#include "serval/tensor/dtype.h"

#include <cmath>
#include <cstring>

namespace serval {

float HalfToFloat(Half h) {
  uint32_t sign = (h.bits & 0x8000u) << 16;
  uint32_t exp = (h.bits >> 10) & 0x1f;
  uint32_t mant = h.bits & 0x3ff;
  uint32_t u;
  if (exp == 0) {
    if (mant == 0) {
      u = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400) == 0);
      u = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 0x1f) {
    u = sign | 0x7f800000u | (mant << 13);
  } else {
    u = sign | (exp + 112) << 23 | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

Half FloatToHalf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  uint32_t sign = (u >> 16) & 0x8000u;
  uint32_t abs = u & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // inf or nan
    return Half{static_cast<uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0))};
  }
  if (abs >= 0x477ff000u) return Half{static_cast<uint16_t>(sign | 0x7c00u)};  // overflow → inf
  if (abs < 0x38800000u) {  // result is subnormal or zero
    float af;
    std::memcpy(&af, &abs, 4);
    // Scale so that the subnormal unit becomes 1, then round to nearest even.
    float scaled = af * 16777216.0f;  // 2^24
    uint32_t m = static_cast<uint32_t>(std::nearbyint(scaled));
    return Half{static_cast<uint16_t>(sign | m)};
  }
  uint32_t mant = abs & 0x7fffffu;
  uint32_t exp = (abs >> 23) - 112;
  uint32_t h = (exp << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) ++h;
  return Half{static_cast<uint16_t>(sign | h)};
}

BFloat16 FloatToBFloat16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if (std::isnan(f)) return BFloat16{static_cast<uint16_t>((u >> 16) | 0x40)};
  uint32_t rounding = 0x7fff + ((u >> 16) & 1);
  return BFloat16{static_cast<uint16_t>((u + rounding) >> 16)};
}

namespace {
struct TypeInfo {
  DataType dt;
  const char* name;
  const char* short_name;
  size_t size;
};
constexpr TypeInfo kTypes[] = {
    {DataType::kFloat, "DT_FLOAT", "float", 4},
    {DataType::kDouble, "DT_DOUBLE", "double", 8},
    {DataType::kInt32, "DT_INT32", "int32", 4},
    {DataType::kUInt8, "DT_UINT8", "uint8", 1},
    {DataType::kInt16, "DT_INT16", "int16", 2},
    {DataType::kInt8, "DT_INT8", "int8", 1},
    {DataType::kString, "DT_STRING", "string", 0},
    {DataType::kComplex64, "DT_COMPLEX64", "complex64", 8},
    {DataType::kInt64, "DT_INT64", "int64", 8},
    {DataType::kBool, "DT_BOOL", "bool", 1},
    {DataType::kQInt8, "DT_QINT8", "qint8", 1},
    {DataType::kQUInt8, "DT_QUINT8", "quint8", 1},
    {DataType::kQInt32, "DT_QINT32", "qint32", 4},
    {DataType::kBFloat16, "DT_BFLOAT16", "bfloat16", 2},
    {DataType::kQInt16, "DT_QINT16", "qint16", 2},
    {DataType::kQUInt16, "DT_QUINT16", "quint16", 2},
    {DataType::kUInt16, "DT_UINT16", "uint16", 2},
    {DataType::kComplex128, "DT_COMPLEX128", "complex128", 16},
    {DataType::kHalf, "DT_HALF", "half", 2},
    {DataType::kResource, "DT_RESOURCE", "resource", 0},
    {DataType::kVariant, "DT_VARIANT", "variant", 0},
    {DataType::kUInt32, "DT_UINT32", "uint32", 4},
    {DataType::kUInt64, "DT_UINT64", "uint64", 8},
};
const TypeInfo* Find(DataType dt) {
  for (const auto& t : kTypes)
    if (t.dt == dt) return &t;
  return nullptr;
}
}  // namespace

std::string_view DataTypeName(DataType dt) {
  const TypeInfo* t = Find(dt);
  return t ? t->name : "DT_INVALID";
}
std::string_view DataTypeShortName(DataType dt) {
  const TypeInfo* t = Find(dt);
  return t ? t->short_name : "invalid";
}
DataType DataTypeFromName(std::string_view name) {
  for (const auto& t : kTypes)
    if (name == t.name || name == t.short_name) return t.dt;
  return DataType::kInvalid;
}
size_t DataTypeSize(DataType dt) {
  const TypeInfo* t = Find(dt);
  return t ? t->size : 0;
}
bool IsFixedSize(DataType dt) { return DataTypeSize(dt) != 0; }
bool IsValidDataType(int value) { return value >= 1 && value <= 23; }
bool IsFloatingPoint(DataType dt) {
  return dt == DataType::kFloat || dt == DataType::kDouble || dt == DataType::kHalf || dt == DataType::kBFloat16;
}
bool IsInteger(DataType dt) {
  switch (dt) {
    case DataType::kInt8: case DataType::kInt16: case DataType::kInt32: case DataType::kInt64:
    case DataType::kUInt8: case DataType::kUInt16: case DataType::kUInt32: case DataType::kUInt64:
      return true;
    default:
      return false;
  }
}

}  // namespace serval
