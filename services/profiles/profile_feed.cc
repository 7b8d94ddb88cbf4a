#include "services/profiles/profile_feed.h"

#include <thread>

#include "services/common/grpc_status.h"

namespace pathways::profiles {
namespace {

constexpr std::chrono::milliseconds kPollBlock{500};
constexpr int kBatch = 256;

}  // namespace

grpc::ServerWriteReactor<v1::ProfileChange>* ProfileFeedWriter::Start(ProfileStore* store,
                                                                      WatcherLimit* limit,
                                                                      Convert convert,
                                                                      std::string start_revision) {
  auto* writer = new ProfileFeedWriter(store, limit, std::move(convert));
  if (!limit->TryAcquire()) {
    writer->limited_ = false;
    writer->Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too many watchers; retry later"));
    return writer;
  }
  std::thread([writer, revision = std::move(start_revision)]() mutable {
    writer->Run(std::move(revision));
  }).detach();
  return writer;
}

void ProfileFeedWriter::OnWriteDone(bool ok) {
  std::lock_guard<std::mutex> lock(mutex_);
  write_pending_ = false;
  if (!ok) cancelled_ = true;
  wake_.notify_all();
}

void ProfileFeedWriter::OnSendInitialMetadataDone(bool ok) {
  std::lock_guard<std::mutex> lock(mutex_);
  metadata_pending_ = false;
  if (!ok) cancelled_ = true;
  wake_.notify_all();
}

void ProfileFeedWriter::OnCancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelled_ = true;
  wake_.notify_all();
}

void ProfileFeedWriter::OnDone() {
  if (limited_) limit_->Release();
  delete this;
}

bool ProfileFeedWriter::cancelled() {
  std::lock_guard<std::mutex> lock(mutex_);
  return cancelled_;
}

void ProfileFeedWriter::Run(std::string revision) { Finish(Stream(std::move(revision))); }

grpc::Status ProfileFeedWriter::Stream(std::string revision) {
  if (revision.empty()) {
    absl::StatusOr<std::string> current = store_->CurrentRevision();
    if (!current.ok()) return ToGrpcStatus(current.status());
    revision = *current;
  } else if (absl::Status valid = store_->CheckRevision(revision); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  absl::StatusOr<std::unique_ptr<RedisConnection>> connection = store_->pool().ConnectDedicated();
  if (!connection.ok()) return ToGrpcStatus(connection.status());
  // Initial metadata tells the client the watch is established: every change
  // from here on will be delivered.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    metadata_pending_ = true;
  }
  StartSendInitialMetadata();
  {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [this] { return !metadata_pending_; });
  }
  while (!cancelled()) {
    absl::StatusOr<std::vector<ResourceChange>> changes =
        store_->ReadChanges(**connection, revision, kPollBlock, kBatch);
    if (!changes.ok()) return ToGrpcStatus(changes.status());
    for (ResourceChange& change : *changes) {
      std::string next = change.revision;
      absl::StatusOr<v1::ProfileChange> message = convert_(change);
      if (!message.ok()) return ToGrpcStatus(message.status());
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (cancelled_) break;
        write_pending_ = true;
        current_ = *std::move(message);
      }
      StartWrite(&current_);
      std::unique_lock<std::mutex> lock(mutex_);
      // gRPC calls OnWriteDone even when the call is cancelled mid-write, and
      // current_ must live until then.
      wake_.wait(lock, [this] { return !write_pending_; });
      if (cancelled_) break;
      revision = std::move(next);
    }
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "watch ended");
}

}  // namespace pathways::profiles
