#include "services/matcher/match_index.h"

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/matcher/economy_fixture.h"

namespace pathways::matcher {
namespace {

using testing::CourseSpec;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeCourse;
using testing::MakeRole;
using testing::NewIndex;
using testing::RoleSpec;
using testing::Skill;

RoleSpec Porter(std::string name = "employers/kitchens/roles/porter") {
  RoleSpec spec;
  spec.name = std::move(name);
  spec.occupation = "kitchen porter";
  spec.essential = {{"clean surfaces", 2}, {"dispose waste", 2}};
  spec.optional = {{"handle glassware", 1}};
  return spec;
}

// The group of "clean surfaces", under which the tests' emerging skill sits.
GroupIndex CleaningGroup(const MatchIndex& index) {
  return index.NearestGroups(Skill("clean surfaces"))[0];
}

// Adds to `role` a basic-level emerging skill labelled `label` under
// CleaningGroup.
void AddEmergingSkill(const MatchIndex& index, std::string label,
                      demand::v1::SkillImportance importance, demand::v1::Role* role) {
  demand::v1::RequiredSkill* emerging = role->add_required_skills();
  emerging->mutable_skill()->set_level(common::v1::PROFICIENCY_BASIC);
  emerging->set_importance(importance);
  emerging->set_emerging_label(std::move(label));
  emerging->set_esco_group(testing::Taxonomy().GroupUri(CleaningGroup(index)));
}

CourseSpec Hygiene(std::string name = "providers/college/courses/hygiene") {
  CourseSpec spec;
  spec.name = std::move(name);
  spec.taught = {{"clean surfaces", 2}, {"comply with food safety and hygiene", 3}};
  spec.entry = {{"dispose waste", 1}};
  return spec;
}

TEST(MatchIndexTest, KeepsCompactRoles) {
  auto index = NewIndex();
  RoleSpec spec = Porter();
  spec.outcode = "m1 1ae";  // A full postcode is reduced to its district.
  ASSERT_TRUE(index->UpsertRole(MakeRole(spec)).ok());
  ASSERT_EQ(index->role_count(), 1u);
  std::optional<RoleId> id = index->FindRole("employers/kitchens/roles/porter");
  ASSERT_TRUE(id.has_value());
  const RoleEntry& role = index->role(*id);
  EXPECT_EQ(role.essential_count, 2);
  ASSERT_EQ(role.skills.size(), 3u);
  EXPECT_TRUE(role.skills[0].essential);
  EXPECT_FALSE(role.skills[2].essential);
  EXPECT_EQ(role.skills[2].key, Skill("handle glassware"));
  EXPECT_EQ(index->place(role.site).outcode, "M1");
  EXPECT_EQ(index->employer_name(role.employer), "employers/kitchens");
  EXPECT_EQ(role.annual_pay_pence, 2'500'000);
  ASSERT_EQ(index->RolesAt(role.site).size(), 1u);
  EXPECT_EQ(index->RolesAt(role.site)[0].id, *id);
  EXPECT_EQ(index->CommonEssentials(role.occupation).size(), 2u);
}

TEST(MatchIndexTest, HourlyPayIsAnnualised) {
  EXPECT_EQ(MatchIndex::AnnualPayPence(1200, 1400, demand::v1::PAY_PERIOD_HOURLY, 30),
            1300 * 30 * 52);
  EXPECT_EQ(MatchIndex::AnnualPayPence(2'000'000, 0, demand::v1::PAY_PERIOD_ANNUAL, 37), 2'000'000);
}

TEST(MatchIndexTest, RejectsWhatItCannotPlaceAndStaysUnchanged) {
  auto index = NewIndex();
  demand::v1::Role role = MakeRole(Porter());
  role.mutable_site()->set_outcode("ZZ99");
  absl::Status status = index->UpsertRole(role);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("role.site.outcode"));
  role = MakeRole(Porter());
  role.mutable_required_skills(1)->mutable_skill()->set_skill("not-a-skill");
  EXPECT_THAT(std::string(index->UpsertRole(role).message()),
              HasSubstr("role.required_skills[1].skill.skill"));
  role = MakeRole(Porter());
  role.set_name("roles/porter");
  EXPECT_FALSE(index->UpsertRole(role).ok());
  EXPECT_EQ(index->role_count(), 0u);
  EXPECT_EQ(index->employer_slots(), 0u);
}

TEST(MatchIndexTest, UpsertReplacesARole) {
  auto index = NewIndex();
  ASSERT_TRUE(index->UpsertRole(MakeRole(Porter())).ok());
  RoleSpec moved = Porter();
  moved.outcode = "BL1";
  moved.essential = {{"clean surfaces", 3}};
  ASSERT_TRUE(index->UpsertRole(MakeRole(moved)).ok());
  EXPECT_EQ(index->role_count(), 1u);
  const RoleEntry& role = index->role(*index->FindRole(moved.name));
  EXPECT_EQ(index->place(role.site).outcode, "BL1");
  EXPECT_EQ(role.essential_count, 1);
  EXPECT_EQ(role.skills[0].level, 3);
  for (PlaceId p = 0; p < index->place_count(); ++p) {
    if (index->place(p).outcode == "M1") {
      EXPECT_TRUE(index->RolesAt(p).empty());
    }
  }
  ASSERT_EQ(index->RolesOf(role.occupation).size(), 1u);
  EXPECT_EQ(index->RolesOf(role.occupation)[0].site, role.site);
}

TEST(MatchIndexTest, RemovingARoleLeavesNoTrace) {
  auto index = NewIndex();
  RoleSpec spec = Porter();
  demand::v1::Role role = MakeRole(spec);
  AddEmergingSkill(*index, "  Dish-Robot   Supervision ", demand::v1::SKILL_IMPORTANCE_OPTIONAL,
                   &role);
  ASSERT_TRUE(index->UpsertRole(role).ok());
  const GroupIndex group = CleaningGroup(*index);
  ASSERT_TRUE(index->FindEmerging(group, "dish-robot supervision").has_value());
  const OccupationIndex occupation = index->role(*index->FindRole(spec.name)).occupation;

  EXPECT_TRUE(index->RemoveRole(spec.name));
  EXPECT_FALSE(index->RemoveRole(spec.name));
  EXPECT_EQ(index->role_count(), 0u);
  EXPECT_FALSE(index->FindRole(spec.name).has_value());
  EXPECT_FALSE(index->FindEmerging(group, "dish-robot supervision").has_value());
  EXPECT_TRUE(index->CommonEssentials(occupation).empty());
  EXPECT_TRUE(index->RolesOf(occupation).empty());
  for (PlaceId p = 0; p < index->place_count(); ++p) EXPECT_TRUE(index->RolesAt(p).empty());
  for (uint32_t e = 0; e < index->employer_slots(); ++e) EXPECT_EQ(index->employer_name(e), "");
  for (uint32_t e = 0; e < index->emerging_slots(); ++e) {
    EXPECT_EQ(index->emerging(e).references, 0u);
    EXPECT_EQ(index->emerging(e).label, "");
  }
}

TEST(MatchIndexTest, IndexesCoursesBySkillGroupAndQualification) {
  auto index = NewIndex();
  ASSERT_TRUE(index->UpsertCourse(MakeCourse(Hygiene())).ok());
  const CourseId id = *index->FindCourse("providers/college/courses/hygiene");
  const CourseEntry& course = index->course(id);
  EXPECT_EQ(course.entry.size(), 1u);
  EXPECT_EQ(index->provider_name(course.provider), "providers/college");
  ASSERT_EQ(index->CoursesTeaching(Skill("clean surfaces")).size(), 1u);
  EXPECT_EQ(index->CoursesTeaching(Skill("clean surfaces"))[0].level, 2);
  EXPECT_TRUE(index->CoursesTeaching(Skill("dispose waste")).empty());  // Entry, not taught.
  for (GroupIndex g : index->GroupsAbove(Skill("clean surfaces"))) {
    EXPECT_EQ(index->CoursesTeachingUnder(g).size(), 1u);
  }
  ASSERT_EQ(index->CoursesAwarding(2).size(), 1u);

  training::v1::Provider provider;
  provider.set_name("providers/college");
  provider.set_display_name("Test College");
  ASSERT_TRUE(index->UpsertProvider(provider).ok());
  EXPECT_EQ(index->provider_display_name(course.provider), "Test College");
}

// Courses awarding a level are kept shortest first, through updates that
// change a course's length and removals.
TEST(MatchIndexTest, KeepsCoursesAwardingALevelShortestFirst) {
  auto index = NewIndex();
  auto upsert = [&](const std::string& id, int weeks) {
    CourseSpec spec = Hygiene("providers/college/courses/" + id);
    spec.rqf_awarded = 3;
    spec.weeks = weeks;
    ASSERT_TRUE(index->UpsertCourse(MakeCourse(spec)).ok());
  };
  auto order = [&] {
    std::vector<std::string> names;
    for (CourseId id : index->CoursesAwarding(3)) names.push_back(index->course(id).name);
    return names;
  };
  upsert("a", 30);
  upsert("b", 10);
  upsert("c", 20);
  upsert("d", 20);
  EXPECT_THAT(order(), ElementsAre("providers/college/courses/b", "providers/college/courses/c",
                                   "providers/college/courses/d", "providers/college/courses/a"));
  upsert("b", 40);
  EXPECT_THAT(order(), ElementsAre("providers/college/courses/c", "providers/college/courses/d",
                                   "providers/college/courses/a", "providers/college/courses/b"));
  ASSERT_TRUE(index->RemoveCourse("providers/college/courses/d"));
  EXPECT_THAT(order(), ElementsAre("providers/college/courses/c", "providers/college/courses/a",
                                   "providers/college/courses/b"));
}

TEST(MatchIndexTest, RemovingACourseLeavesNoTrace) {
  auto index = NewIndex();
  ASSERT_TRUE(index->UpsertCourse(MakeCourse(Hygiene())).ok());
  EXPECT_THAT(index->CoursesNeedingEntry(Skill("dispose waste")),
              ElementsAre(*index->FindCourse("providers/college/courses/hygiene")));
  ASSERT_TRUE(index->RemoveCourse("providers/college/courses/hygiene"));
  EXPECT_EQ(index->course_count(), 0u);
  EXPECT_TRUE(index->CoursesNeedingEntry(Skill("dispose waste")).empty());
  EXPECT_FALSE(index->FindCourse("providers/college/courses/hygiene").has_value());
  EXPECT_TRUE(index->CoursesTeaching(Skill("clean surfaces")).empty());
  for (GroupIndex g = 0; g < testing::Taxonomy().group_count(); ++g) {
    EXPECT_TRUE(index->CoursesTeachingUnder(g).empty());
  }
  for (int r = 0; r <= 8; ++r) EXPECT_TRUE(index->CoursesAwarding(r).empty());
  // The provider had no record of its own, so it is gone too.
  EXPECT_EQ(index->provider_name(0), "");
  // The slot is reused.
  ASSERT_TRUE(index->UpsertCourse(MakeCourse(Hygiene("providers/other/courses/x"))).ok());
  EXPECT_EQ(index->course_slots(), 1u);
}

TEST(MatchIndexTest, TakingUpAPlaceLeavesWhatCoursesOfferAsItWas) {
  auto index = NewIndex();
  CourseSpec spec = Hygiene();
  spec.places = 12;
  uint64_t generation = 0;
  // Whether the upsert changed what the course offers.
  auto changed = [&](const CourseSpec& s) {
    EXPECT_TRUE(index->UpsertCourse(MakeCourse(s)).ok());
    const bool moved = index->course_generation() != generation;
    generation = index->course_generation();
    return moved;
  };
  EXPECT_TRUE(changed(spec));
  spec.places = 11;
  EXPECT_FALSE(changed(spec));
  EXPECT_EQ(index->course(*index->FindCourse(spec.name)).places, 11);
  spec.title = "Food hygiene, level 2";
  EXPECT_FALSE(changed(spec));
  spec.places = 0;  // Full: no longer offered.
  EXPECT_TRUE(changed(spec));
  spec.places = 3;
  EXPECT_TRUE(changed(spec));
  spec.weeks += 1;
  EXPECT_TRUE(changed(spec));
  spec.starts = {testing::Date(2026, 1, 5)};
  EXPECT_TRUE(changed(spec));
  spec.cost_pence += 100;
  EXPECT_TRUE(changed(spec));
  spec.entry.clear();
  EXPECT_TRUE(changed(spec));
  spec.taught[0].level = 3;
  EXPECT_TRUE(changed(spec));
  EXPECT_TRUE(index->RemoveCourse(spec.name));
  EXPECT_NE(index->course_generation(), generation);
}

// A change to what a course offers moves on the generations of the skills
// it taught and teaches, and the counts of the signatures needing one of
// them (or an emerging skill under their groups), and nothing else.
TEST(MatchIndexTest, ChangingACourseMovesOnWhatItsSkillsAndTheirSignaturesOffer) {
  auto index = NewIndex();
  RoleSpec porter = Porter("employers/a/roles/porter");
  RoleSpec waste = Porter("employers/b/roles/waste");
  waste.essential = {{"dispose waste", 2}};
  // Needs an emerging skill under the group of "clean surfaces", and
  // "dispose waste".
  demand::v1::Role robots = MakeRole(waste);
  robots.set_name("employers/c/roles/robots");
  AddEmergingSkill(*index, "Dish robot supervision", demand::v1::SKILL_IMPORTANCE_ESSENTIAL,
                   &robots);
  ASSERT_TRUE(index->UpsertRole(MakeRole(porter)).ok());
  ASSERT_TRUE(index->UpsertRole(MakeRole(waste)).ok());
  ASSERT_TRUE(index->UpsertRole(robots).ok());
  const uint32_t porter_id = index->role(*index->FindRole(porter.name)).signature_id;
  const uint32_t waste_id = index->role(*index->FindRole(waste.name)).signature_id;
  const uint32_t robots_id = index->role(*index->FindRole(robots.name())).signature_id;
  const std::vector<SkillIndex> skills = {Skill("clean surfaces"),
                                          Skill("comply with food safety and hygiene"),
                                          Skill("dispose waste"), Skill("handle glassware")};
  const std::vector<uint32_t> signatures = {porter_id, waste_id, robots_id};
  std::vector<uint64_t> skill_generation(skills.size());
  std::vector<uint32_t> signature_count(signatures.size());
  // Which of `skills`, then of `signatures`, moved on since the last call.
  auto moved = [&] {
    std::string out;
    for (size_t i = 0; i < skills.size(); ++i) {
      const uint64_t g = index->skill_offer_generation(skills[i]);
      if (g != skill_generation[i]) out += "s" + std::to_string(i);
      skill_generation[i] = g;
    }
    for (size_t i = 0; i < signatures.size(); ++i) {
      const uint32_t n = index->signature_offer_count(signatures[i]);
      if (n != signature_count[i]) out += "r" + std::to_string(i);
      signature_count[i] = n;
    }
    return out;
  };
  moved();
  EXPECT_EQ(moved(), "");
  // Teaches "clean surfaces" and food safety: the porter's signature needs
  // the first, and the robots' emerging skill is under its group.
  CourseSpec hygiene = Hygiene();
  ASSERT_TRUE(index->UpsertCourse(MakeCourse(hygiene)).ok());
  EXPECT_EQ(moved(), "s0s1r0r2");
  const uint64_t offered = index->course(*index->FindCourse(hygiene.name)).offer_generation;
  hygiene.places = 5;  // Taking up places changes nothing offered.
  ASSERT_TRUE(index->UpsertCourse(MakeCourse(hygiene)).ok());
  EXPECT_EQ(moved(), "");
  EXPECT_EQ(index->course(*index->FindCourse(hygiene.name)).offer_generation, offered);
  hygiene.cost_pence += 100;
  ASSERT_TRUE(index->UpsertCourse(MakeCourse(hygiene)).ok());
  EXPECT_EQ(moved(), "s0s1r0r2");
  EXPECT_NE(index->course(*index->FindCourse(hygiene.name)).offer_generation, offered);
  // Teaches "dispose waste" instead of food safety: the skill it no longer
  // teaches moves on too, and every signature needing one of them.
  hygiene.taught = {{"clean surfaces", 2}, {"dispose waste", 2}};
  ASSERT_TRUE(index->UpsertCourse(MakeCourse(hygiene)).ok());
  EXPECT_EQ(moved(), "s0s1s2r0r1r2");
  // An entry skill is not something the course teaches.
  hygiene.taught = {{"handle glassware", 2}};
  ASSERT_TRUE(index->UpsertCourse(MakeCourse(hygiene)).ok());
  EXPECT_EQ(moved(), "s0s2s3r0r1r2");
  ASSERT_TRUE(index->RemoveCourse(hygiene.name));
  EXPECT_EQ(moved(), "s3");
}

TEST(MatchIndexTest, CommonEssentialsAreThoseEveryRoleNeeds) {
  auto index = NewIndex();
  RoleSpec a = Porter("employers/a/roles/porter");
  RoleSpec b = Porter("employers/b/roles/porter");
  b.essential = {{"clean surfaces", 1}, {"handle glassware", 2}};
  ASSERT_TRUE(index->UpsertRole(MakeRole(a)).ok());
  ASSERT_TRUE(index->UpsertRole(MakeRole(b)).ok());
  const OccupationIndex occupation = index->role(*index->FindRole(a.name)).occupation;
  std::span<const RequiredSkillEntry> common = index->CommonEssentials(occupation);
  ASSERT_EQ(common.size(), 1u);
  EXPECT_EQ(common[0].key, Skill("clean surfaces"));
  EXPECT_EQ(common[0].level, 1);  // The lowest level any role asks for.
  index->RemoveRole(b.name);
  EXPECT_EQ(index->CommonEssentials(occupation).size(), 2u);
}

TEST(MatchIndexTest, RecallsTheOccupationsWhoseRolesChanged) {
  auto index = NewIndex();
  auto other = NewIndex();
  std::vector<OccupationIndex> changed = {7};
  const uint64_t empty = index->role_generation();
  EXPECT_TRUE(index->OccupationsChangedSince(empty, &changed));
  EXPECT_TRUE(changed.empty());
  // Never this index's.
  EXPECT_FALSE(index->OccupationsChangedSince(other->role_generation(), &changed));
  EXPECT_FALSE(index->OccupationsChangedSince(empty + 1000, &changed));

  ASSERT_TRUE(index->UpsertRole(MakeRole(Porter())).ok());
  const OccupationIndex porter = index->role(*index->FindRole(Porter().name)).occupation;
  const uint64_t one_porter = index->role_generation();
  const uint32_t porter_changes = index->occupation_change_count(porter);
  RoleSpec cook = Porter("employers/kitchens/roles/cook");
  cook.occupation = "cook";
  ASSERT_TRUE(index->UpsertRole(MakeRole(cook)).ok());
  const OccupationIndex cook_occupation = index->role(*index->FindRole(cook.name)).occupation;
  RoleSpec second = Porter("employers/kitchens/roles/second-porter");
  ASSERT_TRUE(index->UpsertRole(MakeRole(second)).ok());
  EXPECT_EQ(index->occupation_change_count(porter), porter_changes + 1);
  ASSERT_TRUE(index->OccupationsChangedSince(one_porter, &changed));
  EXPECT_EQ(changed, (std::vector<OccupationIndex>{std::min(porter, cook_occupation),
                                                   std::max(porter, cook_occupation)}));
  ASSERT_TRUE(index->OccupationsChangedSince(empty, &changed));
  EXPECT_EQ(changed.size(), 2u);  // Each once.

  // A role that moves occupation changes both.
  const uint64_t before_move = index->role_generation();
  second.occupation = "cook";
  ASSERT_TRUE(index->UpsertRole(MakeRole(second)).ok());
  ASSERT_TRUE(index->OccupationsChangedSince(before_move, &changed));
  EXPECT_EQ(changed.size(), 2u);
  EXPECT_EQ(index->RolesOf(porter).size(), 1u);
  EXPECT_EQ(index->RolesOf(cook_occupation).size(), 2u);
  EXPECT_TRUE(index->OccupationsChangedSince(index->role_generation(), &changed));
  EXPECT_TRUE(changed.empty());

  // Only the last kRoleChangesRecalled changes are recalled.
  const uint64_t long_ago = index->role_generation();
  for (size_t k = 0; k < MatchIndex::kRoleChangesRecalled; ++k) {
    ASSERT_TRUE(index->UpsertRole(MakeRole(cook)).ok());  // Two changes each.
  }
  EXPECT_FALSE(index->OccupationsChangedSince(long_ago, &changed));
  EXPECT_FALSE(index->OccupationsChangedSince(empty, &changed));
  ASSERT_TRUE(index->OccupationsChangedSince(index->role_generation(), &changed));
}

TEST(MatchIndexTest, SignaturesIgnoreOrderAndOptionalSkills) {
  auto index = NewIndex();
  RoleSpec a = Porter("employers/a/roles/porter");
  RoleSpec b = Porter("employers/b/roles/porter");
  std::reverse(b.essential.begin(), b.essential.end());
  b.optional.clear();
  RoleSpec c = Porter("employers/c/roles/porter");
  c.essential.pop_back();
  ASSERT_TRUE(index->UpsertRole(MakeRole(a)).ok());
  ASSERT_TRUE(index->UpsertRole(MakeRole(b)).ok());
  ASSERT_TRUE(index->UpsertRole(MakeRole(c)).ok());
  // References into the index are taken after the last change.
  const RoleEntry& ra = index->role(*index->FindRole(a.name));
  const RoleEntry& rb = index->role(*index->FindRole(b.name));
  const RoleEntry& rc = index->role(*index->FindRole(c.name));
  EXPECT_EQ(ra.signature, rb.signature);
  EXPECT_EQ(ra.signature_id, rb.signature_id);
  EXPECT_NE(rc.signature, ra.signature);
  EXPECT_NE(ra.signature_id, rc.signature_id);
}

TEST(MatchIndexTest, KnowsTheSignaturesNeedingEachEssentialSkill) {
  auto index = NewIndex();
  RoleSpec a = Porter("employers/a/roles/porter");
  RoleSpec b = Porter("employers/b/roles/porter");
  RoleSpec c = Porter("employers/c/roles/porter");
  c.essential.pop_back();  // Without "dispose waste".
  demand::v1::Role with_emerging = MakeRole(c);
  AddEmergingSkill(*index, "Dish robot supervision", demand::v1::SKILL_IMPORTANCE_ESSENTIAL,
                   &with_emerging);
  const GroupIndex group = CleaningGroup(*index);
  ASSERT_TRUE(index->UpsertRole(MakeRole(a)).ok());
  ASSERT_TRUE(index->UpsertRole(MakeRole(b)).ok());
  ASSERT_TRUE(index->UpsertRole(with_emerging).ok());
  const uint32_t shared = index->role(*index->FindRole(a.name)).signature_id;
  const uint32_t own = index->role(*index->FindRole(c.name)).signature_id;
  const SkillKey robots = EmergingKey(*index->FindEmerging(group, "dish robot supervision"));
  auto sorted = [](std::span<const uint32_t> ids) {
    std::vector<uint32_t> v(ids.begin(), ids.end());
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(index->SignaturesRequiring(Skill("clean surfaces"))),
            sorted(std::vector<uint32_t>{shared, own}));
  EXPECT_THAT(index->SignaturesRequiring(Skill("dispose waste")), ElementsAre(shared));
  EXPECT_THAT(index->SignaturesRequiring(robots), ElementsAre(own));
  // Optional skills do not make a signature.
  EXPECT_TRUE(index->SignaturesRequiring(Skill("handle glassware")).empty());

  // A signature stays while a role has it.
  ASSERT_TRUE(index->RemoveRole(a.name));
  EXPECT_THAT(index->SignaturesRequiring(Skill("dispose waste")), ElementsAre(shared));
  ASSERT_TRUE(index->RemoveRole(b.name));
  EXPECT_TRUE(index->SignaturesRequiring(Skill("dispose waste")).empty());
  EXPECT_THAT(index->SignaturesRequiring(Skill("clean surfaces")), ElementsAre(own));
  ASSERT_TRUE(index->RemoveRole(c.name));
  EXPECT_TRUE(index->SignaturesRequiring(Skill("clean surfaces")).empty());
  EXPECT_TRUE(index->SignaturesRequiring(robots).empty());
}

TEST(MatchIndexTest, FoldsEmergingLabels) {
  EXPECT_EQ(taxonomy::FoldLabel("  Heat  Pump\tCommissioning "), "heat pump commissioning");
}

}  // namespace
}  // namespace pathways::matcher
