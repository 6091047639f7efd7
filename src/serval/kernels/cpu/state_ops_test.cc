#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <climits>
#include <map>
#include <thread>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using ::testing::HasSubstr;
using runtime::ResourceManager;
using runtime::Variable;
using runtime::testing::ExpectTensorEqual;
using runtime::testing::KernelTester;

class StateOpsTest : public ::testing::Test {
 protected:
  StateOpsTest() { RegisterStateKernels(r_); }

  Tensor Handle(const std::string& shared_name, DataType dtype = DataType::kFloat, const char* op = "VarHandleOp") {
    KernelTester t(op, r_);
    t.Attr("dtype", dtype).Resources(&rm_);
    if (!shared_name.empty()) t.Attr("shared_name", shared_name);
    auto out = t.Run();
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? out->at(0) : Tensor();
  }
  static std::shared_ptr<Variable> VarOf(const Tensor& handle) {
    return std::dynamic_pointer_cast<Variable>(handle.flat<ObjectPtr>()[0]);
  }
  Result<std::vector<Tensor>> Op(const std::string& op, const Tensor& handle, const Tensor& value, int outputs = 0) {
    KernelTester t(op, r_);
    t.Attr("dtype", value.dtype()).Attr("T", value.dtype()).Input(handle).Input(value).NumOutputs(outputs).Resources(&rm_);
    return t.Run();
  }
  Result<Tensor> Read(const Tensor& handle, DataType dtype) {
    KernelTester t("ReadVariableOp", r_);
    t.Attr("dtype", dtype).Input(handle).Resources(&rm_);
    SERVAL_ASSIGN_OR_RETURN(auto out, t.Run());
    return out[0];
  }

  runtime::KernelRegistry r_;
  ResourceManager rm_;
};

TEST_F(StateOpsTest, VarHandlesWithTheSameSharedNameShareTheVariable) {
  Tensor h1 = Handle("w");
  Tensor h2 = Handle("w");
  Tensor other = Handle("other");
  ASSERT_EQ(h1.dtype(), DataType::kResource);
  ASSERT_NE(VarOf(h1), nullptr);
  EXPECT_EQ(VarOf(h1), VarOf(h2));
  EXPECT_NE(VarOf(h1), VarOf(other));
  EXPECT_EQ(VarOf(h1), std::dynamic_pointer_cast<Variable>(rm_.Lookup("", "w")));
  // A write through one handle is visible through the other.
  ASSERT_TRUE(Op("AssignVariableOp", h1, Tensor::Scalar<float>(2.5f)).ok());
  auto v = Read(h2, DataType::kFloat);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ExpectTensorEqual(*v, Tensor::Scalar<float>(2.5f));
}

TEST_F(StateOpsTest, VarHandleDtypeConflict) {
  Handle("w", DataType::kFloat);
  KernelTester t("VarHandleOp", r_);
  t.Attr("dtype", DataType::kInt32).Attr("shared_name", "w").Resources(&rm_);
  Status s = t.Create();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("DT_FLOAT"));
  EXPECT_THAT(s.message(), HasSubstr("DT_INT32"));
}

TEST_F(StateOpsTest, VariableV2IsNamedByItsNode) {
  // TF1 variables have no shared_name: the node name ("test_node" in KernelTester) keys them.
  Tensor h = Handle("", DataType::kFloat, "VariableV2");
  EXPECT_EQ(VarOf(h), std::dynamic_pointer_cast<Variable>(rm_.Lookup("", "test_node")));
  // TF1 Assign outputs the new value.
  auto out = Op("Assign", h, Tensor::Scalar<float>(4.f), 1);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), Tensor::Scalar<float>(4.f));
}

TEST_F(StateOpsTest, ReadBeforeInitialisation) {
  Tensor h = Handle("fresh");
  auto v = Read(h, DataType::kFloat);
  EXPECT_EQ(v.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(v.status().message(), HasSubstr("variable 'fresh' was read before it was initialised"));

  KernelTester t("VarIsInitializedOp", r_);
  t.Input(h).Resources(&rm_);
  auto init = t.Run();
  ASSERT_TRUE(init.ok());
  ExpectTensorEqual(init->at(0), Tensor::Scalar<bool>(false));
  ASSERT_TRUE(Op("AssignVariableOp", h, Tensor::Scalar<float>(1.f)).ok());
  init = t.Run();
  ASSERT_TRUE(init.ok());
  ExpectTensorEqual(init->at(0), Tensor::Scalar<bool>(true));
}

TEST_F(StateOpsTest, AssignAndRead) {
  Tensor h = Handle("v");
  Tensor value = Tensor::FromVector<float>({1.f, 2.f, 3.f}, TensorShape{3});
  auto out = Op("AssignVariableOp", h, value);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  auto v = Read(h, DataType::kFloat);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ExpectTensorEqual(*v, value);
  // The first assignment is initialisation; the next ones count as writes.
  EXPECT_EQ(VarOf(h)->writes(), 0);
  ASSERT_TRUE(Op("AssignVariableOp", h, Tensor::FromVector<float>({9.f}, TensorShape{1})).ok());
  EXPECT_EQ(VarOf(h)->writes(), 1);
  // Reading with the wrong dtype attr.
  auto wrong = Read(h, DataType::kInt32);
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.status().message(), HasSubstr("holds DT_FLOAT, read as DT_INT32"));
}

TEST_F(StateOpsTest, AssignDtypeMismatch) {
  Tensor h = Handle("v");
  for (const char* op : {"AssignVariableOp", "AssignAddVariableOp", "Assign"}) {
    auto out = Op(op, h, Tensor::Scalar<int32_t>(1));
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument) << op;
    EXPECT_THAT(out.status().message(), HasSubstr("cannot assign a DT_INT32 value to variable 'v' of type DT_FLOAT"));
  }
  EXPECT_FALSE(VarOf(h)->initialized());
}

TEST_F(StateOpsTest, AssignAddWrapsAroundInt32) {
  Tensor h = Handle("n", DataType::kInt32);
  ASSERT_TRUE(Op("AssignVariableOp", h, Tensor::FromVector<int32_t>({INT32_MAX, 5}, TensorShape{2})).ok());
  ASSERT_TRUE(Op("AssignAddVariableOp", h, Tensor::FromVector<int32_t>({1, -7}, TensorShape{2})).ok());
  auto v = Read(h, DataType::kInt32);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  // INT32_MAX + 1 wraps to INT32_MIN (two's complement, as TF); 5 - 7 = -2.
  ExpectTensorEqual(*v, Tensor::FromVector<int32_t>({INT32_MIN, -2}, TensorShape{2}));
  // AssignSub back: INT32_MIN - 1 wraps to INT32_MAX. TF1 AssignSub returns the new value.
  auto out = Op("AssignSub", h, Tensor::FromVector<int32_t>({1, -2}, TensorShape{2}), 1);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), Tensor::FromVector<int32_t>({INT32_MAX, 0}, TensorShape{2}));
}

TEST_F(StateOpsTest, AssignAddFloatAndErrors) {
  Tensor h = Handle("f");
  auto before = Op("AssignAddVariableOp", h, Tensor::Scalar<float>(1.f));
  EXPECT_EQ(before.status().code(), StatusCode::kFailedPrecondition);  // never initialised
  ASSERT_TRUE(Op("AssignVariableOp", h, Tensor::Scalar<float>(0.5f)).ok());
  auto out = Op("AssignAdd", h, Tensor::Scalar<float>(0.25f), 1);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), Tensor::Scalar<float>(0.75f));
  auto shape = Op("AssignAddVariableOp", h, Tensor::FromVector<float>({1.f, 2.f}, TensorShape{2}));
  EXPECT_EQ(shape.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(shape.status().message(), HasSubstr("update has shape [2] but the variable has shape []"));
}

TEST_F(StateOpsTest, ConcurrentAssignAddIsSerialised) {
  Tensor h = Handle("c", DataType::kInt64);
  ASSERT_TRUE(Op("AssignVariableOp", h, Tensor::Scalar<int64_t>(0)).ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      // One kernel per thread over the same variable, as two plans of one model would have.
      KernelTester t("AssignAddVariableOp", r_);
      t.Attr("dtype", DataType::kInt64).Input(h).Input(Tensor::Scalar<int64_t>(1)).NumOutputs(0).Resources(&rm_);
      for (int k = 0; k < 500; ++k)
        if (!t.Run().ok()) ++failures;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto v = Read(h, DataType::kInt64);
  ASSERT_TRUE(v.ok());
  ExpectTensorEqual(*v, Tensor::Scalar<int64_t>(4000));  // 8 threads x 500
}

// RestoreV2 needs RunState::checkpoint, which KernelTester does not set: run the kernel by hand.
class FakeCheckpoint final : public runtime::CheckpointSource {
 public:
  std::map<std::string, Tensor> values;
  Result<Tensor> Read(const std::string& key) const override {
    auto it = values.find(key);
    if (it == values.end()) return NotFound("no key '" + key + "' in the fake checkpoint");
    return it->second;
  }
};

class RestoreTest : public StateOpsTest {
 protected:
  Result<std::vector<Tensor>> Restore(std::vector<std::string> names, std::vector<std::string> slices,
                                      std::vector<DataType> dtypes, const runtime::CheckpointSource* ckpt) {
    tensorflow::NodeDef def;
    def.set_name("restore");
    def.set_op("RestoreV2");
    auto* list = (*def.mutable_attr())["dtypes"].mutable_list();
    for (DataType d : dtypes) list->add_type(static_cast<tensorflow::DataType>(d));
    graph::Node node;
    node.name = "restore";
    node.op = "RestoreV2";
    node.def = &def;
    node.inputs.resize(3);
    node.num_outputs = static_cast<int>(dtypes.size());
    runtime::KernelInfo info(node, {nullptr, nullptr, nullptr}, &rm_, nullptr);
    SERVAL_ASSIGN_OR_RETURN(auto kernel, r_.Create(info));
    const int64_t n = static_cast<int64_t>(names.size());
    Tensor prefix = Tensor::Scalar<std::string>("/model/variables/variables");
    Tensor names_t = Tensor::FromVector<std::string>(names, TensorShape{n});
    Tensor slices_t = Tensor::FromVector<std::string>(slices, TensorShape{static_cast<int64_t>(slices.size())});
    std::vector<const Tensor*> in = {&prefix, &names_t, &slices_t};
    std::vector<Tensor> out(dtypes.size());
    runtime::RunState run;
    run.resources = &rm_;
    run.checkpoint = ckpt;
    runtime::KernelContext ctx(node, in, out, &run);
    SERVAL_RETURN_IF_ERROR(kernel->Compute(ctx));
    return out;
  }
};

TEST_F(RestoreTest, WithoutCheckpoint) {
  auto out = Restore({"a"}, {""}, {DataType::kFloat}, nullptr);
  EXPECT_EQ(out.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(out.status().message(), HasSubstr("outside of a checkpoint restore"));
}

TEST_F(RestoreTest, ReadsKeysInOrder) {
  FakeCheckpoint ckpt;
  ckpt.values["dense/kernel"] = Tensor::FromVector<float>({1.f, 2.f}, TensorShape{2, 1});
  ckpt.values["step"] = Tensor::Scalar<int64_t>(42);
  auto out = Restore({"step", "dense/kernel"}, {"", ""}, {DataType::kInt64, DataType::kFloat}, &ckpt);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), Tensor::Scalar<int64_t>(42));
  ExpectTensorEqual(out->at(1), ckpt.values["dense/kernel"]);
}

TEST_F(RestoreTest, Errors) {
  FakeCheckpoint ckpt;
  ckpt.values["a"] = Tensor::Scalar<float>(1.f);
  auto sliced = Restore({"a"}, {"4 0,2"}, {DataType::kFloat}, &ckpt);
  EXPECT_EQ(sliced.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(sliced.status().message(), HasSubstr("'a' is restored by slice ('4 0,2')"));
  auto dtype = Restore({"a"}, {""}, {DataType::kInt32}, &ckpt);
  EXPECT_EQ(dtype.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(dtype.status().message(), HasSubstr("holds DT_FLOAT, the graph expects DT_INT32"));
  auto missing = Restore({"zzz"}, {""}, {DataType::kFloat}, &ckpt);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto count = Restore({"a", "a"}, {"", ""}, {DataType::kFloat}, &ckpt);
  EXPECT_EQ(count.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(count.status().message(), HasSubstr("tensor_names has 2 entries, expected 1"));
}

}  // namespace
}  // namespace serval::kernels::cpu
