// In-process gRPC tests: GrpcServer on a loopback port over a real ServableManager serving
// tfs_half_plus_two_cpu (y = 0.5x + 2, y2 = 0.5x + 3), called through the generated C++ stubs.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "serval/api_grpc/grpc_server.h"
#include "serval/api_grpc/predict_request.h"
#include "tensorflow_serving/apis/model_service.grpc.pb.h"
#include "tensorflow_serving/apis/prediction_service.grpc.pb.h"

namespace serval::api_grpc {
namespace {

namespace tfs = tensorflow::serving;

std::string FixturesDir() {
  if (const char* env = std::getenv("SERVAL_FIXTURES"); env && *env) return env;
  return SERVAL_FIXTURES_DIR;
}
std::string HalfPlusTwoPath() { return FixturesDir() + "/savedmodels/tfs_half_plus_two_cpu"; }

tensorflow::TensorProto FloatTensor(std::initializer_list<float> values, bool as_content) {
  tensorflow::TensorProto t;
  t.set_dtype(tensorflow::DT_FLOAT);
  t.mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(values.size()));
  if (as_content) {
    std::string bytes(values.size() * sizeof(float), '\0');
    std::memcpy(bytes.data(), values.begin(), bytes.size());
    t.set_tensor_content(bytes);
  } else {
    for (float v : values) t.add_float_val(v);
  }
  return t;
}

tfs::Input Examples(std::initializer_list<float> xs) {
  tfs::Input input;
  for (float x : xs) {
    auto* ex = input.mutable_example_list()->add_examples();
    (*ex->mutable_features()->mutable_feature())["x"].mutable_float_list()->add_value(x);
  }
  return input;
}

class GrpcServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(HalfPlusTwoPath())) return;
    servable::ManagerOptions mopts;
    mopts.file_system_poll_wait_seconds = 0;
    manager_ = new servable::ServableManager(mopts);
    servable::ModelConfig config;
    config.name = "half";
    config.base_path = HalfPlusTwoPath();
    manager_->SetModels({config});
    GrpcOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    auto server = GrpcServer::Start(manager_, options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete manager_;
    manager_ = nullptr;
  }
  void SetUp() override {
    if (!std::filesystem::exists(HalfPlusTwoPath())) {
      GTEST_SKIP() << "fixture missing: " << HalfPlusTwoPath() << " (set SERVAL_FIXTURES)";
    }
    ASSERT_NE(server_, nullptr);
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                       grpc::InsecureChannelCredentials());
    predict_ = tfs::PredictionService::NewStub(channel);
    models_ = tfs::ModelService::NewStub(channel);
  }

  grpc::Status Predict(const tfs::PredictRequest& request, tfs::PredictResponse* response) {
    grpc::ClientContext context;
    return predict_->Predict(&context, request, response);
  }

  static servable::ServableManager* manager_;
  static GrpcServer* server_;
  std::unique_ptr<tfs::PredictionService::Stub> predict_;
  std::unique_ptr<tfs::ModelService::Stub> models_;
};
servable::ServableManager* GrpcServiceTest::manager_ = nullptr;
GrpcServer* GrpcServiceTest::server_ = nullptr;

TEST_F(GrpcServiceTest, PredictTensorContentAndFloatVal) {
  for (bool as_content : {true, false}) {
    tfs::PredictRequest request;
    request.mutable_model_spec()->set_name("half");
    (*request.mutable_inputs())["x"] = FloatTensor({1, 2, 5}, as_content);
    tfs::PredictResponse response;
    grpc::Status s = Predict(request, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(response.model_spec().name(), "half");
    EXPECT_EQ(response.model_spec().version().value(), 123);
    EXPECT_EQ(response.model_spec().signature_name(), "serving_default");
    ASSERT_EQ(response.outputs().count("y"), 1u);
    const auto& y = response.outputs().at("y");
    EXPECT_EQ(y.dtype(), tensorflow::DT_FLOAT);
    ASSERT_EQ(y.float_val_size(), 3);  // typed *_val by default
    EXPECT_FLOAT_EQ(y.float_val(0), 2.5f);
    EXPECT_FLOAT_EQ(y.float_val(1), 3.0f);
    EXPECT_FLOAT_EQ(y.float_val(2), 4.5f);
  }
}

TEST_F(GrpcServiceTest, PredictVersionAndOutputFilter) {
  tfs::PredictRequest request;
  request.mutable_model_spec()->set_name("half");
  request.mutable_model_spec()->mutable_version()->set_value(123);
  (*request.mutable_inputs())["x"] = FloatTensor({4}, false);
  request.add_output_filter("y");
  tfs::PredictResponse response;
  grpc::Status s = Predict(request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(response.outputs().size(), 1u);
  EXPECT_FLOAT_EQ(response.outputs().at("y").float_val(0), 4.0f);

  request.set_output_filter(0, "nope");
  s = Predict(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("output tensor alias not found in signature: nope"), std::string::npos)
      << s.error_message();
}

TEST_F(GrpcServiceTest, PredictErrors) {
  tfs::PredictRequest request;
  request.mutable_model_spec()->set_name("half");
  request.mutable_model_spec()->set_signature_name("nope");
  (*request.mutable_inputs())["x"] = FloatTensor({1}, false);
  tfs::PredictResponse response;
  grpc::Status s = Predict(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "model 'half' version 123: Serving signature key \"nope\" not found.");

  request.mutable_model_spec()->clear_signature_name();
  (*request.mutable_inputs())["x"].set_dtype(tensorflow::DT_INT32);
  (*request.mutable_inputs())["x"].clear_float_val();
  (*request.mutable_inputs())["x"].add_int_val(1);
  s = Predict(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(s.error_message().rfind("model 'half' version 123", 0), 0u) << s.error_message();

  (*request.mutable_inputs())["x"] = FloatTensor({1}, false);
  request.mutable_model_spec()->set_name("missing");
  s = Predict(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();

  request.mutable_model_spec()->set_name("half");
  request.mutable_model_spec()->mutable_version()->set_value(7);
  s = Predict(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  EXPECT_NE(s.error_message().find("Servable not found for request: Specific(half, 7)"), std::string::npos)
      << s.error_message();

  request.mutable_model_spec()->clear_version();
  (*request.mutable_inputs())["extra"] = FloatTensor({1}, false);
  s = Predict(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("input size does not match signature: 2!=1 len({extra,x}) != len({x}). "
                                   "Sent extra: {extra}. Missing but required: {}."),
            std::string::npos)
      << s.error_message();
}

TEST_F(GrpcServiceTest, GetModelMetadata) {
  tfs::GetModelMetadataRequest request;
  request.mutable_model_spec()->set_name("half");
  request.add_metadata_field("signature_def");
  tfs::GetModelMetadataResponse response;
  grpc::ClientContext context;
  grpc::Status s = predict_->GetModelMetadata(&context, request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.model_spec().name(), "half");
  EXPECT_EQ(response.model_spec().version().value(), 123);
  const auto& any = response.metadata().at("signature_def");
  EXPECT_EQ(any.type_url(), "type.googleapis.com/tensorflow.serving.SignatureDefMap");
  tfs::SignatureDefMap map;
  ASSERT_TRUE(any.UnpackTo(&map));
  EXPECT_EQ(map.signature_def().count("serving_default"), 1u);
  EXPECT_EQ(map.signature_def().count("classify_x_to_y"), 1u);

  request.set_metadata_field(0, "other");
  grpc::ClientContext context2;
  s = predict_->GetModelMetadata(&context2, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "Metadata field other is not supported");
}

TEST_F(GrpcServiceTest, GetModelStatus) {
  tfs::GetModelStatusRequest request;
  request.mutable_model_spec()->set_name("half");
  tfs::GetModelStatusResponse response;
  grpc::ClientContext context;
  grpc::Status s = models_->GetModelStatus(&context, request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(response.model_version_status_size(), 1);
  EXPECT_EQ(response.model_version_status(0).version(), 123);
  EXPECT_EQ(response.model_version_status(0).state(), tfs::ModelVersionStatus::AVAILABLE);
  EXPECT_EQ(response.model_version_status(0).status().error_code(), tensorflow::error::OK);

  request.mutable_model_spec()->set_name("missing");
  grpc::ClientContext context2;
  s = models_->GetModelStatus(&context2, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcServiceTest, ClassifyAndRegress) {
  tfs::ClassificationRequest crequest;
  crequest.mutable_model_spec()->set_name("half");
  crequest.mutable_model_spec()->set_signature_name("classify_x_to_y");
  *crequest.mutable_input() = Examples({1, 2, 5});
  tfs::ClassificationResponse cresponse;
  grpc::ClientContext c1;
  grpc::Status s = predict_->Classify(&c1, crequest, &cresponse);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(cresponse.model_spec().signature_name(), "classify_x_to_y");
  ASSERT_EQ(cresponse.result().classifications_size(), 3);
  const float want_y[] = {2.5f, 3.0f, 4.5f};
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(cresponse.result().classifications(i).classes_size(), 1);
    EXPECT_FLOAT_EQ(cresponse.result().classifications(i).classes(0).score(), want_y[i]);
  }

  tfs::RegressionRequest rrequest;
  rrequest.mutable_model_spec()->set_name("half");
  rrequest.mutable_model_spec()->set_signature_name("regress_x_to_y2");
  *rrequest.mutable_input() = Examples({1, 2, 5});
  tfs::RegressionResponse rresponse;
  grpc::ClientContext c2;
  s = predict_->Regress(&c2, rrequest, &rresponse);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const float want_y2[] = {3.5f, 4.0f, 5.5f};
  ASSERT_EQ(rresponse.result().regressions_size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_FLOAT_EQ(rresponse.result().regressions(i).value(), want_y2[i]);

  // A context feature is merged into every example.
  tfs::RegressionRequest with_context;
  with_context.mutable_model_spec()->set_name("half");
  with_context.mutable_model_spec()->set_signature_name("regress_x_to_y");
  auto* list = with_context.mutable_input()->mutable_example_list_with_context();
  (*list->mutable_context()->mutable_features()->mutable_feature())["x"].mutable_float_list()->add_value(4);
  list->add_examples();
  grpc::ClientContext c3;
  s = predict_->Regress(&c3, with_context, &rresponse);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(rresponse.result().regressions_size(), 1);
  EXPECT_FLOAT_EQ(rresponse.result().regressions(0).value(), 4.0f);
}

TEST_F(GrpcServiceTest, MultiInference) {
  tfs::MultiInferenceRequest request;
  auto* t1 = request.add_tasks();
  t1->mutable_model_spec()->set_name("half");
  t1->mutable_model_spec()->set_signature_name("regress_x_to_y");
  t1->set_method_name("tensorflow/serving/regress");
  auto* t2 = request.add_tasks();
  t2->mutable_model_spec()->set_name("half");
  t2->mutable_model_spec()->set_signature_name("classify_x_to_y");
  t2->set_method_name("tensorflow/serving/classify");
  *request.mutable_input() = Examples({2});
  tfs::MultiInferenceResponse response;
  grpc::ClientContext context;
  grpc::Status s = predict_->MultiInference(&context, request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(response.results_size(), 2);
  EXPECT_FLOAT_EQ(response.results(0).regression_result().regressions(0).value(), 3.0f);
  EXPECT_FLOAT_EQ(response.results(1).classification_result().classifications(0).classes(0).score(), 3.0f);

  t2->mutable_model_spec()->set_signature_name("regress_x_to_y");
  grpc::ClientContext context2;
  s = predict_->MultiInference(&context2, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// The decode + validation step on its own (what grpc_predict_fuzz drives), with a signature that
// has a default for one input.
TEST(DecodePredictRequestTest, AliasesDefaultsFilterAndBroadcast) {
  loader::Signature sig;
  sig.key = "serving_default";
  loader::SignatureTensor a, b, y;
  a.key = "a";
  a.dtype = DataType::kFloat;
  b.key = "b";
  b.dtype = DataType::kFloat;
  y.key = "y";
  sig.inputs = {a, b};
  sig.outputs = {y};

  tfs::PredictRequest req;
  (*req.mutable_inputs())["a"] = FloatTensor({1, 2}, false);
  auto missing = DecodePredictRequest(req, sig);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("Missing but required: {b}"), std::string::npos)
      << missing.status().message();

  sig.defaults.emplace("b", Tensor::Scalar<float>(1.0f));
  auto with_default = DecodePredictRequest(req, sig);
  ASSERT_TRUE(with_default.ok()) << with_default.status().message();
  ASSERT_EQ(with_default->inputs.size(), 1u);
  EXPECT_EQ(with_default->inputs.at("a").flat<float>()[1], 2.0f);

  // A single value with a larger shape is broadcast (spec §2.4).
  tensorflow::TensorProto one;
  one.set_dtype(tensorflow::DT_FLOAT);
  one.mutable_tensor_shape()->add_dim()->set_size(3);
  one.add_float_val(4.5f);
  (*req.mutable_inputs())["b"] = one;
  req.add_output_filter("y");
  auto broadcast = DecodePredictRequest(req, sig);
  ASSERT_TRUE(broadcast.ok()) << broadcast.status().message();
  EXPECT_EQ(broadcast->output_filter, std::vector<std::string>{"y"});
  const Tensor& bt = broadcast->inputs.at("b");
  ASSERT_EQ(bt.shape().num_elements(), 3);
  EXPECT_EQ(bt.flat<float>()[2], 4.5f);

  req.add_output_filter("y");
  auto dup = DecodePredictRequest(req, sig);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("duplicate output tensor alias: y"), std::string::npos);

  req.clear_output_filter();
  (*req.mutable_inputs())["c"] = FloatTensor({1}, false);
  auto extra = DecodePredictRequest(req, sig);
  ASSERT_FALSE(extra.ok());
  EXPECT_NE(extra.status().message().find("Sent extra: {c}"), std::string::npos) << extra.status().message();
}

}  // namespace
}  // namespace serval::api_grpc
