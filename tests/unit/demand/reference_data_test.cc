// The demand service's own reference data: SOC 2020 unit groups and the
// postcode areas and local authorities demand is counted over.
#include <string>

#include "services/demand/areas.h"
#include "services/demand/soc2020.h"
#include "tests/unit/demand/test_data.h"

namespace pathways::demand {
namespace {

using testdata::ReferenceData;

TEST(Soc2020Test, ShippedDataHoldsEveryUnitGroup) {
  const Soc2020& soc = *ReferenceData::Get().soc;
  EXPECT_EQ(soc.unit_group_count(), 412u);
  EXPECT_EQ(soc.UnitGroupTitle("5241"), "Electricians and electrical fitters");
  EXPECT_EQ(soc.UnitGroupTitle("1111"), "Chief executives and senior officials");
}

TEST(Soc2020Test, OnlyUnitGroupsAreFound) {
  const Soc2020& soc = *ReferenceData::Get().soc;
  EXPECT_FALSE(soc.UnitGroupTitle("524"));  // A minor group.
  EXPECT_FALSE(soc.UnitGroupTitle("5"));    // A major group.
  EXPECT_FALSE(soc.UnitGroupTitle("0000"));
  EXPECT_FALSE(soc.UnitGroupTitle(""));
}

TEST(Soc2020Test, MalformedDataIsRefusedWithItsLine) {
  auto parsed = Soc2020::FromCsv("code,level,title\n1,major,Managers\n12345,unit,Too long\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("line 3"), std::string::npos) << parsed.status();
  parsed = Soc2020::FromCsv("code,level,title\n1,major,Managers\n");
  EXPECT_FALSE(parsed.ok());  // No unit groups at all.
  parsed = Soc2020::FromCsv("code,title\n1111,Chiefs\n");
  EXPECT_FALSE(parsed.ok());  // No level column.
  parsed = Soc2020::FromCsv("code,level,title\n1111,unit,A\n1111,unit,B\n");
  EXPECT_FALSE(parsed.ok());  // Twice.
}

TEST(Soc2020Test, MissingFileIsNotFound) {
  EXPECT_EQ(Soc2020::Load("/nonexistent").status().code(), absl::StatusCode::kNotFound);
}

TEST(AreaDirectoryTest, PostcodeAreaIsTheLeadingLetters) {
  EXPECT_EQ(AreaDirectory::PostcodeArea("M1"), "M");
  EXPECT_EQ(AreaDirectory::PostcodeArea("WA14"), "WA");
  EXPECT_EQ(AreaDirectory::PostcodeArea("SW1A"), "SW");
  EXPECT_EQ(AreaDirectory::PostcodeArea(""), "");
}

TEST(AreaDirectoryTest, KnowsPostcodeAreasAndAuthorities) {
  const AreaDirectory& areas = *ReferenceData::Get().areas;
  EXPECT_TRUE(areas.HasPostcodeArea("M"));
  EXPECT_TRUE(areas.HasPostcodeArea("WA"));
  EXPECT_FALSE(areas.HasPostcodeArea("ZQ"));
  EXPECT_FALSE(areas.HasPostcodeArea("BT"));  // Northern Ireland is not covered.
  EXPECT_EQ(areas.AuthorityName("E08000003"), "Manchester");
  EXPECT_EQ(areas.AuthorityName("E08000009"), "Trafford");
  EXPECT_FALSE(areas.AuthorityName("E99999999"));
}

TEST(AreaDirectoryTest, AnAuthorityWithTwoNamesIsRefused) {
  auto parsed = AreaDirectory::FromCsv(
      "outcode,main_lad_code,main_lad_name\nM1,E08000003,Manchester\nM2,E08000003,Salford\n");
  EXPECT_FALSE(parsed.ok());
}

}  // namespace
}  // namespace pathways::demand
