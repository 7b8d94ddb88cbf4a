#include "services/demand/demand_service.h"

namespace pathways::demand {

// Each unary method: authenticate, then run the catalogue off the reaction.
#define PATHWAYS_UNARY(call) \
  return handler_.Unary(     \
      context, [this, request, response](const Principal& caller) { return catalogue_->call; })

grpc::ServerUnaryReactor* DemandService::CreateEmployer(grpc::CallbackServerContext* context,
                                                        const v1::CreateEmployerRequest* request,
                                                        v1::Employer* response) {
  PATHWAYS_UNARY(CreateEmployer(caller, *request, response));
}

grpc::ServerUnaryReactor* DemandService::GetEmployer(grpc::CallbackServerContext* context,
                                                     const v1::GetEmployerRequest* request,
                                                     v1::Employer* response) {
  PATHWAYS_UNARY(GetEmployer(caller, *request, response));
}

grpc::ServerUnaryReactor* DemandService::ListEmployers(grpc::CallbackServerContext* context,
                                                       const v1::ListEmployersRequest* request,
                                                       v1::ListEmployersResponse* response) {
  PATHWAYS_UNARY(ListEmployers(caller, *request, response));
}

grpc::ServerUnaryReactor* DemandService::UpdateEmployer(grpc::CallbackServerContext* context,
                                                        const v1::UpdateEmployerRequest* request,
                                                        v1::Employer* response) {
  PATHWAYS_UNARY(UpdateEmployer(caller, *request, response));
}

grpc::ServerUnaryReactor* DemandService::DeleteEmployer(grpc::CallbackServerContext* context,
                                                        const v1::DeleteEmployerRequest* request,
                                                        v1::DeleteResponse* response) {
  (void)response;
  PATHWAYS_UNARY(DeleteEmployer(caller, *request));
}

grpc::ServerUnaryReactor* DemandService::CreateRole(grpc::CallbackServerContext* context,
                                                    const v1::CreateRoleRequest* request,
                                                    v1::Role* response) {
  PATHWAYS_UNARY(CreateRole(caller, *request, response));
}

grpc::ServerUnaryReactor* DemandService::GetRole(grpc::CallbackServerContext* context,
                                                 const v1::GetRoleRequest* request,
                                                 v1::Role* response) {
  PATHWAYS_UNARY(GetRole(caller, *request, response));
}

grpc::ServerUnaryReactor* DemandService::ListRoles(grpc::CallbackServerContext* context,
                                                   const v1::ListRolesRequest* request,
                                                   v1::ListRolesResponse* response) {
  PATHWAYS_UNARY(ListRoles(caller, *request, response));
}

grpc::ServerUnaryReactor* DemandService::UpdateRole(grpc::CallbackServerContext* context,
                                                    const v1::UpdateRoleRequest* request,
                                                    v1::Role* response) {
  PATHWAYS_UNARY(UpdateRole(caller, *request, response));
}

grpc::ServerUnaryReactor* DemandService::DeleteRole(grpc::CallbackServerContext* context,
                                                    const v1::DeleteRoleRequest* request,
                                                    v1::DeleteResponse* response) {
  (void)response;
  PATHWAYS_UNARY(DeleteRole(caller, *request));
}

grpc::ServerUnaryReactor* DemandService::BatchCreateRoles(
    grpc::CallbackServerContext* context, const v1::BatchCreateRolesRequest* request,
    v1::BatchCreateRolesResponse* response) {
  PATHWAYS_UNARY(BatchCreateRoles(caller, *request, response));
}

grpc::ServerUnaryReactor* DemandService::GetDemandSummary(
    grpc::CallbackServerContext* context, const v1::GetDemandSummaryRequest* request,
    v1::GetDemandSummaryResponse* response) {
  PATHWAYS_UNARY(GetDemandSummary(caller, *request, response));
}

#undef PATHWAYS_UNARY

grpc::ServerWriteReactor<v1::RoleChange>* DemandService::WatchRoles(
    grpc::CallbackServerContext* context, const v1::WatchRolesRequest* request) {
  absl::StatusOr<Principal> caller = handler_.authority().Authenticate(*context);
  if (!caller.ok()) return FinishedWatch<v1::RoleChange>(caller.status());
  absl::StatusOr<std::string> revision = catalogue_->StartWatch(*caller, *request);
  if (!revision.ok()) return FinishedWatch<v1::RoleChange>(revision.status());
  return ChangeFeedWriter<v1::RoleChange>::Start(&catalogue_->roles(), watchers_,
                                                 &DemandCatalogue::ToRoleChange, *revision);
}

}  // namespace pathways::demand
