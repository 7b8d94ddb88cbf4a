// The client side of a Watch… change feed: keeps a local copy of another
// service's resources current. It lists everything once, then watches from
// the listing's revision; after a dropped stream it resumes from the last
// revision applied, and when that is older than the retained history
// (OUT_OF_RANGE) it lists again from scratch. One thread per follower.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/sync_stream.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "pathways/common/v1/common.pb.h"
#include "services/common/log.h"
#include "services/common/resource_store.h"

namespace pathways {

template <typename Resource, typename Change>
class FeedFollower {
 public:
  struct Page {
    std::vector<Resource> items;
    std::string next_page_token;
    std::string revision;
  };
  // Fetches one page of the full listing.
  using ListPage =
      std::function<grpc::Status(grpc::ClientContext*, const std::string& page_token, Page*)>;
  // Opens the change stream after `revision`.
  using OpenWatch = std::function<std::unique_ptr<grpc::ClientReaderInterface<Change>>(
      grpc::ClientContext*, const std::string& revision)>;
  // Where changes go. `reset` comes before a full listing, so the copy can
  // drop everything it held. `upsert` and `remove` get the change's revision
  // (empty for what a listing brings: its revision is known only once it is
  // complete, and the watch then starts from it), so a copy can record its
  // position together with the change.
  struct Sink {
    std::function<void()> reset;
    std::function<void(Resource, const std::string& revision)> upsert;
    std::function<void(const std::string& name, const std::string& revision)> remove;
  };
  // Adds credentials to each call's context (the deadline is set here).
  using PrepareContext = std::function<void(grpc::ClientContext*)>;
  // The change message's accessor for its resource, e.g.
  // &CourseChange::mutable_course.
  using ResourceOf = Resource* (Change::*)();

  FeedFollower(std::string feed, ListPage list, OpenWatch watch, ResourceOf resource_of, Sink sink,
               PrepareContext prepare,
               std::chrono::milliseconds max_backoff = std::chrono::seconds(5))
      : feed_(std::move(feed)),
        list_(std::move(list)),
        watch_(std::move(watch)),
        resource_of_(resource_of),
        sink_(std::move(sink)),
        prepare_(std::move(prepare)),
        max_backoff_(max_backoff) {}

  ~FeedFollower() { Stop(); }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  // Cancels the stream in flight and joins the thread.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      if (context_ != nullptr) context_->TryCancel();
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // Whether the copy holds a complete listing (it may still lag the feed).
  bool synced() const { return synced_.load(); }
  // Position of the last change applied.
  std::string revision() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return revision_;
  }
  // Milliseconds between the last applied change being written and applied.
  int64_t lag_ms() const { return lag_ms_.load(); }

  // Blocks until synced or `timeout` passes; returns synced().
  bool WaitUntilSynced(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, timeout, [this] { return synced_.load() || stopping_; });
    return synced_.load();
  }

 private:
  // A fresh context registered for cancellation by Stop; null once stopping.
  std::unique_ptr<grpc::ClientContext> NewContext(bool streaming) {
    auto context = std::make_unique<grpc::ClientContext>();
    prepare_(context.get());
    if (!streaming) {
      context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return nullptr;
    context_ = context.get();
    return context;
  }
  void ForgetContext() {
    std::lock_guard<std::mutex> lock(mutex_);
    context_ = nullptr;
  }

  // Lists everything into the sink; returns the listing's revision.
  grpc::Status ListAll(std::string* revision) {
    sink_.reset();
    std::string token;
    bool first = true;
    do {
      std::unique_ptr<grpc::ClientContext> context = NewContext(false);
      if (context == nullptr) return grpc::Status::CANCELLED;
      Page page;
      grpc::Status status = list_(context.get(), token, &page);
      ForgetContext();
      if (!status.ok()) return status;
      if (first) *revision = page.revision;
      first = false;
      for (Resource& item : page.items) sink_.upsert(std::move(item), std::string());
      token = page.next_page_token;
    } while (!token.empty());
    return grpc::Status::OK;
  }

  grpc::Status Follow() {
    std::unique_ptr<grpc::ClientContext> context;
    std::string from;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      from = revision_;
    }
    context = NewContext(true);
    if (context == nullptr) return grpc::Status::CANCELLED;
    std::unique_ptr<grpc::ClientReaderInterface<Change>> reader = watch_(context.get(), from);
    Change change;
    while (reader->Read(&change)) {
      if (change.type() == common::v1::CHANGE_TYPE_DELETED) {
        sink_.remove(change.name(), change.revision().token());
      } else {
        sink_.upsert(std::move(*(change.*resource_of_)()), change.revision().token());
      }
      RecordApplied(change.revision().token());
      progressed_ = true;
    }
    grpc::Status status = reader->Finish();
    ForgetContext();
    return status;
  }

  void RecordApplied(const std::string& revision) {
    if (absl::Time written; RevisionWrittenAt(revision, &written)) {
      lag_ms_.store(absl::ToInt64Milliseconds(absl::Now() - written));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    revision_ = revision;
  }

  void Run() {
    std::chrono::milliseconds backoff{0};
    bool need_listing = true;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        // Waits out the backoff; Stop wakes it at once.
        wake_.wait_for(lock, backoff, [this] { return stopping_; });
        if (stopping_) return;
      }
      grpc::Status status;
      if (need_listing) {
        std::string revision;
        status = ListAll(&revision);
        if (status.ok()) {
          {
            std::lock_guard<std::mutex> lock(mutex_);
            revision_ = revision;
          }
          need_listing = false;
          progressed_ = true;
          synced_.store(true);
          wake_.notify_all();
          LogInfo("feed listed", {{"feed", feed_}, {"revision", revision}});
        }
      }
      if (status.ok()) status = Follow();
      if (status.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
        LogWarning("feed history expired; listing again", {{"feed", feed_}});
        need_listing = true;
        synced_.store(false);
        backoff = std::chrono::milliseconds(0);
        continue;
      }
      if (status.error_code() == grpc::StatusCode::CANCELLED) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return;
      }
      // A stream that delivered something starts its backoff afresh.
      if (progressed_) backoff = std::chrono::milliseconds(0);
      progressed_ = false;
      LogWarning("feed interrupted; resuming", {{"feed", feed_},
                                                {"code", std::to_string(status.error_code())},
                                                {"error", status.error_message()}});
      backoff = std::min(max_backoff_,
                         backoff.count() == 0 ? std::chrono::milliseconds(100) : backoff * 2);
    }
  }

  const std::string feed_;
  ListPage list_;
  OpenWatch watch_;
  ResourceOf resource_of_;
  Sink sink_;
  PrepareContext prepare_;
  const std::chrono::milliseconds max_backoff_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  grpc::ClientContext* context_ = nullptr;
  std::string revision_;
  std::atomic<bool> synced_{false};
  std::atomic<int64_t> lag_ms_{0};
  bool progressed_ = false;  // Only touched by the follower's thread.
  std::thread thread_;
};

}  // namespace pathways
