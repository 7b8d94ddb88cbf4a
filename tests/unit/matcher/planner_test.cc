#include "services/matcher/planner.h"

#include <algorithm>
#include <memory>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/matcher/query.h"
#include "tests/unit/matcher/economy_fixture.h"

namespace pathways::matcher {
namespace {

using testing::CourseSpec;
using testing::Date;
using ::testing::ElementsAre;
using testing::MakeCourse;
using testing::MakeProfile;
using testing::MakeRole;
using testing::PersonSpec;
using testing::RoleSpec;
using testing::Skill;
using ::testing::UnorderedElementsAre;

constexpr char kRole[] = "employers/kitchens/roles/porter";

// A kitchen porter role needing two real ESCO essential skills of the
// occupation, at intermediate level.
RoleSpec PorterRole() {
  RoleSpec spec;
  spec.name = kRole;
  spec.occupation = "kitchen porter";
  spec.essential = {{"clean surfaces", 2}, {"dispose waste", 2}};
  return spec;
}

CourseSpec Course(std::string id, std::vector<testing::SkillSpec> taught, int weeks = 8,
                  int64_t pence = 0) {
  CourseSpec spec;
  spec.name = "providers/college/courses/" + id;
  spec.title = id;
  spec.taught = std::move(taught);
  spec.weeks = weeks;
  spec.cost_pence = pence;
  return spec;
}

class PlannerTest : public ::testing::Test {
 protected:
  PlannerTest() : index_(testing::NewIndex()) {}

  void AddRole(const RoleSpec& spec) { ASSERT_TRUE(index_->UpsertRole(MakeRole(spec)).ok()); }
  void AddCourse(const CourseSpec& spec) {
    ASSERT_TRUE(index_->UpsertCourse(MakeCourse(spec)).ok()) << spec.name;
  }
  // The porter role, and a course closing "dispose waste" that needs
  // "clean surfaces" first.
  void AddPorterWithWasteAfterCleaning() {
    AddRole(PorterRole());
    CourseSpec waste = Course("waste", {{"dispose waste", 2}}, 4);
    waste.entry = {{"clean surfaces", 2}};
    AddCourse(waste);
  }
  // time^wt * cost^wc as the bounds weigh them, for the last query.
  double TradeOff(int weeks, int64_t pence) const {
    return QueryContext::Weighted(query_->TimeValue(weeks), policy_.time_weight) *
           QueryContext::Weighted(query_->CostValue(pence), policy_.cost_weight);
  }

  // Plans kRole for a person, with the given filters.
  Plan PlanFor(const PersonSpec& person_spec, const v1::PathwayFilters& filters = {},
               int max_steps = 3) {
    absl::StatusOr<Person> person = ResolvePerson(*index_, MakeProfile(person_spec), "profile");
    EXPECT_TRUE(person.ok()) << person.status();
    person_ = std::make_unique<Person>(*std::move(person));
    absl::StatusOr<Limits> limits =
        ResolveLimits(filters, *person_, policy_, testing::Today(), "filters");
    EXPECT_TRUE(limits.ok()) << limits.status();
    limits_ = *limits;
    limits_.max_steps = max_steps;
    query_ = std::make_unique<QueryContext>(*index_, *person_, limits_, policy_);
    Planner planner(*query_);
    Plan plan;
    planner.PlanRole(*index_->FindRole(kRole), &plan);
    return plan;
  }

  std::vector<std::string> CourseIds(const Plan& plan) {
    std::vector<std::string> ids;
    for (const PlannedStep& step : plan.steps) {
      const std::string& name = index_->course(step.course).name;
      ids.push_back(name.substr(name.rfind('/') + 1));
    }
    return ids;
  }

  std::unique_ptr<MatchIndex> index_;
  Policy policy_;
  std::unique_ptr<Person> person_;
  Limits limits_;
  std::unique_ptr<QueryContext> query_;
};

TEST_F(PlannerTest, ReadyNowNeedsNoSteps) {
  AddRole(PorterRole());
  Plan plan = PlanFor({.skills = {{"clean surfaces", 3}, {"dispose waste", 2}}});
  ASSERT_TRUE(plan.feasible);
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_EQ(plan.weeks_to_ready, 0);
  EXPECT_EQ(plan.skills[0].kind, v1::MATCH_KIND_EXACT);
}

TEST_F(PlannerTest, CheapestValidTwoStepPathwayWins) {
  AddRole(PorterRole());
  AddCourse(Course("free-cleaning", {{"clean surfaces", 2}}, 8));
  AddCourse(Course("free-waste", {{"dispose waste", 2}}, 6));
  AddCourse(Course("dear-cleaning", {{"clean surfaces", 3}}, 8, 90'000));
  AddCourse(Course("dear-waste", {{"dispose waste", 2}}, 6, 90'000));
  // One step, but it costs £2,000 and takes longer than both free ones
  // together would save.
  AddCourse(Course("dear-both", {{"clean surfaces", 2}, {"dispose waste", 2}}, 10, 200'000));
  // Too low a level to close the skill.
  AddCourse(Course("basic-cleaning", {{"clean surfaces", 1}}, 1));

  Plan plan = PlanFor({});
  ASSERT_TRUE(plan.feasible);
  EXPECT_THAT(CourseIds(plan), UnorderedElementsAre("free-cleaning", "free-waste"));
  EXPECT_EQ(plan.total_cost_pence, 0);
  EXPECT_EQ(plan.steps[1].start, plan.steps[0].end);  // Rolling starts: straight on.
  EXPECT_EQ(plan.weeks_to_ready, 14);
  for (const SkillOutcome& outcome : plan.skills) {
    EXPECT_EQ(outcome.kind, v1::MATCH_KIND_COURSE);
    EXPECT_EQ(outcome.after, 1.0);
    EXPECT_GE(outcome.step, 0);
  }
}

TEST_F(PlannerTest, IneligibleCoursesAreNeverUsed) {
  AddRole(PorterRole());
  const std::vector<testing::SkillSpec> both = {{"clean surfaces", 2}, {"dispose waste", 2}};
  // Each of these would be the best pathway on its own, but the person
  // cannot take it.
  CourseSpec adults = Course("adults-only", both, 1);
  adults.min_age = 19;
  adults.starts = {Date(2025, 9, 8), Date(2026, 1, 5)};  // The person is 17 then.
  AddCourse(adults);
  CourseSpec level3 = Course("needs-level-3", both, 1);
  level3.min_rqf = 3;
  AddCourse(level3);
  CourseSpec full = Course("no-places", both, 1);
  full.places = 0;
  AddCourse(full);
  AddCourse(Course("slow-both", both, 30));

  Plan plan = PlanFor({.rqf = 2});
  ASSERT_TRUE(plan.feasible);
  EXPECT_THAT(CourseIds(plan), ElementsAre("slow-both"));
}

TEST_F(PlannerTest, AnEarlierStepCanAwardTheLevelALaterStepNeeds) {
  AddRole(PorterRole());
  CourseSpec level2 = Course("level-2-cleaning", {{"clean surfaces", 2}}, 10);
  level2.rqf_awarded = 3;
  AddCourse(level2);
  CourseSpec level3 = Course("level-3-waste", {{"dispose waste", 2}}, 10);
  level3.min_rqf = 3;
  AddCourse(level3);
  Plan plan = PlanFor({.rqf = 2});
  ASSERT_TRUE(plan.feasible);
  EXPECT_THAT(CourseIds(plan), ElementsAre("level-2-cleaning", "level-3-waste"));
}

TEST_F(PlannerTest, EntryRequirementForcesTheOrder) {
  AddRole(PorterRole());
  // The advanced course closes both skills but needs cleaning first; only
  // the basic course teaches that.
  CourseSpec advanced = Course("advanced", {{"dispose waste", 2}, {"clean surfaces", 2}}, 6);
  advanced.entry = {{"clean surfaces", 1}};
  AddCourse(advanced);
  AddCourse(Course("basic", {{"clean surfaces", 1}}, 4));

  Plan plan = PlanFor({});
  ASSERT_TRUE(plan.feasible);
  EXPECT_THAT(CourseIds(plan), ElementsAre("basic", "advanced"));
  EXPECT_GE(plan.steps[1].start, plan.steps[0].end);
  ASSERT_EQ(plan.entry_closures.size(), 1u);
  EXPECT_EQ(plan.entry_closures[0].step, 0);
  EXPECT_EQ(plan.entry_closures[0].for_step, 1);
  EXPECT_EQ(plan.entry_closures[0].skill, Skill("clean surfaces"));
  // Both required skills are closed by the advanced course.
  EXPECT_EQ(plan.skills[0].step, 1);
  EXPECT_EQ(plan.skills[1].step, 1);
}

TEST_F(PlannerTest, EntryRequirementHeldByThePersonNeedsNoExtraStep) {
  AddRole(PorterRole());
  CourseSpec advanced = Course("advanced", {{"dispose waste", 2}, {"clean surfaces", 2}}, 6);
  advanced.entry = {{"clean surfaces", 1}};
  AddCourse(advanced);
  AddCourse(Course("basic", {{"clean surfaces", 1}}, 4));
  Plan plan = PlanFor({.skills = {{"clean surfaces", 1}}});
  ASSERT_TRUE(plan.feasible);
  EXPECT_THAT(CourseIds(plan), ElementsAre("advanced"));
}

// The bound on a skill's time and cost together follows real chains: a
// fast, dear first course or a slow, free one, never the fast one at the
// free one's price.
TEST_F(PlannerTest, ReachBoundsTimeAndCostTogetherAlongAChain) {
  AddPorterWithWasteAfterCleaning();
  AddCourse(Course("fast", {{"clean surfaces", 2}}, 4, 200'000));
  AddCourse(Course("slow", {{"clean surfaces", 2}}, 30));

  Plan plan = PlanFor({});
  ASSERT_TRUE(plan.feasible);
  const QueryContext& q = *query_;
  const SkillReach& reach = q.Reach(Skill("dispose waste"));
  ASSERT_EQ(reach.max_level, 2);
  EXPECT_EQ(q.WeeksFromStart(reach.ready[1]), 8);
  EXPECT_EQ(reach.cost[1], 0);
  const double best = std::max(TradeOff(8, 200'000), TradeOff(34, 0));
  EXPECT_DOUBLE_EQ(reach.joint[1], best);
  EXPECT_LT(reach.joint[1], TradeOff(8, 0));
  // And it bounds the pathway the planner chose.
  EXPECT_LE(TradeOff(plan.weeks_to_ready, plan.total_cost_pence), reach.joint[1] + 1e-12);
}

// A course taught alone does not hide a chain that ends sooner, and a
// chain that could not beat the course alone changes nothing.
TEST_F(PlannerTest, ReachWeighsAChainAgainstTheCoursesTaughtAlone) {
  AddPorterWithWasteAfterCleaning();
  AddCourse(Course("cleaning", {{"clean surfaces", 2}}, 4));
  AddCourse(Course("slow-waste", {{"dispose waste", 2}}, 20));
  PlanFor({});
  {
    const SkillReach& reach = query_->Reach(Skill("dispose waste"));
    ASSERT_EQ(reach.max_level, 2);
    EXPECT_EQ(query_->WeeksFromStart(reach.ready[1]), 8);  // Cleaning, then waste.
    EXPECT_DOUBLE_EQ(reach.joint[1], TradeOff(8, 0));
  }
  AddCourse(Course("quick-waste", {{"dispose waste", 2}}, 2));
  PlanFor({});
  const SkillReach& reach = query_->Reach(Skill("dispose waste"));
  EXPECT_EQ(query_->WeeksFromStart(reach.ready[1]), 2);
  EXPECT_EQ(reach.cost[1], 0);
  EXPECT_DOUBLE_EQ(reach.joint[1], TradeOff(2, 0));
}

// With more ways to meet an entry skill than a course keeps, the ones kept
// still bound every way: each real two-step pathway is within the bound,
// which stays below the one from the soonest end and the least cost apart.
TEST_F(PlannerTest, ReachBoundsEveryWayWhenTheWaysAreMerged) {
  AddPorterWithWasteAfterCleaning();
  // Faster is dearer: none beats another on both. The best trade-off is
  // the second, one of the two closest in time, which are kept as one.
  const std::vector<std::pair<int, int64_t>> ways = {{2, 30'000}, {3, 20'000}, {20, 10'000},
                                                     {30, 5'000}, {40, 2'000}, {50, 0}};
  for (size_t i = 0; i < ways.size(); ++i) {
    AddCourse(Course("first-" + std::to_string(i), {{"clean surfaces", 2}}, ways[i].first,
                     ways[i].second));
  }
  PlanFor({});  // Builds the query.
  const QueryContext& q = *query_;
  const SkillReach& reach = q.Reach(Skill("dispose waste"));
  ASSERT_EQ(reach.max_level, 2);
  const double bound = reach.joint[1];
  EXPECT_LT(bound, TradeOff(q.WeeksFromStart(reach.ready[1]), reach.cost[1]));
  Planner planner(q);
  const CourseId last = *index_->FindCourse("providers/college/courses/waste");
  for (size_t i = 0; i < ways.size(); ++i) {
    const CourseId first =
        *index_->FindCourse("providers/college/courses/first-" + std::to_string(i));
    const std::vector<CourseId> steps = {first, last};
    Plan plan;
    planner.EvaluateCourses(*index_->FindRole(kRole), steps, &plan);
    ASSERT_TRUE(plan.feasible) << i;
    EXPECT_EQ(plan.total_cost_pence, ways[i].second) << i;
    EXPECT_LE(TradeOff(plan.weeks_to_ready, plan.total_cost_pence), bound + 1e-12) << i;
  }
}

TEST_F(PlannerTest, UnmeetableEntryRequirementMakesItInfeasible) {
  AddRole(PorterRole());
  CourseSpec advanced = Course("advanced", {{"dispose waste", 2}, {"clean surfaces", 2}}, 6);
  advanced.entry = {{"handle glassware", 2}};  // Taught nowhere.
  AddCourse(advanced);
  Plan plan = PlanFor({});
  EXPECT_FALSE(plan.feasible);
  EXPECT_TRUE(plan.steps.empty());
}

TEST_F(PlannerTest, StartDatesChainOneAfterAnother) {
  AddRole(PorterRole());
  CourseSpec first = Course("autumn-cleaning", {{"clean surfaces", 2}}, 12);
  first.starts = {Date(2025, 9, 8), Date(2026, 1, 5)};
  AddCourse(first);
  CourseSpec second = Course("waste", {{"dispose waste", 2}}, 6);
  second.entry = {{"clean surfaces", 2}};
  second.starts = {Date(2025, 9, 8), Date(2026, 1, 5), Date(2026, 4, 13)};
  AddCourse(second);

  Plan plan = PlanFor({});
  ASSERT_TRUE(plan.feasible);
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(plan.steps[0].start, DayFromCivil(2025, 9, 8));
  EXPECT_EQ(plan.steps[0].end, DayFromCivil(2025, 12, 1));
  // The first start on or after the previous step's end.
  EXPECT_EQ(plan.steps[1].start, DayFromCivil(2026, 1, 5));
  EXPECT_EQ(plan.ready, DayFromCivil(2026, 2, 16));
}

TEST_F(PlannerTest, FirstStartsFollowTheCourseTheDayAndThePersonsAge) {
  CourseSpec spec = Course("cleaning", {{"clean surfaces", 2}}, 4);
  spec.min_age = 18;
  spec.starts = {Date(2025, 9, 8), Date(2026, 1, 5)};
  AddCourse(spec);
  const CourseId id = *index_->FindCourse(spec.name);
  // One scratch for every query, as a server thread keeps one.
  QueryScratch scratch;
  auto first_start = [&](const PersonSpec& who, Day from) {
    absl::StatusOr<Person> person = ResolvePerson(*index_, MakeProfile(who), "profile");
    EXPECT_TRUE(person.ok()) << person.status();
    absl::StatusOr<Limits> limits = ResolveLimits({}, *person, policy_, testing::Today(), "f");
    EXPECT_TRUE(limits.ok()) << limits.status();
    limits->earliest_start = from;
    QueryContext query(*index_, *person, *limits, policy_, &scratch);
    return query.course(id).first_start;
  };
  const PersonSpec adult{.birth = Date(2000, 1, 1)};
  const PersonSpec eighteen_in_november{.birth = Date(2007, 11, 1)};
  const Day today = testing::Today();
  EXPECT_EQ(first_start(adult, today), DayFromCivil(2025, 9, 8));
  // Too young for the first start, old enough for the next.
  EXPECT_EQ(first_start(eighteen_in_november, today), DayFromCivil(2026, 1, 5));
  EXPECT_EQ(first_start(adult, today), DayFromCivil(2025, 9, 8));
  EXPECT_EQ(first_start(adult, DayFromCivil(2025, 9, 9)), DayFromCivil(2026, 1, 5));
  EXPECT_EQ(first_start(adult, DayFromCivil(2026, 1, 6)), kNoDay);
  // A changed course is seen at once.
  spec.starts = {Date(2025, 10, 6)};
  AddCourse(spec);
  EXPECT_EQ(first_start(adult, today), DayFromCivil(2025, 10, 6));
}

TEST_F(PlannerTest, MissingEntrySkillsAreThePersonsOwnOnAThreadsScratch) {
  CourseSpec spec = Course("waste", {{"dispose waste", 2}}, 4);
  spec.entry = {{"clean surfaces", 2}, {"handle glassware", 1}};
  AddCourse(spec);
  const CourseId id = *index_->FindCourse(spec.name);
  QueryScratch scratch;
  auto missing = [&](std::vector<testing::SkillSpec> skills) {
    absl::StatusOr<Person> person =
        ResolvePerson(*index_, MakeProfile({.skills = std::move(skills)}), "profile");
    EXPECT_TRUE(person.ok()) << person.status();
    absl::StatusOr<Limits> limits = ResolveLimits({}, *person, policy_, testing::Today(), "f");
    EXPECT_TRUE(limits.ok()) << limits.status();
    QueryContext query(*index_, *person, *limits, policy_, &scratch);
    return static_cast<int>(query.course(id).entry_missing);
  };
  EXPECT_EQ(missing({}), 2);
  EXPECT_EQ(missing({{"clean surfaces", 1}}), 2);  // Below the level asked.
  EXPECT_EQ(missing({{"clean surfaces", 2}}), 1);
  EXPECT_EQ(missing({{"clean surfaces", 3}, {"handle glassware", 1}}), 0);
  // The last person's skills are not carried over.
  EXPECT_EQ(missing({{"dispose waste", 1}}), 2);
}

TEST_F(PlannerTest, TravelLimitIsHonoured) {
  AddRole(PorterRole());
  CourseSpec london = Course("london", {{"clean surfaces", 2}, {"dispose waste", 2}}, 1);
  london.outcode = "SW1A";
  AddCourse(london);
  CourseSpec online = Course("online", {{"clean surfaces", 2}, {"dispose waste", 2}}, 40);
  online.online = true;
  online.mode = common::v1::STUDY_MODE_FLEXIBLE;
  AddCourse(online);
  CourseSpec stockport = Course("stockport", {{"clean surfaces", 2}, {"dispose waste", 2}}, 10);
  stockport.outcode = "SK1";
  AddCourse(stockport);

  v1::PathwayFilters near;
  near.set_max_travel_km(3);
  Plan plan = PlanFor({}, near);
  ASSERT_TRUE(plan.feasible);
  EXPECT_THAT(CourseIds(plan), ElementsAre("online"));
  EXPECT_EQ(plan.max_course_km, 0);

  v1::PathwayFilters wider;
  wider.set_max_travel_km(15);
  plan = PlanFor({}, wider);
  ASSERT_TRUE(plan.feasible);
  EXPECT_THAT(CourseIds(plan), ElementsAre("stockport"));
  EXPECT_GT(plan.max_course_km, 5);
  EXPECT_LE(plan.max_course_km, 15);
}

TEST_F(PlannerTest, CostAndTimeLimitsAreHonoured) {
  AddRole(PorterRole());
  AddCourse(Course("paid-both", {{"clean surfaces", 2}, {"dispose waste", 2}}, 4, 50'000));
  AddCourse(Course("free-cleaning", {{"clean surfaces", 2}}, 30));
  AddCourse(Course("free-waste", {{"dispose waste", 2}}, 30));

  v1::PathwayFilters free_only;
  free_only.set_max_cost_pence(0);
  Plan plan = PlanFor({.birth = Date(2000, 1, 1)}, free_only);  // 25: pays in full.
  ASSERT_TRUE(plan.feasible);
  EXPECT_EQ(plan.total_cost_pence, 0);
  EXPECT_EQ(plan.steps.size(), 2u);

  v1::PathwayFilters quick;
  quick.set_max_weeks(10);
  plan = PlanFor({.birth = Date(2000, 1, 1)}, quick);
  ASSERT_TRUE(plan.feasible);
  EXPECT_THAT(CourseIds(plan), ElementsAre("paid-both"));

  quick.set_max_cost_pence(0);
  plan = PlanFor({.birth = Date(2000, 1, 1)}, quick);
  EXPECT_FALSE(plan.feasible);
}

TEST_F(PlannerTest, AtMostMaxStepsAreTaken) {
  AddRole(PorterRole());
  AddCourse(Course("cleaning", {{"clean surfaces", 2}}));
  AddCourse(Course("waste", {{"dispose waste", 2}}));
  EXPECT_FALSE(PlanFor({}, {}, 1).feasible);
  EXPECT_TRUE(PlanFor({}, {}, 2).feasible);
}

TEST_F(PlannerTest, PartialCreditNeverClosesAnEssentialSkill) {
  AddRole(PorterRole());
  // Cleaning held one level short: credit 0.5, still in the gap.
  Plan plan = PlanFor({.skills = {{"clean surfaces", 1}, {"dispose waste", 2}}});
  EXPECT_FALSE(plan.feasible);
  EXPECT_DOUBLE_EQ(plan.skills[0].before.value, 0.5);
  EXPECT_EQ(plan.skills[0].before.kind, v1::MATCH_KIND_LOWER_LEVEL);

  AddCourse(Course("cleaning", {{"clean surfaces", 2}}));
  plan = PlanFor({.skills = {{"clean surfaces", 1}, {"dispose waste", 2}}});
  ASSERT_TRUE(plan.feasible);
  EXPECT_THAT(CourseIds(plan), ElementsAre("cleaning"));
  EXPECT_EQ(plan.skills[0].kind, v1::MATCH_KIND_COURSE);
  EXPECT_DOUBLE_EQ(plan.skills[0].before.value, 0.5);
  EXPECT_EQ(plan.skills[1].kind, v1::MATCH_KIND_EXACT);
}

TEST_F(PlannerTest, OptionalSkillsCountTowardsCoverage) {
  RoleSpec spec = PorterRole();
  spec.essential = {{"clean surfaces", 2}};
  spec.optional = {{"dispose waste", 2}, {"handle glassware", 2}, {"clean kitchen equipment", 2}};
  AddRole(spec);
  AddCourse(Course("cleaning", {{"clean surfaces", 2}}, 4));
  AddCourse(Course("kitchen", {{"handle glassware", 2}, {"clean kitchen equipment", 2}}, 4));
  // The essential skill weighs 2 of 5, short of min_coverage 0.5, so the
  // planner also takes the course that teaches optional skills.
  policy_.min_coverage = 0.5;
  Plan plan = PlanFor({});
  ASSERT_TRUE(plan.feasible);
  EXPECT_THAT(CourseIds(plan), UnorderedElementsAre("cleaning", "kitchen"));
  EXPECT_DOUBLE_EQ(plan.coverage, 4.0 / 5.0);
  EXPECT_EQ(plan.skills[1].kind, v1::MATCH_KIND_NONE);  // Waste is left open.

  policy_.min_coverage = 0.4;
  plan = PlanFor({});
  ASSERT_TRUE(plan.feasible);
  EXPECT_THAT(CourseIds(plan), ElementsAre("cleaning"));
}

TEST_F(PlannerTest, FundingRulesApplyOnTheStartDate) {
  AddRole(PorterRole());
  CourseSpec college =
      Course("college", {{"clean surfaces", 2}, {"dispose waste", 2}}, 10, 120'000);
  college.funding = {training::v1::FUNDING_FREE_UNDER_19, training::v1::FUNDING_ADULT_SKILLS_FUND};
  AddCourse(college);

  Plan plan = PlanFor({.birth = Date(2008, 1, 1), .rqf = 2});  // 17.
  ASSERT_TRUE(plan.feasible);
  EXPECT_EQ(plan.steps[0].cost.pence, 0);
  EXPECT_EQ(plan.steps[0].cost.funding, training::v1::FUNDING_FREE_UNDER_19);

  plan = PlanFor({.birth = Date(2004, 1, 1), .rqf = 2});  // 21, no level 3 yet.
  EXPECT_EQ(plan.steps[0].cost.pence, 0);
  EXPECT_EQ(plan.steps[0].cost.funding, training::v1::FUNDING_ADULT_SKILLS_FUND);

  plan = PlanFor({.birth = Date(2004, 1, 1), .rqf = 3});  // Holds level 3: pays.
  EXPECT_EQ(plan.steps[0].cost.pence, 120'000);
  EXPECT_EQ(plan.steps[0].cost.funding, training::v1::FUNDING_UNSPECIFIED);
}

TEST(CostForTest, LoansAreFlaggedAndEmployersPay) {
  auto index = testing::NewIndex();
  absl::StatusOr<Person> adult =
      ResolvePerson(*index, MakeProfile({.birth = Date(2003, 5, 1), .rqf = 3}), "profile");
  ASSERT_TRUE(adult.ok());
  CourseEntry course;
  course.cost_pence = 300'000;
  course.funding = 1u << training::v1::FUNDING_ADVANCED_LEARNER_LOAN;
  const Day start = testing::Today();
  CourseCost cost = CostFor(course, *adult, start, 3);
  EXPECT_EQ(cost.pence, 300'000);
  EXPECT_EQ(cost.funding, training::v1::FUNDING_ADVANCED_LEARNER_LOAN);
  course.funding |= 1u << training::v1::FUNDING_EMPLOYER;
  cost = CostFor(course, *adult, start, 3);
  EXPECT_EQ(cost.pence, 0);
  EXPECT_EQ(cost.funding, training::v1::FUNDING_EMPLOYER);

  // Under 19 on the day it starts, not on the day the pathway is planned.
  absl::StatusOr<Person> young =
      ResolvePerson(*index, MakeProfile({.birth = Date(2007, 1, 1), .rqf = 2}), "profile");
  ASSERT_TRUE(young.ok());
  course.funding = 1u << training::v1::FUNDING_FREE_UNDER_19;
  EXPECT_EQ(CostFor(course, *young, DayFromCivil(2025, 12, 31), 2).pence, 0);
  EXPECT_EQ(CostFor(course, *young, DayFromCivil(2026, 1, 1), 2).pence, 300'000);
}

TEST_F(PlannerTest, EvaluatesGivenCoursesAndSaysWhatBlocksThem) {
  AddRole(PorterRole());
  CourseSpec advanced = Course("advanced", {{"dispose waste", 2}, {"clean surfaces", 2}}, 6);
  advanced.entry = {{"clean surfaces", 1}};
  AddCourse(advanced);
  AddCourse(Course("basic", {{"clean surfaces", 1}}, 4));
  PlanFor({});  // Builds the query.
  Planner planner(*query_);
  Plan plan;
  const CourseId basic = *index_->FindCourse("providers/college/courses/basic");
  const CourseId adv = *index_->FindCourse("providers/college/courses/advanced");

  const std::vector<CourseId> wrong_order = {adv, basic};
  planner.EvaluateCourses(*index_->FindRole(kRole), wrong_order, &plan);
  EXPECT_FALSE(plan.feasible);
  EXPECT_EQ(plan.blocker, Blocker::kEntrySkill);
  EXPECT_EQ(plan.blocker_step, 0);
  EXPECT_EQ(plan.blocker_skill, Skill("clean surfaces"));

  const std::vector<CourseId> right_order = {basic, adv};
  planner.EvaluateCourses(*index_->FindRole(kRole), right_order, &plan);
  EXPECT_TRUE(plan.feasible);

  const std::vector<CourseId> not_enough = {basic};
  planner.EvaluateCourses(*index_->FindRole(kRole), not_enough, &plan);
  EXPECT_FALSE(plan.feasible);
  EXPECT_EQ(plan.blocker, Blocker::kSkillNotClosed);
}

}  // namespace
}  // namespace pathways::matcher
