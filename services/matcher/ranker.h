// RankPathways: the best pathways from a person to roles within reach
// (DESIGN.md §5).
//
// For speed the ranker plans as few roles as it can, and the answer is the
// one planning every role would give: every role left unplanned has a bound
// below the K-th score, so no pathway for it could be chosen, and a shared
// plan (step 4) is the very plan the role would get.
//  1. The roles sited within reach that the filters allow, grouped by
//     occupation, and every occupation's demand come from the home's Area
//     (area.h): one pass over the roles, made by the first query from that
//     home and filters and shared (when roles change, the next query redoes
//     only their occupations' part of it). An occupation's
//     first bound is its demand, interest, best pay and nearest site (time
//     and cost taken as 1).
//  2. An occupation that comes to the top is refined once with the journey
//     (time, cost) of the essential skills all its roles share, as anyone
//     could learn them (MatchIndex::CommonEssentials,
//     QueryContext::OptimisticReach), and when it comes to the top again it
//     is opened: its roles are grouped by essential signature (skills,
//     levels, entry RQF level), since roles with one signature share their
//     journey, and each group gets a cheap bound from that journey, its best
//     pay and its nearest site. A group (or lone role) that comes to the top
//     is refined with its own essential skills, first as anyone could learn
//     them (QueryContext::OptimisticReach; for someone holding none of them
//     the thread keeps this bound between queries until what the courses
//     teaching them offer, the start date, the limits or the weights
//     change, or the signature's id is given to another), then with
//     the hardest of them (the worst optimistic trade-off of time and cost
//     among courses that need no entry skills, then among all) as this
//     person can, then with all of them as this person can: dropped
//     if one of them no usable course (or chain of courses meeting entry
//     requirements, within the step limit) teaches at the level, else
//     bounded by the soonest and cheapest they can all be held and the
//     hardest skill's best trade-off of time and cost along its course
//     chains (QueryContext::Reach). A group whose bound is exact gives way to
//     its roles, each bounded with its own pay and site.
//  3. Roles are planned in order of bound, opening further occupations as
//     soon as their bound beats the best unplanned role's, and the ranking
//     stops once neither can beat the K-th score of the diverse top K (a role
//     whose bound ties with it is still planned if its name comes first). Once
//     an occupation has max_per_occupation pathways scoring above its next
//     role's bound, the rest of its roles are skipped.
//  4. The planner's steps depend only on the essential skills when those
//     alone reach min_coverage, so a role whose essential signature has been
//     planned already (for such a role) reuses that plan's steps and gets
//     its exact score without planning; other roles are planned.
//
// Order: score descending, then role name, so equal inputs give equal
// output whatever order the index was filled in.
#pragma once

#include <cstddef>
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

struct RankedPathway {
  Plan plan;
  ScoredPathway scored;
};

// What one ranking did, for metrics and benchmarks.
struct RankStats {
  size_t roles_in_reach = 0;  // Within travel and the filters, with openings.
  // Groups (the roles of an occupation with one essential signature) or
  // single roles bounded on their own essential skills: as anyone could
  // learn them, then, when still in the running, as this person can (all
  // reachable).
  size_t groups_screened = 0;
  size_t groups_bounded = 0;
  size_t roles_planned = 0;
  // Of them, roles of occupations that already had max_per_occupation
  // pathways: planned to see whether they beat the occupation's last.
  size_t roles_planned_occupation_full = 0;
  size_t roles_reused = 0;  // Scored with the plan of a role with the same signature.
  size_t roles_feasible = 0;
};

// The top `top_k` pathways with at most `max_per_occupation` per occupation,
// best first. `scorer` must be fresh: this counts demand into it.
std::vector<RankedPathway> RankRoles(const QueryContext& query, Scorer& scorer, int top_k,
                                     int max_per_occupation, RankStats* stats = nullptr);

// RankPathways for a person whose profile the caller has fetched (or taken
// inline). `today` is the date "now" means. Fills pathways (this page),
// next_page_token, index_revision (without update_time) and
// effective_weights.
absl::Status RankPathways(const MatchIndex& index, const Policy& policy,
                          const v1::RankPathwaysRequest& request,
                          const profiles::v1::Profile& profile, Day today,
                          v1::RankPathwaysResponse* response, RankStats* stats = nullptr);

}  // namespace pathways::matcher
