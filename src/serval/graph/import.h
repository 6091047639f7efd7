// Graph import: turns a GraphDef plus its function library into Serval's Graph for one request
// (feeds, fetches, targets). Only what the fetches and targets need is imported (this is the
// pruning step), function calls (PartitionedCall, StatefulPartitionedCall, and nodes whose op is
// a library function) are inlined to any depth, function-internal references
// (`node:out_arg:index`, `arg`, `^node`) are resolved through OpDefs, and TF1 ref variables
// (VariableV2) get explicit reads for consumers that do not take a ref. Control-flow ops with
// function attributes (While, If) stay as nodes; their bodies are imported with ImportFunction.
// Errors name the node, op and function.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "serval/base/status.h"
#include "serval/graph/graph.h"
#include "serval/loader/op_defs.h"
#include "tensorflow/core/framework/function.pb.h"
#include "tensorflow/core/framework/graph.pb.h"

namespace serval::graph {

// Function lookup plus OpDefs. Borrows the library and op defs (both owned by the SavedModel),
// which must outlive it. Immutable after construction: safe to share.
class FunctionLibrary {
 public:
  FunctionLibrary(const tensorflow::FunctionDefLibrary& library, const loader::OpDefs& op_defs);
  const tensorflow::FunctionDef* Find(const std::string& name) const;
  const loader::OpDefs& op_defs() const { return op_defs_; }

  // Functions synthesised by import from TF1 while loops (cond and body of a frame): a request
  // on a GraphDef the caller keeps alive. ImportFunction imports them with ImportGraph.
  struct GraphFunction {
    const tensorflow::GraphDef* graph_def = nullptr;
    std::vector<std::string> feeds, fetches;
  };
  void AddGraphFunction(const std::string& name, GraphFunction fn) const;
  std::optional<GraphFunction> FindGraphFunction(const std::string& name) const;

 private:
  std::map<std::string, const tensorflow::FunctionDef*> functions_;
  mutable std::mutex graph_functions_mu_;
  mutable std::map<std::string, GraphFunction> graph_functions_;
  const loader::OpDefs& op_defs_;
};

struct ImportRequest {
  std::vector<std::string> feeds;    // tensor names ("serving_default_x:0"): Graph::args, in order
  std::vector<std::string> fetches;  // tensor names: Graph::outputs, in order
  std::vector<std::string> targets;  // node names run for their effect: Graph::targets
};

Result<std::shared_ptr<const Graph>> ImportGraph(const tensorflow::GraphDef& graph_def, const FunctionLibrary& library,
                                                 const ImportRequest& request);

// A library function as a standalone Graph: args are its input args, outputs its output args in
// signature order; its control outputs become targets.
Result<std::shared_ptr<const Graph>> ImportFunction(const FunctionLibrary& library, const std::string& name);

// Splits "node:3" into ("node", 3); "node" is output 0. InvalidArgument on a malformed index.
Status ParseTensorName(const std::string& name, std::string* node, int* index);

// Number of outputs a node of this OpDef has given its attrs, and where each output arg starts.
Status OutputArgLayout(const tensorflow::OpDef& op_def, const tensorflow::NodeDef& node,
                       std::map<std::string, std::pair<int, int>>* ranges, int* total);

}  // namespace serval::graph
