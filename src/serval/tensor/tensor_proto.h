// TensorProto <-> Tensor, with TensorFlow's decoding rules (Tensor::FromProto): tensor_content as
// raw little-endian bytes, else the typed *_val field, where fewer values than elements repeat the
// last value and no values zero-fill. Serval rejects more values than elements (TF ignores them)
// and any shape or size that does not add up. Shared by the loader (Const, defaults), the bundle
// reader and the gRPC codec.
#pragma once

#include "serval/base/status.h"
#include "serval/tensor/shape.h"
#include "serval/tensor/tensor.h"

namespace tensorflow {
class TensorProto;
class TensorShapeProto;
}  // namespace tensorflow

namespace serval {

Result<Tensor> TensorFromProto(const tensorflow::TensorProto& proto);

// TensorFromProto for a TensorProto that arrived in a request: the decoded tensor may take at most
// kRequestTensorSlackBytes plus 32 bytes per encoded byte, checked before anything is allocated,
// so a tiny proto declaring a huge shape (whose few values TF's rule would repeat) is
// ResourceExhausted instead of gigabytes. Real data never comes near the ratio.
inline constexpr uint64_t kRequestTensorSlackBytes = uint64_t{64} << 20;
Result<Tensor> TensorFromRequestProto(const tensorflow::TensorProto& proto);

// as_content: write fixed-size types into tensor_content (else the typed *_val fields, as TF
// Serving does by default).
Status TensorToProto(const Tensor& tensor, tensorflow::TensorProto* proto, bool as_content = false);

// A concrete shape: every dim >= 0, known rank, element count within kMaxElements.
Result<TensorShape> ShapeFromProto(const tensorflow::TensorShapeProto& proto);
// A signature/attr shape: dims may be -1, rank may be unknown. Dims < -1 are rejected.
Result<PartialShape> PartialShapeFromProto(const tensorflow::TensorShapeProto& proto);
void ShapeToProto(const TensorShape& shape, tensorflow::TensorShapeProto* proto);

}  // namespace serval
