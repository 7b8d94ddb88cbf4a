// Builds the matcher on a ServiceHost: the live index, the change-feed
// followers that fill it from the training and demand services, the profile
// source, metrics, and the gRPC edge, owned together. Ready once both feeds
// have been listed in full.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/service_host.h"

namespace pathways::matcher {

inline constexpr char kMatcherServiceName[] = "pathways.matcher.v1.MatcherService";

// Needs TRAINING_ADDR, DEMAND_ADDR and PROFILES_ADDR in the host's config.
absl::StatusOr<std::shared_ptr<grpc::Service>> MakeMatcherService(ServiceHost& host);

}  // namespace pathways::matcher
