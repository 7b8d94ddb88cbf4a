// ExplainPathway: one pathway to one role, scored as RankPathways scores it
// and told in plain English for an adviser to read to a young person.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "pathways/matcher/v1/matcher_service.pb.h"
#include "pathways/profiles/v1/profiles_service.pb.h"
#include "services/matcher/calendar.h"
#include "services/matcher/match_index.h"
#include "services/matcher/planner.h"
#include "services/matcher/query.h"
#include "services/matcher/ranking_policy.h"
#include "services/matcher/scoring.h"

namespace pathways::matcher {

// Explains the given courses (in order) or, with none, the best the planner
// finds (at most 3 steps). NOT_FOUND for an unknown role or course;
// filters that exclude the pathway make it infeasible, not an error.
absl::Status ExplainPathway(const MatchIndex& index, const Policy& policy,
                            const v1::ExplainPathwayRequest& request,
                            const profiles::v1::Profile& profile, Day today,
                            v1::ExplainPathwayResponse* response);

// The sentences for a plan: what the person has, each step and what it
// teaches, when they could be ready, demand, pay, travel and why the score
// is what it is -- or, for an infeasible plan, what stands in the way.
std::vector<std::string> ExplainPlan(const QueryContext& query, const Plan& plan,
                                     const ScoredPathway& scored);

// Checks a role against the query's role-level limits (travel to the site,
// work mode, emerging/apprenticeship/occupation filters); kNone when it
// passes.
Blocker RoleBlocker(const QueryContext& query, const RoleEntry& role);

}  // namespace pathways::matcher
