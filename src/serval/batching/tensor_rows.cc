#include "serval/batching/tensor_rows.h"

#include <algorithm>
#include <cstring>

#include "serval/base/strings.h"

namespace serval::batching {
namespace {

int64_t RowElements(const TensorShape& s) {
  int64_t n = 1;
  for (int i = 1; i < s.rank(); ++i) n *= s.dim(i);
  return n;
}

// Copies `count` elements from src[src_off] to dst[dst_off] (element offsets).
void CopyElements(const Tensor& src, int64_t src_off, Tensor& dst, int64_t dst_off, int64_t count) {
  if (count <= 0) return;
  if (src.dtype() == DataType::kString) {
    auto from = src.flat<std::string>();
    auto to = dst.flat<std::string>();
    std::copy_n(from.begin() + src_off, count, to.begin() + dst_off);
    return;
  }
  const size_t size = DataTypeSize(src.dtype());
  std::memcpy(static_cast<char*>(dst.raw_data()) + dst_off * size,
              static_cast<const char*>(src.raw_data()) + src_off * size, static_cast<size_t>(count) * size);
}

// Writes `src` (shape [r, d1..dk]) into rows [row0, row0 + r) of `dst` (shape [R, D1..Dk], Di >= di),
// filling the cells outside src with src's first element.
void CopyPadded(const Tensor& src, Tensor& dst, int64_t row0) {
  const int rank = src.rank();
  const int64_t dst_row = RowElements(dst.shape());
  const int64_t rows = src.dim(0);
  if (src.num_elements() == 0) return;  // nothing to pad with; only possible for zero rows
  // Walk the destination cells of each row with a multi-index over dims 1..k.
  std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
  for (int64_t r = 0; r < rows; ++r) {
    std::fill(idx.begin(), idx.end(), 0);
    for (int64_t cell = 0; cell < dst_row; ++cell) {
      bool inside = true;
      int64_t src_off = r;
      for (int d = 1; d < rank; ++d) {
        inside = inside && idx[static_cast<size_t>(d)] < src.dim(d);
        src_off = src_off * src.dim(d) + idx[static_cast<size_t>(d)];
      }
      CopyElements(src, inside ? src_off : 0, dst, (row0 + r) * dst_row + cell, 1);
      for (int d = rank - 1; d >= 1; --d) {
        if (++idx[static_cast<size_t>(d)] < dst.dim(d)) break;
        idx[static_cast<size_t>(d)] = 0;
      }
    }
  }
}

}  // namespace

bool IsBatchable(const Tensor& t) {
  return t.rank() >= 1 && (IsFixedSize(t.dtype()) || t.dtype() == DataType::kString);
}

Result<Tensor> ConcatRows(const std::vector<const Tensor*>& parts, int64_t pad_rows, bool pad_variable_length,
                          const std::string& name) {
  if (parts.empty()) return InvalidArgument(StrCat("input '", name, "': nothing to batch"));
  const Tensor& first = *parts.front();
  TensorShape shape = first.shape();
  bool same = true;
  int64_t rows = 0;
  for (const Tensor* p : parts) {
    if (p->dtype() != first.dtype() || p->rank() != first.rank() || !IsBatchable(*p)) {
      return InvalidArgument(StrCat("input '", name, "': cannot batch ", p->DebugString(), " with ", first.DebugString()));
    }
    rows += p->dim(0);
    for (int d = 1; d < first.rank(); ++d) {
      if (p->dim(d) != shape.dim(d)) same = false;
      shape.set_dim(d, std::max(shape.dim(d), p->dim(d)));
    }
  }
  if (!same && !pad_variable_length) {
    std::vector<std::string> shapes;
    for (const Tensor* p : parts) shapes.push_back(p->shape().ToString());
    return FailedPrecondition(StrCat("input '", name, "': requests batched together have different shapes (",
                                     Join(shapes, ", "), ") and padding is turned off (pad_variable_length_inputs)"));
  }
  const Tensor& last = *parts.back();
  if (pad_rows > 0 && last.dim(0) == 0) {
    return InvalidArgument(StrCat("input '", name, "': cannot pad a batch whose last request has no rows"));
  }
  shape.set_dim(0, rows + pad_rows);
  SERVAL_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(first.dtype(), shape));
  const int64_t row_elems = RowElements(shape);
  int64_t row = 0;
  for (const Tensor* p : parts) {
    if (RowElements(p->shape()) == row_elems) {  // same row shape: one block copy
      CopyElements(*p, 0, out, row * row_elems, p->num_elements());
    } else {
      CopyPadded(*p, out, row);
    }
    row += p->dim(0);
  }
  // Padding rows repeat the first row of the last request (already copied, already padded).
  const int64_t last_first_row = rows - last.dim(0);
  for (int64_t i = 0; i < pad_rows; ++i) {
    CopyElements(out, last_first_row * row_elems, out, (rows + i) * row_elems, row_elems);
  }
  return out;
}

Tensor SliceRows(const Tensor& t, int64_t begin, int64_t count) {
  TensorShape shape = t.shape();
  shape.set_dim(0, count);
  Tensor out(t.dtype(), shape);
  const int64_t row = RowElements(t.shape());
  CopyElements(t, begin * row, out, 0, count * row);
  return out;
}

}  // namespace serval::batching
