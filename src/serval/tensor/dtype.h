// DataType: Serval's element types, numbered exactly as TensorFlow's DT_* enum (types.proto), so a
// proto value converts with a cast. Helpers give names, sizes and the C++ type for each.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace serval {

enum class DataType : int {
  kInvalid = 0,
  kFloat = 1,
  kDouble = 2,
  kInt32 = 3,
  kUInt8 = 4,
  kInt16 = 5,
  kInt8 = 6,
  kString = 7,
  kComplex64 = 8,
  kInt64 = 9,
  kBool = 10,
  kQInt8 = 11,
  kQUInt8 = 12,
  kQInt32 = 13,
  kBFloat16 = 14,
  kQInt16 = 15,
  kQUInt16 = 16,
  kUInt16 = 17,
  kComplex128 = 18,
  kHalf = 19,
  kResource = 20,
  kVariant = 21,
  kUInt32 = 22,
  kUInt64 = 23,
};

// IEEE half and bfloat16 as stored bits; convert with the functions below.
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};
float HalfToFloat(Half h);
Half FloatToHalf(float f);  // round to nearest even, as TF/Eigen do
inline float BFloat16ToFloat(BFloat16 b) {
  uint32_t u = static_cast<uint32_t>(b.bits) << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
BFloat16 FloatToBFloat16(float f);  // round to nearest even

// Base for objects held by DT_RESOURCE tensors (variables, hash tables) and DT_VARIANT tensors
// (tensor lists). Elements of those tensors are shared_ptr<Object>.
class Object {
 public:
  virtual ~Object() = default;
  virtual std::string DebugString() const = 0;
};
using ObjectPtr = std::shared_ptr<Object>;

// "DT_FLOAT" (TF's spelling, used in metadata and errors) and "float".
std::string_view DataTypeName(DataType dt);
std::string_view DataTypeShortName(DataType dt);
// Parses "DT_FLOAT" or "float"; kInvalid if unknown.
DataType DataTypeFromName(std::string_view name);

// Bytes per element for fixed-size types; 0 for string/resource/variant/invalid.
size_t DataTypeSize(DataType dt);
bool IsFixedSize(DataType dt);
bool IsValidDataType(int value);  // a value Serval can hold (not a _REF or quantized type)
bool IsFloatingPoint(DataType dt);
bool IsInteger(DataType dt);

template <typename T>
struct DataTypeOf;
#define SERVAL_DTYPE_MAP_(T, DT) \
  template <>                    \
  struct DataTypeOf<T> {         \
    static constexpr DataType value = DataType::DT; \
  };
SERVAL_DTYPE_MAP_(float, kFloat)
SERVAL_DTYPE_MAP_(double, kDouble)
SERVAL_DTYPE_MAP_(int32_t, kInt32)
SERVAL_DTYPE_MAP_(uint8_t, kUInt8)
SERVAL_DTYPE_MAP_(int16_t, kInt16)
SERVAL_DTYPE_MAP_(int8_t, kInt8)
SERVAL_DTYPE_MAP_(std::string, kString)
SERVAL_DTYPE_MAP_(std::complex<float>, kComplex64)
SERVAL_DTYPE_MAP_(int64_t, kInt64)
SERVAL_DTYPE_MAP_(bool, kBool)
SERVAL_DTYPE_MAP_(BFloat16, kBFloat16)
SERVAL_DTYPE_MAP_(uint16_t, kUInt16)
SERVAL_DTYPE_MAP_(std::complex<double>, kComplex128)
SERVAL_DTYPE_MAP_(Half, kHalf)
SERVAL_DTYPE_MAP_(uint32_t, kUInt32)
SERVAL_DTYPE_MAP_(uint64_t, kUInt64)
#undef SERVAL_DTYPE_MAP_

}  // namespace serval
