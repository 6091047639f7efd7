#include "serval/loader/bundle_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "serval/base/file.h"
#include "serval/loader/bundle_reader.h"
#include "serval/loader/crc32c.h"
#include "serval/loader/table_reader.h"
#include "serval/loader/testing/table_builder.h"

namespace serval::loader {
namespace {

class BundleWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("serval-bundle-writer");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(BundleWriterTest, RoundTripsFixedSizeAndStringTensors) {
  const std::string prefix = dir_ + "/variables";
  BundleWriter w(prefix);
  ASSERT_TRUE(w.Add("b/.ATTRIBUTES/VARIABLE_VALUE", Tensor::Scalar<float>(2.0f)).ok());
  ASSERT_TRUE(w.Add("a/.ATTRIBUTES/VARIABLE_VALUE", Tensor::Scalar<float>(0.5f)).ok());
  ASSERT_TRUE(w.Add("dense/kernel", Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, TensorShape{2, 3})).ok());
  ASSERT_TRUE(w.Add("ints", Tensor::FromVector<int64_t>({-1, 1LL << 40}, TensorShape{2})).ok());
  ASSERT_TRUE(w.Add("flags", Tensor::FromVector<bool>({true, false, true}, TensorShape{3})).ok());
  Tensor strings(DataType::kString, TensorShape{3});
  strings.flat<std::string>()[0] = "hello";
  strings.flat<std::string>()[1] = "";
  strings.flat<std::string>()[2] = std::string(300, 'x');  // two-byte varint length
  ASSERT_TRUE(w.Add("strings", strings).ok());
  ASSERT_TRUE(w.AddString("_CHECKPOINTABLE_OBJECT_GRAPH", "graph-bytes").ok());
  EXPECT_FALSE(w.Add("ints", Tensor::Scalar<float>(1)).ok()) << "duplicate key";
  EXPECT_FALSE(w.Add("", Tensor::Scalar<float>(1)).ok()) << "empty key is the header";
  ASSERT_TRUE(w.Finish().ok());

  auto reader = BundleReader::Open(prefix);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const auto& r = **reader;
  EXPECT_EQ(r.keys(), (std::vector<std::string>{"_CHECKPOINTABLE_OBJECT_GRAPH", "a/.ATTRIBUTES/VARIABLE_VALUE",
                                                "b/.ATTRIBUTES/VARIABLE_VALUE", "dense/kernel", "flags", "ints",
                                                "strings"}));
  auto a = r.Read("a/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->scalar<float>(), 0.5f);
  auto k = r.Read("dense/kernel");
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->shape(), (TensorShape{2, 3}));
  EXPECT_EQ(std::vector<float>(k->flat<float>().begin(), k->flat<float>().end()),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  auto ints = r.Read("ints");
  ASSERT_TRUE(ints.ok()) << ints.status().ToString();
  EXPECT_EQ(ints->flat<int64_t>()[1], 1LL << 40);
  auto flags = r.Read("flags");
  ASSERT_TRUE(flags.ok()) << flags.status().ToString();
  EXPECT_EQ(flags->dtype(), DataType::kBool);
  EXPECT_FALSE(flags->flat<bool>()[1]);
  auto s = r.Read("strings");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->flat<std::string>()[0], "hello");
  EXPECT_EQ(s->flat<std::string>()[1], "");
  EXPECT_EQ(s->flat<std::string>()[2], std::string(300, 'x'));
  auto g = r.Read("_CHECKPOINTABLE_OBJECT_GRAPH");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->scalar<std::string>(), "graph-bytes");
  auto info = r.GetInfo("a/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_TRUE(info.ok());
  // Data is laid out in Add order (b first), like TF's BundleWriter.
  EXPECT_EQ(info->offset, 4);
}

TEST_F(BundleWriterTest, StringEntryCrcMatchesTensorFlowsFile) {
  // serving-spec §4.4: the object-graph string of the TF 2.14 test model is stored with a crc
  // computed over uint32 lengths + stored length crc + bytes; check the writer agrees with the
  // test builder (which was checked against TF's file).
  testing::TestBundleBuilder ref;
  ref.AddStrings("s", {2}, {"ab", "cde"});
  BundleWriter w(dir_ + "/x");
  Tensor t(DataType::kString, TensorShape{2});
  t.flat<std::string>()[0] = "ab";
  t.flat<std::string>()[1] = "cde";
  ASSERT_TRUE(w.Add("s", t).ok());
  EXPECT_EQ(w.data(), ref.data());
}

TEST_F(BundleWriterTest, ManyEntriesSpanSeveralSnappyBlocks) {
  const std::string prefix = dir_ + "/big";
  BundleWriter w(prefix);
  for (int i = 0; i < 3000; ++i) {
    char key[64];
    std::snprintf(key, sizeof(key), "layer_with_weights-%04d/kernel/.ATTRIBUTES/VARIABLE_VALUE", i);
    ASSERT_TRUE(w.Add(key, Tensor::FromVector<float>(std::vector<float>(100, static_cast<float>(i)),
                                                     TensorShape{10, 10}))
                    .ok());
  }
  ASSERT_TRUE(w.Finish().ok());
  auto table = TableReader::Open(*ReadFileToString(prefix + ".index"), "big.index");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_GT(table->num_data_blocks(), 1u);
  auto reader = BundleReader::Open(prefix);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->keys().size(), 3000u);
  auto t = (*reader)->Read("layer_with_weights-2999/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->flat<float>()[99], 2999.0f);
}

TEST(TableWriterTest, RejectsUnsortedKeys) {
  TableWriter t;
  ASSERT_TRUE(t.Add("b", "1").ok());
  EXPECT_FALSE(t.Add("a", "2").ok());
  EXPECT_FALSE(t.Add("b", "2").ok());
  ASSERT_TRUE(t.Add("c", "3").ok());
  auto r = TableReader::Open(t.Finish(), "t");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto all = r->ReadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].first, "c");
}

// A data shard truncated after the reader opened it (a model folder rewritten during a load) is a
// DataLoss error naming the file; with the shard memory-mapped, the read was a SIGBUS that killed
// the whole server.
TEST_F(BundleWriterTest, ShardTruncatedAfterOpenIsAnErrorNotACrash) {
  const std::string prefix = dir_ + "/variables";
  BundleWriter w(prefix);
  ASSERT_TRUE(w.Add("kernel", Tensor::FromVector<float>(std::vector<float>(4096, 1.5f), TensorShape{64, 64})).ok());
  Tensor strings(DataType::kString, TensorShape{2});
  strings.flat<std::string>()[0] = std::string(5000, 'a');
  strings.flat<std::string>()[1] = "b";
  ASSERT_TRUE(w.Add("words", strings).ok());
  ASSERT_TRUE(w.Finish().ok());
  auto reader = BundleReader::Open(prefix);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::filesystem::resize_file(prefix + ".data-00000-of-00001", 0);
  for (const char* key : {"kernel", "words"}) {
    auto t = (*reader)->Read(key);
    ASSERT_FALSE(t.ok()) << key;
    EXPECT_EQ(t.status().code(), StatusCode::kDataLoss) << t.status().ToString();
    EXPECT_NE(t.status().message().find("variables.data-00000-of-00001"), std::string::npos) << t.status().ToString();
  }
}

}  // namespace
}  // namespace serval::loader
