#include "serval/loader/op_defs.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <set>

#include "serval/base/file.h"
#include "tensorflow/core/framework/function.pb.h"
#include "tensorflow/core/framework/graph.pb.h"
#include "tensorflow/core/protobuf/saved_model.pb.h"

namespace serval::loader {
namespace {

TEST(OpDefsTest, TableParsesWithoutDuplicates) {
  tensorflow::OpList list;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string(BuiltinOpListText()), &list));
  std::set<std::string> names;
  for (const auto& op : list.op()) {
    EXPECT_TRUE(names.insert(op.name()).second) << "duplicate OpDef " << op.name();
    // Every type_attr / number_attr / type_list_attr must name a declared attr.
    std::set<std::string> attrs;
    for (const auto& a : op.attr()) attrs.insert(a.name());
    for (const auto* args : {&op.input_arg(), &op.output_arg()}) {
      for (const auto& arg : *args) {
        for (const std::string& ref : {arg.type_attr(), arg.number_attr(), arg.type_list_attr()}) {
          if (!ref.empty()) EXPECT_TRUE(attrs.count(ref)) << op.name() << " arg " << arg.name() << " uses " << ref;
        }
        EXPECT_TRUE(arg.type() != tensorflow::DT_INVALID || !arg.type_attr().empty() || !arg.type_list_attr().empty())
            << op.name() << " arg " << arg.name() << " has no type";
      }
    }
  }
  EXPECT_GT(names.size(), 190u);
  EXPECT_EQ(BuiltinOpNames().size(), names.size());
}

TEST(OpDefsTest, KnownShapes) {
  const tensorflow::OpDef* split = FindBuiltinOpDef("Split");
  ASSERT_NE(split, nullptr);
  ASSERT_EQ(split->output_arg_size(), 1);
  EXPECT_EQ(split->output_arg(0).name(), "output");
  EXPECT_EQ(split->output_arg(0).number_attr(), "num_split");
  EXPECT_EQ(split->input_arg(0).name(), "split_dim");

  const tensorflow::OpDef* bn = FindBuiltinOpDef("FusedBatchNormV3");
  ASSERT_NE(bn, nullptr);
  ASSERT_EQ(bn->output_arg_size(), 6);
  EXPECT_EQ(bn->output_arg(1).name(), "batch_mean");

  const tensorflow::OpDef* conv = FindBuiltinOpDef("Conv2D");
  ASSERT_NE(conv, nullptr);
  bool found = false;
  for (const auto& a : conv->attr()) {
    if (a.name() == "data_format") {
      found = true;
      EXPECT_EQ(a.default_value().s(), "NHWC");
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(FindBuiltinOpDef("NoSuchOp"), nullptr);
  EXPECT_EQ(FindBuiltinOpDef("StatefulPartitionedCall")->output_arg(0).type_list_attr(), "Tout");
}

TEST(OpDefsTest, AddDefaultAttrs) {
  OpDefs defs(nullptr);
  tensorflow::NodeDef node;
  node.set_name("conv");
  node.set_op("Conv2D");
  (*node.mutable_attr())["data_format"].set_s("NCHW");
  ASSERT_TRUE(AddDefaultAttrs(defs, &node).ok());
  EXPECT_EQ(node.attr().at("data_format").s(), "NCHW");  // present attrs are kept
  EXPECT_EQ(node.attr().at("dilations").list().i_size(), 4);
  EXPECT_TRUE(node.attr().at("use_cudnn_on_gpu").b());
  EXPECT_FALSE(node.attr().count("strides"));  // no default: stays missing

  tensorflow::NodeDef call;
  call.set_op("__inference_foo_12");
  ASSERT_TRUE(AddDefaultAttrs(defs, &call).ok());
  EXPECT_TRUE(call.attr().empty());
}

TEST(OpDefsTest, ModelOpListTakesPrecedence) {
  tensorflow::OpList model;
  auto* op = model.add_op();
  op->set_name("Conv2D");
  auto* attr = op->add_attr();
  attr->set_name("data_format");
  attr->set_type("string");
  attr->mutable_default_value()->set_s("NCHW");
  OpDefs defs(&model);
  EXPECT_EQ(defs.Find("Conv2D"), &model.op(0));
  EXPECT_EQ(defs.Find("Relu"), FindBuiltinOpDef("Relu"));
}

// ---- Against real exports -----------------------------------------------------------------------

std::vector<std::string> FixtureModels() {
  std::vector<std::string> out;
  const char* env = std::getenv("SERVAL_FIXTURES");
  if (env == nullptr) return out;
  std::filesystem::path root = std::filesystem::path(env) / "savedmodels";
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) return out;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->path().filename() == "saved_model.pb") out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool ReadModel(const std::string& path, tensorflow::SavedModel* sm) {
  auto bytes = ReadFileToString(path);
  return bytes.ok() && sm->ParseFromString(*bytes);
}

std::string ArgKey(const tensorflow::OpDef::ArgDef& a) {
  return a.name() + "|" + std::to_string(a.type()) + "|" + a.type_attr() + "|" + a.number_attr() + "|" +
         a.type_list_attr() + "|" + (a.is_ref() ? "ref" : "");
}

TEST(OpDefsTest, AgreesWithFixtureStrippedOpLists) {
  auto models = FixtureModels();
  if (models.empty()) GTEST_SKIP() << "SERVAL_FIXTURES/savedmodels not found; fixture comparison SKIPPED";
  int compared = 0;
  for (const auto& path : models) {
    tensorflow::SavedModel sm;
    if (!ReadModel(path, &sm)) continue;  // the loader's own tests cover unreadable files
    for (const auto& mg : sm.meta_graphs()) {
      for (const auto& theirs : mg.meta_info_def().stripped_op_list().op()) {
        const tensorflow::OpDef* ours = FindBuiltinOpDef(theirs.name());
        if (ours == nullptr) continue;
        ++compared;
        SCOPED_TRACE(path + " op " + theirs.name() + " (TF " + mg.meta_info_def().tensorflow_version() + ")");
        ASSERT_EQ(ours->input_arg_size(), theirs.input_arg_size());
        for (int i = 0; i < ours->input_arg_size(); ++i) EXPECT_EQ(ArgKey(ours->input_arg(i)), ArgKey(theirs.input_arg(i)));
        ASSERT_EQ(ours->output_arg_size(), theirs.output_arg_size());
        for (int i = 0; i < ours->output_arg_size(); ++i) {
          EXPECT_EQ(ArgKey(ours->output_arg(i)), ArgKey(theirs.output_arg(i)));
        }
        // Every attr of the export must exist in ours with the same type and default; ours may
        // have attrs that newer TF versions added.
        for (const auto& ta : theirs.attr()) {
          const tensorflow::OpDef::AttrDef* oa = nullptr;
          for (const auto& a : ours->attr()) {
            if (a.name() == ta.name()) oa = &a;
          }
          ASSERT_NE(oa, nullptr) << "attr " << ta.name() << " missing";
          EXPECT_EQ(oa->type(), ta.type()) << "attr " << ta.name();
          // Known changes across TF versions, where the export's own stripped_op_list (which OpDefs
          // consults first) is right for that export: Placeholder's default shape was {} (then
          // meaning "unknown") before TF 1.2 and is unknown_rank since.
          if (theirs.name() == "Placeholder" && ta.name() == "shape" &&
              ta.default_value().shape().dim_size() == 0 && !ta.default_value().shape().unknown_rank()) {
            continue;
          }
          EXPECT_EQ(oa->has_default_value(), ta.has_default_value()) << "attr " << ta.name();
          EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(oa->default_value(), ta.default_value()))
              << "attr " << ta.name() << ": ours " << oa->default_value().ShortDebugString() << " theirs "
              << ta.default_value().ShortDebugString();
        }
      }
    }
  }
  EXPECT_GT(compared, 30);
}

TEST(OpDefsTest, CoversEveryOpInFixtures) {
  auto models = FixtureModels();
  if (models.empty()) GTEST_SKIP() << "SERVAL_FIXTURES/savedmodels not found; fixture comparison SKIPPED";
  std::set<std::string> missing;
  for (const auto& path : models) {
    tensorflow::SavedModel sm;
    if (!ReadModel(path, &sm)) continue;
    for (const auto& mg : sm.meta_graphs()) {
      std::set<std::string> functions;
      for (const auto& f : mg.graph_def().library().function()) functions.insert(f.signature().name());
      auto check = [&](const tensorflow::NodeDef& n) {
        if (!functions.count(n.op()) && FindBuiltinOpDef(n.op()) == nullptr) missing.insert(n.op());
      };
      for (const auto& n : mg.graph_def().node()) check(n);
      for (const auto& f : mg.graph_def().library().function()) {
        for (const auto& n : f.node_def()) check(n);
      }
    }
  }
  EXPECT_TRUE(missing.empty()) << "ops without a built-in OpDef: "
                               << std::accumulate(missing.begin(), missing.end(), std::string(),
                                                  [](std::string a, const std::string& b) { return a + b + " "; });
}

}  // namespace
}  // namespace serval::loader
