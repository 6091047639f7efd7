// While/If with a fake FunctionCompiler that hands out hand-written CompiledFunctions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using ::testing::HasSubstr;
using runtime::CompiledFunction;
using runtime::KernelContext;
using runtime::testing::ExpectTensorEqual;

using Body = std::function<Status(std::vector<Tensor>, std::vector<Tensor>*, KernelContext&)>;

class LambdaFunction final : public CompiledFunction {
 public:
  LambdaFunction(int args, int outputs, Body body) : args_(args), outputs_(outputs), body_(std::move(body)) {}
  int num_args() const override { return args_; }
  int num_outputs() const override { return outputs_; }
  Status Call(std::vector<Tensor> args, std::vector<Tensor>* outputs, KernelContext& parent) const override {
    ++calls;
    outputs->clear();
    return body_(std::move(args), outputs, parent);
  }
  mutable int calls = 0;

 private:
  int args_, outputs_;
  Body body_;
};

class FakeCompiler final : public runtime::FunctionCompiler {
 public:
  std::map<std::string, std::shared_ptr<LambdaFunction>> fns;
  Result<std::shared_ptr<const CompiledFunction>> Compile(const std::string& name) override {
    auto it = fns.find(name);
    if (it == fns.end()) return NotFound("no function '" + name + "' in the fake compiler");
    return std::shared_ptr<const CompiledFunction>(it->second);
  }
};

class ControlFlowTest : public ::testing::Test {
 protected:
  ControlFlowTest() { RegisterControlFlowKernels(r_); }

  std::shared_ptr<LambdaFunction> Fn(const std::string& name, int args, int outputs, Body body) {
    auto f = std::make_shared<LambdaFunction>(args, outputs, std::move(body));
    compiler_.fns[name] = f;
    return f;
  }

  // Builds the node (function attrs by name), creates the kernel and runs it once.
  Result<std::vector<Tensor>> Run(const std::string& op, const std::map<std::string, std::string>& funcs,
                                  std::vector<Tensor> inputs, int num_outputs,
                                  const std::atomic<bool>* cancelled = nullptr) {
    def_ = tensorflow::NodeDef();
    def_.set_name("cf");
    def_.set_op(op);
    for (const auto& [attr, fn] : funcs) (*def_.mutable_attr())[attr].mutable_func()->set_name(fn);
    node_ = graph::Node();
    node_.name = "cf";
    node_.op = op;
    node_.def = &def_;
    node_.inputs.resize(inputs.size());
    node_.num_outputs = num_outputs;
    runtime::KernelInfo info(node_, std::vector<const Tensor*>(inputs.size(), nullptr), &rm_, &compiler_);
    SERVAL_ASSIGN_OR_RETURN(auto kernel, r_.Create(info));
    std::vector<const Tensor*> in;
    for (const auto& t : inputs) in.push_back(&t);
    std::vector<Tensor> out(static_cast<size_t>(num_outputs));
    runtime::RunState run;
    run.resources = &rm_;
    run.cancelled = cancelled;
    KernelContext ctx(node_, in, out, &run);
    SERVAL_RETURN_IF_ERROR(kernel->Compute(ctx));
    return out;
  }

  runtime::KernelRegistry r_;
  runtime::ResourceManager rm_;
  FakeCompiler compiler_;
  tensorflow::NodeDef def_;
  graph::Node node_;
};

int32_t I32(const Tensor& t) { return t.scalar<int32_t>(); }


TEST_F(ControlFlowTest, WhileCountdown) {
  auto cond = Fn("cond", 2, 1, [](std::vector<Tensor> a, std::vector<Tensor>* out, KernelContext&) {
    out->push_back(Tensor::Scalar<bool>(I32(a[0]) > 0));
    return Status();
  });
  auto body = Fn("body", 2, 2, [](std::vector<Tensor> a, std::vector<Tensor>* out, KernelContext&) {
    out->push_back(Tensor::Scalar<int32_t>(I32(a[0]) - 1));
    out->push_back(Tensor::Scalar<int32_t>(I32(a[1]) + I32(a[0])));
    return Status();
  });
  for (const char* op : {"While", "StatelessWhile"}) {
    cond->calls = body->calls = 0;
    auto out = Run(op, {{"cond", "cond"}, {"body", "body"}},
                   {Tensor::Scalar<int32_t>(4), Tensor::Scalar<int32_t>(0)}, 2);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    // i = 4, 3, 2, 1 run the body: acc = 4 + 3 + 2 + 1 = 10; cond is checked 5 times.
    ExpectTensorEqual(out->at(0), Tensor::Scalar<int32_t>(0));
    ExpectTensorEqual(out->at(1), Tensor::Scalar<int32_t>(10));
    EXPECT_EQ(cond->calls, 5) << op;
    EXPECT_EQ(body->calls, 4) << op;
  }
  // A loop whose condition is false at once returns its inputs unchanged.
  auto out = Run("While", {{"cond", "cond"}, {"body", "body"}},
                 {Tensor::Scalar<int32_t>(-1), Tensor::Scalar<int32_t>(7)}, 2);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), Tensor::Scalar<int32_t>(-1));
  ExpectTensorEqual(out->at(1), Tensor::Scalar<int32_t>(7));
}

TEST_F(ControlFlowTest, WhileConditionOnNonBoolScalar) {
  // cond returns i itself (int32): non-zero is true. Body: i -> i - 1. Ends at 0.
  Fn("cond_i", 1, 1, [](std::vector<Tensor> a, std::vector<Tensor>* out, KernelContext&) {
    out->push_back(a[0]);
    return Status();
  });
  Fn("dec", 1, 1, [](std::vector<Tensor> a, std::vector<Tensor>* out, KernelContext&) {
    out->push_back(Tensor::Scalar<int32_t>(I32(a[0]) - 1));
    return Status();
  });
  auto out = Run("While", {{"cond", "cond_i"}, {"body", "dec"}}, {Tensor::Scalar<int32_t>(3)}, 1);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), Tensor::Scalar<int32_t>(0));
}

TEST_F(ControlFlowTest, WhileArityErrors) {
  Fn("cond1", 1, 1, [](std::vector<Tensor>, std::vector<Tensor>* out, KernelContext&) {
    out->push_back(Tensor::Scalar<bool>(false));
    return Status();
  });
  Fn("body2", 2, 2, [](std::vector<Tensor> a, std::vector<Tensor>* out, KernelContext&) {
    *out = a;
    return Status();
  });
  Fn("body2to1", 2, 1, [](std::vector<Tensor> a, std::vector<Tensor>* out, KernelContext&) {
    out->push_back(a[0]);
    return Status();
  });
  Fn("cond2", 2, 1, [](std::vector<Tensor>, std::vector<Tensor>* out, KernelContext&) {
    out->push_back(Tensor::Scalar<bool>(false));
    return Status();
  });
  std::vector<Tensor> two = {Tensor::Scalar<int32_t>(1), Tensor::Scalar<int32_t>(2)};
  auto a = Run("While", {{"cond", "cond1"}, {"body", "body2"}}, two, 2);
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(a.status().message(), HasSubstr("the loop carries 2 values but cond takes 1"));
  auto b = Run("While", {{"cond", "cond2"}, {"body", "body2to1"}}, two, 2);
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(b.status().message(), HasSubstr("returns 1"));
  auto missing_attr = Run("While", {{"cond", "cond2"}}, two, 2);
  EXPECT_EQ(missing_attr.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing_attr.status().message(), HasSubstr("'body'"));
  auto unknown_fn = Run("While", {{"cond", "cond2"}, {"body", "nope"}}, two, 2);
  EXPECT_EQ(unknown_fn.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown_fn.status().message(), HasSubstr("'nope'"));
}

TEST_F(ControlFlowTest, WhileBodyErrorsAndCancellation) {
  Fn("forever", 1, 1, [](std::vector<Tensor>, std::vector<Tensor>* out, KernelContext&) {
    out->push_back(Tensor::Scalar<bool>(true));
    return Status();
  });
  Fn("fail_at_2", 1, 1, [](std::vector<Tensor> a, std::vector<Tensor>* out, KernelContext&) -> Status {
    if (I32(a[0]) == 2) return InvalidArgument("bad step");
    out->push_back(Tensor::Scalar<int32_t>(I32(a[0]) + 1));
    return Status();
  });
  auto failed = Run("While", {{"cond", "forever"}, {"body", "fail_at_2"}}, {Tensor::Scalar<int32_t>(0)}, 1);
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  // Iterations 0 and 1 take i to 2; iteration 2 fails.
  EXPECT_EQ(failed.status().message(), "While body, iteration 2: bad step");

  std::atomic<bool> cancelled{false};
  Fn("cancel_at_3", 1, 1, [&cancelled](std::vector<Tensor> a, std::vector<Tensor>* out, KernelContext&) {
    if (I32(a[0]) == 3) cancelled = true;
    out->push_back(Tensor::Scalar<int32_t>(I32(a[0]) + 1));
    return Status();
  });
  auto c = Run("While", {{"cond", "forever"}, {"body", "cancel_at_3"}}, {Tensor::Scalar<int32_t>(0)}, 1, &cancelled);
  EXPECT_EQ(c.status().code(), StatusCode::kCancelled);
  // The body of iteration 3 sets the flag; the check before iteration 4 stops the loop.
  EXPECT_THAT(c.status().message(), HasSubstr("after 4 iterations"));
}

class IfTest : public ControlFlowTest {
 protected:
  IfTest() {
    // then: x -> x * 10; else: x -> -x.
    Fn("then", 1, 1, [](std::vector<Tensor> a, std::vector<Tensor>* out, KernelContext&) {
      out->push_back(Tensor::Scalar<int32_t>(I32(a[0]) * 10));
      return Status();
    });
    Fn("else", 1, 1, [](std::vector<Tensor> a, std::vector<Tensor>* out, KernelContext&) {
      out->push_back(Tensor::Scalar<int32_t>(-I32(a[0])));
      return Status();
    });
  }
  Result<int32_t> RunIf(const Tensor& pred, const char* op = "If") {
    SERVAL_ASSIGN_OR_RETURN(auto out, Run(op, {{"then_branch", "then"}, {"else_branch", "else"}},
                                          {pred, Tensor::Scalar<int32_t>(3)}, 1));
    return I32(out[0]);
  }
};

TEST_F(IfTest, PicksTheBranch) {
  struct Case {
    Tensor pred;
    int32_t want;  // 30 = then (3 * 10), -3 = else
    const char* what;
  };
  std::vector<Case> cases = {
      {Tensor::Scalar<bool>(true), 30, "bool true"},
      {Tensor::Scalar<bool>(false), -3, "bool false"},
      {Tensor::Scalar<int32_t>(0), -3, "int32 0"},
      {Tensor::Scalar<int32_t>(-5), 30, "int32 -5"},
      {Tensor::Scalar<int64_t>(1), 30, "int64 1"},
      {Tensor::Scalar<float>(0.f), -3, "float 0"},
      {Tensor::Scalar<float>(0.5f), 30, "float 0.5"},
      {Tensor::Scalar<double>(-0.0), -3, "double -0"},
      {Tensor::Scalar<std::string>(""), -3, "empty string"},
      {Tensor::Scalar<std::string>("x"), 30, "string"},
      {Tensor::Scalar<uint8_t>(2), 30, "uint8 2"},
      {Tensor::Scalar<int8_t>(0), -3, "int8 0"},
      // Non-scalars: true when non-empty, whatever the values (TF semantics).
      {Tensor::FromVector<bool>({false}, TensorShape{1}), 30, "[false]"},
      {Tensor(DataType::kFloat, TensorShape{0}), -3, "empty float vector"},
  };
  for (const auto& c : cases) {
    for (const char* op : {"If", "StatelessIf"}) {
      auto got = RunIf(c.pred, op);
      ASSERT_TRUE(got.ok()) << c.what << ": " << got.status().ToString();
      EXPECT_EQ(*got, c.want) << c.what << " (" << op << ")";
    }
  }
}

TEST_F(IfTest, UnsupportedConditionDtype) {
  Tensor half(DataType::kHalf, TensorShape{});
  auto got = RunIf(half);
  EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(got.status().message(), HasSubstr("DT_HALF"));
}

TEST_F(IfTest, ArityErrors) {
  Fn("two_out", 1, 2, [](std::vector<Tensor> a, std::vector<Tensor>* out, KernelContext&) {
    *out = {a[0], a[0]};
    return Status();
  });
  auto outs = Run("If", {{"then_branch", "then"}, {"else_branch", "two_out"}},
                  {Tensor::Scalar<bool>(true), Tensor::Scalar<int32_t>(1)}, 1);
  EXPECT_EQ(outs.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(outs.status().message(), HasSubstr("one takes 1 and returns 2"));
  // Two data inputs for one-argument branches.
  auto ins = Run("If", {{"then_branch", "then"}, {"else_branch", "else"}},
                 {Tensor::Scalar<bool>(true), Tensor::Scalar<int32_t>(1), Tensor::Scalar<int32_t>(2)}, 1);
  EXPECT_EQ(ins.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(ins.status().message(), HasSubstr("branches must take 2 inputs"));
}

}  // namespace
}  // namespace serval::kernels::cpu
