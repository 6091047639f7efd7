#include "serval/runtime/testing/kernel_tester.h"

#include <gtest/gtest.h>

#include <cmath>

#include "serval/base/strings.h"

namespace serval::runtime::testing {

KernelTester::KernelTester(std::string op, const KernelRegistry& registry) : registry_(registry) {
  def_.set_name("test_node");
  def_.set_op(std::move(op));
}

KernelTester& KernelTester::Attr(const std::string& name, DataType v) {
  (*def_.mutable_attr())[name].set_type(static_cast<tensorflow::DataType>(v));
  return *this;
}
KernelTester& KernelTester::Attr(const std::string& name, int64_t v) {
  (*def_.mutable_attr())[name].set_i(v);
  return *this;
}
KernelTester& KernelTester::Attr(const std::string& name, float v) {
  (*def_.mutable_attr())[name].set_f(v);
  return *this;
}
KernelTester& KernelTester::Attr(const std::string& name, bool v) {
  (*def_.mutable_attr())[name].set_b(v);
  return *this;
}
KernelTester& KernelTester::Attr(const std::string& name, const std::string& v) {
  (*def_.mutable_attr())[name].set_s(v);
  return *this;
}
KernelTester& KernelTester::Attr(const std::string& name, const std::vector<int64_t>& v) {
  auto* list = (*def_.mutable_attr())[name].mutable_list();
  for (int64_t x : v) list->add_i(x);
  return *this;
}
KernelTester& KernelTester::Attr(const std::string& name, const std::vector<DataType>& v) {
  auto* list = (*def_.mutable_attr())[name].mutable_list();
  for (DataType x : v) list->add_type(static_cast<tensorflow::DataType>(x));
  return *this;
}
KernelTester& KernelTester::Attr(const std::string& name, const tensorflow::AttrValue& v) {
  (*def_.mutable_attr())[name] = v;
  return *this;
}
KernelTester& KernelTester::Input(Tensor t) {
  inputs_.push_back(std::move(t));
  is_const_.push_back(false);
  return *this;
}
KernelTester& KernelTester::ConstInput(Tensor t) {
  inputs_.push_back(std::move(t));
  is_const_.push_back(true);
  return *this;
}
KernelTester& KernelTester::NumOutputs(int n) {
  num_outputs_ = n;
  return *this;
}
KernelTester& KernelTester::Resources(ResourceManager* r) {
  resources_ = r;
  return *this;
}

graph::Node KernelTester::MakeNode() const {
  graph::Node node;
  node.name = def_.name();
  node.op = def_.op();
  node.def = &def_;
  node.inputs.resize(inputs_.size());
  node.num_outputs = num_outputs_;
  return node;
}

Result<std::unique_ptr<Kernel>> KernelTester::CreateKernel(const graph::Node& node) const {
  std::vector<const Tensor*> consts;
  for (size_t i = 0; i < inputs_.size(); ++i) consts.push_back(is_const_[i] ? &inputs_[i] : nullptr);
  KernelInfo info(node, consts, resources_, nullptr);
  return registry_.Create(info);
}

Status KernelTester::Create() { return CreateKernel(MakeNode()).status(); }

Result<std::vector<Tensor>> KernelTester::Run() {
  const graph::Node node = MakeNode();
  SERVAL_ASSIGN_OR_RETURN(auto kernel, CreateKernel(node));
  std::vector<const Tensor*> in;
  for (const auto& t : inputs_) in.push_back(&t);
  std::vector<Tensor> out(static_cast<size_t>(num_outputs_));
  RunState run;
  run.resources = resources_;
  KernelContext ctx(node, in, out, &run);
  SERVAL_RETURN_IF_ERROR(kernel->Compute(ctx));
  for (size_t i = 0; i < out.size(); ++i) {
    if (!out[i].valid()) return Internal(StrCat("kernel left output ", i, " unset"));
  }
  return out;
}

namespace {
template <typename T>
double AsDouble(T v) {
  if constexpr (std::is_same_v<T, Half>) return HalfToFloat(v);
  else if constexpr (std::is_same_v<T, BFloat16>) return BFloat16ToFloat(v);
  else return static_cast<double>(v);
}

template <typename T>
void CompareFloat(const Tensor& got, const Tensor& want, double atol, double rtol) {
  auto g = got.flat<T>();
  auto w = want.flat<T>();
  for (size_t i = 0; i < g.size(); ++i) {
    double gv = AsDouble(g[i]), wv = AsDouble(w[i]);
    if (std::isnan(wv)) {
      EXPECT_TRUE(std::isnan(gv)) << "at flat index " << i << ": got " << gv << ", want NaN";
      continue;
    }
    if (std::isinf(wv)) {
      EXPECT_EQ(gv, wv) << "at flat index " << i;
      continue;
    }
    EXPECT_LE(std::abs(gv - wv), atol + rtol * std::abs(wv)) << "at flat index " << i << ": got " << gv << ", want " << wv;
    if (std::abs(gv - wv) > atol + rtol * std::abs(wv)) return;  // first mismatch is enough
  }
}

template <typename T>
void CompareExact(const Tensor& got, const Tensor& want) {
  auto g = got.flat<T>();
  auto w = want.flat<T>();
  for (size_t i = 0; i < g.size(); ++i) {
    if (!(g[i] == w[i])) {
      if constexpr (std::is_same_v<T, std::string>) {
        ADD_FAILURE() << "at flat index " << i << ": got " << CEscape(g[i]) << ", want " << CEscape(w[i]);
      } else {
        ADD_FAILURE() << "at flat index " << i << ": got " << +g[i] << ", want " << +w[i];
      }
      return;
    }
  }
}
}  // namespace

Tensor Floats(std::vector<float> values, TensorShape shape) {
  return MakeTensor<float>(std::move(values), std::move(shape));
}
Tensor Bools(std::vector<bool> values, TensorShape shape) {
  Tensor t(DataType::kBool, shape);
  for (size_t i = 0; i < values.size(); ++i) t.flat<bool>()[i] = values[i];
  return t;
}
Tensor Int32s(std::vector<int32_t> values) {
  return MakeTensor<int32_t>(values, TensorShape{static_cast<int64_t>(values.size())});
}
Tensor Int64s(std::vector<int64_t> values) {
  return MakeTensor<int64_t>(values, TensorShape{static_cast<int64_t>(values.size())});
}
Tensor Strings(std::vector<std::string> values) {
  return MakeTensor<std::string>(values, TensorShape{static_cast<int64_t>(values.size())});
}

void ExpectTensorNear(const Tensor& got, const Tensor& want, double atol, double rtol) {
  ASSERT_EQ(DataTypeName(got.dtype()), DataTypeName(want.dtype()));
  ASSERT_EQ(got.shape().ToString(), want.shape().ToString());
  switch (want.dtype()) {
    case DataType::kFloat: return CompareFloat<float>(got, want, atol, rtol);
    case DataType::kDouble: return CompareFloat<double>(got, want, atol, rtol);
    case DataType::kHalf: return CompareFloat<Half>(got, want, atol, rtol);
    case DataType::kBFloat16: return CompareFloat<BFloat16>(got, want, atol, rtol);
    default: return ExpectTensorEqual(got, want);
  }
}

void ExpectTensorEqual(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(DataTypeName(got.dtype()), DataTypeName(want.dtype()));
  ASSERT_EQ(got.shape().ToString(), want.shape().ToString());
  switch (want.dtype()) {
    case DataType::kFloat: return CompareExact<float>(got, want);
    case DataType::kDouble: return CompareExact<double>(got, want);
    case DataType::kInt8: return CompareExact<int8_t>(got, want);
    case DataType::kInt16: return CompareExact<int16_t>(got, want);
    case DataType::kInt32: return CompareExact<int32_t>(got, want);
    case DataType::kInt64: return CompareExact<int64_t>(got, want);
    case DataType::kUInt8: return CompareExact<uint8_t>(got, want);
    case DataType::kUInt16: return CompareExact<uint16_t>(got, want);
    case DataType::kUInt32: return CompareExact<uint32_t>(got, want);
    case DataType::kUInt64: return CompareExact<uint64_t>(got, want);
    case DataType::kBool: return CompareExact<bool>(got, want);
    case DataType::kString: return CompareExact<std::string>(got, want);
    case DataType::kHalf: {
      auto g = got.flat<Half>();
      auto w = want.flat<Half>();
      for (size_t i = 0; i < g.size(); ++i) ASSERT_EQ(g[i].bits, w[i].bits) << "at flat index " << i;
      return;
    }
    default: ADD_FAILURE() << "ExpectTensorEqual: unsupported dtype " << DataTypeName(want.dtype());
  }
}

}  // namespace serval::runtime::testing
