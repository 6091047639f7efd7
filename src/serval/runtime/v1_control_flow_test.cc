// TF1 (v1) control flow: Switch/Merge conditionals (dead values) and Enter/Merge/Switch/LoopCond/
// NextIteration/Exit while loops (functionalized into While nodes at import), with TensorArrayV3.
// Graphs are text GraphDefs shaped like TF 1.x tf.cond / tf.while_loop / dynamic_rnn exports.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <thread>

#include "serval/base/strings.h"
#include "serval/graph/import.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/function_compiler.h"
#include "serval/runtime/plan.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::runtime {
namespace {

using testing::ExpectTensorEqual;

// One NodeDef in text form; `attrs` is raw pbtxt.
std::string N(const std::string& name, const std::string& op, std::vector<std::string> inputs,
              const std::string& attrs = "") {
  std::string s = StrCat("node { name: '", name, "' op: '", op, "' ");
  for (const auto& in : inputs) s += StrCat("input: '", in, "' ");
  return s + attrs + " }\n";
}
std::string T(const char* t) { return StrCat("attr { key: 'T' value { type: ", t, " } } "); }
std::string Dtype(const char* t) { return StrCat("attr { key: 'dtype' value { type: ", t, " } } "); }
std::string IntConst(const std::string& name, int v, std::vector<std::string> ctrl = {}) {
  return N(name, "Const", std::move(ctrl),
           Dtype("DT_INT32") + StrCat("attr { key: 'value' value { tensor { dtype: DT_INT32 tensor_shape {} int_val: ",
                                      v, " } } }"));
}
std::string FloatConst(const std::string& name, float v, std::vector<std::string> ctrl = {}) {
  return N(name, "Const", std::move(ctrl),
           Dtype("DT_FLOAT") + StrCat("attr { key: 'value' value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: ",
                                      v, " } } }"));
}
std::string Enter(const std::string& name, const std::string& in, const std::string& frame, const char* t,
                  bool constant = false) {
  return N(name, "Enter", {in},
           T(t) + StrCat("attr { key: 'frame_name' value { s: '", frame, "' } } attr { key: 'is_constant' value { b: ",
                         constant ? "true" : "false", " } }"));
}
std::string Merge(const std::string& name, const std::string& a, const std::string& b, const char* t) {
  return N(name, "Merge", {a, b}, T(t) + "attr { key: 'N' value { i: 2 } }");
}
// A loop variable's nodes: <p>_enter, <p>_merge, <p>_switch, <p>_ident (body input), <p>_next
// (fed by `next_in`), <p>_exit.
std::string LoopVar(const std::string& p, const std::string& init, const std::string& next_in, const std::string& frame,
                    const std::string& loop_cond, const char* t) {
  return Enter(p + "_enter", init, frame, t) + Merge(p + "_merge", p + "_enter", p + "_next", t) +
         N(p + "_switch", "Switch", {p + "_merge", loop_cond}, T(t)) + N(p + "_ident", "Identity", {p + "_switch:1"}, T(t)) +
         N(p + "_next", "NextIteration", {next_in}, T(t)) + N(p + "_exit", "Exit", {p + "_switch"}, T(t));
}

class V1ControlFlowTest : public ::testing::Test {
 protected:
  V1ControlFlowTest() {
    op_defs_ = std::make_unique<loader::OpDefs>(&ops_);
    kernels::cpu::RegisterCpuKernels(registry_);
  }
  void Parse(const std::string& text) {
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &gd_)) << text;
    lib_ = std::make_unique<graph::FunctionLibrary>(gd_.library(), *op_defs_);
  }
  Result<std::unique_ptr<Plan>> Build(std::vector<std::string> feeds, std::vector<std::string> fetches) {
    graph::ImportRequest req{std::move(feeds), std::move(fetches), {}};
    SERVAL_ASSIGN_OR_RETURN(auto g, graph::ImportGraph(gd_, *lib_, req));
    functions_ = std::make_unique<LibraryFunctionCompiler>(*lib_, registry_, &resources_, PlanOptions{});
    return BuildPlan(g, registry_, &resources_, functions_.get(), PlanOptions{});
  }
  Result<std::vector<Tensor>> RunPlan(const Plan& plan, std::vector<Tensor> args) {
    RunState run;
    run.resources = &resources_;
    std::vector<Tensor> out;
    SERVAL_RETURN_IF_ERROR(plan.Run(std::move(args), &out, run));
    return out;
  }

  tensorflow::OpList ops_;
  std::unique_ptr<loader::OpDefs> op_defs_;
  KernelRegistry registry_;
  ResourceManager resources_;
  tensorflow::GraphDef gd_;
  std::unique_ptr<graph::FunctionLibrary> lib_;
  std::unique_ptr<LibraryFunctionCompiler> functions_;
};

TEST_F(V1ControlFlowTest, CondTakesEachBranch) {
  // tf.cond(x > 0, lambda: x * 2, lambda: x - 1), plus a cond whose branches are only constants.
  Parse(N("x", "Placeholder", {}, Dtype("DT_FLOAT")) + FloatConst("zero", 0) +
        N("pred", "Greater", {"x", "zero"}, T("DT_FLOAT")) + N("sw", "Switch", {"x", "pred"}, T("DT_FLOAT")) +
        N("pivot_t", "Identity", {"sw:1"}, T("DT_FLOAT")) + N("pivot_f", "Identity", {"sw:0"}, T("DT_FLOAT")) +
        FloatConst("two", 2, {"^pivot_t"}) + FloatConst("one", 1, {"^pivot_f"}) +
        N("mul", "Mul", {"pivot_t", "two"}, T("DT_FLOAT")) + N("sub", "Sub", {"pivot_f", "one"}, T("DT_FLOAT")) +
        Merge("merge", "sub", "mul", "DT_FLOAT") + FloatConst("c5", 5, {"^pivot_t"}) +
        FloatConst("c7", 7, {"^pivot_f"}) + Merge("merge2", "c7", "c5", "DT_FLOAT"));
  auto plan = Build({"x:0"}, {"merge:0", "merge:1", "merge2:0"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto pos = RunPlan(**plan, {Tensor::Scalar<float>(3)});
  ASSERT_TRUE(pos.ok()) << pos.status().ToString();
  ExpectTensorEqual((*pos)[0], Tensor::Scalar<float>(6));
  ExpectTensorEqual((*pos)[1], Tensor::Scalar<int32_t>(1));
  ExpectTensorEqual((*pos)[2], Tensor::Scalar<float>(5));
  auto neg = RunPlan(**plan, {Tensor::Scalar<float>(-2)});
  ASSERT_TRUE(neg.ok()) << neg.status().ToString();
  ExpectTensorEqual((*neg)[0], Tensor::Scalar<float>(-3));
  ExpectTensorEqual((*neg)[1], Tensor::Scalar<int32_t>(0));
  ExpectTensorEqual((*neg)[2], Tensor::Scalar<float>(7));
  // Fetching a value of the untaken branch is an error, not garbage.
  auto dead = Build({"x:0"}, {"mul:0"});
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  EXPECT_FALSE(RunPlan(**dead, {Tensor::Scalar<float>(-2)}).ok());
}

TEST_F(V1ControlFlowTest, CountingLoop) {
  // i = 0; while i < 10: i += 1
  Parse(IntConst("i0", 0) + LoopVar("i", "i0", "add", "L", "lc", "DT_INT32") + IntConst("ten", 10, {"^i_merge"}) +
        N("less", "Less", {"i_merge", "ten"}, T("DT_INT32")) + N("lc", "LoopCond", {"less"}) +
        IntConst("one", 1, {"^i_ident"}) + N("add", "AddV2", {"i_ident", "one"}, T("DT_INT32")));
  auto plan = Build({}, {"i_exit:0"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto out = RunPlan(**plan, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual((*out)[0], Tensor::Scalar<int32_t>(10));
}

TEST_F(V1ControlFlowTest, LoopWithInvariants) {
  // acc = 0; for i in range(n): acc += x * i   (n, x loop invariants). n=5, x=2 -> 2*(0+1+2+3+4) = 20.
  Parse(N("n", "Placeholder", {}, Dtype("DT_INT32")) + N("x", "Placeholder", {}, Dtype("DT_FLOAT")) +
        IntConst("i0", 0) + FloatConst("acc0", 0) + Enter("n_enter", "n", "L", "DT_INT32", true) +
        Enter("x_enter", "x", "L", "DT_FLOAT", true) + LoopVar("i", "i0", "i_add", "L", "lc", "DT_INT32") +
        LoopVar("acc", "acc0", "acc_add", "L", "lc", "DT_FLOAT") +
        N("less", "Less", {"i_merge", "n_enter"}, T("DT_INT32")) + N("lc", "LoopCond", {"less"}) +
        IntConst("one", 1, {"^i_ident"}) + N("i_add", "AddV2", {"i_ident", "one"}, T("DT_INT32")) +
        N("i_f", "Cast", {"i_ident"}, "attr { key: 'SrcT' value { type: DT_INT32 } } attr { key: 'DstT' value { type: DT_FLOAT } }") +
        N("xi", "Mul", {"x_enter", "i_f"}, T("DT_FLOAT")) + N("acc_add", "AddV2", {"acc_ident", "xi"}, T("DT_FLOAT")));
  auto plan = Build({"n:0", "x:0"}, {"acc_exit:0", "i_exit:0"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto out = RunPlan(**plan, {Tensor::Scalar<int32_t>(5), Tensor::Scalar<float>(2)});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual((*out)[0], Tensor::Scalar<float>(20));
  ExpectTensorEqual((*out)[1], Tensor::Scalar<int32_t>(5));
  out = RunPlan(**plan, {Tensor::Scalar<int32_t>(0), Tensor::Scalar<float>(2)});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual((*out)[0], Tensor::Scalar<float>(0));
}

// dynamic_rnn's shape: a TensorArray written at i with i*i inside the loop (handle invariant, flow
// carried), stacked after it with Gather over range(Size).
std::string TensorArrayLoop() {
  return N("n", "Placeholder", {}, Dtype("DT_INT32")) +
         N("ta", "TensorArrayV3", {"n"},
           Dtype("DT_INT32") + "attr { key: 'element_shape' value { shape {} } } attr { key: 'clear_after_read' value { b: true } }") +
         IntConst("i0", 0) + Enter("h_enter", "ta", "L", "DT_RESOURCE", true) + Enter("n_enter", "n", "L", "DT_INT32", true) +
         LoopVar("i", "i0", "i_add", "L", "lc", "DT_INT32") + LoopVar("flow", "ta:1", "write", "L", "lc", "DT_FLOAT") +
         N("less", "Less", {"i_merge", "n_enter"}, T("DT_INT32")) + N("lc", "LoopCond", {"less"}) +
         N("sq", "Mul", {"i_ident", "i_ident"}, T("DT_INT32")) +
         N("write", "TensorArrayWriteV3", {"h_enter", "i_ident", "sq", "flow_ident"}, T("DT_INT32")) +
         IntConst("one", 1, {"^i_ident"}) + N("i_add", "AddV2", {"i_ident", "one"}, T("DT_INT32")) +
         N("size", "TensorArraySizeV3", {"ta", "flow_exit"}) + IntConst("r0", 0) + IntConst("r1", 1) +
         N("range", "Range", {"r0", "size", "r1"}, "attr { key: 'Tidx' value { type: DT_INT32 } }") +
         N("stack", "TensorArrayGatherV3", {"ta", "range", "flow_exit"},
           Dtype("DT_INT32") + "attr { key: 'element_shape' value { shape {} } }");
}

TEST_F(V1ControlFlowTest, TensorArrayLoopStacksSquares) {
  Parse(TensorArrayLoop());
  auto plan = Build({"n:0"}, {"stack:0"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto out = RunPlan(**plan, {Tensor::Scalar<int32_t>(5)});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual((*out)[0], Tensor::FromVector<int32_t>({0, 1, 4, 9, 16}, TensorShape{5}));
}

TEST_F(V1ControlFlowTest, TensorArrayLoopConcurrentRuns) {
  Parse(TensorArrayLoop());
  auto plan = Build({"n:0"}, {"stack:0"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 50; ++rep) {
        const int n = 3 + t;
        auto out = RunPlan(**plan, {Tensor::Scalar<int32_t>(n)});
        if (!out.ok() || (*out)[0].num_elements() != n) {
          ++failures[static_cast<size_t>(t)];
          continue;
        }
        for (int k = 0; k < n; ++k)
          if ((*out)[0].flat<int32_t>()[static_cast<size_t>(k)] != k * k) ++failures[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[static_cast<size_t>(t)], 0) << "thread " << t;
}

TEST_F(V1ControlFlowTest, NestedLoops) {
  // acc = 0; for i in range(3): for j in range(4): acc += one   (one an inner invariant) -> 12.
  Parse(IntConst("zero", 0) + IntConst("one_c", 1) + IntConst("three", 3) + IntConst("four", 4) +
        LoopVar("i", "zero", "i_add", "outer", "olc", "DT_INT32") +
        LoopVar("acc", "zero", "jacc_exit", "outer", "olc", "DT_INT32") +
        Enter("o_three", "three", "outer", "DT_INT32", true) + Enter("o_one", "one_c", "outer", "DT_INT32", true) +
        Enter("o_four", "four", "outer", "DT_INT32", true) +
        N("oless", "Less", {"i_merge", "o_three"}, T("DT_INT32")) + N("olc", "LoopCond", {"oless"}) +
        N("i_add", "AddV2", {"i_ident", "o_one"}, T("DT_INT32")) +
        // inner loop, in the outer body
        IntConst("jzero", 0, {"^i_ident"}) + Enter("i_one", "o_one", "outer/inner", "DT_INT32", true) +
        Enter("i_four", "o_four", "outer/inner", "DT_INT32", true) +
        LoopVar("j", "jzero", "j_add", "outer/inner", "ilc", "DT_INT32") +
        LoopVar("jacc", "acc_ident", "jacc_add", "outer/inner", "ilc", "DT_INT32") +
        N("iless", "Less", {"j_merge", "i_four"}, T("DT_INT32")) + N("ilc", "LoopCond", {"iless"}) +
        N("j_add", "AddV2", {"j_ident", "i_one"}, T("DT_INT32")) +
        N("jacc_add", "AddV2", {"jacc_ident", "i_one"}, T("DT_INT32")));
  auto plan = Build({}, {"acc_exit:0", "i_exit:0"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto out = RunPlan(**plan, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual((*out)[0], Tensor::Scalar<int32_t>(12));
  ExpectTensorEqual((*out)[1], Tensor::Scalar<int32_t>(3));
}

TEST_F(V1ControlFlowTest, CondInsideLoop) {
  // i = 0; acc = 0; while i < 6: acc += (i % 2 == 0 ? i : 10 * i)... using Greater on i > 2:
  // acc += (i > 2 ? 10 : 1) -> i=0,1,2: 1 each; i=3,4,5: 10 each -> 33.
  Parse(IntConst("zero", 0) + IntConst("six", 6) + IntConst("two", 2) + IntConst("one_c", 1) +
        LoopVar("i", "zero", "i_add", "L", "lc", "DT_INT32") + LoopVar("acc", "zero", "acc_merge2", "L", "lc", "DT_INT32") +
        Enter("e_six", "six", "L", "DT_INT32", true) + Enter("e_two", "two", "L", "DT_INT32", true) +
        Enter("e_one", "one_c", "L", "DT_INT32", true) +
        N("less", "Less", {"i_merge", "e_six"}, T("DT_INT32")) + N("lc", "LoopCond", {"less"}) +
        N("i_add", "AddV2", {"i_ident", "e_one"}, T("DT_INT32")) +
        N("gt", "Greater", {"i_ident", "e_two"}, T("DT_INT32")) + N("csw", "Switch", {"acc_ident", "gt"}, T("DT_INT32")) +
        N("ct", "Identity", {"csw:1"}, T("DT_INT32")) + N("cf", "Identity", {"csw:0"}, T("DT_INT32")) +
        IntConst("ten", 10, {"^ct"}) + IntConst("uno", 1, {"^cf"}) +
        N("at", "AddV2", {"ct", "ten"}, T("DT_INT32")) + N("af", "AddV2", {"cf", "uno"}, T("DT_INT32")) +
        Merge("acc_merge2", "af", "at", "DT_INT32"));
  auto plan = Build({}, {"acc_exit:0"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto out = RunPlan(**plan, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual((*out)[0], Tensor::Scalar<int32_t>(33));
}

}  // namespace
}  // namespace serval::runtime
