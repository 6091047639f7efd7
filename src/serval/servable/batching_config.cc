#include "serval/servable/batching_config.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "serval/base/strings.h"
#include "tensorflow_serving/servables/tensorflow/batching_parameters.pb.h"

namespace serval::servable {
namespace {

class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (first.empty()) first = StrCat("line ", line + 1, ":", column + 1, ": ", message);
  }
  std::string first;
};

}  // namespace

Result<batching::BatchingOptions> BatchingOptionsFromProto(const tensorflow::serving::BatchingParameters& p) {
  batching::BatchingOptions o;
  if (p.has_max_batch_size()) o.max_batch_size = p.max_batch_size().value();
  if (p.has_batch_timeout_micros()) o.batch_timeout_micros = p.batch_timeout_micros().value();
  if (p.has_max_enqueued_batches()) o.max_enqueued_batches = p.max_enqueued_batches().value();
  if (p.has_num_batch_threads()) o.num_batch_threads = p.num_batch_threads().value();
  o.allowed_batch_sizes.assign(p.allowed_batch_sizes().begin(), p.allowed_batch_sizes().end());
  o.pad_variable_length_inputs = p.pad_variable_length_inputs();
  if (p.has_enable_large_batch_splitting()) o.enable_large_batch_splitting = p.enable_large_batch_splitting().value();
  if (p.has_max_execution_batch_size()) o.max_execution_batch_size = p.max_execution_batch_size().value();
  SERVAL_RETURN_IF_ERROR(batching::ValidateBatchingOptions(o));
  return o;
}

Result<batching::BatchingOptions> ParseBatchingParameters(const std::string& text, const std::string& source) {
  tensorflow::serving::BatchingParameters proto;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  const std::string prefix = StrCat("batching parameters file '", source, "'");
  if (!parser.ParseFromString(text, &proto)) {
    return InvalidArgument(StrCat(prefix, ": ", errors.first.empty() ? "not a BatchingParameters text proto" : errors.first));
  }
  auto options = BatchingOptionsFromProto(proto);
  if (!options.ok()) return options.status().WithContext(prefix);
  return options;
}

}  // namespace serval::servable
