// Properties that must hold for every pathway over generated economies:
// valid steps in a valid order, every essential skill closed, filters kept,
// scores consistent and deterministic.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "services/matcher/api_support.h"
#include "services/matcher/explainer.h"
#include "services/matcher/ranker.h"
#include "tests/generator/economy_generator.h"
#include "tests/unit/matcher/economy_fixture.h"

namespace pathways::matcher {
namespace {

using generator::EconomyGenerator;
using generator::EconomyOptions;

// A town: bigger than the demo economy, small enough to plan every role.
EconomyOptions TownOptions(uint64_t seed = 11) {
  EconomyOptions o = EconomyOptions::For(generator::Scale::kDemo, seed);
  o.occupations = 60;
  o.employers = 120;
  o.roles = 1200;
  o.colleges = 6;
  o.providers = 12;
  o.courses = 600;
  o.profiles = 400;
  return o;
}

double geography_km(const Person& person, const Place& place) {
  if (place.outcode == person.home_outcode) return 0;
  return taxonomy::Geography::DistanceKm(person.latitude, person.longitude, place.latitude,
                                         place.longitude);
}

std::unique_ptr<MatchIndex> Build(const EconomyGenerator& g, bool reversed) {
  auto index = testing::NewIndex();
  const EconomyOptions& o = g.options();
  for (int k = 0; k < g.provider_count(); ++k) {
    EXPECT_TRUE(index->UpsertProvider(g.Provider(reversed ? g.provider_count() - 1 - k : k)).ok());
  }
  for (int k = 0; k < o.courses; ++k) {
    EXPECT_TRUE(index->UpsertCourse(g.Course(reversed ? o.courses - 1 - k : k)).ok());
  }
  for (int k = 0; k < o.roles; ++k) {
    EXPECT_TRUE(index->UpsertRole(g.Role(reversed ? o.roles - 1 - k : k)).ok());
  }
  return index;
}

class PropertyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto g = EconomyGenerator::Create(&testing::Taxonomy(), &testing::Geography(), TownOptions());
    ASSERT_TRUE(g.ok()) << g.status();
    generator_ = g->release();
    index_ = Build(*generator_, false).release();
    today_ = DayFromDate(generator_->options().today);
  }
  static void TearDownTestSuite() {
    delete index_;
    delete generator_;
  }

  // Varied requests: plain, free only, quick, emerging only, far.
  static v1::RankPathwaysRequest RequestFor(int i) {
    v1::RankPathwaysRequest request;
    request.set_top_k(10);
    request.set_max_steps(3);
    request.mutable_filters()->set_max_travel_km(i % 4 == 3 ? 50 : 30);
    if (i % 3 == 1) request.mutable_filters()->set_max_cost_pence(0);
    if (i % 5 == 2) request.mutable_filters()->set_max_weeks(40);
    if (i % 7 == 4) request.mutable_filters()->set_emerging_only(true);
    if (i % 11 == 5) request.set_max_steps(1);
    *request.mutable_inline_profile() = generator_->Profile(i);
    return request;
  }

  static v1::RankPathwaysResponse Rank(const MatchIndex& index,
                                       const v1::RankPathwaysRequest& request) {
    v1::RankPathwaysResponse response;
    absl::Status status =
        RankPathways(index, policy_, request, request.inline_profile(), today_, &response);
    EXPECT_TRUE(status.ok()) << status;
    return response;
  }

  static inline EconomyGenerator* generator_ = nullptr;
  static inline MatchIndex* index_ = nullptr;
  static inline Day today_ = 0;
  static inline Policy policy_;
};

TEST_F(PropertyTest, EveryPathwayIsValid) {
  int pathways = 0, with_steps = 0;
  for (int i = 0; i < 200; ++i) {
    const v1::RankPathwaysRequest request = RequestFor(i);
    const v1::RankPathwaysResponse response = Rank(*index_, request);
    absl::StatusOr<ResolvedQuery> resolved =
        ResolveQuery(*index_, policy_, request.inline_profile(), "inline_profile",
                     request.filters(), request.weights(), today_);
    ASSERT_TRUE(resolved.ok());
    const Person& person = resolved->person;
    const Limits& limits = resolved->limits;
    std::map<std::string, int> per_occupation;
    for (int r = 0; r < response.pathways_size(); ++r) {
      SCOPED_TRACE("profile " + std::to_string(i) + ", pathway " + std::to_string(r));
      const v1::Pathway& p = response.pathways(r);
      ++pathways;
      EXPECT_EQ(p.rank(), r + 1);
      if (r > 0) {
        const v1::Pathway& q = response.pathways(r - 1);
        EXPECT_TRUE(q.score() > p.score() || (q.score() == p.score() && q.role() < p.role()));
      }
      EXPECT_LE(++per_occupation[p.occupation()], 2);
      EXPECT_LE(p.steps_size(), request.max_steps());
      std::optional<RoleId> role_id = index_->FindRole(p.role());
      ASSERT_TRUE(role_id.has_value());
      const RoleEntry& role = index_->role(*role_id);
      EXPECT_LE(geography_km(person, index_->place(role.site)), limits.max_travel_km + 1e-9);
      if (limits.emerging_only) {
        EXPECT_TRUE(p.emerging());
      }

      // Steps: real courses, one after another, each one the person can take.
      Day at = limits.earliest_start;
      int rqf = person.rqf;
      int64_t total = 0;
      std::vector<const CourseEntry*> taken;
      for (const v1::PathwayStep& step : p.steps()) {
        std::optional<CourseId> course_id = index_->FindCourse(step.course());
        ASSERT_TRUE(course_id.has_value()) << step.course();
        const CourseEntry& course = index_->course(*course_id);
        EXPECT_GT(course.places, 0);
        const Day start = DayFromDate(step.start_date());
        EXPECT_GE(start, at);
        if (!course.start_days.empty()) {
          EXPECT_TRUE(
              std::binary_search(course.start_days.begin(), course.start_days.end(), start));
        }
        EXPECT_EQ(DayFromDate(step.end_date()), start + 7 * course.duration_weeks);
        EXPECT_TRUE(person.AgeAtLeast(course.min_age, start));
        EXPECT_LE(course.min_rqf, rqf);
        for (const TaughtSkill& need : course.entry) {
          bool met = person.skills.LevelOf(need.skill) >= need.level;
          for (const CourseEntry* earlier : taken) {
            for (const TaughtSkill& t : earlier->taught) {
              met = met || (t.skill == need.skill && t.level >= need.level);
            }
          }
          EXPECT_TRUE(met) << "entry skill " << need.skill << " of " << course.name;
        }
        EXPECT_LE(step.travel_km(), limits.max_travel_km + 1e-6);
        const CourseCost cost = CostFor(course, person, start, rqf);
        EXPECT_EQ(step.cost_pence(), cost.pence);
        EXPECT_EQ(step.funding(), cost.funding);
        total += cost.pence;
        rqf = std::max<int>(rqf, course.rqf_awarded);
        at = DayFromDate(step.end_date());
        taken.push_back(&course);
      }
      with_steps += p.steps_size() > 0;
      EXPECT_EQ(p.total_cost_pence(), total);
      if (limits.max_cost_pence) {
        EXPECT_LE(total, *limits.max_cost_pence);
      }
      EXPECT_EQ(DayFromDate(p.ready_date()), at);
      EXPECT_EQ(p.weeks_to_ready(), (at - limits.earliest_start + 6) / 7);
      if (limits.max_weeks) {
        EXPECT_LE(p.weeks_to_ready(), *limits.max_weeks);
      }
      EXPECT_GE(rqf, role.entry_rqf);

      // Every essential skill is closed, by the person or by a step that
      // teaches it; partial credit is only ever partial.
      ASSERT_EQ(p.skill_credits_size(), static_cast<int>(role.skills.size()));
      for (int k = 0; k < p.skill_credits_size(); ++k) {
        const v1::SkillCredit& credit = p.skill_credits(k);
        const bool essential =
            credit.required().importance() == demand::v1::SKILL_IMPORTANCE_ESSENTIAL;
        if (essential) {
          EXPECT_EQ(credit.credit(), 1.0) << credit.label();
          EXPECT_TRUE(credit.matched_by() == v1::MATCH_KIND_EXACT ||
                      credit.matched_by() == v1::MATCH_KIND_COURSE);
        }
        if (credit.matched_by() == v1::MATCH_KIND_COURSE) {
          ASSERT_GE(credit.closed_by_step(), 1);
          ASSERT_LE(credit.closed_by_step(), p.steps_size());
          const CourseEntry& course =
              index_->course(*index_->FindCourse(p.steps(credit.closed_by_step() - 1).course()));
          const RequiredSkillEntry& required = role.skills[k];
          bool teaches = false;
          for (const TaughtSkill& t : course.taught) {
            const bool same = IsEmergingKey(required.key)
                                  ? index_->SkillUnderGroup(
                                        t.skill, index_->emerging(EmergingIdOf(required.key)).group)
                                  : t.skill == required.key;
            teaches = teaches || (same && t.level >= required.level);
          }
          EXPECT_TRUE(teaches) << credit.label();
        }
        if (credit.matched_by() == v1::MATCH_KIND_LOWER_LEVEL ||
            credit.matched_by() == v1::MATCH_KIND_RELATED_BROADER ||
            credit.matched_by() == v1::MATCH_KIND_RELATED_SIBLING) {
          EXPECT_LT(credit.credit(), 1.0);
        }
        if (credit.matched_by() == v1::MATCH_KIND_RELATED_BROADER ||
            credit.matched_by() == v1::MATCH_KIND_RELATED_SIBLING) {
          EXPECT_LE(credit.credit(), kMaxRelatedCredit);
        }
        EXPECT_LE(credit.credit_before(), credit.credit());
      }

      // The score is the product of its components.
      const v1::ScoreComponents& c = p.components();
      const double product = std::pow(c.demand().value(), policy_.demand_weight) *
                             std::pow(c.pay().value(), policy_.pay_weight) *
                             std::pow(c.time().value(), policy_.time_weight) *
                             std::pow(c.cost().value(), policy_.cost_weight) *
                             std::pow(c.distance().value(), policy_.distance_weight) *
                             std::pow(c.interest().value(), policy_.interest_weight);
      EXPECT_NEAR(p.score(), product, 1e-9);
      for (const v1::ScoreComponent* component :
           {&c.demand(), &c.pay(), &c.time(), &c.cost(), &c.distance(), &c.interest()}) {
        EXPECT_GE(component->value(), 0);
        EXPECT_LE(component->value(), 1);
        EXPECT_FALSE(component->reason().empty());
      }
    }
  }
  // The economy must exercise the planner, not just ready-now roles.
  EXPECT_GT(pathways, 500);
  EXPECT_GT(with_steps, 300);
}

TEST_F(PropertyTest, SameInputSameOutputWhateverTheOrderOfChanges) {
  std::unique_ptr<MatchIndex> reversed = Build(*generator_, true);
  for (int i = 0; i < 60; ++i) {
    const v1::RankPathwaysRequest request = RequestFor(i);
    const std::string first = Rank(*index_, request).SerializeAsString();
    EXPECT_EQ(Rank(*index_, request).SerializeAsString(), first) << "profile " << i;
    v1::RankPathwaysResponse other = Rank(*reversed, request);
    v1::RankPathwaysResponse mine = Rank(*index_, request);
    other.clear_index_revision();
    mine.clear_index_revision();
    EXPECT_EQ(other.SerializeAsString(), mine.SerializeAsString()) << "profile " << i;
  }
}

// The ranker's pruning and plan sharing must not change the answer: compare
// with planning every role within reach.
TEST_F(PropertyTest, PruningGivesTheSameTopScoresAsPlanningEveryRole) {
  int compared = 0;
  for (uint64_t seed : {11, 12, 23}) {
    auto town =
        EconomyGenerator::Create(&testing::Taxonomy(), &testing::Geography(), TownOptions(seed));
    ASSERT_TRUE(town.ok());
    std::unique_ptr<MatchIndex> owned = Build(**town, false);
    const MatchIndex& town_index = *owned;
    for (int i = 0; i < 40; ++i) {
      v1::RankPathwaysRequest request = RequestFor(i);
      *request.mutable_inline_profile() = (*town)->Profile(i);
      absl::StatusOr<ResolvedQuery> resolved =
          ResolveQuery(town_index, policy_, request.inline_profile(), "inline_profile",
                       request.filters(), request.weights(), today_);
      ASSERT_TRUE(resolved.ok());
      resolved->limits.max_steps = request.max_steps();
      QueryContext query(town_index, resolved->person, resolved->limits, resolved->policy);
      Scorer scorer(query);
      scorer.CountRolesInReach();
      Planner planner(query);
      std::vector<std::pair<double, std::string>> all;
      std::map<std::string, std::string> occupation_of;
      for (RoleId id = 0; id < town_index.role_slots(); ++id) {
        const RoleEntry& role = town_index.role(id);
        if (!role.live || RoleBlocker(query, role) != Blocker::kNone ||
            query.OpeningsToHorizon(role) <= 0) {
          continue;
        }
        Plan plan;
        planner.PlanRole(id, &plan);
        if (!plan.feasible) continue;
        all.emplace_back(-scorer.Score(role, plan).score, role.name);
        occupation_of[role.name] = std::to_string(role.occupation);
      }
      std::sort(all.begin(), all.end());
      // Best score first, then role name: ties are common (roles of one
      // occupation with the same skills, pay and distance), and the name
      // decides them.
      std::vector<std::pair<double, std::string>> brute;
      std::map<std::string, int> per;
      for (const auto& [score, name] : all) {
        if (brute.size() == 10) break;
        if (++per[occupation_of[name]] > 2) continue;
        brute.emplace_back(-score, name);
      }
      const v1::RankPathwaysResponse response = Rank(town_index, request);
      ASSERT_EQ(response.pathways_size(), static_cast<int>(brute.size())) << "profile " << i;
      for (int r = 0; r < response.pathways_size(); ++r) {
        EXPECT_NEAR(response.pathways(r).score(), brute[r].first, 1e-9)
            << "seed " << seed << " profile " << i << " rank " << r;
        EXPECT_EQ(response.pathways(r).role(), brute[r].second)
            << "seed " << seed << " profile " << i << " rank " << r;
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 300);
}

// Reach bounds what any pathway can do once it closes a skill: no sooner,
// no cheaper, and no better a trade-off of time, cost and distance than the
// skill's bounds say.
TEST_F(PropertyTest, ReachBoundsEveryPlannedPathway) {
  int compared = 0;
  for (int i = 0; i < 40; ++i) {
    v1::RankPathwaysRequest request = RequestFor(i);
    absl::StatusOr<ResolvedQuery> resolved =
        ResolveQuery(*index_, policy_, request.inline_profile(), "inline_profile",
                     request.filters(), request.weights(), today_);
    ASSERT_TRUE(resolved.ok());
    resolved->limits.max_steps = request.max_steps();
    const Policy& p = resolved->policy;
    QueryContext query(*index_, resolved->person, resolved->limits, p);
    Planner planner(query);
    for (RoleId id = 0; id < index_->role_slots(); ++id) {
      const RoleEntry& role = index_->role(id);
      if (!role.live || RoleBlocker(query, role) != Blocker::kNone) continue;
      Plan plan;
      planner.PlanRole(id, &plan);
      if (!plan.feasible) continue;
      const double joint =
          QueryContext::Weighted(query.TimeValue(plan.weeks_to_ready), p.time_weight) *
          QueryContext::Weighted(query.CostValue(plan.total_cost_pence), p.cost_weight);
      const double near = joint * QueryContext::Weighted(query.DistanceValue(plan.max_course_km),
                                                         p.distance_weight);
      for (size_t k = 0; k < role.skills.size(); ++k) {
        if (plan.skills[k].step < 0) continue;
        const int l = role.skills[k].level - 1;
        const SkillReach& reach = query.Reach(role.skills[k].key);
        ASSERT_GE(reach.max_level, l + 1) << role.name << " skill " << k;
        EXPECT_LE(reach.ready[l], plan.ready) << role.name << " skill " << k;
        EXPECT_LE(reach.cost[l], plan.total_cost_pence) << role.name << " skill " << k;
        EXPECT_LE(joint, reach.joint[l] * (1 + 1e-9)) << role.name << " skill " << k;
        EXPECT_LE(near, reach.joint_near[l] * (1 + 1e-9)) << role.name << " skill " << k;
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 1000);
}

// The bound kept between queries never promises less than this person can
// reach, and it follows course changes.
TEST_F(PropertyTest, OptimisticReachIsNeverWorseThanReach) {
  std::unique_ptr<MatchIndex> index = Build(*generator_, false);
  std::vector<SkillIndex> taught;
  for (CourseId c = 0; c < index->course_slots(); ++c) {
    for (const TaughtSkill& t : index->course(c).taught) taught.push_back(t.skill);
  }
  std::sort(taught.begin(), taught.end());
  taught.erase(std::unique(taught.begin(), taught.end()), taught.end());
  ASSERT_GT(taught.size(), 50u);
  QueryScratch scratch;  // Shared, as a server thread shares it.
  int compared = 0;
  auto check = [&](const MatchIndex& at, int profile) {
    v1::RankPathwaysRequest request = RequestFor(profile);
    absl::StatusOr<ResolvedQuery> resolved =
        ResolveQuery(at, policy_, request.inline_profile(), "inline_profile", request.filters(),
                     request.weights(), today_);
    ASSERT_TRUE(resolved.ok());
    resolved->limits.max_steps = request.max_steps();
    QueryContext query(at, resolved->person, resolved->limits, resolved->policy, &scratch);
    for (SkillIndex skill : taught) {
      const SkillReach exact = query.Reach(skill);
      const SkillReach optimistic = query.OptimisticReach(skill);
      ASSERT_GE(optimistic.max_level, exact.max_level) << "skill " << skill;
      for (int l = 0; l < exact.max_level; ++l) {
        if (exact.ready[l] == kNoDay) continue;
        EXPECT_LE(optimistic.ready[l], exact.ready[l]) << "skill " << skill << " level " << l + 1;
        EXPECT_LE(optimistic.cost[l], exact.cost[l]) << "skill " << skill << " level " << l + 1;
        EXPECT_GE(optimistic.joint[l], exact.joint[l]) << "skill " << skill << " level " << l + 1;
        EXPECT_GE(optimistic.joint_near[l], exact.joint_near[l])
            << "skill " << skill << " level " << l + 1;
        ++compared;
      }
    }
  };
  for (int i = 0; i < 12; ++i) check(*index, i);
  EXPECT_GT(compared, 1000);

  // Remove the only course teaching a skill: the next query's bound, from
  // the same thread's buffers, no longer reaches it.
  SkillIndex lone = 0;
  CourseId only = 0;
  bool found = false;
  for (SkillIndex skill : taught) {
    if (index->CoursesTeaching(skill).size() == 1) {
      lone = skill;
      only = index->CoursesTeaching(skill).front().course;
      found = true;
      break;
    }
  }
  ASSERT_TRUE(found);
  v1::RankPathwaysRequest request = RequestFor(0);
  absl::StatusOr<ResolvedQuery> resolved =
      ResolveQuery(*index, policy_, request.inline_profile(), "inline_profile", request.filters(),
                   request.weights(), today_);
  ASSERT_TRUE(resolved.ok());
  {
    QueryContext before(*index, resolved->person, resolved->limits, resolved->policy, &scratch);
    ASSERT_GT(before.OptimisticReach(lone).max_level, 0);
  }
  const uint64_t generation = index->course_generation();
  ASSERT_TRUE(index->RemoveCourse(index->course(only).name));
  EXPECT_NE(index->course_generation(), generation);
  QueryContext after(*index, resolved->person, resolved->limits, resolved->policy, &scratch);
  EXPECT_EQ(after.OptimisticReach(lone).max_level, 0);
  for (int i = 0; i < 12; ++i) check(*index, i);
}

// The candidates for a skill or a qualification are the cheapest usable
// courses, as if every course were looked at: the search for a
// qualification, which stops at courses too long to be cheap enough, leaves
// none out.
TEST_F(PropertyTest, CandidatesAreTheCheapestUsableCourses) {
  std::unique_ptr<MatchIndex> index = Build(*generator_, false);
  int compared = 0;
  int pruned = 0;  // Searches with more usable courses than candidates kept.
  for (int profile = 0; profile < 12; ++profile) {
    v1::RankPathwaysRequest request = RequestFor(profile);
    absl::StatusOr<ResolvedQuery> resolved =
        ResolveQuery(*index, policy_, request.inline_profile(), "inline_profile", request.filters(),
                     request.weights(), today_);
    ASSERT_TRUE(resolved.ok());
    resolved->limits.max_steps = request.max_steps();
    QueryContext query(*index, resolved->person, resolved->limits, resolved->policy);
    auto expect_cheapest = [&](std::span<const CourseId> got, const std::vector<CourseId>& all,
                               const std::string& what) {
      const std::vector<CourseId> candidates(got.begin(), got.end());
      std::vector<CourseId> usable;
      for (CourseId id : all) {
        if (query.course(id).usable) usable.push_back(id);
      }
      std::sort(usable.begin(), usable.end(), [&](CourseId a, CourseId b) {
        const float ca = query.course(a).cover_cost, cb = query.course(b).cover_cost;
        if (ca != cb) return ca < cb;
        return index->course(a).name < index->course(b).name;
      });
      if (usable.size() > QueryContext::kCandidatesPerSkill) {
        usable.resize(QueryContext::kCandidatesPerSkill);
        ++pruned;
      }
      EXPECT_EQ(candidates, usable) << what << ", profile " << profile;
      ++compared;
    };
    for (int level = 1; level <= 8; ++level) {
      std::vector<CourseId> awarding;
      for (int r = level; r <= 8; ++r) {
        for (CourseId id : index->CoursesAwarding(r)) awarding.push_back(id);
      }
      expect_cheapest(query.QualificationCandidates(level), awarding,
                      "RQF " + std::to_string(level));
    }
    for (SkillIndex skill = 0; skill < index->taxonomy().skill_count(); skill += 37) {
      for (int level = 1; level <= 4; ++level) {
        std::vector<CourseId> teaching;
        for (const CoursePosting& posting : index->CoursesTeaching(skill)) {
          if (posting.level >= level) teaching.push_back(posting.course);
        }
        if (teaching.empty()) continue;
        expect_cheapest(query.Candidates(skill, level), teaching,
                        "skill " + std::to_string(skill) + " at " + std::to_string(level));
      }
    }
  }
  EXPECT_GT(compared, 200);
  EXPECT_GT(pruned, 20);
}

// A thread keeps bounds between rankings (for people holding none of a
// signature's essential skills, by signature); answers must be those of a
// thread that ranks nothing else, before and after courses and roles change.
TEST_F(PropertyTest, AnswersDoNotDependOnWhatTheThreadRankedBefore) {
  // Start with half the courses missing, so that adding them makes skills
  // learnable, or quicker to learn, than the bounds the thread kept say.
  std::unique_ptr<MatchIndex> index = Build(*generator_, false);
  const EconomyOptions& o = generator_->options();
  for (int k = 0; k < o.courses; k += 2) {
    ASSERT_TRUE(index->RemoveCourse(generator_->Course(k).name()));
  }
  auto fresh_thread = [&](const v1::RankPathwaysRequest& request) {
    v1::RankPathwaysResponse answer;
    std::thread([&] { answer = Rank(*index, request); }).join();
    return answer;
  };
  auto roles = [](const v1::RankPathwaysResponse& response) {
    std::string out;
    for (const v1::Pathway& p : response.pathways()) {
      out += p.role() + " " + std::to_string(p.score()) + "; ";
    }
    return out;
  };
  int compared = 0;
  // Varied requests (cost, weeks) first, then plain ones, which share their
  // bounds with each other and with the first request after a change.
  auto compare = [&](const char* phase) {
    for (bool plain : {false, true}) {
      for (int i = 0; i < 24; ++i) {
        v1::RankPathwaysRequest request = RequestFor(plain ? 0 : i);
        *request.mutable_inline_profile() = generator_->Profile(i);
        const v1::RankPathwaysResponse warm = Rank(*index, request);
        const v1::RankPathwaysResponse cold = fresh_thread(request);
        EXPECT_TRUE(warm.SerializeAsString() == cold.SerializeAsString())
            << phase << " profile " << i << ":\n  " << roles(warm) << "\n  " << roles(cold);
        compared += warm.pathways_size();
      }
    }
  };
  compare("without half the courses");
  for (int k = 0; k < o.courses; k += 2) {
    ASSERT_TRUE(index->UpsertCourse(generator_->Course(k)).ok());
  }
  compare("with every course");
  // Courses changed in what they offer, each in one way, then as they were:
  // what a thread kept of their skills (and signatures needing them) must
  // not outlive the change, whether the courses got worse or better.
  std::vector<training::v1::Course> changed;
  for (int k = 0; k < o.courses; ++k) {
    training::v1::Course course = generator_->Course(k);
    switch (k % 6) {
      case 0:
        for (common::v1::Date& start : *course.mutable_start_dates()) {
          start.set_year(start.year() + 1);
        }
        break;
      case 1:
        course.set_places(0);
        break;
      case 2:
        course.set_cost_pence(course.cost_pence() + 250'000);
        course.clear_funding();
        break;
      case 3:
        course.set_duration_weeks(course.duration_weeks() * 2);
        break;
      case 4:
        if (course.skills_taught_size() > 1) course.mutable_skills_taught()->RemoveLast();
        break;
      case 5:
        // Teaches, instead of its first skill, the first skill of the next
        // course: that skill gains a course.
        if (k + 1 < o.courses && course.skills_taught_size() > 1) {
          *course.mutable_skills_taught(0) = generator_->Course(k + 1).skills_taught(0);
        }
        break;
    }
    changed.push_back(course);
  }
  for (const training::v1::Course& course : changed) {
    ASSERT_TRUE(index->UpsertCourse(course).ok()) << course.name();
  }
  compare("with courses changed");
  for (int k = 0; k < o.courses; ++k) {
    ASSERT_TRUE(index->UpsertCourse(generator_->Course(k)).ok());
  }
  compare("with the courses as they were");
  // Roles changed, each in one way, then as they were: what a thread kept
  // of an occupation's common skills or of a signature must not outlive the
  // change.
  std::vector<demand::v1::Role> changed_roles;
  for (int k = 0; k < o.roles; ++k) {
    demand::v1::Role role = generator_->Role(k);
    switch (k % 4) {
      case 0: {
        // One essential skill fewer, when another stays: its occupation's
        // roles may now share fewer.
        auto* skills = role.mutable_required_skills();
        int last = -1, essentials = 0;
        for (int i = 0; i < skills->size(); ++i) {
          if (skills->Get(i).importance() != demand::v1::SKILL_IMPORTANCE_ESSENTIAL) continue;
          last = i;
          ++essentials;
        }
        if (essentials > 1) skills->DeleteSubrange(last, 1);
        break;
      }
      case 1:
        role.set_occupation(generator_->Role((k + 1) % o.roles).occupation());
        break;
      case 2:
        *role.mutable_site() = generator_->Role((k + 7) % o.roles).site();
        break;
      case 3:
        role.mutable_openings()->set_now(role.openings().now() + 3);
        break;
    }
    changed_roles.push_back(role);
  }
  for (const demand::v1::Role& role : changed_roles) {
    ASSERT_TRUE(index->UpsertRole(role).ok()) << role.name();
  }
  compare("with roles changed");
  for (int k = 0; k < o.roles; ++k) ASSERT_TRUE(index->UpsertRole(generator_->Role(k)).ok());
  compare("with the roles as they were");
  // Every role removed and added back: freed signature ids are reused last
  // freed first, each now for another signature.
  for (int k = 0; k < o.roles; ++k) ASSERT_TRUE(index->RemoveRole(generator_->Role(k).name()));
  for (int k = 0; k < o.roles; ++k) ASSERT_TRUE(index->UpsertRole(generator_->Role(k)).ok());
  compare("with the roles added again");
  EXPECT_GT(compared, 1000);
}

TEST_F(PropertyTest, ScoreRisesWithDemand) {
  int checked = 0;
  for (int i = 0; i < 40 && checked < 10; ++i) {
    v1::RankPathwaysRequest request = RequestFor(i);
    request.clear_filters();
    const v1::RankPathwaysResponse ranked = Rank(*index_, request);
    if (ranked.pathways().empty()) continue;
    const v1::Pathway& best = ranked.pathways(0);
    if (best.components().demand().value() >= 1.0) continue;
    v1::ExplainPathwayRequest explain;
    explain.set_role(best.role());
    v1::ExplainPathwayResponse before, after;
    ASSERT_TRUE(
        ExplainPathway(*index_, policy_, explain, request.inline_profile(), today_, &before).ok());
    // Find the generated role and give it more openings.
    std::optional<RoleId> id = index_->FindRole(best.role());
    ASSERT_TRUE(id.has_value());
    demand::v1::Role role;
    for (int k = 0; k < generator_->options().roles; ++k) {
      if (generator_->Role(k).name() == best.role()) {
        role = generator_->Role(k);
        break;
      }
    }
    ASSERT_EQ(role.name(), best.role());
    role.mutable_openings()->set_now(role.openings().now() + 5);
    ASSERT_TRUE(index_->UpsertRole(role).ok());
    ASSERT_TRUE(
        ExplainPathway(*index_, policy_, explain, request.inline_profile(), today_, &after).ok());
    EXPECT_GT(after.pathway().score(), before.pathway().score());
    EXPECT_GT(after.pathway().openings(), before.pathway().openings());
    role.mutable_openings()->set_now(role.openings().now() - 5);
    ASSERT_TRUE(index_->UpsertRole(role).ok());
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

}  // namespace
}  // namespace pathways::matcher
