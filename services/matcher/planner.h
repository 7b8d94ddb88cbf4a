// Chooses the courses that take a person from their skills to one role
// (DESIGN.md §5.2).
//
// Gap: the role's required skills whose credit from the person's own skills
// is below 1. A pathway is feasible only when, at its end, every essential
// skill is held at the level (by the person or through a step), the role's
// entry RQF level is held, the weighted coverage
//     sum(w_i * credit_i) / sum(w_i),  w = essential_weight or 1,
// reaches min_coverage, it has at most max_steps steps, and every step is
// one the person can take in that order.
//
// The steps are chosen by weighted greedy set cover. While an essential
// skill (or the entry qualification) is open, each round takes the course
// -- or a prerequisite course followed by the course it unlocks (the two
// cheapest usable courses teaching all its missing entry skills are tried)
// -- with the highest
//     gain / cost,
//     gain = essential_weight * (essential skills it closes, +1 if it awards
//            the missing qualification)
//     cost = step_cost * steps
//            + time_weight * weeks added (waiting included) / 52
//            + cost_weight * pence after funding / 100,000
//            + distance_weight * km from home / max_travel_km
// Courses that close no essential skill are not taken in that phase, and
// optional skills do not count in it, so roles with the same essential
// skills get the same steps. Once every essential skill is closed, further
// rounds (if coverage is short) take the best sum(1 - credit) over optional
// skills per cost. Ties go to
// the larger gain, the earlier end, the lower cost, then the course name.
// Candidates per gap skill are the kCandidatesPerSkill cheapest usable
// courses teaching it at the level (QueryContext::Candidates).
//
// A course can be taken when the person meets its minimum age on the start
// date, holds its minimum RQF level (their own, or awarded by an earlier
// step), and holds each entry skill at the level (their own skill, or taught
// by an earlier step) -- so entry requirements force the order. Each step
// starts on its first start date on or after the previous step's end (the
// first on or after earliest_start for step 1).
//
// After the greedy rounds a step is dropped when the pathway stays feasible
// without it, and the remaining steps are put in the order (among those
// entry requirements allow) that makes the person ready soonest, then
// cheapest.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "services/matcher/calendar.h"
#include "services/matcher/match_index.h"
#include "services/matcher/query.h"
#include "services/matcher/skill_credit.h"

namespace pathways::matcher {

inline constexpr int kMaxSteps = 5;

// Why a pathway does not work.
enum class Blocker : uint8_t {
  kNone,
  // The role itself.
  kRoleTooFar,    // Its site is beyond the travel limit.
  kRoleMode,      // Its work mode does not fit.
  kRoleFiltered,  // Excluded by emerging_only, apprenticeship_only or groups.
  // Choosing steps.
  kSkillNotTaught,  // No usable course teaches essential skill `item`.
  kTooManySteps,    // Essential skills need more steps than allowed.
  kQualification,   // No usable course awards the role's entry RQF level.
  kCoverage,        // Optional skills leave coverage below min_coverage.
  kSkillNotClosed,  // (Given steps) essential skill `item` stays open.
  // A given step (`step`).
  kUnknownCourse,
  kNoPlaces,
  kCourseMode,
  kCourseTooFar,
  kTooYoung,            // Never old enough for any start date.
  kNoStartDate,         // No start date after the previous step.
  kEntrySkill,          // Lacks entry skill `skill` at `level`.
  kEntryQualification,  // Lacks the course's minimum RQF level.
  // The whole pathway.
  kTooLong,  // Beyond max_weeks.
  kTooDear,  // Beyond max_cost_pence.
};

struct PlannedStep {
  CourseId course = 0;
  Day start = 0;
  Day end = 0;
  CourseCost cost;
  float travel_km = 0;
};

// How the pathway meets one required skill of the role.
struct SkillOutcome {
  Credit before;
  double after = 0;
  v1::MatchKind kind = v1::MATCH_KIND_NONE;
  int8_t step = -1;  // 0-based step that closes it; -1 when none.
  uint8_t taught_level = 0;
  SkillIndex via = 0;  // The ESCO skill the step teaches (differs for emerging skills).
};

// An entry skill of a later step that an earlier step teaches.
struct EntryClosure {
  int8_t step = 0;      // The step that teaches it.
  int8_t for_step = 0;  // The step that needs it.
  SkillIndex skill = 0;
  uint8_t level = 0;  // As taught.
};

struct Plan {
  RoleId role = 0;
  bool feasible = false;
  Blocker blocker = Blocker::kNone;
  int32_t blocker_item = -1;  // Role skill index.
  int32_t blocker_step = -1;  // Index into the given courses.
  SkillIndex blocker_skill = 0;
  uint8_t blocker_level = 0;

  std::vector<PlannedStep> steps;
  std::vector<SkillOutcome> skills;  // By role skill index.
  std::vector<EntryClosure> entry_closures;
  Day ready = 0;
  int weeks_to_ready = 0;
  int64_t total_cost_pence = 0;
  double max_course_km = 0;  // Longest journey to a venue.
  double coverage_before = 0;
  double coverage = 0;
  bool qualification_needed = false;
  int8_t qualification_step = -1;  // The step awarding the entry RQF level.
};

// Tables a Planner marks with stamps -- per role (the role's skills and
// candidate courses) and per query (how each course could be the first
// step) -- kept between queries so that a query neither allocates nor
// clears them. One per thread, used by one Planner at a time.
class PlannerScratch {
 public:
  PlannerScratch() = default;
  PlannerScratch(const PlannerScratch&) = delete;
  PlannerScratch& operator=(const PlannerScratch&) = delete;

  // A way to take a course next: alone, or after a prerequisite.
  struct Try {
    CourseId prerequisite = 0;  // When after one.
    bool schedulable = false;   // It fits the limits.
    Day end = 0;                // The course's end.
    int64_t pence = 0;          // After funding (both, with a prerequisite).
    double cost = 0;            // Set-cover cost (of both).
  };
  static constexpr int kPrerequisitesTried = 2;
  // What taking a course next could be, whatever the role: alone when its
  // entry skills and RQF level are met, else after one of the prerequisites
  // tried (none when it cannot be unblocked in the steps left).
  struct CourseTries {
    bool alone = false;
    Try step;  // When alone.
    absl::InlinedVector<Try, kPrerequisitesTried> pairs;
  };

 private:
  friend class Planner;
  // Per query: the tries of a course as the first step, which do not depend
  // on the role, by CourseId, valid where the stamp matches.
  uint32_t query_stamp = 0;
  std::vector<uint32_t> first_tries_stamp;
  std::vector<CourseTries> first_tries;
  // Per query: the tries of a course after earlier steps, which depend on
  // those steps' courses in order, not on the role. Keyed by the course,
  // then the earlier steps' courses, then kNoCourse.
  static constexpr CourseId kNoCourse = std::numeric_limits<CourseId>::max();
  using LaterKey = std::array<CourseId, kMaxSteps>;
  // A few multiplications: hashing the key's bytes cost more than the
  // lookups it served.
  struct LaterKeyHash {
    size_t operator()(const LaterKey& key) const {
      uint64_t h = 0;
      for (CourseId c : key) h = (h ^ c) * 0x9E3779B97F4A7C15ull;
      return static_cast<size_t>(h ^ (h >> 29));
    }
  };
  absl::flat_hash_map<LaterKey, CourseTries, LaterKeyHash> later_tries;
  // Per query: the person's credit for a required skill, by key << 3 | level.
  absl::flat_hash_map<uint64_t, Credit> credits;
  uint32_t stamp = 0;
  std::vector<int16_t> item_of_skill;  // By SkillIndex, valid where item_stamp matches.
  std::vector<uint32_t> item_stamp;
  std::vector<uint32_t> course_stamp;  // By CourseId, valid where it matches.
  std::vector<int32_t> candidate_of_course;
};

// Plans pathways for one query. Keeps scratch buffers between calls, so
// reuse one Planner for every role of a query. Not thread-safe.
class Planner {
 public:
  // `scratch` may be null (the planner then owns its tables).
  explicit Planner(const QueryContext& query, PlannerScratch* scratch = nullptr);

  // The best pathway the set cover finds for a role within reach. Role-level
  // filters (travel, mode, emerging...) are the caller's.
  void PlanRole(RoleId role, Plan* out);
  // Plans `role` with the steps of `source`, a feasible plan for a role with
  // the same essential skills, levels and entry RQF level (so the same
  // courses close them, on the same dates). False, with `out` unspecified,
  // when those steps leave this role's coverage short.
  bool ReusePlan(RoleId role, const Plan& source, Plan* out);
  // The given courses, in the given order (ExplainPathway).
  void EvaluateCourses(RoleId role, std::span<const CourseId> courses, Plan* out);

 private:
  struct Candidate {
    CourseId course;
    uint32_t items_begin;  // Into item_pool_: role skill indices it closes.
    uint32_t items_end;
    bool awards_qualification;
  };
  struct Option {  // One greedy move: a course, or a prerequisite then a course.
    int first = -1;
    int second = -1;
    double gain = 0;
    double cost = 0;
    Day end = 0;
    int64_t pence = 0;
  };

  void Begin(RoleId role, Plan* out);
  // The candidate index of a course, added if new: most calls find it.
  int AddCandidate(CourseId course) {
    if (course < s_->course_stamp.size() && s_->course_stamp[course] == s_->stamp) {
      return s_->candidate_of_course[course];
    }
    return AddNewCandidate(course);
  }
  int AddNewCandidate(CourseId course);
  // Whether the course's entry skills are held by the person or taught by
  // the chosen candidates; fills `missing` (when given) with the others.
  bool EntrySkillsMet(const CourseEntry& course, std::span<const int> chosen,
                      std::vector<TaughtSkill>* missing) const;
  // Schedules `order` (candidate indices) from earliest_start; false when an
  // order constraint fails.
  bool Schedule(std::span<const int> order, std::vector<PlannedStep>* steps) const;
  // Whether `chosen` closes every essential skill and the qualification and
  // reaches `needed_cover` (weighted credit).
  bool ClosureHolds(std::span<const int> chosen, const Plan& plan, double needed_cover) const;
  // Best order of `chosen` (soonest ready, then cheapest); false if none.
  bool BestOrder(std::vector<int>* chosen, std::vector<PlannedStep>* steps) const;
  // How `course_id` could be taken after `chosen`, from `at` with `rqf`
  // held and `spent` spent, `remaining` steps left: alone, or after one of
  // the cheapest usable courses teaching the first of its missing entry
  // skills (up to kPrerequisitesTried that teach them all and can be taken).
  void TryCourse(CourseId course_id, std::span<const int> chosen, Day at, int rqf, int64_t spent,
                 int remaining, PlannerScratch::CourseTries* out);
  // Drops unneeded steps, orders the rest and finishes the plan.
  void Tidy(std::vector<int>* chosen, double needed_cover, Plan* out);
  // Fills the outcomes of `order`, whose steps are already in out->steps.
  void Finish(std::span<const int> order, Plan* out);

  const QueryContext& query_;
  const MatchIndex& index_;
  const Person& person_;
  const Policy& policy_;
  const Limits& limits_;

  // Per role.
  const RoleEntry* role_ = nullptr;
  std::vector<double> weight_;
  std::vector<uint8_t> open_;      // By role skill: still to close.
  std::vector<uint8_t> marked_;    // By role skill: closed by the course at hand.
  std::vector<int> gap_;           // Role skill indices with credit below 1.
  std::vector<int> emerging_gap_;  // The emerging ones among them.
  double total_weight_ = 0;
  int needed_rqf_ = 0;  // 0 when the person holds the entry level.
  std::unique_ptr<PlannerScratch> owned_;
  PlannerScratch* s_;
  std::vector<Candidate> candidates_;
  std::vector<uint16_t> item_pool_;
  std::vector<TaughtSkill> item_taught_;  // By item_pool_ entry: what the course teaches.
  std::vector<TaughtSkill> missing_;
  std::vector<CourseId> prerequisites_;
  std::vector<int> order_;
  // Per plan, kept for their capacity.
  std::vector<int> chosen_;
  std::vector<int> trial_;
  std::vector<uint8_t> taken_;
  std::vector<PlannedStep> steps_;
  mutable std::vector<uint8_t> closed_;  // By role skill: closed by the steps at hand.
  mutable std::vector<int> best_order_;
  mutable std::vector<PlannedStep> trial_steps_;
  mutable std::vector<PlannedStep> best_steps_;
};

}  // namespace pathways::matcher
