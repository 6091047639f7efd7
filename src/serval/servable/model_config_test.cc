// ParseModelServerConfig: TF Serving's text-format model config file and its validation.
#include "serval/servable/model_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace serval::servable {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ModelConfigTest, ParsesSeveralModelsWithEveryPolicyAndLabels) {
  const std::string text = R"pb(
    # Three models, one per policy.
    model_config_list {
      config {
        name: 'latest2'
        base_path: '/models/latest2'
        model_platform: 'tensorflow'
        model_version_policy { latest { num_versions: 2 } }
      }
      config {
        name: "everything"
        base_path: "/models/all"
        model_version_policy { all {} }
      }
      config {
        name: 'm1'
        base_path: '/models/m1'
        model_platform: 'tensorflow'
        model_version_policy { specific { versions: 42 versions: 43 } }
        version_labels { key: 'stable' value: 42 }
        version_labels { key: 'canary' value: 43 }
        logging_config { sampling_config { sampling_rate: 0.5 } log_collector_config { type: "x" } }
      }
      config { name: 'plain' base_path: 'relative/plain' model_type: TENSORFLOW }
      config { name: 'zero' base_path: '/z' model_version_policy { latest { num_versions: 0 } } }
    }
  )pb";
  auto parsed = ParseModelServerConfig(text, "models.config");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const auto& models = *parsed;
  ASSERT_EQ(models.size(), 5u);

  EXPECT_EQ(models[0].name, "latest2");
  EXPECT_EQ(models[0].base_path, "/models/latest2");
  EXPECT_EQ(models[0].policy.kind, VersionPolicy::Kind::kLatest);
  EXPECT_EQ(models[0].policy.num_versions, 2);

  EXPECT_EQ(models[1].name, "everything");
  EXPECT_EQ(models[1].policy.kind, VersionPolicy::Kind::kAll);

  EXPECT_EQ(models[2].name, "m1");
  EXPECT_EQ(models[2].policy.kind, VersionPolicy::Kind::kSpecific);
  EXPECT_THAT(models[2].policy.versions, ElementsAre(42, 43));
  EXPECT_EQ(models[2].version_labels.size(), 2u);
  EXPECT_EQ(models[2].version_labels.at("stable"), 42);
  EXPECT_EQ(models[2].version_labels.at("canary"), 43);

  // No policy: latest {num_versions: 1}. Relative base paths are kept as written.
  EXPECT_EQ(models[3].base_path, "relative/plain");
  EXPECT_EQ(models[3].policy.kind, VersionPolicy::Kind::kLatest);
  EXPECT_EQ(models[3].policy.num_versions, 1);
  // num_versions: 0 means 1, as in TF Serving.
  EXPECT_EQ(models[4].policy.num_versions, 1);
}

TEST(ModelConfigTest, EmptyFileAndEmptyListMeanNoModels) {
  auto empty = ParseModelServerConfig("", "f");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
  auto list = ParseModelServerConfig("model_config_list {}", "f");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_TRUE(list->empty());
}

// Error message for `text`, checked for code and the file prefix.
std::string Error(const std::string& text, StatusCode code = StatusCode::kInvalidArgument) {
  auto parsed = ParseModelServerConfig(text, "cfg.txt");
  EXPECT_FALSE(parsed.ok());
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), code) << parsed.status().ToString();
  EXPECT_THAT(parsed.status().message(), StartsWith("model config file 'cfg.txt': "));
  return parsed.status().message();
}

TEST(ModelConfigTest, SyntaxErrorsNameLineAndColumn) {
  EXPECT_THAT(Error("model_config_list {\n  config {\n    nme: 'x'\n  }\n}\n"),
              HasSubstr("line 3:8: Message type \"tensorflow.serving.ModelConfig\" has no field named \"nme\""));
  EXPECT_THAT(Error("model_config_list {\n  config { name: 'x' base_path: '/a' \n"), HasSubstr("line 3:"));
  EXPECT_THAT(Error("model_config_list { config { name: 'x' model_version_policy { latest { num_versions: -1 } } } }"),
              HasSubstr("line 1:"));
}

TEST(ModelConfigTest, ValidationErrorsNameTheModelAndLine) {
  EXPECT_EQ(Error("model_config_list {\n config { name: 'a' base_path: '/a' }\n config { name: 'b' }\n}"),
            "model config file 'cfg.txt': model 'b' (line 3): base_path is empty");
  EXPECT_EQ(Error("model_config_list {\n config { base_path: '/a' }\n}"),
            "model config file 'cfg.txt': model '' (line 2): the name is empty");
  EXPECT_EQ(Error("model_config_list {\n config { name: 'a' base_path: '/a' }\n config { name: 'a' base_path: '/b' }\n}"),
            "model config file 'cfg.txt': model 'a' (line 3): the model is listed more than once");
  EXPECT_THAT(Error("model_config_list { config { name: 'a/b' base_path: '/a' } }"),
              HasSubstr("model 'a/b' (line 1): a model name cannot contain '/'"));
  EXPECT_THAT(Error("model_config_list { config { name: '..' base_path: '/a' } }"),
              HasSubstr("model '..' (line 1): a model name cannot be '.' or '..'"));
  EXPECT_THAT(Error("model_config_list { config { name: 'a\\nb' base_path: '/a' } }"),
              HasSubstr("a model name cannot contain control characters"));
  EXPECT_THAT(Error("model_config_list { config { name: 'a' base_path: '/a'\n"
                    "  model_version_policy { specific { } } } }"),
              HasSubstr("model 'a' (line 1): model_version_policy specific lists no versions"));
  EXPECT_THAT(Error("model_config_list { config { name: 'a' base_path: '/a'\n"
                    "  model_version_policy { specific { versions: -3 } } } }"),
              HasSubstr("version -3 is negative"));
  EXPECT_THAT(Error("model_config_list { config { name: 'a' base_path: '/a'\n"
                    "  version_labels { key: 'stable' value: -1 } } }"),
              HasSubstr("model 'a' (line 1): version label 'stable' points at negative version -1"));
}

TEST(ModelConfigTest, UnsupportedFeaturesAreUnimplemented) {
  EXPECT_EQ(Error("model_config_list { config { name: 'a' base_path: '/a' model_platform: 'pytorch' } }",
                  StatusCode::kUnimplemented),
            "model config file 'cfg.txt': model 'a' (line 1): model_platform 'pytorch' is not supported; "
            "Serval serves only 'tensorflow' SavedModels");
  EXPECT_THAT(Error("custom_model_config { type_url: 'type.googleapis.com/x.Y' }", StatusCode::kUnimplemented),
              HasSubstr("custom_model_config is not supported"));
  EXPECT_THAT(Error("model_config_list { config { name: 'a' base_path: '/a' model_type: OTHER } }",
                    StatusCode::kUnimplemented),
              HasSubstr("model_type OTHER"));
}

TEST(ModelConfigTest, ValidateModelConfigForFlags) {
  ModelConfig c;
  c.name = "default";
  c.base_path = "/models/default";
  EXPECT_TRUE(ValidateModelConfig(c).ok());
  c.base_path.clear();
  EXPECT_EQ(ValidateModelConfig(c), InvalidArgument("model 'default': base_path is empty"));
}

}  // namespace
}  // namespace serval::servable
