// SkillGaps: the single courses that would open the most work for a person.
//
// A course unlocks a role within reach (and within the filters) when the
// person is not ready for the role now but would be after that course alone:
// the person can start it (entry skills and RQF level of their own, age and
// places as in ranking), and with what it teaches every essential skill is
// held at the level, the role's entry RQF level is met and coverage reaches
// min_coverage. Courses are ordered by the discounted openings of the roles
// they unlock, then by name. A course's skills_closed are the gap skills it
// closes in the roles it unlocks (the roles within reach it counts).
#pragma once

#include "absl/status/status.h"
#include "pathways/matcher/v1/matcher_service.pb.h"
#include "pathways/profiles/v1/profiles_service.pb.h"
#include "services/matcher/calendar.h"
#include "services/matcher/match_index.h"
#include "services/matcher/ranking_policy.h"

namespace pathways::matcher {

absl::Status SkillGaps(const MatchIndex& index, const Policy& policy,
                       const v1::SkillGapsRequest& request, const profiles::v1::Profile& profile,
                       Day today, v1::SkillGapsResponse* response);

}  // namespace pathways::matcher
