// TF Serving's Input proto (gRPC Classify / Regress / MultiInference, and the classify, regress and
// multi-inference records of a warmup file) as the tensor those signatures take: DT_STRING [N] of
// serialized tf.Examples. Thread-safe (no shared state).
#pragma once

#include "serval/base/status.h"
#include "serval/tensor/tensor.h"

namespace tensorflow::serving {
class Input;
}  // namespace tensorflow::serving

namespace serval::codec {

// One element per example. With a context (ExampleListWithContext) each element is the context's
// bytes followed by the example's: protobuf's merge, so the example's own features win, exactly as
// TF Serving builds it. No examples gives InvalidArgument "Input is empty." (TF Serving's text).
Result<Tensor> SerializedExamplesFromInput(const tensorflow::serving::Input& input);

}  // namespace serval::codec
