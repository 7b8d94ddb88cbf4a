#include "services/matcher/ranker.h"

#include <cmath>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/matcher/explainer.h"
#include "tests/unit/matcher/economy_fixture.h"

namespace pathways::matcher {
namespace {

using testing::CourseSpec;
using testing::EssentialSkillLabels;
using ::testing::HasSubstr;
using testing::MakeCourse;
using testing::MakeProfile;
using testing::MakeRole;
using testing::PersonSpec;
using testing::RoleSpec;
using testing::SkillSpec;

std::vector<SkillSpec> AtLevel(const std::vector<std::string>& labels, int level) {
  std::vector<SkillSpec> out;
  for (const std::string& l : labels) out.push_back({l, level});
  return out;
}

class RankerTest : public ::testing::Test {
 protected:
  RankerTest() : index_(testing::NewIndex()) {}

  void AddRole(const RoleSpec& spec) {
    ASSERT_TRUE(index_->UpsertRole(MakeRole(spec)).ok()) << spec.name;
  }
  void AddCourse(const CourseSpec& spec) {
    ASSERT_TRUE(index_->UpsertCourse(MakeCourse(spec)).ok()) << spec.name;
  }

  v1::RankPathwaysResponse Rank(const PersonSpec& person, v1::RankPathwaysRequest request = {}) {
    *request.mutable_inline_profile() = MakeProfile(person);
    v1::RankPathwaysResponse response;
    absl::Status status = RankPathways(*index_, policy_, request, request.inline_profile(),
                                       testing::Today(), &response);
    EXPECT_TRUE(status.ok()) << status;
    return response;
  }

  // A porter role and a course that closes its two skills.
  void PorterEconomy(const std::string& employer, const std::string& outcode = "M1",
                     int openings = 3) {
    RoleSpec role;
    role.name = "employers/" + employer + "/roles/porter";
    role.occupation = "kitchen porter";
    role.outcode = outcode;
    role.essential = {{"clean surfaces", 2}, {"dispose waste", 2}};
    role.openings_now = openings;
    AddRole(role);
  }

  std::unique_ptr<MatchIndex> index_;
  Policy policy_;
};

TEST_F(RankerTest, RanksReachableRolesWithEveryComponentAndCredit) {
  PorterEconomy("kitchens");
  CourseSpec course;
  course.name = "providers/college/courses/hygiene";
  course.title = "Kitchen hygiene";
  course.taught = {{"clean surfaces", 2}, {"dispose waste", 2}};
  course.weeks = 12;
  AddCourse(course);

  v1::RankPathwaysResponse response = Rank({});
  ASSERT_EQ(response.pathways_size(), 1);
  const v1::Pathway& p = response.pathways(0);
  EXPECT_EQ(p.rank(), 1);
  EXPECT_EQ(p.role(), "employers/kitchens/roles/porter");
  EXPECT_EQ(p.employer(), "employers/kitchens");
  EXPECT_EQ(p.occupation_label(), "kitchen porter");
  ASSERT_EQ(p.steps_size(), 1);
  EXPECT_EQ(p.steps(0).course(), course.name);
  EXPECT_EQ(p.steps(0).provider(), "providers/college");
  EXPECT_EQ(p.steps(0).skills_closed_size(), 2);
  EXPECT_EQ(p.weeks_to_ready(), 12);
  EXPECT_EQ(p.skill_credits_size(), 2);
  for (const v1::SkillCredit& credit : p.skill_credits()) {
    EXPECT_EQ(credit.matched_by(), v1::MATCH_KIND_COURSE);
    EXPECT_EQ(credit.closed_by_step(), 1);
    EXPECT_EQ(credit.credit_before(), 0);
    EXPECT_FALSE(credit.label().empty());
  }
  // The score is the product of the components raised to their weights.
  const v1::ScoreComponents& c = p.components();
  const double expected = std::pow(c.demand().value(), policy_.demand_weight) *
                          std::pow(c.pay().value(), policy_.pay_weight) *
                          std::pow(c.time().value(), policy_.time_weight) *
                          std::pow(c.cost().value(), policy_.cost_weight) *
                          std::pow(c.distance().value(), policy_.distance_weight) *
                          std::pow(c.interest().value(), policy_.interest_weight);
  EXPECT_NEAR(p.score(), expected, 1e-12);
  EXPECT_THAT(c.demand().reason(), HasSubstr("3 openings"));
  EXPECT_EQ(c.cost().reason(), "free");
  EXPECT_THAT(c.time().reason(), HasSubstr("12 weeks"));
  EXPECT_EQ(response.index_revision().role_count(), 1);
  EXPECT_TRUE(response.effective_weights().has_demand());
  EXPECT_TRUE(response.effective_weights().partial_credit().has_min_coverage());
}

TEST_F(RankerTest, RemovedRoleDisappears) {
  PorterEconomy("kitchens");
  PorterEconomy("canteen", "M4");
  PersonSpec ready{.skills = {{"clean surfaces", 2}, {"dispose waste", 2}}};
  EXPECT_EQ(Rank(ready).pathways_size(), 2);
  ASSERT_TRUE(index_->RemoveRole("employers/kitchens/roles/porter"));
  v1::RankPathwaysResponse response = Rank(ready);
  ASSERT_EQ(response.pathways_size(), 1);
  EXPECT_EQ(response.pathways(0).role(), "employers/canteen/roles/porter");
}

TEST_F(RankerTest, WoodworkerDoesNotMatchSoftwareDeveloper) {
  // Real ESCO occupations with their real essential skills.
  const std::vector<std::string> wood = EssentialSkillLabels("cabinet maker", 8);
  const std::vector<std::string> code = EssentialSkillLabels("software developer", 8);
  AddRole({.name = "employers/softco/roles/developer",
           .occupation = "software developer",
           .essential = AtLevel(code, 2),
           .annual_pay_pence = 4'000'000});
  AddRole({.name = "employers/joinery/roles/cabinet-maker",
           .occupation = "cabinet maker",
           .essential = AtLevel(wood, 2)});
  PersonSpec woodworker{.birth = testing::Date(2004, 6, 1), .skills = AtLevel(wood, 3), .rqf = 3};

  v1::RankPathwaysResponse response = Rank(woodworker);
  ASSERT_EQ(response.pathways_size(), 1);
  EXPECT_EQ(response.pathways(0).role(), "employers/joinery/roles/cabinet-maker");
  EXPECT_EQ(response.pathways(0).weeks_to_ready(), 0);

  // Explained anyway, the developer role does not work, and the woodworker's
  // skills earn next to nothing towards it.
  v1::ExplainPathwayRequest explain;
  explain.set_role("employers/softco/roles/developer");
  v1::ExplainPathwayResponse why;
  ASSERT_TRUE(
      ExplainPathway(*index_, policy_, explain, MakeProfile(woodworker), testing::Today(), &why)
          .ok());
  EXPECT_FALSE(why.feasible());
  EXPECT_EQ(why.pathway().score(), 0);
  double before = 0;
  for (const v1::SkillCredit& credit : why.pathway().skill_credits()) {
    EXPECT_NE(credit.matched_by(), v1::MATCH_KIND_EXACT);
    EXPECT_LE(credit.credit_before(), kMaxRelatedCredit);
    before += credit.credit_before();
  }
  EXPECT_LT(before / why.pathway().skill_credits_size(), 0.15);
}

TEST_F(RankerTest, AtMostMaxPerOccupation) {
  for (int i = 0; i < 5; ++i) PorterEconomy("kitchen-" + std::to_string(i), "M1", 1 + i);
  AddRole({.name = "employers/cafe/roles/barista",
           .occupation = "barista",
           .essential = {{"greet guests", 2}}});
  PersonSpec ready{.skills = {{"clean surfaces", 2}, {"dispose waste", 2}, {"greet guests", 2}}};
  v1::RankPathwaysRequest request;
  request.set_max_per_occupation(2);
  v1::RankPathwaysResponse response = Rank(ready, request);
  ASSERT_EQ(response.pathways_size(), 3);
  std::map<std::string, int> per_occupation;
  for (const v1::Pathway& p : response.pathways()) ++per_occupation[p.occupation_label()];
  EXPECT_EQ(per_occupation["kitchen porter"], 2);
  EXPECT_EQ(per_occupation["barista"], 1);
  for (int i = 1; i < response.pathways_size(); ++i) {
    EXPECT_GE(response.pathways(i - 1).score(), response.pathways(i).score());
  }
}

TEST_F(RankerTest, TiesAreBrokenByRoleName) {
  PorterEconomy("b-kitchens");
  PorterEconomy("a-kitchens");
  PersonSpec ready{.skills = {{"clean surfaces", 2}, {"dispose waste", 2}}};
  v1::RankPathwaysResponse response = Rank(ready);
  ASSERT_EQ(response.pathways_size(), 2);
  EXPECT_EQ(response.pathways(0).score(), response.pathways(1).score());
  EXPECT_EQ(response.pathways(0).role(), "employers/a-kitchens/roles/porter");
}

TEST_F(RankerTest, PagesThroughTopK) {
  for (int i = 0; i < 5; ++i) PorterEconomy("kitchen-" + std::to_string(i), "M1", 1 + i);
  PersonSpec ready{.skills = {{"clean surfaces", 2}, {"dispose waste", 2}}};
  v1::RankPathwaysRequest request;
  request.set_max_per_occupation(5);
  request.set_page_size(2);
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    v1::RankPathwaysResponse response = Rank(ready, request);
    for (const v1::Pathway& p : response.pathways()) {
      seen.push_back(p.role());
      EXPECT_EQ(p.rank(), static_cast<int>(seen.size()));
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(seen.size(), 5u);
  // Demand is the occupation's, so equal scores fall back on the name.
  EXPECT_EQ(seen.front(), "employers/kitchen-0/roles/porter");

  // A token is only good for the request it came from.
  request.set_top_k(3);
  v1::RankPathwaysResponse response;
  *request.mutable_inline_profile() = MakeProfile(ready);
  EXPECT_EQ(
      RankPathways(*index_, policy_, request, request.inline_profile(), testing::Today(), &response)
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(RankerTest, FiltersNarrowTheRoles) {
  PorterEconomy("kitchens");
  AddRole({.name = "employers/cafe/roles/barista-apprentice",
           .occupation = "barista",
           .essential = {{"greet guests", 2}},
           .emerging = true,
           .apprenticeship = true});
  PersonSpec ready{.skills = {{"clean surfaces", 2}, {"dispose waste", 2}, {"greet guests", 2}}};
  v1::RankPathwaysRequest request;
  request.mutable_filters()->set_emerging_only(true);
  EXPECT_EQ(Rank(ready, request).pathways_size(), 1);
  request.Clear();
  request.mutable_filters()->set_apprenticeship_only(true);
  EXPECT_EQ(Rank(ready, request).pathways(0).role(), "employers/cafe/roles/barista-apprentice");
  request.Clear();
  request.mutable_filters()->add_occupation_groups("94");  // Kitchen porters are 9412.
  v1::RankPathwaysResponse response = Rank(ready, request);
  ASSERT_EQ(response.pathways_size(), 1);
  EXPECT_EQ(response.pathways(0).occupation_label(), "kitchen porter");
  request.Clear();
  request.mutable_filters()->set_horizon(demand::v1::HORIZON_NOW);
  EXPECT_EQ(Rank(ready, request).pathways_size(), 2);
}

TEST_F(RankerTest, RolesBeyondTheTravelLimitAreLeftOut) {
  PorterEconomy("kitchens", "M1");
  PorterEconomy("london", "SW1A");
  PersonSpec ready{.skills = {{"clean surfaces", 2}, {"dispose waste", 2}}, .max_travel_km = 30};
  v1::RankPathwaysResponse response = Rank(ready);
  ASSERT_EQ(response.pathways_size(), 1);
  EXPECT_EQ(response.pathways(0).role(), "employers/kitchens/roles/porter");
}

TEST_F(RankerTest, EmergingRolesCountFutureOpeningsInFull) {
  RoleSpec now;
  now.name = "employers/a/roles/porter";
  now.occupation = "kitchen porter";
  now.essential = {{"clean surfaces", 2}};
  now.openings_now = 0;
  now.in_5_years = 10;
  AddRole(now);
  PersonSpec ready{.skills = {{"clean surfaces", 2}}};
  const double discounted = Rank(ready).pathways(0).openings();
  EXPECT_DOUBLE_EQ(discounted, 10 * policy_.discount_five_years);
  now.emerging = true;
  AddRole(now);
  EXPECT_DOUBLE_EQ(Rank(ready).pathways(0).openings(), 10);
}

TEST_F(RankerTest, ValidatesTheRequest) {
  v1::RankPathwaysRequest request;
  request.set_top_k(51);
  *request.mutable_inline_profile() = MakeProfile({});
  v1::RankPathwaysResponse response;
  absl::Status status = RankPathways(*index_, policy_, request, request.inline_profile(),
                                     testing::Today(), &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("top_k"));

  request.set_top_k(0);
  request.mutable_weights()->mutable_partial_credit()->set_related_sibling(0.9);
  status = RankPathways(*index_, policy_, request, request.inline_profile(), testing::Today(),
                        &response);
  EXPECT_THAT(std::string(status.message()), HasSubstr("weights.partial_credit.related_sibling"));

  request.clear_weights();
  request.mutable_inline_profile()->mutable_home()->set_outcode("XX1");
  status = RankPathways(*index_, policy_, request, request.inline_profile(), testing::Today(),
                        &response);
  EXPECT_THAT(std::string(status.message()), HasSubstr("inline_profile.home.outcode"));
}

TEST_F(RankerTest, WeightsOverrideThePolicy) {
  PorterEconomy("kitchens");
  PersonSpec ready{.skills = {{"clean surfaces", 2}, {"dispose waste", 2}}};
  v1::RankPathwaysRequest request;
  request.mutable_weights()->set_pay(0);
  request.mutable_weights()->set_demand(2);
  v1::RankPathwaysResponse response = Rank(ready, request);
  EXPECT_EQ(response.effective_weights().pay(), 0);
  EXPECT_EQ(response.effective_weights().demand(), 2);
  const v1::ScoreComponents& c = response.pathways(0).components();
  EXPECT_NEAR(response.pathways(0).score(),
              c.demand().value() * c.demand().value() * c.time().value() * c.cost().value() *
                  std::sqrt(c.distance().value()) * c.interest().value(),
              1e-12);
}

}  // namespace
}  // namespace pathways::matcher
