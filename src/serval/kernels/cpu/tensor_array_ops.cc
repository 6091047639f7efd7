// The TF1 TensorArrayV3 family (dynamic_rnn, tf.while_loop over TensorArrays). A TensorArray is a
// per-call object behind a DT_RESOURCE handle: TensorArrayV3 is stateful (never folded) and makes a
// fresh array every time it runs, so concurrent Runs never share one. Reads and writes go through
// the handle under the array's lock; the float "flow" values only order them in the graph (TF1
// graphs thread the flow through the loop), so the kernels pass it through unchanged.
#include <cstring>
#include <mutex>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {

using runtime::KernelContext;
using runtime::KernelInfo;
using runtime::MakeFnKernel;

namespace {

class TensorArray final : public Object {
 public:
  TensorArray(DataType dtype, std::vector<int64_t> element_shape, bool shape_known, bool dynamic_size, int64_t size)
      : dtype_(dtype), element_shape_(std::move(element_shape)), shape_known_(shape_known),
        dynamic_size_(dynamic_size), elems_(static_cast<size_t>(size)) {}
  std::string DebugString() const override { return StrCat("TensorArray<", DataTypeName(dtype_), ">"); }

  DataType dtype() const { return dtype_; }
  std::mutex& mu() const { return mu_; }
  // Under mu():
  std::vector<Tensor>& elems() { return elems_; }
  Status CheckIndex(int64_t i, bool writing) {
    if (i < 0) return InvalidArgument(StrCat("TensorArray index ", i, " is negative"));
    if (i >= static_cast<int64_t>(elems_.size())) {
      if (!writing || !dynamic_size_) {
        return InvalidArgument(StrCat("TensorArray index ", i, " is out of range: the array has size ", elems_.size(),
                                      writing ? " and is not dynamic_size" : ""));
      }
      if (i > 100000000) return ResourceExhausted(StrCat("TensorArray index ", i, " is too large"));
      elems_.resize(static_cast<size_t>(i) + 1);
    }
    return Status();
  }
  Status CheckValue(const Tensor& v) const {
    if (v.dtype() != dtype_) {
      return InvalidArgument(StrCat("TensorArray of ", DataTypeName(dtype_), " cannot hold a ", DataTypeName(v.dtype()),
                                    " value"));
    }
    return Status();
  }
  // Element i, or zeros of the element shape when unwritten and the element shape is known.
  Result<Tensor> Get(int64_t i) const {
    const Tensor& t = elems_[static_cast<size_t>(i)];
    if (t.valid()) return t;
    if (!shape_known_) {
      return InvalidArgument(StrCat("TensorArray element ", i, " was read before it was written"));
    }
    SERVAL_ASSIGN_OR_RETURN(Tensor z, Tensor::Allocate(dtype_, TensorShape(element_shape_)));
    if (IsFixedSize(dtype_)) std::memset(z.raw_data(), 0, z.byte_size());
    return z;
  }
  bool shape_known() const { return shape_known_; }
  const std::vector<int64_t>& element_shape() const { return element_shape_; }

 private:
  DataType dtype_;
  std::vector<int64_t> element_shape_;
  bool shape_known_;
  bool dynamic_size_;
  mutable std::mutex mu_;
  std::vector<Tensor> elems_;
};

Result<std::shared_ptr<TensorArray>> GetArray(const Tensor& h) {
  if (h.dtype() != DataType::kResource || h.num_elements() != 1) {
    return InvalidArgument(StrCat("expected a TensorArray handle, got ", h.DebugString()));
  }
  auto ta = std::dynamic_pointer_cast<TensorArray>(h.flat<ObjectPtr>()[0]);
  if (!ta) return InvalidArgument("the handle is not a TensorArray");
  return ta;
}

Result<std::vector<int64_t>> Indices(const Tensor& t) {
  std::vector<int64_t> out;
  if (t.dtype() == DataType::kInt32) {
    for (int32_t v : t.flat<int32_t>()) out.push_back(v);
  } else if (t.dtype() == DataType::kInt64) {
    for (int64_t v : t.flat<int64_t>()) out.push_back(v);
  } else {
    return InvalidArgument(StrCat("TensorArray indices must be int32, got ", DataTypeName(t.dtype())));
  }
  return out;
}

Result<int64_t> ScalarIndex(const Tensor& t) {
  if (t.num_elements() != 1) return InvalidArgument(StrCat("TensorArray index must be a scalar, got ", t.DebugString()));
  SERVAL_ASSIGN_OR_RETURN(auto v, Indices(t));
  return v[0];
}

// Copies element `row` (all of `src`) into row `row` of `dst`, or row `row` of `src` into all of
// `dst` (from_rows). Fixed-size types and strings.
void CopyRow(const Tensor& src, Tensor& dst, int64_t row, bool into_rows) {
  const int64_t n = into_rows ? src.num_elements() : dst.num_elements();
  if (src.dtype() == DataType::kString) {
    auto s = src.flat<std::string>();
    auto d = dst.flat<std::string>();
    for (int64_t k = 0; k < n; ++k) {
      if (into_rows) d[static_cast<size_t>(row * n + k)] = s[static_cast<size_t>(k)];
      else d[static_cast<size_t>(k)] = s[static_cast<size_t>(row * n + k)];
    }
    return;
  }
  const size_t bytes = static_cast<size_t>(n) * DataTypeSize(src.dtype());
  if (bytes == 0) return;
  if (into_rows) {
    std::memcpy(static_cast<char*>(dst.raw_data()) + row * bytes, src.raw_data(), bytes);
  } else {
    std::memcpy(dst.raw_data(), static_cast<const char*>(src.raw_data()) + row * bytes, bytes);
  }
}

Status CheckCopyable(DataType dt) {
  if (IsFixedSize(dt) || dt == DataType::kString) return Status();
  return Unimplemented(StrCat("TensorArray gather/scatter of ", DataTypeName(dt), " values"));
}

Result<std::unique_ptr<runtime::Kernel>> MakeTensorArray(const KernelInfo& info) {
  SERVAL_ASSIGN_OR_RETURN(DataType dtype, info.GetType("dtype"));
  const bool dynamic = info.GetBoolOr("dynamic_size", false);
  std::vector<int64_t> shape;
  bool known = false;
  if (const auto* a = info.FindAttr("element_shape"); a && a->has_shape() && !a->shape().unknown_rank()) {
    known = true;
    for (const auto& d : a->shape().dim()) {
      if (d.size() < 0) known = false;
      shape.push_back(d.size());
    }
  }
  return MakeFnKernel([=](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(int64_t size, ScalarIndex(ctx.input(0)));
    if (size < 0 || size > 100000000) return InvalidArgument(StrCat("TensorArray size ", size, " is not valid"));
    Tensor h(DataType::kResource, TensorShape{});
    h.flat<ObjectPtr>()[0] = std::make_shared<TensorArray>(dtype, shape, known, dynamic, size);
    ctx.set_output(0, std::move(h));
    ctx.set_output(1, Tensor::Scalar<float>(0));
    return Status();
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakeWrite(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(auto ta, GetArray(ctx.input(0)));
    SERVAL_ASSIGN_OR_RETURN(int64_t i, ScalarIndex(ctx.input(1)));
    SERVAL_RETURN_IF_ERROR(ta->CheckValue(ctx.input(2)));
    {
      std::lock_guard<std::mutex> lock(ta->mu());
      SERVAL_RETURN_IF_ERROR(ta->CheckIndex(i, true));
      ta->elems()[static_cast<size_t>(i)] = ctx.input(2);
    }
    ctx.set_output(0, ctx.input(3));
    return Status();
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakeRead(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(auto ta, GetArray(ctx.input(0)));
    SERVAL_ASSIGN_OR_RETURN(int64_t i, ScalarIndex(ctx.input(1)));
    std::lock_guard<std::mutex> lock(ta->mu());
    SERVAL_RETURN_IF_ERROR(ta->CheckIndex(i, false));
    SERVAL_ASSIGN_OR_RETURN(Tensor t, ta->Get(i));
    ctx.set_output(0, std::move(t));
    return Status();
  });
}

// Stacks elements `idx` into [n, element...]; empty arrays use the known element shape.
Result<Tensor> Stack(TensorArray& ta, const std::vector<int64_t>& idx) {
  SERVAL_RETURN_IF_ERROR(CheckCopyable(ta.dtype()));
  std::vector<Tensor> parts;
  for (int64_t i : idx) {
    SERVAL_RETURN_IF_ERROR(ta.CheckIndex(i, false));
    SERVAL_ASSIGN_OR_RETURN(Tensor t, ta.Get(i));
    if (!parts.empty() && t.shape().dims() != parts[0].shape().dims()) {
      return InvalidArgument(StrCat("TensorArray elements have different shapes: ", parts[0].DebugString(), " and ",
                                    t.DebugString()));
    }
    parts.push_back(std::move(t));
  }
  std::vector<int64_t> dims;
  if (!parts.empty()) {
    dims = parts[0].shape().dims();
  } else if (ta.shape_known()) {
    dims = ta.element_shape();
  } else {
    return InvalidArgument("cannot gather zero elements from a TensorArray with an unknown element shape");
  }
  dims.insert(dims.begin(), static_cast<int64_t>(idx.size()));
  SERVAL_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(ta.dtype(), TensorShape(dims)));
  for (size_t r = 0; r < parts.size(); ++r) CopyRow(parts[r], out, static_cast<int64_t>(r), true);
  return out;
}

Result<std::unique_ptr<runtime::Kernel>> MakeGather(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(auto ta, GetArray(ctx.input(0)));
    SERVAL_ASSIGN_OR_RETURN(auto idx, Indices(ctx.input(1)));
    std::lock_guard<std::mutex> lock(ta->mu());
    SERVAL_ASSIGN_OR_RETURN(Tensor out, Stack(*ta, idx));
    ctx.set_output(0, std::move(out));
    return Status();
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakeScatter(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(auto ta, GetArray(ctx.input(0)));
    SERVAL_ASSIGN_OR_RETURN(auto idx, Indices(ctx.input(1)));
    const Tensor& v = ctx.input(2);
    SERVAL_RETURN_IF_ERROR(ta->CheckValue(v));
    SERVAL_RETURN_IF_ERROR(CheckCopyable(v.dtype()));
    if (v.rank() < 1 || v.dim(0) != static_cast<int64_t>(idx.size())) {
      return InvalidArgument(StrCat("TensorArrayScatterV3: ", idx.size(), " indices but the value is ", v.DebugString()));
    }
    std::vector<int64_t> dims(v.shape().dims().begin() + 1, v.shape().dims().end());
    std::lock_guard<std::mutex> lock(ta->mu());
    for (size_t r = 0; r < idx.size(); ++r) {
      SERVAL_RETURN_IF_ERROR(ta->CheckIndex(idx[r], true));
      SERVAL_ASSIGN_OR_RETURN(Tensor e, Tensor::Allocate(v.dtype(), TensorShape(dims)));
      CopyRow(v, e, static_cast<int64_t>(r), false);
      ta->elems()[static_cast<size_t>(idx[r])] = std::move(e);
    }
    ctx.set_output(0, ctx.input(3));
    return Status();
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakeSize(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(auto ta, GetArray(ctx.input(0)));
    std::lock_guard<std::mutex> lock(ta->mu());
    ctx.set_output(0, Tensor::Scalar<int32_t>(static_cast<int32_t>(ta->elems().size())));
    return Status();
  });
}

Result<std::unique_ptr<runtime::Kernel>> MakeClose(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    return GetArray(ctx.input(0)).status();
  });
}

// Concat: elements joined along dim 0; lengths (int64) of each element's first dim.
Result<std::unique_ptr<runtime::Kernel>> MakeConcat(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(auto ta, GetArray(ctx.input(0)));
    std::lock_guard<std::mutex> lock(ta->mu());
    SERVAL_RETURN_IF_ERROR(CheckCopyable(ta->dtype()));
    const auto n = static_cast<int64_t>(ta->elems().size());
    std::vector<Tensor> parts;
    std::vector<int64_t> lengths;
    int64_t rows = 0;
    for (int64_t i = 0; i < n; ++i) {
      SERVAL_ASSIGN_OR_RETURN(Tensor t, ta->Get(i));
      if (t.rank() < 1) return InvalidArgument("TensorArrayConcatV3 needs elements of rank >= 1");
      if (!parts.empty() && std::vector<int64_t>(t.shape().dims().begin() + 1, t.shape().dims().end()) !=
                                std::vector<int64_t>(parts[0].shape().dims().begin() + 1, parts[0].shape().dims().end())) {
        return InvalidArgument(StrCat("TensorArrayConcatV3: element shapes ", parts[0].DebugString(), " and ",
                                      t.DebugString(), " differ past dimension 0"));
      }
      lengths.push_back(t.dim(0));
      rows += t.dim(0);
      parts.push_back(std::move(t));
    }
    if (parts.empty()) return InvalidArgument("TensorArrayConcatV3 of an empty TensorArray");
    std::vector<int64_t> dims = parts[0].shape().dims();
    dims[0] = rows;
    SERVAL_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(ta->dtype(), TensorShape(dims)));
    const int64_t row_elems = rows == 0 ? 0 : out.num_elements() / rows;
    int64_t at = 0;
    for (const Tensor& p : parts) {
      if (p.dtype() == DataType::kString) {
        auto s = p.flat<std::string>();
        auto d = out.flat<std::string>();
        for (size_t k = 0; k < s.size(); ++k) d[static_cast<size_t>(at * row_elems) + k] = s[k];
      } else if (p.byte_size() > 0) {
        std::memcpy(static_cast<char*>(out.raw_data()) + at * row_elems * static_cast<int64_t>(DataTypeSize(p.dtype())),
                    p.raw_data(), p.byte_size());
      }
      at += p.dim(0);
    }
    ctx.set_output(0, std::move(out));
    ctx.set_output(1, Tensor::FromVector<int64_t>(lengths, TensorShape{static_cast<int64_t>(lengths.size())}));
    return Status();
  });
}

// Split: value rows split by lengths (int64) into elements 0..n-1.
Result<std::unique_ptr<runtime::Kernel>> MakeSplit(const KernelInfo&) {
  return MakeFnKernel([](KernelContext& ctx) -> Status {
    SERVAL_ASSIGN_OR_RETURN(auto ta, GetArray(ctx.input(0)));
    const Tensor& v = ctx.input(1);
    SERVAL_RETURN_IF_ERROR(ta->CheckValue(v));
    SERVAL_RETURN_IF_ERROR(CheckCopyable(v.dtype()));
    SERVAL_ASSIGN_OR_RETURN(auto lengths, Indices(ctx.input(2)));
    if (v.rank() < 1) return InvalidArgument("TensorArraySplitV3 needs a value of rank >= 1");
    int64_t total = 0;
    for (int64_t l : lengths) {
      if (l < 0) return InvalidArgument("TensorArraySplitV3: negative length");
      total += l;
    }
    if (total != v.dim(0)) {
      return InvalidArgument(StrCat("TensorArraySplitV3: lengths sum to ", total, " but the value is ", v.DebugString()));
    }
    const int64_t row_elems = v.dim(0) == 0 ? 0 : v.num_elements() / v.dim(0);
    std::lock_guard<std::mutex> lock(ta->mu());
    int64_t at = 0;
    for (size_t i = 0; i < lengths.size(); ++i) {
      SERVAL_RETURN_IF_ERROR(ta->CheckIndex(static_cast<int64_t>(i), true));
      std::vector<int64_t> dims = v.shape().dims();
      dims[0] = lengths[i];
      SERVAL_ASSIGN_OR_RETURN(Tensor e, Tensor::Allocate(v.dtype(), TensorShape(dims)));
      if (v.dtype() == DataType::kString) {
        auto s = v.flat<std::string>();
        auto d = e.flat<std::string>();
        for (size_t k = 0; k < d.size(); ++k) d[k] = s[static_cast<size_t>(at * row_elems) + k];
      } else if (e.byte_size() > 0) {
        std::memcpy(e.raw_data(),
                    static_cast<const char*>(v.raw_data()) + at * row_elems * static_cast<int64_t>(DataTypeSize(v.dtype())),
                    e.byte_size());
      }
      ta->elems()[i] = std::move(e);
      at += lengths[i];
    }
    ctx.set_output(0, ctx.input(3));
    return Status();
  });
}

}  // namespace

void RegisterTensorArrayKernels(runtime::KernelRegistry& r) {
  r.Register("TensorArrayV3", MakeTensorArray);
  r.Register("TensorArrayWriteV3", MakeWrite);
  r.Register("TensorArrayReadV3", MakeRead);
  r.Register("TensorArrayGatherV3", MakeGather);
  r.Register("TensorArrayScatterV3", MakeScatter);
  r.Register("TensorArraySizeV3", MakeSize);
  r.Register("TensorArrayCloseV3", MakeClose);
  r.Register("TensorArrayConcatV3", MakeConcat);
  r.Register("TensorArraySplitV3", MakeSplit);
}

}  // namespace serval::kernels::cpu
