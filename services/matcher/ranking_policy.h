// The authority's ranking policy (DESIGN.md §5) and its per-query overrides
// (matcher.v1.Weights).
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "pathways/matcher/v1/matcher_service.pb.h"

namespace pathways::matcher {

// Credit a person's related or lower-level skills earn against a required
// skill. Always below 1, so such a skill stays in the gap.
struct CreditPolicy {
  // Per level short of the one required (0.5: one level short earns 0.5, two
  // levels 0.25). At most 0.9.
  double lower_level = 0.5;
  // Holding a direct broader skill. At most 0.5.
  double related_broader = 0.4;
  // Holding a sibling (same direct broader skill or group). At most 0.5.
  double related_sibling = 0.3;
};

inline constexpr double kMaxLowerLevelCredit = 0.9;
inline constexpr double kMaxRelatedCredit = 0.5;

struct Policy {
  // Exponents of the score's components; 0 ignores a component.
  double demand_weight = 1.0;
  double pay_weight = 0.5;
  double time_weight = 1.0;
  double cost_weight = 1.0;
  double distance_weight = 0.5;
  double interest_weight = 1.0;

  CreditPolicy credit;
  // Weight of an essential skill against an optional one in coverage and in
  // the set cover's gain.
  double essential_weight = 2.0;
  // Share of the role's weighted skill credit needed at the end.
  double min_coverage = 0.5;

  // Factors for openings in later periods (emerging roles are never
  // discounted).
  double discount_one_year = 0.8;
  double discount_two_years = 0.6;
  double discount_five_years = 0.4;

  // Not overridable per query.

  // Travel limit when neither the query nor the profile gives one.
  int default_max_travel_km = 20;
  // Normalisation: each scale is the value at which a component is 0.5.
  // demand = n / (n + demand_half_openings)
  double demand_half_openings = 10;
  // pay = p / (p + pay_half_pence)
  double pay_half_pence = 2'000'000;  // £20,000 a year
  // time = 1 / (1 + weeks / time_half_weeks)
  double time_half_weeks = 52;
  // cost = 1 / (1 + pence / cost_half_pence)
  double cost_half_pence = 100'000;  // £1,000
  // distance = 1 - (1 - distance_at_limit) * km / max_travel_km
  double distance_at_limit = 0.5;
  // Set cover: fixed cost of each step, in the same units as a year of
  // study, £1,000 or the full travel limit (each 1 at weight 1).
  double step_cost = 0.25;
};

// `base` with the fields `overrides` sets; INVALID_ARGUMENT naming the field
// (under `field`, e.g. "weights") when one is out of range.
absl::StatusOr<Policy> ApplyWeights(const Policy& base, const v1::Weights& overrides,
                                    std::string_view field);
// Every field of `policy` that Weights carries.
void ToWeights(const Policy& policy, v1::Weights* weights);

}  // namespace pathways::matcher
