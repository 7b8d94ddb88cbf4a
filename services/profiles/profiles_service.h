// The gRPC edge of the profiles service: each method authenticates through
// the CallHandler and runs the profile book on the worker pool.
#pragma once

#include "pathways/profiles/v1/profiles_service.grpc.pb.h"
#include "services/common/call_handler.h"
#include "services/common/change_feed.h"
#include "services/profiles/profile_book.h"

namespace pathways::profiles {

class ProfilesService final : public v1::ProfilesService::CallbackService {
 public:
  ProfilesService(ProfileBook* book, CallHandler handler, WatcherLimit* watchers)
      : book_(book), handler_(handler), watchers_(watchers) {}

  grpc::ServerUnaryReactor* CreateProfile(grpc::CallbackServerContext* context,
                                          const v1::CreateProfileRequest* request,
                                          v1::Profile* response) override;
  grpc::ServerUnaryReactor* BatchCreateProfiles(grpc::CallbackServerContext* context,
                                                const v1::BatchCreateProfilesRequest* request,
                                                v1::BatchCreateProfilesResponse* response) override;
  grpc::ServerUnaryReactor* GetProfile(grpc::CallbackServerContext* context,
                                       const v1::GetProfileRequest* request,
                                       v1::Profile* response) override;
  grpc::ServerUnaryReactor* ListProfiles(grpc::CallbackServerContext* context,
                                         const v1::ListProfilesRequest* request,
                                         v1::ListProfilesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateProfile(grpc::CallbackServerContext* context,
                                          const v1::UpdateProfileRequest* request,
                                          v1::Profile* response) override;
  grpc::ServerUnaryReactor* DeleteProfile(grpc::CallbackServerContext* context,
                                          const v1::DeleteProfileRequest* request,
                                          v1::DeleteProfileResponse* response) override;
  grpc::ServerUnaryReactor* AddSkills(grpc::CallbackServerContext* context,
                                      const v1::AddSkillsRequest* request,
                                      v1::Profile* response) override;
  grpc::ServerUnaryReactor* RemoveSkills(grpc::CallbackServerContext* context,
                                         const v1::RemoveSkillsRequest* request,
                                         v1::Profile* response) override;
  grpc::ServerUnaryReactor* ExportProfile(grpc::CallbackServerContext* context,
                                          const v1::ExportProfileRequest* request,
                                          v1::ExportProfileResponse* response) override;
  grpc::ServerWriteReactor<v1::ProfileChange>* WatchProfiles(
      grpc::CallbackServerContext* context, const v1::WatchProfilesRequest* request) override;
  grpc::ServerUnaryReactor* ListAuditEvents(grpc::CallbackServerContext* context,
                                            const v1::ListAuditEventsRequest* request,
                                            v1::ListAuditEventsResponse* response) override;

 private:
  ProfileBook* book_;
  CallHandler handler_;
  WatcherLimit* watchers_;
};

// The relaying service named in the call's kClientMetadataKey metadata, if
// it is a plausible service name (1..32 of a-z, 0-9, '-'); otherwise empty.
std::string RelayingClient(const grpc::ServerContextBase& context);

}  // namespace pathways::profiles
