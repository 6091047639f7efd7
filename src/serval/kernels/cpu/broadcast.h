// NumPy-style broadcasting of N input shapes (TF's BCast semantics): shapes are right-aligned,
// each dim pair must be equal or one of them 1. The plan collapses adjacent dims that broadcast
// the same way, so a [B,T,H] + [H] add becomes a 2-D [B*T, H] walk with a contiguous inner run.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "serval/base/status.h"
#include "serval/base/strings.h"
#include "serval/tensor/shape.h"

namespace serval::kernels::cpu {

struct BroadcastPlan {
  TensorShape out_shape;
  // Collapsed output dims (at least one) and, per input, the element stride along each of them
  // (0 where the input is broadcast). The innermost stride of every input is 0 or 1.
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> strides;
  // Every input has exactly the output's shape: a flat element-wise loop suffices.
  bool same_shape = false;
};

// Errors name the op and all shapes: "Add: incompatible shapes for broadcasting: [2,3] vs. [4]".
inline Result<BroadcastPlan> MakeBroadcastPlan(std::span<const TensorShape* const> shapes, std::string_view op) {
  const size_t n = shapes.size();
  int rank = 0;
  for (const TensorShape* s : shapes) rank = std::max(rank, s->rank());
  auto dim_of = [&](size_t i, int d) -> int64_t {  // d indexes the right-aligned output rank
    int off = rank - shapes[i]->rank();
    return d < off ? 1 : shapes[i]->dim(d - off);
  };
  BroadcastPlan p;
  std::vector<int64_t> out(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) {
    int64_t o = 1;
    for (size_t i = 0; i < n; ++i) {
      int64_t v = dim_of(i, d);
      if (v == 1) continue;
      if (o != 1 && o != v) {
        std::string msg = StrCat(op, ": incompatible shapes for broadcasting: ");
        for (size_t j = 0; j < n; ++j) msg += StrCat(j ? " vs. " : "", shapes[j]->ToString());
        return InvalidArgument(msg);
      }
      o = v;
    }
    out[static_cast<size_t>(d)] = o;
  }
  p.out_shape = TensorShape(out);
  p.same_shape = true;
  for (const TensorShape* s : shapes) p.same_shape = p.same_shape && (*s == p.out_shape);

  // Collapse: drop output dims of size 1, merge neighbours where every input is broadcast (or
  // not) in both. bcast[i] per kept dim.
  std::vector<int64_t> dims;
  std::vector<std::vector<bool>> bc;  // [dim][input]
  for (int d = 0; d < rank; ++d) {
    int64_t o = out[static_cast<size_t>(d)];
    if (o == 1) continue;
    std::vector<bool> b(n);
    for (size_t i = 0; i < n; ++i) b[i] = dim_of(i, d) == 1;
    if (!dims.empty() && bc.back() == b) {
      dims.back() *= o;
    } else {
      dims.push_back(o);
      bc.push_back(std::move(b));
    }
  }
  if (dims.empty()) {
    dims.push_back(1);
    bc.push_back(std::vector<bool>(n, false));
  }
  p.dims = dims;
  p.strides.assign(n, std::vector<int64_t>(dims.size(), 0));
  for (size_t i = 0; i < n; ++i) {
    int64_t stride = 1;
    for (size_t d = dims.size(); d-- > 0;) {
      if (!bc[d][i]) {
        p.strides[i][d] = stride;
        stride *= dims[d];
      }
    }
  }
  return p;
}

inline Result<BroadcastPlan> MakeBroadcastPlan(const TensorShape& a, const TensorShape& b, std::string_view op) {
  const TensorShape* s[] = {&a, &b};
  return MakeBroadcastPlan(std::span<const TensorShape* const>(s, 2), op);
}

// Calls fn(out_offset, std::array<int64_t,N> in_offsets, std::array<int64_t,N> inner_strides,
// count) for each contiguous run of the innermost collapsed dim. Nothing is called for an empty
// output. N must equal the number of shapes the plan was built from.
template <size_t N, typename F>
void ForEachBroadcastRun(const BroadcastPlan& p, F&& fn) {
  const size_t r = p.dims.size();
  for (int64_t d : p.dims)
    if (d == 0) return;
  const int64_t inner = p.dims[r - 1];
  std::array<int64_t, N> inner_stride{};
  for (size_t i = 0; i < N; ++i) inner_stride[i] = p.strides[i][r - 1];
  std::array<int64_t, N> off{};
  std::vector<int64_t> idx(r, 0);
  int64_t out_off = 0;
  while (true) {
    fn(out_off, off, inner_stride, inner);
    out_off += inner;
    // Odometer over the outer dims.
    size_t d = r - 1;
    while (true) {
      if (d == 0) return;
      --d;
      ++idx[d];
      for (size_t i = 0; i < N; ++i) off[i] += p.strides[i][d];
      if (idx[d] < p.dims[d]) break;
      for (size_t i = 0; i < N; ++i) off[i] -= p.strides[i][d] * p.dims[d];
      idx[d] = 0;
    }
  }
}

}  // namespace serval::kernels::cpu
