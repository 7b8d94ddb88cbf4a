#include "services/taxonomy/taxonomy.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pathways::taxonomy {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

// Facts below were read from ESCO v1.1.1 (and the data README's examples).
constexpr std::string_view kSocketsUuid = "52d6eb67-56c0-4ad7-b5c2-71e7c2362ece";
constexpr std::string_view kSocketsLabel = "install electricity sockets";
constexpr std::string_view kPythonUuid = "ccd0a1d9-afda-43d9-b901-96344886e14d";
constexpr std::string_view kElectricianUuid = "4910419f-b4af-4f59-b544-9dbebc8a74f0";

class TaxonomyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = Taxonomy::Load(PATHWAYS_DEFAULT_DATA_DIR);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    taxonomy_ = loaded->release();
  }
  static void TearDownTestSuite() {
    delete taxonomy_;
    taxonomy_ = nullptr;
  }

  static SkillIndex Skill(std::string_view label) {
    std::optional<SkillIndex> skill = taxonomy_->FindSkillByLabel(label);
    EXPECT_TRUE(skill.has_value()) << label;
    return skill.value_or(0);
  }

  static const Taxonomy* taxonomy_;
};

const Taxonomy* TaxonomyTest::taxonomy_ = nullptr;

TEST_F(TaxonomyTest, CountsMatchEscoSource) {
  EXPECT_EQ(taxonomy_->skill_count(), 13896u);
  EXPECT_EQ(taxonomy_->occupation_count(), 3007u);
  // 640 in skillGroups_en.csv plus 7 that only the hierarchy file lists.
  EXPECT_EQ(taxonomy_->group_count(), 647u);
}

TEST_F(TaxonomyTest, FindsSkillByUriUuidAndLabel) {
  const std::string uri = std::string(kEscoSkillUriPrefix) + std::string(kSocketsUuid);
  std::optional<SkillIndex> by_uri = taxonomy_->FindSkill(uri);
  ASSERT_TRUE(by_uri.has_value());
  EXPECT_THAT(taxonomy_->FindSkill(kSocketsUuid), Optional(*by_uri));
  EXPECT_THAT(taxonomy_->FindSkill("52D6EB67-56C0-4AD7-B5C2-71E7C2362ECE"), Optional(*by_uri));
  EXPECT_THAT(taxonomy_->FindSkill("  " + uri + "\n"), Optional(*by_uri));
  EXPECT_THAT(
      taxonomy_->FindSkill("https://data.europa.eu/esco/skill/" + std::string(kSocketsUuid)),
      Optional(*by_uri));
  EXPECT_THAT(taxonomy_->FindSkillByLabel(kSocketsLabel), Optional(*by_uri));
  EXPECT_THAT(taxonomy_->FindSkillByLabel("Install Electricity SOCKETS "), Optional(*by_uri));

  EXPECT_EQ(taxonomy_->SkillUri(*by_uri), uri);
  EXPECT_EQ(taxonomy_->SkillUuid(*by_uri), kSocketsUuid);
  EXPECT_EQ(taxonomy_->SkillLabel(*by_uri), kSocketsLabel);
  EXPECT_EQ(taxonomy_->GetSkillType(*by_uri), SkillType::kSkill);
  EXPECT_EQ(taxonomy_->GetReuseLevel(*by_uri), ReuseLevel::kSectorSpecific);

  std::optional<SkillIndex> python = taxonomy_->FindSkill(kPythonUuid);
  ASSERT_TRUE(python.has_value());
  EXPECT_EQ(taxonomy_->SkillLabel(*python), "Python (computer programming)");
  EXPECT_EQ(taxonomy_->GetSkillType(*python), SkillType::kKnowledge);
}

TEST_F(TaxonomyTest, UnknownSkillsAreNotFound) {
  EXPECT_EQ(taxonomy_->FindSkill("00000000-0000-0000-0000-000000000000"), std::nullopt);
  EXPECT_EQ(taxonomy_->FindSkill("not a uuid"), std::nullopt);
  EXPECT_EQ(taxonomy_->FindSkill(""), std::nullopt);
  EXPECT_EQ(taxonomy_->FindSkill("52d6eb67-56c0-4ad7-b5c2-71e7c2362ec"), std::nullopt);
  // Right UUID, wrong concept type.
  EXPECT_EQ(
      taxonomy_->FindSkill("http://data.europa.eu/esco/occupation/" + std::string(kSocketsUuid)),
      std::nullopt);
  // A skill group URI is not a skill.
  EXPECT_EQ(taxonomy_->FindSkill("http://data.europa.eu/esco/skill/"
                                 "335228d2-297d-4e0e-a6ee-bc6a8dc110d9"),
            std::nullopt);
  EXPECT_EQ(taxonomy_->FindSkillByLabel("install electricity socket"), std::nullopt);
  EXPECT_EQ(taxonomy_->FindOccupation(kSocketsUuid), std::nullopt);
}

TEST_F(TaxonomyTest, EveryUriRoundTrips) {
  for (SkillIndex s = 0; s < taxonomy_->skill_count(); ++s) {
    ASSERT_THAT(taxonomy_->FindSkill(taxonomy_->SkillUri(s)), Optional(s));
    ASSERT_THAT(taxonomy_->FindSkillByLabel(taxonomy_->SkillLabel(s)), Optional(s));
  }
  for (OccupationIndex o = 0; o < taxonomy_->occupation_count(); ++o) {
    ASSERT_THAT(taxonomy_->FindOccupation(taxonomy_->OccupationUri(o)), Optional(o));
    ASSERT_THAT(taxonomy_->FindOccupationByLabel(taxonomy_->OccupationLabel(o)), Optional(o));
    ASSERT_EQ(taxonomy_->OccupationFoldedLabel(o), FoldLabel(taxonomy_->OccupationLabel(o)));
  }
  for (GroupIndex g = 0; g < taxonomy_->group_count(); ++g) {
    ASSERT_THAT(taxonomy_->FindGroup(taxonomy_->GroupUri(g)), Optional(g));
    ASSERT_THAT(taxonomy_->FindGroup(taxonomy_->GroupCode(g)), Optional(g));
    ASSERT_TRUE(taxonomy_->IsGroupUri(taxonomy_->GroupUri(g)));
  }
}

TEST_F(TaxonomyTest, ElectricianHasReadmeSkillCounts) {
  std::optional<OccupationIndex> electrician = taxonomy_->FindOccupationByLabel("electrician");
  ASSERT_TRUE(electrician.has_value());
  EXPECT_THAT(taxonomy_->FindOccupation(kElectricianUuid), Optional(*electrician));
  EXPECT_THAT(taxonomy_->FindOccupation("http://data.europa.eu/esco/occupation/" +
                                        std::string(kElectricianUuid)),
              Optional(*electrician));
  EXPECT_EQ(taxonomy_->OccupationLabel(*electrician), "electrician");
  EXPECT_EQ(taxonomy_->OccupationIscoGroup(*electrician), "7411");
  EXPECT_EQ(taxonomy_->OccupationCode(*electrician), "7411.1");

  std::span<const SkillIndex> essential = taxonomy_->EssentialSkills(*electrician);
  std::span<const SkillIndex> optional = taxonomy_->OptionalSkills(*electrician);
  EXPECT_EQ(essential.size(), 21u);
  EXPECT_EQ(optional.size(), 34u);
  EXPECT_THAT(essential, Contains(Skill(kSocketsLabel)));
  EXPECT_THAT(essential, Contains(Skill("test electrical equipment")));
  EXPECT_THAT(optional, Contains(Skill("solder electronics")));
  EXPECT_THAT(optional, Not(Contains(Skill(kSocketsLabel))));
  EXPECT_TRUE(std::is_sorted(essential.begin(), essential.end()));
  EXPECT_TRUE(std::is_sorted(optional.begin(), optional.end()));
}

TEST_F(TaxonomyTest, OtherReadmeOccupationCounts) {
  struct Case {
    std::string_view label;
    size_t essential;
    size_t optional;
  };
  for (const Case& c :
       {Case{"software developer", 24, 80}, Case{"welder", 36, 50}, Case{"plumber", 21, 22},
        Case{"data analyst", 30, 22}, Case{"nurse responsible for general care", 88, 10}}) {
    std::optional<OccupationIndex> o = taxonomy_->FindOccupationByLabel(c.label);
    ASSERT_TRUE(o.has_value()) << c.label;
    EXPECT_EQ(taxonomy_->EssentialSkills(*o).size(), c.essential) << c.label;
    EXPECT_EQ(taxonomy_->OptionalSkills(*o).size(), c.optional) << c.label;
  }
}

TEST_F(TaxonomyTest, SkillSitsInItsGroupChain) {
  const SkillIndex sockets = Skill(kSocketsLabel);
  ASSERT_EQ(taxonomy_->SkillGroups(sockets).size(), 1u);
  GroupIndex g = taxonomy_->SkillGroups(sockets)[0];
  EXPECT_EQ(taxonomy_->GroupCode(g), "S8.8.1");
  EXPECT_EQ(taxonomy_->GroupLabel(g),
            "installing and repairing electrical, electronic and precision equipment");
  EXPECT_THAT(taxonomy_->GroupSkills(g), Contains(sockets));

  std::vector<std::string_view> codes;
  for (std::optional<GroupIndex> at = g; at; at = taxonomy_->GroupParent(*at)) {
    codes.push_back(taxonomy_->GroupCode(*at));
  }
  EXPECT_THAT(codes, ::testing::ElementsAre("S8.8.1", "S8.8", "S8", "S"));
  EXPECT_EQ(taxonomy_->GroupDepth(g), 3);
}

TEST_F(TaxonomyTest, BroaderSkillsAndSiblings) {
  const SkillIndex python = Skill("Python (computer programming)");
  const SkillIndex programming = Skill("computer programming");
  EXPECT_THAT(taxonomy_->Broader(python), ::testing::ElementsAre(programming));
  EXPECT_THAT(taxonomy_->Narrower(programming), Contains(python));
  ASSERT_EQ(taxonomy_->SkillGroups(python).size(), 1u);
  EXPECT_EQ(taxonomy_->GroupCode(taxonomy_->SkillGroups(python)[0]), "0613");

  std::vector<SkillIndex> siblings = taxonomy_->Siblings(python);
  EXPECT_THAT(siblings, Not(Contains(python)));
  EXPECT_TRUE(std::is_sorted(siblings.begin(), siblings.end()));
  // Other languages hang under "computer programming" too.
  EXPECT_THAT(siblings, Contains(Skill("Java (computer programming)")));
  for (SkillIndex s : siblings) {
    std::span<const SkillIndex> up = taxonomy_->Broader(s);
    std::span<const GroupIndex> groups = taxonomy_->SkillGroups(s);
    const bool shares_skill = std::find(up.begin(), up.end(), programming) != up.end();
    const bool shares_group =
        std::find(groups.begin(), groups.end(), taxonomy_->SkillGroups(python)[0]) != groups.end();
    ASSERT_TRUE(shares_skill || shares_group) << taxonomy_->SkillLabel(s);
  }
}

TEST_F(TaxonomyTest, SkillWithOnlyBroaderSkillsFindsNearestGroups) {
  const SkillIndex suspended = Skill("handle equipment while suspended");
  EXPECT_TRUE(taxonomy_->SkillGroups(suspended).empty());
  const SkillIndex move_objects = Skill("move objects");
  EXPECT_THAT(taxonomy_->Broader(suspended), ::testing::ElementsAre(move_objects));
  std::vector<GroupIndex> nearest = taxonomy_->NearestGroups(suspended);
  ASSERT_FALSE(nearest.empty());
  std::span<const GroupIndex> parent_groups = taxonomy_->SkillGroups(move_objects);
  EXPECT_EQ(nearest, std::vector<GroupIndex>(parent_groups.begin(), parent_groups.end()));
}

TEST_F(TaxonomyTest, EverySkillReachesATopGroup) {
  std::span<const GroupIndex> tops = taxonomy_->TopGroups();
  std::vector<std::string_view> top_codes;
  for (GroupIndex g : tops) top_codes.push_back(taxonomy_->GroupCode(g));
  EXPECT_THAT(top_codes, ::testing::UnorderedElementsAre("S", "K", "L", "T"));

  for (SkillIndex s = 0; s < taxonomy_->skill_count(); ++s) {
    std::vector<GroupIndex> nearest = taxonomy_->NearestGroups(s);
    ASSERT_FALSE(nearest.empty()) << taxonomy_->SkillUri(s);
    GroupIndex g = nearest[0];
    int steps = 0;
    while (std::optional<GroupIndex> parent = taxonomy_->GroupParent(g)) {
      g = *parent;
      ASSERT_LT(++steps, 10) << "group walk does not end";
    }
    ASSERT_THAT(tops, Contains(g));
    ASSERT_EQ(taxonomy_->GroupDepth(nearest[0]), steps);
  }
}

TEST_F(TaxonomyTest, FindsGroupsByUriPathUuidAndCode) {
  std::optional<GroupIndex> skills_root = taxonomy_->FindGroup("S");
  ASSERT_TRUE(skills_root.has_value());
  EXPECT_EQ(taxonomy_->GroupLabel(*skills_root), "skills");
  EXPECT_EQ(taxonomy_->GroupUri(*skills_root),
            "http://data.europa.eu/esco/skill/335228d2-297d-4e0e-a6ee-bc6a8dc110d9");
  EXPECT_EQ(taxonomy_->GroupParent(*skills_root), std::nullopt);
  EXPECT_THAT(taxonomy_->FindGroup("335228D2-297D-4E0E-A6EE-BC6A8DC110D9"), Optional(*skills_root));
  EXPECT_THAT(taxonomy_->FindGroup("skill/335228d2-297d-4e0e-a6ee-bc6a8dc110d9"),
              Optional(*skills_root));

  // A group only skillsHierarchy_en.csv lists.
  std::optional<GroupIndex> positioning = taxonomy_->FindGroup("s6.8");
  ASSERT_TRUE(positioning.has_value());
  EXPECT_EQ(taxonomy_->GroupLabel(*positioning), "positioning materials, tools or equipment");

  // ISCED-F fields in the knowledge branch.
  std::optional<GroupIndex> finance =
      taxonomy_->FindGroup("http://data.europa.eu/esco/isced-f/0412");
  ASSERT_TRUE(finance.has_value());
  EXPECT_THAT(taxonomy_->FindGroup("0412"), Optional(*finance));
  EXPECT_EQ(taxonomy_->GroupLabel(*finance), "finance, banking and insurance");
  EXPECT_TRUE(taxonomy_->IsGroupUri("http://data.europa.eu/esco/isced-f/0412"));

  EXPECT_FALSE(taxonomy_->IsGroupUri(std::string(kEscoSkillUriPrefix) + std::string(kSocketsUuid)));
  EXPECT_FALSE(taxonomy_->IsGroupUri("S8.8.1"));  // A code, not a URI.
  EXPECT_EQ(taxonomy_->FindGroup(kSocketsUuid), std::nullopt);
  EXPECT_EQ(taxonomy_->FindGroup("S99.9"), std::nullopt);
  EXPECT_EQ(taxonomy_->FindGroup(""), std::nullopt);
}

// A tiny hand-made data set, so that load errors can be provoked one at a
// time.
class SmallTaxonomyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("taxonomy_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "esco");
    files_["skills.csv"] =
        "uuid,skill_type,reuse_level,label\r\n"
        "11111111-1111-1111-1111-111111111111,skill/competence,transversal,\"communicate, "
        "clearly\"\r\n"
        "22222222-2222-2222-2222-222222222222,knowledge,,maths\r\n"
        "33333333-3333-3333-3333-333333333333,,cross-sector,\"say \"\"hi\"\"\"\r\n";
    files_["skill_groups.csv"] =
        "id,code,label\n"
        "skill/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa,S,skills\n"
        "skill/bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb,S1,communicating\n"
        "isced-f/05,05,\"natural sciences, mathematics and statistics\"\n";
    files_["broader.csv"] =
        "narrower_kind,narrower,broader_kind,broader\n"
        "group,1,group,0\n"
        "group,2,group,0\n"
        "skill,0,group,1\n"
        "skill,1,group,2\n"
        "skill,2,skill,0\n";
    files_["occupations.csv"] =
        "uuid,isco_group,code,label\n"
        "44444444-4444-4444-4444-444444444444,2511,2511.1,analyst\n";
    files_["occupation_skills.csv"] =
        "occupation,skill,relation\n"
        "0,2,essential\n"
        "0,0,optional\n"
        "0,1,essential\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  absl::StatusOr<std::unique_ptr<const Taxonomy>> Load() {
    for (const auto& [name, text] : files_) {
      std::ofstream(dir_ / "esco" / name, std::ios::binary | std::ios::trunc) << text;
    }
    return Taxonomy::Load(dir_.string());
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> files_;
};

TEST_F(SmallTaxonomyTest, LoadsHandMadeData) {
  auto loaded = Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const Taxonomy& t = **loaded;
  EXPECT_EQ(t.skill_count(), 3u);
  EXPECT_EQ(t.group_count(), 3u);
  EXPECT_EQ(t.occupation_count(), 1u);
  EXPECT_THAT(t.FindSkillByLabel("communicate, clearly"), Optional(0u));
  EXPECT_THAT(t.FindSkillByLabel("SAY \"HI\""), Optional(2u));
  EXPECT_EQ(t.GetSkillType(2), SkillType::kUnspecified);
  EXPECT_EQ(t.GetReuseLevel(1), ReuseLevel::kUnspecified);
  EXPECT_THAT(t.Broader(2), ::testing::ElementsAre(0u));
  EXPECT_THAT(t.NearestGroups(2), ::testing::ElementsAre(1u));
  EXPECT_TRUE(t.Siblings(2).empty());
  EXPECT_THAT(t.TopGroups(), ::testing::ElementsAre(0u));
  EXPECT_EQ(t.GroupUri(2), "http://data.europa.eu/esco/isced-f/05");
  EXPECT_THAT(t.FindGroup("05"), Optional(2u));
  EXPECT_THAT(t.EssentialSkills(0), ::testing::ElementsAre(1u, 2u));
  EXPECT_THAT(t.OptionalSkills(0), ::testing::ElementsAre(0u));
}

TEST_F(SmallTaxonomyTest, RejectsOutOfRangeRow) {
  files_["broader.csv"] += "skill,3,group,0\n";
  auto loaded = Load();
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("broader.csv: CSV line 7"));
}

TEST_F(SmallTaxonomyTest, RejectsGroupWithTwoParents) {
  files_["broader.csv"] += "group,2,group,1\n";
  auto loaded = Load();
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("more than one broader group"));
}

TEST_F(SmallTaxonomyTest, RejectsGroupCycle) {
  files_["broader.csv"] += "group,0,group,2\n";
  auto loaded = Load();
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("cycle"));
}

TEST_F(SmallTaxonomyTest, RejectsSkillCycle) {
  files_["broader.csv"] += "skill,0,skill,2\n";
  auto loaded = Load();
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("cycle"));
}

TEST_F(SmallTaxonomyTest, RejectsMalformedRows) {
  files_["skills.csv"] += "not-a-uuid,knowledge,,x\r\n";
  auto loaded = Load();
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("skills.csv: CSV line 5: bad uuid"));
}

TEST_F(SmallTaxonomyTest, RejectsDuplicateSkill) {
  files_["skills.csv"] += "11111111-1111-1111-1111-111111111111,knowledge,,again\r\n";
  EXPECT_THAT(Load().status().message(), HasSubstr("duplicate skill"));
}

TEST_F(SmallTaxonomyTest, RejectsUnknownRelation) {
  files_["occupation_skills.csv"] += "0,0,required\n";
  EXPECT_THAT(Load().status().message(), HasSubstr("unknown relation"));
}

TEST_F(SmallTaxonomyTest, RejectsUnterminatedQuote) {
  files_["occupations.csv"] += "55555555-5555-5555-5555-555555555555,2511,2511.2,\"open\n";
  auto loaded = Load();
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(),
              HasSubstr("occupations.csv: CSV line 3: unterminated quoted field"));
}

TEST(TaxonomyLoadTest, MissingDirectoryIsNotFound) {
  auto loaded = Taxonomy::Load("/nonexistent/pathways-data");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(loaded.status().message(), HasSubstr("skills.csv"));
}

}  // namespace
}  // namespace pathways::taxonomy
