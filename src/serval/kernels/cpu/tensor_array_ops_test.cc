// TensorArrayV3 family, kernel by kernel (the loops that use them are in runtime/v1_control_flow_test.cc).
#include <gtest/gtest.h>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorEqual;
using runtime::testing::KernelTester;

class TensorArrayTest : public ::testing::Test {
 protected:
  TensorArrayTest() { RegisterCpuKernels(r_); }
  Tensor Make(int size, bool dynamic = false) {
    tensorflow::AttrValue shape;
    shape.mutable_shape()->add_dim()->set_size(2);
    auto out = KernelTester("TensorArrayV3", r_)
                   .Attr("dtype", DataType::kFloat)
                   .Attr("element_shape", shape)
                   .Attr("dynamic_size", dynamic)
                   .Input(Tensor::Scalar<int32_t>(size))
                   .NumOutputs(2)
                   .Run();
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return (*out)[0];
  }
  Status Write(const Tensor& h, int i, std::vector<float> v) {
    auto out = KernelTester("TensorArrayWriteV3", r_)
                   .Attr("T", DataType::kFloat)
                   .Input(h)
                   .Input(Tensor::Scalar<int32_t>(i))
                   .Input(Tensor::FromVector<float>(v, TensorShape{2}))
                   .Input(Tensor::Scalar<float>(0))
                   .Run();
    return out.status();
  }
  Result<std::vector<Tensor>> Gather(const Tensor& h, std::vector<int32_t> idx) {
    const auto n = static_cast<int64_t>(idx.size());
    return KernelTester("TensorArrayGatherV3", r_)
        .Attr("dtype", DataType::kFloat)
        .Input(h)
        .Input(Tensor::FromVector<int32_t>(idx, TensorShape{n}))
        .Input(Tensor::Scalar<float>(0))
        .Run();
  }
  runtime::KernelRegistry r_;
};

TEST_F(TensorArrayTest, WriteReadGatherSize) {
  Tensor h = Make(3);
  ASSERT_TRUE(Write(h, 0, {1, 2}).ok());
  ASSERT_TRUE(Write(h, 2, {5, 6}).ok());
  auto read = KernelTester("TensorArrayReadV3", r_)
                  .Attr("dtype", DataType::kFloat)
                  .Input(h)
                  .Input(Tensor::Scalar<int32_t>(2))
                  .Input(Tensor::Scalar<float>(0))
                  .Run();
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ExpectTensorEqual((*read)[0], Tensor::FromVector<float>({5, 6}, TensorShape{2}));
  // Unwritten element 1 reads as zeros of the known element shape.
  auto g = Gather(h, {2, 1, 0});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ExpectTensorEqual((*g)[0], Tensor::FromVector<float>({5, 6, 0, 0, 1, 2}, TensorShape{3, 2}));
  auto size = KernelTester("TensorArraySizeV3", r_).Input(h).Input(Tensor::Scalar<float>(0)).Run();
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  ExpectTensorEqual((*size)[0], Tensor::Scalar<int32_t>(3));
  EXPECT_TRUE(KernelTester("TensorArrayCloseV3", r_).Input(h).NumOutputs(0).Run().ok());
}

TEST_F(TensorArrayTest, OutOfRangeUnlessDynamic) {
  Tensor fixed = Make(1);
  EXPECT_FALSE(Write(fixed, 1, {1, 2}).ok());
  Tensor dynamic = Make(0, true);
  ASSERT_TRUE(Write(dynamic, 1, {3, 4}).ok());
  auto size = KernelTester("TensorArraySizeV3", r_).Input(dynamic).Input(Tensor::Scalar<float>(0)).Run();
  ASSERT_TRUE(size.ok());
  ExpectTensorEqual((*size)[0], Tensor::Scalar<int32_t>(2));
}

TEST_F(TensorArrayTest, ScatterThenGather) {
  Tensor h = Make(2);
  auto s = KernelTester("TensorArrayScatterV3", r_)
               .Attr("T", DataType::kFloat)
               .Input(h)
               .Input(Tensor::FromVector<int32_t>({1, 0}, TensorShape{2}))
               .Input(Tensor::FromVector<float>({1, 2, 3, 4}, TensorShape{2, 2}))
               .Input(Tensor::Scalar<float>(0))
               .Run();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto g = Gather(h, {0, 1});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ExpectTensorEqual((*g)[0], Tensor::FromVector<float>({3, 4, 1, 2}, TensorShape{2, 2}));
}

TEST_F(TensorArrayTest, SplitThenConcat) {
  Tensor h = Make(0, true);
  auto s = KernelTester("TensorArraySplitV3", r_)
               .Attr("T", DataType::kFloat)
               .Input(h)
               .Input(Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, TensorShape{3, 2}))
               .Input(Tensor::FromVector<int64_t>({1, 2}, TensorShape{2}))
               .Input(Tensor::Scalar<float>(0))
               .Run();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto c = KernelTester("TensorArrayConcatV3", r_)
               .Attr("dtype", DataType::kFloat)
               .Input(h)
               .Input(Tensor::Scalar<float>(0))
               .NumOutputs(2)
               .Run();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectTensorEqual((*c)[0], Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, TensorShape{3, 2}));
  ExpectTensorEqual((*c)[1], Tensor::FromVector<int64_t>({1, 2}, TensorShape{2}));
}

TEST_F(TensorArrayTest, EachRunMakesAFreshArray) {
  Tensor a = Make(1), b = Make(1);
  ASSERT_TRUE(Write(a, 0, {1, 1}).ok());
  auto g = Gather(b, {0});
  ASSERT_TRUE(g.ok());
  ExpectTensorEqual((*g)[0], Tensor::FromVector<float>({0, 0}, TensorShape{1, 2}));
}

}  // namespace
}  // namespace serval::kernels::cpu
