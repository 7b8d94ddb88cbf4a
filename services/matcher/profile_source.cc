#include "services/matcher/profile_source.h"

#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"

namespace pathways::matcher {

absl::StatusOr<profiles::v1::Profile> GrpcProfileSource::Fetch(const std::string& name,
                                                               const std::string& authorization) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", authorization);
  context.AddMetadata("x-pathways-client", "matcher");
  context.set_deadline(std::chrono::system_clock::now() + deadline_);
  profiles::v1::GetProfileRequest request;
  request.set_name(name);
  profiles::v1::Profile profile;
  grpc::Status status = stub_->GetProfile(&context, request, &profile);
  if (status.ok()) return profile;
  absl::Status mapped = FromGrpcStatus(status);
  // The profiles service's own word (not found, not yours, no consent) is the
  // answer; a failure to reach it is this service being unable to answer.
  if (mapped.code() == absl::StatusCode::kDeadlineExceeded) {
    return absl::UnavailableError(absl::StrCat("profiles service did not answer in time"));
  }
  return absl::Status(mapped.code(), absl::StrCat("profile: ", mapped.message()));
}

}  // namespace pathways::matcher
