#include "services/profiles/profile_validation.h"

#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/field_validation.h"
#include "services/common/status_macros.h"

namespace pathways::profiles {
namespace {

// google.protobuf.Timestamp's valid range: 0001-01-01 to 9999-12-31.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, " ", what));
}

// A set, valid timestamp as a time.
absl::StatusOr<absl::Time> RequiredTime(absl::string_view field, bool present,
                                        const google::protobuf::Timestamp& timestamp) {
  if (!present) return Invalid(field, "is required");
  if (timestamp.seconds() < kMinTimestampSeconds || timestamp.seconds() > kMaxTimestampSeconds ||
      timestamp.nanos() < 0 || timestamp.nanos() > 999'999'999) {
    return Invalid(field, "is not a valid timestamp");
  }
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

// Lower case, surrounding spaces dropped, inner runs of whitespace as one
// space: the form emerging labels and tags are compared in.
bool IsDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

common::v1::Date CivilDate(absl::Time time, absl::TimeZone zone) {
  absl::CivilDay day = absl::ToCivilDay(time, zone);
  common::v1::Date out;
  out.set_year(static_cast<int32_t>(day.year()));
  out.set_month(day.month());
  out.set_day(day.day());
  return out;
}

int AgeOn(const common::v1::Date& birth, const common::v1::Date& day) {
  int years = day.year() - birth.year();
  if (std::tuple(day.month(), day.day()) < std::tuple(birth.month(), birth.day())) --years;
  return years;
}

std::string SkillKey(const v1::ProfileSkill& skill) {
  if (!skill.skill().skill().empty()) return skill.skill().skill();
  return absl::StrCat(skill.esco_group(), "|", taxonomy::FoldLabel(skill.emerging_label()));
}

absl::Status CheckMatchingConsent(const v1::Profile& profile) {
  for (int purpose : profile.consent().purposes()) {
    if (purpose == v1::CONSENT_PURPOSE_MATCHING) return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat(profile.name(),
                   " may not be used for matching: its consent does not include "
                   "CONSENT_PURPOSE_MATCHING"));
}

ProfileValidator::ProfileValidator(const taxonomy::Taxonomy* taxonomy,
                                   const taxonomy::Geography* geography, absl::TimeZone zone)
    : taxonomy_(taxonomy), geography_(geography), zone_(zone) {
  for (taxonomy::OccupationIndex i = 0; i < taxonomy_->occupation_count(); ++i) {
    std::string_view isco = taxonomy_->OccupationIscoGroup(i);
    for (size_t length = 1; length <= isco.size(); ++length) {
      isco_groups_.insert(std::string(isco.substr(0, length)));
    }
  }
}

absl::Status ProfileValidator::ValidateSkill(absl::string_view field,
                                             v1::ProfileSkill* skill) const {
  auto f = [&](absl::string_view name) { return absl::StrCat(field, ".", name); };
  if (!skill->skill().skill().empty()) {
    RETURN_IF_ERROR(
        NormalizeSkill(f("skill.skill"), *taxonomy_, skill->mutable_skill()->mutable_skill()));
    if (!skill->emerging_label().empty()) {
      return Invalid(f("emerging_label"), "must be empty for an ESCO skill (skill.skill is set)");
    }
    if (!skill->esco_group().empty()) {
      return Invalid(f("esco_group"), "must be empty for an ESCO skill (skill.skill is set)");
    }
  } else {
    if (skill->emerging_label().empty() && skill->esco_group().empty()) {
      return Invalid(f("skill.skill"),
                     "is required (or, for an emerging skill, emerging_label and esco_group)");
    }
    RETURN_IF_ERROR(
        CheckText(f("emerging_label"), skill->emerging_label(), kMaxEmergingLabelCharacters, true));
    if (taxonomy::FoldLabel(skill->emerging_label()).empty()) {
      return Invalid(f("emerging_label"), "must not be blank");
    }
    if (skill->esco_group().empty()) {
      return Invalid(f("esco_group"), "is required for an emerging skill");
    }
    std::optional<taxonomy::GroupIndex> group = taxonomy_->FindGroup(skill->esco_group());
    if (!group) {
      return Invalid(f("esco_group"), absl::StrCat("\"", skill->esco_group().substr(0, 120),
                                                   "\" is not an ESCO v1.1.1 skill group"));
    }
    skill->set_esco_group(taxonomy_->GroupUri(*group));
  }
  RETURN_IF_ERROR(CheckProficiency(f("skill.level"), skill->skill().level()));
  if (!v1::SkillEvidence_IsValid(skill->evidence()) ||
      skill->evidence() == v1::SKILL_EVIDENCE_UNSPECIFIED) {
    return Invalid(f("evidence"),
                   "is required (self-reported, assessed, qualification or work "
                   "experience)");
  }
  return CheckText(f("evidence_note"), skill->evidence_note(), kMaxEvidenceNoteCharacters, false);
}

absl::Status ProfileValidator::ValidateSkills(
    absl::string_view field, google::protobuf::RepeatedPtrField<v1::ProfileSkill>* skills,
    int max) const {
  if (skills->size() > max) {
    return Invalid(field, absl::StrCat("must list at most ", max, " skills, got ", skills->size()));
  }
  std::set<std::string> seen;
  for (int i = 0; i < skills->size(); ++i) {
    std::string item = absl::StrCat(field, "[", i, "]");
    v1::ProfileSkill* skill = skills->Mutable(i);
    RETURN_IF_ERROR(ValidateSkill(item, skill));
    if (!seen.insert(SkillKey(*skill)).second) {
      return Invalid(
          absl::StrCat(item, skill->skill().skill().empty() ? ".emerging_label" : ".skill.skill"),
          "repeats a skill listed earlier");
    }
  }
  return absl::OkStatus();
}

absl::Status ProfileValidator::NormalizeSkillToRemove(absl::string_view field,
                                                      v1::ProfileSkill* skill) const {
  if (!skill->skill().skill().empty()) {
    if (std::optional<taxonomy::SkillIndex> found = taxonomy_->FindSkill(skill->skill().skill())) {
      skill->mutable_skill()->set_skill(taxonomy_->SkillUri(*found));
    }
    return absl::OkStatus();
  }
  if (skill->esco_group().empty() || taxonomy::FoldLabel(skill->emerging_label()).empty()) {
    return Invalid(absl::StrCat(field, ".skill.skill"),
                   "is required (or, for an emerging skill, emerging_label and esco_group)");
  }
  if (std::optional<taxonomy::GroupIndex> group = taxonomy_->FindGroup(skill->esco_group())) {
    skill->set_esco_group(taxonomy_->GroupUri(*group));
  }
  return absl::OkStatus();
}

absl::Status ProfileValidator::ValidateInterests(absl::string_view field,
                                                 v1::Interests* interests) const {
  auto f = [&](absl::string_view name) { return absl::StrCat(field, ".", name); };
  auto check_count = [&](absl::string_view name, int count) -> absl::Status {
    if (count > kMaxInterestEntries) {
      return Invalid(f(name), absl::StrCat("must list at most ", kMaxInterestEntries,
                                           " entries, got ", count));
    }
    return absl::OkStatus();
  };

  RETURN_IF_ERROR(check_count("occupations", interests->occupations_size()));
  std::set<std::string> seen;
  for (int i = 0; i < interests->occupations_size(); ++i) {
    std::string item = f(absl::StrCat("occupations[", i, "]"));
    std::string* uri = interests->mutable_occupations(i);
    if (uri->empty()) return Invalid(item, "must not be empty");
    if (absl::StartsWith(*uri, kIscoGroupUriPrefix)) {
      std::string code = uri->substr(sizeof(kIscoGroupUriPrefix) - 1);
      if (!IsDigits(code) || code.size() > 4 || !isco_groups_.contains(code)) {
        return Invalid(item, absl::StrCat("\"", uri->substr(0, 120),
                                          "\" is not an ISCO-08 group of any ESCO occupation"));
      }
    } else if (std::optional<taxonomy::OccupationIndex> occupation =
                   taxonomy_->FindOccupation(*uri)) {
      *uri = taxonomy_->OccupationUri(*occupation);
    } else {
      return Invalid(item, absl::StrCat("\"", uri->substr(0, 120),
                                        "\" is not an ESCO v1.1.1 occupation or ISCO-08 group"));
    }
    if (!seen.insert(*uri).second) return Invalid(item, "repeats an entry listed earlier");
  }

  RETURN_IF_ERROR(check_count("skill_groups", interests->skill_groups_size()));
  seen.clear();
  for (int i = 0; i < interests->skill_groups_size(); ++i) {
    std::string item = f(absl::StrCat("skill_groups[", i, "]"));
    std::string* uri = interests->mutable_skill_groups(i);
    if (uri->empty()) return Invalid(item, "must not be empty");
    if (std::optional<taxonomy::SkillIndex> skill = taxonomy_->FindSkill(*uri)) {
      *uri = taxonomy_->SkillUri(*skill);
    } else if (std::optional<taxonomy::GroupIndex> group = taxonomy_->FindGroup(*uri)) {
      *uri = taxonomy_->GroupUri(*group);
    } else {
      return Invalid(item, absl::StrCat("\"", uri->substr(0, 120),
                                        "\" is not an ESCO v1.1.1 skill or skill group"));
    }
    if (!seen.insert(*uri).second) return Invalid(item, "repeats an entry listed earlier");
  }

  RETURN_IF_ERROR(check_count("tags", interests->tags_size()));
  seen.clear();
  for (int i = 0; i < interests->tags_size(); ++i) {
    std::string item = f(absl::StrCat("tags[", i, "]"));
    RETURN_IF_ERROR(CheckText(item, interests->tags(i), kMaxTagCharacters, true));
    if (taxonomy::FoldLabel(interests->tags(i)).empty()) return Invalid(item, "must not be blank");
    if (!seen.insert(taxonomy::FoldLabel(interests->tags(i))).second) {
      return Invalid(item, "repeats a tag listed earlier (tags are compared ignoring case)");
    }
  }
  return absl::OkStatus();
}

absl::Status ProfileValidator::ValidateConsent(absl::string_view field, const v1::Consent& consent,
                                               const common::v1::Date& date_of_birth,
                                               absl::Time now) const {
  auto f = [&](absl::string_view name) { return absl::StrCat(field, ".", name); };
  if (consent.purposes_size() < 1 || consent.purposes_size() > 3) {
    return Invalid(f("purposes"),
                   absl::StrCat("must list 1..3 purposes, got ", consent.purposes_size()));
  }
  std::set<int> purposes;
  for (int i = 0; i < consent.purposes_size(); ++i) {
    std::string item = f(absl::StrCat("purposes[", i, "]"));
    int purpose = consent.purposes(i);
    if (!v1::ConsentPurpose_IsValid(purpose) || purpose == v1::CONSENT_PURPOSE_UNSPECIFIED) {
      return Invalid(item, "is not a consent purpose");
    }
    if (!purposes.insert(purpose).second) return Invalid(item, "is listed twice");
  }
  ASSIGN_OR_RETURN(absl::Time given_at,
                   RequiredTime(f("given_at"), consent.has_given_at(), consent.given_at()));
  if (given_at > now) return Invalid(f("given_at"), "must not be in the future");
  common::v1::Date given_on = CivilDate(given_at, zone_);
  if (DateBefore(given_on, date_of_birth)) {
    return Invalid(f("given_at"), "must not be before the person's date of birth");
  }
  if (!v1::ConsentGiver_IsValid(consent.given_by()) ||
      consent.given_by() == v1::CONSENT_GIVER_UNSPECIFIED) {
    return Invalid(f("given_by"), "is required (CONSENT_GIVER_SELF or CONSENT_GIVER_GUARDIAN)");
  }
  if (consent.given_by() == v1::CONSENT_GIVER_SELF &&
      AgeOn(date_of_birth, given_on) < kSelfConsentAge) {
    return Invalid(f("given_by"),
                   absl::StrCat("must be CONSENT_GIVER_GUARDIAN: the person was under ",
                                kSelfConsentAge, " when consent was given"));
  }
  if (consent.given_by() == v1::CONSENT_GIVER_GUARDIAN) {
    RETURN_IF_ERROR(CheckText(f("guardian_relationship"), consent.guardian_relationship(),
                              kMaxGuardianRelationshipCharacters, true));
    if (taxonomy::FoldLabel(consent.guardian_relationship()).empty()) {
      return Invalid(f("guardian_relationship"), "must not be blank");
    }
  } else if (!consent.guardian_relationship().empty()) {
    return Invalid(f("guardian_relationship"),
                   "must be empty unless consent was given by a guardian");
  }
  return absl::OkStatus();
}

absl::Status ProfileValidator::ValidateRetentionDeadline(absl::string_view field,
                                                         const v1::Profile& profile, absl::Time now,
                                                         bool check_window) const {
  ASSIGN_OR_RETURN(absl::Time deadline, RequiredTime(field, profile.has_retention_deadline(),
                                                     profile.retention_deadline()));
  if (!check_window) return absl::OkStatus();
  if (deadline <= now) return Invalid(field, "must be in the future");
  absl::CivilSecond today = absl::ToCivilSecond(now, zone_);
  absl::Time latest =
      absl::FromCivil(absl::CivilSecond(today.year() + kMaxRetentionYears, today.month(),
                                        today.day(), today.hour(), today.minute(), today.second()),
                      zone_);
  if (deadline > latest) {
    return Invalid(field, absl::StrCat("must be at most ", kMaxRetentionYears, " years ahead"));
  }
  return absl::OkStatus();
}

absl::Status ProfileValidator::ValidateProfileContent(absl::string_view field, v1::Profile* profile,
                                                      absl::Time now) const {
  auto f = [&](absl::string_view name) { return absl::StrCat(field, ".", name); };
  if (!profile->has_date_of_birth()) return Invalid(f("date_of_birth"), "is required");
  RETURN_IF_ERROR(CheckDate(f("date_of_birth"), profile->date_of_birth()));
  common::v1::Date today = CivilDate(now, zone_);
  if (DateBefore(today, profile->date_of_birth())) {
    return Invalid(f("date_of_birth"), "must not be in the future");
  }
  int age = AgeOn(profile->date_of_birth(), today);
  if (age < kMinAge || age > kMaxAge) {
    return Invalid(f("date_of_birth"), absl::StrCat("must make the person ", kMinAge, "..", kMaxAge,
                                                    " years old today, got ", age));
  }
  RETURN_IF_ERROR(
      NormalizeOutcode(f("home.outcode"), *geography_, profile->mutable_home()->mutable_outcode()));
  RETURN_IF_ERROR(ValidateSkills(f("skills"), profile->mutable_skills(), kMaxSkills));
  RETURN_IF_ERROR(ValidateInterests(f("interests"), profile->mutable_interests()));
  RETURN_IF_ERROR(
      CheckRange(f("highest_rqf_level"), profile->highest_rqf_level(), 0, kMaxRqfLevel));
  if (!common::v1::StudyMode_IsValid(profile->availability())) {
    return Invalid(f("availability"), "is not a study mode");
  }
  // 0 means "not given"; otherwise 1..kMaxTravelKm.
  return CheckRange(f("max_travel_km"), profile->max_travel_km(), 0, kMaxTravelKm);
}

absl::Status ProfileValidator::ValidateProfile(absl::string_view field, v1::Profile* profile,
                                               absl::Time now,
                                               bool check_retention_deadline) const {
  auto f = [&](absl::string_view name) { return absl::StrCat(field, ".", name); };
  RETURN_IF_ERROR(CheckText(f("adviser"), profile->adviser(), kMaxAdviserCharacters, true));
  RETURN_IF_ERROR(ValidateProfileContent(field, profile, now));
  if (!profile->has_consent()) return Invalid(f("consent"), "is required");
  RETURN_IF_ERROR(ValidateConsent(f("consent"), profile->consent(), profile->date_of_birth(), now));
  return ValidateRetentionDeadline(f("retention_deadline"), *profile, now,
                                   check_retention_deadline);
}

}  // namespace pathways::profiles
