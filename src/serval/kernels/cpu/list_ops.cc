// TensorList* kernels (TF's list_ops.cc semantics). A list tensor is a DT_VARIANT scalar holding a
// TensorList. Lists are values: an op that changes a list returns a new TensorList whose element
// vector shares the element tensors (refcounted, so copying the vector is cheap). Lists are never
// mutated in place: the executor hands consumers pointers into one shared value slot, so a use
// count of 1 does not prove that no later consumer reads the same list.
#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>

#include "serval/base/strings.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/kernels/cpu/tensor_list.h"

namespace serval::kernels::cpu {
namespace {

using runtime::Kernel;
using runtime::KernelContext;
using runtime::KernelInfo;
using ListPtr = std::shared_ptr<TensorList>;

Result<int64_t> ScalarInt(const Tensor& t, std::string_view op, std::string_view what) {
  if (t.rank() != 0 && !(t.rank() == 1 && t.num_elements() == 1)) {
    return InvalidArgument(StrCat(op, ": ", what, " must be a scalar, got shape ", t.shape().ToString()));
  }
  if (t.dtype() == DataType::kInt32) return static_cast<int64_t>(t.flat<int32_t>()[0]);
  if (t.dtype() == DataType::kInt64) return t.flat<int64_t>()[0];
  return InvalidArgument(StrCat(op, ": ", what, " must be int32 or int64, got ", DataTypeName(t.dtype())));
}

Result<std::vector<int64_t>> IntVector(const Tensor& t, std::string_view op, std::string_view what) {
  std::vector<int64_t> v(static_cast<size_t>(t.num_elements()));
  if (t.dtype() == DataType::kInt32) {
    auto f = t.flat<int32_t>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = f[i];
  } else if (t.dtype() == DataType::kInt64) {
    auto f = t.flat<int64_t>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = f[i];
  } else {
    return InvalidArgument(StrCat(op, ": ", what, " must be int32 or int64, got ", DataTypeName(t.dtype())));
  }
  return v;
}

Result<const ObjectPtr*> ListSlot(const Tensor& t, std::string_view op) {
  if (t.dtype() != DataType::kVariant || t.num_elements() != 1) {
    return InvalidArgument(StrCat(op, ": input_handle must be a scalar variant holding a TensorList, got ",
                                  t.DebugString()));
  }
  const ObjectPtr& p = t.flat<ObjectPtr>()[0];
  if (dynamic_cast<const TensorList*>(p.get()) == nullptr) {
    return InvalidArgument(StrCat(op, ": input_handle does not hold a TensorList"));
  }
  return &p;
}

Result<ListPtr> ReadList(const Tensor& t, std::string_view op) {
  SERVAL_ASSIGN_OR_RETURN(const ObjectPtr* p, ListSlot(t, op));
  return std::static_pointer_cast<TensorList>(*p);
}

// The list to modify: always a copy (see the top of this file).
Result<ListPtr> ListForWrite(const Tensor& t, std::string_view op) {
  SERVAL_ASSIGN_OR_RETURN(const ObjectPtr* p, ListSlot(t, op));
  auto list = std::static_pointer_cast<TensorList>(*p);
  return std::make_shared<TensorList>(*list);
}

Tensor ListTensor(ListPtr list) {
  Tensor t(DataType::kVariant, TensorShape{});
  t.flat<ObjectPtr>()[0] = std::move(list);
  return t;
}

Status CheckDtype(const TensorList& l, DataType want, std::string_view op) {
  if (l.element_dtype != want) {
    return InvalidArgument(StrCat(op, ": invalid data types; op elements ", DataTypeName(want), " but list elements ",
                                  DataTypeName(l.element_dtype)));
  }
  return Status::Ok();
}

PartialShape ShapeOf(const Tensor& t) { return PartialShape(t.shape().dims()); }

// The shape an element read from `indices` must have: the list's and the op's element_shape
// merged, completed from the first set element when still partial (TF does the same so that
// uninitialised slots can read back as zeros).
Result<TensorShape> ResolveElementShape(const TensorList& l, const PartialShape& requested,
                                        const std::vector<int64_t>& indices, std::string_view op) {
  SERVAL_ASSIGN_OR_RETURN(PartialShape merged, MergeShapes(l.element_shape, requested, op));
  if (!merged.IsFullyDefined()) {
    for (int64_t i : indices) {
      const Tensor& e = l.tensors[static_cast<size_t>(i)];
      if (e.valid()) {
        SERVAL_ASSIGN_OR_RETURN(merged, MergeShapes(merged, ShapeOf(e), op));
        break;
      }
    }
  }
  if (!merged.IsFullyDefined()) {
    return InvalidArgument(StrCat(op, ": trying to read an uninitialized tensor but element_shape is not fully "
                                  "defined: ", merged.ToString(), " and no list elements are set"));
  }
  return TensorShape(merged.dims());
}

// Stacks l.tensors[indices] into [indices.size()] + element shape (Stack, Gather).
Status StackElements(KernelContext& ctx, const TensorList& l, const PartialShape& requested,
                     const std::vector<int64_t>& indices, std::string_view op) {
  SERVAL_ASSIGN_OR_RETURN(TensorShape es, ResolveElementShape(l, requested, indices, op));
  TensorShape out_shape = es;
  out_shape.InsertDim(0, static_cast<int64_t>(indices.size()));
  SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, l.element_dtype, out_shape));
  const int64_t step = es.num_elements();
  if (IsFixedSize(l.element_dtype) && out->num_elements() > 0) std::memset(out->raw_data(), 0, out->byte_size());
  for (size_t k = 0; k < indices.size(); ++k) {
    const Tensor& e = l.tensors[static_cast<size_t>(indices[k])];
    if (!e.valid()) continue;  // zeros, already
    if (!(e.shape() == es)) {
      return InvalidArgument(StrCat(op, ": incompatible shapes in list: element ", indices[k], " has shape ",
                                    e.shape().ToString(), ", expected ", es.ToString()));
    }
    CopyElementsInto(e, *out, static_cast<int64_t>(k) * step);
  }
  return Status::Ok();
}

Status CheckItemShape(const TensorList& l, const Tensor& item, std::string_view op) {
  if (!l.element_shape.IsCompatibleWith(item.shape())) {
    return InvalidArgument(StrCat(op, ": tried to set a tensor with incompatible shape. Item element shape: ",
                                  item.shape().ToString(), " list shape: ", l.element_shape.ToString()));
  }
  return Status::Ok();
}

using ComputeFn = std::function<Status(KernelContext&, DataType)>;

// Registers an op whose only load-time state is the element_dtype attr.
void RegisterListOp(runtime::KernelRegistry& r, const std::string& op, ComputeFn fn, bool needs_dtype = true) {
  r.Register(op, [op, fn, needs_dtype](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    DataType dt = DataType::kInvalid;
    if (needs_dtype) {
      SERVAL_ASSIGN_OR_RETURN(dt, info.GetType("element_dtype"));
    }
    return runtime::MakeFnKernel([fn, dt](KernelContext& ctx) { return fn(ctx, dt); });
  });
}

Status NewList(KernelContext& ctx, DataType dt, std::string_view op, int64_t size, int64_t max) {
  SERVAL_ASSIGN_OR_RETURN(PartialShape shape, PartialShapeFromTensor(ctx.input(0), op));
  auto l = std::make_shared<TensorList>();
  l->element_dtype = dt;
  l->element_shape = std::move(shape);
  l->tensors.resize(static_cast<size_t>(size));
  l->max_num_elements = max;
  ctx.set_output(0, ListTensor(std::move(l)));
  return Status::Ok();
}

Status IndexInRange(int64_t index, const TensorList& l, std::string_view verb, std::string_view op) {
  if (index < 0 || index >= static_cast<int64_t>(l.tensors.size())) {
    return InvalidArgument(StrCat(op, ": trying to ", verb, " element ", index, " in a list with ", l.tensors.size(),
                                  " elements."));
  }
  return Status::Ok();
}

}  // namespace

void RegisterTensorListKernels(runtime::KernelRegistry& r) {
  RegisterListOp(r, "EmptyTensorList", [](KernelContext& ctx, DataType dt) -> Status {
    SERVAL_ASSIGN_OR_RETURN(int64_t max, ScalarInt(ctx.input(1), "EmptyTensorList", "max_num_elements"));
    if (max < -1) {
      return InvalidArgument(StrCat("EmptyTensorList: max_num_elements must be -1 or non-negative, got ", max));
    }
    return NewList(ctx, dt, "EmptyTensorList", 0, max);
  });

  RegisterListOp(r, "TensorListReserve", [](KernelContext& ctx, DataType dt) -> Status {
    SERVAL_ASSIGN_OR_RETURN(int64_t n, ScalarInt(ctx.input(1), "TensorListReserve", "num_elements"));
    if (n < 0 || n > kMaxElements) {
      return InvalidArgument(StrCat("TensorListReserve: the num_elements to reserve must be a non negative number, "
                                    "but got ", n));
    }
    return NewList(ctx, dt, "TensorListReserve", n, -1);
  });

  RegisterListOp(r, "TensorListFromTensor", [](KernelContext& ctx, DataType dt) -> Status {
    constexpr std::string_view kOp = "TensorListFromTensor";
    const Tensor& t = ctx.input(0);
    if (t.dtype() != dt) {
      return InvalidArgument(StrCat(kOp, ": tensor is ", DataTypeName(t.dtype()), " but element_dtype is ",
                                    DataTypeName(dt)));
    }
    if (t.rank() < 1) return InvalidArgument(StrCat(kOp, ": cannot create a list from a scalar"));
    SERVAL_ASSIGN_OR_RETURN(PartialShape shape, PartialShapeFromTensor(ctx.input(1), kOp));
    std::vector<int64_t> edims(t.shape().dims().begin() + 1, t.shape().dims().end());
    TensorShape es(edims);
    if (!shape.IsCompatibleWith(es)) {
      return InvalidArgument(StrCat(kOp, ": specified a list with shape ", shape.ToString(),
                                    " from a tensor with shape ", t.shape().ToString()));
    }
    auto l = std::make_shared<TensorList>();
    l->element_dtype = dt;
    l->element_shape = std::move(shape);
    const int64_t n = t.dim(0), step = es.num_elements();
    l->tensors.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) l->tensors.push_back(SliceElements(t, i * step, es));
    ctx.set_output(0, ListTensor(std::move(l)));
    return Status::Ok();
  });

  RegisterListOp(r, "TensorListGetItem", [](KernelContext& ctx, DataType dt) -> Status {
    constexpr std::string_view kOp = "TensorListGetItem";
    SERVAL_ASSIGN_OR_RETURN(ListPtr l, ReadList(ctx.input(0), kOp));
    SERVAL_RETURN_IF_ERROR(CheckDtype(*l, dt, kOp));
    SERVAL_ASSIGN_OR_RETURN(int64_t index, ScalarInt(ctx.input(1), kOp, "index"));
    SERVAL_RETURN_IF_ERROR(IndexInRange(index, *l, "access", kOp));
    const Tensor& e = l->tensors[static_cast<size_t>(index)];
    if (e.valid()) {
      ctx.set_output(0, e);
      return Status::Ok();
    }
    SERVAL_ASSIGN_OR_RETURN(PartialShape requested, PartialShapeFromTensor(ctx.input(2), kOp));
    std::vector<int64_t> all(l->tensors.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
    SERVAL_ASSIGN_OR_RETURN(TensorShape es, ResolveElementShape(*l, requested, all, kOp));
    SERVAL_ASSIGN_OR_RETURN(Tensor z, ZerosTensor(dt, es));
    ctx.set_output(0, std::move(z));
    return Status::Ok();
  });

  r.Register("TensorListSetItem", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("element_dtype"));
    const bool resize = info.GetBoolOr("resize_if_index_out_of_bounds", false);
    return runtime::MakeFnKernel([dt, resize](KernelContext& ctx) -> Status {
      constexpr std::string_view kOp = "TensorListSetItem";
      const Tensor& item = ctx.input(2);
      SERVAL_ASSIGN_OR_RETURN(int64_t index, ScalarInt(ctx.input(1), kOp, "index"));
      {
        SERVAL_ASSIGN_OR_RETURN(ListPtr peek, ReadList(ctx.input(0), kOp));
        SERVAL_RETURN_IF_ERROR(CheckDtype(*peek, dt, kOp));
        if (item.dtype() != dt) return CheckDtype(*peek, item.dtype(), kOp);
        SERVAL_RETURN_IF_ERROR(CheckItemShape(*peek, item, kOp));
        if (!(resize && index >= 0)) SERVAL_RETURN_IF_ERROR(IndexInRange(index, *peek, "modify", kOp));
      }
      SERVAL_ASSIGN_OR_RETURN(ListPtr l, ListForWrite(ctx.input(0), kOp));
      if (index >= static_cast<int64_t>(l->tensors.size())) l->tensors.resize(static_cast<size_t>(index) + 1);
      l->tensors[static_cast<size_t>(index)] = item;
      ctx.set_output(0, ListTensor(std::move(l)));
      return Status::Ok();
    });
  });

  r.Register("TensorListStack", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("element_dtype"));
    const int64_t num = info.GetIntOr("num_elements", -1);
    return runtime::MakeFnKernel([dt, num](KernelContext& ctx) -> Status {
      constexpr std::string_view kOp = "TensorListStack";
      SERVAL_ASSIGN_OR_RETURN(ListPtr l, ReadList(ctx.input(0), kOp));
      SERVAL_RETURN_IF_ERROR(CheckDtype(*l, dt, kOp));
      if (num != -1 && num != static_cast<int64_t>(l->tensors.size())) {
        return InvalidArgument(StrCat(kOp, ": operation expected a list with ", num,
                                      " elements but got a list with ", l->tensors.size(), " elements."));
      }
      SERVAL_ASSIGN_OR_RETURN(PartialShape requested, PartialShapeFromTensor(ctx.input(1), kOp));
      std::vector<int64_t> all(l->tensors.size());
      for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
      return StackElements(ctx, *l, requested, all, kOp);
    });
  });

  RegisterListOp(r, "TensorListGather", [](KernelContext& ctx, DataType dt) -> Status {
    constexpr std::string_view kOp = "TensorListGather";
    SERVAL_ASSIGN_OR_RETURN(ListPtr l, ReadList(ctx.input(0), kOp));
    SERVAL_RETURN_IF_ERROR(CheckDtype(*l, dt, kOp));
    SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> idx, IntVector(ctx.input(1), kOp, "indices"));
    if (ctx.input(1).rank() != 1) {
      return InvalidArgument(StrCat(kOp, ": indices must be a vector, got shape ", ctx.input(1).shape().ToString()));
    }
    for (int64_t i : idx) SERVAL_RETURN_IF_ERROR(IndexInRange(i, *l, "gather", kOp));
    SERVAL_ASSIGN_OR_RETURN(PartialShape requested, PartialShapeFromTensor(ctx.input(2), kOp));
    return StackElements(ctx, *l, requested, idx, kOp);
  });

  RegisterListOp(
      r, "TensorListLength",
      [](KernelContext& ctx, DataType) -> Status {
        SERVAL_ASSIGN_OR_RETURN(ListPtr l, ReadList(ctx.input(0), "TensorListLength"));
        ctx.set_output(0, Tensor::Scalar<int32_t>(static_cast<int32_t>(l->tensors.size())));
        return Status::Ok();
      },
      /*needs_dtype=*/false);

  r.Register("TensorListElementShape", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType st, info.GetType("shape_type"));
    if (st != DataType::kInt32 && st != DataType::kInt64) {
      return InvalidArgument(StrCat("TensorListElementShape: shape_type must be int32 or int64, got ",
                                    DataTypeName(st)));
    }
    return runtime::MakeFnKernel([st](KernelContext& ctx) -> Status {
      SERVAL_ASSIGN_OR_RETURN(ListPtr l, ReadList(ctx.input(0), "TensorListElementShape"));
      std::vector<int64_t> dims = l->element_shape.unknown_rank() ? std::vector<int64_t>{-1} : l->element_shape.dims();
      TensorShape shape = l->element_shape.unknown_rank() ? TensorShape{} : TensorShape{static_cast<int64_t>(dims.size())};
      if (st == DataType::kInt32) {
        std::vector<int32_t> v(dims.begin(), dims.end());
        ctx.set_output(0, Tensor::FromVector<int32_t>(v, shape));
      } else {
        ctx.set_output(0, Tensor::FromVector<int64_t>(dims, shape));
      }
      return Status::Ok();
    });
  });

  RegisterListOp(r, "TensorListPushBack", [](KernelContext& ctx, DataType dt) -> Status {
    constexpr std::string_view kOp = "TensorListPushBack";
    const Tensor& item = ctx.input(1);
    {
      SERVAL_ASSIGN_OR_RETURN(ListPtr peek, ReadList(ctx.input(0), kOp));
      SERVAL_RETURN_IF_ERROR(CheckDtype(*peek, dt, kOp));
      if (item.dtype() != dt) return CheckDtype(*peek, item.dtype(), kOp);
      SERVAL_RETURN_IF_ERROR(CheckItemShape(*peek, item, kOp));
      if (peek->max_num_elements != -1 && static_cast<int64_t>(peek->tensors.size()) >= peek->max_num_elements) {
        return InvalidArgument(StrCat(kOp, ": tried to push item into a full list; list size: ", peek->tensors.size(),
                                      ", max_num_elements: ", peek->max_num_elements));
      }
    }
    SERVAL_ASSIGN_OR_RETURN(ListPtr l, ListForWrite(ctx.input(0), kOp));
    l->tensors.push_back(item);
    ctx.set_output(0, ListTensor(std::move(l)));
    return Status::Ok();
  });

  RegisterListOp(r, "TensorListPopBack", [](KernelContext& ctx, DataType dt) -> Status {
    constexpr std::string_view kOp = "TensorListPopBack";
    Tensor item;
    {
      SERVAL_ASSIGN_OR_RETURN(ListPtr peek, ReadList(ctx.input(0), kOp));
      SERVAL_RETURN_IF_ERROR(CheckDtype(*peek, dt, kOp));
      if (peek->tensors.empty()) return InvalidArgument(StrCat(kOp, ": trying to pop from an empty list."));
      item = peek->tensors.back();
      if (!item.valid()) {
        SERVAL_ASSIGN_OR_RETURN(PartialShape requested, PartialShapeFromTensor(ctx.input(1), kOp));
        std::vector<int64_t> all(peek->tensors.size());
        for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
        SERVAL_ASSIGN_OR_RETURN(TensorShape es, ResolveElementShape(*peek, requested, all, kOp));
        SERVAL_ASSIGN_OR_RETURN(item, ZerosTensor(dt, es));
      }
    }
    SERVAL_ASSIGN_OR_RETURN(ListPtr l, ListForWrite(ctx.input(0), kOp));
    l->tensors.pop_back();
    ctx.set_output(0, ListTensor(std::move(l)));
    ctx.set_output(1, std::move(item));
    return Status::Ok();
  });

  RegisterListOp(
      r, "TensorListResize",
      [](KernelContext& ctx, DataType) -> Status {
        constexpr std::string_view kOp = "TensorListResize";
        SERVAL_ASSIGN_OR_RETURN(int64_t size, ScalarInt(ctx.input(1), kOp, "size"));
        if (size < 0 || size > kMaxElements) {
          return InvalidArgument(StrCat(kOp, ": size must be non-negative, got ", size));
        }
        SERVAL_ASSIGN_OR_RETURN(ListPtr l, ListForWrite(ctx.input(0), kOp));
        l->tensors.resize(static_cast<size_t>(size));
        ctx.set_output(0, ListTensor(std::move(l)));
        return Status::Ok();
      },
      /*needs_dtype=*/false);

  RegisterListOp(r, "TensorListScatterIntoExistingList", [](KernelContext& ctx, DataType dt) -> Status {
    constexpr std::string_view kOp = "TensorListScatterIntoExistingList";
    const Tensor& t = ctx.input(1);
    SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> idx, IntVector(ctx.input(2), kOp, "indices"));
    {
      SERVAL_ASSIGN_OR_RETURN(ListPtr peek, ReadList(ctx.input(0), kOp));
      SERVAL_RETURN_IF_ERROR(CheckDtype(*peek, dt, kOp));
      if (t.dtype() != dt) return CheckDtype(*peek, t.dtype(), kOp);
    }
    if (t.rank() < 1) return InvalidArgument(StrCat(kOp, ": tensor must be at least a vector"));
    if (t.dim(0) != static_cast<int64_t>(idx.size())) {
      return InvalidArgument(StrCat(kOp, ": expected len(indices) == tensor.shape[0], but ", idx.size(),
                                    " != ", t.dim(0)));
    }
    TensorShape es(std::vector<int64_t>(t.shape().dims().begin() + 1, t.shape().dims().end()));
    int64_t max_index = -1;
    for (int64_t i : idx) {
      if (i < 0) return InvalidArgument(StrCat(kOp, ": indices must be non-negative, got ", i));
      max_index = std::max(max_index, i);
    }
    SERVAL_ASSIGN_OR_RETURN(ListPtr l, ListForWrite(ctx.input(0), kOp));
    if (!l->element_shape.IsCompatibleWith(es)) {
      return InvalidArgument(StrCat(kOp, ": element shape ", es.ToString(), " is incompatible with list shape ",
                                    l->element_shape.ToString()));
    }
    if (max_index >= static_cast<int64_t>(l->tensors.size())) l->tensors.resize(static_cast<size_t>(max_index) + 1);
    const int64_t step = es.num_elements();
    for (size_t k = 0; k < idx.size(); ++k) {
      l->tensors[static_cast<size_t>(idx[k])] = SliceElements(t, static_cast<int64_t>(k) * step, es);
    }
    ctx.set_output(0, ListTensor(std::move(l)));
    return Status::Ok();
  });

  r.Register("TensorListConcatV2", [](const KernelInfo& info) -> Result<std::unique_ptr<Kernel>> {
    SERVAL_ASSIGN_OR_RETURN(DataType dt, info.GetType("element_dtype"));
    return runtime::MakeFnKernel([dt](KernelContext& ctx) -> Status {
      constexpr std::string_view kOp = "TensorListConcatV2";
      SERVAL_ASSIGN_OR_RETURN(ListPtr l, ReadList(ctx.input(0), kOp));
      SERVAL_RETURN_IF_ERROR(CheckDtype(*l, dt, kOp));
      SERVAL_ASSIGN_OR_RETURN(PartialShape requested, PartialShapeFromTensor(ctx.input(1), kOp));
      SERVAL_ASSIGN_OR_RETURN(std::vector<int64_t> leading, IntVector(ctx.input(2), kOp, "leading_dims"));
      SERVAL_ASSIGN_OR_RETURN(PartialShape merged, MergeShapes(l->element_shape, requested, kOp));
      if (merged.rank() == 0) {
        return InvalidArgument(StrCat(kOp, ": concat requires elements to be at least vectors"));
      }
      // Inner dims (all but the first) must agree; complete them from the first set element.
      for (const Tensor& e : l->tensors) {
        if (!e.valid()) continue;
        if (e.rank() < 1) return InvalidArgument(StrCat(kOp, ": concat requires elements to be at least vectors"));
        std::vector<int64_t> d = e.shape().dims();
        d[0] = -1;
        SERVAL_ASSIGN_OR_RETURN(merged, MergeShapes(merged, PartialShape(d), kOp));
      }
      if (merged.unknown_rank()) {
        return InvalidArgument(StrCat(kOp, ": all elements are uninitialized and element_shape has unknown rank"));
      }
      std::vector<int64_t> inner(merged.dims().begin() + 1, merged.dims().end());
      if (!PartialShape(inner).IsFullyDefined()) {
        return InvalidArgument(StrCat(kOp, ": element_shape ", merged.ToString(), " is not fully defined beyond dim 0"));
      }
      const size_t n = l->tensors.size();
      std::vector<int64_t> lengths(n);
      int64_t total = 0;
      for (size_t i = 0; i < n; ++i) {
        const Tensor& e = l->tensors[i];
        if (e.valid()) {
          lengths[i] = e.dim(0);
        } else if (merged.dims()[0] >= 0) {
          lengths[i] = merged.dims()[0];
        } else if (i < leading.size()) {
          lengths[i] = leading[i];
        } else {
          return InvalidArgument(StrCat(kOp, ": element ", i, " is uninitialized and its leading dim is unknown"));
        }
        total += lengths[i];
      }
      std::vector<int64_t> out_dims = inner;
      out_dims.insert(out_dims.begin(), total);
      SERVAL_ASSIGN_OR_RETURN(TensorShape out_shape, TensorShape::Make(out_dims));
      SERVAL_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, dt, out_shape));
      if (IsFixedSize(dt) && out->num_elements() > 0) std::memset(out->raw_data(), 0, out->byte_size());
      int64_t inner_n = 1;
      for (int64_t d : inner) inner_n *= d;
      int64_t at = 0;
      for (size_t i = 0; i < n; ++i) {
        if (l->tensors[i].valid()) CopyElementsInto(l->tensors[i], *out, at);
        at += lengths[i] * inner_n;
      }
      ctx.set_output(1, Tensor::FromVector<int64_t>(lengths, TensorShape{static_cast<int64_t>(n)}));
      return Status::Ok();
    });
  });
}

}  // namespace serval::kernels::cpu
