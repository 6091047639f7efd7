#include "serval/tensor/shape.h"

#include "serval/base/strings.h"

namespace serval {

Result<TensorShape> TensorShape::Make(std::span<const int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return InvalidArgument(StrCat("shape ", DimsToString(dims), " has a negative dimension"));
    if (d != 0 && n > kMaxElements / d) {
      return InvalidArgument(StrCat("shape ", DimsToString(dims), " has more than ", kMaxElements, " elements"));
    }
    n *= d;
  }
  // A zero dim anywhere makes the product 0; later large dims cannot overflow it.
  return TensorShape(std::vector<int64_t>(dims.begin(), dims.end()));
}

int64_t TensorShape::num_elements() const {
  int64_t n = 1;
  for (int64_t d : dims_) n *= d;
  return n;
}

std::string TensorShape::ToString() const { return DimsToString(dims_); }

bool PartialShape::IsFullyDefined() const {
  if (unknown_rank_) return false;
  for (int64_t d : dims_)
    if (d < 0) return false;
  return true;
}

bool PartialShape::IsCompatibleWith(const TensorShape& shape) const {
  if (unknown_rank_) return true;
  if (shape.rank() != rank()) return false;
  for (int i = 0; i < shape.rank(); ++i) {
    int64_t d = dims_[static_cast<size_t>(i)];
    if (d >= 0 && d != shape.dim(i)) return false;
  }
  return true;
}

std::string PartialShape::ToString() const {
  if (unknown_rank_) return "<unknown rank>";
  return DimsToString(dims_);
}

}  // namespace serval
