// KernelRegistry: op type -> factory, with the dtypes each kernel supports. Registration is
// explicit (kernels/cpu/register_cpu_kernels.cc calls one function per op family); there are no
// static initialisers. Filled once at start-up, read-only afterwards: safe to share.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "serval/runtime/kernel.h"

namespace serval::runtime {

struct KernelDef {
  std::string op;
  // Name of the type attr that selects the implementation ("T", "dtype"), and the dtypes the
  // kernel handles. Empty type_attr: the kernel accepts any dtype its factory does.
  std::string type_attr;
  std::vector<DataType> dtypes;
  KernelFactory factory;
};

class KernelRegistry {
 public:
  // Registering an op twice is a programming error reported by Duplicates() (tested).
  void Register(std::string op, std::string type_attr, std::vector<DataType> dtypes, KernelFactory factory);
  void Register(std::string op, KernelFactory factory) { Register(std::move(op), "", {}, std::move(factory)); }

  const KernelDef* Find(const std::string& op) const;
  // Creates the kernel for a node: Unimplemented "no kernel for op 'X'" / "... for T=DT_INT8
  // (supported: DT_FLOAT, ...)" when missing.
  Result<std::unique_ptr<Kernel>> Create(const KernelInfo& info) const;
  std::vector<std::string> Ops() const;
  const std::vector<std::string>& Duplicates() const { return duplicates_; }

 private:
  std::map<std::string, KernelDef> defs_;
  std::vector<std::string> duplicates_;
};

}  // namespace serval::runtime
