// Windowed-op helpers shared by conv_ops.cc and pool_ops.cc: TF's output-size and padding rules
// (GetWindowedOutputSizeVerbose) and the NHWC attr parsing of Conv2D-like ops.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "serval/base/status.h"
#include "serval/base/strings.h"
#include "serval/runtime/kernel.h"
#include "serval/runtime/kernel_registry.h"

namespace serval::kernels::cpu {

enum class Padding { kValid, kSame, kExplicit };

inline Result<Padding> ParsePadding(const std::string& s, const std::string& op, bool allow_explicit) {
  if (s == "VALID") return Padding::kValid;
  if (s == "SAME") return Padding::kSame;
  if (s == "EXPLICIT" && allow_explicit) return Padding::kExplicit;
  return InvalidArgument(StrCat(op, ": unsupported padding '", s, "'"));
}

struct WindowDim {
  int64_t out = 0;
  int64_t pad_before = 0;
  int64_t pad_after = 0;
};

// TF: SAME gives ceil(in/stride) outputs with pad_total = max((out-1)*stride + eff_k - in, 0)
// split as pad_total/2 before (the extra one after); VALID gives (in - eff_k + stride)/stride.
inline Result<WindowDim> ComputeWindow(const std::string& op, int64_t in, int64_t k, int64_t stride, int64_t dilation,
                                       Padding padding, int64_t explicit_before = 0, int64_t explicit_after = 0) {
  const int64_t eff = (k - 1) * dilation + 1;
  WindowDim d;
  switch (padding) {
    case Padding::kValid:
      d.out = (in - eff + stride) / stride;
      if (in - eff + stride < 0) d.out = -1;
      break;
    case Padding::kSame: {
      d.out = (in + stride - 1) / stride;
      const int64_t total = std::max<int64_t>((d.out - 1) * stride + eff - in, 0);
      d.pad_before = total / 2;
      d.pad_after = total - d.pad_before;
      break;
    }
    case Padding::kExplicit:
      d.pad_before = explicit_before;
      d.pad_after = explicit_after;
      d.out = (in + explicit_before + explicit_after - eff + stride) / stride;
      if (in + explicit_before + explicit_after - eff + stride < 0) d.out = -1;
      break;
  }
  if (d.out < 0) {
    return InvalidArgument(StrCat(op, ": computed output size would be negative: input size ", in,
                                  ", effective filter size ", eff, ", stride ", stride));
  }
  return d;
}

struct Conv2DParams {
  int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  Padding padding = Padding::kValid;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
};

inline Result<Conv2DParams> ParseConv2DParams(const runtime::KernelInfo& info, const std::string& op) {
  Conv2DParams p;
  const std::string fmt = info.GetStringOr("data_format", "NHWC");
  if (fmt != "NHWC") {
    return Unimplemented(StrCat(op, ": data_format '", fmt, "' is not supported on CPU (only NHWC)"));
  }
  SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> strides, info.GetIntList("strides"));
  if (strides.size() != 4)
    return InvalidArgument(StrCat(op, ": attr 'strides' must have 4 values, got ", strides.size()));
  if (strides[0] != 1 || strides[3] != 1) {
    return InvalidArgument(StrCat(op, ": attr 'strides' must be 1 in the batch and depth dimensions, got [", strides[0],
                                  ",", strides[1], ",", strides[2], ",", strides[3], "]"));
  }
  if (strides[1] < 1 || strides[2] < 1) return InvalidArgument(StrCat(op, ": attr 'strides' must be positive"));
  std::vector<int64_t> dil = {1, 1, 1, 1};
  if (info.FindAttr("dilations") != nullptr) {
    SERVAL_ASSIGN_OR_RETURN(dil, info.GetIntList("dilations"));
    if (dil.empty()) dil = {1, 1, 1, 1};
  }
  if (dil.size() != 4) return InvalidArgument(StrCat(op, ": attr 'dilations' must have 4 values, got ", dil.size()));
  if (dil[0] != 1 || dil[3] != 1 || dil[1] < 1 || dil[2] < 1) {
    return InvalidArgument(StrCat(op,
                                  ": attr 'dilations' must be 1 in the batch and depth dimensions and positive, got [",
                                  dil[0], ",", dil[1], ",", dil[2], ",", dil[3], "]"));
  }
  SERVAL_ASSIGN_OR_RETURN(std::string pad, info.GetString("padding"));
  SERVAL_ASSIGN_OR_RETURN(p.padding, ParsePadding(pad, op, /*allow_explicit=*/true));
  if (p.padding == Padding::kExplicit) {
    SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> ep, info.GetIntList("explicit_paddings"));
    if (ep.size() != 8) {
      return InvalidArgument(StrCat(op, ": attr 'explicit_paddings' must have 8 values, got ", ep.size()));
    }
    for (int64_t v : ep)
      if (v < 0) return InvalidArgument(StrCat(op, ": attr 'explicit_paddings' must be non-negative"));
    if (ep[0] != 0 || ep[1] != 0 || ep[6] != 0 || ep[7] != 0) {
      return Unimplemented(StrCat(op, ": explicit padding in the batch or depth dimension is not supported"));
    }
    p.pad_top = ep[2];
    p.pad_bottom = ep[3];
    p.pad_left = ep[4];
    p.pad_right = ep[5];
  }
  p.stride_h = strides[1];
  p.stride_w = strides[2];
  p.dilation_h = dil[1];
  p.dilation_w = dil[2];
  return p;
}

// conv_backprop_ops.cc; called by RegisterConvKernels.
void RegisterConvBackpropInputKernel(runtime::KernelRegistry& r);
// space_batch_ops.cc (SpaceToBatchND, BatchToSpaceND, which tf.nn.depthwise_conv2d wraps around a
// dilated depthwise convolution); called by RegisterConvKernels.
void RegisterSpaceBatchKernels(runtime::KernelRegistry& r);

}  // namespace serval::kernels::cpu
