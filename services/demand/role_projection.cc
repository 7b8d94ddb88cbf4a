#include "services/demand/role_projection.h"

#include <chrono>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace pathways::demand {
namespace {

constexpr int kPageSize = 1000;
// Changes read per XREAD. The entries wanted exist already, so the read
// returns at once; the block only matters if they vanished meanwhile.
constexpr int kChangeBatch = 1000;
constexpr std::chrono::milliseconds kReadBlock{1};

}  // namespace

absl::Status RoleProjection::Read(
    absl::FunctionRef<void(const RoleFactsByName&, uint64_t version)> read) {
  ASSIGN_OR_RETURN(std::string target, roles_->CurrentRevision());
  {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    if (loaded_ && revision_ == target) {
      read(facts_, version_);
      return absl::OkStatus();
    }
  }
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (!loaded_) {
    RETURN_IF_ERROR(Reload());
  } else if (RevisionBefore(target, revision_)) {
    // Another reader caught up past `target` meanwhile, or the feed went
    // back because Redis lost its data; only the latter needs a reload.
    ASSIGN_OR_RETURN(std::string now, roles_->CurrentRevision());
    if (RevisionBefore(now, revision_)) RETURN_IF_ERROR(Reload());
  }
  if (RevisionBefore(revision_, target)) {
    absl::Status caught_up = CatchUp(target);
    if (caught_up.code() == absl::StatusCode::kOutOfRange) caught_up = Reload();
    RETURN_IF_ERROR(caught_up);
  }
  read(facts_, version_);
  return absl::OkStatus();
}

absl::Status RoleProjection::CatchUp(const std::string& target) {
  if (!RevisionBefore(revision_, target)) return absl::OkStatus();
  RETURN_IF_ERROR(roles_->CheckRevision(revision_));
  ASSIGN_OR_RETURN(RedisPool::Lease connection, roles_->pool().Acquire());
  while (RevisionBefore(revision_, target)) {
    ASSIGN_OR_RETURN(std::vector<ResourceChange> changes,
                     roles_->ReadChanges(*connection, revision_, kReadBlock, kChangeBatch));
    if (changes.empty()) {
      return absl::OutOfRangeError(
          absl::StrCat("role changes after ", revision_, " were trimmed while being read"));
    }
    for (const ResourceChange& change : changes) {
      RETURN_IF_ERROR(Apply(change));
      revision_ = change.revision;
    }
  }
  return absl::OkStatus();
}

absl::Status RoleProjection::Reload() {
  loaded_ = false;
  facts_.clear();
  ++version_;
  ASSIGN_OR_RETURN(revision_, roles_->CurrentRevision());
  // Pages are read at different moments; replaying every change from before
  // the first up to the last page's revision leaves each role as it was at
  // that revision, whichever page saw it.
  std::string after, listed_at = revision_;
  do {
    ASSIGN_OR_RETURN(ResourcePage page, roles_->List("", after, kPageSize));
    for (const StoredResource& stored : page.items) {
      v1::Role role;
      if (!role.ParseFromString(stored.data)) {
        return absl::DataLossError(absl::StrCat("stored ", stored.name, " cannot be parsed"));
      }
      facts_.insert_or_assign(stored.name, summarizer_->Facts(role));
    }
    after = page.continue_after;
    listed_at = page.revision;
  } while (!after.empty());
  absl::Status caught_up = CatchUp(listed_at);
  if (caught_up.code() == absl::StatusCode::kOutOfRange) {
    // Changes are being trimmed faster than one list takes; give up for now.
    return absl::UnavailableError(absl::StrCat(
        "role changes are trimmed faster than the roles can be listed: ", caught_up.message()));
  }
  RETURN_IF_ERROR(caught_up);
  loaded_ = true;
  return absl::OkStatus();
}

absl::Status RoleProjection::Apply(const ResourceChange& change) {
  ++version_;
  if (change.kind == ChangeKind::kDeleted) {
    facts_.erase(change.name);
    return absl::OkStatus();
  }
  v1::Role role;
  if (!role.ParseFromString(change.data)) {
    return absl::DataLossError(absl::StrCat("role change for ", change.name, " cannot be parsed"));
  }
  facts_.insert_or_assign(change.name, summarizer_->Facts(role));
  return absl::OkStatus();
}

}  // namespace pathways::demand
