#include "services/common/field_validation.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"
#include "tests/testing/esco_fixtures.h"
#include "tests/testing/matchers.h"
#include "tests/testing/reference_data.h"

namespace pathways {
namespace {

using ::pathways::testing::kSpreadsheets;
using ::pathways::testing::kSpreadsheetsUuid;
using ::pathways::testing::MakeDate;
using ::pathways::testing::TestGeography;
using ::pathways::testing::TestTaxonomy;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Repeat(absl::string_view text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out.append(text.data(), text.size());
  return out;
}

// --- CheckText ---

TEST(CheckTextTest, RequiredAndOptional) {
  absl::Status missing = CheckText("course.title", "", 200, /*required=*/true);
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.message(), "course.title is required");
  EXPECT_TRUE(CheckText("course.description", "", 4000, /*required=*/false).ok());
}

TEST(CheckTextTest, LimitIsInclusive) {
  EXPECT_TRUE(CheckText("f", std::string(200, 'x'), 200, true).ok());
  absl::Status status = CheckText("f", std::string(201, 'x'), 200, true);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("f must be at most 200 characters"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("got 201"));
}

TEST(CheckTextTest, CountsUtf8CharactersNotBytes) {
  // Two-, three- and four-byte sequences each count once.
  const std::string e_acute = "\xc3\xa9";        // é
  const std::string yen = "\xe5\x86\x86";        // 円
  const std::string emoji = "\xf0\x9f\x8e\x93";  // 🎓
  EXPECT_TRUE(CheckText("f", "caf" + e_acute, 4, true).ok());
  EXPECT_TRUE(CheckText("f", Repeat(e_acute, 200), 200, true).ok());
  EXPECT_TRUE(CheckText("f", Repeat(yen, 200), 200, true).ok());
  EXPECT_TRUE(CheckText("f", Repeat(emoji, 200), 200, true).ok());

  absl::Status status = CheckText("f", Repeat(emoji, 201), 200, true);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("got 201"));
  EXPECT_FALSE(CheckText("f", "caf" + e_acute + "s", 4, true).ok());
}

// --- CheckRange ---

TEST(CheckRangeTest, BoundsAreInclusive) {
  EXPECT_TRUE(CheckRange("hours", 1, 1, 60).ok());
  EXPECT_TRUE(CheckRange("hours", 60, 1, 60).ok());
  EXPECT_EQ(CheckRange("hours", 0, 1, 60).code(), absl::StatusCode::kInvalidArgument);
  absl::Status status = CheckRange("course.hours_per_week", 61, 1, 60);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "course.hours_per_week must be 1..60, got 61");
  EXPECT_FALSE(CheckRange("cost", INT64_MIN, 0, 10).ok());
  EXPECT_FALSE(CheckRange("cost", INT64_MAX, 0, 10).ok());
}

// --- Dates ---

TEST(CheckDateTest, ValidDates) {
  for (const common::v1::Date& date :
       {MakeDate(2025, 1, 1), MakeDate(2025, 12, 31), MakeDate(2025, 4, 30), MakeDate(1900, 1, 1),
        MakeDate(2200, 12, 31), MakeDate(2024, 2, 29), MakeDate(2000, 2, 29)}) {
    EXPECT_TRUE(CheckDate("d", date).ok()) << date.ShortDebugString();
  }
}

TEST(CheckDateTest, LeapYears) {
  EXPECT_TRUE(CheckDate("d", MakeDate(2024, 2, 29)).ok());   // Divisible by 4.
  EXPECT_FALSE(CheckDate("d", MakeDate(2023, 2, 29)).ok());  // Not.
  EXPECT_FALSE(CheckDate("d", MakeDate(2100, 2, 29)).ok());  // Century.
  EXPECT_FALSE(CheckDate("d", MakeDate(1900, 2, 29)).ok());  // Century.
  EXPECT_TRUE(CheckDate("d", MakeDate(2000, 2, 29)).ok());   // Divisible by 400.
  EXPECT_FALSE(CheckDate("d", MakeDate(2024, 2, 30)).ok());
}

TEST(CheckDateTest, InvalidDatesNameTheField) {
  for (const common::v1::Date& date :
       {MakeDate(0, 0, 0), MakeDate(1899, 12, 31), MakeDate(2201, 1, 1), MakeDate(2025, 0, 10),
        MakeDate(2025, 13, 1), MakeDate(2025, 1, 0), MakeDate(2025, 1, 32), MakeDate(2025, 4, 31),
        MakeDate(2025, 6, 31), MakeDate(2025, 9, 31), MakeDate(2025, 11, 31), MakeDate(2025, -1, 1),
        MakeDate(2025, 1, -1)}) {
    absl::Status status = CheckDate("course.start_dates[3]", date);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << date.ShortDebugString();
    EXPECT_THAT(std::string(status.message()), StartsWith("course.start_dates[3] "));
  }
}

TEST(DateBeforeTest, OrdersByYearThenMonthThenDay) {
  EXPECT_TRUE(DateBefore(MakeDate(2024, 12, 31), MakeDate(2025, 1, 1)));
  EXPECT_TRUE(DateBefore(MakeDate(2025, 1, 31), MakeDate(2025, 2, 1)));
  EXPECT_TRUE(DateBefore(MakeDate(2025, 2, 1), MakeDate(2025, 2, 2)));
  EXPECT_FALSE(DateBefore(MakeDate(2025, 2, 2), MakeDate(2025, 2, 2)));
  EXPECT_FALSE(DateBefore(MakeDate(2025, 2, 3), MakeDate(2025, 2, 2)));
  EXPECT_FALSE(DateBefore(MakeDate(2026, 1, 1), MakeDate(2025, 12, 31)));
}

// --- Proficiency ---

TEST(CheckProficiencyTest, BasicToExpert) {
  for (common::v1::Proficiency level :
       {common::v1::PROFICIENCY_BASIC, common::v1::PROFICIENCY_INTERMEDIATE,
        common::v1::PROFICIENCY_ADVANCED, common::v1::PROFICIENCY_EXPERT}) {
    EXPECT_TRUE(CheckProficiency("level", level).ok()) << level;
  }
  for (int level : {0, 5, -1}) {
    absl::Status status =
        CheckProficiency("skills[0].level", static_cast<common::v1::Proficiency>(level));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << level;
    EXPECT_THAT(std::string(status.message()), StartsWith("skills[0].level ")) << level;
  }
}

// --- Skills and places, against the shipped reference data ---

class ReferenceDataTest : public ::testing::Test {
 protected:
  const taxonomy::Taxonomy* const taxonomy_ = &TestTaxonomy();
  const taxonomy::Geography* const geography_ = &TestGeography();
};

TEST_F(ReferenceDataTest, NormalizeSkillRewritesToTheCanonicalUri) {
  for (std::string input : {std::string(kSpreadsheetsUuid), std::string(kSpreadsheets),
                            std::string("HTTPS://DATA.EUROPA.EU/ESCO/SKILL/"
                                        "1973C966-F236-40C9-B2D4-5D71A89019BE"),
                            std::string(" 1973c966-f236-40c9-b2d4-5d71a89019be ")}) {
    std::string skill = input;
    absl::Status status = NormalizeSkill("skill", *taxonomy_, &skill);
    ASSERT_TRUE(status.ok()) << input << ": " << status;
    EXPECT_EQ(skill, kSpreadsheets) << input;
  }
}

TEST_F(ReferenceDataTest, NormalizeSkillRejectsUnknownSkills) {
  std::string empty;
  absl::Status required = NormalizeSkill("skills[2].skill", *taxonomy_, &empty);
  EXPECT_EQ(required.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(required.message(), "skills[2].skill is required");

  // A well-formed UUID that is no skill, a skill group's URI, and plain text.
  for (std::string input : {std::string("00000000-0000-0000-0000-000000000000"),
                            std::string("http://data.europa.eu/esco/skill/"
                                        "e35a5936-091d-4e87-bafe-f264e55bd656"),
                            std::string("spreadsheets")}) {
    std::string skill = input;
    absl::Status status = NormalizeSkill("skills[2].skill", *taxonomy_, &skill);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << input;
    EXPECT_THAT(std::string(status.message()), StartsWith("skills[2].skill ")) << input;
    EXPECT_THAT(std::string(status.message()), HasSubstr("is not an ESCO")) << input;
    EXPECT_EQ(skill, input) << "left unchanged on error";
  }
}

TEST_F(ReferenceDataTest, NormalizeOutcodeAcceptsOutcodesAndPostcodes) {
  const std::pair<const char*, const char*> kCases[] = {
      {"M1", "M1"}, {"m1 1ae", "M1"}, {"wa14", "WA14"}, {"SW1A 1AA", "SW1A"}};
  for (const auto& [input, want] : kCases) {
    std::string outcode = input;
    absl::Status status = NormalizeOutcode("venue.outcode", *geography_, &outcode);
    ASSERT_TRUE(status.ok()) << input << ": " << status;
    EXPECT_EQ(outcode, want);
  }
}

TEST_F(ReferenceDataTest, NormalizeOutcodeRejectsUnknownPlaces) {
  std::string empty;
  absl::Status required = NormalizeOutcode("venue.outcode", *geography_, &empty);
  EXPECT_EQ(required.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(required.message(), "venue.outcode is required");

  // Well-formed but not a GB district, and not a postcode at all.
  for (const char* input : {"ZZ99", "12345", "Manchester"}) {
    std::string outcode = input;
    absl::Status status = NormalizeOutcode("venue.outcode", *geography_, &outcode);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << input;
    EXPECT_THAT(std::string(status.message()), StartsWith("venue.outcode ")) << input;
    EXPECT_EQ(outcode, input);
  }
}

}  // namespace
}  // namespace pathways
