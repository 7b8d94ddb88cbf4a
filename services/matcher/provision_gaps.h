// GetProvisionGaps: where demand has no course, or courses have no demand,
// by skill, occupation or area. Aggregates only: a row whose demand comes
// from fewer than kMinEmployers employers has its counts and skills
// withheld, so no one employer's plans can be read off it.
//
// Demand without a course: a required skill of a role sited in the area,
// with openings up to the horizon, that no course with a venue in the area
// (or online) teaches at the level required (an emerging skill: no such
// course teaches a skill under its group at the level). Skill rows count
// every such skill; occupation and area rows count roles with at least one
// such essential skill.
//
// Courses without demand: skills taught by courses in the area (or online)
// that no role in the area with openings up to the horizon requires at any
// level. Rows by skill or by the venue's area ("online" for online
// courses); not by occupation, which courses do not have.
#pragma once

#include "absl/status/status.h"
#include "pathways/matcher/v1/matcher_service.pb.h"
#include "services/matcher/calendar.h"
#include "services/matcher/match_index.h"

namespace pathways::matcher {

inline constexpr int kMinEmployers = 5;

absl::Status GetProvisionGaps(const MatchIndex& index, const v1::GetProvisionGapsRequest& request,
                              Day today, v1::GetProvisionGapsResponse* response);

}  // namespace pathways::matcher
