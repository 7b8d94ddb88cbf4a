#include "services/matcher/scoring.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/matcher/query.h"
#include "tests/unit/matcher/economy_fixture.h"

namespace pathways::matcher {
namespace {

using testing::MakeProfile;
using testing::Skill;

// The share of an occupation's ESCO essential skills that interests name,
// worked out skill by skill.
int NamedEssentialSkills(const MatchIndex& index, const Interests& in, OccupationIndex o) {
  int named = 0;
  for (SkillIndex skill : index.taxonomy().EssentialSkills(o)) {
    bool hit = std::binary_search(in.skills.begin(), in.skills.end(), skill);
    for (GroupIndex g : index.GroupsAbove(skill)) {
      hit = hit || std::binary_search(in.groups.begin(), in.groups.end(), g);
    }
    named += hit ? 1 : 0;
  }
  return named;
}

TEST(ScorerTest, InterestInSkillsCountsTheEssentialSkillsTheyName) {
  auto index = testing::NewIndex();
  const taxonomy::Taxonomy& tax = testing::Taxonomy();
  const OccupationIndex porter = *tax.FindOccupationByLabel("kitchen porter");
  const OccupationIndex developer = *tax.FindOccupationByLabel("software developer");
  const std::span<const SkillIndex> porter_skills = tax.EssentialSkills(porter);
  ASSERT_GE(porter_skills.size(), 3u);
  const GroupIndex group = index->NearestGroups(porter_skills[1])[0];

  // One scorer scratch for every query, as a server thread keeps one.
  ScorerScratch scratch;
  Policy policy;
  auto interest = [&](std::vector<std::string> skill_groups, OccupationIndex o, int* expected) {
    profiles::v1::Profile profile = MakeProfile({});
    for (std::string& uri : skill_groups) profile.mutable_interests()->add_skill_groups(uri);
    absl::StatusOr<Person> person = ResolvePerson(*index, profile, "profile");
    EXPECT_TRUE(person.ok()) << person.status();
    absl::StatusOr<Limits> limits = ResolveLimits({}, *person, policy, testing::Today(), "f");
    EXPECT_TRUE(limits.ok()) << limits.status();
    QueryContext query(*index, *person, *limits, policy);
    Scorer scorer(query, &scratch);
    *expected = NamedEssentialSkills(*index, person->interests, o);
    return scorer.Interest(o);
  };

  const std::vector<std::string> named = {tax.SkillUri(porter_skills[0]), tax.GroupUri(group)};
  int expected = 0;
  InterestFit fit = interest(named, porter, &expected);
  ASSERT_GE(expected, 2);  // The skill named, and one under the group.
  EXPECT_EQ(fit.why, InterestWhy::kSkills);
  EXPECT_EQ(fit.skills, expected);
  EXPECT_EQ(fit.skill_total, static_cast<int>(porter_skills.size()));
  EXPECT_DOUBLE_EQ(fit.value, 0.6 + 0.3 * expected / porter_skills.size());

  // Another person's interests start afresh.
  fit = interest({tax.SkillUri(porter_skills[0])}, porter, &expected);
  EXPECT_EQ(expected, 1);
  EXPECT_EQ(fit.skills, 1);
  // An unrelated occupation needs none of them.
  fit = interest(named, developer, &expected);
  EXPECT_EQ(expected, 0);
  EXPECT_EQ(fit.skills, 0);
  EXPECT_EQ(fit.why, InterestWhy::kNone);
}

}  // namespace
}  // namespace pathways::matcher
