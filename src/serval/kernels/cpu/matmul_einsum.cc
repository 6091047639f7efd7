// Einsum with two operands, reduced to one batched matrix product: each operand is transposed to
// [batch..., free..., contract...] / [batch..., contract..., free...], multiplied, and the
// [batch..., free_a..., free_b...] result transposed to the output order. The label analysis is
// done once at load. When the right operand is constant and has no batch labels (EinsumDense) it is
// transposed and pre-packed for oneDNN at load. Not supported (Unimplemented): ellipsis, one or
// three+ operands, a label repeated within one operand, a label summed out of a single operand.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/matmul_util.h"
#include "serval/kernels/cpu/onednn_util.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

struct EinsumSpec {
  std::string a, b, out;  // label strings of the (possibly swapped) operands
  bool swapped = false;   // a is the node's input 1
  std::string batch, free_a, free_b, contract;
  std::vector<int> perm_a, perm_b, perm_out;
};

std::vector<int> PermFor(const std::string& term, const std::string& order) {
  std::vector<int> perm;
  for (char c : order) perm.push_back(static_cast<int>(term.find(c)));
  return perm;
}

Result<EinsumSpec> ParseEinsum(const std::string& eq, bool b_constant) {
  auto fail = [&](const std::string& why) { return Unimplemented(StrCat("Einsum: equation '", eq, "': ", why)); };
  std::string e;
  for (char c : eq)
    if (c != ' ') e += c;
  if (e.find('.') != std::string::npos) return fail("ellipsis (...) is not supported");
  const size_t arrow = e.find("->");
  std::string lhs = arrow == std::string::npos ? e : e.substr(0, arrow);
  const size_t comma = lhs.find(',');
  if (comma == std::string::npos || lhs.find(',', comma + 1) != std::string::npos) {
    return fail("only two-operand equations are supported");
  }
  EinsumSpec s;
  s.a = lhs.substr(0, comma);
  s.b = lhs.substr(comma + 1);
  if (arrow != std::string::npos) {
    s.out = e.substr(arrow + 2);
  } else {  // implicit output: labels that appear once, alphabetically
    std::string all = s.a + s.b;
    std::string labels = all;
    std::sort(labels.begin(), labels.end());
    labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
    for (char c : labels)
      if (std::count(all.begin(), all.end(), c) == 1) s.out += c;
  }
  for (const std::string* t : {&s.a, &s.b, &s.out}) {
    for (size_t i = 0; i < t->size(); ++i) {
      const char c = (*t)[i];
      if (!std::isalpha(static_cast<unsigned char>(c))) {
        return InvalidArgument(StrCat("Einsum: equation '", eq, "': invalid label '", std::string(1, c), "'"));
      }
      if (t->find(c, i + 1) != std::string::npos) return fail(StrCat("repeated label '", std::string(1, c), "'"));
    }
  }
  for (char c : s.out) {
    if (s.a.find(c) == std::string::npos && s.b.find(c) == std::string::npos) {
      return InvalidArgument(
          StrCat("Einsum: equation '", eq, "': output label '", std::string(1, c), "' does not appear in any input"));
    }
  }
  auto in = [](const std::string& t, char c) { return t.find(c) != std::string::npos; };
  for (char c : s.a + s.b) {
    if (in(s.a, c) != in(s.b, c) && !in(s.out, c)) {
      return fail(StrCat("label '", std::string(1, c), "' is summed out of a single operand"));
    }
  }
  for (char c : s.out) {
    if (in(s.a, c) && in(s.b, c))
      s.batch += c;
    else if (in(s.a, c))
      s.free_a += c;
    else
      s.free_b += c;
  }
  // Result comes out as [batch, free_a, free_b]; swapping the operands avoids a final transpose
  // when the output wants [batch, free_b, free_a] (attention's scores equation).
  if (s.batch + s.free_a + s.free_b != s.out && s.batch + s.free_b + s.free_a == s.out) {
    std::swap(s.a, s.b);
    std::swap(s.free_a, s.free_b);
    s.swapped = true;
  }
  // Contracted labels in the order of the operand that is constant (transposed once at load).
  const std::string& order_src = b_constant && !s.swapped ? s.b : s.a;
  for (char c : order_src)
    if (in(s.a, c) && in(s.b, c) && !in(s.out, c)) s.contract += c;
  s.perm_a = PermFor(s.a, s.batch + s.free_a + s.contract);
  s.perm_b = PermFor(s.b, s.batch + s.contract + s.free_b);
  s.perm_out = PermFor(s.batch + s.free_a + s.free_b, s.out);
  return s;
}

int64_t Prod(const Tensor& t, const std::vector<int>& perm, size_t from, size_t count) {
  int64_t p = 1;
  for (size_t i = from; i < from + count; ++i) p *= t.dim(perm[i]);
  return p;
}

class EinsumKernel final : public Kernel {
 public:
  EinsumKernel(std::string eq, DataType dt, EinsumSpec spec, std::unique_ptr<onednn::PackedMatMul> packed)
      : eq_(std::move(eq)), dt_(dt), s_(std::move(spec)), packed_(std::move(packed)) {}

  Status Compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(s_.swapped ? 1 : 0);
    const Tensor& b = ctx.input(s_.swapped ? 0 : 1);
    for (int i = 0; i < 2; ++i) {
      if (ctx.input(i).dtype() != dt_) {
        return InvalidArgument(StrCat("Einsum: input ", i, " has dtype ", DataTypeName(ctx.input(i).dtype()),
                                      ", expected ", DataTypeName(dt_)));
      }
    }
    auto shapes = [&] {
      return StrCat(" for equation '", eq_, "': inputs are ", ctx.input(0).shape().ToString(), " and ",
                    ctx.input(1).shape().ToString());
    };
    if (a.rank() != static_cast<int>(s_.a.size()) || b.rank() != static_cast<int>(s_.b.size())) {
      return InvalidArgument(StrCat("Einsum: input rank does not match its labels", shapes()));
    }
    std::vector<int64_t> size(128, -1);
    for (auto [t, labels] : {std::pair{&a, &s_.a}, std::pair{&b, &s_.b}}) {
      for (size_t i = 0; i < labels->size(); ++i) {
        int64_t& sz = size[static_cast<unsigned char>((*labels)[i])];
        const int64_t d = t->dim(static_cast<int>(i));
        if (sz >= 0 && sz != d) {
          return InvalidArgument(
              StrCat("Einsum: label '", std::string(1, (*labels)[i]), "' has sizes ", sz, " and ", d, shapes()));
        }
        sz = d;
      }
    }
    const size_t nb = s_.batch.size(), nfa = s_.free_a.size(), nc = s_.contract.size();
    BatchMatMulPlan plan;
    plan.batch = Prod(a, s_.perm_a, 0, nb);
    plan.m = Prod(a, s_.perm_a, nb, nfa);
    plan.k = Prod(a, s_.perm_a, nb + nfa, nc);
    plan.n = Prod(b, s_.perm_b, nb + nc, s_.free_b.size());
    std::vector<int64_t> natural;
    for (char c : s_.batch + s_.free_a + s_.free_b) natural.push_back(size[static_cast<unsigned char>(c)]);
    Tensor result(dt_, TensorShape(natural));
    if (result.num_elements() > 0) {
      Tensor at = TransposeTensor(a, s_.perm_a);
      if (plan.k == 0) {
        std::memset(result.raw_data(), 0, result.byte_size());
      } else if (packed_) {
        SERVAL_RETURN_IF_ERROR(packed_->Run(at.flat<float>().data(), plan.m, result.flat<float>().data()));
      } else {
        Tensor bt = TransposeTensor(b, s_.perm_b);
        SERVAL_RETURN_IF_ERROR(RunBatchMatMul(plan, at, bt, result));
      }
    }
    ctx.set_output(0, TransposeTensor(result, s_.perm_out));
    return Status::Ok();
  }

 private:
  std::string eq_;
  DataType dt_;
  EinsumSpec s_;
  std::unique_ptr<onednn::PackedMatMul> packed_;
};

Result<std::unique_ptr<Kernel>> MakeEinsum(const KernelInfo& info) {
  SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
  SERVAL_ASSIGN_OR_RETURN(std::string eq, info.GetString("equation"));
  if (info.num_inputs() != 2) {
    return Unimplemented(
        StrCat("Einsum: only two-operand equations are supported, got ", info.num_inputs(), " inputs for '", eq, "'"));
  }
  const bool b_constant = info.constant_input(1) != nullptr;
  SERVAL_ASSIGN_OR_RETURN(EinsumSpec spec, ParseEinsum(eq, b_constant));
  std::unique_ptr<onednn::PackedMatMul> packed;
  const Tensor* b = info.constant_input(spec.swapped ? 0 : 1);
  if (dt == DataType::kFloat && b != nullptr && b->dtype() == DataType::kFloat && spec.batch.empty() &&
      b->rank() == static_cast<int>(spec.b.size()) && b->num_elements() > 0) {
    Tensor bt = TransposeTensor(*b, spec.perm_b);
    const int64_t k = Prod(*b, spec.perm_b, 0, spec.contract.size());
    const int64_t n = b->num_elements() / k;
    SERVAL_ASSIGN_OR_RETURN(Tensor b2, bt.Reshaped(TensorShape{k, n}));
    packed = std::make_unique<onednn::PackedMatMul>(b2, k, n, false, false);
  }
  return std::unique_ptr<Kernel>(std::make_unique<EinsumKernel>(eq, dt, std::move(spec), std::move(packed)));
}

}  // namespace

void RegisterEinsumKernel(runtime::KernelRegistry& r) {
  r.Register("Einsum", "T", {DataType::kFloat, DataType::kDouble, DataType::kHalf, DataType::kInt32, DataType::kInt64},
             MakeEinsum);
}

}  // namespace serval::kernels::cpu
