// The score of a pathway (DESIGN.md §5.3-5.4) and its rendering as a proto
// Pathway.
//
// score = demand^wd * pay^wp * time^wt * cost^wc * distance^wx * interest^wi,
// each component in [0,1] so one poor component sinks the pathway:
//   demand    n / (n + demand_half_openings), n = openings up to the horizon
//             of every role of the occupation sited within reach, later
//             periods discounted (one_year, two_years, five_years) except in
//             emerging roles, which count in full;
//   pay       p / (p + pay_half_pence), p = annual pay (band midpoint, or
//             the occupation's indicative earnings);
//   time      1 / (1 + weeks_to_ready / time_half_weeks);
//   cost      1 / (1 + total_cost_pence / cost_half_pence);
//   distance  1 - (1 - distance_at_limit) * km / max_travel_km, km the
//             longest journey to a venue or the site (1 when the limit is 0);
//   interest  1 with no interests recorded or the occupation itself listed;
//             0.9 its ISCO group listed; 0.85 the same ISCO unit group as a
//             listed occupation; 0.8 a tag in the occupation's label;
//             0.6 + 0.3 * share of the occupation's essential ESCO skills
//             that are listed skills or under listed groups; otherwise 0.5
//             (never 0: interests reorder, they do not exclude). It depends
//             on the occupation only, so it is worked out once per
//             occupation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pathways/matcher/v1/matcher_service.pb.h"
#include "services/matcher/match_index.h"
#include "services/matcher/planner.h"
#include "services/matcher/query.h"

namespace pathways::matcher {

struct Components {
  double demand = 0;
  double pay = 0;
  double time = 0;
  double cost = 0;
  double distance = 0;
  double interest = 0;
};

enum class InterestWhy : uint8_t {
  kNoInterests,
  kOccupation,
  kIscoGroup,
  kSimilarOccupation,
  kTag,
  kSkills,
  kNone,
};

struct InterestFit {
  double value = 0.5;
  InterestWhy why = InterestWhy::kNone;
  int tag = -1;         // Index into Interests::tags for kTag.
  int skills = 0;       // Matching skills for kSkills.
  int skill_total = 0;  // The role's skills.
};

struct ScoredPathway {
  double openings = 0;   // Discounted openings of the occupation within reach.
  double travel_km = 0;  // Longest journey: the site or a venue.
  Components components;
  InterestFit interest;
  double score = 0;
};

// Buffers a Scorer fills, kept between queries. One per thread.
struct ScorerScratch {
  struct OccupationDemand {
    uint32_t stamp = 0;
    DemandCounts counts;
    bool interest_known = false;
    InterestFit interest;
    // Its essential skills that the person's interests name (or name a
    // group above), once interest_skills_stamp is the query's.
    int interest_skills = 0;
  };
  uint32_t stamp = 0;
  std::vector<OccupationDemand> occupations;
  // The query whose interest_skills are counted.
  uint32_t interest_skills_stamp = 0;
  std::vector<uint32_t> skill_stamp;  // By ESCO skill: counted in this query.
};

class Scorer {
 public:
  // `scratch` may be null. Demand starts empty: count the roles within
  // reach with CountRolesInReach, or by occupation with CountOccupation.
  explicit Scorer(const QueryContext& query, ScorerScratch* scratch = nullptr);

  // The demand of every occupation within reach, from the home's Area.
  void CountRolesInReach();
  // Adds the openings of an occupation's roles within reach, counted
  // already (an Area's).
  void CountOccupation(OccupationIndex occupation, const DemandCounts& counts) {
    Slot(occupation).counts.Add(counts);
  }

  double OccupationOpenings(OccupationIndex occupation) const;
  InterestFit Interest(OccupationIndex occupation) const;
  double Combine(const Components& c) const;
  double DemandValue(double openings) const;
  double PayValue(int64_t annual_pence) const;
  double TimeValue(int weeks) const;
  double CostValue(int64_t pence) const;
  double DistanceValue(double km) const;

  ScoredPathway Score(const RoleEntry& role, const Plan& plan) const;

  // Fills `pathway` (rank left to the caller) from a plan and its score.
  void FillPathway(const Plan& plan, const ScoredPathway& scored, v1::Pathway* pathway) const;

 private:
  ScorerScratch::OccupationDemand& Slot(OccupationIndex occupation) const;
  // Fills every occupation's interest_skills, once a query.
  void CountInterestSkills() const;
  void FillComponents(const RoleEntry& role, const Plan& plan, const ScoredPathway& scored,
                      v1::ScoreComponents* out) const;

  const QueryContext& query_;
  std::unique_ptr<ScorerScratch> owned_;
  ScorerScratch* s_;
};

// "£1,250" (pence shown only when not whole pounds).
std::string FormatPounds(int64_t pence);
// "within 2 years", "now".
std::string HorizonPhrase(demand::v1::Horizon horizon);
// ESCO skill URI of a skill key; "" for emerging skills.
std::string SkillKeyUri(const MatchIndex& index, SkillKey key);

}  // namespace pathways::matcher
