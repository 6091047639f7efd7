// Expected values are hand-computed from TF's lookup semantics (lookup_util.cc: key_index -2 =
// whole line, value_index -1 = line number; missing keys get the default value).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "serval/kernels/cpu/register_cpu_kernels.h"
#include "serval/runtime/testing/kernel_tester.h"

namespace serval::kernels::cpu {
namespace {

using runtime::testing::ExpectTensorEqual;
using runtime::testing::KernelTester;

class LookupOpsTest : public ::testing::Test {
 protected:
  LookupOpsTest() { RegisterLookupKernels(r_); }

  Tensor Table(DataType k, DataType v, const std::string& shared_name, bool is_mutable = false) {
    KernelTester t(is_mutable ? "MutableHashTableV2" : "HashTableV2", r_);
    t.Attr("key_dtype", k).Attr("value_dtype", v).Attr("shared_name", shared_name).Attr("container", "").Resources(&rm_);
    auto out = t.Run();
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? out->at(0) : Tensor();
  }
  Status InitFile(const Tensor& table, const std::string& path, int key_index, int value_index,
                  int vocab_size = -1, const char* delim = "\t", int offset = 0) {
    return KernelTester("InitializeTableFromTextFileV2", r_)
        .Attr("key_index", key_index)
        .Attr("value_index", value_index)
        .Attr("vocab_size", vocab_size)
        .Attr("delimiter", delim)
        .Attr("offset", offset)
        .Resources(&rm_)
        .NumOutputs(0)
        .Input(table)
        .Input(Tensor::Scalar<std::string>(path))
        .Run()
        .status();
  }
  Result<Tensor> Find(const Tensor& table, Tensor keys, Tensor dflt) {
    DataType tin = keys.dtype(), tout = dflt.dtype();
    SERVAL_ASSIGN_OR_RETURN(auto out, KernelTester("LookupTableFindV2", r_)
                                          .Attr("Tin", tin)
                                          .Attr("Tout", tout)
                                          .Resources(&rm_)
                                          .Input(table)
                                          .Input(std::move(keys))
                                          .Input(std::move(dflt))
                                          .Run());
    return out[0];
  }
  std::string WriteFile(const std::string& name, const std::string& contents) {
    std::string path = ::testing::TempDir() + "/" + name;
    std::ofstream(path) << contents;
    return path;
  }
  runtime::KernelRegistry r_;
  runtime::ResourceManager rm_;
};

TEST_F(LookupOpsTest, StaticHashTableFromTextFileLikeFixture) {
  std::string path = WriteFile("vocab.txt", "foo\nbar\nbaz\nwombat\n");
  Tensor table = Table(DataType::kString, DataType::kInt64, "hash_table_vocab");
  // Before initialisation: FailedPrecondition.
  auto early = Find(table, Tensor::Scalar<std::string>("foo"), Tensor::Scalar<int64_t>(-1));
  EXPECT_EQ(early.status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(InitFile(table, path, -2, -1).ok());
  // A second plan's HashTableV2 node reaches the same table through the ResourceManager.
  Tensor again = Table(DataType::kString, DataType::kInt64, "hash_table_vocab");
  auto out = Find(again, Tensor::FromVector<std::string>({"foo", "bar", "baz", "wombat", "zebra", "Foo"}, {2, 3}),
                  Tensor::Scalar<int64_t>(-1));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEqual(*out, Tensor::FromVector<int64_t>({0, 1, 2, 3, -1, -1}, {2, 3}));
  auto size = KernelTester("LookupTableSizeV2", r_).Resources(&rm_).Input(table).Run();
  ASSERT_TRUE(size.ok());
  ExpectTensorEqual(size->at(0), Tensor::Scalar<int64_t>(4));
  // Re-initialising from a file is a no-op, as in TF.
  EXPECT_TRUE(InitFile(table, path, -2, -1).ok());
  // Conflicting dtypes for the same shared name.
  KernelTester t("HashTableV2", r_);
  t.Attr("key_dtype", DataType::kInt64).Attr("value_dtype", DataType::kInt64).Attr("shared_name", "hash_table_vocab");
  EXPECT_FALSE(t.Resources(&rm_).Run().ok());
}

TEST_F(LookupOpsTest, TextFileColumnsOffsetAndErrors) {
  std::string path = WriteFile("cols.txt", "a,10,1.5\nb,20,2.5\n");
  Tensor t1 = Table(DataType::kString, DataType::kFloat, "t1");
  ASSERT_TRUE(InitFile(t1, path, 0, 2, -1, ",").ok());
  auto f = Find(t1, Tensor::FromVector<std::string>({"b", "a", "c"}, {3}), Tensor::Scalar<float>(0.25f));
  ASSERT_TRUE(f.ok());
  ExpectTensorEqual(*f, Tensor::FromVector<float>({2.5f, 1.5f, 0.25f}, {3}));

  Tensor t2 = Table(DataType::kInt64, DataType::kInt64, "t2");
  ASSERT_TRUE(InitFile(t2, path, 1, -1, -1, ",", 100).ok());  // value = line number + offset
  auto g = Find(t2, Tensor::FromVector<int64_t>({20, 10, 30}, {3}), Tensor::Scalar<int64_t>(-7));
  ASSERT_TRUE(g.ok());
  ExpectTensorEqual(*g, Tensor::FromVector<int64_t>({101, 100, -7}, {3}));

  Tensor t3 = Table(DataType::kString, DataType::kInt64, "t3");
  Status s = InitFile(t3, path, 0, 5, -1, ",");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cols.txt line 0"), std::string::npos) << s.message();
  s = InitFile(t3, path, 0, 1, 3, ",");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("expected 3 but got 2"), std::string::npos) << s.message();
  s = InitFile(t3, path, 0, 0, -1, ",");  // "a" is not an int64
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not a valid int64"), std::string::npos) << s.message();
  s = InitFile(t3, ::testing::TempDir() + "/missing_vocab.txt", -2, -1);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing_vocab.txt"), std::string::npos) << s.message();
  std::string gap = WriteFile("gap.txt", "x\n\ny\n");
  s = InitFile(t3, gap, -2, -1);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("empty line"), std::string::npos) << s.message();
  // vocab_size truncates.
  ASSERT_TRUE(InitFile(t3, path, 0, 1, 1, ",").ok());
  auto h = Find(t3, Tensor::FromVector<std::string>({"a", "b"}, {2}), Tensor::Scalar<int64_t>(0));
  ASSERT_TRUE(h.ok());
  ExpectTensorEqual(*h, Tensor::FromVector<int64_t>({10, 0}, {2}));
}

TEST_F(LookupOpsTest, InitializeFromTensorsAndMutable) {
  Tensor t = Table(DataType::kInt32, DataType::kString, "");
  auto init = [&](std::vector<int32_t> k, std::vector<std::string> v) {
    return KernelTester("InitializeTableV2", r_)
        .Resources(&rm_)
        .NumOutputs(0)
        .Input(t)
        .Input(Tensor::FromVector<int32_t>(k, {static_cast<int64_t>(k.size())}))
        .Input(Tensor::FromVector<std::string>(v, {static_cast<int64_t>(v.size())}))
        .Run()
        .status();
  };
  ASSERT_TRUE(init({1, 2, 1}, {"one", "two", "one"}).ok());  // duplicate with same value is fine
  EXPECT_TRUE(init({1, 2}, {"one", "two"}).ok());            // same data again: no-op
  EXPECT_EQ(init({1}, {"uno"}).code(), StatusCode::kFailedPrecondition);
  auto f = Find(t, Tensor::FromVector<int32_t>({2, 3}, {2}), Tensor::FromVector<std::string>({"x", "y"}, {2}));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ExpectTensorEqual(*f, Tensor::FromVector<std::string>({"two", "y"}, {2}));
  // Wrong default shape.
  auto bad = Find(t, Tensor::FromVector<int32_t>({2, 3}, {2}), Tensor::FromVector<std::string>({"x", "y", "z"}, {3}));
  EXPECT_FALSE(bad.ok());
  // Wrong key dtype.
  EXPECT_FALSE(Find(t, Tensor::FromVector<int64_t>({2}, {1}), Tensor::Scalar<std::string>("")).ok());

  Tensor m = Table(DataType::kString, DataType::kDouble, "m", /*is_mutable=*/true);
  auto ins = KernelTester("LookupTableInsertV2", r_)
                 .Resources(&rm_)
                 .NumOutputs(0)
                 .Input(m)
                 .Input(Tensor::FromVector<std::string>({"a", "b"}, {2}))
                 .Input(Tensor::FromVector<double>({1.0, 2.0}, {2}))
                 .Run();
  ASSERT_TRUE(ins.ok());
  ins = KernelTester("LookupTableInsertV2", r_)
            .Resources(&rm_)
            .NumOutputs(0)
            .Input(m)
            .Input(Tensor::FromVector<std::string>({"a"}, {1}))
            .Input(Tensor::FromVector<double>({5.0}, {1}))
            .Run();
  ASSERT_TRUE(ins.ok());
  auto g = Find(m, Tensor::FromVector<std::string>({"a", "b", "c"}, {3}), Tensor::Scalar<double>(-1));
  ASSERT_TRUE(g.ok());
  ExpectTensorEqual(*g, Tensor::FromVector<double>({5.0, 2.0, -1.0}, {3}));
}

}  // namespace
}  // namespace serval::kernels::cpu
