#include "services/demand/role_validation.h"

#include <span>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/common/field_validation.h"
#include "services/common/status_macros.h"
#include "services/taxonomy/absl_compat.h"

namespace pathways::demand {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, " ", what));
}

// Quotes user input in an error, cut short so errors stay small.
std::string Quoted(absl::string_view text, size_t max = 120) {
  return absl::StrCat("\"", text.substr(0, max), "\"");
}

bool SameDate(const common::v1::Date& a, const common::v1::Date& b) {
  return a.year() == b.year() && a.month() == b.month() && a.day() == b.day();
}

bool AllDigits(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

}  // namespace

std::string CollapseSpaces(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool gap = false;
  for (char c : text) {
    if (absl::ascii_isspace(c)) {
      gap = !out.empty();
      continue;
    }
    if (gap) out.push_back(' ');
    gap = false;
    out.push_back(c);
  }
  return out;
}

std::string EmergingSkillKey(absl::string_view esco_group, absl::string_view label) {
  return absl::StrCat(esco_group, "#", taxonomy::FoldLabel(taxonomy::internal::ToStd(label)));
}

std::string RequiredSkillKey(const v1::RequiredSkill& skill) {
  if (!skill.skill().skill().empty()) return skill.skill().skill();
  return EmergingSkillKey(skill.esco_group(), skill.emerging_label());
}

common::v1::Date UkDate(absl::Time time) {
  static const absl::TimeZone kUk = [] {
    absl::TimeZone zone;
    // Without tzdata the UK date is the UTC date but for an hour in summer.
    if (!absl::LoadTimeZone("Europe/London", &zone)) zone = absl::UTCTimeZone();
    return zone;
  }();
  absl::CivilDay day = absl::ToCivilDay(time, kUk);
  common::v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

absl::Status RoleValidator::NormalizeOccupation(absl::string_view field,
                                                std::string* occupation) const {
  if (occupation->empty()) return Invalid(field, "is required: an ESCO occupation URI");
  std::optional<taxonomy::OccupationIndex> index = taxonomy_->FindOccupation(*occupation);
  if (!index)
    return Invalid(field, absl::StrCat(Quoted(*occupation), " is not an ESCO v1.1.1 occupation"));
  *occupation = taxonomy_->OccupationUri(*index);
  return absl::OkStatus();
}

absl::Status RoleValidator::ValidateRequiredSkills(absl::string_view field, v1::Role* role) const {
  auto* skills = role->mutable_required_skills();
  if (skills->empty() || skills->size() > kMaxRequiredSkills) {
    return Invalid(
        field, absl::StrCat("must list 1..", kMaxRequiredSkills, " skills, got ", skills->size()));
  }
  absl::flat_hash_set<std::string> seen;
  bool any_essential = false;
  for (int i = 0; i < skills->size(); ++i) {
    std::string item = absl::StrCat(field, "[", i, "]");
    v1::RequiredSkill* skill = skills->Mutable(i);
    std::string* uri = skill->mutable_skill()->mutable_skill();
    bool esco = !uri->empty();
    if (esco) {
      if (!skill->emerging_label().empty()) {
        return Invalid(absl::StrCat(item, ".emerging_label"),
                       "must be empty for an ESCO skill (skill.skill is set)");
      }
      if (!skill->esco_group().empty()) {
        return Invalid(absl::StrCat(item, ".esco_group"),
                       "must be empty for an ESCO skill (skill.skill is set)");
      }
      RETURN_IF_ERROR(NormalizeSkill(absl::StrCat(item, ".skill.skill"), *taxonomy_, uri));
    } else if (skill->emerging_label().empty() && skill->esco_group().empty()) {
      return Invalid(absl::StrCat(item, ".skill.skill"),
                     "is required: an ESCO skill URI, or emerging_label and esco_group for an "
                     "emerging skill");
    } else {
      *skill->mutable_emerging_label() = CollapseSpaces(skill->emerging_label());
      RETURN_IF_ERROR(CheckText(absl::StrCat(item, ".emerging_label"), skill->emerging_label(),
                                kMaxEmergingLabel, true));
      std::string group_field = absl::StrCat(item, ".esco_group");
      if (skill->esco_group().empty()) {
        return Invalid(group_field,
                       "is required for an emerging skill: the ESCO skill group it sits under");
      }
      std::optional<taxonomy::GroupIndex> group = taxonomy_->FindGroup(skill->esco_group());
      if (!group) {
        return Invalid(group_field, absl::StrCat(Quoted(skill->esco_group()),
                                                 " is not an ESCO v1.1.1 skill group"));
      }
      skill->set_esco_group(taxonomy_->GroupUri(*group));
    }
    RETURN_IF_ERROR(CheckProficiency(absl::StrCat(item, ".skill.level"), skill->skill().level()));
    if (!v1::SkillImportance_IsValid(skill->importance()) ||
        skill->importance() == v1::SKILL_IMPORTANCE_UNSPECIFIED) {
      return Invalid(absl::StrCat(item, ".importance"),
                     "is required: SKILL_IMPORTANCE_ESSENTIAL or SKILL_IMPORTANCE_OPTIONAL");
    }
    any_essential = any_essential || skill->importance() == v1::SKILL_IMPORTANCE_ESSENTIAL;
    if (!seen.insert(RequiredSkillKey(*skill)).second) {
      return Invalid(absl::StrCat(item, esco ? ".skill.skill" : ".emerging_label"),
                     "repeats a skill listed earlier");
    }
  }
  if (!any_essential) return Invalid(field, "must include at least one essential skill");
  return absl::OkStatus();
}

absl::Status RoleValidator::ValidatePay(absl::string_view field, v1::PayBand* pay) const {
  auto f = [&](absl::string_view name) { return absl::StrCat(field, ".", name); };
  if (!v1::PayPeriod_IsValid(pay->period()) || pay->period() == v1::PAY_PERIOD_UNSPECIFIED) {
    return Invalid(f("period"),
                   "is required when a pay band is set: PAY_PERIOD_ANNUAL or PAY_PERIOD_HOURLY");
  }
  int64_t limit = pay->period() == v1::PAY_PERIOD_ANNUAL ? kMaxAnnualPayPence : kMaxHourlyPayPence;
  RETURN_IF_ERROR(CheckRange(f("min_pence"), pay->min_pence(), 1, limit));
  if (pay->max_pence() == 0) {
    pay->set_max_pence(pay->min_pence());  // 0 means "the same as min_pence".
  } else {
    RETURN_IF_ERROR(CheckRange(f("max_pence"), pay->max_pence(), pay->min_pence(), limit));
  }
  return absl::OkStatus();
}

absl::Status RoleValidator::ValidateRole(absl::string_view field, v1::Role* role,
                                         const common::v1::Date& today,
                                         const v1::Role* previous) const {
  auto f = [&](absl::string_view name) { return absl::StrCat(field, ".", name); };
  RETURN_IF_ERROR(NormalizeOccupation(f("occupation"), role->mutable_occupation()));
  if (!role->soc2020_code().empty() && !soc_->UnitGroupTitle(role->soc2020_code())) {
    return Invalid(f("soc2020_code"),
                   absl::StrCat(Quoted(role->soc2020_code(), 20),
                                " is not a UK SOC 2020 unit group (4 digits, e.g. \"5241\")"));
  }
  RETURN_IF_ERROR(CheckText(f("title"), role->title(), 200, true));
  RETURN_IF_ERROR(CheckText(f("description"), role->description(), 4000, false));
  RETURN_IF_ERROR(ValidateRequiredSkills(f("required_skills"), role));

  const v1::Openings& openings = role->openings();
  RETURN_IF_ERROR(CheckRange(f("openings.now"), openings.now(), 0, kMaxOpeningsPerPeriod));
  RETURN_IF_ERROR(
      CheckRange(f("openings.in_1_year"), openings.in_1_year(), 0, kMaxOpeningsPerPeriod));
  RETURN_IF_ERROR(
      CheckRange(f("openings.in_2_years"), openings.in_2_years(), 0, kMaxOpeningsPerPeriod));
  RETURN_IF_ERROR(
      CheckRange(f("openings.in_5_years"), openings.in_5_years(), 0, kMaxOpeningsPerPeriod));
  if (openings.now() + openings.in_1_year() + openings.in_2_years() + openings.in_5_years() == 0) {
    return Invalid(f("openings"), "must have at least one period above 0");
  }

  RETURN_IF_ERROR(
      NormalizeOutcode(f("site.outcode"), *geography_, role->mutable_site()->mutable_outcode()));
  if (role->has_pay()) RETURN_IF_ERROR(ValidatePay(f("pay"), role->mutable_pay()));
  RETURN_IF_ERROR(CheckRange(f("entry_rqf_level"), role->entry_rqf_level(), 0, 8));
  if (!common::v1::StudyMode_IsValid(role->work_mode()) ||
      role->work_mode() == common::v1::STUDY_MODE_UNSPECIFIED) {
    return Invalid(f("work_mode"), "is required (full time, part time or flexible)");
  }
  RETURN_IF_ERROR(CheckRange(f("hours_per_week"), role->hours_per_week(), 1, 60));
  if (role->has_closing_date()) {
    const common::v1::Date& closing = role->closing_date();
    RETURN_IF_ERROR(CheckDate(f("closing_date"), closing));
    bool unchanged = previous != nullptr && previous->has_closing_date() &&
                     SameDate(previous->closing_date(), closing);
    if (!unchanged && DateBefore(closing, today)) {
      return Invalid(f("closing_date"),
                     absl::StrCat("must not be in the past (today is ", today.year(), "-",
                                  today.month(), "-", today.day(), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status RoleValidator::ValidateEmployer(absl::string_view field,
                                             v1::Employer* employer) const {
  auto f = [&](absl::string_view name) { return absl::StrCat(field, ".", name); };
  RETURN_IF_ERROR(CheckText(f("display_name"), employer->display_name(), 200, true));
  RETURN_IF_ERROR(NormalizeOutcode(f("location.outcode"), *geography_,
                                   employer->mutable_location()->mutable_outcode()));
  const std::string& sic = employer->sic_code();
  if (!sic.empty() && (sic.size() < 2 || sic.size() > 5 || !AllDigits(sic))) {
    return Invalid(f("sic_code"),
                   "must be a UK SIC 2007 code of 2 to 5 digits, from division (\"62\") to "
                   "subclass (\"62012\")");
  }
  return absl::OkStatus();
}

absl::Status RoleValidator::ApplySkillTemplate(absl::string_view field,
                                               absl::string_view role_field,
                                               const v1::SkillTemplate& skill_template,
                                               v1::Role* role) const {
  common::v1::Proficiency level = skill_template.level();
  if (level == common::v1::PROFICIENCY_UNSPECIFIED) {
    level = common::v1::PROFICIENCY_INTERMEDIATE;
  } else {
    RETURN_IF_ERROR(CheckProficiency(absl::StrCat(field, ".level"), level));
  }
  std::string occupation = role->occupation();
  RETURN_IF_ERROR(NormalizeOccupation(absl::StrCat(role_field, ".occupation"), &occupation));
  taxonomy::OccupationIndex index = *taxonomy_->FindOccupation(occupation);

  // The role's own entries win: template skills they already name are
  // skipped. Entries that do not resolve are left for validation to report.
  absl::flat_hash_set<taxonomy::SkillIndex> present;
  for (const v1::RequiredSkill& skill : role->required_skills()) {
    if (skill.skill().skill().empty()) continue;
    if (std::optional<taxonomy::SkillIndex> known = taxonomy_->FindSkill(skill.skill().skill())) {
      present.insert(*known);
    }
  }
  auto add = [&](std::span<const taxonomy::SkillIndex> skills, v1::SkillImportance importance) {
    for (taxonomy::SkillIndex skill : skills) {
      if (!present.insert(skill).second) continue;
      v1::RequiredSkill* added = role->add_required_skills();
      added->mutable_skill()->set_skill(taxonomy_->SkillUri(skill));
      added->mutable_skill()->set_level(level);
      added->set_importance(importance);
    }
  };
  add(taxonomy_->EssentialSkills(index), v1::SKILL_IMPORTANCE_ESSENTIAL);
  if (skill_template.include_optional()) {
    add(taxonomy_->OptionalSkills(index), v1::SKILL_IMPORTANCE_OPTIONAL);
  }
  return absl::OkStatus();
}

}  // namespace pathways::demand
