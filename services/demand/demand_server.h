// Builds the demand service on a ServiceHost: its reference data, stores,
// validator, role projection, catalogue and gRPC edge, owned together.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/service_host.h"

namespace pathways::demand {

inline constexpr char kDemandServiceName[] = "pathways.demand.v1.DemandService";

// Fails when the SOC 2020 or area data under the host's data directory
// cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Service>> MakeDemandService(ServiceHost& host);

}  // namespace pathways::demand
