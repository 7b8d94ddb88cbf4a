// Where the matcher gets a stored profile: the profiles service, asked with
// the caller's own credentials so its organisation checks and audit log
// apply to every read the matcher makes on someone's behalf.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "pathways/profiles/v1/profiles_service.grpc.pb.h"

namespace pathways::matcher {

class ProfileSource {
 public:
  virtual ~ProfileSource() = default;
  // `authorization` is the caller's "Bearer …" header value.
  virtual absl::StatusOr<profiles::v1::Profile> Fetch(const std::string& name,
                                                      const std::string& authorization) = 0;
};

class GrpcProfileSource final : public ProfileSource {
 public:
  GrpcProfileSource(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds deadline)
      : stub_(profiles::v1::ProfilesService::NewStub(std::move(channel))), deadline_(deadline) {}

  absl::StatusOr<profiles::v1::Profile> Fetch(const std::string& name,
                                              const std::string& authorization) override;

 private:
  std::unique_ptr<profiles::v1::ProfilesService::Stub> stub_;
  std::chrono::milliseconds deadline_;
};

}  // namespace pathways::matcher
