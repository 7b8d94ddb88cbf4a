#include "services/matcher/explainer.h"

#include <string>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/matcher/economy_fixture.h"

namespace pathways::matcher {
namespace {

using ::testing::Contains;
using testing::CourseSpec;
using ::testing::HasSubstr;
using testing::MakeCourse;
using testing::MakeProfile;
using testing::MakeRole;
using ::testing::Not;
using testing::PersonSpec;
using testing::RoleSpec;

constexpr char kRole[] = "employers/kitchens/roles/porter";
constexpr char kBasic[] = "providers/college/courses/basic";
constexpr char kHygiene[] = "providers/college/courses/hygiene";

class ExplainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    index_ = testing::NewIndex();
    RoleSpec role;
    role.name = kRole;
    role.occupation = "kitchen porter";
    role.outcode = "M4";
    role.essential = {{"clean surfaces", 2}, {"dispose waste", 2}, {"handle glassware", 2}};
    role.optional = {{"clean kitchen equipment", 2}};
    role.openings_now = 2;
    role.in_1_year = 1;
    role.in_2_years = 1;
    ASSERT_TRUE(index_->UpsertRole(MakeRole(role)).ok());

    CourseSpec basic;
    basic.name = kBasic;
    basic.title = "Waste handling basics";
    basic.taught = {{"dispose waste", 2}};
    basic.weeks = 4;
    ASSERT_TRUE(index_->UpsertCourse(MakeCourse(basic)).ok());
    CourseSpec hygiene;
    hygiene.name = kHygiene;
    hygiene.title = "Kitchen hygiene";
    hygiene.taught = {{"handle glassware", 2}};
    hygiene.entry = {{"dispose waste", 2}};
    hygiene.weeks = 12;
    hygiene.cost_pence = 50'000;
    hygiene.funding = {training::v1::FUNDING_FREE_UNDER_19};
    ASSERT_TRUE(index_->UpsertCourse(MakeCourse(hygiene)).ok());
    training::v1::Provider college;
    college.set_name("providers/college");
    college.set_display_name("Irwell Test College");
    ASSERT_TRUE(index_->UpsertProvider(college).ok());
  }

  v1::ExplainPathwayResponse Explain(const PersonSpec& person, std::vector<std::string> courses,
                                     v1::PathwayFilters filters = {}) {
    v1::ExplainPathwayRequest request;
    request.set_role(kRole);
    for (const std::string& c : courses) request.add_courses(c);
    *request.mutable_filters() = filters;
    v1::ExplainPathwayResponse response;
    absl::Status status =
        ExplainPathway(*index_, policy_, request, MakeProfile(person), testing::Today(), &response);
    EXPECT_TRUE(status.ok()) << status;
    return response;
  }

  std::unique_ptr<MatchIndex> index_;
  Policy policy_;
};

TEST_F(ExplainerTest, TellsTheWholePathwayInPlainEnglish) {
  v1::ExplainPathwayResponse response = Explain({.skills = {{"clean surfaces", 3}}}, {});
  ASSERT_TRUE(response.feasible());
  const std::string text = absl::StrJoin(response.explanation(), "\n");
  EXPECT_THAT(text, HasSubstr("kitchen porter at Test Employer Ltd is work as a kitchen porter"));
  EXPECT_THAT(text, HasSubstr("You already have clean surfaces, which this job needs."));
  EXPECT_THAT(text, HasSubstr("Step 1: Waste handling basics at Irwell Test College (4 weeks, "
                              "full time, in M1"));
  EXPECT_THAT(text, HasSubstr("teaches dispose waste, which you need."));
  EXPECT_THAT(text, HasSubstr("It also gives you dispose waste, which you need before you can "
                              "start step 2."));
  EXPECT_THAT(text, HasSubstr("Step 2: Kitchen hygiene at Irwell Test College (12 weeks"));
  EXPECT_THAT(text, HasSubstr("free for you because you are under 19) teaches handle glassware"));
  EXPECT_THAT(text, HasSubstr("You could be ready to apply by"));
  EXPECT_THAT(text, HasSubstr("It would also help to have clean kitchen equipment"));
  EXPECT_THAT(text, HasSubstr("This job is in demand: 3 openings expected within 5 years within "
                              "20 km of home."));
  EXPECT_THAT(text, HasSubstr("Overall this scores"));
  EXPECT_THAT(text, Not(HasSubstr("http")));
  EXPECT_THAT(text, Not(HasSubstr("providers/")));
  EXPECT_EQ(response.pathway().rank(), 0);
  EXPECT_GT(response.pathway().score(), 0);
  EXPECT_EQ(response.pathway().steps_size(), 2);
}

TEST_F(ExplainerTest, GivenCoursesInTheWrongOrderAreInfeasible) {
  v1::ExplainPathwayResponse response =
      Explain({.skills = {{"clean surfaces", 3}}}, {kHygiene, kBasic});
  EXPECT_FALSE(response.feasible());
  EXPECT_EQ(response.pathway().score(), 0);
  EXPECT_THAT(response.explanation(),
              Contains(HasSubstr("Kitchen hygiene needs you to have dispose waste before you "
                                 "start, and no earlier step teaches it.")));
}

TEST_F(ExplainerTest, SaysWhatNoCourseTeaches) {
  ASSERT_TRUE(index_->RemoveCourse(kHygiene));
  v1::ExplainPathwayResponse response = Explain({.skills = {{"clean surfaces", 3}}}, {});
  EXPECT_FALSE(response.feasible());
  EXPECT_THAT(response.explanation(),
              Contains(HasSubstr("No course within 20 km that you could take teaches handle "
                                 "glassware")));
}

TEST_F(ExplainerTest, FiltersThatExcludeTheRoleMakeItInfeasible) {
  v1::PathwayFilters filters;
  filters.set_max_travel_km(0);  // Home district only; the role is in M4.
  v1::ExplainPathwayResponse response = Explain({.skills = {{"clean surfaces", 3}}}, {}, filters);
  EXPECT_FALSE(response.feasible());
  EXPECT_THAT(response.explanation(),
              Contains(HasSubstr("further than the 0.0 km you can travel")));
}

TEST_F(ExplainerTest, PartialCreditIsExplainedAsPartial) {
  v1::ExplainPathwayResponse response =
      Explain({.skills = {{"clean surfaces", 1}, {"dispose waste", 2}}}, {});
  EXPECT_THAT(response.explanation(),
              Contains(HasSubstr("You have clean surfaces, but not yet at the level this job "
                                 "needs")));
}

TEST_F(ExplainerTest, UnknownRoleOrCourseIsNotFound) {
  v1::ExplainPathwayRequest request;
  request.set_role("employers/kitchens/roles/nobody");
  v1::ExplainPathwayResponse response;
  EXPECT_EQ(ExplainPathway(*index_, policy_, request, MakeProfile({}), testing::Today(), &response)
                .code(),
            absl::StatusCode::kNotFound);
  request.set_role(kRole);
  request.add_courses("providers/college/courses/nothing");
  EXPECT_EQ(ExplainPathway(*index_, policy_, request, MakeProfile({}), testing::Today(), &response)
                .code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace pathways::matcher
