#include "services/profiles/profile_validation.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/api_conventions.h"
#include "tests/testing/esco_fixtures.h"
#include "tests/testing/matchers.h"
#include "tests/testing/reference_data.h"

namespace pathways::profiles {
namespace {

using ::pathways::testing::IsInvalidAt;
using ::pathways::testing::kDesigningElectricalGroup;
using ::pathways::testing::kElectricianUuid;
using ::pathways::testing::kInstallHeatPump;
using ::pathways::testing::kOccupationUriPrefix;
using ::pathways::testing::kSkillUriPrefix;
using ::pathways::testing::kSpreadsheetsUuid;
using ::pathways::testing::MakeDate;
using ::pathways::testing::TestGeography;
using ::pathways::testing::TestTaxonomy;
using ::testing::HasSubstr;
using v1::Profile;

absl::Time At(int year, int month, int day, int hour = 12) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, 0, 0), absl::UTCTimeZone());
}

// "Now" in every test: noon on 15 June 2025.
const absl::Time kNow = At(2025, 6, 15);

v1::ProfileSkill EscoSkill(absl::string_view skill,
                           common::v1::Proficiency level = common::v1::PROFICIENCY_BASIC) {
  v1::ProfileSkill out;
  out.mutable_skill()->set_skill(std::string(skill));
  out.mutable_skill()->set_level(level);
  out.set_evidence(v1::SKILL_EVIDENCE_ASSESSED);
  return out;
}

v1::ProfileSkill EmergingSkill(absl::string_view label, absl::string_view group) {
  v1::ProfileSkill out;
  out.mutable_skill()->set_level(common::v1::PROFICIENCY_INTERMEDIATE);
  out.set_evidence(v1::SKILL_EVIDENCE_WORK_EXPERIENCE);
  out.set_emerging_label(std::string(label));
  out.set_esco_group(std::string(group));
  return out;
}

class ProfileValidationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    validator_ = new ProfileValidator(&TestTaxonomy(), &TestGeography());
  }
  static void TearDownTestSuite() { delete validator_; }

  // A 17-year-old who consented herself at 16; passes every rule.
  static Profile ValidProfile() {
    Profile profile;
    profile.set_adviser("adviser-7f3a");
    *profile.mutable_date_of_birth() = MakeDate(2008, 3, 1);
    profile.mutable_home()->set_outcode("m1 1ae");
    *profile.add_skills() = EscoSkill(kInstallHeatPump, common::v1::PROFICIENCY_INTERMEDIATE);
    *profile.add_skills() = EscoSkill(kSpreadsheetsUuid);
    profile.mutable_skills(1)->set_evidence_note("GCSE ICT");
    *profile.add_skills() = EmergingSkill("heat pump commissioning", "S1.11.2");
    profile.mutable_interests()->add_occupations(std::string(kElectricianUuid));
    profile.mutable_interests()->add_occupations("http://data.europa.eu/esco/isco/C74");
    profile.mutable_interests()->add_skill_groups(std::string(kDesigningElectricalGroup));
    profile.mutable_interests()->add_skill_groups(std::string(kInstallHeatPump));
    profile.mutable_interests()->add_tags("outdoors");
    profile.set_highest_rqf_level(2);
    profile.set_availability(common::v1::STUDY_MODE_PART_TIME);
    profile.set_max_travel_km(25);
    v1::Consent* consent = profile.mutable_consent();
    consent->add_purposes(v1::CONSENT_PURPOSE_MATCHING);
    consent->add_purposes(v1::CONSENT_PURPOSE_AGGREGATE_STATISTICS);
    *consent->mutable_given_at() = ToTimestamp(At(2025, 3, 1));
    consent->set_given_by(v1::CONSENT_GIVER_SELF);
    *profile.mutable_retention_deadline() = ToTimestamp(At(2027, 6, 15));
    return profile;
  }

  // Born on `birth`, with guardian consent given on `consent_day`.
  static Profile GuardianProfile(const common::v1::Date& birth, absl::Time consent_day) {
    Profile profile = ValidProfile();
    *profile.mutable_date_of_birth() = birth;
    *profile.mutable_consent()->mutable_given_at() = ToTimestamp(consent_day);
    profile.mutable_consent()->set_given_by(v1::CONSENT_GIVER_GUARDIAN);
    profile.mutable_consent()->set_guardian_relationship("parent");
    return profile;
  }

  static absl::Status Validate(Profile profile, bool check_retention = true) {
    return validator_->ValidateProfile("profile", &profile, kNow, check_retention);
  }

  const taxonomy::Taxonomy* const taxonomy_ = &TestTaxonomy();
  static const ProfileValidator* validator_;
};

const ProfileValidator* ProfileValidationTest::validator_ = nullptr;

// --- A valid profile ---

TEST_F(ProfileValidationTest, ValidProfilePassesAndIsNormalised) {
  Profile profile = ValidProfile();
  absl::Status status = validator_->ValidateProfile("profile", &profile, kNow, true);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(profile.home().outcode(), "M1");
  EXPECT_EQ(profile.skills(1).skill().skill(), absl::StrCat(kSkillUriPrefix, kSpreadsheetsUuid));
  EXPECT_EQ(profile.skills(2).esco_group(), kDesigningElectricalGroup);
  EXPECT_EQ(profile.interests().occupations(0),
            absl::StrCat(kOccupationUriPrefix, kElectricianUuid));
  EXPECT_EQ(profile.interests().occupations(1), "http://data.europa.eu/esco/isco/C74");
  EXPECT_EQ(profile.interests().skill_groups(0), kDesigningElectricalGroup);
  EXPECT_EQ(profile.interests().skill_groups(1), kInstallHeatPump);
}

TEST_F(ProfileValidationTest, MinimalProfilePasses) {
  Profile profile;
  profile.set_adviser("a");
  *profile.mutable_date_of_birth() = MakeDate(2000, 1, 1);
  profile.mutable_home()->set_outcode("WA14");
  profile.mutable_consent()->add_purposes(v1::CONSENT_PURPOSE_MATCHING);
  *profile.mutable_consent()->mutable_given_at() = ToTimestamp(kNow);
  profile.mutable_consent()->set_given_by(v1::CONSENT_GIVER_SELF);
  *profile.mutable_retention_deadline() = ToTimestamp(kNow + absl::Hours(1));
  EXPECT_TRUE(Validate(profile).ok()) << Validate(profile);
}

TEST_F(ProfileValidationTest, FieldPrefixNamesTheRequestField) {
  Profile profile = ValidProfile();
  profile.set_highest_rqf_level(9);
  EXPECT_THAT(validator_->ValidateProfile("inline_profile", &profile, kNow, true),
              IsInvalidAt("inline_profile.highest_rqf_level"));
}

// --- Adviser ---

TEST_F(ProfileValidationTest, AdviserIsRequired) {
  Profile profile = ValidProfile();
  profile.clear_adviser();
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.adviser"));
}

TEST_F(ProfileValidationTest, AdviserOf129CharactersIsTooLong) {
  Profile profile = ValidProfile();
  profile.set_adviser(std::string(128, 'a'));
  EXPECT_TRUE(Validate(profile).ok());
  profile.set_adviser(std::string(129, 'a'));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.adviser"));
}

// --- Date of birth and age ---

TEST_F(ProfileValidationTest, DateOfBirthIsRequired) {
  Profile profile = ValidProfile();
  profile.clear_date_of_birth();
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.date_of_birth"));
}

TEST_F(ProfileValidationTest, DateOfBirthMustBeACalendarDate) {
  Profile profile = ValidProfile();
  *profile.mutable_date_of_birth() = MakeDate(2009, 2, 29);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.date_of_birth"));
}

TEST_F(ProfileValidationTest, DateOfBirthInTheFutureIsRejected) {
  Profile profile = ValidProfile();
  *profile.mutable_date_of_birth() = MakeDate(2025, 6, 16);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.date_of_birth"));
}

TEST_F(ProfileValidationTest, PersonMustBeAtLeast11Today) {
  // 11 on the day: accepted. The day before the 11th birthday: refused.
  Profile profile = GuardianProfile(MakeDate(2014, 6, 15), At(2025, 6, 15));
  EXPECT_TRUE(Validate(profile).ok()) << Validate(profile);
  profile = GuardianProfile(MakeDate(2014, 6, 16), At(2025, 6, 15));
  absl::Status status = Validate(profile);
  EXPECT_THAT(status, IsInvalidAt("profile.date_of_birth"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("11..99"));
}

TEST_F(ProfileValidationTest, PersonMustBeAtMost99Today) {
  Profile profile = ValidProfile();
  *profile.mutable_date_of_birth() = MakeDate(1925, 6, 16);  // 99 until tomorrow.
  EXPECT_TRUE(Validate(profile).ok()) << Validate(profile);
  *profile.mutable_date_of_birth() = MakeDate(1925, 6, 15);  // 100 today.
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.date_of_birth"));
}

TEST_F(ProfileValidationTest, AgeCountsLeapDayBirthdaysFromFirstOfMarch) {
  common::v1::Date leap = MakeDate(2008, 2, 29);
  EXPECT_EQ(AgeOn(leap, MakeDate(2024, 2, 28)), 15);
  EXPECT_EQ(AgeOn(leap, MakeDate(2024, 2, 29)), 16);
  EXPECT_EQ(AgeOn(leap, MakeDate(2025, 2, 28)), 16);
  EXPECT_EQ(AgeOn(leap, MakeDate(2026, 2, 28)), 17);
  EXPECT_EQ(AgeOn(leap, MakeDate(2026, 3, 1)), 18);
}

// --- Home ---

TEST_F(ProfileValidationTest, HomeOutcodeIsRequired) {
  Profile profile = ValidProfile();
  profile.clear_home();
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.home.outcode"));
}

TEST_F(ProfileValidationTest, HomeOutcodeMustBeAKnownDistrict) {
  Profile profile = ValidProfile();
  profile.mutable_home()->set_outcode("ZZ99");
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.home.outcode"));
}

// --- Skills ---

TEST_F(ProfileValidationTest, AtMost200Skills) {
  Profile profile = ValidProfile();
  profile.clear_skills();
  for (taxonomy::SkillIndex i = 0; i < 200; ++i) {
    *profile.add_skills() = EscoSkill(taxonomy_->SkillUri(i));
  }
  EXPECT_TRUE(Validate(profile).ok()) << Validate(profile);
  *profile.add_skills() = EscoSkill(taxonomy_->SkillUri(200));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills"));
}

TEST_F(ProfileValidationTest, SkillMustBeAnEscoSkill) {
  Profile profile = ValidProfile();
  profile.mutable_skills(0)->mutable_skill()->set_skill(
      "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000");
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[0].skill.skill"));
}

TEST_F(ProfileValidationTest, SkillGroupIsNotASkill) {
  Profile profile = ValidProfile();
  profile.mutable_skills(0)->mutable_skill()->set_skill(std::string(kDesigningElectricalGroup));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[0].skill.skill"));
}

TEST_F(ProfileValidationTest, SkillEntryNeedsASkillOrAnEmergingSkill) {
  Profile profile = ValidProfile();
  profile.mutable_skills(1)->mutable_skill()->clear_skill();
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[1].skill.skill"));
}

TEST_F(ProfileValidationTest, SkillLevelIsRequired) {
  Profile profile = ValidProfile();
  profile.mutable_skills(0)->mutable_skill()->set_level(common::v1::PROFICIENCY_UNSPECIFIED);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[0].skill.level"));
}

TEST_F(ProfileValidationTest, SkillEvidenceIsRequired) {
  Profile profile = ValidProfile();
  profile.mutable_skills(1)->set_evidence(v1::SKILL_EVIDENCE_UNSPECIFIED);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[1].evidence"));
  profile.mutable_skills(1)->set_evidence(static_cast<v1::SkillEvidence>(42));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[1].evidence"));
}

TEST_F(ProfileValidationTest, EvidenceNoteOf201CharactersIsTooLong) {
  Profile profile = ValidProfile();
  profile.mutable_skills(1)->set_evidence_note(std::string(200, 'n'));
  EXPECT_TRUE(Validate(profile).ok());
  profile.mutable_skills(1)->set_evidence_note(std::string(201, 'n'));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[1].evidence_note"));
}

TEST_F(ProfileValidationTest, SameEscoSkillTwiceIsRejectedWhateverItsForm) {
  Profile profile = ValidProfile();
  // The bare UUID of skills[1], in upper case.
  *profile.add_skills() = EscoSkill("1973C966-F236-40C9-B2D4-5D71A89019BE");
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[3].skill.skill"));
}

TEST_F(ProfileValidationTest, EscoSkillMayNotCarryEmergingFields) {
  Profile profile = ValidProfile();
  profile.mutable_skills(0)->set_emerging_label("extra");
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[0].emerging_label"));
  profile = ValidProfile();
  profile.mutable_skills(0)->set_esco_group("S1.11.2");
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[0].esco_group"));
}

TEST_F(ProfileValidationTest, EmergingSkillNeedsItsGroup) {
  Profile profile = ValidProfile();
  profile.mutable_skills(2)->clear_esco_group();
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[2].esco_group"));
}

TEST_F(ProfileValidationTest, EmergingSkillGroupMustBeAnEscoGroup) {
  Profile profile = ValidProfile();
  profile.mutable_skills(2)->set_esco_group(std::string(kInstallHeatPump));  // A skill.
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[2].esco_group"));
}

TEST_F(ProfileValidationTest, EmergingSkillNeedsALabelOfAtMost100Characters) {
  Profile profile = ValidProfile();
  profile.mutable_skills(2)->clear_emerging_label();
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[2].emerging_label"));
  profile.mutable_skills(2)->set_emerging_label(std::string(100, 'l'));
  EXPECT_TRUE(Validate(profile).ok());
  profile.mutable_skills(2)->set_emerging_label(std::string(101, 'l'));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[2].emerging_label"));
  profile.mutable_skills(2)->set_emerging_label("   ");
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[2].emerging_label"));
}

TEST_F(ProfileValidationTest, EmergingSkillsCompareIgnoringCaseAndSpaceRuns) {
  Profile profile = ValidProfile();
  *profile.add_skills() = EmergingSkill("  Heat   Pump commissioning ", kDesigningElectricalGroup);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.skills[3].emerging_label"));
  // The same label under another group is another skill.
  profile.mutable_skills(3)->set_esco_group("S4");
  EXPECT_TRUE(Validate(profile).ok()) << Validate(profile);
}

// --- Interests ---

TEST_F(ProfileValidationTest, InterestOccupationMustBeKnown) {
  Profile profile = ValidProfile();
  profile.mutable_interests()->set_occupations(0, std::string(kInstallHeatPump));  // A skill.
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.interests.occupations[0]"));
}

TEST_F(ProfileValidationTest, InterestIscoGroupMustHoldAnOccupation) {
  Profile profile = ValidProfile();
  profile.mutable_interests()->set_occupations(1, "http://data.europa.eu/esco/isco/C7411");
  EXPECT_TRUE(Validate(profile).ok()) << Validate(profile);
  profile.mutable_interests()->set_occupations(1, "http://data.europa.eu/esco/isco/C99");
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.interests.occupations[1]"));
  profile.mutable_interests()->set_occupations(1, "http://data.europa.eu/esco/isco/C74111");
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.interests.occupations[1]"));
}

TEST_F(ProfileValidationTest, InterestOccupationsAtMost20WithoutRepeats) {
  Profile profile = ValidProfile();
  profile.mutable_interests()->add_occupations(
      absl::StrCat(kOccupationUriPrefix, kElectricianUuid));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.interests.occupations[2]"));
  profile.mutable_interests()->clear_occupations();
  for (taxonomy::OccupationIndex i = 0; i < 21; ++i) {
    profile.mutable_interests()->add_occupations(taxonomy_->OccupationUri(i));
  }
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.interests.occupations"));
}

TEST_F(ProfileValidationTest, InterestSkillGroupsMustBeKnownAtMost20WithoutRepeats) {
  Profile profile = ValidProfile();
  profile.mutable_interests()->add_skill_groups("not a skill");
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.interests.skill_groups[2]"));
  profile.mutable_interests()->set_skill_groups(2, "S1.11.2");  // Group code of [0].
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.interests.skill_groups[2]"));
  profile.mutable_interests()->clear_skill_groups();
  for (taxonomy::SkillIndex i = 0; i < 21; ++i) {
    profile.mutable_interests()->add_skill_groups(taxonomy_->SkillUri(i));
  }
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.interests.skill_groups"));
}

TEST_F(ProfileValidationTest, TagsAre1To40CharactersAtMost20WithoutRepeats) {
  Profile profile = ValidProfile();
  profile.mutable_interests()->add_tags(std::string(40, 't'));
  EXPECT_TRUE(Validate(profile).ok());
  profile.mutable_interests()->set_tags(1, std::string(41, 't'));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.interests.tags[1]"));
  profile.mutable_interests()->set_tags(1, "");
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.interests.tags[1]"));
  profile.mutable_interests()->set_tags(1, "OUTDOORS");
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.interests.tags[1]"));
  profile.mutable_interests()->clear_tags();
  for (int i = 0; i < 21; ++i) profile.mutable_interests()->add_tags(absl::StrCat("tag", i));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.interests.tags"));
}

// --- Qualification, availability, travel ---

TEST_F(ProfileValidationTest, RqfLevelIs0To8) {
  Profile profile = ValidProfile();
  profile.set_highest_rqf_level(0);
  EXPECT_TRUE(Validate(profile).ok());
  profile.set_highest_rqf_level(8);
  EXPECT_TRUE(Validate(profile).ok());
  profile.set_highest_rqf_level(9);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.highest_rqf_level"));
  profile.set_highest_rqf_level(-1);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.highest_rqf_level"));
}

TEST_F(ProfileValidationTest, AvailabilityMustBeAStudyModeOrUnspecified) {
  Profile profile = ValidProfile();
  profile.set_availability(common::v1::STUDY_MODE_UNSPECIFIED);
  EXPECT_TRUE(Validate(profile).ok());
  profile.set_availability(static_cast<common::v1::StudyMode>(9));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.availability"));
}

TEST_F(ProfileValidationTest, MaxTravelIsZeroForNotGivenOrUpTo300) {
  Profile profile = ValidProfile();
  profile.set_max_travel_km(0);
  EXPECT_TRUE(Validate(profile).ok());
  profile.set_max_travel_km(300);
  EXPECT_TRUE(Validate(profile).ok());
  profile.set_max_travel_km(301);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.max_travel_km"));
  profile.set_max_travel_km(-5);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.max_travel_km"));
}

// --- Consent ---

TEST_F(ProfileValidationTest, ConsentIsRequired) {
  Profile profile = ValidProfile();
  profile.clear_consent();
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.consent"));
}

TEST_F(ProfileValidationTest, ConsentNeedsAPurpose) {
  Profile profile = ValidProfile();
  profile.mutable_consent()->clear_purposes();
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.consent.purposes"));
}

TEST_F(ProfileValidationTest, ConsentPurposeMustBeSpecified) {
  Profile profile = ValidProfile();
  profile.mutable_consent()->set_purposes(0, v1::CONSENT_PURPOSE_UNSPECIFIED);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.consent.purposes[0]"));
}

TEST_F(ProfileValidationTest, ConsentPurposeListedTwiceIsRejected) {
  Profile profile = ValidProfile();
  profile.mutable_consent()->add_purposes(v1::CONSENT_PURPOSE_MATCHING);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.consent.purposes[2]"));
}

TEST_F(ProfileValidationTest, ConsentGivenAtIsRequired) {
  Profile profile = ValidProfile();
  profile.mutable_consent()->clear_given_at();
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.consent.given_at"));
}

TEST_F(ProfileValidationTest, ConsentGivenAtMustNotBeInTheFuture) {
  Profile profile = ValidProfile();
  *profile.mutable_consent()->mutable_given_at() = ToTimestamp(kNow);
  EXPECT_TRUE(Validate(profile).ok());
  *profile.mutable_consent()->mutable_given_at() = ToTimestamp(kNow + absl::Seconds(1));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.consent.given_at"));
}

TEST_F(ProfileValidationTest, ConsentGivenAtMustNotPrecedeBirth) {
  Profile profile = GuardianProfile(MakeDate(2012, 5, 10), At(2012, 5, 9));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.consent.given_at"));
}

TEST_F(ProfileValidationTest, ConsentGiverIsRequired) {
  Profile profile = ValidProfile();
  profile.mutable_consent()->set_given_by(v1::CONSENT_GIVER_UNSPECIFIED);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.consent.given_by"));
}

TEST_F(ProfileValidationTest, UnderSixteenNeedsAGuardian) {
  // 14 today and when consent was given: a guardian is required.
  Profile profile = GuardianProfile(MakeDate(2011, 1, 20), At(2025, 5, 1));
  EXPECT_TRUE(Validate(profile).ok()) << Validate(profile);
  profile.mutable_consent()->set_given_by(v1::CONSENT_GIVER_SELF);
  profile.mutable_consent()->clear_guardian_relationship();
  absl::Status status = Validate(profile);
  EXPECT_THAT(status, IsInvalidAt("profile.consent.given_by"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("GUARDIAN"));
}

TEST_F(ProfileValidationTest, AgeIsTakenOnTheDayConsentWasGiven) {
  // 17 today, but consent was given the day before the 16th birthday.
  Profile profile = ValidProfile();
  *profile.mutable_date_of_birth() = MakeDate(2008, 3, 1);
  *profile.mutable_consent()->mutable_given_at() = ToTimestamp(At(2024, 2, 29));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.consent.given_by"));
  // On the 16th birthday itself the person may consent.
  *profile.mutable_consent()->mutable_given_at() = ToTimestamp(At(2024, 3, 1));
  EXPECT_TRUE(Validate(profile).ok()) << Validate(profile);
}

TEST_F(ProfileValidationTest, GuardianConsentNeedsTheRelationship) {
  Profile profile = GuardianProfile(MakeDate(2011, 1, 20), At(2025, 5, 1));
  profile.mutable_consent()->clear_guardian_relationship();
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.consent.guardian_relationship"));
  profile.mutable_consent()->set_guardian_relationship(std::string(51, 'r'));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.consent.guardian_relationship"));
  profile.mutable_consent()->set_guardian_relationship(std::string(50, 'r'));
  EXPECT_TRUE(Validate(profile).ok());
}

TEST_F(ProfileValidationTest, GuardianMayConsentForAnAdultToo) {
  Profile profile = GuardianProfile(MakeDate(2005, 1, 20), At(2025, 5, 1));
  profile.mutable_consent()->set_guardian_relationship("local authority");
  EXPECT_TRUE(Validate(profile).ok()) << Validate(profile);
}

TEST_F(ProfileValidationTest, SelfConsentMayNotNameAGuardianRelationship) {
  Profile profile = ValidProfile();
  profile.mutable_consent()->set_guardian_relationship("parent");
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.consent.guardian_relationship"));
}

TEST_F(ProfileValidationTest, MatchingConsentIsWhatMatchingNeeds) {
  Profile profile = ValidProfile();
  profile.set_name("profiles/p1");
  EXPECT_TRUE(CheckMatchingConsent(profile).ok());
  profile.mutable_consent()->clear_purposes();
  profile.mutable_consent()->add_purposes(v1::CONSENT_PURPOSE_AGGREGATE_STATISTICS);
  absl::Status status = CheckMatchingConsent(profile);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("CONSENT_PURPOSE_MATCHING"));
}

// --- Retention deadline ---

TEST_F(ProfileValidationTest, RetentionDeadlineIsRequired) {
  Profile profile = ValidProfile();
  profile.clear_retention_deadline();
  EXPECT_THAT(Validate(profile, false), IsInvalidAt("profile.retention_deadline"));
}

TEST_F(ProfileValidationTest, RetentionDeadlineMustBeInTheFutureWhenSet) {
  Profile profile = ValidProfile();
  *profile.mutable_retention_deadline() = ToTimestamp(kNow);
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.retention_deadline"));
  // An update that leaves it alone does not re-check it.
  EXPECT_TRUE(Validate(profile, false).ok());
}

TEST_F(ProfileValidationTest, RetentionDeadlineAtMostSixYearsAhead) {
  Profile profile = ValidProfile();
  *profile.mutable_retention_deadline() = ToTimestamp(At(2031, 6, 15));
  EXPECT_TRUE(Validate(profile).ok()) << Validate(profile);
  *profile.mutable_retention_deadline() = ToTimestamp(At(2031, 6, 15) + absl::Seconds(1));
  EXPECT_THAT(Validate(profile), IsInvalidAt("profile.retention_deadline"));
}

// --- Skill identity and content-only validation ---

TEST_F(ProfileValidationTest, SkillKeyFoldsEmergingLabels) {
  v1::ProfileSkill a = EmergingSkill("Heat  Pump commissioning", kDesigningElectricalGroup);
  v1::ProfileSkill b = EmergingSkill(" heat pump COMMISSIONING", kDesigningElectricalGroup);
  EXPECT_EQ(SkillKey(a), SkillKey(b));
  EXPECT_EQ(SkillKey(EscoSkill(kInstallHeatPump)), kInstallHeatPump);
}

TEST_F(ProfileValidationTest, ContentValidationIgnoresAdviserConsentAndRetention) {
  Profile profile = ValidProfile();
  profile.clear_adviser();
  profile.clear_consent();
  profile.clear_retention_deadline();
  EXPECT_TRUE(validator_->ValidateProfileContent("inline_profile", &profile, kNow).ok());
  profile.mutable_home()->clear_outcode();
  EXPECT_THAT(validator_->ValidateProfileContent("inline_profile", &profile, kNow),
              IsInvalidAt("inline_profile.home.outcode"));
}

TEST_F(ProfileValidationTest, SkillsToRemoveNeedAnIdentity) {
  v1::ProfileSkill skill;
  EXPECT_THAT(validator_->NormalizeSkillToRemove("skills[0]", &skill),
              IsInvalidAt("skills[0].skill.skill"));
  skill.mutable_skill()->set_skill(std::string(kSpreadsheetsUuid));
  ASSERT_TRUE(validator_->NormalizeSkillToRemove("skills[0]", &skill).ok());
  EXPECT_EQ(skill.skill().skill(), absl::StrCat(kSkillUriPrefix, kSpreadsheetsUuid));
}

}  // namespace
}  // namespace pathways::profiles
