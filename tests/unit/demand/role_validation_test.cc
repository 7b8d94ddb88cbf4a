#include "services/demand/role_validation.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/demand/demand_summary.h"
#include "tests/unit/demand/test_data.h"

namespace pathways::demand {
namespace {

using ::pathways::testing::IsInvalidAt;
using ::pathways::testing::kElectrician;
using ::pathways::testing::kElectricianEssentialSkills;
using ::pathways::testing::kElectricianOptionalSkills;
using ::pathways::testing::kElectricianUuid;
using ::pathways::testing::kInspectSupplies;
using ::pathways::testing::kInstallHeatPump;
using ::pathways::testing::kInstallHeatPumpUuid;
using ::pathways::testing::kPlumber;
using ::pathways::testing::kRepairWiring;
using ::pathways::testing::kTestingGroup;
using ::pathways::testing::kTestingGroupCode;
using ::pathways::testing::MakeDate;
using testdata::ReferenceData;
using ::testing::HasSubstr;
using v1::Employer;
using v1::RequiredSkill;
using v1::Role;

RequiredSkill* AddEsco(Role* role, absl::string_view skill, v1::SkillImportance importance,
                       common::v1::Proficiency level = common::v1::PROFICIENCY_INTERMEDIATE) {
  RequiredSkill* added = role->add_required_skills();
  added->mutable_skill()->set_skill(std::string(skill));
  added->mutable_skill()->set_level(level);
  added->set_importance(importance);
  return added;
}

RequiredSkill* AddEmerging(Role* role, absl::string_view label, absl::string_view group,
                           v1::SkillImportance importance = v1::SKILL_IMPORTANCE_OPTIONAL) {
  RequiredSkill* added = role->add_required_skills();
  added->set_emerging_label(std::string(label));
  added->set_esco_group(std::string(group));
  added->mutable_skill()->set_level(common::v1::PROFICIENCY_BASIC);
  added->set_importance(importance);
  return added;
}

class RoleValidationTest : public ::testing::Test {
 protected:
  // The day every test runs on, as far as closing dates are concerned.
  const common::v1::Date kToday = MakeDate(2026, 3, 15);

  // A role that passes every rule, with inputs that need normalising.
  static Role ValidRole() {
    Role role;
    role.set_occupation(kElectricianUuid);
    role.set_soc2020_code("5241");
    role.set_title("Domestic electrician (heat pumps)");
    role.set_description("Installs and services domestic heat pumps across Greater Manchester.");
    AddEsco(&role, kInstallHeatPumpUuid, v1::SKILL_IMPORTANCE_ESSENTIAL);
    AddEsco(&role, kRepairWiring, v1::SKILL_IMPORTANCE_OPTIONAL, common::v1::PROFICIENCY_BASIC);
    AddEmerging(&role, "  Hydrogen   boiler\tsafety ", kTestingGroupCode);
    role.mutable_openings()->set_now(3);
    role.mutable_openings()->set_in_1_year(2);
    role.mutable_openings()->set_in_5_years(10);
    role.set_emerging(true);
    role.mutable_site()->set_outcode("m1 1ae");
    role.mutable_pay()->set_min_pence(2'800'000);
    role.mutable_pay()->set_period(v1::PAY_PERIOD_ANNUAL);
    role.set_entry_rqf_level(3);
    role.set_apprenticeship(true);
    role.set_work_mode(common::v1::STUDY_MODE_FULL_TIME);
    role.set_hours_per_week(37);
    *role.mutable_closing_date() = MakeDate(2026, 4, 30);
    return role;
  }

  static Employer ValidEmployer() {
    Employer employer;
    employer.set_display_name("Northern Heat Ltd");
    employer.mutable_location()->set_outcode("wa14 1aa");
    employer.set_sic_code("43220");
    return employer;
  }

  absl::Status Validate(Role role) const { return validator_.ValidateRole("role", &role, kToday); }
  absl::Status Validate(Employer employer) const {
    return validator_.ValidateEmployer("employer", &employer);
  }

  const ReferenceData& data_ = ReferenceData::Get();
  RoleValidator validator_{data_.taxonomy, data_.geography, data_.soc.get()};
};

// --- A valid role ---

TEST_F(RoleValidationTest, ValidRolePassesAndIsNormalised) {
  Role role = ValidRole();
  absl::Status status = validator_.ValidateRole("role", &role, kToday);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(role.occupation(), kElectrician);
  EXPECT_EQ(role.required_skills(0).skill().skill(), kInstallHeatPump);
  EXPECT_EQ(role.required_skills(1).skill().skill(), kRepairWiring);
  EXPECT_EQ(role.required_skills(2).emerging_label(), "Hydrogen boiler safety");
  EXPECT_EQ(role.required_skills(2).esco_group(), kTestingGroup);
  EXPECT_EQ(role.site().outcode(), "M1");
  EXPECT_EQ(role.pay().max_pence(), 2'800'000);  // 0 means the same as min.
  EXPECT_EQ(role.title(), "Domestic electrician (heat pumps)");
}

TEST_F(RoleValidationTest, MinimalRolePasses) {
  Role role;
  role.set_occupation(kPlumber);
  role.set_title("P");
  AddEsco(&role, kRepairWiring, v1::SKILL_IMPORTANCE_ESSENTIAL);
  role.mutable_openings()->set_in_2_years(1);
  role.mutable_site()->set_outcode("BL1");
  role.set_work_mode(common::v1::STUDY_MODE_PART_TIME);
  role.set_hours_per_week(1);
  EXPECT_TRUE(Validate(role).ok()) << Validate(role);
}

// --- occupation and SOC ---

TEST_F(RoleValidationTest, OccupationIsRequired) {
  Role role = ValidRole();
  role.clear_occupation();
  EXPECT_THAT(Validate(role), IsInvalidAt("role.occupation"));
}

TEST_F(RoleValidationTest, OccupationMustBeKnownToEsco) {
  Role role = ValidRole();
  role.set_occupation("http://data.europa.eu/esco/occupation/00000000-0000-0000-0000-000000000000");
  EXPECT_THAT(Validate(role), IsInvalidAt("role.occupation"));
  role.set_occupation(kInstallHeatPump);  // A skill, not an occupation.
  EXPECT_THAT(Validate(role), IsInvalidAt("role.occupation"));
}

TEST_F(RoleValidationTest, SocCodeMustBeAKnownUnitGroup) {
  Role role = ValidRole();
  for (const char* bad : {"9999", "524", "52", "5", "52411", "abcd"}) {
    role.set_soc2020_code(bad);
    EXPECT_THAT(Validate(role), IsInvalidAt("role.soc2020_code")) << bad;
  }
  role.clear_soc2020_code();
  EXPECT_TRUE(Validate(role).ok());
}

// --- text ---

TEST_F(RoleValidationTest, TitleIsRequiredAndAtMost200Characters) {
  Role role = ValidRole();
  role.clear_title();
  EXPECT_THAT(Validate(role), IsInvalidAt("role.title"));
  role.set_title(std::string(201, 'x'));
  EXPECT_THAT(Validate(role), IsInvalidAt("role.title"));
  role.set_title(std::string(200, 'x'));
  EXPECT_TRUE(Validate(role).ok());
}

TEST_F(RoleValidationTest, DescriptionIsAtMost4000Characters) {
  Role role = ValidRole();
  role.set_description(std::string(4001, 'x'));
  EXPECT_THAT(Validate(role), IsInvalidAt("role.description"));
}

// --- required skills ---

TEST_F(RoleValidationTest, RequiredSkillsMustNumber1To400) {
  Role role = ValidRole();
  role.clear_required_skills();
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills"));
  role = ValidRole();
  for (int i = 0; i < kMaxRequiredSkills; ++i) {
    AddEmerging(&role, absl::StrCat("skill ", i), kTestingGroup);
  }
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills"));
}

TEST_F(RoleValidationTest, EscoSkillMustBeKnown) {
  Role role = ValidRole();
  role.mutable_required_skills(1)->mutable_skill()->set_skill(
      "http://data.europa.eu/esco/skill/not-a-skill");
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[1].skill.skill"));
}

TEST_F(RoleValidationTest, EscoSkillMustNotCarryEmergingFields) {
  Role role = ValidRole();
  role.mutable_required_skills(0)->set_emerging_label("extra");
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[0].emerging_label"));
  role = ValidRole();
  role.mutable_required_skills(0)->set_esco_group(kTestingGroup);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[0].esco_group"));
}

TEST_F(RoleValidationTest, SkillNeedsAnEscoIdOrAnEmergingLabelAndGroup) {
  Role role = ValidRole();
  role.mutable_required_skills(1)->mutable_skill()->clear_skill();
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[1].skill.skill"));
}

TEST_F(RoleValidationTest, EmergingLabelIsRequiredAndAtMost100Characters) {
  Role role = ValidRole();
  role.mutable_required_skills(2)->clear_emerging_label();
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[2].emerging_label"));
  role.mutable_required_skills(2)->set_emerging_label(" \t ");  // Nothing but spaces.
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[2].emerging_label"));
  role.mutable_required_skills(2)->set_emerging_label(std::string(101, 'x'));
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[2].emerging_label"));
  role.mutable_required_skills(2)->set_emerging_label(std::string(100, 'x'));
  EXPECT_TRUE(Validate(role).ok());
}

TEST_F(RoleValidationTest, EmergingGroupIsRequiredAndMustBeAnEscoGroup) {
  Role role = ValidRole();
  role.mutable_required_skills(2)->clear_esco_group();
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[2].esco_group"));
  role.mutable_required_skills(2)->set_esco_group(kInstallHeatPump);  // A skill, not a group.
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[2].esco_group"));
  role.mutable_required_skills(2)->set_esco_group("S99.9");
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[2].esco_group"));
}

TEST_F(RoleValidationTest, SkillLevelIsRequired) {
  Role role = ValidRole();
  role.mutable_required_skills(1)->mutable_skill()->set_level(common::v1::PROFICIENCY_UNSPECIFIED);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[1].skill.level"));
  role.mutable_required_skills(1)->mutable_skill()->set_level(
      static_cast<common::v1::Proficiency>(5));
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[1].skill.level"));
}

TEST_F(RoleValidationTest, ImportanceIsRequired) {
  Role role = ValidRole();
  role.mutable_required_skills(2)->set_importance(v1::SKILL_IMPORTANCE_UNSPECIFIED);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[2].importance"));
  role.mutable_required_skills(2)->set_importance(static_cast<v1::SkillImportance>(9));
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[2].importance"));
}

TEST_F(RoleValidationTest, EscoSkillMayNotRepeatInAnyForm) {
  Role role = ValidRole();
  AddEsco(&role, kInstallHeatPump, v1::SKILL_IMPORTANCE_OPTIONAL);  // URI of [0]'s UUID.
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[3].skill.skill"));
}

TEST_F(RoleValidationTest, EmergingSkillMayNotRepeatUpToCaseAndSpacing) {
  Role role = ValidRole();
  AddEmerging(&role, "HYDROGEN BOILER  SAFETY", kTestingGroup);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.required_skills[3].emerging_label"));
  // The same label under another group is another skill.
  role = ValidRole();
  AddEmerging(&role, "Hydrogen boiler safety", "S5.5");
  EXPECT_TRUE(Validate(role).ok()) << Validate(role);
}

TEST_F(RoleValidationTest, AtLeastOneSkillMustBeEssential) {
  Role role = ValidRole();
  role.mutable_required_skills(0)->set_importance(v1::SKILL_IMPORTANCE_OPTIONAL);
  absl::Status status = Validate(role);
  EXPECT_THAT(status, IsInvalidAt("role.required_skills"));
  EXPECT_THAT(status.message(), HasSubstr("essential"));
}

// --- openings ---

TEST_F(RoleValidationTest, EachOpeningsPeriodIsZeroTo100000) {
  for (const char* period : {"now", "in_1_year", "in_2_years", "in_5_years"}) {
    for (int bad : {-1, kMaxOpeningsPerPeriod + 1}) {
      Role role = ValidRole();
      const auto* field = v1::Openings::descriptor()->FindFieldByName(period);
      role.mutable_openings()->GetReflection()->SetInt32(role.mutable_openings(), field, bad);
      EXPECT_THAT(Validate(role), IsInvalidAt(absl::StrCat("role.openings.", period)))
          << period << " = " << bad;
    }
  }
  Role role = ValidRole();
  role.mutable_openings()->set_now(kMaxOpeningsPerPeriod);
  EXPECT_TRUE(Validate(role).ok());
}

TEST_F(RoleValidationTest, SomePeriodMustHaveOpenings) {
  Role role = ValidRole();
  role.clear_openings();
  EXPECT_THAT(Validate(role), IsInvalidAt("role.openings"));
}

// --- site ---

TEST_F(RoleValidationTest, SiteMustBeAKnownOutcode) {
  Role role = ValidRole();
  role.clear_site();
  EXPECT_THAT(Validate(role), IsInvalidAt("role.site.outcode"));
  role.mutable_site()->set_outcode("ZZ99");
  EXPECT_THAT(Validate(role), IsInvalidAt("role.site.outcode"));
}

// --- pay ---

TEST_F(RoleValidationTest, PayPeriodIsRequiredWithAPayBand) {
  Role role = ValidRole();
  role.mutable_pay()->set_period(v1::PAY_PERIOD_UNSPECIFIED);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.pay.period"));
  role.clear_pay();
  EXPECT_TRUE(Validate(role).ok());  // No pay band at all is fine.
}

TEST_F(RoleValidationTest, PayMinimumIsWithinThePeriodsRange) {
  Role role = ValidRole();
  role.mutable_pay()->set_min_pence(0);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.pay.min_pence"));
  role.mutable_pay()->set_min_pence(kMaxAnnualPayPence + 1);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.pay.min_pence"));
  role.mutable_pay()->set_period(v1::PAY_PERIOD_HOURLY);
  role.mutable_pay()->set_min_pence(kMaxHourlyPayPence + 1);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.pay.min_pence"));
  role.mutable_pay()->set_min_pence(1'250);
  EXPECT_TRUE(Validate(role).ok());
}

TEST_F(RoleValidationTest, PayMaximumIsAtLeastTheMinimumAndInRange) {
  Role role = ValidRole();
  role.mutable_pay()->set_max_pence(2'700'000);  // Below min.
  EXPECT_THAT(Validate(role), IsInvalidAt("role.pay.max_pence"));
  role.mutable_pay()->set_max_pence(kMaxAnnualPayPence + 1);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.pay.max_pence"));
  role.mutable_pay()->set_max_pence(3'400'000);
  EXPECT_TRUE(Validate(role).ok());
}

// --- the rest ---

TEST_F(RoleValidationTest, EntryRqfLevelIsZeroToEight) {
  Role role = ValidRole();
  role.set_entry_rqf_level(9);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.entry_rqf_level"));
  role.set_entry_rqf_level(-1);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.entry_rqf_level"));
  role.set_entry_rqf_level(0);
  EXPECT_TRUE(Validate(role).ok());
}

TEST_F(RoleValidationTest, WorkModeIsRequired) {
  Role role = ValidRole();
  role.set_work_mode(common::v1::STUDY_MODE_UNSPECIFIED);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.work_mode"));
  role.set_work_mode(static_cast<common::v1::StudyMode>(7));
  EXPECT_THAT(Validate(role), IsInvalidAt("role.work_mode"));
}

TEST_F(RoleValidationTest, HoursPerWeekIsOneToSixty) {
  Role role = ValidRole();
  role.set_hours_per_week(0);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.hours_per_week"));
  role.set_hours_per_week(61);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.hours_per_week"));
}

TEST_F(RoleValidationTest, ClosingDateMustBeARealDate) {
  Role role = ValidRole();
  *role.mutable_closing_date() = MakeDate(2026, 2, 29);  // Not a leap year.
  EXPECT_THAT(Validate(role), IsInvalidAt("role.closing_date"));
}

TEST_F(RoleValidationTest, ClosingDateMustNotBeInThePast) {
  Role role = ValidRole();
  *role.mutable_closing_date() = MakeDate(2026, 3, 14);
  EXPECT_THAT(Validate(role), IsInvalidAt("role.closing_date"));
  *role.mutable_closing_date() = kToday;  // Applications close at the end of the day.
  EXPECT_TRUE(Validate(role).ok());
}

TEST_F(RoleValidationTest, PassedClosingDateMayStayOnUpdate) {
  Role previous = ValidRole();
  *previous.mutable_closing_date() = MakeDate(2026, 1, 31);
  Role role = previous;
  role.set_title("Renamed after closing");
  EXPECT_TRUE(validator_.ValidateRole("role", &role, kToday, &previous).ok());
  // Moving it to another past date is still refused.
  *role.mutable_closing_date() = MakeDate(2026, 2, 1);
  EXPECT_THAT(validator_.ValidateRole("role", &role, kToday, &previous),
              IsInvalidAt("role.closing_date"));
}

TEST_F(RoleValidationTest, FieldPrefixIsUsedForBatchItems) {
  Role role = ValidRole();
  role.set_hours_per_week(0);
  EXPECT_THAT(validator_.ValidateRole("requests[7].role", &role, kToday),
              IsInvalidAt("requests[7].role.hours_per_week"));
}

// --- employers ---

TEST_F(RoleValidationTest, ValidEmployerPassesAndIsNormalised) {
  Employer employer = ValidEmployer();
  ASSERT_TRUE(validator_.ValidateEmployer("employer", &employer).ok());
  EXPECT_EQ(employer.location().outcode(), "WA14");
}

TEST_F(RoleValidationTest, EmployerDisplayNameIsRequiredAndAtMost200Characters) {
  Employer employer = ValidEmployer();
  employer.clear_display_name();
  EXPECT_THAT(Validate(employer), IsInvalidAt("employer.display_name"));
  employer.set_display_name(std::string(201, 'x'));
  EXPECT_THAT(Validate(employer), IsInvalidAt("employer.display_name"));
}

TEST_F(RoleValidationTest, EmployerLocationIsRequired) {
  Employer employer = ValidEmployer();
  employer.clear_location();
  EXPECT_THAT(Validate(employer), IsInvalidAt("employer.location.outcode"));
  employer.mutable_location()->set_outcode("not a postcode");
  EXPECT_THAT(Validate(employer), IsInvalidAt("employer.location.outcode"));
}

TEST_F(RoleValidationTest, EmployerSicCodeIsTwoToFiveDigits) {
  Employer employer = ValidEmployer();
  for (const char* bad : {"6", "620123", "62a", " 62"}) {
    employer.set_sic_code(bad);
    EXPECT_THAT(Validate(employer), IsInvalidAt("employer.sic_code")) << bad;
  }
  for (const char* good : {"", "62", "620", "6201", "62012"}) {
    employer.set_sic_code(good);
    EXPECT_TRUE(Validate(employer).ok()) << good;
  }
}

// --- skill templates ---

class SkillTemplateTest : public RoleValidationTest {
 protected:
  static Role Bare() {
    Role role = ValidRole();
    role.clear_required_skills();
    return role;
  }
  static int Count(const Role& role, v1::SkillImportance importance) {
    int n = 0;
    for (const RequiredSkill& skill : role.required_skills()) n += skill.importance() == importance;
    return n;
  }
};

TEST_F(SkillTemplateTest, AddsTheOccupationsEssentialSkillsAtIntermediate) {
  Role role = Bare();
  ASSERT_TRUE(validator_.ApplySkillTemplate("skill_template", "role", {}, &role).ok());
  EXPECT_EQ(role.required_skills_size(), kElectricianEssentialSkills);
  EXPECT_EQ(Count(role, v1::SKILL_IMPORTANCE_ESSENTIAL), kElectricianEssentialSkills);
  for (const RequiredSkill& skill : role.required_skills()) {
    EXPECT_EQ(skill.skill().level(), common::v1::PROFICIENCY_INTERMEDIATE);
    EXPECT_TRUE(absl::StartsWith(skill.skill().skill(), "http://data.europa.eu/esco/skill/"));
  }
  EXPECT_TRUE(Validate(role).ok()) << Validate(role);
}

TEST_F(SkillTemplateTest, AddsOptionalSkillsWhenAskedAtTheGivenLevel) {
  Role role = Bare();
  v1::SkillTemplate skill_template;
  skill_template.set_include_optional(true);
  skill_template.set_level(common::v1::PROFICIENCY_ADVANCED);
  ASSERT_TRUE(validator_.ApplySkillTemplate("skill_template", "role", skill_template, &role).ok());
  EXPECT_EQ(Count(role, v1::SKILL_IMPORTANCE_ESSENTIAL), kElectricianEssentialSkills);
  EXPECT_EQ(Count(role, v1::SKILL_IMPORTANCE_OPTIONAL), kElectricianOptionalSkills);
  EXPECT_EQ(role.required_skills(0).skill().level(), common::v1::PROFICIENCY_ADVANCED);
}

TEST_F(SkillTemplateTest, TheEmployersOwnEntriesWin) {
  Role role = Bare();
  // An essential electrician skill, given by its UUID as optional at expert.
  AddEsco(&role, "2179e0fd-7431-41a3-bbf4-76451c615ce2", v1::SKILL_IMPORTANCE_OPTIONAL,
          common::v1::PROFICIENCY_EXPERT);
  AddEsco(&role, kInstallHeatPump, v1::SKILL_IMPORTANCE_ESSENTIAL);
  ASSERT_TRUE(validator_.ApplySkillTemplate("skill_template", "role", {}, &role).ok());
  absl::Status valid = validator_.ValidateRole("role", &role, kToday);
  ASSERT_TRUE(valid.ok()) << valid;
  // Own entries first and unchanged, the template's after them, no repeats.
  EXPECT_EQ(role.required_skills_size(), 2 + kElectricianEssentialSkills - 1);
  EXPECT_EQ(role.required_skills(0).importance(), v1::SKILL_IMPORTANCE_OPTIONAL);
  EXPECT_EQ(role.required_skills(0).skill().level(), common::v1::PROFICIENCY_EXPERT);
  int inspections = 0;
  for (const RequiredSkill& skill : role.required_skills()) {
    inspections += skill.skill().skill() == kInspectSupplies;
  }
  EXPECT_EQ(inspections, 1);
}

TEST_F(SkillTemplateTest, TemplateLevelMustBeALevel) {
  Role role = Bare();
  v1::SkillTemplate skill_template;
  skill_template.set_level(static_cast<common::v1::Proficiency>(6));
  EXPECT_THAT(validator_.ApplySkillTemplate("skill_template", "role", skill_template, &role),
              IsInvalidAt("skill_template.level"));
}

TEST_F(SkillTemplateTest, TemplateNeedsAKnownOccupation) {
  Role role = Bare();
  role.set_occupation("nonsense");
  EXPECT_THAT(validator_.ApplySkillTemplate("skill_template", "role", {}, &role),
              IsInvalidAt("role.occupation"));
  EXPECT_EQ(role.required_skills_size(), 0);
}

// --- helpers ---

TEST(RoleValidationHelpersTest, CollapseSpacesTrimsAndSingleSpaces) {
  EXPECT_EQ(CollapseSpaces("  heat \t\n pump  commissioning "), "heat pump commissioning");
  EXPECT_EQ(CollapseSpaces("   "), "");
  EXPECT_EQ(CollapseSpaces("x"), "x");
}

TEST(RoleValidationHelpersTest, EmergingSkillKeyIgnoresCaseAndSpacing) {
  EXPECT_EQ(EmergingSkillKey(kTestingGroup, " Heat  PUMP commissioning"),
            absl::StrCat(kTestingGroup, "#heat pump commissioning"));
  EXPECT_EQ(EmergingSkillKey("g", "A b"), EmergingSkillKey("g", "a   B "));
  EXPECT_NE(EmergingSkillKey("g", "a b"), EmergingSkillKey("h", "a b"));
}

TEST(RoleValidationHelpersTest, UkDateFollowsLondonTime) {
  absl::TimeZone utc = absl::UTCTimeZone();
  // 23:30 UTC on 30 June is 00:30 BST on 1 July.
  common::v1::Date summer = UkDate(absl::FromCivil(absl::CivilMinute(2025, 6, 30, 23, 30), utc));
  EXPECT_EQ(DateNumber(summer), 20250701);
  // In winter London is on UTC.
  common::v1::Date winter = UkDate(absl::FromCivil(absl::CivilMinute(2025, 12, 31, 23, 30), utc));
  EXPECT_EQ(DateNumber(winter), 20251231);
}

}  // namespace
}  // namespace pathways::demand
