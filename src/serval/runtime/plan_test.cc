// Planner and executor tests: graphs are imported from text GraphDefs (plus a few test-only ops
// declared in a model OpList), planned with the CPU kernels and run.
#include <google/protobuf/text_format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "serval/base/strings.h"
#include "serval/graph/import.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/function_compiler.h"
#include "serval/runtime/plan.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ExpectTensorEqual;
using testing::ExpectTensorNear;

// Test-only ops: Plus1 (stateless, counts its Computes), Tick (stateful, returns 1, 2, 3, ...),
// Fail (stateless, always fails).
constexpr char kTestOps[] = R"(
  op { name: 'Plus1' input_arg { name: 'x' type: DT_FLOAT } output_arg { name: 'y' type: DT_FLOAT } }
  op { name: 'Tick' output_arg { name: 'y' type: DT_FLOAT } is_stateful: true }
  op { name: 'Fail' input_arg { name: 'x' type: DT_FLOAT } output_arg { name: 'y' type: DT_FLOAT } }
)";

std::atomic<int> g_plus1_computes{0};

class PlanTest : public ::testing::Test {
 protected:
  PlanTest() {
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kTestOps, &ops_));
    op_defs_ = std::make_unique<loader::OpDefs>(&ops_);
    kernels::cpu::RegisterCpuKernels(registry_);
    registry_.Register("Plus1", [](const KernelInfo&) -> Result<std::unique_ptr<Kernel>> {
      return MakeFnKernel([](KernelContext& ctx) -> Status {
        ++g_plus1_computes;
        ctx.set_output(0, Tensor::Scalar<float>(ctx.input(0).scalar<float>() + 1));
        return Status();
      });
    });
    registry_.Register("Tick", [](const KernelInfo&) -> Result<std::unique_ptr<Kernel>> {
      auto n = std::make_shared<std::atomic<int>>(0);
      return MakeFnKernel([n](KernelContext& ctx) -> Status {
        ctx.set_output(0, Tensor::Scalar<float>(static_cast<float>(++*n)));
        return Status();
      });
    });
    registry_.Register("Fail", [](const KernelInfo&) -> Result<std::unique_ptr<Kernel>> {
      return MakeFnKernel([](KernelContext&) -> Status { return InvalidArgument("boom"); });
    });
    g_plus1_computes = 0;
  }

  void Parse(const std::string& text) {
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &gd_)) << text;
    lib_ = std::make_unique<graph::FunctionLibrary>(gd_.library(), *op_defs_);
  }
  Result<std::unique_ptr<Plan>> Build(std::vector<std::string> feeds, std::vector<std::string> fetches,
                                      PlanOptions options = {}, const KernelRegistry* registry = nullptr) {
    graph::ImportRequest req{std::move(feeds), std::move(fetches), {}};
    SERVAL_ASSIGN_OR_RETURN(auto g, graph::ImportGraph(gd_, *lib_, req));
    functions_ = std::make_unique<LibraryFunctionCompiler>(*lib_, registry_, &resources_, options);
    return BuildPlan(g, registry ? *registry : registry_, &resources_, functions_.get(), options);
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

std::string FloatConst(const std::string& name, float v) {
  return StrCat("node { name: '", name, "' op: 'Const' attr { key: 'dtype' value { type: DT_FLOAT } } ",
                "attr { key: 'value' value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: ", v, " } } } }\n");
}
std::string Binary(const std::string& name, const std::string& op, const std::string& a, const std::string& b) {
  return StrCat("node { name: '", name, "' op: '", op, "' input: '", a, "' input: '", b,
                "' attr { key: 'T' value { type: DT_FLOAT } } }\n");
}
std::string Unary(const std::string& name, const std::string& op, const std::string& a) {
  return StrCat("node { name: '", name, "' op: '", op, "' input: '", a, "' attr { key: 'T' value { type: DT_FLOAT } } }\n");
}
constexpr char kPlaceholderX[] =
    "node { name: 'x' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }\n";

Tensor Vec(std::vector<float> v) {
  int64_t n = static_cast<int64_t>(v.size());
  return Tensor::FromVector<float>(v, TensorShape{n});
}

TEST_F(PlanTest, FoldsConstantSubgraphs) {
  // m = x * (2 + 3): the AddV2 of two Consts is folded, only Mul runs per call.
  Parse(std::string(kPlaceholderX) + FloatConst("c1", 2) + FloatConst("c2", 3) + Binary("s", "AddV2", "c1", "c2") +
        Binary("m", "Mul", "x", "s"));
  auto plan = Build({"x"}, {"m"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_THAT((*plan)->StepOps(), ElementsAre("Mul"));
  EXPECT_EQ((*plan)->num_constants(), 3);  // c1, c2 and the folded s
  auto out = RunPlan(**plan, {Vec({1, 2})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), Vec({5, 10}));  // [1, 2] * 5

  // With folding off, every node is a step (Consts included).
  PlanOptions no_fold;
  no_fold.fold_constants = false;
  auto unfolded = Build({"x"}, {"m"}, no_fold);
  ASSERT_TRUE(unfolded.ok()) << unfolded.status().ToString();
  EXPECT_THAT((*unfolded)->StepOps(), ElementsAre("Const", "Const", "AddV2", "Mul"));
  auto out2 = RunPlan(**unfolded, {Vec({1, 2})});
  ASSERT_TRUE(out2.ok()) << out2.status().ToString();
  ExpectTensorEqual(out2->at(0), Vec({5, 10}));
}

TEST_F(PlanTest, StatelessOpIsFoldedOnceAtBuild) {
  Parse(FloatConst("c", 1) + "node { name: 'p' op: 'Plus1' input: 'c' }\n");
  auto plan = Build({}, {"p"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE((*plan)->StepOps().empty());
  EXPECT_EQ(g_plus1_computes.load(), 1);  // computed by the planner
  for (int i = 0; i < 3; ++i) {
    auto out = RunPlan(**plan, {});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ExpectTensorEqual(out->at(0), Tensor::Scalar<float>(2));  // 1 + 1
  }
  EXPECT_EQ(g_plus1_computes.load(), 1);  // never again per call
}

TEST_F(PlanTest, StatefulOpsAreNotFolded) {
  // Plus1(Tick()): Tick is stateful, so neither it nor Plus1 over it is folded.
  Parse("node { name: 't' op: 'Tick' }\nnode { name: 'p' op: 'Plus1' input: 't' }\n");
  auto plan = Build({}, {"p"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_THAT((*plan)->StepOps(), ElementsAre("Tick", "Plus1"));
  for (float want : {2.f, 3.f, 4.f}) {  // Tick = 1, 2, 3; plus one
    auto out = RunPlan(**plan, {});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ExpectTensorEqual(out->at(0), Tensor::Scalar<float>(want));
  }
}

TEST_F(PlanTest, PlaceholderIsNeverFolded) {
  // An unfed Placeholder stays a step (and fails when run, with the node in the message).
  Parse(std::string(kPlaceholderX) + Unary("i", "Identity", "x"));
  auto plan = Build({}, {"i"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_THAT((*plan)->StepOps(), ElementsAre("Placeholder", "Identity"));
  auto out = RunPlan(**plan, {});
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("node 'x' (Placeholder): no value was fed"));
}

constexpr char kVariable[] = R"(
  node { name: 'h' op: 'VarHandleOp' attr { key: 'dtype' value { type: DT_FLOAT } }
         attr { key: 'shape' value { shape {} } } attr { key: 'shared_name' value { s: 'v' } } }
  node { name: 'r' op: 'ReadVariableOp' input: 'h' attr { key: 'dtype' value { type: DT_FLOAT } } }
)";

std::shared_ptr<Variable> MakeVariable(ResourceManager& rm, float value) {
  auto obj = rm.LookupOrCreate("", "v", [] { return Result<ObjectPtr>(std::make_shared<Variable>(DataType::kFloat, "v")); });
  EXPECT_TRUE(obj.ok());
  auto var = std::dynamic_pointer_cast<Variable>(*obj);
  var->Assign(Tensor::Scalar<float>(value));
  return var;
}

TEST_F(PlanTest, ReadVariableOpFoldedOnlyWhenFrozen) {
  Parse(kVariable);
  auto var = MakeVariable(resources_, 3);
  auto live = Build({}, {"r"});
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_THAT((*live)->StepOps(), ElementsAre("ReadVariableOp"));  // the handle is folded, the read is not
  PlanOptions freeze;
  freeze.freeze_variables = true;
  auto frozen = Build({}, {"r"}, freeze);
  ASSERT_TRUE(frozen.ok()) << frozen.status().ToString();
  EXPECT_TRUE((*frozen)->StepOps().empty());

  var->Assign(Tensor::Scalar<float>(4));
  auto a = RunPlan(**live, {});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ExpectTensorEqual(a->at(0), Tensor::Scalar<float>(4));  // sees the write
  auto b = RunPlan(**frozen, {});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ExpectTensorEqual(b->at(0), Tensor::Scalar<float>(3));  // the value at build time
}

TEST_F(PlanTest, FrozenReadOfUninitialisedVariableStaysAStep) {
  Parse(kVariable);
  PlanOptions freeze;
  freeze.freeze_variables = true;
  auto plan = Build({}, {"r"}, freeze);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_THAT((*plan)->StepOps(), ElementsAre("ReadVariableOp"));
  auto out = RunPlan(**plan, {});
  EXPECT_EQ(out.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(out.status().message(), HasSubstr("node 'r' (ReadVariableOp)"));
  EXPECT_THAT(out.status().message(), HasSubstr("read before it was initialised"));
}

TEST_F(PlanTest, StatelessOpOverVariableHandleIsNotFoldedUnlessFrozen) {
  // Identity(ReadVariableOp) and a stateless op directly on the handle: only the handle folds.
  Parse(std::string(kVariable) + Unary("i", "Identity", "r") +
        "node { name: 'hi' op: 'Identity' input: 'h' attr { key: 'T' value { type: DT_RESOURCE } } }\n"
        "node { name: 'r2' op: 'ReadVariableOp' input: 'hi' attr { key: 'dtype' value { type: DT_FLOAT } } }\n");
  auto var = MakeVariable(resources_, 1);
  auto plan = Build({}, {"i", "r2"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  var->Assign(Tensor::Scalar<float>(7));
  auto out = RunPlan(**plan, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), Tensor::Scalar<float>(7));
  ExpectTensorEqual(out->at(1), Tensor::Scalar<float>(7));
}

TEST_F(PlanTest, Tf1ReadAfterAssignSeesTheNewValue) {
  // v = 1 before the run. before = Identity(v); assign v := v + 5 (AssignAdd);
  // after = Identity(v) with ^assign. TF1 reads a ref when its consumer runs: before = 1,
  // after = 6. Run twice: v goes 1 -> 6 -> 11.
  Parse(R"(
    node { name: 'v' op: 'VariableV2' attr { key: 'dtype' value { type: DT_FLOAT } }
           attr { key: 'shape' value { shape {} } } }
    node { name: 'five' op: 'Const' attr { key: 'dtype' value { type: DT_FLOAT } }
           attr { key: 'value' value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 5 } } } }
    node { name: 'before' op: 'Identity' input: 'v' attr { key: 'T' value { type: DT_FLOAT } } }
    node { name: 'assign' op: 'AssignAdd' input: 'v' input: 'five' input: '^before'
           attr { key: 'T' value { type: DT_FLOAT } } }
    node { name: 'after' op: 'Identity' input: 'v' input: '^assign' attr { key: 'T' value { type: DT_FLOAT } } }
  )");
  auto var = std::make_shared<Variable>(DataType::kFloat, "v");
  ASSERT_TRUE(resources_.LookupOrCreate("", "v", [&] { return Result<ObjectPtr>(var); }).ok());
  var->Assign(Tensor::Scalar<float>(1));
  auto plan = Build({}, {"before", "after"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  for (float start : {1.f, 6.f}) {
    auto out = RunPlan(**plan, {});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ExpectTensorEqual(out->at(0), Tensor::Scalar<float>(start));
    ExpectTensorEqual(out->at(1), Tensor::Scalar<float>(start + 5));
  }
  // Frozen or not, a TF1 variable read is never folded (its write is in this very graph).
  PlanOptions freeze;
  freeze.freeze_variables = true;
  auto frozen = Build({}, {"before"}, freeze);
  ASSERT_TRUE(frozen.ok()) << frozen.status().ToString();
  EXPECT_THAT((*frozen)->StepOps(), ElementsAre("VariableV2", "ReadVariableOp", "Identity"));
}

TEST_F(PlanTest, ValuesWithSeveralConsumersSurviveRelease) {
  // x = 3: a = -3, b = a*a = 9, c = a + b = 6, d = c + a = 3. Outputs: d, a (also consumed
  // later), x (an argument), k (a constant) and a again.
  Parse(std::string(kPlaceholderX) + FloatConst("k", 8) + Unary("a", "Neg", "x") + Binary("b", "Mul", "a", "a") +
        Binary("c", "AddV2", "a", "b") + Binary("d", "AddV2", "c", "a"));
  auto plan = Build({"x"}, {"d", "a", "x", "k", "a"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_THAT((*plan)->StepOps(), ElementsAre("Neg", "Mul", "AddV2", "AddV2"));
  for (int i = 0; i < 2; ++i) {
    auto out = RunPlan(**plan, {Tensor::Scalar<float>(3)});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->size(), 5u);
    ExpectTensorEqual(out->at(0), Tensor::Scalar<float>(3));
    ExpectTensorEqual(out->at(1), Tensor::Scalar<float>(-3));
    ExpectTensorEqual(out->at(2), Tensor::Scalar<float>(3));
    ExpectTensorEqual(out->at(3), Tensor::Scalar<float>(8));
    ExpectTensorEqual(out->at(4), Tensor::Scalar<float>(-3));
  }
  auto wrong = RunPlan(**plan, {});
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.status().message(), HasSubstr("expected 1 inputs, got 0"));
}

TEST_F(PlanTest, ErrorsNameNodeOpAndFunction) {
  Parse(std::string(kPlaceholderX) + R"(
    node { name: 'call' op: 'StatefulPartitionedCall' input: 'x'
           attr { key: 'Tin' value { list { type: DT_FLOAT } } } attr { key: 'f' value { func { name: 'f' } } } }
    library {
      function {
        signature { name: 'f' input_arg { name: 'p' type: DT_FLOAT } output_arg { name: 'y' type: DT_FLOAT } }
        node_def { name: 'bad' op: 'Fail' input: 'p' }
        ret { key: 'y' value: 'bad:y:0' }
      }
    }
  )");
  auto plan = Build({"x"}, {"call"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto out = RunPlan(**plan, {Tensor::Scalar<float>(1)});
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "node 'call/bad' (Fail) in function 'f': boom");
}

TEST_F(PlanTest, MissingKernelFailsBuild) {
  Parse(std::string(kPlaceholderX) + Unary("n", "Neg", "x"));
  KernelRegistry only_core;
  kernels::cpu::RegisterCoreKernels(only_core);
  auto plan = Build({"x"}, {"n"}, {}, &only_core);
  EXPECT_EQ(plan.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(plan.status().message(), HasSubstr("node 'n' (Neg)"));
  EXPECT_THAT(plan.status().message(), HasSubstr("no kernel for op 'Neg'"));
}

TEST_F(PlanTest, BrokenConstFailsBuild) {
  // A Const whose value does not match its dtype is reported at build time, with the node.
  Parse(R"(node { name: 'k' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } }
           attr { key: 'value' value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } } })");
  auto plan = Build({}, {"k"});
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("node 'k' (Const)"));
}

TEST_F(PlanTest, ConcurrentRunsAgree) {
  // y = (x * 5 + x) * -1 = -6x, with shared intermediate values.
  Parse(std::string(kPlaceholderX) + FloatConst("c1", 2) + FloatConst("c2", 3) + Binary("s", "AddV2", "c1", "c2") +
        Binary("m", "Mul", "x", "s") + Binary("a", "AddV2", "m", "x") + Unary("y", "Neg", "a"));
  auto plan = Build({"x"}, {"y", "m"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const Plan& p = **plan;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        float x = static_cast<float>(t * 1000 + i);
        RunState run;
        std::vector<Tensor> out;
        Status s = p.Run({Vec({x, -x, 1})}, &out, run);
        if (!s.ok() || out.size() != 2) {
          ++failures;
          continue;
        }
        auto y = out[0].flat<float>();
        auto m = out[1].flat<float>();
        if (y[0] != -6 * x || y[1] != 6 * x || y[2] != -6 || m[0] != 5 * x || m[2] != 5) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace serval::runtime
