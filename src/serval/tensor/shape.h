// TensorShape: concrete dims of a tensor (all >= 0). PartialShape: a signature or attr shape
// where -1 is an unknown dim and an unknown rank is possible. Element counts are checked for
// overflow, so a hostile shape gives a Status, never a wrapped size.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "serval/base/status.h"

namespace serval {

// Refuse anything over 2^40 elements: far past what fits in memory here, far below overflow.
inline constexpr int64_t kMaxElements = int64_t{1} << 40;

class TensorShape {
 public:
  TensorShape() = default;
  TensorShape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit TensorShape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  // Checks every dim >= 0 and the product <= kMaxElements.
  static Result<TensorShape> Make(std::span<const int64_t> dims);

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[static_cast<size_t>(i)]; }
  void set_dim(int i, int64_t d) { dims_[static_cast<size_t>(i)] = d; }
  const std::vector<int64_t>& dims() const { return dims_; }
  std::vector<int64_t>& mutable_dims() { return dims_; }
  void AddDim(int64_t d) { dims_.push_back(d); }
  void InsertDim(int i, int64_t d) { dims_.insert(dims_.begin() + i, d); }
  void RemoveDim(int i) { dims_.erase(dims_.begin() + i); }
  int64_t num_elements() const;
  bool IsScalar() const { return dims_.empty(); }
  std::string ToString() const;

  friend bool operator==(const TensorShape& a, const TensorShape& b) { return a.dims_ == b.dims_; }

 private:
  std::vector<int64_t> dims_;
};

class PartialShape {
 public:
  PartialShape() : unknown_rank_(true) {}
  explicit PartialShape(std::vector<int64_t> dims) : dims_(std::move(dims)), unknown_rank_(false) {}
  static PartialShape UnknownRank() { return PartialShape(); }

  bool unknown_rank() const { return unknown_rank_; }
  int rank() const { return unknown_rank_ ? -1 : static_cast<int>(dims_.size()); }
  const std::vector<int64_t>& dims() const { return dims_; }
  bool IsFullyDefined() const;
  // True when `shape` could be a value of this partial shape.
  bool IsCompatibleWith(const TensorShape& shape) const;
  // "[-1,10]" or "<unknown rank>".
  std::string ToString() const;

 private:
  std::vector<int64_t> dims_;
  bool unknown_rank_;
};

}  // namespace serval
