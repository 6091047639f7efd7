// Every op a standard Keras layer exports (Keras 2 and 3, see issue 7's layer list) has a kernel in
// CpuKernelRegistry() for each dtype TensorFlow's CPU kernels accept and Keras uses with it: float32
// for compute ops, int32/int64 for index and shape inputs, string for text preprocessing. The
// table is written from TF's op registrations, not from our registry; a kernel registered with
// no type attr (its factory accepts any dtype) passes.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "serval/kernels/cpu/register_cpu_kernels.h"

namespace serval::kernels::cpu {
namespace {

struct Need {
  const char* op;
  const char* type_attr;  // the attr TF registers the kernel on
  std::vector<DataType> dtypes;
};

const DataType F = DataType::kFloat, I32 = DataType::kInt32, I64 = DataType::kInt64, S = DataType::kString,
               B = DataType::kBool, D = DataType::kDouble;

const std::vector<Need>& KerasOps() {
  static const std::vector<Need> needs = {
      // Dense / EinsumDense / Dot / attention
      {"MatMul", "T", {F}},
      {"BatchMatMulV2", "T", {F}},
      {"Einsum", "T", {F}},
      {"BiasAdd", "T", {F}},
      // convolutions
      {"Conv2D", "T", {F}},
      {"Conv3D", "T", {F}},
      {"DepthwiseConv2dNative", "T", {F}},
      {"Conv2DBackpropInput", "T", {F}},
      {"Conv3DBackpropInputV2", "T", {F}},
      // tf.nn.depthwise_conv2d / separable_conv2d with dilation_rate > 1
      {"SpaceToBatchND", "T", {F}},
      {"BatchToSpaceND", "T", {F}},
      // pooling
      {"MaxPool", "T", {F}},
      {"AvgPool", "T", {F}},
      {"MaxPool3D", "T", {F}},
      {"AvgPool3D", "T", {F}},
      // normalization
      {"FusedBatchNormV3", "T", {F}},
      {"Rsqrt", "T", {F}},
      {"SquaredDifference", "T", {F}},
      {"Mean", "T", {F}},
      {"Sum", "T", {F, I32, I64}},
      {"Max", "T", {F, I32, I64}},
      {"Min", "T", {F}},
      {"Prod", "T", {I32, I64}},
      // activations
      {"Relu", "T", {F}},
      {"Relu6", "T", {F}},
      {"Elu", "T", {F}},
      {"Selu", "T", {F}},
      {"LeakyRelu", "T", {F}},
      {"Softplus", "T", {F}},
      {"Softsign", "T", {F}},
      {"Sigmoid", "T", {F}},
      {"Tanh", "T", {F}},
      {"Exp", "T", {F}},
      {"Erf", "T", {F}},
      {"Pow", "T", {F}},
      {"Softmax", "T", {F}},
      {"LogSoftmax", "T", {F}},
      // arithmetic and merging layers
      {"AddV2", "T", {F, I32, I64}},
      {"Sub", "T", {F, I32, I64}},
      {"Mul", "T", {F, I32, I64}},
      {"RealDiv", "T", {F}},
      {"Maximum", "T", {F, I32, I64}},
      {"Minimum", "T", {F, I32, I64}},
      {"Square", "T", {F}},
      {"Sqrt", "T", {F}},
      {"Neg", "T", {F}},
      {"Greater", "T", {F, I64}},
      {"GreaterEqual", "T", {F, I64}},
      {"Less", "T", {F, I64}},
      {"Equal", "T", {F, I32, I64, S}},
      {"NotEqual", "T", {F, I32, I64, S}},
      {"SelectV2", "T", {F, I32, I64, S}},
      {"Cast", "SrcT", {F, I32, I64, B, D}},
      // shape and data movement
      {"ConcatV2", "T", {F, I32, I64, S}},
      {"GatherV2", "Tparams", {F, I32, I64, S}},
      {"ResourceGather", "dtype", {F}},
      {"Fill", "T", {F, I32}},
      {"Tile", "T", {F, I32, I64}},
      {"Pad", "T", {F}},
      {"PadV2", "T", {F}},
      {"OneHot", "T", {F}},
      {"Cumsum", "T", {F, I32, I64}},
      // image preprocessing / UpSampling2D / Resizing
      {"ResizeBilinear", "T", {F}},
      {"ResizeNearestNeighbor", "T", {F}},
      {"ResizeBicubic", "T", {F}},
      {"ResizeArea", "T", {F}},
      // Discretization, CategoryEncoding, TextVectorization
      {"Bucketize", "T", {F, I32, I64}},
      {"Bincount", "T", {F, I32, I64}},
      {"DenseBincount", "T", {F, I32, I64}},
      {"RaggedBincount", "T", {F, I32, I64}},
      {"SparseBincount", "T", {F, I32, I64}},
  };
  return needs;
}

// Ops whose kernels are registered without a type attr (string ops, lookups, ragged, shape ops):
// they only need to exist.
const std::vector<const char*>& UntypedKerasOps() {
  static const std::vector<const char*> ops = {
      "Reshape",
      "Transpose",
      "ExpandDims",
      "Squeeze",
      "Shape",
      "Pack",
      "StridedSlice",
      "Identity",
      "StringLower",
      "StaticRegexReplace",
      "StringSplitV2",
      "StringNGrams",
      "StringToHashBucketFast",
      "StringToHashBucketStrong",
      "RaggedTensorToTensor",
      "SparseToDense",
      "LookupTableFindV2",
      "HashTableV2",
      "StringStrip",
  };
  return ops;
}

TEST(KerasOpCoverageTest, EveryKerasOpHasItsDtypes) {
  const runtime::KernelRegistry& r = CpuKernelRegistry();
  for (const Need& n : KerasOps()) {
    SCOPED_TRACE(n.op);
    const runtime::KernelDef* def = r.Find(n.op);
    ASSERT_NE(def, nullptr) << "no kernel for " << n.op;
    if (def->type_attr.empty()) continue;
    EXPECT_EQ(def->type_attr, n.type_attr);
    for (DataType dt : n.dtypes) {
      EXPECT_NE(std::find(def->dtypes.begin(), def->dtypes.end(), dt), def->dtypes.end())
          << n.op << " lacks " << DataTypeName(dt);
    }
  }
  for (const char* op : UntypedKerasOps()) EXPECT_NE(r.Find(op), nullptr) << "no kernel for " << op;
}

TEST(KerasOpCoverageTest, AllFamiliesRegisterWithoutDuplicates) {
  runtime::KernelRegistry r;
  RegisterCpuKernels(r);
  EXPECT_TRUE(r.Duplicates().empty()) << r.Duplicates().front();
}

}  // namespace
}  // namespace serval::kernels::cpu
