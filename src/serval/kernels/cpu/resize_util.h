// What every image-resize kernel (ResizeBilinear/NearestNeighbor in image_ops.cc, ResizeBicubic/
// Area in resize_cubic_area_ops.cc) shares: TF's argument checks and their messages, the scale
// rule, the dtypes TF registers on CPU, and the switch from a DataType to the element type.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "serval/base/status.h"
#include "serval/base/strings.h"
#include "serval/tensor/tensor.h"

namespace serval::kernels::cpu::resize {

struct Shape {
  int64_t n, in_h, in_w, c, out_h, out_w;
};

// images [batch, height, width, channels] and size int32[2] (new height, width), both positive.
inline Result<Shape> CheckArgs(const std::string& op, const Tensor& images, const Tensor& size) {
  if (images.rank() != 4) {
    return InvalidArgument(
        StrCat(op, ": images must be 4-D [batch, height, width, channels], got ", images.shape().ToString()));
  }
  if (size.dtype() != DataType::kInt32 || size.rank() != 1 || size.dim(0) != 2) {
    return InvalidArgument(StrCat(op, ": size must be a 1-D int32 tensor of 2 elements, got ",
                                  DataTypeName(size.dtype()), size.shape().ToString()));
  }
  const int64_t oh = size.flat<int32_t>()[0], ow = size.flat<int32_t>()[1];
  if (oh <= 0 || ow <= 0) {
    return InvalidArgument(StrCat(op, ": output dimensions must be positive, got [", oh, ",", ow, "]"));
  }
  if (images.dim(1) <= 0 || images.dim(2) <= 0) {
    return InvalidArgument(StrCat(op, ": input image must be of non-zero size, got ", images.shape().ToString()));
  }
  return Shape{images.dim(0), images.dim(1), images.dim(2), images.dim(3), oh, ow};
}

// TF's CalculateResizeScale.
inline float Scale(int64_t in, int64_t out, bool align_corners) {
  return (align_corners && out > 1) ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                    : static_cast<float>(in) / static_cast<float>(out);
}

template <typename T>
float ToFloat(T v) {
  if constexpr (std::is_same_v<T, Half>) {
    return HalfToFloat(v);
  } else {
    return static_cast<float>(v);
  }
}

inline const std::vector<DataType>& InputTypes() {
  static const std::vector<DataType> types = {DataType::kFloat, DataType::kDouble, DataType::kHalf,
                                              DataType::kInt32, DataType::kInt64,  DataType::kInt8,
                                              DataType::kUInt8, DataType::kInt16,  DataType::kUInt16};
  return types;
}

// Calls fn(T{}) for the element type of `dt` (one of InputTypes()); Unimplemented otherwise.
template <typename Fn>
Status VisitInputType(DataType dt, const std::string& op, Fn&& fn) {
  switch (dt) {
    case DataType::kFloat: fn(float{}); break;
    case DataType::kDouble: fn(double{}); break;
    case DataType::kHalf: fn(Half{}); break;
    case DataType::kInt32: fn(int32_t{}); break;
    case DataType::kInt64: fn(int64_t{}); break;
    case DataType::kInt8: fn(int8_t{}); break;
    case DataType::kUInt8: fn(uint8_t{}); break;
    case DataType::kInt16: fn(int16_t{}); break;
    case DataType::kUInt16: fn(uint16_t{}); break;
    default: return Unimplemented(StrCat(op, ": dtype ", DataTypeName(dt)));
  }
  return Status::Ok();
}

}  // namespace serval::kernels::cpu::resize
