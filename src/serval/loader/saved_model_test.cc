#include "serval/loader/saved_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "serval/base/file.h"
#include "serval/loader/version_dirs.h"

namespace serval::loader {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// ---- Hand-written SavedModels in a temp folder ---------------------------------------------------

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "serval_sm_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& rel, const std::string& content) const {
    std::filesystem::path p = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

 private:
  std::string path_;
};

// A TF1-style model: y = x (Identity), a Placeholder whose `shape` attr was stripped, a
// signature with a default, a legacy_init_op collection and an asset.
constexpr char kTinyModel[] = R"pb(
  saved_model_schema_version: 1
  meta_graphs {
    meta_info_def { tags: "serve" tensorflow_version: "1.15.0" stripped_default_attrs: true }
    graph_def {
      node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
      node { name: "y" op: "Identity" input: "x" attr { key: "T" value { type: DT_FLOAT } } }
      node { name: "init" op: "NoOp" }
      node { name: "vocab_path" op: "Const"
             attr { key: "dtype" value { type: DT_STRING } }
             attr { key: "value" value { tensor { dtype: DT_STRING tensor_shape {} string_val: "vocab.txt" } } } }
    }
    collection_def { key: "legacy_init_op" value { node_list { value: "init" } } }
    asset_file_def { tensor_info { name: "vocab_path:0" } filename: "vocab.txt" }
    signature_def {
      key: "serving_default"
      value {
        method_name: "tensorflow/serving/predict"
        inputs { key: "x" value { name: "x:0" dtype: DT_FLOAT tensor_shape { dim { size: -1 } dim { size: 2 } } } }
        outputs { key: "y" value { name: "y:0" dtype: DT_FLOAT tensor_shape { unknown_rank: true } } }
        defaults { key: "x" value { dtype: DT_FLOAT tensor_shape { dim { size: 1 } dim { size: 2 } } float_val: 1.5 } }
      }
    }
    signature_def {
      key: "other"
      value { method_name: "tensorflow/serving/predict"
              outputs { key: "out" value { name: "y:0" dtype: DT_FLOAT } } }
    }
  }
  meta_graphs { meta_info_def { tags: "serve" tags: "gpu" } graph_def {} }
)pb";

TEST(SavedModelTest, LoadsHandWrittenPbtxt) {
  TempDir dir;
  dir.Write("saved_model.pbtxt", kTinyModel);
  dir.Write("assets.extra/tf_serving_warmup_requests", "x");
  auto m = LoadSavedModel(dir.path());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const SavedModel& sm = **m;
  EXPECT_THAT(sm.source_file, HasSubstr("saved_model.pbtxt"));
  ASSERT_EQ(sm.available_tag_sets.size(), 2u);
  ASSERT_EQ(sm.signatures.size(), 2u);
  EXPECT_EQ(sm.signatures[0].key, "other");  // sorted
  const Signature* sig = sm.FindSignature("serving_default");
  ASSERT_NE(sig, nullptr);
  ASSERT_EQ(sig->inputs.size(), 1u);
  EXPECT_EQ(sig->inputs[0].tensor_name, "x:0");
  EXPECT_EQ(sig->inputs[0].dtype, DataType::kFloat);
  EXPECT_EQ(sig->inputs[0].shape.dims(), (std::vector<int64_t>{-1, 2}));
  EXPECT_TRUE(sig->outputs[0].shape.unknown_rank());
  ASSERT_EQ(sig->defaults.count("x"), 1u);
  EXPECT_EQ(sig->defaults.at("x").num_elements(), 2);
  EXPECT_FLOAT_EQ(sig->defaults.at("x").flat<float>()[1], 1.5f);
  // An absent tensor_shape means "not recorded", i.e. unknown rank.
  EXPECT_TRUE(sm.FindSignature("other")->outputs[0].shape.unknown_rank());
  EXPECT_EQ(sm.init_op, "init");
  ASSERT_EQ(sm.assets.size(), 1u);
  EXPECT_EQ(sm.assets[0].tensor_name, "vocab_path:0");
  EXPECT_EQ(sm.assets[0].path, JoinPath(dir.path(), "assets/vocab.txt"));
  EXPECT_THAT(sm.extra_assets, ElementsAre("tf_serving_warmup_requests"));
  EXPECT_EQ(sm.variables, nullptr);
  // The stripped Placeholder `shape` attr is restored from the built-in OpDef.
  const auto& x = sm.meta_graph.graph_def().node(0);
  ASSERT_TRUE(x.attr().count("shape"));
  EXPECT_TRUE(x.attr().at("shape").shape().unknown_rank());
}

TEST(SavedModelTest, ChoosesTagSetAndListsAvailable) {
  TempDir dir;
  dir.Write("saved_model.pbtxt", kTinyModel);
  LoadOptions gpu;
  gpu.tags = {"gpu", "serve"};
  auto m = LoadSavedModel(dir.path(), gpu);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE((*m)->signatures.empty());

  LoadOptions train;
  train.tags = {"train"};
  auto bad = LoadSavedModel(dir.path(), train);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(bad.status().message(), HasSubstr("{train}"));
  EXPECT_THAT(bad.status().message(), HasSubstr("available tag sets: {serve}, {gpu,serve}"));
  EXPECT_THAT(bad.status().message(), HasSubstr("SavedModel '" + dir.path() + "'"));
}

TEST(SavedModelTest, MissingSavedModelFile) {
  TempDir dir;
  auto m = LoadSavedModel(dir.path());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(m.status().message(), HasSubstr("no saved_model.pb or saved_model.pbtxt"));
  EXPECT_FALSE(LoadSavedModel(JoinPath(dir.path(), "nope")).ok());
}

TEST(SavedModelTest, GarbageBytes) {
  TempDir dir;
  dir.Write("saved_model.pb", std::string("\xff\xff\xff\xff\x0f garbage \x00\x01", 17));
  auto m = LoadSavedModel(dir.path());
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("saved_model.pb"));
  EXPECT_THAT(m.status().message(), HasSubstr("not a valid SavedModel"));

  TempDir empty;  // an empty file parses as an empty SavedModel
  empty.Write("saved_model.pb", "");
  auto e = LoadSavedModel(empty.path());
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("holds no MetaGraphs"));

  TempDir text;
  text.Write("saved_model.pbtxt", "meta_graphs { bogus_field: 1 }");
  auto t = LoadSavedModel(text.path());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("line 1"));
}

TEST(SavedModelTest, ChunkedOnly) {
  TempDir dir;
  dir.Write("saved_model.cpb", "riegeli");
  auto m = LoadSavedModel(dir.path());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(m.status().message(), HasSubstr("chunked SavedModel"));
  EXPECT_THAT(m.status().message(), HasSubstr("not supported"));
}

TEST(SavedModelTest, MissingVariablesFolder) {
  TempDir dir;
  dir.Write("saved_model.pbtxt", R"pb(
    meta_graphs {
      meta_info_def { tags: "serve" }
      graph_def {
        node { name: "w" op: "VarHandleOp"
               attr { key: "dtype" value { type: DT_FLOAT } }
               attr { key: "shape" value { shape { dim { size: 2 } } } }
               attr { key: "shared_name" value { s: "w" } } }
      }
    })pb");
  auto m = LoadSavedModel(dir.path());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(m.status().message(), HasSubstr("variables/variables.index"));
}

TEST(SavedModelTest, RejectsBadGraphs) {
  struct Case {
    const char* name;
    const char* graph;
    const char* expected;
  };
  const Case cases[] = {
      {"const without value", R"(node { name: "c" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } })",
       "node 'c' (Const): Const has no 'value' attr"},
      {"const dtype mismatch",
       R"(node { name: "c" op: "Const" attr { key: "dtype" value { type: DT_INT32 } }
                 attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } } })",
       "attr 'dtype' is DT_INT32 but its value tensor is DT_FLOAT"},
      {"const too many values",
       R"(node { name: "c" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
                 attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 float_val: 2 } } } })",
       "node 'c' (Const)"},
      {"shape attr below -1",
       R"(node { name: "p" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
                 attr { key: "shape" value { shape { dim { size: -7 } } } } })",
       "node 'p' (Placeholder): attr 'shape'"},
      {"dangling input", R"(node { name: "i" op: "Identity" input: "ghost" attr { key: "T" value { type: DT_FLOAT } } })",
       "input 'ghost' names no node"},
      {"missing function",
       R"(node { name: "call" op: "StatefulPartitionedCall" attr { key: "f" value { func { name: "nope" } } } })",
       "names function 'nope'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    dir.Write("saved_model.pbtxt",
              std::string("meta_graphs { meta_info_def { tags: \"serve\" } graph_def { ") + c.graph + " } }");
    auto m = LoadSavedModel(dir.path());
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.status().message(), HasSubstr(c.expected));
  }
}

TEST(SavedModelTest, RejectsAssetOutsideAssetsFolder) {
  TempDir dir;
  dir.Write("saved_model.pbtxt", R"pb(
    meta_graphs { meta_info_def { tags: "serve" }
                  asset_file_def { tensor_info { name: "a:0" } filename: "../../etc/passwd" } })pb");
  auto m = LoadSavedModel(dir.path());
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("leaves the assets folder"));
}

TEST(VersionDirsTest, ListsAndResolves) {
  TempDir base;
  base.Write("00000007/saved_model.pbtxt", "");
  base.Write("12/saved_model.pbtxt", "");
  base.Write("tmp-export/saved_model.pbtxt", "");
  base.Write("99", "a file, not a folder");
  auto versions = ListVersions(base.path());
  ASSERT_TRUE(versions.ok());
  EXPECT_THAT(*versions, ElementsAre(7, 12));
  auto latest = ResolveModelDir(base.path(), std::nullopt);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, JoinPath(base.path(), "12"));
  auto seven = ResolveModelDir(base.path(), 7);
  ASSERT_TRUE(seven.ok());
  EXPECT_EQ(*seven, JoinPath(base.path(), "00000007"));
  auto missing = ResolveModelDir(base.path(), 3);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no version 3; available versions: 7 (00000007), 12"));
  // A SavedModel folder is its own export dir; a version cannot be picked inside it.
  auto direct = ResolveModelDir(JoinPath(base.path(), "12"), std::nullopt);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(*direct, JoinPath(base.path(), "12"));
  EXPECT_FALSE(ResolveModelDir(JoinPath(base.path(), "12"), 12).ok());
  TempDir empty;
  EXPECT_THAT(ResolveModelDir(empty.path(), std::nullopt).status().message(), HasSubstr("neither"));
}

// ---- Real exports -------------------------------------------------------------------------------

class FixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("SERVAL_FIXTURES");
    root_ = env ? JoinPath(env, "savedmodels") : "";
    if (root_.empty() || !IsDirectory(root_)) {
      GTEST_SKIP() << "SERVAL_FIXTURES/savedmodels not found; real-export tests SKIPPED";
    }
  }
  Result<std::shared_ptr<const SavedModel>> Load(const std::string& name, std::optional<int64_t> version = {}) {
    auto dir = ResolveModelDir(JoinPath(root_, name), version);
    if (!dir.ok()) return dir.status();
    return LoadSavedModel(*dir);
  }
  std::string root_;
};

TEST_F(FixtureTest, HalfPlusTwoTf2) {
  auto m = Load("tfs_half_plus_two_tf2_cpu");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const SavedModel& sm = **m;
  ASSERT_EQ(sm.available_tag_sets.size(), 1u);
  EXPECT_EQ(sm.available_tag_sets[0], (std::set<std::string>{"serve"}));
  EXPECT_EQ(sm.init_op, "NoOp");
  const Signature* sig = sm.FindSignature("serving_default");
  ASSERT_NE(sig, nullptr);
  EXPECT_EQ(sig->method_name, "tensorflow/serving/predict");
  ASSERT_EQ(sig->inputs.size(), 1u);
  EXPECT_EQ(sig->inputs[0].key, "x");
  EXPECT_EQ(sig->inputs[0].tensor_name, "serving_default_x:0");
  EXPECT_EQ(sig->outputs[0].tensor_name, "StatefulPartitionedCall_5:0");
  ASSERT_EQ(sig->defaults.count("x"), 1u);
  EXPECT_EQ(sig->defaults.at("x").dtype(), DataType::kFloat);
  EXPECT_EQ(sm.FindSignature("__saved_model_init_op"), nullptr);
  ASSERT_EQ(sm.assets.size(), 1u);
  EXPECT_EQ(sm.assets[0].filename, "foo.txt");
  EXPECT_EQ(sm.assets[0].tensor_name, "asset_path_initializer:0");
  ASSERT_NE(sm.variables, nullptr);
  EXPECT_TRUE(sm.variables->Contains("a/.ATTRIBUTES/VARIABLE_VALUE"));
  // Stripped defaults are back: VarHandleOp's container, StatefulPartitionedCall's executor_type.
  for (const auto& node : sm.meta_graph.graph_def().node()) {
    if (node.op() == "VarHandleOp") EXPECT_TRUE(node.attr().count("container")) << node.name();
    if (node.op() == "StatefulPartitionedCall") EXPECT_TRUE(node.attr().count("executor_type")) << node.name();
  }
}

TEST_F(FixtureTest, HalfPlusTwoTf1UsesCollections) {
  auto m = Load("tfs_half_plus_two_cpu");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->init_op, "group_deps");  // saved_model_main_op collection
  // TF1 stored assets as Any-packed AssetFileDefs in the saved_model_assets collection.
  ASSERT_EQ((*m)->assets.size(), 1u);
  EXPECT_EQ((*m)->assets[0].filename, "foo.txt");
  EXPECT_EQ((*m)->signatures.size(), 5u);
}

TEST_F(FixtureTest, Assets) {
  auto a = Load("tf_asset_module");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ((*a)->assets.size(), 1u);
  EXPECT_EQ((*a)->assets[0].filename, "test_asset.txt");
  EXPECT_TRUE(PathExists((*a)->assets[0].path));

  auto h = Load("tf_static_hashtable");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_FALSE((*h)->assets.empty());
  for (const auto& asset : (*h)->assets) EXPECT_EQ(asset.filename, "static_hashtable_asset.txt");

  auto c = Load("tfs_half_plus_two_with_config");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE((*c)->extra_assets.empty());
}

TEST_F(FixtureTest, TagSetErrorListsAvailableSets) {
  auto dir = ResolveModelDir(JoinPath(root_, "keras_mlp_stock"), std::nullopt);
  ASSERT_TRUE(dir.ok());
  LoadOptions options;
  options.tags = {"serve", "gpu"};
  auto m = LoadSavedModel(*dir, options);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("no MetaGraph has tag set {gpu,serve}; available tag sets: {serve}"));
}

TEST_F(FixtureTest, Versions) {
  auto versions = ListVersions(JoinPath(root_, "tfs_half_plus_two_2_versions"));
  ASSERT_TRUE(versions.ok());
  EXPECT_THAT(*versions, ElementsAre(123, 124));
  auto latest = ResolveModelDir(JoinPath(root_, "tfs_half_plus_two_2_versions"), std::nullopt);
  ASSERT_TRUE(latest.ok());
  EXPECT_THAT(*latest, HasSubstr("00000124"));
  EXPECT_TRUE(Load("tfs_half_plus_two_2_versions", 123).ok());
  auto bad = Load("tfs_half_plus_two_2_versions", 5);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("available versions: 123 (00000123), 124 (00000124)"));
}

TEST_F(FixtureTest, RefDtypeSignature) {
  auto m = Load("tfs_saved_model_counter");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Signature* sig = (*m)->FindSignature("get_counter");
  ASSERT_NE(sig, nullptr);
  EXPECT_EQ(sig->outputs[0].dtype, DataType::kFloat);
  EXPECT_TRUE(sig->outputs[0].is_ref);
}

TEST_F(FixtureTest, NegFuzzConstWithNoValue) {
  auto m = Load("neg_fuzz_const_with_no_value");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  // The fuzzer renamed the Const's `value` attr to `valee`.
  EXPECT_THAT(m.status().message(), HasSubstr("node 'Assign/value' (Const): Const has no 'value' attr"));
  EXPECT_THAT(m.status().message(), HasSubstr("valee"));
}

TEST_F(FixtureTest, NegFuzzNegativeShape) {
  auto m = Load("neg_fuzz_negative_shape");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  // The fuzzer gave the Const tensor of `b/initial_value` the shape [-1,1].
  EXPECT_THAT(m.status().message(), HasSubstr("node 'b/initial_value' (Const)"));
  EXPECT_THAT(m.status().message(), HasSubstr("[-1,1]"));
}

TEST_F(FixtureTest, EveryOtherFixtureLoads) {
  for (const auto& entry : std::filesystem::directory_iterator(root_)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("neg_fuzz_", 0) == 0) continue;
    auto versions = ListVersions(entry.path().string());
    ASSERT_TRUE(versions.ok());
    std::vector<std::optional<int64_t>> targets;
    if (IsSavedModelDir(entry.path().string())) targets.push_back(std::nullopt);
    for (int64_t v : *versions) targets.push_back(v);
    for (const auto& v : targets) {
      auto m = Load(name, v);
      EXPECT_TRUE(m.ok()) << name << ": " << m.status().ToString();
    }
  }
}

}  // namespace
}  // namespace serval::loader
