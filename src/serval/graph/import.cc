#include "serval/graph/import.h"

#include <set>
#include <unordered_map>

#include "serval/base/strings.h"

namespace serval::graph {

FunctionLibrary::FunctionLibrary(const tensorflow::FunctionDefLibrary& library, const loader::OpDefs& op_defs)
    : op_defs_(op_defs) {
  for (const auto& f : library.function()) functions_[f.signature().name()] = &f;
}

void FunctionLibrary::AddGraphFunction(const std::string& name, GraphFunction fn) const {
  std::lock_guard<std::mutex> lock(graph_functions_mu_);
  graph_functions_[name] = std::move(fn);
}

std::optional<FunctionLibrary::GraphFunction> FunctionLibrary::FindGraphFunction(const std::string& name) const {
  std::lock_guard<std::mutex> lock(graph_functions_mu_);
  auto it = graph_functions_.find(name);
  if (it == graph_functions_.end()) return std::nullopt;
  return it->second;
}

const tensorflow::FunctionDef* FunctionLibrary::Find(const std::string& name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : it->second;
}

Status ParseTensorName(const std::string& name, std::string* node, int* index) {
  size_t colon = name.rfind(':');
  if (colon == std::string::npos) {
    *node = name;
    *index = 0;
    return Status();
  }
  const std::string idx = name.substr(colon + 1);
  if (idx.empty() || idx.size() > 9 || idx.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgument(StrCat("malformed tensor name ", CEscape(name), " (expected 'node' or 'node:index')"));
  }
  *node = name.substr(0, colon);
  *index = std::stoi(idx);
  return Status();
}

namespace {

int ArgCount(const tensorflow::OpDef::ArgDef& arg, const tensorflow::NodeDef& node, Status* status);

}  // namespace

Status OutputArgLayout(const tensorflow::OpDef& op_def, const tensorflow::NodeDef& node,
                       std::map<std::string, std::pair<int, int>>* ranges, int* total) {
  int offset = 0;
  for (const auto& arg : op_def.output_arg()) {
    Status s;
    int n = ArgCount(arg, node, &s);
    if (!s.ok()) return s;
    if (ranges) (*ranges)[arg.name()] = {offset, n};
    offset += n;
  }
  *total = offset;
  return Status();
}

namespace {

int ArgCount(const tensorflow::OpDef::ArgDef& arg, const tensorflow::NodeDef& node, Status* status) {
  auto attr = [&](const std::string& name) -> const tensorflow::AttrValue* {
    auto it = node.attr().find(name);
    if (it == node.attr().end()) {
      *status = InvalidArgument(StrCat("attr '", name, "' (the length of argument '", arg.name(), "') is missing"));
      return nullptr;
    }
    return &it->second;
  };
  if (!arg.number_attr().empty()) {
    const auto* a = attr(arg.number_attr());
    if (!a) return 0;
    if (a->i() < 0 || a->i() > 1000000) {
      *status = InvalidArgument(StrCat("attr '", arg.number_attr(), "' = ", a->i(), " is not a valid length"));
      return 0;
    }
    return static_cast<int>(a->i());
  }
  if (!arg.type_list_attr().empty()) {
    const auto* a = attr(arg.type_list_attr());
    return a ? a->list().type_size() : 0;
  }
  return 1;
}

bool IsCallOp(const std::string& op) { return op == "PartitionedCall" || op == "StatefulPartitionedCall"; }

// What an imported name resolves to: its flat outputs, its output-arg ranges (for function
// references) and the node ids a control dependency on it must wait for.
struct Imported {
  std::vector<Endpoint> outputs;
  std::map<std::string, std::pair<int, int>> arg_ranges;
  std::vector<int> control_ids;
  const tensorflow::NodeDef* def = nullptr;
};

struct Scope {
  std::string function;  // "" for the top-level graph
  std::string prefix;    // prepended to node names for messages ("call/")
  std::unordered_map<std::string, const tensorflow::NodeDef*> defs;
  std::unordered_map<std::string, Endpoint> args;          // function arg name -> value
  std::unordered_map<std::string, Endpoint> feeds;         // top level: "node:i" -> _Arg
  std::vector<int> entry_controls;                         // call-site control inputs
  std::unordered_map<std::string, Imported> done;
  std::set<std::string> in_progress;
  int depth = 0;
};

class Importer {
 public:
  Importer(const FunctionLibrary& lib, Graph* g, const tensorflow::GraphDef* graph_def = nullptr)
      : lib_(lib), g_(*g), graph_def_(graph_def) {}

  // A TF1 while-loop frame, reached through one of its Exit nodes: replaced by a While node whose
  // cond and body are graph functions over the same GraphDef (see ImportFrame in import.cc).
  Result<const Imported*> ImportFrame(Scope& scope, const tensorflow::NodeDef& exit);

  Result<const Imported*> ImportNode(Scope& scope, const std::string& name, const std::string& referrer);
  Result<Endpoint> ResolveData(Scope& scope, const std::string& ref, const std::string& referrer);
  Status ImportFunctionBody(const tensorflow::FunctionDef& fdef, Scope& scope, std::vector<Endpoint>* outputs,
                            std::vector<int>* control_ids);
  int AddArg(const std::string& name, int index) {
    tensorflow::NodeDef def;
    def.set_name(name);
    def.set_op("_Arg");
    Node n;
    n.name = name;
    n.op = "_Arg";
    n.def = g_.Own(std::move(def));
    n.num_outputs = 1;
    n.arg_index = index;
    g_.nodes.push_back(std::move(n));
    return static_cast<int>(g_.nodes.size()) - 1;
  }

 // A ReadVariableOp of a TF1 ref variable, run after `controls` (its consumer's control inputs).
 Result<Endpoint> ReadOfRefVariable(Endpoint var, std::vector<int> controls = {});

 private:
  std::string Where(const Scope& scope) const {
    return scope.function.empty() ? std::string("the graph") : StrCat("function '", scope.function, "'");
  }
  Result<std::vector<bool>> InputIsRef(const tensorflow::NodeDef& def);

  const FunctionLibrary& lib_;
  Graph& g_;
  const tensorflow::GraphDef* graph_def_;
  // Top-level graph: producer node name -> (consumer, output index it reads), data inputs only.
  std::unordered_map<std::string, std::vector<std::pair<const tensorflow::NodeDef*, int>>> consumers_;
};

Result<std::vector<bool>> Importer::InputIsRef(const tensorflow::NodeDef& def) {
  std::vector<bool> out;
  const tensorflow::OpDef* op_def = lib_.op_defs().Find(def.op());
  if (!op_def) return out;
  for (const auto& arg : op_def->input_arg()) {
    Status s;
    int n = ArgCount(arg, def, &s);
    if (!s.ok()) return s;
    for (int i = 0; i < n; ++i) out.push_back(arg.is_ref());
  }
  return out;
}

Result<Endpoint> Importer::ReadOfRefVariable(Endpoint var, std::vector<int> controls) {
  const Node& v = g_.nodes[static_cast<size_t>(var.node)];
  tensorflow::NodeDef def;
  def.set_name(v.name + "/_serval_read");
  def.set_op("ReadVariableOp");
  auto dt = v.def->attr().find("dtype");
  if (dt != v.def->attr().end()) (*def.mutable_attr())["dtype"] = dt->second;
  Node n;
  n.name = def.name();
  n.op = "ReadVariableOp";
  n.function = v.function;
  n.def = g_.Own(std::move(def));
  n.inputs = {var};
  n.control_inputs = std::move(controls);
  n.num_outputs = 1;
  n.stateful = true;  // reads mutable state: never folded unless variables are frozen
  g_.nodes.push_back(std::move(n));
  int id = static_cast<int>(g_.nodes.size()) - 1;
  return Endpoint{id, 0};
}

Result<Endpoint> Importer::ResolveData(Scope& scope, const std::string& ref, const std::string& referrer) {
  if (scope.function.empty()) {
    auto f = scope.feeds.find(ref.find(':') == std::string::npos ? ref + ":0" : ref);
    if (f != scope.feeds.end()) return f->second;
    std::string node;
    int index = 0;
    SERVAL_RETURN_IF_ERROR(ParseTensorName(ref, &node, &index));
    SERVAL_ASSIGN_OR_RETURN(const Imported* imp, ImportNode(scope, node, referrer));
    if (index >= static_cast<int>(imp->outputs.size())) {
      return InvalidArgument(StrCat("tensor '", ref, "' does not exist: node '", node, "' has ", imp->outputs.size(),
                                    " outputs"));
    }
    return imp->outputs[static_cast<size_t>(index)];
  }
  // Inside a function: "arg", "node:out_arg:index" (or leniently "node:index").
  size_t c1 = ref.find(':');
  if (c1 == std::string::npos) {
    auto a = scope.args.find(ref);
    if (a != scope.args.end()) return a->second;
    SERVAL_ASSIGN_OR_RETURN(const Imported* imp, ImportNode(scope, ref, referrer));
    if (imp->outputs.empty()) return InvalidArgument(StrCat("'", ref, "' has no outputs"));
    return imp->outputs[0];
  }
  std::string node = ref.substr(0, c1);
  std::string rest = ref.substr(c1 + 1);
  SERVAL_ASSIGN_OR_RETURN(const Imported* imp, ImportNode(scope, node, referrer));
  size_t c2 = rest.find(':');
  int offset = 0;
  int count = static_cast<int>(imp->outputs.size());
  std::string index_str = rest;
  if (c2 != std::string::npos) {
    std::string arg = rest.substr(0, c2);
    index_str = rest.substr(c2 + 1);
    auto r = imp->arg_ranges.find(arg);
    if (r == imp->arg_ranges.end()) {
      return InvalidArgument(StrCat("reference '", ref, "' in ", Where(scope), ": node '", node, "' (",
                                    imp->def ? imp->def->op() : "?", ") has no output named '", arg, "'"));
    }
    offset = r->second.first;
    count = r->second.second;
  }
  if (index_str.empty() || index_str.size() > 9 || index_str.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgument(StrCat("malformed reference ", CEscape(ref), " in ", Where(scope)));
  }
  int index = std::stoi(index_str);
  if (index >= count) {
    return InvalidArgument(StrCat("reference '", ref, "' in ", Where(scope), " is out of range: the output has ",
                                  count, " values"));
  }
  return imp->outputs[static_cast<size_t>(offset + index)];
}

Status Importer::ImportFunctionBody(const tensorflow::FunctionDef& fdef, Scope& scope, std::vector<Endpoint>* outputs,
                                    std::vector<int>* control_ids) {
  for (const auto& nd : fdef.node_def()) scope.defs[nd.name()] = &nd;
  for (const auto& out : fdef.signature().output_arg()) {
    auto it = fdef.ret().find(out.name());
    if (it == fdef.ret().end()) {
      return InvalidArgument(StrCat("function '", scope.function, "' has no return value for output '", out.name(), "'"));
    }
    SERVAL_ASSIGN_OR_RETURN(Endpoint e, ResolveData(scope, it->second, "return value " + out.name()));
    outputs->push_back(e);
    control_ids->push_back(e.node);
  }
  for (const auto& [name, node] : fdef.control_ret()) {
    SERVAL_ASSIGN_OR_RETURN(const Imported* imp, ImportNode(scope, node, "control output " + name));
    control_ids->insert(control_ids->end(), imp->control_ids.begin(), imp->control_ids.end());
  }
  return Status();
}

Result<const Imported*> Importer::ImportNode(Scope& scope, const std::string& name, const std::string& referrer) {
  auto done = scope.done.find(name);
  if (done != scope.done.end()) return &done->second;
  auto def_it = scope.defs.find(name);
  if (def_it == scope.defs.end()) {
    return NotFound(StrCat("node '", name, "' (needed by ", referrer, ") does not exist in ", Where(scope)));
  }
  const tensorflow::NodeDef& def = *def_it->second;
  if (def.op() == "Exit" || def.op() == "RefExit") return ImportFrame(scope, def);
  if (!scope.in_progress.insert(name).second) {
    return Unimplemented(StrCat("node '", name, "' in ", Where(scope),
                                " depends on itself (a TF1 while loop built from Enter/NextIteration?); "
                                "Serval does not run TF1 v1 control-flow loops yet"));
  }

  // Inputs first: the Graph stays in topological order.
  std::vector<Endpoint> inputs;
  std::vector<int> controls;
  SERVAL_ASSIGN_OR_RETURN(std::vector<bool> is_ref, InputIsRef(def));
  for (const std::string& in : def.input()) {
    if (!in.empty() && in[0] == '^') {
      // A control dependency on a fed node waits for the feed instead (as TF does for fed
      // Placeholders): importing the node would run an unfed Placeholder, which fails.
      if (scope.function.empty()) {
        const std::string prefix = in.substr(1) + ":";
        bool fed = false;
        for (const auto& [tensor, arg] : scope.feeds) {
          if (tensor.compare(0, prefix.size(), prefix) == 0) {
            controls.push_back(arg.node);
            fed = true;
          }
        }
        if (fed) continue;
      }
      SERVAL_ASSIGN_OR_RETURN(const Imported* imp, ImportNode(scope, in.substr(1), "node '" + name + "'"));
      controls.insert(controls.end(), imp->control_ids.begin(), imp->control_ids.end());
      continue;
    }
    SERVAL_ASSIGN_OR_RETURN(Endpoint e, ResolveData(scope, in, "node '" + name + "'"));
    inputs.push_back(e);
  }
  // A non-ref consumer of a TF1 ref variable sees its value when the consumer runs, i.e. after
  // all its inputs and control inputs (`with tf.control_dependencies([assign]):
  // tf.identity(v)` reads the assigned value). So each consumer gets its own read, added after
  // everything the consumer waits for and carrying the consumer's control inputs.
  std::map<int, Endpoint> reads;  // variable node -> this consumer's read of it
  for (size_t pos = 0; pos < inputs.size(); ++pos) {
    const Node& src = g_.nodes[static_cast<size_t>(inputs[pos].node)];
    if ((src.op != "VariableV2" && src.op != "Variable") || (pos < is_ref.size() && is_ref[pos])) continue;
    auto r = reads.find(inputs[pos].node);
    if (r == reads.end()) {
      SERVAL_ASSIGN_OR_RETURN(Endpoint read, ReadOfRefVariable(inputs[pos], controls));
      r = reads.emplace(inputs[pos].node, read).first;
    }
    inputs[pos] = r->second;
  }

  Imported imp;
  imp.def = &def;
  const std::string& op = def.op();
  const tensorflow::FunctionDef* callee = nullptr;
  std::string callee_name;
  if (IsCallOp(op)) {
    auto f = def.attr().find("f");
    if (f == def.attr().end() || f->second.value_case() != tensorflow::AttrValue::kFunc) {
      return InvalidArgument(StrCat("node '", name, "' (", op, ") in ", Where(scope), " has no function attr 'f'"));
    }
    callee_name = f->second.func().name();
    callee = lib_.Find(callee_name);
    if (!callee) {
      return NotFound(StrCat("node '", name, "' (", op, ") calls function '", callee_name,
                             "', which is not in the function library"));
    }
  } else if (!lib_.op_defs().Find(op)) {
    callee = lib_.Find(op);
    callee_name = op;
  }

  if (callee) {
    if (scope.depth > 64) {
      return Unimplemented(StrCat("function calls nested deeper than 64 levels at node '", name, "'"));
    }
    const auto& sig = callee->signature();
    if (sig.input_arg_size() != static_cast<int>(inputs.size())) {
      return InvalidArgument(StrCat("node '", name, "' calls function '", callee_name, "' with ", inputs.size(),
                                    " inputs, but it takes ", sig.input_arg_size()));
    }
    Scope child;
    child.function = callee_name;
    child.prefix = scope.prefix + name + "/";
    child.depth = scope.depth + 1;
    for (int i = 0; i < sig.input_arg_size(); ++i) child.args[sig.input_arg(i).name()] = inputs[static_cast<size_t>(i)];
    child.entry_controls = controls;
    if (controls.empty()) child.entry_controls = scope.entry_controls;
    Status s = ImportFunctionBody(*callee, child, &imp.outputs, &imp.control_ids);
    if (!s.ok()) return s;
    imp.arg_ranges["output"] = {0, static_cast<int>(imp.outputs.size())};
    for (int i = 0; i < sig.output_arg_size(); ++i) imp.arg_ranges[sig.output_arg(i).name()] = {i, 1};
  } else {
    const tensorflow::OpDef* op_def = lib_.op_defs().Find(op);
    if (!op_def) {
      return Unimplemented(StrCat("node '", scope.prefix + name, "' in ", Where(scope), " uses op '", op,
                                  "', which Serval does not know"));
    }
    int num_outputs = 0;
    Status s = OutputArgLayout(*op_def, def, &imp.arg_ranges, &num_outputs);
    if (!s.ok()) return s.WithContext(StrCat("node '", scope.prefix + name, "' (", op, ") in ", Where(scope)));
    // Kernels index their inputs by the OpDef's layout: a node with fewer or more data inputs
    // than its OpDef describes would make them read past the end.
    int num_inputs = 0;
    for (const auto& arg : op_def->input_arg()) {
      num_inputs += ArgCount(arg, def, &s);
      if (!s.ok()) return s.WithContext(StrCat("node '", scope.prefix + name, "' (", op, ") in ", Where(scope)));
    }
    if (num_inputs != static_cast<int>(inputs.size())) {
      return InvalidArgument(StrCat("node '", scope.prefix + name, "' (", op, ") in ", Where(scope), " has ",
                                    inputs.size(), " data inputs, but its OpDef takes ", num_inputs));
    }
    Node n;
    n.name = scope.prefix + name;
    n.op = op;
    n.function = scope.function;
    n.def = &def;
    n.inputs = std::move(inputs);
    n.control_inputs = std::move(controls);
    if (n.inputs.empty() && n.control_inputs.empty()) n.control_inputs = scope.entry_controls;
    n.num_outputs = num_outputs;
    n.stateful = op_def->is_stateful();
    g_.nodes.push_back(std::move(n));
    int id = static_cast<int>(g_.nodes.size()) - 1;
    for (int i = 0; i < num_outputs; ++i) imp.outputs.push_back({id, i});
    imp.control_ids = {id};
  }
  scope.in_progress.erase(name);
  auto [it, inserted] = scope.done.emplace(name, std::move(imp));
  return &it->second;
}

bool IsOp(const tensorflow::NodeDef* d, std::string_view a, std::string_view b) {
  return d && (d->op() == a || d->op() == b);
}

std::string InputNode(const std::string& input) {
  std::string node;
  int index = 0;
  if (!ParseTensorName(input, &node, &index).ok()) return input;
  return node;
}

// TF1 while loops, functionalized as TensorFlow's functionalize_control_flow does. A frame is the
// set of Enter nodes sharing frame_name. Each non-constant Enter is a loop variable:
//   Enter -> Merge <- NextIteration;  Merge -> Switch(., LoopCond);  Switch:0 -> Exit;
//   Switch:1 -> body ... -> NextIteration's input.
// Constant Enters are loop invariants. The loop becomes a While node over (variables,
// invariants); its cond is the GraphDef fed at the Merges (and invariants) fetching LoopCond's
// input, its body the GraphDef fed at the Switch:1 outputs (and invariants) fetching the
// NextIteration inputs (invariants pass through). Both are registered with the FunctionLibrary as
// graph functions and compiled like library functions; importing a body functionalizes the frames
// nested in it in turn. Conditionals inside a loop stay Switch/Merge (dead values at run time).
Result<const Imported*> Importer::ImportFrame(Scope& scope, const tensorflow::NodeDef& exit) {
  const std::string where = StrCat("TF1 while loop at node '", exit.name(), "'");
  if (!scope.function.empty() || !graph_def_) {
    return Unimplemented(StrCat(where, " in ", Where(scope), ": v1 loops are supported in the top-level graph only"));
  }
  auto def = [&](const std::string& input) -> const tensorflow::NodeDef* {
    auto it = scope.defs.find(InputNode(input));
    return it == scope.defs.end() ? nullptr : it->second;
  };
  if (consumers_.empty()) {
    for (const auto& nd : graph_def_->node()) {
      for (const auto& in : nd.input()) {
        if (in.empty() || in[0] == '^') continue;
        std::string node;
        int index = 0;
        if (ParseTensorName(in, &node, &index).ok()) consumers_[node].push_back({&nd, index});
      }
    }
  }
  auto consumer = [&](const std::string& producer, int index, std::string_view op1,
                      std::string_view op2) -> const tensorflow::NodeDef* {
    auto it = consumers_.find(producer);
    if (it == consumers_.end()) return nullptr;
    for (const auto& [c, i] : it->second)
      if (i == index && IsOp(c, op1, op2)) return c;
    return nullptr;
  };
  auto bad = [&](const std::string& what) { return Unimplemented(StrCat(where, ": unexpected loop structure: ", what)); };

  if (exit.input_size() < 1) return bad("Exit has no input");
  const tensorflow::NodeDef* sw = def(exit.input(0));
  if (!IsOp(sw, "Switch", "RefSwitch") || sw->input_size() < 2) return bad("Exit's input is not a Switch");
  const tensorflow::NodeDef* merge = def(sw->input(0));
  if (!IsOp(merge, "Merge", "RefMerge")) return bad("the loop Switch's input is not a Merge");
  std::string frame;
  for (const auto& in : merge->input()) {
    const tensorflow::NodeDef* e = def(in);
    if (IsOp(e, "Enter", "RefEnter")) {
      auto f = e->attr().find("frame_name");
      if (f != e->attr().end()) frame = f->second.s();
    }
  }
  if (frame.empty()) return bad("the loop Merge has no Enter input with a frame_name");

  struct Var {
    const tensorflow::NodeDef *enter, *merge = nullptr, *sw = nullptr, *next = nullptr, *exit = nullptr;
  };
  std::vector<Var> vars;
  std::vector<const tensorflow::NodeDef*> invariants;
  for (const auto& nd : graph_def_->node()) {
    if (!IsOp(&nd, "Enter", "RefEnter")) continue;
    auto f = nd.attr().find("frame_name");
    if (f == nd.attr().end() || f->second.s() != frame) continue;
    auto c = nd.attr().find("is_constant");
    if (c != nd.attr().end() && c->second.b()) {
      invariants.push_back(&nd);
      continue;
    }
    Var v;
    v.enter = &nd;
    v.merge = consumer(nd.name(), 0, "Merge", "RefMerge");
    if (!v.merge) return bad(StrCat("loop variable Enter '", nd.name(), "' feeds no Merge"));
    for (const auto& in : v.merge->input()) {
      const tensorflow::NodeDef* n = def(in);
      if (IsOp(n, "NextIteration", "RefNextIteration")) v.next = n;
    }
    if (!v.next || v.next->input_size() < 1) return bad(StrCat("Merge '", v.merge->name(), "' has no NextIteration input"));
    auto it = consumers_.find(v.merge->name());
    if (it != consumers_.end()) {
      for (const auto& [c, i] : it->second) {
        if (i == 0 && IsOp(c, "Switch", "RefSwitch") && c->input_size() >= 2 && IsOp(def(c->input(1)), "LoopCond", "LoopCond")) {
          v.sw = c;
        }
      }
    }
    if (!v.sw) return bad(StrCat("Merge '", v.merge->name(), "' feeds no Switch on the LoopCond"));
    v.exit = consumer(v.sw->name(), 0, "Exit", "RefExit");
    vars.push_back(v);
  }
  if (vars.empty()) return bad(StrCat("frame '", frame, "' has no loop variables"));
  const tensorflow::NodeDef* loop_cond = def(vars[0].sw->input(1));
  if (!loop_cond || loop_cond->input_size() < 1) return bad("LoopCond has no input");

  // Loop-carried values: variables, then invariants.
  std::vector<std::string> cond_feeds, body_feeds, body_fetches;
  tensorflow::AttrValue types;
  std::vector<Endpoint> inputs;
  std::vector<int> controls;
  std::vector<const tensorflow::NodeDef*> enters;
  for (const auto& v : vars) {
    cond_feeds.push_back(v.merge->name() + ":0");
    body_feeds.push_back(v.sw->name() + ":1");
    body_fetches.push_back(v.next->input(0));
    enters.push_back(v.enter);
  }
  for (const auto* e : invariants) {
    cond_feeds.push_back(e->name() + ":0");
    body_feeds.push_back(e->name() + ":0");
    body_fetches.push_back(e->name() + ":0");
    enters.push_back(e);
  }
  for (const auto* e : enters) {
    auto t = e->attr().find("T");
    if (t == e->attr().end()) return bad(StrCat("Enter '", e->name(), "' has no attr T"));
    types.mutable_list()->add_type(t->second.type());
    bool have_data = false;
    for (const auto& in : e->input()) {
      if (!in.empty() && in[0] == '^') {
        SERVAL_ASSIGN_OR_RETURN(const Imported* imp, ImportNode(scope, in.substr(1), "node '" + e->name() + "'"));
        controls.insert(controls.end(), imp->control_ids.begin(), imp->control_ids.end());
      } else if (!have_data) {
        have_data = true;
        SERVAL_ASSIGN_OR_RETURN(Endpoint x, ResolveData(scope, in, "node '" + e->name() + "'"));
        const Node& src = g_.nodes[static_cast<size_t>(x.node)];
        if (src.op == "VariableV2" || src.op == "Variable") {
          SERVAL_ASSIGN_OR_RETURN(x, ReadOfRefVariable(x));
        }
        inputs.push_back(x);
      }
    }
    if (!have_data) return bad(StrCat("Enter '", e->name(), "' has no data input"));
  }

  const std::string fn = "__serval_v1_while/" + frame;
  lib_.AddGraphFunction(fn + "/cond", {graph_def_, cond_feeds, {loop_cond->input(0)}});
  lib_.AddGraphFunction(fn + "/body", {graph_def_, body_feeds, body_fetches});
  tensorflow::NodeDef wd;
  wd.set_name(scope.prefix + frame + "/_serval_while");
  wd.set_op("While");
  (*wd.mutable_attr())["T"] = types;
  (*wd.mutable_attr())["cond"].mutable_func()->set_name(fn + "/cond");
  (*wd.mutable_attr())["body"].mutable_func()->set_name(fn + "/body");
  Node n;
  n.name = wd.name();
  n.op = "While";
  n.def = g_.Own(std::move(wd));
  n.inputs = std::move(inputs);
  n.control_inputs = std::move(controls);
  n.num_outputs = static_cast<int>(enters.size());
  n.stateful = true;
  g_.nodes.push_back(std::move(n));
  const int id = static_cast<int>(g_.nodes.size()) - 1;
  for (size_t i = 0; i < vars.size(); ++i) {
    if (!vars[i].exit) continue;
    Imported imp;
    imp.def = vars[i].exit;
    imp.outputs = {{id, static_cast<int>(i)}};
    imp.arg_ranges["output"] = {0, 1};
    imp.control_ids = {id};
    scope.done.emplace(vars[i].exit->name(), std::move(imp));
  }
  auto it = scope.done.find(exit.name());
  if (it == scope.done.end()) return bad("the Exit is not on a loop variable");
  return &it->second;
}

}  // namespace

Result<std::shared_ptr<const Graph>> ImportGraph(const tensorflow::GraphDef& graph_def, const FunctionLibrary& library,
                                                 const ImportRequest& request) {
  auto g = std::make_shared<Graph>();
  Importer importer(library, g.get(), &graph_def);
  Scope scope;
  for (const auto& nd : graph_def.node()) {
    if (!scope.defs.emplace(nd.name(), &nd).second) {
      return InvalidArgument(StrCat("the graph has two nodes named '", nd.name(), "'"));
    }
  }
  for (size_t i = 0; i < request.feeds.size(); ++i) {
    std::string node;
    int index = 0;
    SERVAL_RETURN_IF_ERROR(ParseTensorName(request.feeds[i], &node, &index));
    if (!scope.defs.count(node)) {
      return NotFound(StrCat("input tensor '", request.feeds[i], "' does not exist in the graph"));
    }
    int id = importer.AddArg(request.feeds[i], static_cast<int>(i));
    Endpoint e{id, 0};
    scope.feeds[StrCat(node, ":", index)] = e;
    g->args.push_back(e);
  }
  for (const auto& fetch : request.fetches) {
    SERVAL_ASSIGN_OR_RETURN(Endpoint e, importer.ResolveData(scope, fetch, "output '" + fetch + "'"));
    // Fetching a TF1 ref variable returns its value.
    const Node& src = g->nodes[static_cast<size_t>(e.node)];
    if (src.op == "VariableV2" || src.op == "Variable") {
      SERVAL_ASSIGN_OR_RETURN(e, importer.ReadOfRefVariable(e));
    }
    g->outputs.push_back(e);
  }
  for (const auto& target : request.targets) {
    std::string node = target;
    if (!node.empty() && node[0] == '^') node = node.substr(1);
    SERVAL_ASSIGN_OR_RETURN(const Imported* imp, importer.ImportNode(scope, node, "target '" + target + "'"));
    g->targets.insert(g->targets.end(), imp->control_ids.begin(), imp->control_ids.end());
  }
  return std::shared_ptr<const Graph>(std::move(g));
}

Result<std::shared_ptr<const Graph>> ImportFunction(const FunctionLibrary& library, const std::string& name) {
  if (auto gf = library.FindGraphFunction(name)) {
    return ImportGraph(*gf->graph_def, library, ImportRequest{gf->feeds, gf->fetches, {}});
  }
  const tensorflow::FunctionDef* fdef = library.Find(name);
  if (!fdef) return NotFound(StrCat("function '", name, "' is not in the function library"));
  auto g = std::make_shared<Graph>();
  Importer importer(library, g.get());
  Scope scope;
  scope.function = name;
  const auto& sig = fdef->signature();
  for (int i = 0; i < sig.input_arg_size(); ++i) {
    int id = importer.AddArg(StrCat(name, "/", sig.input_arg(i).name()), i);
    scope.args[sig.input_arg(i).name()] = {id, 0};
    g->args.push_back({id, 0});
  }
  std::vector<int> control_ids;
  Status s = importer.ImportFunctionBody(*fdef, scope, &g->outputs, &control_ids);
  if (!s.ok()) return s;
  // ImportFunctionBody lists the output nodes first (what a control dependency on a call waits
  // for); the targets are only the control outputs.
  control_ids.erase(control_ids.begin(), control_ids.begin() + static_cast<std::ptrdiff_t>(g->outputs.size()));
  g->targets = std::move(control_ids);
  return std::shared_ptr<const Graph>(std::move(g));
}

}  // namespace serval::graph
