// Expected values are hand-computed from TF's list_ops semantics (stack = concatenation along a new
// axis 0, uninitialised elements read back as zeros of the element shape).
#include <gtest/gtest.h>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/kernels/cpu/tensor_list.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorEqual;
using runtime::testing::KernelTester;

class ListOpsTest : public ::testing::Test {
 protected:
  ListOpsTest() { RegisterTensorListKernels(r_); }

  Tensor Shape(std::vector<int32_t> dims) {
    return Tensor::FromVector<int32_t>(dims, TensorShape{static_cast<int64_t>(dims.size())});
  }
  Tensor Reserve(std::vector<int32_t> shape, int32_t n) {
    auto out = KernelTester("TensorListReserve", r_)
                   .Attr("element_dtype", DataType::kFloat)
                   .Attr("shape_type", DataType::kInt32)
                   .Input(Shape(shape))
                   .Input(Tensor::Scalar<int32_t>(n))
                   .Run();
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out->at(0);
  }
  Result<Tensor> Set(const Tensor& list, int32_t i, Tensor item) {
    SERVAL_ASSIGN_OR_RETURN(auto out, KernelTester("TensorListSetItem", r_)
                                          .Attr("element_dtype", DataType::kFloat)
                                          .Input(list)
                                          .Input(Tensor::Scalar<int32_t>(i))
                                          .Input(std::move(item))
                                          .Run());
    return out[0];
  }
  Result<Tensor> Stack(const Tensor& list, Tensor shape, int num = -1) {
    SERVAL_ASSIGN_OR_RETURN(auto out, KernelTester("TensorListStack", r_)
                                          .Attr("element_dtype", DataType::kFloat)
                                          .Attr("num_elements", num)
                                          .Input(list)
                                          .Input(std::move(shape))
                                          .Run());
    return out[0];
  }
  Result<Tensor> GetItem(const Tensor& list, int32_t i, Tensor shape) {
    SERVAL_ASSIGN_OR_RETURN(auto out, KernelTester("TensorListGetItem", r_)
                                          .Attr("element_dtype", DataType::kFloat)
                                          .Input(list)
                                          .Input(Tensor::Scalar<int32_t>(i))
                                          .Input(std::move(shape))
                                          .Run());
    return out[0];
  }
  int32_t Length(const Tensor& list) {
    auto out = KernelTester("TensorListLength", r_).Input(list).Run();
    EXPECT_TRUE(out.ok());
    return out->at(0).scalar<int32_t>();
  }
  runtime::KernelRegistry r_;
};

TEST_F(ListOpsTest, ReserveSetStackLikeKerasLstm) {
  Tensor l = Reserve({-1, 2}, 3);
  EXPECT_EQ(Length(l), 3);
  auto l1 = Set(l, 0, Tensor::FromVector<float>({1, 2}, {1, 2}));
  ASSERT_TRUE(l1.ok()) << l1.status().ToString();
  auto l2 = Set(*l1, 2, Tensor::FromVector<float>({5, 6}, {1, 2}));
  ASSERT_TRUE(l2.ok());
  auto s = Stack(*l2, Shape({-1, 2}), 3);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  // Element 1 was never set: zeros of the shape [1,2] learnt from element 0.
  ExpectTensorEqual(*s, Tensor::FromVector<float>({1, 2, 0, 0, 5, 6}, {3, 1, 2}));
  // Copy-on-write: l1 (still held here) keeps only element 0.
  auto s1 = Stack(*l1, Shape({1, 2}));
  ASSERT_TRUE(s1.ok());
  ExpectTensorEqual(*s1, Tensor::FromVector<float>({1, 2, 0, 0, 0, 0}, {3, 1, 2}));
}

TEST_F(ListOpsTest, FromTensorGetItem) {
  auto out = KernelTester("TensorListFromTensor", r_)
                 .Attr("element_dtype", DataType::kFloat)
                 .Attr("shape_type", DataType::kInt32)
                 .Input(Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {3, 2, 1}))
                 .Input(Shape({-1, 1}))
                 .Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Length(out->at(0)), 3);
  auto item = GetItem(out->at(0), 1, Shape({-1, 1}));
  ASSERT_TRUE(item.ok());
  ExpectTensorEqual(*item, Tensor::FromVector<float>({3, 4}, {2, 1}));
  auto bad = GetItem(out->at(0), 3, Shape({-1, 1}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("element 3 in a list with 3 elements"), std::string::npos);

  auto mismatch = KernelTester("TensorListFromTensor", r_)
                      .Attr("element_dtype", DataType::kFloat)
                      .Input(Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {3, 2, 1}))
                      .Input(Shape({-1, 2}))
                      .Run();
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("[-1,2]"), std::string::npos);
  EXPECT_NE(mismatch.status().message().find("[3,2,1]"), std::string::npos);
}

TEST_F(ListOpsTest, UninitialisedReadNeedsKnownShape) {
  Tensor l = Reserve({-1, 2}, 2);
  auto partial = GetItem(l, 0, Shape({-1, 2}));
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.status().code(), StatusCode::kInvalidArgument);
  auto z = GetItem(l, 1, Shape({3, -1}));  // merged with the list's [-1,2] → [3,2]
  ASSERT_TRUE(z.ok()) << z.status().ToString();
  ExpectTensorEqual(*z, Tensor::FromVector<float>({0, 0, 0, 0, 0, 0}, {3, 2}));
}

TEST_F(ListOpsTest, StackEmptyAndErrors) {
  Tensor l = Reserve({2}, 0);
  auto s = Stack(l, Shape({2}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->shape(), (TensorShape{0, 2}));
  Tensor unknown = Reserve({-1}, 0);
  EXPECT_FALSE(Stack(unknown, Shape({-1})).ok());
  auto wrong_n = Stack(l, Shape({2}), 4);
  ASSERT_FALSE(wrong_n.ok());
  EXPECT_NE(wrong_n.status().message().find("expected a list with 4 elements"), std::string::npos);
  // Wrong item shape and wrong dtype.
  Tensor l2 = Reserve({2}, 1);
  EXPECT_FALSE(Set(l2, 0, Tensor::FromVector<float>({1, 2, 3}, {3})).ok());
  EXPECT_FALSE(Set(l2, 0, Tensor::FromVector<int32_t>({1, 2}, {2})).ok());
  EXPECT_FALSE(Set(l2, 1, Tensor::FromVector<float>({1, 2}, {2})).ok());
  EXPECT_FALSE(Set(l2, -1, Tensor::FromVector<float>({1, 2}, {2})).ok());
}

TEST_F(ListOpsTest, PushPopGatherResizeElementShape) {
  auto e = KernelTester("EmptyTensorList", r_)
               .Attr("element_dtype", DataType::kFloat)
               .Attr("shape_type", DataType::kInt32)
               .Input(Tensor::Scalar<int32_t>(-1))
               .Input(Tensor::Scalar<int32_t>(2))
               .Run();
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  Tensor l = e->at(0);
  for (float v : {1.0f, 2.0f}) {
    auto p = KernelTester("TensorListPushBack", r_)
                 .Attr("element_dtype", DataType::kFloat)
                 .Input(l)
                 .Input(Tensor::FromVector<float>({v, v * 10}, {2}))
                 .Run();
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    l = p->at(0);
  }
  auto full = KernelTester("TensorListPushBack", r_)
                  .Attr("element_dtype", DataType::kFloat)
                  .Input(l)
                  .Input(Tensor::FromVector<float>({3, 30}, {2}))
                  .Run();
  EXPECT_FALSE(full.ok());
  auto g = KernelTester("TensorListGather", r_)
               .Attr("element_dtype", DataType::kFloat)
               .Input(l)
               .Input(Tensor::FromVector<int32_t>({1, 0, 1}, {3}))
               .Input(Tensor::Scalar<int32_t>(-1))
               .Run();
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ExpectTensorEqual(g->at(0), Tensor::FromVector<float>({2, 20, 1, 10, 2, 20}, {3, 2}));
  auto pop = KernelTester("TensorListPopBack", r_)
                 .Attr("element_dtype", DataType::kFloat)
                 .NumOutputs(2)
                 .Input(l)
                 .Input(Tensor::Scalar<int32_t>(-1))
                 .Run();
  ASSERT_TRUE(pop.ok());
  ExpectTensorEqual(pop->at(1), Tensor::FromVector<float>({2, 20}, {2}));
  EXPECT_EQ(Length(pop->at(0)), 1);
  EXPECT_EQ(Length(l), 2);  // the popped-from list is unchanged (still shared here)
  auto rs = KernelTester("TensorListResize", r_).Input(l).Input(Tensor::Scalar<int32_t>(5)).Run();
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(Length(rs->at(0)), 5);
  auto es = KernelTester("TensorListElementShape", r_).Attr("shape_type", DataType::kInt32).Input(l).Run();
  ASSERT_TRUE(es.ok());
  ExpectTensorEqual(es->at(0), Tensor::Scalar<int32_t>(-1));  // unknown rank
}

TEST_F(ListOpsTest, ScatterAndConcat) {
  Tensor l = Reserve({-1}, 1);
  auto sc = KernelTester("TensorListScatterIntoExistingList", r_)
                .Attr("element_dtype", DataType::kFloat)
                .Input(l)
                .Input(Tensor::FromVector<float>({1, 2, 3, 4}, {2, 2}))
                .Input(Tensor::FromVector<int32_t>({2, 0}, {2}))
                .Run();
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  EXPECT_EQ(Length(sc->at(0)), 3);
  auto c = KernelTester("TensorListConcatV2", r_)
               .Attr("element_dtype", DataType::kFloat)
               .Attr("shape_type", DataType::kInt64)
               .NumOutputs(2)
               .Input(sc->at(0))
               .Input(Shape({-1}))
               .Input(Tensor::FromVector<int64_t>({0, 1, 0}, {3}))
               .Run();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // [3,4] ++ zeros(1) ++ [1,2]
  ExpectTensorEqual(c->at(0), Tensor::FromVector<float>({3, 4, 0, 1, 2}, {5}));
  ExpectTensorEqual(c->at(1), Tensor::FromVector<int64_t>({2, 1, 2}, {3}));
}

}  // namespace
}  // namespace serval::kernels::cpu
