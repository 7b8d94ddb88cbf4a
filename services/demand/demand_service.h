// The gRPC edge of the demand service: each method authenticates through the
// CallHandler and runs the catalogue on the worker pool.
#pragma once

#include "pathways/demand/v1/demand_service.grpc.pb.h"
#include "services/common/call_handler.h"
#include "services/common/change_feed.h"
#include "services/demand/demand_catalogue.h"

namespace pathways::demand {

class DemandService final : public v1::DemandService::CallbackService {
 public:
  DemandService(DemandCatalogue* catalogue, CallHandler handler, WatcherLimit* watchers)
      : catalogue_(catalogue), handler_(handler), watchers_(watchers) {}

  grpc::ServerUnaryReactor* CreateEmployer(grpc::CallbackServerContext* context,
                                           const v1::CreateEmployerRequest* request,
                                           v1::Employer* response) override;
  grpc::ServerUnaryReactor* GetEmployer(grpc::CallbackServerContext* context,
                                        const v1::GetEmployerRequest* request,
                                        v1::Employer* response) override;
  grpc::ServerUnaryReactor* ListEmployers(grpc::CallbackServerContext* context,
                                          const v1::ListEmployersRequest* request,
                                          v1::ListEmployersResponse* response) override;
  grpc::ServerUnaryReactor* UpdateEmployer(grpc::CallbackServerContext* context,
                                           const v1::UpdateEmployerRequest* request,
                                           v1::Employer* response) override;
  grpc::ServerUnaryReactor* DeleteEmployer(grpc::CallbackServerContext* context,
                                           const v1::DeleteEmployerRequest* request,
                                           v1::DeleteResponse* response) override;
  grpc::ServerUnaryReactor* CreateRole(grpc::CallbackServerContext* context,
                                       const v1::CreateRoleRequest* request,
                                       v1::Role* response) override;
  grpc::ServerUnaryReactor* GetRole(grpc::CallbackServerContext* context,
                                    const v1::GetRoleRequest* request, v1::Role* response) override;
  grpc::ServerUnaryReactor* ListRoles(grpc::CallbackServerContext* context,
                                      const v1::ListRolesRequest* request,
                                      v1::ListRolesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateRole(grpc::CallbackServerContext* context,
                                       const v1::UpdateRoleRequest* request,
                                       v1::Role* response) override;
  grpc::ServerUnaryReactor* DeleteRole(grpc::CallbackServerContext* context,
                                       const v1::DeleteRoleRequest* request,
                                       v1::DeleteResponse* response) override;
  grpc::ServerUnaryReactor* BatchCreateRoles(grpc::CallbackServerContext* context,
                                             const v1::BatchCreateRolesRequest* request,
                                             v1::BatchCreateRolesResponse* response) override;
  grpc::ServerWriteReactor<v1::RoleChange>* WatchRoles(
      grpc::CallbackServerContext* context, const v1::WatchRolesRequest* request) override;
  grpc::ServerUnaryReactor* GetDemandSummary(grpc::CallbackServerContext* context,
                                             const v1::GetDemandSummaryRequest* request,
                                             v1::GetDemandSummaryResponse* response) override;

 private:
  DemandCatalogue* catalogue_;
  CallHandler handler_;
  WatcherLimit* watchers_;
};

}  // namespace pathways::demand
