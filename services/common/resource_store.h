// Storage for one kind of resource in Redis, shared by every data service.
//
// Layout under a service prefix P (e.g. "training:v1") and kind K:
//   P:res:{name}        hash {pb: serialized proto, e: etag}
//   P:idx:K             sorted set (score 0) of every name, for List
//   P:idx:K:{parent}    sorted set of the names under one parent
//   P:changes:K         stream of changes {t: C|U|D, n: name, pb, e}
//   P:req:K:{id}        names created by an idempotent request (24 h)
// Every write is one Lua script, so the resource, its indexes and its change
// entry change together or not at all, in one round trip.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/redis.h"

namespace pathways {

struct StoredResource {
  std::string name;
  std::string data;  // Serialized proto, without its etag.
  std::string etag;
};

struct ResourcePage {
  std::vector<StoredResource> items;
  // The last name looked at, to continue after; empty when nothing is left.
  std::string continue_after;
  // Change feed position at the moment of reading.
  std::string revision;
};

enum class ChangeKind { kCreated, kUpdated, kDeleted };

struct ResourceChange {
  ChangeKind kind = ChangeKind::kCreated;
  std::string name;
  std::string data;  // Empty for deletions.
  std::string etag;
  std::string revision;  // Stream entry id; resume after it.
};

class ResourceStore {
 public:
  // `stream_max_length` bounds the change stream (approximately).
  ResourceStore(RedisPool* pool, std::string prefix, std::string kind,
                int64_t stream_max_length = 1'000'000);

  // Creates every resource or none. `parent_name`, if not empty, must exist
  // (NOT_FOUND otherwise) and indexes the new resources under it. A repeated
  // `request_id` returns the resources the first call created.
  absl::StatusOr<std::vector<StoredResource>> Create(const std::string& parent_name,
                                                     const std::vector<StoredResource>& items,
                                                     const std::string& request_id);
  // NOT_FOUND when absent.
  absl::StatusOr<StoredResource> Get(const std::string& name);
  // Replaces the data if the etag is still `expected_etag` (ABORTED
  // otherwise); `item.etag` is the new etag.
  absl::Status Update(const StoredResource& item, const std::string& expected_etag);
  // Deletes; with an `expected_etag`, only while it matches. While
  // `blocking_children_kind` names a kind with resources under this one,
  // FAILED_PRECONDITION.
  absl::Status Delete(const std::string& parent_name, const std::string& name,
                      const std::string& expected_etag,
                      const std::string& blocking_children_kind = "");
  // Up to `limit` resources after `after` in name order, of one parent or
  // (empty parent) of every parent.
  absl::StatusOr<ResourcePage> List(const std::string& parent_name, const std::string& after,
                                    int limit);

  // OUT_OF_RANGE if changes after `revision` are no longer all retained.
  absl::Status CheckRevision(const std::string& revision);
  // The latest change position ("0-0" when there is none).
  absl::StatusOr<std::string> CurrentRevision();
  // Waits up to `block` on `connection` for changes after `revision`.
  absl::StatusOr<std::vector<ResourceChange>> ReadChanges(RedisConnection& connection,
                                                          const std::string& revision,
                                                          std::chrono::milliseconds block,
                                                          int max_count);

  RedisPool& pool() { return *pool_; }
  const std::string& kind() const { return kind_; }

  // A fresh random etag.
  static std::string NewEtag();

 private:
  RedisPool* pool_;
  const std::string prefix_;
  const std::string kind_;
  const std::string max_length_;
};

// Waits up to `block` on `connection` for entries of the change stream
// `stream` after `revision`, in the layout every store writes ({t, n, pb, e}).
absl::StatusOr<std::vector<ResourceChange>> ReadStreamChanges(RedisConnection& connection,
                                                              const std::string& stream,
                                                              const std::string& revision,
                                                              std::chrono::milliseconds block,
                                                              int max_count);

// Splits a stream id ("ms-seq"); false when it is not one.
bool ParseRevision(const std::string& revision, uint64_t* ms, uint64_t* seq);
// When the change at stream id `revision` was written (ids start with the
// write's time in milliseconds); false when it is not a stream id.
bool RevisionWrittenAt(const std::string& revision, absl::Time* written);
// True if stream id `a` sorts before `b` ("ms-seq" form).
bool RevisionBefore(const std::string& a, const std::string& b);
// INTERNAL: Redis answered `what` with a reply of the wrong shape.
absl::Status UnexpectedReply(absl::string_view what);

// Resources are protos with `string name` and `string etag` fields; the etag
// is kept beside the bytes, not in them, so a write can set it atomically.
template <typename Message>
absl::StatusOr<Message> DecodeResource(const StoredResource& stored) {
  Message message;
  if (!message.ParseFromString(stored.data)) {
    return absl::DataLossError(absl::StrCat("stored ", stored.name, " cannot be parsed"));
  }
  message.set_etag(stored.etag);
  return message;
}

template <typename Message>
StoredResource EncodeResource(const Message& message, const std::string& etag) {
  Message copy = message;
  copy.clear_etag();
  return StoredResource{message.name(), copy.SerializeAsString(), etag};
}

}  // namespace pathways
