// TensorList: the object a DT_VARIANT scalar holds for TF's TensorList* ops (Keras RNN loops keep
// per-timestep inputs and outputs in them). Lists are values: ops that "modify" a list return a
// new TensorList unless the input was provably unshared (see list_ops.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "serval/base/status.h"
#include "serval/runtime/kernel.h"
#include "serval/tensor/shape.h"
#include "serval/tensor/tensor.h"

namespace serval::kernels::cpu {

class TensorList : public Object {
 public:
  DataType element_dtype = DataType::kInvalid;
  PartialShape element_shape;      // -1 dims / unknown rank allowed
  std::vector<Tensor> tensors;     // an invalid Tensor is an uninitialised (Reserve'd) element
  int64_t max_num_elements = -1;   // EmptyTensorList's bound; -1 = unbounded

  std::string DebugString() const override;
};

// Reads an element_shape input: a scalar -1 is an unknown rank, a vector gives dims (-1 unknown).
Result<PartialShape> PartialShapeFromTensor(const Tensor& t, std::string_view op);
// The most specific shape compatible with both; InvalidArgument naming both when they conflict.
Result<PartialShape> MergeShapes(const PartialShape& a, const PartialShape& b, std::string_view op);
// A freshly allocated tensor of zeros (empty strings / null objects for non-numeric types).
Result<Tensor> ZerosTensor(DataType dtype, const TensorShape& shape);
// Copies all of src's elements into dst starting at flat element offset `at` (same dtype).
void CopyElementsInto(const Tensor& src, Tensor& dst, int64_t at);
// Copies `count` elements of src starting at `from` into a new tensor of `shape`.
Tensor SliceElements(const Tensor& src, int64_t from, const TensorShape& shape);

}  // namespace serval::kernels::cpu
