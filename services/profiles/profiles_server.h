// Builds the profiles service on a ServiceHost: its store, validator, book,
// retention sweeper and gRPC edge, owned together.
#pragma once

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/config.h"
#include "services/common/service_host.h"
#include "services/profiles/profile_book.h"
#include "services/profiles/profile_store.h"

namespace pathways::profiles {

inline constexpr char kProfilesServiceName[] = "pathways.profiles.v1.ProfilesService";

// What the profiles service reads from the environment beyond ServerConfig.
struct ProfilesOptions {
  // RETENTION_SWEEP_SECONDS (1..86400, default 3600): how often expired
  // profiles are erased.
  absl::Duration retention_sweep_interval = absl::Hours(1);
  // PROFILE_RETENTION_DAYS (1..2190, default 730): the retention deadline a
  // profile gets when it is created without one.
  absl::Duration default_retention = kDefaultRetention;
  // AUDIT_MAX_LENGTH (1000..100000000, default 10000000): audit events kept.
  // PROFILE_CHANGES_MAX_LENGTH (1000..100000000, default 1000000): changes
  // kept for watchers to resume from.
  StoreLimits limits;
  // The time zone dates (ages, consent days) are taken in: Europe/London
  // when the system knows it, otherwise UTC.
  absl::TimeZone zone = absl::UTCTimeZone();
  // The clock for validation, timestamps and retention; tests move it.
  std::function<absl::Time()> clock = absl::Now;
};

// Parses the variables above; INVALID_ARGUMENT naming a bad one.
absl::StatusOr<ProfilesOptions> LoadProfilesOptions(const EnvLookup& env);

std::shared_ptr<grpc::Service> MakeProfilesService(ServiceHost& host, ProfilesOptions options = {});

}  // namespace pathways::profiles
