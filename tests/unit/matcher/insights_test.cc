// SkillGaps and GetProvisionGaps.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/matcher/provision_gaps.h"
#include "services/matcher/skill_gaps.h"
#include "tests/unit/matcher/economy_fixture.h"

namespace pathways::matcher {
namespace {

using testing::CourseSpec;
using ::testing::ElementsAre;
using testing::MakeCourse;
using testing::MakeProfile;
using testing::MakeRole;
using testing::RoleSpec;
using testing::SkillUri;
using ::testing::UnorderedElementsAre;

class InsightsTest : public ::testing::Test {
 protected:
  void SetUp() override { index_ = testing::NewIndex(); }

  void Porter(const std::string& employer, const std::string& outcode, int openings,
              std::vector<testing::SkillSpec> essential) {
    RoleSpec role;
    role.name = "employers/" + employer + "/roles/porter";
    role.occupation = "kitchen porter";
    role.outcode = outcode;
    role.essential = std::move(essential);
    role.openings_now = openings;
    ASSERT_TRUE(index_->UpsertRole(MakeRole(role)).ok());
  }
  void Course(const std::string& id, std::vector<testing::SkillSpec> taught,
              const std::string& outcode = "M1") {
    CourseSpec course;
    course.name = "providers/college/courses/" + id;
    course.title = id;
    course.taught = std::move(taught);
    course.outcode = outcode;
    ASSERT_TRUE(index_->UpsertCourse(MakeCourse(course)).ok());
  }

  v1::GetProvisionGapsResponse Gaps(demand::v1::GroupBy group_by,
                                    v1::GapKind kind = v1::GAP_KIND_DEMAND_WITHOUT_COURSE) {
    v1::GetProvisionGapsRequest request;
    request.set_horizon(demand::v1::HORIZON_FIVE_YEARS);
    request.set_group_by(group_by);
    request.set_kind(kind);
    v1::GetProvisionGapsResponse response;
    absl::Status status = GetProvisionGaps(*index_, request, testing::Today(), &response);
    EXPECT_TRUE(status.ok()) << status;
    return response;
  }

  std::unique_ptr<MatchIndex> index_;
  Policy policy_;
};

TEST_F(InsightsTest, SkillGapsFindsTheCourseThatUnlocksMostWork) {
  Porter("a", "M1", 3, {{"clean surfaces", 2}, {"dispose waste", 2}});
  Porter("b", "M4", 1, {{"clean surfaces", 2}, {"dispose waste", 2}});
  Porter("c", "M4", 5, {{"clean surfaces", 2}, {"handle glassware", 2}});
  Course("both", {{"clean surfaces", 2}, {"dispose waste", 2}});
  Course("cleaning-only", {{"clean surfaces", 2}});
  Course("glassware", {{"handle glassware", 2}});

  v1::SkillGapsRequest request;
  v1::SkillGapsResponse response;
  ASSERT_TRUE(SkillGaps(*index_, policy_, request, MakeProfile({.skills = {{"clean surfaces", 2}}}),
                        testing::Today(), &response)
                  .ok());
  ASSERT_EQ(response.courses_size(), 2);
  // Glassware opens role c alone (5 openings); "both" opens a and b (4).
  EXPECT_EQ(response.courses(0).course(), "providers/college/courses/glassware");
  EXPECT_EQ(response.courses(0).roles_unlocked(), 1);
  EXPECT_DOUBLE_EQ(response.courses(0).demand_unlocked(), 5);
  EXPECT_EQ(response.courses(1).course(), "providers/college/courses/both");
  EXPECT_EQ(response.courses(1).roles_unlocked(), 2);
  ASSERT_EQ(response.courses(1).example_roles_size(), 2);
  EXPECT_EQ(response.courses(1).example_roles(0).role(), "employers/a/roles/porter");
  // It closes waste; cleaning the person has already.
  ASSERT_EQ(response.courses(1).skills_closed_size(), 1);
  EXPECT_EQ(response.courses(1).skills_closed(0).skill(), SkillUri("dispose waste"));
}

TEST_F(InsightsTest, DemandWithoutACourseBySkillSuppressesSmallCounts) {
  // Glassware is needed by six employers and taught nowhere; waste by two.
  for (int i = 0; i < 6; ++i) {
    Porter("glass-" + std::to_string(i), "M1", 2, {{"handle glassware", 2}});
  }
  Porter("waste-0", "M1", 4, {{"dispose waste", 2}});
  Porter("waste-1", "M1", 4, {{"dispose waste", 2}});
  Porter("taught", "M1", 9, {{"clean surfaces", 2}});
  Course("cleaning", {{"clean surfaces", 3}});

  v1::GetProvisionGapsResponse response = Gaps(demand::v1::GROUP_BY_SKILL);
  ASSERT_EQ(response.rows_size(), 2);
  EXPECT_EQ(response.rows(0).key(), SkillUri("handle glassware"));
  EXPECT_EQ(response.rows(0).label(), "handle glassware");
  EXPECT_EQ(response.rows(0).openings(), 12);
  EXPECT_EQ(response.rows(0).employer_count(), 6);
  EXPECT_FALSE(response.rows(0).suppressed());
  EXPECT_EQ(response.rows(1).key(), SkillUri("dispose waste"));
  EXPECT_TRUE(response.rows(1).suppressed());
  EXPECT_EQ(response.rows(1).openings(), 0);
  EXPECT_EQ(response.rows(1).employer_count(), 0);
}

TEST_F(InsightsTest, DemandWithoutACourseByOccupationAndArea) {
  for (int i = 0; i < 5; ++i) {
    Porter("e" + std::to_string(i), i < 3 ? "M1" : "M4", 1,
           {{"handle glassware", 2}, {"clean surfaces", 2}});
  }
  Course("cleaning", {{"clean surfaces", 2}});
  v1::GetProvisionGapsResponse by_occupation = Gaps(demand::v1::GROUP_BY_OCCUPATION);
  ASSERT_EQ(by_occupation.rows_size(), 1);
  EXPECT_EQ(by_occupation.rows(0).label(), "kitchen porter");
  EXPECT_EQ(by_occupation.rows(0).employer_count(), 5);
  EXPECT_THAT(by_occupation.rows(0).skills(), ElementsAre(SkillUri("handle glassware")));

  v1::GetProvisionGapsResponse by_area = Gaps(demand::v1::GROUP_BY_AREA);
  ASSERT_EQ(by_area.rows_size(), 2);
  for (const v1::ProvisionGap& row : by_area.rows()) EXPECT_TRUE(row.suppressed());
  EXPECT_EQ(by_area.rows(0).key(), "M1");
}

TEST_F(InsightsTest, CoursesWithoutDemand) {
  Porter("a", "M1", 1, {{"clean surfaces", 2}});
  Course("cleaning", {{"clean surfaces", 3}, {"sand wood", 2}});
  Course("wood", {{"sand wood", 2}}, "BL1");
  v1::GetProvisionGapsResponse by_skill =
      Gaps(demand::v1::GROUP_BY_SKILL, v1::GAP_KIND_COURSE_WITHOUT_DEMAND);
  ASSERT_EQ(by_skill.rows_size(), 1);
  EXPECT_EQ(by_skill.rows(0).key(), SkillUri("sand wood"));
  EXPECT_EQ(by_skill.rows(0).course_count(), 2);

  v1::GetProvisionGapsResponse by_area =
      Gaps(demand::v1::GROUP_BY_AREA, v1::GAP_KIND_COURSE_WITHOUT_DEMAND);
  std::vector<std::string> keys;
  for (const v1::ProvisionGap& row : by_area.rows()) keys.push_back(row.key());
  EXPECT_THAT(keys, UnorderedElementsAre("M1", "BL1"));

  v1::GetProvisionGapsRequest request;
  request.set_horizon(demand::v1::HORIZON_NOW);
  request.set_group_by(demand::v1::GROUP_BY_OCCUPATION);
  request.set_kind(v1::GAP_KIND_COURSE_WITHOUT_DEMAND);
  v1::GetProvisionGapsResponse response;
  EXPECT_EQ(GetProvisionGaps(*index_, request, testing::Today(), &response).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(InsightsTest, AreasLimitRolesAndCourses) {
  for (int i = 0; i < 5; ++i) Porter("m" + std::to_string(i), "M1", 1, {{"clean surfaces", 2}});
  Course("bolton-cleaning", {{"clean surfaces", 2}}, "BL1");
  v1::GetProvisionGapsRequest request;
  request.set_horizon(demand::v1::HORIZON_FIVE_YEARS);
  request.set_group_by(demand::v1::GROUP_BY_SKILL);
  request.mutable_area()->set_postcode_area("M");  // The Bolton course is not in M.
  v1::GetProvisionGapsResponse response;
  ASSERT_TRUE(GetProvisionGaps(*index_, request, testing::Today(), &response).ok());
  ASSERT_EQ(response.rows_size(), 1);
  EXPECT_EQ(response.rows(0).employer_count(), 5);
  request.mutable_area()->set_local_authority("E08000001");  // Bolton: no roles there.
  ASSERT_TRUE(GetProvisionGaps(*index_, request, testing::Today(), &response).ok());
  EXPECT_EQ(response.rows_size(), 0);
  request.clear_area();  // Everywhere: Bolton's course teaches it.
  ASSERT_TRUE(GetProvisionGaps(*index_, request, testing::Today(), &response).ok());
  EXPECT_EQ(response.rows_size(), 0);
}

TEST_F(InsightsTest, ProvisionGapsPage) {
  for (int i = 0; i < 5; ++i) {
    Porter("e" + std::to_string(i), "M1", 1,
           {{"handle glassware", 2}, {"clean surfaces", 2}, {"dispose waste", 2}});
  }
  v1::GetProvisionGapsRequest request;
  request.set_horizon(demand::v1::HORIZON_FIVE_YEARS);
  request.set_group_by(demand::v1::GROUP_BY_SKILL);
  request.set_page_size(2);
  v1::GetProvisionGapsResponse first, second;
  ASSERT_TRUE(GetProvisionGaps(*index_, request, testing::Today(), &first).ok());
  EXPECT_EQ(first.rows_size(), 2);
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  ASSERT_TRUE(GetProvisionGaps(*index_, request, testing::Today(), &second).ok());
  EXPECT_EQ(second.rows_size(), 1);
  EXPECT_TRUE(second.next_page_token().empty());
}

}  // namespace
}  // namespace pathways::matcher
