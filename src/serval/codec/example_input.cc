#include "serval/codec/example_input.h"

#include <string>
#include <vector>

#include "tensorflow_serving/apis/input.pb.h"

namespace serval::codec {

Result<Tensor> SerializedExamplesFromInput(const tensorflow::serving::Input& input) {
  namespace tfs = tensorflow::serving;
  std::vector<std::string> serialized;
  switch (input.kind_case()) {
    case tfs::Input::kExampleList:
      for (const auto& ex : input.example_list().examples()) serialized.push_back(ex.SerializeAsString());
      break;
    case tfs::Input::kExampleListWithContext: {
      const auto& list = input.example_list_with_context();
      const std::string context = list.context().SerializeAsString();
      for (const auto& ex : list.examples()) serialized.push_back(context + ex.SerializeAsString());
      break;
    }
    default:
      break;
  }
  if (serialized.empty()) return InvalidArgument("Input is empty.");
  const int64_t n = static_cast<int64_t>(serialized.size());
  Tensor examples(DataType::kString, TensorShape{n});
  auto flat = examples.flat<std::string>();
  for (int64_t i = 0; i < n; ++i) flat[i] = std::move(serialized[i]);
  return examples;
}

}  // namespace serval::codec
