// The one place where absl::Status becomes a gRPC status and back.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace pathways {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace pathways
