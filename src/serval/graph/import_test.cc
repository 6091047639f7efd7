// Graph import tests: GraphDefs and FunctionDefs are written as text protos, imported with the
// built-in OpDefs, and the resulting Graph is checked node by node.
#include "serval/graph/import.h"

#include <google/protobuf/text_format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace serval::graph {
namespace {

using ::testing::HasSubstr;

class ImportTest : public ::testing::Test {
 protected:
  void Parse(const std::string& text) {
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &gd_)) << text;
    lib_ = std::make_unique<FunctionLibrary>(gd_.library(), op_defs_);
  }
  Result<std::shared_ptr<const Graph>> Import(std::vector<std::string> feeds, std::vector<std::string> fetches,
                                              std::vector<std::string> targets = {}) {
    ImportRequest req{std::move(feeds), std::move(fetches), std::move(targets)};
    return ImportGraph(gd_, *lib_, req);
  }
  std::shared_ptr<const Graph> MustImport(std::vector<std::string> feeds, std::vector<std::string> fetches,
                                          std::vector<std::string> targets = {}) {
    auto g = Import(std::move(feeds), std::move(fetches), std::move(targets));
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    if (!g.ok()) return nullptr;
    ExpectTopological(**g);
    return *g;
  }

  static int Find(const Graph& g, const std::string& name) {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (g.nodes[i].name == name) return static_cast<int>(i);
    return -1;
  }
  static std::set<std::string> Names(const Graph& g) {
    std::set<std::string> out;
    for (const auto& n : g.nodes) out.insert(n.name);
    return out;
  }
  // Every node comes after its data and control inputs.
  static void ExpectTopological(const Graph& g) {
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      for (const auto& in : g.nodes[i].inputs) {
        EXPECT_GE(in.node, 0) << g.nodes[i].name;
        EXPECT_LT(in.node, static_cast<int>(i)) << g.nodes[i].name << " reads a later node";
        if (in.node >= 0 && in.node < static_cast<int>(i)) {
          EXPECT_LT(in.index, g.nodes[static_cast<size_t>(in.node)].num_outputs) << g.nodes[i].name;
        }
      }
      for (int c : g.nodes[i].control_inputs) EXPECT_LT(c, static_cast<int>(i)) << g.nodes[i].name;
      EXPECT_NE(g.nodes[i].def, nullptr);
    }
  }

  tensorflow::GraphDef gd_;
  loader::OpDefs op_defs_{nullptr};
  std::unique_ptr<FunctionLibrary> lib_;
};

constexpr char kFloatConst[] = R"(attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } })";

std::string ConstNode(const std::string& name, const std::string& extra_inputs = "") {
  return "node { name: '" + name + "' op: 'Const' " + extra_inputs + " " + kFloatConst + " }\n";
}

TEST(ParseTensorNameTest, SplitsNameAndIndex) {
  std::string node;
  int index = -1;
  ASSERT_TRUE(ParseTensorName("a/b", &node, &index).ok());
  EXPECT_EQ(node, "a/b");
  EXPECT_EQ(index, 0);  // no index means output 0
  ASSERT_TRUE(ParseTensorName("a/b:12", &node, &index).ok());
  EXPECT_EQ(node, "a/b");
  EXPECT_EQ(index, 12);
  for (const char* bad : {"a:", "a:x", "a:-1", "a:1x", "a:1234567890"}) {
    Status s = ParseTensorName(bad, &node, &index);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("malformed tensor name")) << bad;
  }
}

TEST_F(ImportTest, PrunesToFetches) {
  Parse(ConstNode("a") + ConstNode("b") + R"(
    node { name: 'c' op: 'AddV2' input: 'a' input: 'b:0' attr { key: 'T' value { type: DT_FLOAT } } }
    node { name: 'unused_neg' op: 'Neg' input: 'a' attr { key: 'T' value { type: DT_FLOAT } } }
    node { name: 'unused_ph' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }
  )");
  auto g = MustImport({}, {"c:0"});
  ASSERT_NE(g, nullptr);
  // Only c and what it reads: the Neg and the Placeholder nobody fetches are absent.
  EXPECT_EQ(Names(*g), (std::set<std::string>{"a", "b", "c"}));
  int c = Find(*g, "c");
  ASSERT_EQ(g->outputs.size(), 1u);
  EXPECT_EQ(g->outputs[0], (Endpoint{c, 0}));
  EXPECT_EQ(g->nodes[static_cast<size_t>(c)].inputs[0], (Endpoint{Find(*g, "a"), 0}));
  EXPECT_EQ(g->nodes[static_cast<size_t>(c)].inputs[1], (Endpoint{Find(*g, "b"), 0}));
  EXPECT_FALSE(g->nodes[static_cast<size_t>(c)].stateful);
  EXPECT_TRUE(g->args.empty());
}

TEST_F(ImportTest, DuplicateNodeNamesAreRejected) {
  Parse(ConstNode("a") + ConstNode("a"));
  auto g = Import({}, {"a"});
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(g.status().message(), HasSubstr("two nodes named 'a'"));
}

TEST_F(ImportTest, FeedsCutTheGraph) {
  Parse(R"(
    node { name: 'p' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }
    node { name: 'q' op: 'Neg' input: 'p' attr { key: 'T' value { type: DT_FLOAT } } }
    node { name: 'r' op: 'Neg' input: 'q' attr { key: 'T' value { type: DT_FLOAT } } }
  )");
  for (const char* feed : {"q:0", "q"}) {
    auto g = MustImport({feed}, {"r:0"});
    ASSERT_NE(g, nullptr);
    // q is replaced by an _Arg: neither q's Neg nor the Placeholder p above it is imported.
    EXPECT_EQ(g->nodes.size(), 2u) << feed;
    EXPECT_EQ(Find(*g, "p"), -1);
    ASSERT_EQ(g->args.size(), 1u);
    const Node& arg = g->nodes[static_cast<size_t>(g->args[0].node)];
    EXPECT_EQ(arg.op, "_Arg");
    EXPECT_EQ(arg.arg_index, 0);
    int r = Find(*g, "r");
    ASSERT_GE(r, 0);
    EXPECT_EQ(g->nodes[static_cast<size_t>(r)].inputs[0], g->args[0]);
  }
  // Fetching a fed tensor returns the feed itself.
  auto g = MustImport({"q:0"}, {"q:0"});
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->outputs[0], g->args[0]);
  // Feeding a tensor that does not exist is an error naming it.
  auto bad = Import({"nope:0"}, {"r"});
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(bad.status().message(), HasSubstr("'nope:0'"));
}

TEST_F(ImportTest, ControlDependencyOnAFedPlaceholderWaitsForTheFeed) {
  Parse(R"(
    node { name: 'p' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }
    node { name: 'k' op: 'Const' input: '^p' attr { key: 'dtype' value { type: DT_FLOAT } }
           attr { key: 'value' value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } } }
    node { name: 'y' op: 'AddV2' input: 'p' input: 'k' attr { key: 'T' value { type: DT_FLOAT } } }
  )");
  auto g = MustImport({"p:0"}, {"y"});
  ASSERT_NE(g, nullptr);
  // The Placeholder is not imported (it would fail when run); k waits for the feed.
  EXPECT_EQ(Find(*g, "p"), -1);
  int k = Find(*g, "k");
  ASSERT_GE(k, 0);
  EXPECT_EQ(g->nodes[static_cast<size_t>(k)].control_inputs, (std::vector<int>{g->args[0].node}));
}

// Three levels: the graph calls outer (StatefulPartitionedCall), outer calls inner
// (PartitionedCall), inner uses the function `innermost` directly as an op.
constexpr char kNested[] = R"(
  node { name: 'x' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }
  node { name: 'call' op: 'StatefulPartitionedCall' input: 'x'
         attr { key: 'f' value { func { name: 'outer' } } }
         attr { key: 'Tin' value { list { type: DT_FLOAT } } }
         attr { key: 'Tout' value { list { type: DT_FLOAT } } } }
  library {
    function {
      signature { name: 'outer' input_arg { name: 'a' type: DT_FLOAT } output_arg { name: 'y' type: DT_FLOAT } }
      node_def { name: 'inner_call' op: 'PartitionedCall' input: 'a'
                 attr { key: 'f' value { func { name: 'inner' } } }
                 attr { key: 'Tin' value { list { type: DT_FLOAT } } }
                 attr { key: 'Tout' value { list { type: DT_FLOAT } } } }
      node_def { name: 'n' op: 'Neg' input: 'inner_call:output:0' attr { key: 'T' value { type: DT_FLOAT } } }
      ret { key: 'y' value: 'n:y:0' }
    }
    function {
      signature { name: 'inner' input_arg { name: 'b' type: DT_FLOAT } output_arg { name: 'out' type: DT_FLOAT } }
      node_def { name: 'sq' op: 'Mul' input: 'b' input: 'b' attr { key: 'T' value { type: DT_FLOAT } } }
      node_def { name: 'deep' op: 'innermost' input: 'sq:z:0' }
      ret { key: 'out' value: 'deep:r:0' }
    }
    function {
      signature { name: 'innermost' input_arg { name: 'c' type: DT_FLOAT } output_arg { name: 'r' type: DT_FLOAT } }
      node_def { name: 'neg' op: 'Neg' input: 'c' attr { key: 'T' value { type: DT_FLOAT } } }
      ret { key: 'r' value: 'neg:y:0' }
    }
  }
)";

TEST_F(ImportTest, InlinesNestedCalls) {
  Parse(kNested);
  auto g = MustImport({"x:0"}, {"call:0"});
  ASSERT_NE(g, nullptr);
  // Call nodes disappear; the computation is _Arg -> Mul -> Neg (innermost) -> Neg (outer).
  for (const auto& n : g->nodes) {
    EXPECT_NE(n.op, "StatefulPartitionedCall");
    EXPECT_NE(n.op, "PartitionedCall");
    EXPECT_NE(n.op, "innermost");
  }
  EXPECT_EQ(g->nodes.size(), 4u);
  int mul = Find(*g, "call/inner_call/sq");
  int deep = Find(*g, "call/inner_call/deep/neg");
  int outer = Find(*g, "call/n");
  ASSERT_GE(mul, 0);
  ASSERT_GE(deep, 0);
  ASSERT_GE(outer, 0);
  EXPECT_EQ(g->nodes[static_cast<size_t>(mul)].function, "inner");
  EXPECT_EQ(g->nodes[static_cast<size_t>(deep)].function, "innermost");
  EXPECT_EQ(g->nodes[static_cast<size_t>(outer)].function, "outer");
  EXPECT_EQ(g->nodes[static_cast<size_t>(mul)].inputs, (std::vector<Endpoint>{g->args[0], g->args[0]}));
  EXPECT_EQ(g->nodes[static_cast<size_t>(deep)].inputs, (std::vector<Endpoint>{{mul, 0}}));
  EXPECT_EQ(g->nodes[static_cast<size_t>(outer)].inputs, (std::vector<Endpoint>{{deep, 0}}));
  EXPECT_EQ(g->outputs, (std::vector<Endpoint>{{outer, 0}}));
}

constexpr char kSplit[] = R"(
  node { name: 'x' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }
  node { name: 'dim' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } }
         attr { key: 'value' value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 0 } } } }
  node { name: 's' op: 'Split' input: 'dim' input: 'x' attr { key: 'num_split' value { i: 3 } }
         attr { key: 'T' value { type: DT_FLOAT } } }
  node { name: 'call' op: 'StatefulPartitionedCall' input: 'x' attr { key: 'Tin' value { list { type: DT_FLOAT } } }
         attr { key: 'f' value { func { name: 'wrap' } } } }
  library {
    function {
      signature { name: 'split3' input_arg { name: 'v' type: DT_FLOAT }
                  output_arg { name: 'a' type: DT_FLOAT } output_arg { name: 'b' type: DT_FLOAT } }
      node_def { name: 'd' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } }
                 attr { key: 'value' value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 0 } } } }
      node_def { name: 'split' op: 'Split' input: 'd:output:0' input: 'v'
                 attr { key: 'num_split' value { i: 3 } } attr { key: 'T' value { type: DT_FLOAT } } }
      ret { key: 'a' value: 'split:output:2' }
      ret { key: 'b' value: 'split:output:0' }
    }
    function {
      signature { name: 'wrap' input_arg { name: 'w' type: DT_FLOAT }
                  output_arg { name: 'o0' type: DT_FLOAT } output_arg { name: 'o1' type: DT_FLOAT }
                  output_arg { name: 'o2' type: DT_FLOAT } output_arg { name: 'o3' type: DT_FLOAT } }
      node_def { name: 'c' op: 'PartitionedCall' input: 'w' attr { key: 'Tin' value { list { type: DT_FLOAT } } } attr { key: 'f' value { func { name: 'split3' } } } }
      node_def { name: 'i0' op: 'Identity' input: 'c:output:0' attr { key: 'T' value { type: DT_FLOAT } } }
      node_def { name: 'i1' op: 'Identity' input: 'c:output:1' attr { key: 'T' value { type: DT_FLOAT } } }
      node_def { name: 'i2' op: 'Identity' input: 'c:a:0' attr { key: 'T' value { type: DT_FLOAT } } }
      node_def { name: 'i3' op: 'Identity' input: 'c:b:0' attr { key: 'T' value { type: DT_FLOAT } } }
      ret { key: 'o0' value: 'i0:output:0' }
      ret { key: 'o1' value: 'i1:output:0' }
      ret { key: 'o2' value: 'i2:output:0' }
      ret { key: 'o3' value: 'i3:output:0' }
    }
  }
)";

TEST_F(ImportTest, ResolvesMultiOutputReferences) {
  Parse(kSplit);
  auto g = MustImport({"x"}, {"s:2", "s:0", "call:0", "call:1", "call:2", "call:3"});
  ASSERT_NE(g, nullptr);
  int s = Find(*g, "s");
  ASSERT_GE(s, 0);
  EXPECT_EQ(g->nodes[static_cast<size_t>(s)].num_outputs, 3);  // num_split = 3
  EXPECT_EQ(g->outputs[0], (Endpoint{s, 2}));
  EXPECT_EQ(g->outputs[1], (Endpoint{s, 0}));
  int split = Find(*g, "call/c/split");
  ASSERT_GE(split, 0);
  EXPECT_EQ(g->nodes[static_cast<size_t>(split)].num_outputs, 3);
  // split3 returns (a = split:output:2, b = split:output:0). In wrap, c:output:0 is a,
  // c:output:1 is b, c:a:0 is a, c:b:0 is b; the Identities forward them.
  const int want[4] = {2, 0, 2, 0};
  for (int i = 0; i < 4; ++i) {
    int id = Find(*g, "call/i" + std::to_string(i));
    ASSERT_GE(id, 0);
    EXPECT_EQ(g->outputs[static_cast<size_t>(2 + i)], (Endpoint{id, 0}));
    EXPECT_EQ(g->nodes[static_cast<size_t>(id)].inputs[0], (Endpoint{split, want[i]})) << "i" << i;
  }
  // split's inputs: the inlined Const d and the call argument (x's _Arg).
  EXPECT_EQ(g->nodes[static_cast<size_t>(split)].inputs[1], g->args[0]);
  EXPECT_EQ(g->nodes[static_cast<size_t>(g->nodes[static_cast<size_t>(split)].inputs[0].node)].op, "Const");
}

TEST_F(ImportTest, BadFunctionReferences) {
  // Out-of-range index into a named output arg, unknown output arg, malformed index.
  for (const auto& [ref, want] : std::vector<std::pair<std::string, std::string>>{
           {"split:output:3", "out of range"},
           {"split:nope:0", "has no output named 'nope'"},
           {"split:output:x", "malformed reference"}}) {
    std::string text = kSplit;
    text.replace(text.find("'split:output:2'"), std::string("'split:output:2'").size(), "'" + ref + "'");
    Parse(text);
    auto g = Import({"x"}, {"call:0"});
    EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument) << ref;
    EXPECT_THAT(g.status().message(), HasSubstr(want)) << ref;
    EXPECT_THAT(g.status().message(), HasSubstr("function 'split3'")) << ref;
  }
  // Top level: index past a node's outputs.
  Parse(kSplit);
  auto g = Import({"x"}, {"s:3"});
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(g.status().message(), HasSubstr("has 3 outputs"));
  auto malformed = Import({"x"}, {"s:abc"});
  EXPECT_EQ(malformed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(malformed.status().message(), HasSubstr("malformed tensor name"));
}

TEST_F(ImportTest, ControlDependencies) {
  Parse(ConstNode("a") + ConstNode("b", "input: '^a'") + ConstNode("unrelated"));
  auto g = MustImport({}, {"b"});
  ASSERT_NE(g, nullptr);
  int a = Find(*g, "a"), b = Find(*g, "b");
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  EXPECT_EQ(g->nodes[static_cast<size_t>(b)].control_inputs, (std::vector<int>{a}));
  EXPECT_TRUE(g->nodes[static_cast<size_t>(b)].inputs.empty());
  EXPECT_EQ(Find(*g, "unrelated"), -1);
}

// A function whose side effect (control_ret) is not on any data path, called with a control
// input, and a consumer with a control dependency on the call.
constexpr char kControlRet[] = R"(
  node { name: 'x' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }
  node { name: 'pre' op: 'NoOp' }
  node { name: 'call' op: 'StatefulPartitionedCall' input: 'x' input: '^pre' attr { key: 'Tin' value { list { type: DT_FLOAT } } }
         attr { key: 'f' value { func { name: 'h' } } } }
  node { name: 'after' op: 'Identity' input: 'x' input: '^call' attr { key: 'T' value { type: DT_FLOAT } } }
  library {
    function {
      signature { name: 'h' input_arg { name: 'p' type: DT_FLOAT } output_arg { name: 'y' type: DT_FLOAT }
                  control_output: 'side_effect' }
      node_def { name: 'side' op: 'NoOp' }
      node_def { name: 'out' op: 'Identity' input: 'p' attr { key: 'T' value { type: DT_FLOAT } } }
      ret { key: 'y' value: 'out:output:0' }
      control_ret { key: 'side_effect' value: 'side' }
    }
  }
)";

TEST_F(ImportTest, ControlRetNodesAreImportedAndOrdered) {
  Parse(kControlRet);
  auto g = MustImport({"x"}, {"after"});
  ASSERT_NE(g, nullptr);
  int pre = Find(*g, "pre"), side = Find(*g, "call/side"), out = Find(*g, "call/out"), after = Find(*g, "after");
  ASSERT_GE(pre, 0);
  ASSERT_GE(side, 0);  // only reachable as a control output
  ASSERT_GE(out, 0);
  ASSERT_GE(after, 0);
  // The call's control input reaches the function's source nodes (side has no inputs).
  EXPECT_EQ(g->nodes[static_cast<size_t>(side)].control_inputs, (std::vector<int>{pre}));
  // ^call waits for the function's outputs and its control outputs.
  std::set<int> ctrl(g->nodes[static_cast<size_t>(after)].control_inputs.begin(),
                     g->nodes[static_cast<size_t>(after)].control_inputs.end());
  EXPECT_EQ(ctrl, (std::set<int>{side, out}));
  EXPECT_EQ(g->nodes[static_cast<size_t>(after)].inputs[0], g->args[0]);
}

TEST_F(ImportTest, ImportFunctionArgsOutputsAndTargets) {
  Parse(R"(
    library {
      function {
        signature { name: 'f' input_arg { name: 'p' type: DT_FLOAT } input_arg { name: 'q' type: DT_FLOAT }
                    output_arg { name: 'first' type: DT_FLOAT } output_arg { name: 'second' type: DT_FLOAT }
                    control_output: 'eff' }
        node_def { name: 'side' op: 'NoOp' }
        node_def { name: 'sub' op: 'Sub' input: 'q' input: 'p' attr { key: 'T' value { type: DT_FLOAT } } }
        ret { key: 'second' value: 'p' }
        ret { key: 'first' value: 'sub:z:0' }
        control_ret { key: 'eff' value: 'side' }
      }
    }
  )");
  auto r = ImportFunction(*lib_, "f");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Graph& g = **r;
  ExpectTopological(g);
  ASSERT_EQ(g.args.size(), 2u);
  const Node& p = g.nodes[static_cast<size_t>(g.args[0].node)];
  const Node& q = g.nodes[static_cast<size_t>(g.args[1].node)];
  EXPECT_EQ(p.name, "f/p");
  EXPECT_EQ(p.arg_index, 0);
  EXPECT_EQ(q.name, "f/q");
  EXPECT_EQ(q.arg_index, 1);
  int sub = Find(g, "sub");
  ASSERT_GE(sub, 0);
  EXPECT_EQ(g.nodes[static_cast<size_t>(sub)].function, "f");
  // Sub(q, p): input order follows the NodeDef, not the signature.
  EXPECT_EQ(g.nodes[static_cast<size_t>(sub)].inputs, (std::vector<Endpoint>{g.args[1], g.args[0]}));
  // Outputs in signature order (first, second), whatever the order of the ret map.
  EXPECT_EQ(g.outputs, (std::vector<Endpoint>{{sub, 0}, g.args[0]}));
  // Targets: the control outputs only.
  EXPECT_EQ(g.targets, (std::vector<int>{Find(g, "side")}));

  auto missing = ImportFunction(*lib_, "nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("'nope'"));
}

constexpr char kRefVariables[] = R"(
  node { name: 'v' op: 'VariableV2' attr { key: 'dtype' value { type: DT_FLOAT } }
         attr { key: 'shape' value { shape {} } } }
  node { name: 'init' op: 'Const' attr { key: 'dtype' value { type: DT_FLOAT } }
         attr { key: 'value' value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 5 } } } }
  node { name: 'assign' op: 'Assign' input: 'v' input: 'init' attr { key: 'T' value { type: DT_FLOAT } } }
  node { name: 'r' op: 'Identity' input: 'v' attr { key: 'T' value { type: DT_FLOAT } } }
  node { name: 'r2' op: 'Mul' input: 'v' input: 'v:0' attr { key: 'T' value { type: DT_FLOAT } } }
)";

TEST_F(ImportTest, RefVariablesGetReads) {
  Parse(kRefVariables);
  auto g = MustImport({}, {"r", "v:0", "r2"}, {"assign"});
  ASSERT_NE(g, nullptr);
  int v = Find(*g, "v"), assign = Find(*g, "assign"), r = Find(*g, "r"), r2 = Find(*g, "r2");
  ASSERT_GE(v, 0);
  ASSERT_GE(assign, 0);
  ASSERT_GE(r, 0);
  ASSERT_GE(r2, 0);
  auto expect_read = [&](Endpoint e, const std::string& what) {
    const Node& rd = g->nodes[static_cast<size_t>(e.node)];
    EXPECT_EQ(rd.op, "ReadVariableOp") << what;
    EXPECT_EQ(rd.inputs, (std::vector<Endpoint>{{v, 0}})) << what;
    EXPECT_EQ(rd.def->attr().at("dtype").type(), tensorflow::DT_FLOAT) << what;
    EXPECT_TRUE(rd.stateful) << what << ": a read of mutable state must never be folded";
  };
  // Assign's ref input takes the variable itself; its value input is the Const.
  EXPECT_EQ(g->nodes[static_cast<size_t>(assign)].inputs[0], (Endpoint{v, 0}));
  EXPECT_EQ(g->nodes[static_cast<size_t>(assign)].inputs[1], (Endpoint{Find(*g, "init"), 0}));
  // Value consumers read through a ReadVariableOp; one read per consumer (Mul(v, v) reads once).
  expect_read(g->nodes[static_cast<size_t>(r)].inputs[0], "r");
  const auto& r2_in = g->nodes[static_cast<size_t>(r2)].inputs;
  expect_read(r2_in[0], "r2");
  EXPECT_EQ(r2_in[0], r2_in[1]);
  // Fetching the variable returns its value.
  expect_read(g->outputs[1], "fetch of v");
  EXPECT_EQ(g->targets, (std::vector<int>{assign}));
}

TEST_F(ImportTest, RefVariableReadHappensAfterTheConsumersControlInputs) {
  // with tf.control_dependencies([assign]): after = tf.identity(v) must see the assigned value:
  // its read runs after assign. `before` has no such dependency.
  Parse(std::string(kRefVariables) + R"(
    node { name: 'after' op: 'Identity' input: 'v' input: '^assign' attr { key: 'T' value { type: DT_FLOAT } } }
  )");
  auto g = MustImport({}, {"r", "after"});
  ASSERT_NE(g, nullptr);
  int assign = Find(*g, "assign"), after = Find(*g, "after"), r = Find(*g, "r");
  ASSERT_GE(assign, 0);
  ASSERT_GE(after, 0);
  int read_after = g->nodes[static_cast<size_t>(after)].inputs[0].node;
  int read_r = g->nodes[static_cast<size_t>(r)].inputs[0].node;
  EXPECT_NE(read_after, read_r);  // two reads at two points in time
  EXPECT_GT(read_after, assign);
  EXPECT_EQ(g->nodes[static_cast<size_t>(read_after)].control_inputs, (std::vector<int>{assign}));
  EXPECT_TRUE(g->nodes[static_cast<size_t>(read_r)].control_inputs.empty());
}

TEST_F(ImportTest, FetchingARefVariableReadsIt) {
  Parse(kRefVariables);
  auto g = MustImport({}, {"v"});
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->nodes.size(), 2u);  // VariableV2 + its read
  const Node& out = g->nodes[static_cast<size_t>(g->outputs[0].node)];
  EXPECT_EQ(out.op, "ReadVariableOp");
  EXPECT_EQ(out.inputs[0], (Endpoint{Find(*g, "v"), 0}));
}

TEST_F(ImportTest, MissingNodeNamesNodeAndFunction) {
  Parse(R"(
    node { name: 'x' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }
    node { name: 'call' op: 'StatefulPartitionedCall' input: 'x' attr { key: 'Tin' value { list { type: DT_FLOAT } } } attr { key: 'f' value { func { name: 'f' } } } }
    library {
      function {
        signature { name: 'f' input_arg { name: 'p' type: DT_FLOAT } output_arg { name: 'y' type: DT_FLOAT } }
        node_def { name: 'n' op: 'Neg' input: 'ghost:y:0' attr { key: 'T' value { type: DT_FLOAT } } }
        ret { key: 'y' value: 'n:y:0' }
      }
    }
  )");
  auto g = Import({"x"}, {"call"});
  EXPECT_EQ(g.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(g.status().message(), HasSubstr("'ghost'"));
  EXPECT_THAT(g.status().message(), HasSubstr("node 'n'"));
  EXPECT_THAT(g.status().message(), HasSubstr("function 'f'"));

  auto top = Import({"x"}, {"absent:0"});
  EXPECT_EQ(top.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(top.status().message(), HasSubstr("'absent'"));
  EXPECT_THAT(top.status().message(), HasSubstr("the graph"));
  auto target = Import({}, {}, {"^absent_target"});
  EXPECT_EQ(target.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(target.status().message(), HasSubstr("'absent_target'"));
}

TEST_F(ImportTest, CallWithWrongArgCount) {
  std::string text = kNested;
  text.replace(text.find("input: 'x'"), std::string("input: 'x'").size(), "input: 'x' input: 'x'");
  Parse(text);
  auto g = Import({"x"}, {"call"});
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(g.status().message(), HasSubstr("node 'call' calls function 'outer' with 2 inputs, but it takes 1"));
}

TEST_F(ImportTest, CallOfMissingFunction) {
  std::string text = kNested;
  text.replace(text.find("name: 'outer' } }"), std::string("name: 'outer' } }").size(), "name: 'gone' } }");
  Parse(text);
  auto g = Import({"x"}, {"call"});
  EXPECT_EQ(g.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(g.status().message(), HasSubstr("'gone'"));
}

TEST_F(ImportTest, UnknownOp) {
  Parse(R"(node { name: 'weird' op: 'FrobnicateXyz' })");
  auto g = Import({}, {"weird"});
  EXPECT_EQ(g.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(g.status().message(), HasSubstr("node 'weird'"));
  EXPECT_THAT(g.status().message(), HasSubstr("'FrobnicateXyz'"));
}

TEST_F(ImportTest, Tf1LoopCycleIsUnimplemented) {
  Parse(ConstNode("start") + R"(
    node { name: 'enter' op: 'Enter' input: 'start' attr { key: 'T' value { type: DT_FLOAT } }
           attr { key: 'frame_name' value { s: 'loop' } } }
    node { name: 'merge' op: 'Merge' input: 'enter' input: 'next' attr { key: 'T' value { type: DT_FLOAT } }
           attr { key: 'N' value { i: 2 } } }
    node { name: 'neg' op: 'Neg' input: 'merge' attr { key: 'T' value { type: DT_FLOAT } } }
    node { name: 'next' op: 'NextIteration' input: 'neg' attr { key: 'T' value { type: DT_FLOAT } } }
  )");
  auto g = Import({}, {"neg"});
  EXPECT_EQ(g.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(g.status().message(), HasSubstr("depends on itself"));
}

}  // namespace
}  // namespace serval::graph
