// An in-memory copy of every role's summary facts, kept current from the
// roles' change feed, so demand summaries never scan Redis.
//
// Each read first asks Redis for the feed's latest revision and applies the
// changes up to it, so a summary reflects every write acknowledged before it
// started (read-your-writes across replicas), without a background thread.
// A fresh or reset projection loads the full list once (O(R) decoding), then
// replays what changed while it listed; later reads cost one XREVRANGE plus
// the changes since the last read. If the feed was trimmed past the
// projection's position, or went back to an earlier revision (Redis lost its
// data), it reloads.
#pragma once

#include <shared_mutex>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "services/common/resource_store.h"
#include "services/demand/demand_summary.h"

namespace pathways::demand {

class RoleProjection {
 public:
  RoleProjection(ResourceStore* roles, const DemandSummarizer* summarizer)
      : roles_(roles), summarizer_(summarizer) {}

  // Brings the facts up to date with every change stored before the call,
  // then runs `read` on them and their version, which changes whenever they
  // do (under a lock: keep it short and do not call back in). UNAVAILABLE
  // when Redis is.
  absl::Status Read(absl::FunctionRef<void(const RoleFactsByName&, uint64_t version)> read);

 private:
  // The rest run with `mutex_` held exclusively.

  // Applies the changes after `revision_` up to at least `target`.
  // OUT_OF_RANGE when some of them are no longer retained.
  absl::Status CatchUp(const std::string& target);
  // Lists every role afresh, then replays what changed meanwhile.
  absl::Status Reload();
  absl::Status Apply(const ResourceChange& change);

  ResourceStore* roles_;
  const DemandSummarizer* summarizer_;

  std::shared_mutex mutex_;
  bool loaded_ = false;
  // The feed position the facts reflect.
  std::string revision_;
  RoleFactsByName facts_;
  uint64_t version_ = 0;  // Moves on every change to facts_.
};

}  // namespace pathways::demand
