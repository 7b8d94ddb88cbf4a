#include "services/training/course_validation.h"

#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/esco_fixtures.h"
#include "tests/testing/matchers.h"
#include "tests/testing/reference_data.h"

namespace pathways::training {
namespace {

using ::pathways::testing::IsInvalidAt;
using ::pathways::testing::kCustomerService;
using ::pathways::testing::kProgramming;
using ::pathways::testing::kSkillUriPrefix;
using ::pathways::testing::kSpreadsheetsUuid;
using ::pathways::testing::MakeDate;
using ::pathways::testing::TestGeography;
using ::pathways::testing::TestTaxonomy;
using ::testing::HasSubstr;
using v1::Course;
using v1::Provider;

void AddSkill(google::protobuf::RepeatedPtrField<common::v1::SkillLevel>* skills,
              absl::string_view skill, common::v1::Proficiency level) {
  common::v1::SkillLevel* added = skills->Add();
  added->set_skill(std::string(skill));
  added->set_level(level);
}

class CourseValidationTest : public ::testing::Test {
 protected:
  // A course that passes every rule.
  static Course ValidCourse() {
    Course course;
    course.set_title("Spreadsheets for office work");
    course.set_description("Formulas, charts and pivot tables, with a customer focus.");
    AddSkill(course.mutable_skills_taught(), kSpreadsheetsUuid,
             common::v1::PROFICIENCY_INTERMEDIATE);
    AddSkill(course.mutable_skills_taught(), kCustomerService, common::v1::PROFICIENCY_BASIC);
    v1::EntryRequirements* entry = course.mutable_entry_requirements();
    AddSkill(entry->mutable_skills(), kProgramming, common::v1::PROFICIENCY_BASIC);
    entry->set_min_age(16);
    entry->set_min_rqf_level(1);
    course.set_rqf_level_awarded(2);
    course.set_duration_weeks(12);
    course.set_hours_per_week(6);
    course.set_cost_pence(45'000);
    course.add_funding(v1::FUNDING_ADULT_SKILLS_FUND);
    course.add_funding(v1::FUNDING_ADVANCED_LEARNER_LOAN);
    course.mutable_venue()->set_outcode("m1 1ae");
    course.set_study_mode(common::v1::STUDY_MODE_PART_TIME);
    *course.add_start_dates() = MakeDate(2025, 9, 1);
    *course.add_start_dates() = MakeDate(2026, 1, 12);
    course.set_places(20);
    return course;
  }

  static Provider ValidProvider() {
    Provider provider;
    provider.set_display_name("Manchester College of Commerce");
    provider.mutable_location()->set_outcode("m1 1ae");
    provider.set_website("https://college.example.ac.uk/courses");
    provider.set_ukprn("10004321");
    return provider;
  }

  absl::Status Validate(Course course) const {
    return validator_.ValidateCourse("course", &course);
  }
  absl::Status Validate(Provider provider) const {
    return validator_.ValidateProvider("provider", &provider);
  }

  const taxonomy::Taxonomy* const taxonomy_ = &TestTaxonomy();
  CourseValidator validator_{taxonomy_, &TestGeography()};
};

// --- A valid course ---

TEST_F(CourseValidationTest, ValidCoursePassesAndIsNormalised) {
  Course course = ValidCourse();
  absl::Status status = validator_.ValidateCourse("course", &course);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(course.skills_taught(0).skill(), absl::StrCat(kSkillUriPrefix, kSpreadsheetsUuid));
  EXPECT_EQ(course.skills_taught(1).skill(), kCustomerService);
  EXPECT_EQ(course.entry_requirements().skills(0).skill(), kProgramming);
  EXPECT_EQ(course.venue().outcode(), "M1");
  // Nothing else changes.
  EXPECT_EQ(course.title(), "Spreadsheets for office work");
  EXPECT_EQ(course.start_dates_size(), 2);
  EXPECT_EQ(course.funding_size(), 2);
}

TEST_F(CourseValidationTest, MinimalCoursePasses) {
  Course course;
  course.set_title("T");
  AddSkill(course.mutable_skills_taught(), kSpreadsheetsUuid, common::v1::PROFICIENCY_BASIC);
  course.set_duration_weeks(1);
  course.set_hours_per_week(1);
  course.mutable_venue()->set_outcode("WA14");
  course.set_study_mode(common::v1::STUDY_MODE_FLEXIBLE);
  EXPECT_TRUE(Validate(course).ok()) << Validate(course);
}

TEST_F(CourseValidationTest, BoundaryValuesPass) {
  Course course = ValidCourse();
  course.set_title(std::string(200, 't'));
  course.set_description(std::string(4000, 'd'));
  course.mutable_entry_requirements()->set_min_age(14);
  course.mutable_entry_requirements()->set_min_rqf_level(8);
  course.set_rqf_level_awarded(8);
  course.set_duration_weeks(260);
  course.set_hours_per_week(60);
  course.set_cost_pence(10'000'000);
  course.set_places(10'000);
  course.mutable_skills_taught(0)->set_level(common::v1::PROFICIENCY_EXPERT);
  EXPECT_TRUE(Validate(course).ok()) << Validate(course);

  course.mutable_entry_requirements()->set_min_age(99);
  course.set_cost_pence(0);
  course.set_places(0);
  course.set_rqf_level_awarded(0);
  EXPECT_TRUE(Validate(course).ok()) << Validate(course);
}

TEST_F(CourseValidationTest, FieldPrefixNamesTheRequestItem) {
  Course course = ValidCourse();
  course.set_duration_weeks(0);
  EXPECT_THAT(validator_.ValidateCourse("requests[3].course", &course),
              IsInvalidAt("requests[3].course.duration_weeks"));
}

// --- Title and description ---

TEST_F(CourseValidationTest, TitleIsRequired) {
  Course course = ValidCourse();
  course.clear_title();
  EXPECT_THAT(Validate(course), IsInvalidAt("course.title"));
}

TEST_F(CourseValidationTest, TitleOf201CharactersIsTooLong) {
  Course course = ValidCourse();
  course.set_title(std::string(201, 't'));
  absl::Status status = Validate(course);
  EXPECT_THAT(status, IsInvalidAt("course.title"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("200"));
}

TEST_F(CourseValidationTest, TitleLengthCountsCharactersNotBytes) {
  Course course = ValidCourse();
  std::string title;
  for (int i = 0; i < 200; ++i) title += "\xc3\xa9";  // 200 characters, 400 bytes.
  course.set_title(title);
  EXPECT_TRUE(Validate(course).ok()) << Validate(course);
}

TEST_F(CourseValidationTest, DescriptionOf4001CharactersIsTooLong) {
  Course course = ValidCourse();
  course.set_description(std::string(4001, 'd'));
  EXPECT_THAT(Validate(course), IsInvalidAt("course.description"));
}

// --- Skills taught ---

TEST_F(CourseValidationTest, AtLeastOneSkillTaught) {
  Course course = ValidCourse();
  course.clear_skills_taught();
  EXPECT_THAT(Validate(course), IsInvalidAt("course.skills_taught"));
}

TEST_F(CourseValidationTest, FiftySkillsPassFiftyOneDoNot) {
  Course course = ValidCourse();
  course.clear_skills_taught();
  for (taxonomy::SkillIndex i = 0; i < 50; ++i) {
    AddSkill(course.mutable_skills_taught(), taxonomy_->SkillUri(i), common::v1::PROFICIENCY_BASIC);
  }
  EXPECT_TRUE(Validate(course).ok()) << Validate(course);

  AddSkill(course.mutable_skills_taught(), taxonomy_->SkillUri(50), common::v1::PROFICIENCY_BASIC);
  absl::Status status = Validate(course);
  EXPECT_THAT(status, IsInvalidAt("course.skills_taught"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("got 51"));
}

TEST_F(CourseValidationTest, UnknownSkillNamesItsIndex) {
  Course course = ValidCourse();
  course.mutable_skills_taught(1)->set_skill("00000000-0000-0000-0000-000000000000");
  EXPECT_THAT(Validate(course), IsInvalidAt("course.skills_taught[1].skill"));
}

TEST_F(CourseValidationTest, EmptySkillNamesItsIndex) {
  Course course = ValidCourse();
  course.mutable_skills_taught(1)->clear_skill();
  EXPECT_THAT(Validate(course), IsInvalidAt("course.skills_taught[1].skill"));
}

TEST_F(CourseValidationTest, DuplicateSkillIsRefusedEvenWrittenDifferently) {
  Course course = ValidCourse();
  // The same skill as [0], as a full URI in upper case instead of a bare UUID.
  AddSkill(course.mutable_skills_taught(),
           absl::AsciiStrToUpper(absl::StrCat(kSkillUriPrefix, kSpreadsheetsUuid)),
           common::v1::PROFICIENCY_ADVANCED);
  absl::Status status = Validate(course);
  EXPECT_THAT(status, IsInvalidAt("course.skills_taught[2].skill"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("repeats"));
}

TEST_F(CourseValidationTest, LevelZeroIsRefused) {
  Course course = ValidCourse();
  course.mutable_skills_taught(1)->set_level(common::v1::PROFICIENCY_UNSPECIFIED);
  EXPECT_THAT(Validate(course), IsInvalidAt("course.skills_taught[1].level"));
}

TEST_F(CourseValidationTest, LevelFiveIsRefused) {
  Course course = ValidCourse();
  course.mutable_skills_taught(0)->set_level(static_cast<common::v1::Proficiency>(5));
  EXPECT_THAT(Validate(course), IsInvalidAt("course.skills_taught[0].level"));
}

// --- Entry requirements ---

TEST_F(CourseValidationTest, EntrySkillsAreCheckedLikeSkillsTaught) {
  Course course = ValidCourse();
  course.mutable_entry_requirements()->mutable_skills(0)->set_skill("not-a-skill");
  EXPECT_THAT(Validate(course), IsInvalidAt("course.entry_requirements.skills[0].skill"));

  course = ValidCourse();
  course.mutable_entry_requirements()->mutable_skills(0)->clear_level();
  EXPECT_THAT(Validate(course), IsInvalidAt("course.entry_requirements.skills[0].level"));
}

TEST_F(CourseValidationTest, EntrySkillsAreOptionalButAtMostTwenty) {
  Course course = ValidCourse();
  course.mutable_entry_requirements()->clear_skills();
  EXPECT_TRUE(Validate(course).ok()) << Validate(course);

  for (taxonomy::SkillIndex i = 100; i < 121; ++i) {
    AddSkill(course.mutable_entry_requirements()->mutable_skills(), taxonomy_->SkillUri(i),
             common::v1::PROFICIENCY_BASIC);
  }
  EXPECT_THAT(Validate(course), IsInvalidAt("course.entry_requirements.skills"));
}

TEST_F(CourseValidationTest, MinAgeIsNoneOr14To99) {
  for (int age : {13, 1, -1, 100}) {
    Course course = ValidCourse();
    course.mutable_entry_requirements()->set_min_age(age);
    EXPECT_THAT(Validate(course), IsInvalidAt("course.entry_requirements.min_age")) << age;
  }
  Course course = ValidCourse();
  course.mutable_entry_requirements()->set_min_age(0);
  EXPECT_TRUE(Validate(course).ok()) << Validate(course);
}

TEST_F(CourseValidationTest, RqfLevelsAre0To8) {
  Course course = ValidCourse();
  course.mutable_entry_requirements()->set_min_rqf_level(9);
  EXPECT_THAT(Validate(course), IsInvalidAt("course.entry_requirements.min_rqf_level"));

  course = ValidCourse();
  course.set_rqf_level_awarded(-1);
  EXPECT_THAT(Validate(course), IsInvalidAt("course.rqf_level_awarded"));
}

// --- Duration, hours, cost, places ---

TEST_F(CourseValidationTest, DurationIs1To260Weeks) {
  for (int weeks : {0, -4, 261}) {
    Course course = ValidCourse();
    course.set_duration_weeks(weeks);
    EXPECT_THAT(Validate(course), IsInvalidAt("course.duration_weeks")) << weeks;
  }
}

TEST_F(CourseValidationTest, HoursAre1To60AWeek) {
  for (int hours : {0, 61}) {
    Course course = ValidCourse();
    course.set_hours_per_week(hours);
    absl::Status status = Validate(course);
    EXPECT_THAT(status, IsInvalidAt("course.hours_per_week")) << hours;
    EXPECT_THAT(std::string(status.message()), HasSubstr(absl::StrCat("got ", hours)));
  }
}

TEST_F(CourseValidationTest, CostIs0To10MillionPence) {
  for (int64_t cost : {int64_t{-1}, int64_t{10'000'001}, INT64_MAX}) {
    Course course = ValidCourse();
    course.set_cost_pence(cost);
    EXPECT_THAT(Validate(course), IsInvalidAt("course.cost_pence")) << cost;
  }
}

TEST_F(CourseValidationTest, PlacesAre0To10000) {
  for (int places : {-1, 10'001}) {
    Course course = ValidCourse();
    course.set_places(places);
    EXPECT_THAT(Validate(course), IsInvalidAt("course.places")) << places;
  }
}

// --- Funding ---

TEST_F(CourseValidationTest, FundingMustBeARoute) {
  Course course = ValidCourse();
  course.set_funding(0, v1::FUNDING_UNSPECIFIED);
  EXPECT_THAT(Validate(course), IsInvalidAt("course.funding[0]"));

  course = ValidCourse();
  course.set_funding(1, static_cast<v1::Funding>(99));  // Unknown to this build.
  EXPECT_THAT(Validate(course), IsInvalidAt("course.funding[1]"));
}

TEST_F(CourseValidationTest, FundingRouteListedTwiceIsRefused) {
  Course course = ValidCourse();
  course.add_funding(v1::FUNDING_ADULT_SKILLS_FUND);
  absl::Status status = Validate(course);
  EXPECT_THAT(status, IsInvalidAt("course.funding[2]"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("twice"));
}

TEST_F(CourseValidationTest, NoFundingIsFine) {
  Course course = ValidCourse();
  course.clear_funding();
  EXPECT_TRUE(Validate(course).ok()) << Validate(course);
}

// --- Venue ---

TEST_F(CourseValidationTest, VenueIsRequiredUnlessOnline) {
  Course course = ValidCourse();
  course.clear_venue();
  absl::Status status = Validate(course);
  EXPECT_THAT(status, IsInvalidAt("course.venue.outcode"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("required"));
}

TEST_F(CourseValidationTest, UnknownVenueIsRefused) {
  for (const char* outcode : {"ZZ99", "Manchester", "M1 1A"}) {
    Course course = ValidCourse();
    course.mutable_venue()->set_outcode(outcode);
    EXPECT_THAT(Validate(course), IsInvalidAt("course.venue.outcode")) << outcode;
  }
}

TEST_F(CourseValidationTest, OnlineCourseWithoutVenueIsValid) {
  Course course = ValidCourse();
  course.clear_venue();
  course.set_online(true);
  absl::Status status = validator_.ValidateCourse("course", &course);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_FALSE(course.has_venue()) << "validation does not invent a venue";
}

TEST_F(CourseValidationTest, OnlineCourseWithVenueHasItChecked) {
  Course course = ValidCourse();
  course.set_online(true);
  course.mutable_venue()->set_outcode("sw1a 1aa");
  absl::Status status = validator_.ValidateCourse("course", &course);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(course.venue().outcode(), "SW1A");

  course.mutable_venue()->set_outcode("ZZ99");
  EXPECT_THAT(Validate(course), IsInvalidAt("course.venue.outcode"));
}

// --- Study mode ---

TEST_F(CourseValidationTest, StudyModeIsRequired) {
  Course course = ValidCourse();
  course.clear_study_mode();
  EXPECT_THAT(Validate(course), IsInvalidAt("course.study_mode"));

  course.set_study_mode(static_cast<common::v1::StudyMode>(7));
  EXPECT_THAT(Validate(course), IsInvalidAt("course.study_mode"));
}

// --- Start dates ---

TEST_F(CourseValidationTest, InvalidStartDateNamesItsIndex) {
  Course course = ValidCourse();
  *course.mutable_start_dates(1) = MakeDate(2026, 2, 29);  // 2026 is no leap year.
  EXPECT_THAT(Validate(course), IsInvalidAt("course.start_dates[1]"));
}

TEST_F(CourseValidationTest, StartDatesAscendWithoutRepeats) {
  Course course = ValidCourse();
  *course.mutable_start_dates(1) = MakeDate(2025, 8, 31);
  absl::Status status = Validate(course);
  EXPECT_THAT(status, IsInvalidAt("course.start_dates[1]"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("ascending"));

  course = ValidCourse();
  *course.mutable_start_dates(1) = course.start_dates(0);
  EXPECT_THAT(Validate(course), IsInvalidAt("course.start_dates[1]"));
}

TEST_F(CourseValidationTest, AtMost52StartDates) {
  Course course = ValidCourse();
  course.clear_start_dates();
  for (int i = 0; i < 52; ++i) {
    *course.add_start_dates() = MakeDate(2025 + i / 12, i % 12 + 1, 1 + i / 12);
  }
  EXPECT_TRUE(Validate(course).ok()) << Validate(course);

  *course.add_start_dates() = MakeDate(2030, 1, 1);
  absl::Status status = Validate(course);
  EXPECT_THAT(status, IsInvalidAt("course.start_dates"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("got 53"));
}

TEST_F(CourseValidationTest, NoStartDatesIsFine) {
  Course course = ValidCourse();
  course.clear_start_dates();
  EXPECT_TRUE(Validate(course).ok()) << Validate(course);
}

// --- Providers ---

TEST_F(CourseValidationTest, ValidProviderPassesAndIsNormalised) {
  Provider provider = ValidProvider();
  absl::Status status = validator_.ValidateProvider("provider", &provider);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(provider.location().outcode(), "M1");
  EXPECT_EQ(provider.ukprn(), "10004321");
}

TEST_F(CourseValidationTest, ProviderWebsiteAndUkprnAreOptional) {
  Provider provider = ValidProvider();
  provider.clear_website();
  provider.clear_ukprn();
  EXPECT_TRUE(Validate(provider).ok()) << Validate(provider);
}

TEST_F(CourseValidationTest, ProviderDisplayNameIsRequiredAndAtMost200) {
  Provider provider = ValidProvider();
  provider.clear_display_name();
  EXPECT_THAT(Validate(provider), IsInvalidAt("provider.display_name"));

  provider.set_display_name(std::string(201, 'n'));
  EXPECT_THAT(Validate(provider), IsInvalidAt("provider.display_name"));

  provider.set_display_name(std::string(200, 'n'));
  EXPECT_TRUE(Validate(provider).ok()) << Validate(provider);
}

TEST_F(CourseValidationTest, ProviderWebsiteMustBeHttps) {
  for (const char* website :
       {"http://college.example.ac.uk", "college.example.ac.uk", "ftp://x", "HTTPS//x"}) {
    Provider provider = ValidProvider();
    provider.set_website(website);
    absl::Status status = Validate(provider);
    EXPECT_THAT(status, IsInvalidAt("provider.website")) << website;
    EXPECT_THAT(std::string(status.message()), HasSubstr("https://")) << website;
  }
  Provider provider = ValidProvider();
  provider.set_website("https://" + std::string(493, 'w'));  // 501 characters.
  EXPECT_THAT(Validate(provider), IsInvalidAt("provider.website"));
}

TEST_F(CourseValidationTest, ProviderUkprnIsEightDigits) {
  for (const char* ukprn : {"1000432", "100043210", "1000432a", "1000 432", "-1000432"}) {
    Provider provider = ValidProvider();
    provider.set_ukprn(ukprn);
    EXPECT_THAT(Validate(provider), IsInvalidAt("provider.ukprn")) << ukprn;
  }
}

TEST_F(CourseValidationTest, ProviderLocationMustBeAKnownOutcode) {
  Provider provider = ValidProvider();
  provider.mutable_location()->set_outcode("ZZ99");
  EXPECT_THAT(Validate(provider), IsInvalidAt("provider.location.outcode"));

  provider.clear_location();
  EXPECT_THAT(Validate(provider), IsInvalidAt("provider.location.outcode"));
}

}  // namespace
}  // namespace pathways::training
