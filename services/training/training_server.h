// Builds the training service on a ServiceHost: its stores, validator,
// catalogue and gRPC edge, owned together.
#pragma once

#include <memory>

#include "services/common/service_host.h"

namespace pathways::training {

inline constexpr char kTrainingServiceName[] = "pathways.training.v1.TrainingService";

std::shared_ptr<grpc::Service> MakeTrainingService(ServiceHost& host);

}  // namespace pathways::training
