// Graph: Serval's executable form of a TensorFlow graph after import. Function calls are inlined,
// nodes are stored in a topological order (every node after its data and control inputs), and
// values are referred to by integer Endpoints. Attributes stay in NodeDefs owned by the
// SavedModel's MetaGraphDef (or by the Graph for nodes the importer synthesises); the Graph never
// outlives the MetaGraphDef it was imported from. Immutable after import; safe to share.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "tensorflow/core/framework/node_def.pb.h"

namespace serval::graph {

struct Endpoint {
  int node = -1;
  int index = 0;
  friend bool operator==(const Endpoint& a, const Endpoint& b) { return a.node == b.node && a.index == b.index; }
};

struct Node {
  std::string name;      // scoped for messages: "StatefulPartitionedCall/sequential/dense/MatMul"
  std::string op;        // TF op type, or "_Arg" for a fed value / function argument
  std::string function;  // library function the node came from ("" for the top-level graph)
  const tensorflow::NodeDef* def = nullptr;  // attrs; never null
  std::vector<Endpoint> inputs;
  std::vector<int> control_inputs;
  int num_outputs = 0;
  bool stateful = false;  // OpDef is_stateful: never folded into a constant
  int arg_index = -1;  // for "_Arg": position among the graph's args
};

class Graph {
 public:
  std::vector<Node> nodes;
  std::vector<Endpoint> args;     // fed values, in order (feeds or function arguments)
  std::vector<Endpoint> outputs;  // fetched values, in order
  std::vector<int> targets;       // nodes run for their effect (init ops, restore)

  // Keeps a NodeDef alive for the graph's lifetime (synthesised nodes) and returns it.
  const tensorflow::NodeDef* Own(tensorflow::NodeDef def) {
    owned_.push_back(std::make_unique<tensorflow::NodeDef>(std::move(def)));
    return owned_.back().get();
  }

 private:
  std::deque<std::unique_ptr<tensorflow::NodeDef>> owned_;
};

}  // namespace serval::graph
