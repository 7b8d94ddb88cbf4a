#include "services/matcher/matcher_service.h"

#include "absl/time/civil_time.h"
#include "services/common/api_conventions.h"
#include "services/common/status_macros.h"
#include "services/matcher/explainer.h"
#include "services/matcher/provision_gaps.h"
#include "services/matcher/ranker.h"
#include "services/matcher/skill_gaps.h"

namespace pathways::matcher {
namespace {

// The caller's authorization header, passed on to the profiles service.
std::string Authorization(const grpc::CallbackServerContext& context) {
  auto it = context.client_metadata().find("authorization");
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// Pathways are about one person: their adviser (or an admin) asks.
absl::Status RequirePersonalCaller(const Principal& caller) {
  return RequireRole(caller, {Role::kAdviser, Role::kAdmin});
}

}  // namespace

template <typename Request>
absl::StatusOr<profiles::v1::Profile> MatcherService::Person(
    const Request& request, const std::string& authorization) const {
  switch (request.person_case()) {
    case Request::kProfile: {
      RETURN_IF_ERROR(ParseResourceName("profile", request.profile(), {"profiles"}).status());
      ASSIGN_OR_RETURN(profiles::v1::Profile profile,
                       profiles_->Fetch(request.profile(), authorization));
      RETURN_IF_ERROR(profiles::CheckMatchingConsent(profile));
      return profile;
    }
    case Request::kInlineProfile: {
      profiles::v1::Profile profile = request.inline_profile();
      RETURN_IF_ERROR(validator_->ValidateProfileContent("inline_profile", &profile, absl::Now()));
      return profile;
    }
    default:
      return absl::InvalidArgumentError("profile or inline_profile is required");
  }
}

Day MatcherService::Today() const {
  absl::CivilDay today = absl::ToCivilDay(absl::Now(), zone_);
  return DayFromCivil(static_cast<int>(today.year()), today.month(), today.day());
}

void MatcherService::FillRevision(const MatchIndex& index, v1::IndexRevision* revision) const {
  revision->mutable_roles()->set_token(index.roles_revision());
  revision->mutable_courses()->set_token(index.courses_revision());
  *revision->mutable_update_time() = ToTimestamp(index_->last_change());
  revision->set_role_count(static_cast<int32_t>(index.role_count()));
  revision->set_course_count(static_cast<int32_t>(index.course_count()));
}

grpc::ServerUnaryReactor* MatcherService::RankPathways(grpc::CallbackServerContext* context,
                                                       const v1::RankPathwaysRequest* request,
                                                       v1::RankPathwaysResponse* response) {
  return handler_.Unary(context, [this, context, request, response](const Principal& caller) {
    RETURN_IF_ERROR(RequirePersonalCaller(caller));
    ASSIGN_OR_RETURN(profiles::v1::Profile person, Person(*request, Authorization(*context)));
    return index_->Read([&](const MatchIndex& index) {
      RETURN_IF_ERROR(matcher::RankPathways(index, *policy_, *request, person, Today(), response));
      FillRevision(index, response->mutable_index_revision());
      return absl::OkStatus();
    });
  });
}

grpc::ServerUnaryReactor* MatcherService::ExplainPathway(grpc::CallbackServerContext* context,
                                                         const v1::ExplainPathwayRequest* request,
                                                         v1::ExplainPathwayResponse* response) {
  return handler_.Unary(context, [this, context, request, response](const Principal& caller) {
    RETURN_IF_ERROR(RequirePersonalCaller(caller));
    ASSIGN_OR_RETURN(profiles::v1::Profile person, Person(*request, Authorization(*context)));
    return index_->Read([&](const MatchIndex& index) {
      return matcher::ExplainPathway(index, *policy_, *request, person, Today(), response);
    });
  });
}

grpc::ServerUnaryReactor* MatcherService::SkillGaps(grpc::CallbackServerContext* context,
                                                    const v1::SkillGapsRequest* request,
                                                    v1::SkillGapsResponse* response) {
  return handler_.Unary(context, [this, context, request, response](const Principal& caller) {
    RETURN_IF_ERROR(RequirePersonalCaller(caller));
    ASSIGN_OR_RETURN(profiles::v1::Profile person, Person(*request, Authorization(*context)));
    return index_->Read([&](const MatchIndex& index) {
      return matcher::SkillGaps(index, *policy_, *request, person, Today(), response);
    });
  });
}

grpc::ServerUnaryReactor* MatcherService::GetProvisionGaps(
    grpc::CallbackServerContext* context, const v1::GetProvisionGapsRequest* request,
    v1::GetProvisionGapsResponse* response) {
  return handler_.Unary(context, [this, request, response](const Principal& caller) {
    // Aggregates only, suppressed under five employers: for planners.
    RETURN_IF_ERROR(RequireRole(caller, {Role::kAnalyst, Role::kAdmin, Role::kAdviser}));
    return index_->Read([&](const MatchIndex& index) {
      return matcher::GetProvisionGaps(index, *request, Today(), response);
    });
  });
}

}  // namespace pathways::matcher
