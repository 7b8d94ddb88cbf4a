#include "services/training/course_validation.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/field_validation.h"
#include "services/common/status_macros.h"

namespace pathways::training {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, " ", what));
}

}  // namespace

absl::Status CourseValidator::ValidateSkills(
    absl::string_view field, google::protobuf::RepeatedPtrField<common::v1::SkillLevel>* skills,
    int min, int max) const {
  if (skills->size() < min || skills->size() > max) {
    return Invalid(field,
                   absl::StrCat("must list ", min, "..", max, " skills, got ", skills->size()));
  }
  std::set<std::string> seen;
  for (int i = 0; i < skills->size(); ++i) {
    std::string item = absl::StrCat(field, "[", i, "]");
    common::v1::SkillLevel* skill = skills->Mutable(i);
    RETURN_IF_ERROR(
        NormalizeSkill(absl::StrCat(item, ".skill"), *taxonomy_, skill->mutable_skill()));
    RETURN_IF_ERROR(CheckProficiency(absl::StrCat(item, ".level"), skill->level()));
    if (!seen.insert(skill->skill()).second) {
      return Invalid(absl::StrCat(item, ".skill"), "repeats a skill listed earlier");
    }
  }
  return absl::OkStatus();
}

absl::Status CourseValidator::ValidateCourse(absl::string_view field, v1::Course* course) const {
  auto f = [&](absl::string_view name) { return absl::StrCat(field, ".", name); };
  RETURN_IF_ERROR(CheckText(f("title"), course->title(), 200, true));
  RETURN_IF_ERROR(CheckText(f("description"), course->description(), 4000, false));
  RETURN_IF_ERROR(
      ValidateSkills(f("skills_taught"), course->mutable_skills_taught(), 1, kMaxSkillsTaught));
  v1::EntryRequirements* entry = course->mutable_entry_requirements();
  RETURN_IF_ERROR(
      ValidateSkills(f("entry_requirements.skills"), entry->mutable_skills(), 0, kMaxEntrySkills));
  if (entry->min_age() != 0) {
    RETURN_IF_ERROR(CheckRange(f("entry_requirements.min_age"), entry->min_age(), 14, 99));
  }
  RETURN_IF_ERROR(CheckRange(f("entry_requirements.min_rqf_level"), entry->min_rqf_level(), 0, 8));
  RETURN_IF_ERROR(CheckRange(f("rqf_level_awarded"), course->rqf_level_awarded(), 0, 8));
  RETURN_IF_ERROR(CheckRange(f("duration_weeks"), course->duration_weeks(), 1, 260));
  RETURN_IF_ERROR(CheckRange(f("hours_per_week"), course->hours_per_week(), 1, 60));
  RETURN_IF_ERROR(CheckRange(f("cost_pence"), course->cost_pence(), 0, kMaxCostPence));
  std::set<int> funding;
  for (int i = 0; i < course->funding_size(); ++i) {
    std::string item = f(absl::StrCat("funding[", i, "]"));
    if (!v1::Funding_IsValid(course->funding(i)) || course->funding(i) == v1::FUNDING_UNSPECIFIED) {
      return Invalid(item, "is not a funding route");
    }
    if (!funding.insert(course->funding(i)).second) return Invalid(item, "is listed twice");
  }
  if (!course->online() || course->has_venue()) {
    RETURN_IF_ERROR(NormalizeOutcode(f("venue.outcode"), *geography_,
                                     course->mutable_venue()->mutable_outcode()));
  }
  if (!common::v1::StudyMode_IsValid(course->study_mode()) ||
      course->study_mode() == common::v1::STUDY_MODE_UNSPECIFIED) {
    return Invalid(f("study_mode"), "is required (full time, part time or flexible)");
  }
  if (course->start_dates_size() > kMaxStartDates) {
    return Invalid(f("start_dates"), absl::StrCat("must list at most ", kMaxStartDates,
                                                  " dates, got ", course->start_dates_size()));
  }
  for (int i = 0; i < course->start_dates_size(); ++i) {
    std::string item = f(absl::StrCat("start_dates[", i, "]"));
    RETURN_IF_ERROR(CheckDate(item, course->start_dates(i)));
    if (i > 0 && !DateBefore(course->start_dates(i - 1), course->start_dates(i))) {
      return Invalid(item, "must be after the date before it (ascending, no repeats)");
    }
  }
  RETURN_IF_ERROR(CheckRange(f("places"), course->places(), 0, 10'000));
  return absl::OkStatus();
}

absl::Status CourseValidator::ValidateProvider(absl::string_view field,
                                               v1::Provider* provider) const {
  auto f = [&](absl::string_view name) { return absl::StrCat(field, ".", name); };
  RETURN_IF_ERROR(CheckText(f("display_name"), provider->display_name(), 200, true));
  RETURN_IF_ERROR(NormalizeOutcode(f("location.outcode"), *geography_,
                                   provider->mutable_location()->mutable_outcode()));
  RETURN_IF_ERROR(CheckText(f("website"), provider->website(), 500, false));
  if (!provider->website().empty() && !absl::StartsWith(provider->website(), "https://")) {
    return Invalid(f("website"), "must start with https://");
  }
  if (!provider->ukprn().empty()) {
    bool digits = provider->ukprn().size() == 8;
    for (char c : provider->ukprn()) digits = digits && c >= '0' && c <= '9';
    if (!digits) return Invalid(f("ukprn"), "must be 8 digits");
  }
  return absl::OkStatus();
}

}  // namespace pathways::training
