#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {

void RegisterCpuKernels(runtime::KernelRegistry& r) {
  RegisterCoreKernels(r);
  RegisterStateKernels(r);
  RegisterControlFlowKernels(r);
  RegisterBinaryKernels(r);
  RegisterUnaryKernels(r);
  RegisterActivationKernels(r);
  RegisterReductionKernels(r);
  RegisterMathMiscKernels(r);
  RegisterShapeKernels(r);
  RegisterSliceKernels(r);
  RegisterGatherKernels(r);
  RegisterMatMulKernels(r);
  RegisterConvKernels(r);
  RegisterPoolKernels(r);
  RegisterNormKernels(r);
  RegisterImageKernels(r);
  RegisterTensorListKernels(r);
  RegisterTensorArrayKernels(r);
  RegisterLookupKernels(r);
  RegisterExampleKernels(r);
  RegisterStringKernels(r);
  RegisterConv3DKernels(r);
  RegisterPool3DKernels(r);
  RegisterResizeCubicAreaKernels(r);
  RegisterBincountKernels(r);
  RegisterTextKernels(r);
  RegisterRaggedKernels(r);
}

const runtime::KernelRegistry& CpuKernelRegistry() {
  static const runtime::KernelRegistry* registry = [] {
    auto* r = new runtime::KernelRegistry();
    RegisterCpuKernels(*r);
    return r;
  }();
  return *registry;
}

}  // namespace serval::kernels::cpu
