// Serval's own registry of TensorFlow OpDefs: input/output argument names and types, attributes
// and their defaults, for the ops Serval meets in real exports. Two uses: restoring attributes
// that an export stripped because they equalled the default (`stripped_default_attrs`), and
// resolving function-body references such as `Split:output:1` or `FusedBatchNormV3:batch_mean:0`
// to flat output indices. Docs, allowed_values and full-type annotations are left out: Serval
// does not use them. The table is immutable after first use and safe to share across threads.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "serval/base/status.h"
#include "tensorflow/core/framework/node_def.pb.h"
#include "tensorflow/core/framework/op_def.pb.h"

namespace serval::loader {

// The built-in OpDef for `op`, or null if Serval has none.
const tensorflow::OpDef* FindBuiltinOpDef(std::string_view op);

// Names of all built-in ops, sorted.
std::vector<std::string> BuiltinOpNames();

// The embedded text-format OpList, for tests.
std::string_view BuiltinOpListText();

// OpDef lookup for one model: the model's own stripped_op_list first (it describes exactly the
// TF version that wrote the graph), then the built-in table. Borrows `model_ops`, which must
// outlive this object.
class OpDefs {
 public:
  explicit OpDefs(const tensorflow::OpList* model_ops /* may be null */);
  const tensorflow::OpDef* Find(std::string_view op) const;

 private:
  std::map<std::string, const tensorflow::OpDef*, std::less<>> model_;
};

// Fills every attr the node lacks with its OpDef default_value. Nodes of unknown ops (and
// function calls, whose op is a function name) are left alone; attrs without a default stay
// missing (validation of required attrs belongs to graph import).
Status AddDefaultAttrs(const OpDefs& op_defs, tensorflow::NodeDef* node);

}  // namespace serval::loader
