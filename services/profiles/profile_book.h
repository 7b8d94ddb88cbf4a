// The book of young people's profiles: who may do what to which profile,
// consent, retention and the audit log. Transport-free: the gRPC edge
// (profiles_service.h) only authenticates and calls in here.
//
// Authorization (DESIGN.md §6):
//   - adviser: create, read, list, change, export and erase the profiles of
//     their own organisation. A profile of another organisation and a name
//     that does not exist are indistinguishable to an adviser: both are
//     PERMISSION_DENIED (AIP-211), so names cannot be probed across
//     organisations. (A client-chosen id already taken by another
//     organisation is ALREADY_EXISTS on Create, as ids are global; ids the
//     server picks are random and never collide.)
//   - admin: everything, in every organisation; alone reads the audit log.
//   - service (the matcher, and other Pathways services): GetProfile and
//     WatchProfiles only, and only for matching: a profile without
//     CONSENT_PURPOSE_MATCHING is FAILED_PRECONDITION on Get, and reaches a
//     service's watch as a name-only deletion.
//   - analyst, provider, employer: PERMISSION_DENIED; analysts see
//     aggregates, never individual profiles.
//
// Audit: every read (Get, each profile a List returns, the replay of an
// idempotent Create), change, export and erasure appends an AuditEvent
// holding only pseudonymous ids. Changes write their event in the same Redis
// script as the change; reads write theirs before the data is returned, so a
// read that cannot be audited fails (UNAVAILABLE) and returns nothing.
//
// Nothing here logs profile contents; only counts and pseudonymous names.
#pragma once

#include <functional>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pathways/profiles/v1/profiles_service.pb.h"
#include "services/common/auth.h"
#include "services/common/resource_store.h"
#include "services/profiles/profile_store.h"
#include "services/profiles/profile_validation.h"

namespace pathways::profiles {

// Request metadata naming the Pathways service that makes a call on a
// person's behalf (e.g. "matcher", "gateway"); recorded as AuditEvent.client.
inline constexpr char kClientMetadataKey[] = "x-pathways-client";
// AuditEvent.actor and actor_role for the service's own actions.
inline constexpr char kSystemActor[] = "system";
// The authority's retention period when a profile sets no deadline.
// The most profiles one BatchCreateProfiles may carry.
inline constexpr int kMaxBatchProfiles = 500;
inline constexpr absl::Duration kDefaultRetention = absl::Hours(24 * 730);

// Who is calling, as far as the audit log needs to know.
struct Caller {
  Principal principal;
  // The service that relayed the call (kClientMetadataKey), or empty.
  std::string client;
};

class ProfileBook {
 public:
  using Clock = std::function<absl::Time()>;

  ProfileBook(ProfileStore* store, const ProfileValidator* validator,
              absl::Duration default_retention = kDefaultRetention, Clock clock = absl::Now);

  absl::Status CreateProfile(const Caller& caller, const v1::CreateProfileRequest& request,
                             v1::Profile* response);
  // All or none; a profile id taken (or repeated in the batch) is an error
  // naming its place in `requests`.
  absl::Status BatchCreateProfiles(const Caller& caller,
                                   const v1::BatchCreateProfilesRequest& request,
                                   v1::BatchCreateProfilesResponse* response);
  absl::Status GetProfile(const Caller& caller, const v1::GetProfileRequest& request,
                          v1::Profile* response);
  absl::Status ListProfiles(const Caller& caller, const v1::ListProfilesRequest& request,
                            v1::ListProfilesResponse* response);
  absl::Status UpdateProfile(const Caller& caller, const v1::UpdateProfileRequest& request,
                             v1::Profile* response);
  absl::Status DeleteProfile(const Caller& caller, const v1::DeleteProfileRequest& request,
                             v1::DeleteProfileResponse* response);
  absl::Status AddSkills(const Caller& caller, const v1::AddSkillsRequest& request,
                         v1::Profile* response);
  absl::Status RemoveSkills(const Caller& caller, const v1::RemoveSkillsRequest& request,
                            v1::Profile* response);
  absl::Status ExportProfile(const Caller& caller, const v1::ExportProfileRequest& request,
                             v1::ExportProfileResponse* response);
  absl::Status ListAuditEvents(const Caller& caller, const v1::ListAuditEventsRequest& request,
                               v1::ListAuditEventsResponse* response);

  // Validates a watch request and returns the revision to start from.
  absl::StatusOr<std::string> StartWatch(const Caller& caller,
                                         const v1::WatchProfilesRequest& request);
  // Turns a stored change into what a watcher with `role` receives: admins
  // get every change; services get profiles with matching consent, and a
  // name-only deletion for any other (so they drop what they hold).
  static absl::StatusOr<v1::ProfileChange> ToProfileChange(Role role, ResourceChange& change);

  // Erases every profile whose retention deadline has passed (as
  // DeleteProfile does, audited as AUDIT_ACTION_RETENTION_EXPIRED by
  // "system") and returns how many.
  absl::StatusOr<int> PurgeExpired();

  ProfileStore& store() { return *store_; }

 private:
  using Mutation = std::function<absl::Status(v1::Profile* profile, absl::Time now)>;

  // The profiles `requests` describe, validated (errors name `fields[i]`),
  // stored at once under `request_id`; a repeat of the request id answers
  // with the profiles the first call made, as they are now.
  absl::StatusOr<std::vector<v1::Profile>> Create(
      const Caller& caller, std::span<const v1::CreateProfileRequest* const> requests,
      std::span<const std::string> fields, const std::string& request_id);
  // Reads a profile the caller may act on (see the file comment).
  absl::StatusOr<v1::Profile> ReadAuthorized(const Caller& caller, const std::string& name);
  // Applies `mutate` to the stored profile and writes it back if its etag is
  // still `etag` (or, with no etag, whatever was read, retrying a few times
  // if another write came in between).
  absl::Status Change(const Caller& caller, const std::string& name, const std::string& etag,
                      const std::string& detail, const Mutation& mutate, v1::Profile* response);
  v1::AuditEvent Audit(const Caller& caller, v1::AuditAction action, const std::string& profile,
                       std::string detail, absl::Time now) const;
  std::string ExportJson(const v1::ExportProfileResponse& response) const;

  ProfileStore* store_;
  const ProfileValidator* validator_;
  const absl::Duration default_retention_;
  Clock clock_;
};

// A random profile id: "p" and 25 characters of a-z and 2-7 (125 random
// bits), carrying nothing about the person.
std::string NewProfileId();

}  // namespace pathways::profiles
