#include "tests/unit/matcher/economy_fixture.h"

#include <cstdlib>
#include <iostream>

namespace pathways::matcher::testing {
namespace {

template <typename T>
const T& LoadOnce(std::unique_ptr<const T>* slot) {
  if (*slot == nullptr) {
    auto loaded = T::Load(PATHWAYS_DEFAULT_DATA_DIR);
    if (!loaded.ok()) {
      std::cerr << "cannot load reference data: " << loaded.status() << "\n";
      std::abort();
    }
    *slot = *std::move(loaded);
  }
  return **slot;
}

}  // namespace

const taxonomy::Taxonomy& Taxonomy() {
  static std::unique_ptr<const taxonomy::Taxonomy> taxonomy;
  return LoadOnce(&taxonomy);
}

const taxonomy::Geography& Geography() {
  static std::unique_ptr<const taxonomy::Geography> geography;
  return LoadOnce(&geography);
}

SkillIndex Skill(std::string_view label) {
  std::optional<SkillIndex> skill = Taxonomy().FindSkillByLabel(label);
  EXPECT_TRUE(skill.has_value()) << "no ESCO skill labelled \"" << label << "\"";
  return skill.value_or(0);
}

std::string SkillUri(std::string_view label) { return Taxonomy().SkillUri(Skill(label)); }

std::string OccupationUri(std::string_view label) {
  std::optional<OccupationIndex> occupation = Taxonomy().FindOccupationByLabel(label);
  EXPECT_TRUE(occupation.has_value()) << "no ESCO occupation labelled \"" << label << "\"";
  return Taxonomy().OccupationUri(occupation.value_or(0));
}

std::vector<std::string> EssentialSkillLabels(std::string_view occupation, size_t n) {
  std::optional<OccupationIndex> o = Taxonomy().FindOccupationByLabel(occupation);
  EXPECT_TRUE(o.has_value()) << occupation;
  std::vector<std::string> labels;
  if (!o.has_value()) return labels;
  for (SkillIndex s : Taxonomy().EssentialSkills(*o)) {
    if (labels.size() == n) break;
    labels.emplace_back(Taxonomy().SkillLabel(s));
  }
  return labels;
}

common::v1::Date Date(int year, int month, int day) {
  common::v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

Day Today() { return DayFromCivil(kYear, 9, 1); }

demand::v1::Role MakeRole(const RoleSpec& spec) {
  demand::v1::Role role;
  role.set_name(spec.name);
  role.set_occupation(OccupationUri(spec.occupation));
  role.set_title(spec.occupation);
  role.set_employer_display_name("Test Employer Ltd");
  auto add = [&](const SkillSpec& skill, demand::v1::SkillImportance importance) {
    demand::v1::RequiredSkill* required = role.add_required_skills();
    required->mutable_skill()->set_skill(SkillUri(skill.label));
    required->mutable_skill()->set_level(static_cast<common::v1::Proficiency>(skill.level));
    required->set_importance(importance);
  };
  for (const SkillSpec& s : spec.essential) add(s, demand::v1::SKILL_IMPORTANCE_ESSENTIAL);
  for (const SkillSpec& s : spec.optional) add(s, demand::v1::SKILL_IMPORTANCE_OPTIONAL);
  role.mutable_openings()->set_now(spec.openings_now);
  role.mutable_openings()->set_in_1_year(spec.in_1_year);
  role.mutable_openings()->set_in_2_years(spec.in_2_years);
  role.mutable_openings()->set_in_5_years(spec.in_5_years);
  role.set_emerging(spec.emerging);
  role.mutable_site()->set_outcode(spec.outcode);
  role.mutable_pay()->set_min_pence(spec.annual_pay_pence);
  role.mutable_pay()->set_period(demand::v1::PAY_PERIOD_ANNUAL);
  role.set_entry_rqf_level(spec.entry_rqf);
  role.set_apprenticeship(spec.apprenticeship);
  role.set_work_mode(spec.mode);
  role.set_hours_per_week(37);
  return role;
}

training::v1::Course MakeCourse(const CourseSpec& spec) {
  training::v1::Course course;
  course.set_name(spec.name);
  course.set_title(spec.title);
  for (const SkillSpec& s : spec.taught) {
    common::v1::SkillLevel* taught = course.add_skills_taught();
    taught->set_skill(SkillUri(s.label));
    taught->set_level(static_cast<common::v1::Proficiency>(s.level));
  }
  for (const SkillSpec& s : spec.entry) {
    common::v1::SkillLevel* entry = course.mutable_entry_requirements()->add_skills();
    entry->set_skill(SkillUri(s.label));
    entry->set_level(static_cast<common::v1::Proficiency>(s.level));
  }
  course.mutable_entry_requirements()->set_min_age(spec.min_age);
  course.mutable_entry_requirements()->set_min_rqf_level(spec.min_rqf);
  course.set_rqf_level_awarded(spec.rqf_awarded);
  course.set_duration_weeks(spec.weeks);
  course.set_hours_per_week(20);
  course.set_cost_pence(spec.cost_pence);
  for (training::v1::Funding f : spec.funding) course.add_funding(f);
  course.set_online(spec.online);
  if (!spec.online) course.mutable_venue()->set_outcode(spec.outcode);
  course.set_study_mode(spec.mode);
  for (const common::v1::Date& d : spec.starts) *course.add_start_dates() = d;
  course.set_places(spec.places);
  return course;
}

profiles::v1::Profile MakeProfile(const PersonSpec& spec) {
  profiles::v1::Profile profile;
  profile.set_name("profiles/test-person");
  *profile.mutable_date_of_birth() = spec.birth.year() != 0 ? spec.birth : Date(kYear - 17, 3, 1);
  profile.mutable_home()->set_outcode(spec.outcode);
  for (const SkillSpec& s : spec.skills) {
    profiles::v1::ProfileSkill* skill = profile.add_skills();
    skill->mutable_skill()->set_skill(SkillUri(s.label));
    skill->mutable_skill()->set_level(static_cast<common::v1::Proficiency>(s.level));
    skill->set_evidence(profiles::v1::SKILL_EVIDENCE_ASSESSED);
  }
  profile.set_highest_rqf_level(spec.rqf);
  profile.set_max_travel_km(spec.max_travel_km);
  for (const std::string& o : spec.interest_occupations) {
    profile.mutable_interests()->add_occupations(OccupationUri(o));
  }
  profile.mutable_consent()->add_purposes(profiles::v1::CONSENT_PURPOSE_MATCHING);
  return profile;
}

std::unique_ptr<MatchIndex> NewIndex() {
  return std::make_unique<MatchIndex>(&Taxonomy(), &Geography());
}

}  // namespace pathways::matcher::testing
