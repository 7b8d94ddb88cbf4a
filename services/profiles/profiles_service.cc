#include "services/profiles/profiles_service.h"

#include "absl/strings/ascii.h"
#include "services/common/change_feed.h"

namespace pathways::profiles {

std::string RelayingClient(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kClientMetadataKey);
  if (it == metadata.end()) return "";
  std::string client(it->second.data(), it->second.size());
  if (client.empty() || client.size() > 32) return "";
  for (char c : client) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '-') {
      return "";
    }
  }
  return client;
}

// Each unary method: authenticate, then run the book off the reaction.
#define PATHWAYS_UNARY(call)                                                                       \
  return handler_.Unary(context, [this, request, response,                                         \
                                  client = RelayingClient(*context)](const Principal& principal) { \
    Caller caller{principal, client};                                                              \
    return book_->call;                                                                            \
  })

grpc::ServerUnaryReactor* ProfilesService::CreateProfile(grpc::CallbackServerContext* context,
                                                         const v1::CreateProfileRequest* request,
                                                         v1::Profile* response) {
  PATHWAYS_UNARY(CreateProfile(caller, *request, response));
}

grpc::ServerUnaryReactor* ProfilesService::BatchCreateProfiles(
    grpc::CallbackServerContext* context, const v1::BatchCreateProfilesRequest* request,
    v1::BatchCreateProfilesResponse* response) {
  PATHWAYS_UNARY(BatchCreateProfiles(caller, *request, response));
}

grpc::ServerUnaryReactor* ProfilesService::GetProfile(grpc::CallbackServerContext* context,
                                                      const v1::GetProfileRequest* request,
                                                      v1::Profile* response) {
  PATHWAYS_UNARY(GetProfile(caller, *request, response));
}

grpc::ServerUnaryReactor* ProfilesService::ListProfiles(grpc::CallbackServerContext* context,
                                                        const v1::ListProfilesRequest* request,
                                                        v1::ListProfilesResponse* response) {
  PATHWAYS_UNARY(ListProfiles(caller, *request, response));
}

grpc::ServerUnaryReactor* ProfilesService::UpdateProfile(grpc::CallbackServerContext* context,
                                                         const v1::UpdateProfileRequest* request,
                                                         v1::Profile* response) {
  PATHWAYS_UNARY(UpdateProfile(caller, *request, response));
}

grpc::ServerUnaryReactor* ProfilesService::DeleteProfile(grpc::CallbackServerContext* context,
                                                         const v1::DeleteProfileRequest* request,
                                                         v1::DeleteProfileResponse* response) {
  PATHWAYS_UNARY(DeleteProfile(caller, *request, response));
}

grpc::ServerUnaryReactor* ProfilesService::AddSkills(grpc::CallbackServerContext* context,
                                                     const v1::AddSkillsRequest* request,
                                                     v1::Profile* response) {
  PATHWAYS_UNARY(AddSkills(caller, *request, response));
}

grpc::ServerUnaryReactor* ProfilesService::RemoveSkills(grpc::CallbackServerContext* context,
                                                        const v1::RemoveSkillsRequest* request,
                                                        v1::Profile* response) {
  PATHWAYS_UNARY(RemoveSkills(caller, *request, response));
}

grpc::ServerUnaryReactor* ProfilesService::ExportProfile(grpc::CallbackServerContext* context,
                                                         const v1::ExportProfileRequest* request,
                                                         v1::ExportProfileResponse* response) {
  PATHWAYS_UNARY(ExportProfile(caller, *request, response));
}

grpc::ServerUnaryReactor* ProfilesService::ListAuditEvents(
    grpc::CallbackServerContext* context, const v1::ListAuditEventsRequest* request,
    v1::ListAuditEventsResponse* response) {
  PATHWAYS_UNARY(ListAuditEvents(caller, *request, response));
}

#undef PATHWAYS_UNARY

grpc::ServerWriteReactor<v1::ProfileChange>* ProfilesService::WatchProfiles(
    grpc::CallbackServerContext* context, const v1::WatchProfilesRequest* request) {
  absl::StatusOr<Principal> principal = handler_.authority().Authenticate(*context);
  if (!principal.ok()) return FinishedWatch<v1::ProfileChange>(principal.status());
  Caller caller{*principal, RelayingClient(*context)};
  absl::StatusOr<std::string> revision = book_->StartWatch(caller, *request);
  if (!revision.ok()) return FinishedWatch<v1::ProfileChange>(revision.status());
  return ChangeFeedWriter<v1::ProfileChange, ProfileStore>::Start(
      &book_->store(), watchers_,
      [role = principal->role](ResourceChange& change) {
        return ProfileBook::ToProfileChange(role, change);
      },
      *revision);
}

}  // namespace pathways::profiles
