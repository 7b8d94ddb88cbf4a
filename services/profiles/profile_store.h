// Profiles in Redis, kept so that erasing one leaves nothing of the person.
//
// It follows the shared ResourceStore's layout and write-as-one-script
// discipline, and adds what erasure and auditing need. Under P =
// "profiles:v1":
//   P:res:{name}               hash {pb, e: etag, org, rq: request-id key}
//   P:idx:profiles             sorted set (score 0) of every name, for List
//   P:idx:profiles:org:{org}   the names one organisation owns
//   P:idx:retention            sorted set of names by retention deadline (s)
//   P:changes:profiles         change stream {t: C|U|D, n: name, pb, e}
//   P:changes:trimmed          id of the last change trimmed off the stream
//   P:entries:{name}           ids of the change entries holding the profile
//   P:req:{org}:{request_id}   name created by an idempotent request (24 h)
//   P:audit                    audit stream {p: profile name, pb: AuditEvent}
//   P:audit:profile:{name}     ids of the audit entries about one profile
// Erasure deletes the hash, its index entries and request-id key, and XDELs
// every change entry in P:entries:{name} before appending a name-only
// deletion; what remains is the pseudonymous name in the audit log and in
// that deletion. Because erasure removes entries from the middle of the
// stream, the stream is trimmed here rather than by XADD MAXLEN, and the
// last trimmed id is recorded, so a resume revision is refused
// (OUT_OF_RANGE) only when changes after it were really trimmed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pathways/profiles/v1/profiles_service.pb.h"
#include "services/common/redis.h"
#include "services/common/resource_store.h"

namespace pathways::profiles {

inline constexpr char kStorePrefix[] = "profiles:v1";

struct StoreLimits {
  // Changes kept in the change stream (trimmed oldest first).
  int64_t change_stream_max_length = 1'000'000;
  // Audit events kept in the audit stream (trimmed approximately).
  int64_t audit_max_length = 10'000'000;
  // Audit entry ids kept per profile for ExportProfile and filtered listing.
  int64_t audit_per_profile_max_length = 10'000;
};

struct StoredProfile {
  std::string name;
  std::string data;  // Serialized v1::Profile without its etag.
  std::string etag;
  std::string organisation;
};

struct ProfilePage {
  std::vector<StoredProfile> items;
  // The last name looked at, to continue after; empty when nothing is left.
  std::string continue_after;
  // Change feed position at the moment of reading.
  std::string revision;
};

// An audit event as stored: the event (without its name) and its stream id.
struct StoredAuditEvent {
  std::string id;
  v1::AuditEvent event;  // With its name set from the id.
};

// A profile to store, with its retention deadline and the audit event
// recording its creation.
struct NewProfile {
  StoredProfile item;
  absl::Time retention_deadline;
  v1::AuditEvent audit;
};

// What Create did.
struct CreateOutcome {
  // Set when the request id was seen before: the names the first call made,
  // in its order.
  std::vector<std::string> replayed_names;
  // The audit events recording the creations, in order (empty on a replay).
  std::vector<std::string> audit_events;
};

// What Erase did.
struct EraseOutcome {
  // False when a retention erasure found the deadline moved into the future.
  bool erased = false;
  std::string audit_event;
};

class ProfileStore {
 public:
  ProfileStore(RedisPool* pool, StoreLimits limits = {});

  // Stores new profiles owned by `organisation`, each indexed under its
  // retention deadline, with its change entry and audit event, all at once:
  // ALREADY_EXISTS, and nothing written, if one name is taken. A repeated
  // `request_id` (scoped by organisation) changes nothing and reports the
  // names first created.
  absl::StatusOr<CreateOutcome> Create(const std::vector<NewProfile>& profiles,
                                       const std::string& organisation,
                                       const std::string& request_id);
  // NOT_FOUND when absent.
  absl::StatusOr<StoredProfile> Get(const std::string& name);
  // Replaces the profile if it still has `expected_etag` (ABORTED otherwise)
  // and belongs to `item.organisation` (NOT_FOUND otherwise); `item.etag` is
  // the new etag. Returns the audit event's name.
  absl::StatusOr<std::string> Update(const StoredProfile& item, const std::string& expected_etag,
                                     absl::Time retention_deadline, const v1::AuditEvent& audit);
  // Erases everything held about the profile (see the file comment) if it
  // belongs to `organisation` (any when empty) and, with an `expected_etag`,
  // still has it. With `expired_at`, erases only if the retention deadline
  // is not after it (a concurrent extension wins).
  absl::StatusOr<EraseOutcome> Erase(const std::string& name, const std::string& organisation,
                                     const std::string& expected_etag,
                                     std::optional<absl::Time> expired_at,
                                     const v1::AuditEvent& audit);
  // Up to `limit` profiles after `after` in name order, of one organisation
  // or (empty) of all.
  absl::StatusOr<ProfilePage> List(const std::string& organisation, const std::string& after,
                                   int limit);
  // Names whose retention deadline is at or before `now`, up to `limit`.
  absl::StatusOr<std::vector<std::string>> Expired(absl::Time now, int limit);

  // Appends audit events (each about events[i].profile()) together; returns
  // their names.
  absl::StatusOr<std::vector<std::string>> AppendAudit(const std::vector<v1::AuditEvent>& events);
  // The retained audit events about one profile, oldest first.
  absl::StatusOr<std::vector<StoredAuditEvent>> AuditEventsAbout(const std::string& profile);
  // Up to `count` audit events before entry `before_id` (newest first; empty
  // means from the newest).
  absl::StatusOr<std::vector<StoredAuditEvent>> AuditEventsBefore(const std::string& before_id,
                                                                  int count);

  // The latest change position ("0-0" when there is none).
  absl::StatusOr<std::string> CurrentRevision();
  // INVALID_ARGUMENT for a malformed revision; OUT_OF_RANGE if changes after
  // it have been trimmed away.
  absl::Status CheckRevision(const std::string& revision);
  // Waits up to `block` on `connection` for changes after `revision`.
  absl::StatusOr<std::vector<ResourceChange>> ReadChanges(RedisConnection& connection,
                                                          const std::string& revision,
                                                          std::chrono::milliseconds block,
                                                          int max_count);

  RedisPool& pool() { return *pool_; }

  // "auditEvents/{id}" for a stream id "ms-seq", and back.
  static std::string AuditEventName(const std::string& stream_id);
  static std::optional<std::string> AuditStreamId(const std::string& audit_event_name);

 private:
  RedisArgs CommonArgs() const;
  static absl::StatusOr<StoredAuditEvent> DecodeAuditEntry(const RedisReply& entry);

  RedisPool* pool_;
  const StoreLimits limits_;
};

}  // namespace pathways::profiles
