// Tests for matmul_ops.cc / matmul_einsum.cc. Expected values: @tensorflow/tfjs 4.22 (cpu backend)
// in Node, from this script (seq(n,m,mod,off,div)[i] = ((i*m)%mod - off)/div, same as Seq()):
//   const A = tf.tensor(seq(6), [2, 3]), B = tf.tensor(seq(12, 5, 13, 6, 3), [3, 4]);
//   kMm = tf.matMul(A, B)
//   kMmTt = tf.matMul(tf.tensor(seq(6), [3, 2]), tf.tensor(seq(12, 5, 13, 6, 3), [4, 3]), true, true)
//   const W = tf.tensor(seq(20, 3, 7, 3, 2), [5, 4]);
//   kDense1 = tf.matMul(tf.tensor(seq(5), [1, 5]), W)
//   kDense3 = tf.matMul(tf.tensor(seq(15, 4, 9, 4, 3), [3, 5]), W)
//   kBmm: tfjs's matMul broadcasts [2,1] x [3] batch dims wrongly (it indexes batches modulo), so this one is
//     NumPy (python3-numpy 1.24): np.matmul(seq(12).reshape(2,1,2,3), seq(18,5,13,6,3).reshape(3,3,2))
//   kBmmAdj = tf.matMul(tf.tensor(seq(12), [2, 3, 2]), tf.tensor(seq(12, 5, 13, 6, 3), [2, 2, 3]), true, true)
//   kEinAbcCd = tf.einsum('abc,cd->abd', tf.tensor(seq(24), [2, 3, 4]), tf.tensor(seq(20, 5, 13, 6, 3), [4, 5]))
//   kEinAbcCde = tf.einsum('abc,cde->abde', tf.tensor(seq(24), [2, 3, 4]), tf.tensor(seq(24, 5, 13, 6, 3), [4, 2, 3]))
//   kEinAbcdCde = tf.matMul(tf.tensor(seq(48), [2, 3, 8]).reshape([6, 8]),
//                           tf.tensor(seq(40, 5, 13, 6, 3), [8, 5])).reshape([2, 3, 5])   // 'abcd,cde->abe'
//   const K = tf.tensor(seq(48), [2, 3, 4, 2]), Q = tf.tensor(seq(32, 5, 13, 6, 3), [2, 2, 4, 2]);
//   kEinScores = tf.matMul(Q.transpose([0, 2, 1, 3]), K.transpose([0, 2, 1, 3]), false, true)  //
//   'aecd,abcd->acbe'(K,Q) const S = tf.tensor(seq(48, 3, 7, 3, 2), [2, 4, 2, 3]), V = tf.tensor(seq(48), [2, 3, 4,
//   2]); kEinCtx = tf.matMul(S, V.transpose([0, 2, 1, 3])).transpose([0, 2, 1, 3])  // 'acbe,aecd->abcd'(S,V)
//   kEinAbcAbd = tf.einsum('abc,abd->acd', tf.tensor(seq(24), [2, 3, 4]), tf.tensor(seq(12, 5, 13, 6, 3), [2, 3, 2]))
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "serval/kernels/cpu/prepared_kernel_testutil.h"
#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorEqual;
using runtime::testing::ExpectTensorNear;
using runtime::testing::KernelTester;
using testing::FloatT;
using testing::PreparedKernel;
using testing::SeqT;

// shape [2, 4]
const std::vector<float> kMm = {3.5f,         1.41666663f,   -2.83333349f, 2.66666675f,
                                -1.16666675f, 0.0833333209f, 0.25000006f,  -0.666666746f};
// shape [2, 4]
const std::vector<float> kMmTt = {3.0f,         2.0f,   -0.0833332986f, -1.08333325f,
                                  -2.41666675f, -1.75f, 2.16666651f,    2.83333325f};
// shape [1, 4]
const std::vector<float> kDense1 = {1.5f, -0.75f, -3.0f, -0.875f};
// shape [3, 4]
const std::vector<float> kDense3 = {3.83333349f, 1.33333337f,   -1.16666675f,  1.0f,  -0.666666687f, -1.33333337f,
                                    -2.0f,       -0.333333313f, -0.666666627f, -1.0f, -1.33333337f,  -1.66666675f};
// shape [2, 3, 2, 2]
const std::vector<float> kBmm = {3.0f,         -1.25f,       -2.41666675f,  -2.25f,       -0.833333254f, -0.75f,
                                 -2.5f,        2.0f,         -0.333333313f, 3.0f,         1.75f,         -2.41666675f,
                                 -2.33333325f, -2.33333325f, -2.25f,        -2.41666675f, -2.33333325f,  2.0f,
                                 -2.16666651f, 2.0f,         2.0f,          -2.33333325f, 2.25f,         -2.25f};
// shape [2, 2, 2]
const std::vector<float> kBmmAdj = {3.0f, 2.0f, -2.41666675f, -1.75f, -1.25f, -1.41666663f, 2.83333325f, 2.5f};
// shape [2, 3, 5]
const std::vector<float> kEinAbcCd = {
    4.33333349f,  -1.08333337f, -1.08333337f, 4.33333349f,   -1.08333337f, -0.333333373f, -0.583333313f, 0.25000003f,
    -1.08333337f, -0.25f,       1.41666663f,  1.75000012f,   -1.16666675f, -1.91666663f,  0.583333373f,  0.416666597f,
    -1.41666663f, 1.08333337f,  -1.83333337f, -0.416666687f, 2.16666651f,  0.916666687f,  -0.333333343f, -2.66666651f,
    0.416666687f, -3.41666651f, 0.5f,         0.0833332986f, 2.91666675f,  0.333333343f};
// shape [2, 3, 2, 3]
const std::vector<float> kEinAbcCde = {
    4.33333349f,  1.08333325f,  -1.08333337f, -1.08333325f, 1.08333325f,  -1.08333337f, 0.666666687f, -2.83333325f,
    1.25f,        1.0f,         -2.5f,        1.58333337f,  -1.16666663f, 2.41666675f,  -3.75f,       3.08333325f,
    1.25f,        -4.91666651f, 0.666666746f, -3.33333325f, 1.33333325f,  0.583333373f, -2.33333349f, 2.33333325f,
    -1.16666675f, 1.91666675f,  -3.66666651f, 2.66666651f,  1.41666663f,  -4.16666651f, -1.16666675f, 1.66666663f,
    2.33333325f,  -3.5f,        1.50000012f,  2.16666651f};
// shape [2, 3, 5]
const std::vector<float> kEinAbcdCde = {
    4.41666651f,   2.0f,         -1.5f,       4.75f,         -2.0f,         2.0f,         4.83333349f, -2.08333349f,
    -0.333333313f, -1.83333325f, 2.33333325f, -1.5f,         0.0833333209f, -2.66666651f, 1.08333325f, 3.58333325f,
    -2.33333325f,  0.416666657f, -2.25f,      -0.583333373f, -0.666666687f, -1.33333325f, -2.0f,       2.75f,
    -2.25f,        -2.16666675f, 2.41666651f, -1.66666663f,  -1.41666663f,  -1.16666675f};
// shape [2, 4, 2, 3]
const std::vector<float> kEinScores = {
    2.33333325f,   1.75f,          1.16666663f,  2.08333325f,  1.66666663f,    1.25f,         -2.33333349f,
    1.33333337f,   1.33333337f,    -2.08333325f, 0.833333373f, 1.0f,           -1.41666663f,  -0.833333313f,
    -0.25f,        1.66666663f,    1.33333337f,  1.0f,         -0.666666687f,  -0.583333373f, 1.33333337f,
    -0.333333343f, -0.0833333358f, 1.08333337f,  1.08333337f,  -0.0833333358f, -0.333333343f, 1.33333337f,
    -0.583333373f, -0.666666687f,  1.0f,         1.33333337f,  1.66666663f,    -0.25f,        -0.833333313f,
    -1.41666663f,  1.0f,           0.833333373f, -2.08333325f, 1.33333337f,    1.33333337f,   -2.33333349f,
    1.25f,         1.66666663f,    2.08333325f,  1.16666663f,  1.75f,          2.33333325f};
// shape [2, 2, 4, 2]
const std::vector<float> kEinCtx = {0.75f,  0.75f,   0.125f,  2.5f,    -1.125f, 0.875f,  -0.875f, 0.0f,
                                    0.375f, -0.5f,   -0.625f, 1.5f,    0.375f,  -0.625f, -3.375f, 0.75f,
                                    0.0f,   -0.875f, 0.875f,  -1.125f, 2.5f,    0.125f,  0.75f,   0.75f,
                                    0.125f, 2.5f,    -1.125f, 0.875f,  -0.875f, 0.0f,    0.25f,   -0.625f};
// shape [2, 4, 2]
const std::vector<float> kEinAbcAbd = {2.5f,         -1.91666663f, -1.75f,      2.33333325f, 2.25f,  -1.66666675f,
                                       -2.91666675f, -2.91666675f, 2.16666675f, -0.25f,      -1.75f, -0.25f,
                                       -2.91666651f, 2.5f,         2.33333325f, -0.25f};

class MatMulTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterMatMulKernels(r_); }
  runtime::KernelRegistry r_;
};

tensorflow::NodeDef MatMulDef(bool ta = false, bool tb = false) {
  tensorflow::NodeDef def;
  def.set_name("dense");
  def.set_op("MatMul");
  (*def.mutable_attr())["T"].set_type(tensorflow::DT_FLOAT);
  (*def.mutable_attr())["transpose_a"].set_b(ta);
  (*def.mutable_attr())["transpose_b"].set_b(tb);
  return def;
}

TEST_F(MatMulTest, FloatPlainAndTransposed) {
  KernelTester t("MatMul", r_);
  t.Attr("T", DataType::kFloat).Input(SeqT({2, 3})).Input(SeqT({3, 4}, 5, 13, 6, 3));
  auto out = t.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear(out->at(0), FloatT(kMm, {2, 4}), 1e-5, 1e-5);

  KernelTester tt("MatMul", r_);
  tt.Attr("T", DataType::kFloat).Attr("transpose_a", true).Attr("transpose_b", true);
  tt.Input(SeqT({3, 2})).ConstInput(SeqT({4, 3}, 5, 13, 6, 3));  // packed path with transpose_b
  out = tt.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear(out->at(0), FloatT(kMmTt, {2, 4}), 1e-5, 1e-5);
}

TEST_F(MatMulTest, PackedWeightsReusedAcrossBatchSizes) {
  Tensor w = SeqT({5, 4}, 3, 7, 3, 2);
  auto k = PreparedKernel::Create(r_, MatMulDef(), 2, {nullptr, &w});
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  for (int rep = 0; rep < 2; ++rep) {  // batch 1, 3, 1, 3: cached primitives reused
    auto o1 = (*k)->Run({SeqT({1, 5}), w});
    ASSERT_TRUE(o1.ok()) << o1.status().ToString();
    ExpectTensorNear(o1->at(0), FloatT(kDense1, {1, 4}), 1e-5, 1e-5);
    auto o3 = (*k)->Run({SeqT({3, 5}, 4, 9, 4, 3), w});
    ASSERT_TRUE(o3.ok()) << o3.status().ToString();
    ExpectTensorNear(o3->at(0), FloatT(kDense3, {3, 4}), 1e-5, 1e-5);
  }
  auto o0 = (*k)->Run({FloatT({}, {0, 5}), w});  // batch 0
  ASSERT_TRUE(o0.ok()) << o0.status().ToString();
  EXPECT_EQ(o0->at(0).shape(), (TensorShape{0, 4}));
  auto bad = (*k)->Run({SeqT({2, 4}), w});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("[2,4]"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("[5,4]"), std::string::npos) << bad.status().message();
}

// The per-thread memory objects are keyed by kernel instance: a kernel built after another one
// was destroyed (same shapes, possibly the same address) must use its own weights, and two live
// kernels interleaved on one thread must not see each other's buffers.
TEST_F(MatMulTest, PerThreadStateFollowsTheKernelInstance) {
  Tensor w = SeqT({5, 4}, 3, 7, 3, 2);
  Tensor w_neg = FloatT(std::vector<float>(20, -1.0f), {5, 4});
  const Tensor x = SeqT({1, 5});
  float x_sum = 0;
  for (float v : x.flat<float>()) x_sum += v;
  for (int rep = 0; rep < 3; ++rep) {
    auto k = PreparedKernel::Create(r_, MatMulDef(), 2, {nullptr, &w});
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    auto o = (*k)->Run({x, w});
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ExpectTensorNear(o->at(0), FloatT(kDense1, {1, 4}), 1e-5, 1e-5);
    k = PreparedKernel::Create(r_, MatMulDef(), 2, {nullptr, &w_neg});
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    o = (*k)->Run({x, w_neg});
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ExpectTensorNear(o->at(0), FloatT(std::vector<float>(4, -x_sum), {1, 4}), 1e-5, 1e-5);
  }
  auto k1 = PreparedKernel::Create(r_, MatMulDef(), 2, {nullptr, &w});
  auto k2 = PreparedKernel::Create(r_, MatMulDef(), 2, {nullptr, &w_neg});
  ASSERT_TRUE(k1.ok() && k2.ok());
  for (int rep = 0; rep < 3; ++rep) {
    auto o1 = (*k1)->Run({x, w});
    auto o2 = (*k2)->Run({x, w_neg});
    ASSERT_TRUE(o1.ok() && o2.ok());
    ExpectTensorNear(o1->at(0), FloatT(kDense1, {1, 4}), 1e-5, 1e-5);
    ExpectTensorNear(o2->at(0), FloatT(std::vector<float>(4, -x_sum), {1, 4}), 1e-5, 1e-5);
  }
}

TEST_F(MatMulTest, ConcurrentComputeIsIdentical) {
  Tensor w = SeqT({64, 48}, 3, 7, 3, 2);
  auto k = PreparedKernel::Create(r_, MatMulDef(), 2, {nullptr, &w});
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  std::vector<Tensor> xs = {SeqT({1, 64}), SeqT({7, 64}, 4, 9, 4, 3), SeqT({32, 64}, 5, 13, 6, 3)};
  std::vector<Tensor> want;
  for (const Tensor& x : xs) {
    // Independent check: the Eigen path (weights not constant).
    KernelTester t("MatMul", r_);
    t.Attr("T", DataType::kFloat).Input(x).Input(w);
    auto o = t.Run();
    ASSERT_TRUE(o.ok());
    want.push_back(o->at(0));
  }
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 60; ++i) {
        const size_t j = static_cast<size_t>((i + t) % 3);
        auto o = (*k)->Run({xs[j], w});
        if (!o.ok()) {
          ++failures[static_cast<size_t>(t)];
          continue;
        }
        auto got = o->at(0).flat<float>();
        auto exp = want[j].flat<float>();
        for (size_t e = 0; e < got.size(); ++e) {
          if (std::fabs(got[e] - exp[e]) > 1e-4f) {
            ++failures[static_cast<size_t>(t)];
            break;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

TEST_F(MatMulTest, EmptyInnerDimGivesZerosAndNaNPropagates) {
  KernelTester t("MatMul", r_);
  t.Attr("T", DataType::kFloat).Input(FloatT({}, {2, 0})).ConstInput(FloatT({}, {0, 3}));
  auto out = t.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), FloatT({0, 0, 0, 0, 0, 0}, {2, 3}));

  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  KernelTester t2("MatMul", r_);
  t2.Attr("T", DataType::kFloat).Input(FloatT({nan, 1, 1, 1}, {2, 2})).ConstInput(FloatT({1, 0, inf, 1}, {2, 2}));
  out = t2.Run();
  ASSERT_TRUE(out.ok());
  // Row 0 has NaN; row 1: [1*1 + 1*inf, 1*0 + 1*1] = [inf, 1].
  ExpectTensorNear(out->at(0), FloatT({nan, nan, inf, 1}, {2, 2}));
}

TEST_F(MatMulTest, IntegerWrapsAroundAndDouble) {
  KernelTester t("MatMul", r_);
  t.Attr("T", DataType::kInt32)
      .Input(Tensor::FromVector<int32_t>({65536, 1}, {1, 2}))
      .Input(Tensor::FromVector<int32_t>({65536, 5}, {2, 1}));
  auto out = t.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(out->at(0), Tensor::FromVector<int32_t>({5}, {1, 1}));  // 2^32 wraps to 0

  KernelTester d("MatMul", r_);
  d.Attr("T", DataType::kDouble)
      .Attr("transpose_b", true)
      .Input(Tensor::FromVector<double>({1, 2, 3, 4}, {2, 2}))
      .Input(Tensor::FromVector<double>({1, 1, 0, 2}, {2, 2}));
  out = d.Run();
  ASSERT_TRUE(out.ok());
  // [[1,2],[3,4]] x [[1,0],[1,2]] = [[3,4],[7,8]]
  ExpectTensorEqual(out->at(0), Tensor::FromVector<double>({3, 4, 7, 8}, {2, 2}));

  KernelTester h("MatMul", r_);
  h.Attr("T", DataType::kHalf)
      .Input(Tensor::FromVector<Half>({FloatToHalf(1.5f), FloatToHalf(2)}, {1, 2}))
      .Input(Tensor::FromVector<Half>({FloatToHalf(2), FloatToHalf(0.25f)}, {2, 1}));
  out = h.Run();
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(HalfToFloat(out->at(0).flat<Half>()[0]), 3.5f);
}

TEST_F(MatMulTest, ShapeErrors) {
  KernelTester t("MatMul", r_);
  t.Attr("T", DataType::kFloat).Input(SeqT({2, 3})).Input(SeqT({4, 5}));
  auto out = t.Run();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "MatMul: inner dimensions differ: a is [2,3], b is [4,5]");
  KernelTester t2("MatMul", r_);
  t2.Attr("T", DataType::kFloat).Input(SeqT({2, 3, 1})).Input(SeqT({3, 5}));
  EXPECT_FALSE(t2.Run().ok());
}

TEST_F(MatMulTest, BatchMatMulV2Broadcasts) {
  for (bool constant : {false, true}) {
    KernelTester t("BatchMatMulV2", r_);
    t.Attr("T", DataType::kFloat).Input(SeqT({2, 1, 2, 3}));
    if (constant)
      t.ConstInput(SeqT({3, 3, 2}, 5, 13, 6, 3));
    else
      t.Input(SeqT({3, 3, 2}, 5, 13, 6, 3));
    auto out = t.Run();
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ExpectTensorNear(out->at(0), FloatT(kBmm, {2, 3, 2, 2}), 1e-5, 1e-5);
  }
  KernelTester a("BatchMatMul", r_);
  a.Attr("T", DataType::kFloat).Attr("adj_x", true).Attr("adj_y", true);
  a.Input(SeqT({2, 3, 2})).Input(SeqT({2, 2, 3}, 5, 13, 6, 3));
  auto out = a.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear(out->at(0), FloatT(kBmmAdj, {2, 2, 2}), 1e-5, 1e-5);

  KernelTester v3("BatchMatMulV3", r_);
  v3.Attr("Ta", DataType::kFloat).Attr("Tb", DataType::kFloat).Attr("Tout", DataType::kFloat);
  v3.Attr("adj_x", true).Attr("adj_y", true).Input(SeqT({2, 3, 2})).Input(SeqT({2, 2, 3}, 5, 13, 6, 3));
  out = v3.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear(out->at(0), FloatT(kBmmAdj, {2, 2, 2}), 1e-5, 1e-5);

  // Dense on a 3-D input with a shared 2-D kernel: [2,3,5] x [5,4].
  KernelTester d("BatchMatMulV2", r_);
  d.Attr("T", DataType::kFloat).Input(SeqT({1, 3, 5}, 4, 9, 4, 3)).ConstInput(SeqT({5, 4}, 3, 7, 3, 2));
  out = d.Run();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear(out->at(0), FloatT(kDense3, {1, 3, 4}), 1e-5, 1e-5);

  KernelTester bad("BatchMatMulV2", r_);
  bad.Attr("T", DataType::kFloat).Input(SeqT({2, 2, 3})).Input(SeqT({3, 3, 2}));
  out = bad.Run();
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("[2,2,3]"), std::string::npos) << out.status().message();
  EXPECT_NE(out.status().message().find("[3,3,2]"), std::string::npos) << out.status().message();

  KernelTester v1bad("BatchMatMul", r_);
  v1bad.Attr("T", DataType::kFloat).Input(SeqT({1, 2, 3})).Input(SeqT({2, 3, 2}));
  EXPECT_FALSE(v1bad.Run().ok());  // V1 does not broadcast

  KernelTester ints("BatchMatMulV3", r_);
  ints.Attr("Ta", DataType::kInt8).Attr("Tb", DataType::kInt8).Attr("Tout", DataType::kInt32);
  ints.Input(Tensor::FromVector<int8_t>({1}, {1, 1})).Input(Tensor::FromVector<int8_t>({1}, {1, 1}));
  EXPECT_EQ(ints.Create().code(), StatusCode::kUnimplemented);
}

Result<Tensor> Einsum(const runtime::KernelRegistry& r, const std::string& eq, Tensor a, Tensor b, bool b_const) {
  KernelTester t("Einsum", r);
  t.Attr("T", DataType::kFloat).Attr("equation", eq).Attr("N", 2).Input(std::move(a));
  if (b_const)
    t.ConstInput(std::move(b));
  else
    t.Input(std::move(b));
  SERVAL_ASSIGN_OR_RETURN(auto out, t.Run());
  return out.at(0);
}

TEST_F(MatMulTest, EinsumKerasEquations) {
  for (bool c : {false, true}) {
    SCOPED_TRACE(c ? "constant rhs" : "runtime rhs");
    auto o = Einsum(r_, "abc,cd->abd", SeqT({2, 3, 4}), SeqT({4, 5}, 5, 13, 6, 3), c);
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ExpectTensorNear(*o, FloatT(kEinAbcCd, {2, 3, 5}), 1e-5, 1e-5);
    o = Einsum(r_, "abc,cde->abde", SeqT({2, 3, 4}), SeqT({4, 2, 3}, 5, 13, 6, 3), c);
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ExpectTensorNear(*o, FloatT(kEinAbcCde, {2, 3, 2, 3}), 1e-5, 1e-5);
    o = Einsum(r_, "abcd,cde->abe", SeqT({2, 3, 2, 4}), SeqT({2, 4, 5}, 5, 13, 6, 3), c);
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ExpectTensorNear(*o, FloatT(kEinAbcdCde, {2, 3, 5}), 1e-5, 1e-5);
  }
  auto o = Einsum(r_, "aecd,abcd->acbe", SeqT({2, 3, 4, 2}), SeqT({2, 2, 4, 2}, 5, 13, 6, 3), false);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, FloatT(kEinScores, {2, 4, 2, 3}), 1e-5, 1e-5);
  o = Einsum(r_, "acbe,aecd->abcd", SeqT({2, 4, 2, 3}, 3, 7, 3, 2), SeqT({2, 3, 4, 2}), false);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, FloatT(kEinCtx, {2, 2, 4, 2}), 1e-5, 1e-5);
  o = Einsum(r_, "abc,abd->acd", SeqT({2, 3, 4}), SeqT({2, 3, 2}, 5, 13, 6, 3), false);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, FloatT(kEinAbcAbd, {2, 4, 2}), 1e-5, 1e-5);
  // Implicit output ("ab,bc" -> "ac") equals the matmul.
  o = Einsum(r_, "ab,bc", SeqT({2, 3}), SeqT({3, 4}, 5, 13, 6, 3), true);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ExpectTensorNear(*o, FloatT(kMm, {2, 4}), 1e-5, 1e-5);
}

TEST_F(MatMulTest, EinsumErrors) {
  auto o = Einsum(r_, "abc,cd->abd", SeqT({2, 3, 4}), SeqT({5, 5}), false);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(o.status().message().find("[2,3,4]"), std::string::npos) << o.status().message();
  EXPECT_NE(o.status().message().find("[5,5]"), std::string::npos) << o.status().message();
  EXPECT_EQ(Einsum(r_, "...c,cd->...d", SeqT({2, 4}), SeqT({4, 5}), false).status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(Einsum(r_, "aa,ab->b", SeqT({2, 2}), SeqT({2, 5}), false).status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(Einsum(r_, "ab,cd->a", SeqT({2, 2}), SeqT({2, 5}), false).status().code(), StatusCode::kUnimplemented);
  auto rank = Einsum(r_, "abc,cd->abd", SeqT({3, 4}), SeqT({4, 5}), false);
  EXPECT_EQ(rank.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace serval::kernels::cpu
