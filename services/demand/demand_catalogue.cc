#include "services/demand/demand_catalogue.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/api_conventions.h"
#include "services/common/field_validation.h"
#include "services/common/resource_api.h"
#include "services/common/status_macros.h"

namespace pathways::demand {
namespace {

// Roles read per page when copying an employer's display name to them.
constexpr int kCopyPageSize = 500;
// Attempts to copy a display name onto a role that keeps changing.
constexpr int kCopyAttempts = 5;

std::string EmployerName(absl::string_view id) { return absl::StrCat("employers/", id); }

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, " ", what));
}

// Admins may change any employer and its roles; an employer only its own.
absl::Status RequireOwnerOrAdmin(const Principal& caller, absl::string_view employer_id) {
  if (caller.role == Role::kAdmin) return absl::OkStatus();
  if (caller.role == Role::kEmployer && caller.organisation == employer_id) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "only employers/", employer_id, " itself or an admin may change it or its roles"));
}

// Admins, advisers, analysts and services read every employer and role; an
// employer reads only its own. `employer_id` "-" means every employer.
absl::Status RequireReader(const Principal& caller, absl::string_view employer_id) {
  switch (caller.role) {
    case Role::kAdmin:
    case Role::kAdviser:
    case Role::kAnalyst:
    case Role::kService:
      return absl::OkStatus();
    case Role::kEmployer:
      if (caller.organisation == employer_id) return absl::OkStatus();
      return absl::PermissionDeniedError(
          absl::StrCat("an employer may read only its own record and roles (parent \"employers/",
                       caller.organisation, "\"); employers/", employer_id, " is not yours"));
    case Role::kProvider:
      break;
  }
  return absl::PermissionDeniedError(
      absl::StrCat("role ", RoleName(caller.role),
                   " may not read employers' roles; GetDemandSummary gives the aggregates"));
}

absl::StatusOr<std::vector<std::string>> ParseRoleName(absl::string_view field,
                                                       absl::string_view name) {
  return ParseResourceName(field, name, {"employers", "roles"});
}

bool MasksField(const google::protobuf::FieldMask& mask, absl::string_view field) {
  return std::any_of(mask.paths().begin(), mask.paths().end(),
                     [&](const std::string& path) { return path == field; });
}

bool RequiresSkill(const v1::Role& role, const std::string& skill) {
  for (const v1::RequiredSkill& required : role.required_skills()) {
    if (required.skill().skill() == skill) return true;
  }
  return false;
}

absl::Status EtagMismatch(absl::string_view name) {
  return absl::AbortedError(absl::StrCat(
      name, " has changed since it was read (etag mismatch); read it again and retry"));
}

}  // namespace

DemandCatalogue::DemandCatalogue(ResourceStore* employers, ResourceStore* roles,
                                 const RoleValidator* validator, const DemandSummarizer* summarizer,
                                 RoleProjection* projection, Clock clock)
    : employers_(employers),
      roles_(roles),
      validator_(validator),
      summarizer_(summarizer),
      projection_(projection),
      clock_(std::move(clock)) {}

// ---------------------------------------------------------------- employers

absl::Status DemandCatalogue::CreateEmployer(const Principal& caller,
                                             const v1::CreateEmployerRequest& request,
                                             v1::Employer* response) {
  RETURN_IF_ERROR(RequireRole(caller, {Role::kAdmin}));
  RETURN_IF_ERROR(ValidateId("employer_id", request.employer_id()));
  RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  v1::Employer employer = request.employer();
  RETURN_IF_ERROR(validator_->ValidateEmployer("employer", &employer));
  employer.set_name(EmployerName(request.employer_id()));
  absl::Time now = clock_();
  *employer.mutable_create_time() = ToTimestamp(now);
  *employer.mutable_update_time() = ToTimestamp(now);
  ASSIGN_OR_RETURN(std::vector<StoredResource> stored,
                   employers_->Create("", {EncodeResource(employer, ResourceStore::NewEtag())},
                                      request.request_id()));
  ASSIGN_OR_RETURN(*response, DecodeResource<v1::Employer>(stored.front()));
  return absl::OkStatus();
}

absl::StatusOr<v1::Employer> DemandCatalogue::LoadEmployer(const std::string& name) {
  ASSIGN_OR_RETURN(StoredResource stored, employers_->Get(name));
  return DecodeResource<v1::Employer>(stored);
}

absl::Status DemandCatalogue::GetEmployer(const Principal& caller,
                                          const v1::GetEmployerRequest& request,
                                          v1::Employer* response) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseResourceName("name", request.name(), {"employers"}));
  RETURN_IF_ERROR(RequireReader(caller, ids[0]));
  ASSIGN_OR_RETURN(*response, LoadEmployer(request.name()));
  return absl::OkStatus();
}

absl::Status DemandCatalogue::ListEmployers(const Principal& caller,
                                            const v1::ListEmployersRequest& request,
                                            v1::ListEmployersResponse* response) {
  RETURN_IF_ERROR(
      RequireRole(caller, {Role::kAdmin, Role::kAdviser, Role::kAnalyst, Role::kService}));
  ASSIGN_OR_RETURN(ListedPage<v1::Employer> page,
                   ListResources<v1::Employer>(*employers_, "", "employers", request.page_token(),
                                               request.page_size()));
  for (v1::Employer& employer : page.items) *response->add_employers() = std::move(employer);
  response->set_next_page_token(page.next_page_token);
  return absl::OkStatus();
}

absl::Status DemandCatalogue::UpdateEmployer(const Principal& caller,
                                             const v1::UpdateEmployerRequest& request,
                                             v1::Employer* response) {
  const v1::Employer& changes = request.employer();
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseResourceName("employer.name", changes.name(), {"employers"}));
  RETURN_IF_ERROR(ValidateUpdateMask(request.update_mask(), v1::Employer::descriptor(),
                                     {"name", "etag", "create_time", "update_time"}));
  if (changes.etag().empty()) {
    return Invalid("employer.etag", "is required: send the etag the employer was read with");
  }
  RETURN_IF_ERROR(RequireOwnerOrAdmin(caller, ids[0]));
  ASSIGN_OR_RETURN(StoredResource stored, employers_->Get(changes.name()));
  if (changes.etag() != stored.etag) return EtagMismatch(changes.name());
  ASSIGN_OR_RETURN(v1::Employer employer, DecodeResource<v1::Employer>(stored));
  ApplyUpdateMask(request.update_mask(), changes, &employer);
  RETURN_IF_ERROR(validator_->ValidateEmployer("employer", &employer));
  *employer.mutable_update_time() = ToTimestamp(clock_());
  std::string etag = ResourceStore::NewEtag();
  RETURN_IF_ERROR(employers_->Update(EncodeResource(employer, etag), stored.etag));
  employer.set_etag(etag);
  // Copied whenever the mask names it, even unchanged, so repeating an update
  // whose copy failed completes it.
  if (MasksField(request.update_mask(), "display_name")) {
    RETURN_IF_ERROR(CopyDisplayNameToRoles(employer.name(), employer.display_name()));
  }
  *response = std::move(employer);
  return absl::OkStatus();
}

absl::Status DemandCatalogue::DeleteEmployer(const Principal& caller,
                                             const v1::DeleteEmployerRequest& request) {
  RETURN_IF_ERROR(ParseResourceName("name", request.name(), {"employers"}).status());
  RETURN_IF_ERROR(RequireRole(caller, {Role::kAdmin}));
  return employers_->Delete("", request.name(), request.etag(), roles_->kind());
}

absl::Status DemandCatalogue::CopyDisplayNameToRoles(const std::string& employer_name,
                                                     const std::string& display_name) {
  std::string after;
  do {
    ASSIGN_OR_RETURN(ResourcePage page, roles_->List(employer_name, after, kCopyPageSize));
    for (StoredResource& current : page.items) {
      for (int attempt = 1;; ++attempt) {
        ASSIGN_OR_RETURN(v1::Role role, DecodeResource<v1::Role>(current));
        if (role.employer_display_name() == display_name) break;
        role.set_employer_display_name(display_name);
        *role.mutable_update_time() = ToTimestamp(clock_());
        absl::Status updated =
            roles_->Update(EncodeResource(role, ResourceStore::NewEtag()), current.etag);
        if (updated.ok() || updated.code() == absl::StatusCode::kNotFound) break;
        if (updated.code() != absl::StatusCode::kAborted || attempt == kCopyAttempts) {
          return updated;
        }
        // The employer changed the role meanwhile: copy onto its new state.
        absl::StatusOr<StoredResource> reread = roles_->Get(current.name);
        if (!reread.ok() && reread.status().code() == absl::StatusCode::kNotFound) break;
        RETURN_IF_ERROR(reread.status());
        current = *std::move(reread);
      }
    }
    after = page.continue_after;
  } while (!after.empty());
  return absl::OkStatus();
}

// ------------------------------------------------------------------- roles

absl::Status DemandCatalogue::PrepareNewRole(absl::string_view field, const std::string& parent,
                                             const v1::CreateRoleRequest& request, absl::Time now,
                                             v1::Role* role) const {
  RETURN_IF_ERROR(ValidateId(absl::StrCat(field, "role_id"), request.role_id()));
  *role = request.role();
  std::string role_field = absl::StrCat(field, "role");
  if (request.has_skill_template()) {
    RETURN_IF_ERROR(validator_->ApplySkillTemplate(absl::StrCat(field, "skill_template"),
                                                   role_field, request.skill_template(), role));
  }
  RETURN_IF_ERROR(validator_->ValidateRole(role_field, role, UkDate(now)));
  role->set_name(absl::StrCat(parent, "/roles/", request.role_id()));
  role->clear_employer_display_name();
  role->clear_etag();
  *role->mutable_create_time() = ToTimestamp(now);
  *role->mutable_update_time() = ToTimestamp(now);
  return absl::OkStatus();
}

absl::Status DemandCatalogue::RefreshDisplayName(const std::string& employer_name,
                                                 std::vector<v1::Role*> created) {
  ASSIGN_OR_RETURN(v1::Employer employer, LoadEmployer(employer_name));
  bool stale = std::any_of(created.begin(), created.end(), [&](const v1::Role* role) {
    return role->employer_display_name() != employer.display_name();
  });
  if (!stale) return absl::OkStatus();
  RETURN_IF_ERROR(CopyDisplayNameToRoles(employer_name, employer.display_name()));
  for (v1::Role* role : created) {
    ASSIGN_OR_RETURN(StoredResource stored, roles_->Get(role->name()));
    ASSIGN_OR_RETURN(*role, DecodeResource<v1::Role>(stored));
  }
  return absl::OkStatus();
}

absl::Status DemandCatalogue::CreateRole(const Principal& caller,
                                         const v1::CreateRoleRequest& request, v1::Role* response) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseResourceName("parent", request.parent(), {"employers"}));
  RETURN_IF_ERROR(RequireOwnerOrAdmin(caller, ids[0]));
  RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  v1::Role role;
  RETURN_IF_ERROR(PrepareNewRole("", request.parent(), request, clock_(), &role));
  ASSIGN_OR_RETURN(v1::Employer employer, LoadEmployer(request.parent()));
  role.set_employer_display_name(employer.display_name());
  if (request.validate_only()) {
    absl::StatusOr<StoredResource> existing = roles_->Get(role.name());
    if (existing.ok())
      return absl::AlreadyExistsError(absl::StrCat(role.name(), " already exists"));
    if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
    *response = std::move(role);
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(
      std::vector<StoredResource> stored,
      roles_->Create(request.parent(), {EncodeResource(role, ResourceStore::NewEtag())},
                     request.request_id()));
  ASSIGN_OR_RETURN(*response, DecodeResource<v1::Role>(stored.front()));
  return RefreshDisplayName(request.parent(), {response});
}

absl::Status DemandCatalogue::BatchCreateRoles(const Principal& caller,
                                               const v1::BatchCreateRolesRequest& request,
                                               v1::BatchCreateRolesResponse* response) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseResourceName("parent", request.parent(), {"employers"}));
  RETURN_IF_ERROR(RequireOwnerOrAdmin(caller, ids[0]));
  RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  if (request.requests_size() < 1 || request.requests_size() > kMaxBatchRoles) {
    return Invalid("requests", absl::StrCat("must hold 1..", kMaxBatchRoles, " roles, got ",
                                            request.requests_size()));
  }
  const bool validate_only = request.requests(0).validate_only();
  absl::Time now = clock_();
  std::vector<v1::Role> roles(request.requests_size());
  absl::flat_hash_set<std::string> names;
  for (int i = 0; i < request.requests_size(); ++i) {
    const v1::CreateRoleRequest& item = request.requests(i);
    std::string field = absl::StrCat("requests[", i, "].");
    if (!item.parent().empty() && item.parent() != request.parent()) {
      return Invalid(absl::StrCat(field, "parent"), "must be empty or equal to parent");
    }
    if (item.validate_only() != validate_only) {
      return Invalid(absl::StrCat(field, "validate_only"), "must be the same on every request");
    }
    RETURN_IF_ERROR(PrepareNewRole(field, request.parent(), item, now, &roles[i]));
    if (!names.insert(roles[i].name()).second) {
      return Invalid(absl::StrCat(field, "role_id"),
                     absl::StrCat("\"", item.role_id(), "\" appears twice in the batch"));
    }
  }
  ASSIGN_OR_RETURN(v1::Employer employer, LoadEmployer(request.parent()));
  for (v1::Role& role : roles) role.set_employer_display_name(employer.display_name());

  if (validate_only) {
    for (size_t i = 0; i < roles.size(); ++i) {
      absl::StatusOr<StoredResource> existing = roles_->Get(roles[i].name());
      if (existing.ok()) {
        return absl::AlreadyExistsError(
            absl::StrCat("requests[", i, "]: ", roles[i].name(), " already exists"));
      }
      if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
    }
    for (v1::Role& role : roles) *response->add_roles() = std::move(role);
    return absl::OkStatus();
  }

  std::vector<StoredResource> items;
  items.reserve(roles.size());
  for (const v1::Role& role : roles)
    items.push_back(EncodeResource(role, ResourceStore::NewEtag()));
  absl::StatusOr<std::vector<StoredResource>> stored =
      roles_->Create(request.parent(), items, request.request_id());
  if (!stored.ok() && stored.status().code() == absl::StatusCode::kAlreadyExists) {
    // Say which item collided.
    for (size_t i = 0; i < items.size(); ++i) {
      if (absl::StrContains(stored.status().message(), items[i].name + " ")) {
        return absl::AlreadyExistsError(
            absl::StrCat("requests[", i, "]: ", stored.status().message()));
      }
    }
  }
  RETURN_IF_ERROR(stored.status());
  std::vector<v1::Role*> created;
  for (const StoredResource& role : *stored) {
    v1::Role* added = response->add_roles();
    ASSIGN_OR_RETURN(*added, DecodeResource<v1::Role>(role));
    created.push_back(added);
  }
  return RefreshDisplayName(request.parent(), std::move(created));
}

absl::Status DemandCatalogue::GetRole(const Principal& caller, const v1::GetRoleRequest& request,
                                      v1::Role* response) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, ParseRoleName("name", request.name()));
  RETURN_IF_ERROR(RequireReader(caller, ids[0]));
  ASSIGN_OR_RETURN(StoredResource stored, roles_->Get(request.name()));
  ASSIGN_OR_RETURN(*response, DecodeResource<v1::Role>(stored));
  return absl::OkStatus();
}

absl::Status DemandCatalogue::ListRoles(const Principal& caller,
                                        const v1::ListRolesRequest& request,
                                        v1::ListRolesResponse* response) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseResourceName("parent", request.parent(), {"employers"}, true));
  RETURN_IF_ERROR(RequireReader(caller, ids[0]));
  RETURN_IF_ERROR(PageSize(request.page_size()).status());
  std::string occupation = request.occupation();
  if (!occupation.empty()) {
    std::optional<taxonomy::OccupationIndex> index =
        validator_->taxonomy().FindOccupation(occupation);
    if (!index) {
      return Invalid("occupation", absl::StrCat("\"", occupation.substr(0, 120),
                                                "\" is not an ESCO v1.1.1 occupation"));
    }
    occupation = validator_->taxonomy().OccupationUri(*index);
  }
  std::string skill = request.skill();
  if (!skill.empty()) RETURN_IF_ERROR(NormalizeSkill("skill", validator_->taxonomy(), &skill));
  std::string outcode = request.outcode();
  if (!outcode.empty()) {
    RETURN_IF_ERROR(NormalizeOutcode("outcode", validator_->geography(), &outcode));
  }
  const bool emerging_only = request.emerging_only();
  const bool apprenticeship_only = request.apprenticeship_only();
  bool filtered = !occupation.empty() || !skill.empty() || !outcode.empty() || emerging_only ||
                  apprenticeship_only;

  std::function<bool(const v1::Role&)> keep;
  if (filtered) {
    keep = [&](const v1::Role& role) {
      return (occupation.empty() || role.occupation() == occupation) &&
             (skill.empty() || RequiresSkill(role, skill)) &&
             (outcode.empty() || role.site().outcode() == outcode) &&
             (!emerging_only || role.emerging()) && (!apprenticeship_only || role.apprenticeship());
    };
  }
  std::string query = absl::StrCat(request.parent(), "|", occupation, "|", skill, "|", outcode, "|",
                                   emerging_only, "|", apprenticeship_only);
  ASSIGN_OR_RETURN(ListedPage<v1::Role> page,
                   ListResources<v1::Role>(*roles_, ids[0] == "-" ? "" : request.parent(), query,
                                           request.page_token(), request.page_size(), keep));
  for (v1::Role& role : page.items) *response->add_roles() = std::move(role);
  response->set_next_page_token(page.next_page_token);
  response->mutable_revision()->set_token(page.revision);
  return absl::OkStatus();
}

absl::Status DemandCatalogue::UpdateRole(const Principal& caller,
                                         const v1::UpdateRoleRequest& request, v1::Role* response) {
  const v1::Role& changes = request.role();
  ASSIGN_OR_RETURN(std::vector<std::string> ids, ParseRoleName("role.name", changes.name()));
  RETURN_IF_ERROR(
      ValidateUpdateMask(request.update_mask(), v1::Role::descriptor(),
                         {"name", "employer_display_name", "etag", "create_time", "update_time"}));
  if (changes.etag().empty()) {
    return Invalid("role.etag", "is required: send the etag the role was read with");
  }
  RETURN_IF_ERROR(RequireOwnerOrAdmin(caller, ids[0]));
  ASSIGN_OR_RETURN(StoredResource stored, roles_->Get(changes.name()));
  if (changes.etag() != stored.etag) return EtagMismatch(changes.name());
  ASSIGN_OR_RETURN(v1::Role previous, DecodeResource<v1::Role>(stored));
  v1::Role role = previous;
  ApplyUpdateMask(request.update_mask(), changes, &role);
  absl::Time now = clock_();
  RETURN_IF_ERROR(validator_->ValidateRole("role", &role, UkDate(now), &previous));
  *role.mutable_update_time() = ToTimestamp(now);
  std::string etag = ResourceStore::NewEtag();
  RETURN_IF_ERROR(roles_->Update(EncodeResource(role, etag), stored.etag));
  role.set_etag(etag);
  *response = std::move(role);
  return absl::OkStatus();
}

absl::Status DemandCatalogue::DeleteRole(const Principal& caller,
                                         const v1::DeleteRoleRequest& request) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, ParseRoleName("name", request.name()));
  RETURN_IF_ERROR(RequireOwnerOrAdmin(caller, ids[0]));
  return roles_->Delete(EmployerName(ids[0]), request.name(), request.etag());
}

absl::StatusOr<std::string> DemandCatalogue::StartWatch(const Principal& caller,
                                                        const v1::WatchRolesRequest& request) {
  RETURN_IF_ERROR(
      RequireRole(caller, {Role::kService, Role::kAdmin, Role::kAnalyst, Role::kAdviser}));
  return request.start_revision().token();
}

absl::StatusOr<v1::RoleChange> DemandCatalogue::ToRoleChange(ResourceChange& change) {
  return MakeChangeMessage(change, &v1::RoleChange::mutable_role);
}

// ------------------------------------------------------------------ summary

absl::Status DemandCatalogue::GetDemandSummary(const Principal&,
                                               const v1::GetDemandSummaryRequest& request,
                                               v1::GetDemandSummaryResponse* response) {
  // Open to every authenticated caller: rows from fewer than
  // kMinEmployersShown employers are withheld and no totals are returned.
  ASSIGN_OR_RETURN(SummaryQuery query, summarizer_->ParseQuery(request));
  RETURN_IF_ERROR(PageSize(request.page_size()).status());
  absl::Time now = clock_();
  const common::v1::Date today = UkDate(now);
  v1::GetDemandSummaryRequest unpaged = request;
  unpaged.clear_page_size();
  unpaged.clear_page_token();
  const std::string key = absl::StrCat(unpaged.SerializeAsString(), "@", today.year(), "-",
                                       today.month(), "-", today.day());
  std::shared_ptr<const std::vector<v1::DemandRow>> rows;
  RETURN_IF_ERROR(projection_->Read([&](const RoleFactsByName& roles, uint64_t version) {
    {
      std::lock_guard<std::mutex> lock(summaries_mutex_);
      auto cached = summaries_.find(key);
      if (cached != summaries_.end() && cached->second.version == version) {
        rows = cached->second.rows;
        return;
      }
    }
    rows =
        std::make_shared<const std::vector<v1::DemandRow>>(summarizer_->Rows(roles, query, today));
    std::lock_guard<std::mutex> lock(summaries_mutex_);
    if (summaries_.size() >= kCachedSummaries) summaries_.clear();
    summaries_[key] = CachedRows{version, rows};
  }));
  RETURN_IF_ERROR(DemandSummarizer::Page(*rows, request, response));
  *response->mutable_as_of() = ToTimestamp(now);
  return absl::OkStatus();
}

}  // namespace pathways::demand
