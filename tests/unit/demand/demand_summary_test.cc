#include "services/demand/demand_summary.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/demand/role_validation.h"
#include "tests/unit/demand/test_data.h"

namespace pathways::demand {
namespace {

using ::pathways::testing::IsInvalidAt;
using ::pathways::testing::kElectrician;
using ::pathways::testing::kInstallHeatPump;
using ::pathways::testing::kRepairWiring;
using ::pathways::testing::kTestingGroup;
using ::pathways::testing::MakeDate;
using testdata::ReferenceData;
using ::testing::ElementsAre;
using v1::DemandRow;
using v1::GetDemandSummaryRequest;
using v1::Role;

const common::v1::Date kToday = MakeDate(2026, 3, 15);

v1::Openings MakeOpenings(int now, int in_1_year, int in_2_years, int in_5_years) {
  v1::Openings openings;
  openings.set_now(now);
  openings.set_in_1_year(in_1_year);
  openings.set_in_2_years(in_2_years);
  openings.set_in_5_years(in_5_years);
  return openings;
}

// Builds stored roles (already normalised) and their facts.
class DemandSummaryTest : public ::testing::Test {
 protected:
  Role MakeRole(const std::string& employer, const std::string& id, int now,
                const std::string& outcode = "M1") {
    Role role;
    role.set_name(absl::StrCat("employers/", employer, "/roles/", id));
    role.set_occupation(kElectrician);
    auto* skill = role.add_required_skills();
    skill->mutable_skill()->set_skill(kInstallHeatPump);
    skill->mutable_skill()->set_level(common::v1::PROFICIENCY_INTERMEDIATE);
    skill->set_importance(v1::SKILL_IMPORTANCE_ESSENTIAL);
    *role.mutable_openings() = MakeOpenings(now, 0, 0, 0);
    role.mutable_site()->set_outcode(outcode);
    return role;
  }

  void Add(const Role& role) { roles_.insert_or_assign(role.name(), summarizer_.Facts(role)); }

  std::vector<DemandRow> Rows(const GetDemandSummaryRequest& request) {
    absl::StatusOr<SummaryQuery> query = summarizer_.ParseQuery(request);
    EXPECT_TRUE(query.ok()) << query.status();
    if (!query.ok()) return {};
    return summarizer_.Rows(roles_, *query, kToday);
  }

  static GetDemandSummaryRequest Request(v1::GroupBy group_by,
                                         v1::Horizon horizon = v1::HORIZON_FIVE_YEARS) {
    GetDemandSummaryRequest request;
    request.set_group_by(group_by);
    request.set_horizon(horizon);
    return request;
  }

  const ReferenceData& data_ = ReferenceData::Get();
  DemandSummarizer summarizer_{data_.taxonomy, data_.geography, data_.areas.get()};
  RoleFactsByName roles_;
};

MATCHER_P3(RowIs, key, openings, employers, "") {
  *result_listener << arg.ShortDebugString();
  return arg.key() == key && arg.openings() == openings && arg.employer_count() == employers &&
         !arg.suppressed();
}

MATCHER_P(SuppressedRow, key, "") {
  *result_listener << arg.ShortDebugString();
  return arg.key() == key && arg.suppressed() && arg.openings() == 0 && arg.employer_count() == 0;
}

TEST(OpeningsUpToTest, SumsThePeriodsUpToTheHorizon) {
  v1::Openings openings = MakeOpenings(3, 5, 7, 11);
  EXPECT_EQ(OpeningsUpTo(openings, v1::HORIZON_NOW, false), 3);
  EXPECT_EQ(OpeningsUpTo(openings, v1::HORIZON_ONE_YEAR, false), 8);
  EXPECT_EQ(OpeningsUpTo(openings, v1::HORIZON_TWO_YEARS, false), 15);
  EXPECT_EQ(OpeningsUpTo(openings, v1::HORIZON_FIVE_YEARS, false), 26);
  EXPECT_EQ(OpeningsUpTo(openings, v1::HORIZON_UNSPECIFIED, false), 26);
}

TEST(OpeningsUpToTest, AClosedRoleLosesOnlyItsCurrentOpenings) {
  v1::Openings openings = MakeOpenings(3, 5, 7, 11);
  EXPECT_EQ(OpeningsUpTo(openings, v1::HORIZON_NOW, true), 0);
  EXPECT_EQ(OpeningsUpTo(openings, v1::HORIZON_FIVE_YEARS, true), 23);
}

TEST_F(DemandSummaryTest, FourEmployersAreSuppressedFiveAreShown) {
  for (int i = 0; i < 4; ++i) Add(MakeRole(absl::StrCat("employer-", i), "r", 10 + i));
  EXPECT_THAT(Rows(Request(v1::GROUP_BY_OCCUPATION)), ElementsAre(SuppressedRow(kElectrician)));
  Add(MakeRole("employer-4", "r", 14));
  EXPECT_THAT(Rows(Request(v1::GROUP_BY_OCCUPATION)), ElementsAre(RowIs(kElectrician, 60, 5)));
}

TEST_F(DemandSummaryTest, AnEmployersRolesCountItOnce) {
  // "ab" and "ab-c" sort around each other; each must still count once.
  Add(MakeRole("ab", "one", 1));
  Add(MakeRole("ab", "two", 1));
  Add(MakeRole("ab-c", "one", 1));
  Add(MakeRole("ab-c", "two", 1));
  Add(MakeRole("abc", "one", 1));
  Add(MakeRole("b", "one", 1));
  Add(MakeRole("c", "one", 1));
  EXPECT_THAT(Rows(Request(v1::GROUP_BY_OCCUPATION)), ElementsAre(RowIs(kElectrician, 7, 5)));
  roles_.erase("employers/c/roles/one");
  EXPECT_THAT(Rows(Request(v1::GROUP_BY_OCCUPATION)), ElementsAre(SuppressedRow(kElectrician)));
}

TEST_F(DemandSummaryTest, HorizonSelectsThePeriodsSummed) {
  for (int i = 0; i < 5; ++i) {
    Role role = MakeRole(absl::StrCat("e", i), "r", 1);
    *role.mutable_openings() = MakeOpenings(1, 10, 100, 1000);
    Add(role);
  }
  EXPECT_THAT(Rows(Request(v1::GROUP_BY_OCCUPATION, v1::HORIZON_NOW)),
              ElementsAre(RowIs(kElectrician, 5, 5)));
  EXPECT_THAT(Rows(Request(v1::GROUP_BY_OCCUPATION, v1::HORIZON_ONE_YEAR)),
              ElementsAre(RowIs(kElectrician, 55, 5)));
  EXPECT_THAT(Rows(Request(v1::GROUP_BY_OCCUPATION, v1::HORIZON_TWO_YEARS)),
              ElementsAre(RowIs(kElectrician, 555, 5)));
  EXPECT_THAT(Rows(Request(v1::GROUP_BY_OCCUPATION, v1::HORIZON_FIVE_YEARS)),
              ElementsAre(RowIs(kElectrician, 5555, 5)));
}

TEST_F(DemandSummaryTest, RolesWithoutOpeningsInTheHorizonDoNotCountTheirEmployer) {
  for (int i = 0; i < 4; ++i) Add(MakeRole(absl::StrCat("e", i), "r", 2));
  Role later = MakeRole("e4", "r", 0);
  *later.mutable_openings() = MakeOpenings(0, 0, 0, 9);
  Add(later);
  EXPECT_THAT(Rows(Request(v1::GROUP_BY_OCCUPATION, v1::HORIZON_NOW)),
              ElementsAre(SuppressedRow(kElectrician)));
  EXPECT_THAT(Rows(Request(v1::GROUP_BY_OCCUPATION, v1::HORIZON_FIVE_YEARS)),
              ElementsAre(RowIs(kElectrician, 17, 5)));
}

TEST_F(DemandSummaryTest, ClosedRolesLoseTheirCurrentOpenings) {
  for (int i = 0; i < 5; ++i) {
    Role role = MakeRole(absl::StrCat("e", i), "r", 10);
    role.mutable_openings()->set_in_1_year(1);
    if (i == 0) *role.mutable_closing_date() = MakeDate(2026, 3, 14);  // Closed yesterday.
    if (i == 1) *role.mutable_closing_date() = kToday;                 // Closes tonight.
    Add(role);
  }
  EXPECT_THAT(Rows(Request(v1::GROUP_BY_OCCUPATION, v1::HORIZON_ONE_YEAR)),
              ElementsAre(RowIs(kElectrician, 4 * 10 + 5, 5)));
  // Now only: the closed role adds nothing, so only four employers count.
  EXPECT_THAT(Rows(Request(v1::GROUP_BY_OCCUPATION, v1::HORIZON_NOW)),
              ElementsAre(SuppressedRow(kElectrician)));
}

TEST_F(DemandSummaryTest, RowsAreOrderedByOpeningsThenKeyWithSuppressedLastByKey) {
  // Five employers in each of M1, M2, M4 (M2 and M4 tied); two in M11, one in BL1.
  for (int i = 0; i < 5; ++i) {
    Add(MakeRole(absl::StrCat("a", i), "r", 1, "M1"));
    Add(MakeRole(absl::StrCat("b", i), "r", 3, "M4"));
    Add(MakeRole(absl::StrCat("c", i), "r", 3, "M2"));
  }
  Add(MakeRole("d0", "r", 100, "M11"));
  Add(MakeRole("d1", "r", 100, "M11"));
  Add(MakeRole("e0", "r", 1000, "BL1"));
  std::vector<DemandRow> rows = Rows(Request(v1::GROUP_BY_AREA));
  EXPECT_THAT(rows, ElementsAre(RowIs("M2", 15, 5), RowIs("M4", 15, 5), RowIs("M1", 5, 5),
                                SuppressedRow("BL1"), SuppressedRow("M11")));
  EXPECT_EQ(rows[0].label(), "M2 (Manchester)");
  EXPECT_EQ(rows[3].label(), "BL1 (Bolton)");
}

TEST_F(DemandSummaryTest, GroupsByLocalAuthorityWithItsName) {
  for (int i = 0; i < 5; ++i) Add(MakeRole(absl::StrCat("e", i), "r", 1, i < 3 ? "M1" : "M4"));
  Add(MakeRole("salford", "r", 1, "M3"));
  std::vector<DemandRow> rows = Rows(Request(v1::GROUP_BY_LOCAL_AUTHORITY));
  EXPECT_THAT(rows, ElementsAre(RowIs("E08000003", 5, 5), SuppressedRow("E08000006")));
  EXPECT_EQ(rows[0].label(), "Manchester");
  EXPECT_EQ(rows[1].label(), "Salford");
}

TEST_F(DemandSummaryTest, GroupsBySkillIncludingEmergingSkills) {
  for (int i = 0; i < 5; ++i) {
    Role role = MakeRole(absl::StrCat("e", i), "r", 2);
    auto* optional = role.add_required_skills();
    optional->mutable_skill()->set_skill(kRepairWiring);
    optional->mutable_skill()->set_level(common::v1::PROFICIENCY_BASIC);
    optional->set_importance(v1::SKILL_IMPORTANCE_OPTIONAL);
    auto* emerging = role.add_required_skills();
    emerging->set_emerging_label(i == 0 ? "heat pump commissioning" : "Heat Pump Commissioning");
    emerging->set_esco_group(kTestingGroup);
    emerging->mutable_skill()->set_level(common::v1::PROFICIENCY_BASIC);
    emerging->set_importance(v1::SKILL_IMPORTANCE_ESSENTIAL);
    Add(role);
  }
  std::string emerging_key = absl::StrCat(kTestingGroup, "#heat pump commissioning");
  std::vector<DemandRow> rows = Rows(Request(v1::GROUP_BY_SKILL));
  ASSERT_EQ(rows.size(), 3u);
  // Three rows of 10 openings each, by key.
  std::vector<std::string> keys = {kInstallHeatPump, kRepairWiring, emerging_key};
  std::sort(keys.begin(), keys.end());
  EXPECT_THAT(rows,
              ElementsAre(RowIs(keys[0], 10, 5), RowIs(keys[1], 10, 5), RowIs(keys[2], 10, 5)));
  for (const DemandRow& row : rows) {
    if (row.key() == kInstallHeatPump) {
      EXPECT_EQ(row.label(), "install heat pump");
    } else if (row.key() == emerging_key) {
      // The least spelling of those seen, whichever employer wrote it.
      EXPECT_EQ(row.label(), "Heat Pump Commissioning");
    }
  }

  GetDemandSummaryRequest essential = Request(v1::GROUP_BY_SKILL);
  essential.set_essential_only(true);
  rows = Rows(essential);
  ASSERT_EQ(rows.size(), 2u);
  for (const DemandRow& row : rows) EXPECT_NE(row.key(), kRepairWiring);
}

TEST_F(DemandSummaryTest, EmergingOnlyCountsEmergingRoles) {
  for (int i = 0; i < 6; ++i) {
    Role role = MakeRole(absl::StrCat("e", i), "r", 1);
    role.set_emerging(i != 0);
    Add(role);
  }
  GetDemandSummaryRequest request = Request(v1::GROUP_BY_OCCUPATION);
  EXPECT_THAT(Rows(request), ElementsAre(RowIs(kElectrician, 6, 6)));
  request.set_emerging_only(true);
  EXPECT_THAT(Rows(request), ElementsAre(RowIs(kElectrician, 5, 5)));
}

TEST_F(DemandSummaryTest, AreaFiltersPostcodeAreaOutcodeAndAuthority) {
  // Manchester authority: M1, M4; Salford: M3; Milton Keynes: MK9 (not in "M").
  for (int i = 0; i < 5; ++i) {
    Add(MakeRole(absl::StrCat("m1-", i), "r", 1, "M1"));
    Add(MakeRole(absl::StrCat("m3-", i), "r", 10, "M3"));
    Add(MakeRole(absl::StrCat("m4-", i), "r", 100, "M4"));
    Add(MakeRole(absl::StrCat("mk-", i), "r", 1000, "MK9"));
  }
  GetDemandSummaryRequest request = Request(v1::GROUP_BY_OCCUPATION);
  EXPECT_THAT(Rows(request), ElementsAre(RowIs(kElectrician, 5555, 20)));
  request.mutable_area()->set_postcode_area("m");
  EXPECT_THAT(Rows(request), ElementsAre(RowIs(kElectrician, 555, 15)));
  request.mutable_area()->set_outcode("m4");
  EXPECT_THAT(Rows(request), ElementsAre(RowIs(kElectrician, 500, 5)));
  request.mutable_area()->set_local_authority("E08000003");
  EXPECT_THAT(Rows(request), ElementsAre(RowIs(kElectrician, 505, 10)));
}

TEST_F(DemandSummaryTest, QueryNamesTheBadField) {
  auto parse = [&](const GetDemandSummaryRequest& request) {
    return summarizer_.ParseQuery(request).status();
  };
  GetDemandSummaryRequest request = Request(v1::GROUP_BY_SKILL);
  EXPECT_TRUE(parse(request).ok());
  request.set_horizon(v1::HORIZON_UNSPECIFIED);
  EXPECT_THAT(parse(request), IsInvalidAt("horizon"));
  request = Request(v1::GROUP_BY_UNSPECIFIED);
  EXPECT_THAT(parse(request), IsInvalidAt("group_by"));
  request = Request(v1::GROUP_BY_AREA);
  request.set_essential_only(true);
  EXPECT_THAT(parse(request), IsInvalidAt("essential_only"));
  request = Request(v1::GROUP_BY_AREA);
  for (const char* bad : {"ZQ", "M1", "ABC", ""}) {
    request.mutable_area()->set_postcode_area(bad);
    EXPECT_THAT(parse(request), IsInvalidAt("area.postcode_area")) << bad;
  }
  request.mutable_area()->set_outcode("ZZ99");
  EXPECT_THAT(parse(request), IsInvalidAt("area.outcode"));
  request.mutable_area()->set_local_authority("E99999999");
  EXPECT_THAT(parse(request), IsInvalidAt("area.local_authority"));
}

TEST_F(DemandSummaryTest, PagesCoverEveryRowOnceInOrder) {
  // Seven areas with counts, three suppressed.
  const char* shown[] = {"M1", "M2", "M4", "M11", "BL1", "OL1", "SK1"};
  for (int a = 0; a < 7; ++a) {
    for (int i = 0; i < 5; ++i) {
      Add(MakeRole(absl::StrCat("s", a, "-", i), "r", a % 3 + 1, shown[a]));
    }
  }
  int lone = 0;
  for (const char* outcode : {"M60", "M90", "WA14"}) {
    Add(MakeRole(absl::StrCat("lone-", lone++), "r", 9, outcode));
  }
  GetDemandSummaryRequest request = Request(v1::GROUP_BY_AREA);
  std::vector<DemandRow> all = Rows(request);
  ASSERT_EQ(all.size(), 10u);

  std::vector<DemandRow> paged;
  request.set_page_size(3);
  int pages = 0;
  do {
    v1::GetDemandSummaryResponse page;
    ASSERT_TRUE(DemandSummarizer::Page(all, request, &page).ok());
    ASSERT_LE(page.rows_size(), 3);
    paged.insert(paged.end(), page.rows().begin(), page.rows().end());
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty());
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(paged.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(paged[i].key(), all[i].key()) << i;

  // A token is tied to its query, and must be one of ours.
  GetDemandSummaryRequest first = Request(v1::GROUP_BY_AREA);
  first.set_page_size(3);
  v1::GetDemandSummaryResponse page;
  ASSERT_TRUE(DemandSummarizer::Page(all, first, &page).ok());
  GetDemandSummaryRequest other = Request(v1::GROUP_BY_AREA, v1::HORIZON_NOW);
  other.set_page_token(page.next_page_token());
  v1::GetDemandSummaryResponse ignored;
  EXPECT_THAT(DemandSummarizer::Page(all, other, &ignored), IsInvalidAt("page_token"));
  other = first;
  other.set_page_token("garbage");
  EXPECT_THAT(DemandSummarizer::Page(all, other, &ignored), IsInvalidAt("page_token"));
  other.clear_page_token();
  other.set_page_size(-1);
  EXPECT_THAT(DemandSummarizer::Page(all, other, &ignored), IsInvalidAt("page_size"));
}

TEST_F(DemandSummaryTest, FactsKeepWhatSummariesNeed) {
  Role role = MakeRole("acme", "fitter", 4, "M4");
  role.set_emerging(true);
  *role.mutable_closing_date() = MakeDate(2026, 5, 1);
  auto* emerging = role.add_required_skills();
  emerging->set_emerging_label("Grid  Balancing");
  emerging->set_esco_group(kTestingGroup);
  emerging->set_importance(v1::SKILL_IMPORTANCE_OPTIONAL);
  RoleFacts facts = summarizer_.Facts(role);
  EXPECT_EQ(facts.employer, "acme");
  EXPECT_EQ(facts.outcode, "M4");
  EXPECT_EQ(facts.local_authority, "E08000003");
  EXPECT_EQ(facts.closing_date, 20260501);
  EXPECT_TRUE(facts.emerging);
  ASSERT_EQ(facts.esco_skills.size(), 1u);
  EXPECT_TRUE(facts.esco_skills[0].essential);
  EXPECT_EQ(data_.taxonomy->SkillUri(facts.esco_skills[0].skill), kInstallHeatPump);
  ASSERT_EQ(facts.emerging_skills.size(), 1u);
  EXPECT_EQ(facts.emerging_skills[0].key, absl::StrCat(kTestingGroup, "#grid balancing"));
  EXPECT_FALSE(facts.emerging_skills[0].essential);
}

}  // namespace
}  // namespace pathways::demand
