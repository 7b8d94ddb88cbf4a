// Employers and their roles, with who may see and change what, and the
// demand summary. Transport-free: the gRPC edge (demand_service.h) only
// authenticates and calls in here.
//
// Who may do what (DESIGN.md §6; "own" means the token's organisation is the
// employer id):
//   CreateEmployer, DeleteEmployer       admin
//   UpdateEmployer, role writes          admin, or the employer for its own
//   GetEmployer, GetRole, ListRoles      admin, adviser, analyst, service, or
//                                        the employer for its own
//   ListEmployers, ListRoles of "-"      admin, adviser, analyst, service
//   WatchRoles                           admin, adviser, analyst, service
//   GetDemandSummary                     any authenticated caller
// Employers do not read each other's roles: a role's openings are the
// employer's hiring plans, which summaries exist to hide.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pathways/demand/v1/demand_service.pb.h"
#include "services/common/auth.h"
#include "services/common/resource_store.h"
#include "services/demand/demand_summary.h"
#include "services/demand/role_projection.h"
#include "services/demand/role_validation.h"

namespace pathways::demand {

inline constexpr int kMaxBatchRoles = 1000;
inline constexpr char kStorePrefix[] = "demand:v1";

class DemandCatalogue {
 public:
  using Clock = std::function<absl::Time()>;

  DemandCatalogue(ResourceStore* employers, ResourceStore* roles, const RoleValidator* validator,
                  const DemandSummarizer* summarizer, RoleProjection* projection,
                  Clock clock = absl::Now);

  absl::Status CreateEmployer(const Principal& caller, const v1::CreateEmployerRequest& request,
                              v1::Employer* response);
  absl::Status GetEmployer(const Principal& caller, const v1::GetEmployerRequest& request,
                           v1::Employer* response);
  absl::Status ListEmployers(const Principal& caller, const v1::ListEmployersRequest& request,
                             v1::ListEmployersResponse* response);
  // A change of display name is copied to every role of the employer after
  // the employer itself is stored. If that second step fails the call fails;
  // repeating the update (with the new etag) finishes it.
  absl::Status UpdateEmployer(const Principal& caller, const v1::UpdateEmployerRequest& request,
                              v1::Employer* response);
  absl::Status DeleteEmployer(const Principal& caller, const v1::DeleteEmployerRequest& request);

  absl::Status CreateRole(const Principal& caller, const v1::CreateRoleRequest& request,
                          v1::Role* response);
  absl::Status GetRole(const Principal& caller, const v1::GetRoleRequest& request,
                       v1::Role* response);
  absl::Status ListRoles(const Principal& caller, const v1::ListRolesRequest& request,
                         v1::ListRolesResponse* response);
  absl::Status UpdateRole(const Principal& caller, const v1::UpdateRoleRequest& request,
                          v1::Role* response);
  absl::Status DeleteRole(const Principal& caller, const v1::DeleteRoleRequest& request);
  // Each item's own request_id is ignored: the batch's covers the whole.
  absl::Status BatchCreateRoles(const Principal& caller, const v1::BatchCreateRolesRequest& request,
                                v1::BatchCreateRolesResponse* response);

  // Validates a watch request and returns the revision to start from.
  absl::StatusOr<std::string> StartWatch(const Principal& caller,
                                         const v1::WatchRolesRequest& request);
  // Turns a stored change into the feed's message.
  static absl::StatusOr<v1::RoleChange> ToRoleChange(ResourceChange& change);

  absl::Status GetDemandSummary(const Principal& caller, const v1::GetDemandSummaryRequest& request,
                                v1::GetDemandSummaryResponse* response);

  ResourceStore& roles() { return *roles_; }

 private:
  // Checks a new role (applying its template) and gives it its name and
  // times; `field` prefixes field paths ("" or "requests[3].").
  absl::Status PrepareNewRole(absl::string_view field, const std::string& parent,
                              const v1::CreateRoleRequest& request, absl::Time now,
                              v1::Role* role) const;
  absl::StatusOr<v1::Employer> LoadEmployer(const std::string& name);
  // Sets employer_display_name on every role of the employer that differs.
  absl::Status CopyDisplayNameToRoles(const std::string& employer_name,
                                      const std::string& display_name);
  // Closes the race between creating roles and renaming their employer:
  // whichever runs second sees the other's write, so re-reading the employer
  // after storing the roles catches a rename their copy missed.
  absl::Status RefreshDisplayName(const std::string& employer_name, std::vector<v1::Role*> created);

  ResourceStore* employers_;
  ResourceStore* roles_;
  const RoleValidator* validator_;
  const DemandSummarizer* summarizer_;
  RoleProjection* projection_;
  Clock clock_;

  // Rows of recent summaries, by request (without paging) and day, with the
  // version of the role facts they came from: a dashboard asking again, or
  // paging through, before any role changes costs a lookup instead of a pass
  // over every role.
  struct CachedRows {
    uint64_t version = 0;
    std::shared_ptr<const std::vector<v1::DemandRow>> rows;
  };
  static constexpr size_t kCachedSummaries = 64;
  std::mutex summaries_mutex_;
  absl::flat_hash_map<std::string, CachedRows> summaries_;
};

}  // namespace pathways::demand
