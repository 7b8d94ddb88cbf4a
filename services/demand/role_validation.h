// Validation of employers and roles: every rule names the field it checks
// (e.g. "role.required_skills[3].esco_group"), and valid values are
// normalised (ESCO skills, groups and occupations to canonical URIs,
// postcodes to outcodes, emerging labels to single-spaced text) so that
// stored data is uniform.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pathways/demand/v1/demand_service.pb.h"
#include "services/demand/soc2020.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"

namespace pathways::demand {

inline constexpr int kMaxRequiredSkills = 400;
inline constexpr int kMaxEmergingLabel = 100;
inline constexpr int kMaxOpeningsPerPeriod = 100'000;
inline constexpr int64_t kMaxAnnualPayPence = 50'000'000;
inline constexpr int64_t kMaxHourlyPayPence = 100'000;

// Trims surrounding ASCII whitespace and collapses inner runs to one space.
std::string CollapseSpaces(absl::string_view text);
// The identity of an emerging skill, and its key in demand summaries:
// "{esco_group}#{label lower-cased, spaces collapsed}".
std::string EmergingSkillKey(absl::string_view esco_group, absl::string_view label);
// The identity of any required skill: its ESCO URI, or EmergingSkillKey. The
// skill must have been validated.
std::string RequiredSkillKey(const v1::RequiredSkill& skill);

// The calendar date in the UK (Europe/London) at `time`: the day closing
// dates are compared with.
common::v1::Date UkDate(absl::Time time);

class RoleValidator {
 public:
  RoleValidator(const taxonomy::Taxonomy* taxonomy, const taxonomy::Geography* geography,
                const Soc2020* soc)
      : taxonomy_(taxonomy), geography_(geography), soc_(soc) {}

  // Checks every field a client sets; `field` prefixes every field path in
  // errors ("role" or "requests[3].role"). A closing date must not be before
  // `today`, unless `previous` (the stored role, on update) already had it:
  // a role whose closing date has passed can still be edited.
  absl::Status ValidateRole(absl::string_view field, v1::Role* role, const common::v1::Date& today,
                            const v1::Role* previous = nullptr) const;
  absl::Status ValidateEmployer(absl::string_view field, v1::Employer* employer) const;

  // Adds the ESCO skills linked to the role's occupation to its required
  // skills, as the SkillTemplate message describes: essential ones (and
  // optional ones if asked) at the template's level, after the role's own
  // entries, which win for the same skill. `field` names the template
  // ("skill_template"), `role_field` the role ("role").
  absl::Status ApplySkillTemplate(absl::string_view field, absl::string_view role_field,
                                  const v1::SkillTemplate& skill_template, v1::Role* role) const;

  const taxonomy::Taxonomy& taxonomy() const { return *taxonomy_; }
  const taxonomy::Geography& geography() const { return *geography_; }

 private:
  absl::Status NormalizeOccupation(absl::string_view field, std::string* occupation) const;
  absl::Status ValidateRequiredSkills(absl::string_view field, v1::Role* role) const;
  absl::Status ValidatePay(absl::string_view field, v1::PayBand* pay) const;

  const taxonomy::Taxonomy* taxonomy_;
  const taxonomy::Geography* geography_;
  const Soc2020* soc_;
};

}  // namespace pathways::demand
