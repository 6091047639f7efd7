// TF Serving's gRPC services (spec §2) over a ServableManager: PredictionService (Predict,
// Classify, Regress, MultiInference, GetModelMetadata) and ModelService (GetModelStatus,
// HandleReloadConfigRequest). Synchronous; every call looks its model up through the manager and
// holds the handle only while it runs, so version swaps drop no request. Semantics and error texts
// are REST's (spec §2.4), with the same "model 'm' version v signature 's': " prefix; statuses
// map to gRPC codes in one place (ToGrpcStatus).
#pragma once

#include <functional>

#include <grpcpp/grpcpp.h>

#include "serval/base/status.h"
#include "serval/servable/servable_manager.h"
#include "tensorflow_serving/apis/model_service.grpc.pb.h"
#include "tensorflow_serving/apis/prediction_service.grpc.pb.h"

namespace serval::api_grpc {

// TF canonical codes are gRPC's, so the code passes straight through; the message is capped at
// 1 KiB as TF Serving does.
inline constexpr size_t kMaxGrpcErrorBytes = 1024;
grpc::Status ToGrpcStatus(const Status& status);

class PredictionServiceImpl final : public tensorflow::serving::PredictionService::Service {
 public:
  // tensor_content: --enable_serialization_as_tensor_content (else typed *_val fields).
  PredictionServiceImpl(const servable::ServableManager* manager, bool tensor_content)
      : manager_(manager), tensor_content_(tensor_content) {}

  grpc::Status Predict(grpc::ServerContext* context, const tensorflow::serving::PredictRequest* request,
                       tensorflow::serving::PredictResponse* response) override;
  grpc::Status Classify(grpc::ServerContext* context, const tensorflow::serving::ClassificationRequest* request,
                        tensorflow::serving::ClassificationResponse* response) override;
  grpc::Status Regress(grpc::ServerContext* context, const tensorflow::serving::RegressionRequest* request,
                       tensorflow::serving::RegressionResponse* response) override;
  grpc::Status MultiInference(grpc::ServerContext* context,
                              const tensorflow::serving::MultiInferenceRequest* request,
                              tensorflow::serving::MultiInferenceResponse* response) override;
  grpc::Status GetModelMetadata(grpc::ServerContext* context,
                                const tensorflow::serving::GetModelMetadataRequest* request,
                                tensorflow::serving::GetModelMetadataResponse* response) override;

 private:
  const servable::ServableManager* manager_;
  bool tensor_content_;
};

// Applies a ReloadConfigRequest's config (the server layer passes a function that replaces the
// manager's models; nullptr makes HandleReloadConfigRequest UNIMPLEMENTED).
using ReloadFunction = std::function<Status(std::vector<servable::ModelConfig>)>;

class ModelServiceImpl final : public tensorflow::serving::ModelService::Service {
 public:
  ModelServiceImpl(const servable::ServableManager* manager, ReloadFunction reload)
      : manager_(manager), reload_(std::move(reload)) {}

  grpc::Status GetModelStatus(grpc::ServerContext* context, const tensorflow::serving::GetModelStatusRequest* request,
                              tensorflow::serving::GetModelStatusResponse* response) override;
  grpc::Status HandleReloadConfigRequest(grpc::ServerContext* context,
                                         const tensorflow::serving::ReloadConfigRequest* request,
                                         tensorflow::serving::ReloadConfigResponse* response) override;

 private:
  const servable::ServableManager* manager_;
  ReloadFunction reload_;
};

}  // namespace serval::api_grpc
