// Server side of a Watch… RPC: streams a store's change feed to one client,
// from a revision it names (or from now), until it cancels or the server
// shuts down. The store is a ResourceStore, or one with the same feed calls
// (CurrentRevision, CheckRevision, pool, ReadChanges), as the profiles store,
// whose revision check knows that erasure removes entries from the stream. Each watcher has its own
// thread and Redis connection, because it spends its life in a blocking XREAD; MAX_WATCHERS bounds
// them.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"
#include "services/common/resource_store.h"

namespace pathways {

// Counts live watchers against a limit.
class WatcherLimit {
 public:
  explicit WatcherLimit(int max) : max_(max) {}
  bool TryAcquire() {
    int current = active_.load();
    while (current < max_) {
      if (active_.compare_exchange_weak(current, current + 1)) return true;
    }
    return false;
  }
  void Release() { active_.fetch_sub(1); }
  int active() const { return active_.load(); }

 private:
  const int max_;
  std::atomic<int> active_{0};
};

template <typename ChangeProto, typename Store = ResourceStore>
class ChangeFeedWriter final : public grpc::ServerWriteReactor<ChangeProto> {
 public:
  // Turns a stored change into the service's change message.
  using Convert = std::function<absl::StatusOr<ChangeProto>(ResourceChange&)>;

  // Starts a watcher, or finishes the call at once with an error.
  static grpc::ServerWriteReactor<ChangeProto>* Start(Store* store, WatcherLimit* limit,
                                                      Convert convert, std::string start_revision) {
    auto* writer = new ChangeFeedWriter(store, limit, std::move(convert));
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

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mutex_);
    write_pending_ = false;
    if (!ok) cancelled_ = true;
    wake_.notify_all();
  }
  void OnSendInitialMetadataDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mutex_);
    metadata_pending_ = false;
    if (!ok) cancelled_ = true;
    wake_.notify_all();
  }
  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    wake_.notify_all();
  }
  void OnDone() override {
    if (limited_) limit_->Release();
    delete this;
  }

 private:
  static constexpr std::chrono::milliseconds kPollBlock{500};
  static constexpr int kBatch = 256;

  ChangeFeedWriter(Store* store, WatcherLimit* limit, Convert convert)
      : store_(store), limit_(limit), convert_(std::move(convert)) {}

  bool cancelled() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cancelled_;
  }

  // Runs on the watcher's own thread; touches nothing after Finish.
  void Run(std::string revision) { this->Finish(Stream(std::move(revision))); }

  grpc::Status Stream(std::string revision) {
    if (revision.empty()) {
      absl::StatusOr<std::string> current = store_->CurrentRevision();
      if (!current.ok()) return ToGrpcStatus(current.status());
      revision = *current;
    } else if (absl::Status valid = store_->CheckRevision(revision); !valid.ok()) {
      return ToGrpcStatus(valid);
    }
    absl::StatusOr<std::unique_ptr<RedisConnection>> connection = store_->pool().ConnectDedicated();
    if (!connection.ok()) return ToGrpcStatus(connection.status());
    // Initial metadata tells the client the watch is established: every
    // change from here on will be delivered.
    {
      std::unique_lock<std::mutex> lock(mutex_);
      metadata_pending_ = true;
    }
    this->StartSendInitialMetadata();
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
        absl::StatusOr<ChangeProto> message = convert_(change);
        if (!message.ok()) return ToGrpcStatus(message.status());
        {
          std::unique_lock<std::mutex> lock(mutex_);
          if (cancelled_) break;
          write_pending_ = true;
          current_ = *std::move(message);
        }
        this->StartWrite(&current_);
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return !write_pending_ || cancelled_; });
        if (write_pending_) {
          // Cancelled mid-write: gRPC still calls OnWriteDone before OnDone.
          wake_.wait(lock, [this] { return !write_pending_; });
        }
        if (cancelled_) break;
        revision = std::move(next);
      }
    }
    return grpc::Status(grpc::StatusCode::CANCELLED, "watch ended");
  }

  Store* store_;
  WatcherLimit* limit_;
  Convert convert_;
  bool limited_ = true;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool cancelled_ = false;
  bool write_pending_ = false;
  bool metadata_pending_ = false;
  ChangeProto current_;
};

// A watch refused before it started.
template <typename ChangeProto>
grpc::ServerWriteReactor<ChangeProto>* FinishedWatch(const absl::Status& status) {
  class Refused final : public grpc::ServerWriteReactor<ChangeProto> {
   public:
    explicit Refused(const grpc::Status& status) { this->Finish(status); }
    void OnDone() override { delete this; }
  };
  return new Refused(ToGrpcStatus(status));
}

}  // namespace pathways
