// MatMul and BatchMatMul{,V2,V3}. Float MatMul with a constant right operand (Keras Dense) runs
// on oneDNN with the weights reordered once at load (DenseMatMul: no allocation per call);
// everything else goes through the Eigen / plain-loop batched product in matmul_util.
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/broadcast.h"
#include "serval/kernels/cpu/matmul_util.h"
#include "serval/kernels/cpu/onednn_util.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;

const std::vector<DataType> kMatMulTypes = {DataType::kFloat, DataType::kDouble, DataType::kHalf, DataType::kInt32,
                                            DataType::kInt64};

Status CheckDtype(const std::string& op, const Tensor& t, DataType want, int i) {
  if (t.dtype() == want) return Status::Ok();
  return InvalidArgument(
      StrCat(op, ": input ", i, " has dtype ", DataTypeName(t.dtype()), ", expected ", DataTypeName(want)));
}

class MatMulKernel final : public Kernel {
 public:
  MatMulKernel(DataType dt, bool ta, bool tb, std::unique_ptr<DenseMatMul> packed)
      : dt_(dt), ta_(ta), tb_(tb), packed_(std::move(packed)) {}

  Status Compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    SERVAL_RETURN_IF_ERROR(CheckDtype("MatMul", a, dt_, 0));
    SERVAL_RETURN_IF_ERROR(CheckDtype("MatMul", b, dt_, 1));
    if (a.rank() != 2 || b.rank() != 2) {
      return InvalidArgument(
          StrCat("MatMul: both inputs must be matrices: a is ", a.shape().ToString(), ", b is ", b.shape().ToString()));
    }
    const int64_t m = ta_ ? a.dim(1) : a.dim(0), k = ta_ ? a.dim(0) : a.dim(1);
    const int64_t k2 = tb_ ? b.dim(1) : b.dim(0), n = tb_ ? b.dim(0) : b.dim(1);
    if (k != k2) {
      return InvalidArgument(StrCat("MatMul: inner dimensions differ: a is ", a.shape().ToString(),
                                    ta_ ? " (transposed)" : "", ", b is ", b.shape().ToString(),
                                    tb_ ? " (transposed)" : ""));
    }
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt_, TensorShape{m, n}));
    if (packed_ && packed_->k() == k && packed_->n() == n) {
      return packed_->Run(a.flat<float>().data(), m, out->flat<float>().data());
    }
    BatchMatMulPlan plan;
    plan.m = m;
    plan.k = k;
    plan.n = n;
    plan.transpose_a = ta_;
    plan.transpose_b = tb_;
    if (k == 0) return FillZero(*out);
    return RunBatchMatMul(plan, a, b, *out);
  }

  static Status FillZero(Tensor& t) {
    if (t.num_elements() > 0) std::memset(t.raw_data(), 0, t.byte_size());
    return Status::Ok();
  }

 private:
  DataType dt_;
  bool ta_, tb_;
  std::unique_ptr<DenseMatMul> packed_;
};

Result<std::unique_ptr<Kernel>> MakeMatMul(const KernelInfo& info) {
  SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("T"));
  const bool ta = info.GetBoolOr("transpose_a", false);
  const bool tb = info.GetBoolOr("transpose_b", false);
  std::unique_ptr<DenseMatMul> packed;
  const Tensor* b = info.constant_input(1);
  if (dt == DataType::kFloat && b != nullptr && b->dtype() == DataType::kFloat && b->rank() == 2) {
    const int64_t k = tb ? b->dim(1) : b->dim(0), n = tb ? b->dim(0) : b->dim(1);
    packed = std::make_unique<DenseMatMul>(*b, k, n, ta, tb);
  }
  return std::unique_ptr<Kernel>(std::make_unique<MatMulKernel>(dt, ta, tb, std::move(packed)));
}

// BatchMatMul (same batch dims) and V2/V3 (NumPy broadcasting of the batch dims).
class BatchMatMulKernel final : public Kernel {
 public:
  BatchMatMulKernel(std::string op, DataType dt, bool adj_x, bool adj_y, bool broadcast,
                    std::unique_ptr<DenseMatMul> packed)
      : op_(std::move(op)), dt_(dt), adj_x_(adj_x), adj_y_(adj_y), broadcast_(broadcast), packed_(std::move(packed)) {}

  Status Compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    SERVAL_RETURN_IF_ERROR(CheckDtype(op_, a, dt_, 0));
    SERVAL_RETURN_IF_ERROR(CheckDtype(op_, b, dt_, 1));
    auto shapes = [&] { return StrCat("x is ", a.shape().ToString(), ", y is ", b.shape().ToString()); };
    if (a.rank() < 2 || b.rank() < 2) return InvalidArgument(StrCat(op_, ": inputs must have rank >= 2: ", shapes()));
    const int ra = a.rank(), rb = b.rank();
    const int64_t m = adj_x_ ? a.dim(ra - 1) : a.dim(ra - 2), k = adj_x_ ? a.dim(ra - 2) : a.dim(ra - 1);
    const int64_t k2 = adj_y_ ? b.dim(rb - 1) : b.dim(rb - 2), n = adj_y_ ? b.dim(rb - 2) : b.dim(rb - 1);
    if (k != k2) return InvalidArgument(StrCat(op_, ": inner dimensions differ: ", shapes()));
    TensorShape a_batch(std::vector<int64_t>(a.shape().dims().begin(), a.shape().dims().end() - 2));
    TensorShape b_batch(std::vector<int64_t>(b.shape().dims().begin(), b.shape().dims().end() - 2));
    BatchMatMulPlan plan;
    plan.m = m;
    plan.k = k;
    plan.n = n;
    plan.transpose_a = adj_x_;
    plan.transpose_b = adj_y_;
    TensorShape out_batch;
    if (!broadcast_) {
      if (!(a_batch == b_batch)) return InvalidArgument(StrCat(op_, ": batch dimensions differ: ", shapes()));
      out_batch = a_batch;
    } else {
      auto bp = MakeBroadcastPlan(a_batch, b_batch, op_);
      if (!bp.ok()) return InvalidArgument(StrCat(op_, ": batch dimensions do not broadcast: ", shapes()));
      out_batch = bp->out_shape;
      if (!bp->same_shape) {
        const int64_t nb = out_batch.num_elements();
        plan.a_index.resize(static_cast<size_t>(nb));
        plan.b_index.resize(static_cast<size_t>(nb));
        ForEachBroadcastRun<2>(*bp, [&](int64_t o, std::array<int64_t, 2> off, std::array<int64_t, 2> st, int64_t cnt) {
          for (int64_t j = 0; j < cnt; ++j) {
            plan.a_index[static_cast<size_t>(o + j)] = off[0] + j * st[0];
            plan.b_index[static_cast<size_t>(o + j)] = off[1] + j * st[1];
          }
        });
      }
    }
    plan.batch = out_batch.num_elements();
    TensorShape out_shape = out_batch;
    out_shape.AddDim(m);
    out_shape.AddDim(n);
    SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt_, out_shape));
    if (out->num_elements() == 0) return Status::Ok();
    if (k == 0) return MatMulKernel::FillZero(*out);
    // x [..., M, K] times one shared matrix: a single [batch*M, K] product (the Dense-on-3D case).
    const bool b_shared = b_batch.num_elements() == 1 && a_batch.num_elements() == plan.batch;
    if (b_shared && !adj_x_) {
      if (packed_ && packed_->k() == k && packed_->n() == n) {
        return packed_->Run(a.flat<float>().data(), plan.batch * m, out->flat<float>().data());
      }
      plan.m = plan.batch * m;
      plan.batch = 1;
      plan.a_index.clear();
      plan.b_index.clear();
    }
    return RunBatchMatMul(plan, a, b, *out);
  }

 private:
  std::string op_;
  DataType dt_;
  bool adj_x_, adj_y_, broadcast_;
  std::unique_ptr<DenseMatMul> packed_;
};

runtime::KernelFactory BatchMatMulFactory(std::string op, bool broadcast, bool v3) {
  return [op, broadcast, v3](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    DataType dt;
    if (v3) {
      SERVAL_ASSIGN_OR_RETURN(DataType ta, info.GetType("Ta"));
      SERVAL_ASSIGN_OR_RETURN(DataType tb, info.GetType("Tb"));
      SERVAL_ASSIGN_OR_RETURN(DataType tout, info.GetType("Tout"));
      if (ta != tb || ta != tout || !IsMatMulDtype(ta)) {
        return Unimplemented(
            StrCat(op, ": only Ta == Tb == Tout in {float, double, half, int32, int64} is supported, got Ta=",
                   DataTypeName(ta), " Tb=", DataTypeName(tb), " Tout=", DataTypeName(tout)));
      }
      dt = ta;
    } else {
      SERVAL_ASSIGN_OR_RETURN(dt, info.GetType("T"));
    }
    const bool adj_x = info.GetBoolOr("adj_x", false);
    const bool adj_y = info.GetBoolOr("adj_y", false);
    std::unique_ptr<DenseMatMul> packed;
    const Tensor* b = info.constant_input(1);
    if (dt == DataType::kFloat && broadcast && b != nullptr && b->dtype() == DataType::kFloat && b->rank() >= 2 &&
        b->num_elements() == b->dim(b->rank() - 1) * b->dim(b->rank() - 2) && b->num_elements() > 0) {
      const int r = b->rank();
      const int64_t k = adj_y ? b->dim(r - 1) : b->dim(r - 2), n = adj_y ? b->dim(r - 2) : b->dim(r - 1);
      SERVAL_ASSIGN_OR_RETURN(Tensor b2, b->Reshaped(TensorShape{b->dim(r - 2), b->dim(r - 1)}));
      packed = std::make_unique<DenseMatMul>(b2, k, n, false, adj_y);
    }
    return std::unique_ptr<Kernel>(
        std::make_unique<BatchMatMulKernel>(op, dt, adj_x, adj_y, broadcast, std::move(packed)));
  };
}

}  // namespace

void RegisterMatMulKernels(runtime::KernelRegistry& r) {
  r.Register("MatMul", "T", kMatMulTypes, MakeMatMul);
  r.Register("BatchMatMul", "T", kMatMulTypes, BatchMatMulFactory("BatchMatMul", false, false));
  r.Register("BatchMatMulV2", "T", kMatMulTypes, BatchMatMulFactory("BatchMatMulV2", true, false));
  r.Register("BatchMatMulV3", "Ta", kMatMulTypes, BatchMatMulFactory("BatchMatMulV3", true, true));
  RegisterEinsumKernel(r);
}

}  // namespace serval::kernels::cpu
