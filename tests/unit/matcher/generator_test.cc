#include <set>
#include <string>

#include "gtest/gtest.h"
#include "services/matcher/calendar.h"
#include "services/matcher/match_index.h"
#include "tests/generator/economy_generator.h"
#include "tests/unit/matcher/economy_fixture.h"

namespace pathways::generator {
namespace {

std::unique_ptr<EconomyGenerator> Make(EconomyOptions options) {
  auto g = EconomyGenerator::Create(&matcher::testing::Taxonomy(), &matcher::testing::Geography(),
                                    options);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? *std::move(g) : nullptr;
}

TEST(GeneratorTest, SameOptionsSameEconomy) {
  auto a = Make(EconomyOptions::For(Scale::kDemo, 7));
  auto b = Make(EconomyOptions::For(Scale::kDemo, 7));
  auto c = Make(EconomyOptions::For(Scale::kDemo, 8));
  int differ = 0;
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(a->Role(i).SerializeAsString(), b->Role(i).SerializeAsString());
    EXPECT_EQ(a->Course(i).SerializeAsString(), b->Course(i).SerializeAsString());
    EXPECT_EQ(a->Profile(i).SerializeAsString(), b->Profile(i).SerializeAsString());
    differ += a->Role(i).SerializeAsString() != c->Role(i).SerializeAsString();
  }
  EXPECT_GT(differ, 40);
}

TEST(GeneratorTest, EverythingItMakesIsValidForTheIndex) {
  auto g = Make(EconomyOptions::For(Scale::kDemo));
  auto index = matcher::testing::NewIndex();
  g->ForEachProvider([&](const training::v1::Provider& p) {
    EXPECT_TRUE(index->UpsertProvider(p).ok()) << p.name();
  });
  g->ForEachCourse([&](const training::v1::Course& c) {
    EXPECT_TRUE(index->UpsertCourse(c).ok()) << c.name();
    EXPECT_GE(c.skills_taught_size(), 1);
    EXPECT_LE(c.skills_taught_size(), 50);
    EXPECT_GE(c.duration_weeks(), 1);
    EXPECT_LE(c.start_dates_size(), 52);
  });
  g->ForEachRole([&](const demand::v1::Role& r) {
    EXPECT_TRUE(index->UpsertRole(r).ok()) << r.name();
    bool essential = false;
    for (const auto& s : r.required_skills()) {
      essential = essential || s.importance() == demand::v1::SKILL_IMPORTANCE_ESSENTIAL;
    }
    EXPECT_TRUE(essential);
  });
  EXPECT_EQ(index->role_count(), static_cast<size_t>(g->options().roles));
  EXPECT_EQ(index->course_count(), static_cast<size_t>(g->options().courses));
}

TEST(GeneratorTest, PlacesEverythingInGreaterManchester) {
  auto g = Make(EconomyOptions::For(Scale::kDemo));
  const std::set<std::string> districts = {"E08000001", "E08000002", "E08000003", "E08000004",
                                           "E08000005", "E08000006", "E08000007", "E08000008",
                                           "E08000009", "E08000010"};
  for (const std::string& outcode : g->outcodes()) {
    auto info = matcher::testing::Geography().Find(outcode);
    ASSERT_TRUE(info.has_value()) << outcode;
    EXPECT_TRUE(districts.count(std::string(info->district_code))) << outcode;
  }
  EXPECT_GT(g->outcodes().size(), 60u);
}

TEST(GeneratorTest, ProfilesAreSixteenToTwentyFour) {
  auto g = Make(EconomyOptions::For(Scale::kDemo));
  const matcher::Day today = matcher::DayFromDate(g->options().today);
  for (int i = 0; i < 200; ++i) {
    profiles::v1::Profile p = g->Profile(i);
    const int age = matcher::AgeOn(p.date_of_birth(), today);
    EXPECT_GE(age, 16);
    EXPECT_LE(age, 24);
    EXPECT_GE(p.skills_size(), 2);
    EXPECT_EQ(p.consent().purposes(0), profiles::v1::CONSENT_PURPOSE_MATCHING);
  }
}

TEST(GeneratorTest, CityScaleHasEmergingWorkAndApprenticeships) {
  EconomyOptions options = EconomyOptions::For(Scale::kCity);
  EXPECT_EQ(options.roles, 20000);
  EXPECT_EQ(options.courses, 5000);
  EXPECT_EQ(options.profiles, 100000);
  EXPECT_EQ(EconomyOptions::For(Scale::kRegion).roles, 200000);
  auto g = Make(options);
  int emerging = 0, apprenticeships = 0, emerging_skills = 0;
  std::set<std::string> occupations;
  for (int i = 0; i < 4000; ++i) {
    demand::v1::Role r = g->Role(i);
    emerging += r.emerging();
    apprenticeships += r.apprenticeship();
    occupations.insert(r.occupation());
    for (const auto& s : r.required_skills()) emerging_skills += !s.emerging_label().empty();
  }
  EXPECT_GT(emerging, 20);
  EXPECT_GT(emerging_skills, 20);
  EXPECT_GT(apprenticeships, 100);
  EXPECT_GT(occupations.size(), 150u);
}

}  // namespace
}  // namespace pathways::generator
