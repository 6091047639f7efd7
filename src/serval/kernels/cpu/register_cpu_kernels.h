// THE list of CPU kernels: RegisterCpuKernels calls one function per op family, each defined in
// the file named beside it. Adding a kernel touches its family file only.
#pragma once

#include "serval/runtime/kernel_registry.h"

namespace serval::kernels::cpu {

void RegisterCoreKernels(runtime::KernelRegistry& r);         // core_ops.cc: Const, Identity, NoOp, ...
void RegisterStateKernels(runtime::KernelRegistry& r);        // state_ops.cc: variables, RestoreV2
void RegisterControlFlowKernels(runtime::KernelRegistry& r);  // control_flow_ops.cc: While, If, calls
void RegisterBinaryKernels(runtime::KernelRegistry& r);       // binary_ops.cc: broadcasting arithmetic
void RegisterUnaryKernels(runtime::KernelRegistry& r);        // unary_ops.cc
void RegisterActivationKernels(runtime::KernelRegistry& r);   // activation_ops.cc: Relu..., Softmax
void RegisterReductionKernels(runtime::KernelRegistry& r);    // reduction_ops.cc: Sum, Mean, ArgMax, ...
void RegisterMathMiscKernels(runtime::KernelRegistry& r);     // math_misc_ops.cc: Cast, Select, BiasAdd, ...
void RegisterShapeKernels(runtime::KernelRegistry& r);        // shape_ops.cc: Shape, Reshape, Fill, ...
void RegisterSliceKernels(runtime::KernelRegistry& r);        // slice_ops.cc: Slice, StridedSlice, Concat, ...
void RegisterGatherKernels(runtime::KernelRegistry& r);       // gather_ops.cc: GatherV2, OneHot, TopKV2, ...
void RegisterMatMulKernels(runtime::KernelRegistry& r);       // matmul_ops.cc: MatMul, BatchMatMul, Einsum
void RegisterConvKernels(runtime::KernelRegistry& r);         // conv_ops.cc: Conv2D, DepthwiseConv2dNative
void RegisterPoolKernels(runtime::KernelRegistry& r);         // pool_ops.cc: MaxPool, AvgPool
void RegisterNormKernels(runtime::KernelRegistry& r);         // norm_ops.cc: FusedBatchNorm*
void RegisterImageKernels(runtime::KernelRegistry& r);        // image_ops.cc: Resize*
void RegisterTensorListKernels(runtime::KernelRegistry& r);   // list_ops.cc: TensorList*
void RegisterTensorArrayKernels(runtime::KernelRegistry& r);  // tensor_array_ops.cc: TensorArrayV3 family
void RegisterLookupKernels(runtime::KernelRegistry& r);       // lookup_ops.cc: hash tables
void RegisterExampleKernels(runtime::KernelRegistry& r);      // example_ops.cc: ParseExample(V2)
void RegisterStringKernels(runtime::KernelRegistry& r);       // string_ops.cc: ReadFile, StringJoin, ...
void RegisterConv3DKernels(runtime::KernelRegistry& r);       // conv3d_ops.cc: Conv3D, Conv3DBackpropInputV2
void RegisterPool3DKernels(runtime::KernelRegistry& r);       // pool3d_ops.cc: MaxPool3D, AvgPool3D
void RegisterResizeCubicAreaKernels(runtime::KernelRegistry& r);  // resize_cubic_area_ops.cc: ResizeBicubic, ResizeArea
void RegisterBincountKernels(runtime::KernelRegistry& r);     // bincount_ops.cc: Bincount, DenseBincount, ...
void RegisterTextKernels(runtime::KernelRegistry& r);         // text_ops.cc: StringSplitV2, StringNGrams, ...
void RegisterRaggedKernels(runtime::KernelRegistry& r);       // ragged_ops.cc: RaggedTensorToTensor, SparseToDense

// All of the above, into r.
void RegisterCpuKernels(runtime::KernelRegistry& r);
// A process-wide registry filled once (thread-safe initialisation), read-only afterwards.
const runtime::KernelRegistry& CpuKernelRegistry();

}  // namespace serval::kernels::cpu
