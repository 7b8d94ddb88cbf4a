// Server side of WatchProfiles: streams the profile change feed to one
// client from a revision it names (or from now) until it cancels or the
// server shuts down. The same shape as the shared ChangeFeedWriter, over the
// ProfileStore, whose revision check knows that erasure removes entries from
// the middle of the stream. Each watcher has its own thread and Redis
// connection, because it spends its life in a blocking XREAD; MAX_WATCHERS
// bounds them.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "pathways/profiles/v1/profiles_service.pb.h"
#include "services/common/change_feed.h"
#include "services/profiles/profile_store.h"

namespace pathways::profiles {

class ProfileFeedWriter final : public grpc::ServerWriteReactor<v1::ProfileChange> {
 public:
  // Turns a stored change into what this watcher receives.
  using Convert = std::function<absl::StatusOr<v1::ProfileChange>(ResourceChange&)>;

  // Starts a watcher, or finishes the call at once with an error.
  static grpc::ServerWriteReactor<v1::ProfileChange>* Start(ProfileStore* store,
                                                            WatcherLimit* limit, Convert convert,
                                                            std::string start_revision);

  void OnWriteDone(bool ok) override;
  void OnSendInitialMetadataDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  ProfileFeedWriter(ProfileStore* store, WatcherLimit* limit, Convert convert)
      : store_(store), limit_(limit), convert_(std::move(convert)) {}

  bool cancelled();
  // Runs on the watcher's own thread; touches nothing after Finish.
  void Run(std::string revision);
  grpc::Status Stream(std::string revision);

  ProfileStore* store_;
  WatcherLimit* limit_;
  Convert convert_;
  bool limited_ = true;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool cancelled_ = false;
  bool write_pending_ = false;
  bool metadata_pending_ = false;
  v1::ProfileChange current_;
};

}  // namespace pathways::profiles
