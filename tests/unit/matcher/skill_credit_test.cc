#include "services/matcher/skill_credit.h"

#include "gtest/gtest.h"
#include "tests/unit/matcher/economy_fixture.h"

namespace pathways::matcher {
namespace {

using testing::NewIndex;
using testing::Skill;

class SkillCreditTest : public ::testing::Test {
 protected:
  SkillCreditTest() : index_(NewIndex()) {}

  PersonSkills Person(std::vector<HeldSkill> skills, std::vector<HeldEmerging> emerging = {}) {
    return PersonSkills(*index_, std::move(skills), std::move(emerging));
  }

  // A skill with a direct broader skill, and a sibling under that broader
  // skill, read from ESCO.
  void FindFamily(SkillIndex* child, SkillIndex* parent, SkillIndex* sibling) {
    const taxonomy::Taxonomy& tax = testing::Taxonomy();
    for (SkillIndex s = 0; s < tax.skill_count(); ++s) {
      if (tax.Broader(s).size() != 1) continue;
      SkillIndex p = tax.Broader(s)[0];
      for (SkillIndex n : tax.Narrower(p)) {
        if (n != s) {
          *child = s;
          *parent = p;
          *sibling = n;
          return;
        }
      }
    }
    FAIL() << "no skill with a sibling";
  }

  std::unique_ptr<MatchIndex> index_;
  CreditPolicy policy_;
};

TEST_F(SkillCreditTest, SameSkillAtOrAboveTheLevelIsExact) {
  PersonSkills person = Person({{Skill("clean surfaces"), 3}});
  Credit credit = person.CreditFor(Skill("clean surfaces"), 2, policy_);
  EXPECT_EQ(credit.value, 1.0);
  EXPECT_EQ(credit.kind, v1::MATCH_KIND_EXACT);
  EXPECT_EQ(credit.from_skill, static_cast<int32_t>(Skill("clean surfaces")));
}

TEST_F(SkillCreditTest, LowerLevelsEarnAShareEachLevelShort) {
  PersonSkills person = Person({{Skill("clean surfaces"), 1}});
  Credit one_short = person.CreditFor(Skill("clean surfaces"), 2, policy_);
  EXPECT_DOUBLE_EQ(one_short.value, 0.5);
  EXPECT_EQ(one_short.kind, v1::MATCH_KIND_LOWER_LEVEL);
  EXPECT_DOUBLE_EQ(person.CreditFor(Skill("clean surfaces"), 3, policy_).value, 0.25);
  CreditPolicy generous;
  generous.lower_level = 0.99;  // Above the cap: still partial.
  EXPECT_LT(person.CreditFor(Skill("clean surfaces"), 2, generous).value, 1.0);
}

TEST_F(SkillCreditTest, BroaderAndSiblingSkillsArePartialAndCapped) {
  SkillIndex child, parent, sibling;
  FindFamily(&child, &parent, &sibling);
  CreditPolicy greedy;
  greedy.related_broader = 0.9;  // Capped at 0.5 whatever the policy says.
  greedy.related_sibling = 0.9;

  Credit broader = Person({{parent, 4}}).CreditFor(child, 2, greedy);
  EXPECT_EQ(broader.kind, v1::MATCH_KIND_RELATED_BROADER);
  EXPECT_DOUBLE_EQ(broader.value, 0.5);
  EXPECT_EQ(broader.from_skill, static_cast<int32_t>(parent));

  Credit near = Person({{sibling, 4}}).CreditFor(child, 2, greedy);
  EXPECT_EQ(near.kind, v1::MATCH_KIND_RELATED_SIBLING);
  EXPECT_DOUBLE_EQ(near.value, 0.5);
  EXPECT_EQ(near.from_skill, static_cast<int32_t>(sibling));

  Credit defaults = Person({{sibling, 2}}).CreditFor(child, 2, policy_);
  EXPECT_DOUBLE_EQ(defaults.value, policy_.related_sibling);
  // A related skill held below the level counts for less again.
  EXPECT_DOUBLE_EQ(Person({{sibling, 1}}).CreditFor(child, 2, policy_).value,
                   policy_.related_sibling * policy_.lower_level);
}

TEST_F(SkillCreditTest, TheBestCreditWins) {
  SkillIndex child, parent, sibling;
  FindFamily(&child, &parent, &sibling);
  Credit credit = Person({{parent, 2}, {child, 1}}).CreditFor(child, 2, policy_);
  EXPECT_EQ(credit.kind, v1::MATCH_KIND_LOWER_LEVEL);  // 0.5 beats broader 0.4.
}

TEST_F(SkillCreditTest, UnrelatedSkillsEarnNothing) {
  Credit credit = Person({{Skill("sand wood"), 4}}).CreditFor(Skill("debug software"), 1, policy_);
  EXPECT_EQ(credit.value, 0.0);
  EXPECT_EQ(credit.kind, v1::MATCH_KIND_NONE);
  EXPECT_EQ(credit.from_skill, -1);
}

TEST_F(SkillCreditTest, EmergingSkillsMatchByGroupAndFoldedLabel) {
  // Register an emerging skill through a role.
  const GroupIndex group = index_->NearestGroups(Skill("clean surfaces"))[0];
  demand::v1::Role role = testing::MakeRole({.name = "employers/e/roles/r",
                                             .occupation = "kitchen porter",
                                             .essential = {{"clean surfaces", 2}}});
  demand::v1::RequiredSkill* e = role.add_required_skills();
  e->mutable_skill()->set_level(common::v1::PROFICIENCY_INTERMEDIATE);
  e->set_importance(demand::v1::SKILL_IMPORTANCE_ESSENTIAL);
  e->set_emerging_label("Robot Dishwasher Care");
  e->set_esco_group(testing::Taxonomy().GroupUri(group));
  ASSERT_TRUE(index_->UpsertRole(role).ok());
  const SkillKey key = EmergingKey(*index_->FindEmerging(group, "robot dishwasher care"));

  Credit same = Person({}, {{group, "robot  dishwasher CARE", "robot dishwasher care", 2}})
                    .CreditFor(key, 2, policy_);
  EXPECT_EQ(same.kind, v1::MATCH_KIND_EXACT);
  EXPECT_EQ(same.from_emerging, 0);

  Credit other =
      Person({}, {{group, "robot mop care", "robot mop care", 2}}).CreditFor(key, 2, policy_);
  EXPECT_EQ(other.kind, v1::MATCH_KIND_RELATED_SIBLING);
  EXPECT_LT(other.value, 1.0);

  Credit in_group = Person({{Skill("clean surfaces"), 3}}).CreditFor(key, 2, policy_);
  EXPECT_EQ(in_group.kind, v1::MATCH_KIND_RELATED_SIBLING);
  EXPECT_DOUBLE_EQ(in_group.value, policy_.related_sibling);

  EXPECT_EQ(Person({{Skill("debug software"), 3}}).CreditFor(key, 2, policy_).value, 0.0);
}

}  // namespace
}  // namespace pathways::matcher
