// One query's view of the index: the person, the limits in force, and what
// every course and skill looks like from where the person stands (distance,
// first start, cost after funding). Built once per request and shared by the
// planner, the ranker and the insights, so that no per-role work repeats
// per-course work.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "pathways/matcher/v1/matcher_service.pb.h"
#include "pathways/profiles/v1/profiles_service.pb.h"
#include "services/matcher/calendar.h"
#include "services/matcher/match_index.h"
#include "services/matcher/ranking_policy.h"
#include "services/matcher/skill_credit.h"

namespace pathways::matcher {

struct Interests {
  std::vector<OccupationIndex> occupations;  // Ascending.
  // ISCO-08 groups as (code, digits): "25" is (25, 2).
  std::vector<std::pair<int, int>> isco_groups;
  std::vector<SkillIndex> skills;  // Ascending.
  std::vector<GroupIndex> groups;  // Ascending.
  std::vector<std::string> tags;   // Lower-case.
  bool empty() const {
    return occupations.empty() && isco_groups.empty() && skills.empty() && groups.empty() &&
           tags.empty();
  }
};

struct Person {
  explicit Person(PersonSkills s) : skills(std::move(s)) {}

  PersonSkills skills;
  common::v1::Date birth;
  int rqf = 0;
  std::string home_outcode;
  double latitude = 0;
  double longitude = 0;
  common::v1::StudyMode availability = common::v1::STUDY_MODE_UNSPECIFIED;
  int max_travel_km = 0;  // 0: not given.
  Interests interests;
  // turning_day[a]: the first day the person is a years old.
  std::array<Day, 121> turning_day{};

  bool AgeAtLeast(int years, Day day) const {
    return years <= 0 || (years <= 120 && day >= turning_day[years]);
  }
};

// Resolves a profile (stored or inline) against the index. Unknown skills,
// groups, interests or home outcode are INVALID_ARGUMENT under `field`.
absl::StatusOr<Person> ResolvePerson(const MatchIndex& index, const profiles::v1::Profile& profile,
                                     std::string_view field);

// The limits in force: the query's filters, then the profile, then policy.
struct Limits {
  demand::v1::Horizon horizon = demand::v1::HORIZON_FIVE_YEARS;
  double max_travel_km = 20;
  std::optional<int> max_weeks;
  std::optional<int64_t> max_cost_pence;
  common::v1::StudyMode mode = common::v1::STUDY_MODE_UNSPECIFIED;  // Unspecified: any.
  bool emerging_only = false;
  bool apprenticeship_only = false;
  std::vector<std::pair<int, int>> isco_prefixes;  // (code, digits)
  Day earliest_start = 0;
  Day today = 0;
  int max_steps = 3;
};

absl::StatusOr<Limits> ResolveLimits(const v1::PathwayFilters& filters, const Person& person,
                                     const Policy& policy, Day today, std::string_view field);

// Whether something offered in `offered` mode suits someone wanting `wanted`:
// full time accepts any mode, part time accepts part time and flexible,
// flexible accepts flexible; unspecified on either side accepts all.
bool ModeFits(common::v1::StudyMode wanted, common::v1::StudyMode offered);
// Whether a 4-digit ISCO unit group starts with one of the prefixes (or
// there are none).
bool IscoMatches(int isco, std::span<const std::pair<int, int>> prefixes);
// Whether the role filters in `limits` (emerging_only, apprenticeship_only,
// occupation groups) let a role through.
inline bool RoleFiltersAllow(const Limits& limits, bool emerging, bool apprenticeship, int isco) {
  return (!limits.emerging_only || emerging) && (!limits.apprenticeship_only || apprenticeship) &&
         IscoMatches(isco, limits.isco_prefixes);
}

// What a course costs the person if started on `start`, with `rqf_held`
// the highest RQF level held by then. Funding rules, most generous first:
//   FREE_UNDER_19      free when under 19 on the start date;
//   ADULT_SKILLS_FUND  free when 19 or over and holding below RQF level 3
//                      (the fund's full-funding entitlement for a first full
//                      level 2 or 3);
//   EMPLOYER           free (apprenticeships: the employer pays);
//   ADVANCED_LEARNER_LOAN  full cost, but flagged: 19 or over may borrow it.
// Otherwise the full cost with funding unspecified.
struct CourseCost {
  int64_t pence = 0;
  training::v1::Funding funding = training::v1::FUNDING_UNSPECIFIED;
};
CourseCost CostFor(const CourseEntry& course, const Person& person, Day start, int rqf_held);

// The course's first start on or after `from`; kNoDay when none. A course
// without start dates starts any day.
inline Day StartOnOrAfter(const CourseEntry& course, Day from) {
  if (course.start_days.empty()) return from;
  auto it = std::lower_bound(course.start_days.begin(), course.start_days.end(), from);
  return it == course.start_days.end() ? kNoDay : *it;
}
// The day by which the person is old enough for the course.
inline Day OldEnoughFrom(const CourseEntry& course, const Person& person) {
  return course.min_age > 0 ? person.turning_day[std::min<int>(course.min_age, 120)] : kNoDay;
}
// The course's earliest start on or after `from` at which the person meets
// its minimum age; kNoDay when none.
inline Day EarliestStart(const CourseEntry& course, const Person& person, Day from) {
  if (course.min_age > 0) from = std::max(from, OldEnoughFrom(course, person));
  return StartOnOrAfter(course, from);
}

// Openings of a role up to `horizon`, undiscounted; "now" openings count
// only until the closing date.
int64_t OpeningsUpTo(const RoleOpenings& openings, Day closing_day, demand::v1::Horizon horizon,
                     Day today);
inline int64_t OpeningsUpTo(const RoleEntry& role, demand::v1::Horizon horizon, Day today) {
  return OpeningsUpTo(role.openings, role.closing_day, horizon, today);
}

// Openings of roles summed by period, for an occupation's demand. The
// discounts of later periods apply to the sums, so a total does not depend
// on the order roles were added in.
struct DemandCounts {
  int64_t now = 0;  // Of roles still open on `today`.
  int64_t in_1_year = 0;
  int64_t in_2_years = 0;
  int64_t in_5_years = 0;
  int64_t emerging = 0;  // Emerging roles: undiscounted, up to the horizon.

  void Add(const RoleHot& role, demand::v1::Horizon horizon, Day today) {
    if (role.emerging) {
      emerging += OpeningsUpTo(role.openings, role.closing_day, horizon, today);
      return;
    }
    now += role.closing_day < today ? 0 : role.openings.now;
    in_1_year += role.openings.in_1_year;
    in_2_years += role.openings.in_2_years;
    in_5_years += role.openings.in_5_years;
  }
  void Add(const DemandCounts& other) {
    now += other.now;
    in_1_year += other.in_1_year;
    in_2_years += other.in_2_years;
    in_5_years += other.in_5_years;
    emerging += other.emerging;
  }
};

// Per-course facts for this query, worked out the first time a course is
// looked at.
struct CourseView {
  bool usable = false;        // Live, places, mode, travel, a start within limits.
  uint8_t entry_missing = 0;  // Entry skills the person lacks at the level.
  float travel_km = 0;
  float cover_cost = 0;      // Set-cover cost if taken first (for ordering).
  Day first_start = kNoDay;  // Earliest start >= earliest_start.
  Day first_end = kNoDay;
  int64_t min_cost = 0;  // Lowest cost after funding at any start (a bound).
  // The best time^wt * cost^wc among the ways to take the course (with the
  // courses its entry skills need first, within the step limit), and that
  // times distance^wd; filled in by Reach, when joint_known.
  bool joint_known = false;
  double joint = 0;
  double joint_near = 0;
};

// The soonest and cheapest a skill can be learnt to each level, counting the
// courses that must come first to meet entry skills (lower bounds: each is
// minimised on its own, and minimum RQF levels are ignored).
struct SkillReach {
  uint8_t max_level = 0;          // Highest level a usable course teaches it to.
  std::array<Day, 4> ready{};     // By level - 1: earliest day it can be held.
  std::array<int64_t, 4> cost{};  // By level - 1: least it can cost.
  // By level - 1, from Reach only: the best time^wt * cost^wc over the
  // courses teaching it (each over the ways to take it, time and cost
  // bounded together along its chain), and the best of the same times
  // distance^wd to the course. A pathway must include one of these courses,
  // so its time, cost and distance components can do no better.
  std::array<double, 4> joint{};
  std::array<double, 4> joint_near{};
  // By level - 1, from OptimisticReach only: the best joint among the
  // courses that need no entry skills (0 when every one does), a hint of
  // how hard the skill is for someone who must first meet them.
  std::array<double, 4> unchained{};

  // Nothing reachable yet.
  static SkillReach None();
  // A course (or chain) teaching the skill to `level`, ready on `ready`.
  void Add(uint8_t level, Day day, int64_t pence, double trade_off, double near) {
    const int l = level - 1;
    ready[l] = std::min(ready[l], day);
    cost[l] = std::min(cost[l], pence);
    joint[l] = std::max(joint[l], trade_off);
    joint_near[l] = std::max(joint_near[l], near);
    max_level = std::max(max_level, level);
  }
  void AddUnchained(uint8_t level, double trade_off) {
    unchained[level - 1] = std::max(unchained[level - 1], trade_off);
  }
  // Once every course is added: what reaches a level reaches the ones below.
  void FillLowerLevels();
};

class QueryContext;

// Buffers a QueryContext fills, kept between queries so that a query
// allocates almost nothing. One per thread; not shared.
class QueryScratch {
 public:
  QueryScratch() = default;
  QueryScratch(const QueryScratch&) = delete;
  QueryScratch& operator=(const QueryScratch&) = delete;

  // What OptimisticReach depends on besides what the courses teaching a
  // skill offer (MatchIndex::skill_offer_generation, unique across indexes
  // too): the earliest start and the time and cost terms.
  struct OptimisticKey {
    Day from = kNoDay;
    double time_weight = 0, cost_weight = 0, time_half_weeks = 0, cost_half_pence = 0;
    bool operator==(const OptimisticKey&) const = default;
  };

 private:
  friend class QueryContext;
  struct Chain {
    Day end;
    int64_t cost;
  };
  // Ways to take a course, with the courses its entry skills need first, as
  // (end, cost) bounds: none beaten by another on both, soonest first. When
  // there would be more than kPoints, the two closest in time become one
  // point with the sooner end and the lower cost, so every way is still
  // matched or beaten: bounds on time and cost together (a fast, dear chain
  // and a slow, cheap one) rather than each on its own.
  struct Frontier {
    static constexpr int kPoints = 4;
    uint8_t size = 0;
    std::array<Chain, kPoints + 1> points;
    bool empty() const { return size == 0; }
    Day soonest() const { return points[0].end; }
    int64_t cheapest() const { return points[size - 1].cost; }
    // Whether a point ends no later and costs no more than `way`: adding
    // it, or anything later and dearer, changes nothing.
    bool Covers(Chain way) const {
      for (int i = 0; i < size; ++i) {
        if (points[i].end <= way.end && points[i].cost <= way.cost) return true;
      }
      return false;
    }
    void Add(Chain way);
  };
  uint32_t stamp = 0;
  std::vector<double> place_km;
  std::vector<uint32_t> course_stamp;
  std::vector<CourseView> courses;
  // By course: `stamp` when the person holds one of its entry skills (at
  // some level), marked from the person's skills; other courses lack them
  // all.
  std::vector<uint32_t> entry_held;
  // By course: its first start on or after earliest_start, whoever takes
  // it, and its last start (kNoDay: it starts any day), kept with
  // OptimisticReach (its key holds earliest_start) while the course's
  // offer_generation stays the same, so that a query does not read the start
  // days of every course it looks at.
  struct Starts {
    Day first = kUnknownDay;
    Day last = kUnknownDay;
    uint64_t offer_generation = 0;
  };
  static constexpr Day kUnknownDay = std::numeric_limits<Day>::min();
  std::vector<Starts> starts;
  // By course and depth (2..kMaxChain, at depth - 2; a course lacking entry
  // skills has no way at depth 1): the ways to take the course preceded by
  // courses teaching its missing entry skills.
  std::vector<uint32_t> chain_stamp;
  std::vector<uint8_t> chain_known;  // Bit d: depth d is filled in.
  static constexpr int kChainDepths = 4;
  std::vector<std::array<Frontier, kChainDepths>> chains;
  std::vector<uint32_t> reach_stamp;  // By SkillIndex.
  std::vector<SkillReach> reach;
  std::vector<std::pair<uint32_t, SkillReach>> emerging_reach;
  // ReachAt's usable postings of courses with entry skills to meet first.
  // ReachAt does not call itself, so one buffer serves.
  std::vector<CoursePosting> chained_postings;
  // Ways to hold an entry skill below the step limit, by
  // (skill << 8 | depth << 2 | level - 1).
  absl::flat_hash_map<uint64_t, Frontier> entry_ways;
  std::array<int8_t, 9> qualification{};  // By RQF level: -1 unknown, 0 no, 1 yes.
  // OptimisticReach, kept between queries while its key stays the same: a
  // skill's while its MatchIndex::skill_offer_generation does (0: none
  // kept), a group's (for emerging skills, fewer) while the
  // course_generation does.
  OptimisticKey optimistic_key;
  std::vector<uint64_t> optimistic_generation;  // By SkillIndex.
  std::vector<SkillReach> optimistic;
  uint64_t optimistic_groups_generation = 0;
  absl::flat_hash_map<GroupIndex, SkillReach> optimistic_groups;
  // Candidates of an ESCO skill by (skill << 2 | level - 1): a range of
  // candidate_pool, valid where the stamp matches. Emerging skills and
  // qualifications, fewer, go in the map.
  std::vector<uint32_t> candidate_stamp;
  std::vector<std::pair<uint32_t, uint32_t>> candidate_range;
  absl::flat_hash_map<uint64_t, std::pair<uint32_t, uint32_t>> other_candidates;
  // By course and group: the highest level at which the course teaches a
  // skill under the group, and the first skill it does so with.
  struct TaughtUnder {
    int level = 0;
    SkillIndex via = 0;
  };
  absl::flat_hash_map<std::pair<const CourseEntry*, GroupIndex>, TaughtUnder> taught_under;
  std::vector<CourseId> candidate_pool;
};

class QueryContext {
 public:
  // `scratch` may be null (the context then owns its buffers). Everything
  // passed must outlive the context.
  QueryContext(const MatchIndex& index, const Person& person, const Limits& limits,
               const Policy& policy, QueryScratch* scratch = nullptr);

  QueryContext(const QueryContext&) = delete;
  QueryContext& operator=(const QueryContext&) = delete;

  const MatchIndex& index() const { return *index_; }
  const Person& person() const { return *person_; }
  const Limits& limits() const { return *limits_; }
  const Policy& policy() const { return *policy_; }

  // Distance from home to a place's centroid.
  double PlaceKm(PlaceId place) const { return s_->place_km[place]; }
  bool PlaceInReach(PlaceId place) const { return s_->place_km[place] <= limits_->max_travel_km; }
  const CourseView& course(CourseId id) const {
    if (s_->course_stamp[id] != s_->stamp) FillCourse(id);
    return s_->courses[id];
  }

  // The reach of an ESCO skill, or of an emerging skill (through courses
  // teaching a skill under its group). The reference is valid until the
  // next call.
  const SkillReach& Reach(SkillKey key) const {
    if (!IsEmergingKey(key) && s_->reach_stamp[key] == s_->stamp) return s_->reach[key];
    return ComputeReach(key);
  }
  // What anyone could reach of a skill from earliest_start: Reach counting
  // every live course with places, whatever its distance, mode, minimum age
  // or entry skills, at no cost when some funding could pay for it. It is
  // never worse than Reach (max_level and joint no lower, ready and cost no
  // later or dearer; joint_near is joint), and does not depend on the
  // person, so a thread keeps it between queries until what the courses
  // teaching the skill offer changes.
  const SkillReach& OptimisticReach(SkillKey key) const {
    if (!IsEmergingKey(key) &&
        s_->optimistic_generation[key] == index_->skill_offer_generation(key)) {
      return s_->optimistic[key];
    }
    return ComputeOptimisticReach(key);
  }
  // What OptimisticReach depends on: equal keys, equal answers.
  const QueryScratch::OptimisticKey& optimistic_key() const { return s_->optimistic_key; }
  // Whether some usable course awards RQF `level` or above.
  bool QualificationReachable(int level) const;

  // Usable courses that close `key` at `level`, cheapest cover cost first
  // (then by name), at most kCandidatesPerSkill. Cached per query; the span
  // is valid until the next call.
  std::span<const CourseId> Candidates(SkillKey key, int level) const;
  // Usable courses awarding RQF `level` or above, likewise.
  std::span<const CourseId> QualificationCandidates(int level) const;
  static constexpr size_t kCandidatesPerSkill = 8;

  // The level at which a course teaches `key` (an emerging skill: its best
  // skill under the group), 0 when below `level` or not at all; `via` gets
  // the ESCO skill that does it.
  int TeachesAt(const CourseEntry& course, SkillKey key, int level,
                SkillIndex* via = nullptr) const;

  // Discounted openings of a role up to the horizon (emerging: undiscounted).
  double DiscountedOpenings(const RoleEntry& role) const {
    return DiscountedOpenings(role.openings, role.closing_day, role.emerging);
  }
  double DiscountedOpenings(const RoleHot& role) const {
    return DiscountedOpenings(role.openings, role.closing_day, role.emerging);
  }
  double DiscountedOpenings(const RoleOpenings& openings, Day closing_day, bool emerging) const;
  // Undiscounted openings up to the horizon (closed roles without "now").
  int64_t OpeningsToHorizon(const RoleEntry& role) const;
  int64_t OpeningsToHorizon(const RoleHot& role) const {
    return OpeningsUpTo(role.openings, role.closing_day, limits_->horizon, limits_->today);
  }
  // Whether the query ranks a role sited within reach: the role filters and
  // the work mode allow it, and it has openings up to the horizon.
  bool Ranks(const RoleHot& role) const {
    return RoleFiltersAllow(*limits_, role.emerging, role.apprenticeship, role.isco) &&
           ModeFits(limits_->mode, role.work_mode) && OpeningsToHorizon(role) > 0;
  }
  // Score components (scoring.h), here so that bounds can use them.
  double TimeValue(int weeks) const;
  double CostValue(int64_t pence) const;
  double DistanceValue(double km) const;
  // value^weight, with 0^0 = 1.
  static double Weighted(double value, double weight) {
    value = std::clamp(value, 0.0, 1.0);
    // The policy's usual weights, without pow.
    if (weight == 1.0) return value;
    if (weight == 0.0) return 1.0;
    if (weight == 0.5) return std::sqrt(value);
    if (weight == 2.0) return value * value;
    return std::pow(value, weight);
  }

  // Whole weeks from earliest_start to `day`, rounded up.
  int WeeksFromStart(Day day) const { return (day - limits_->earliest_start + 6) / 7; }
  // The set-cover cost of taking a course from `from` to `end` at `pence`.
  double CoverCost(Day from, Day end, int64_t pence, double travel_km) const {
    const Policy& p = *policy_;
    return p.step_cost + p.time_weight * ((end - from) / 7.0) / 52.0 +
           p.cost_weight * static_cast<double>(pence) / 100'000.0 +
           p.distance_weight * travel_km / std::max(1.0, limits_->max_travel_km);
  }

 private:
  static constexpr int kMaxChain = 5;

  void FillCourse(CourseId id) const;
  const SkillReach& ComputeReach(SkillKey key) const;
  const SkillReach& ComputeOptimisticReach(SkillKey key) const;
  // The ways to take a usable course that lacks entry skills, with up to
  // depth - 1 courses before it to meet them; empty when there are none.
  // Valid until the next query.
  const QueryScratch::Frontier& ChainOf(CourseId course, int depth) const;
  // The ways to hold `skill` at `level` with chains of up to `depth`
  // courses. Valid until the next call.
  const QueryScratch::Frontier& EntryWays(SkillIndex skill, int level, int depth) const;
  SkillReach ReachAt(std::span<const CoursePosting> postings, int depth) const;
  SkillReach OptimisticAt(std::span<const CoursePosting> postings) const;
  // The candidates in `range` of the pool when `known`, else found and
  // recorded there.
  std::span<const CourseId> CachedCandidates(std::pair<uint32_t, uint32_t>* range, bool known,
                                             std::span<const CoursePosting> postings, int level,
                                             bool qualification) const;

  const MatchIndex* index_;
  const Person* person_;
  const Limits* limits_;
  const Policy* policy_;
  std::unique_ptr<QueryScratch> owned_;
  QueryScratch* s_;
  int depth_;  // Chain depth for Reach: the step limit.
};

}  // namespace pathways::matcher
