#include "services/profiles/profiles_server.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/profiles/profile_validation.h"
#include "services/profiles/profiles_service.h"
#include "services/profiles/retention_sweeper.h"

namespace pathways::profiles {
namespace {

absl::StatusOr<int64_t> IntVar(const EnvLookup& env, const std::string& var, int64_t fallback,
                               int64_t min, int64_t max) {
  std::optional<std::string> value = env(var);
  if (!value || value->empty()) return fallback;
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(*value, &parsed) || parsed < min || parsed > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(var, " must be an integer in ", min, "..", max, ", got \"", *value, "\""));
  }
  return parsed;
}

struct ProfilesParts {
  ProfilesParts(ServiceHost& host, const ProfilesOptions& options)
      : store(&host.redis(), options.limits),
        validator(&host.taxonomy(), &host.geography(), options.zone),
        book(&store, &validator, options.default_retention, options.clock),
        service(&book, host.handler(), &host.watchers()),
        sweeper([this] { Sweep(); }, options.retention_sweep_interval) {
    sweeper.Start();
  }

  void Sweep() {
    absl::StatusOr<int> erased = book.PurgeExpired();
    if (!erased.ok()) {
      // Redis may be down; the next sweep catches up.
      LogWarning("retention sweep failed",
                 {{"code", absl::StatusCodeToString(erased.status().code())},
                  {"error", std::string(erased.status().message())}});
    }
  }

  ProfileStore store;
  ProfileValidator validator;
  ProfileBook book;
  ProfilesService service;
  // Last, so it stops before the parts it uses go.
  RetentionSweeper sweeper;
};

}  // namespace

absl::StatusOr<ProfilesOptions> LoadProfilesOptions(const EnvLookup& env) {
  ProfilesOptions options;
  ASSIGN_OR_RETURN(int64_t sweep, IntVar(env, "RETENTION_SWEEP_SECONDS", 3600, 1, 86400));
  options.retention_sweep_interval = absl::Seconds(sweep);
  ASSIGN_OR_RETURN(int64_t days, IntVar(env, "PROFILE_RETENTION_DAYS", 730, 1, 2190));
  options.default_retention = absl::Hours(24 * days);
  ASSIGN_OR_RETURN(
      options.limits.audit_max_length,
      IntVar(env, "AUDIT_MAX_LENGTH", options.limits.audit_max_length, 1000, 100'000'000));
  ASSIGN_OR_RETURN(options.limits.change_stream_max_length,
                   IntVar(env, "PROFILE_CHANGES_MAX_LENGTH",
                          options.limits.change_stream_max_length, 1000, 100'000'000));
  absl::TimeZone london;
  if (absl::LoadTimeZone("Europe/London", &london)) options.zone = london;
  return options;
}

std::shared_ptr<grpc::Service> MakeProfilesService(ServiceHost& host, ProfilesOptions options) {
  auto parts = std::make_shared<ProfilesParts>(host, options);
  return std::shared_ptr<grpc::Service>(parts, &parts->service);
}

}  // namespace pathways::profiles
