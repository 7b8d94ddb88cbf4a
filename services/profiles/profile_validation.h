// Validation of young people's profiles and their consent. Every rule names
// the field it checks in an INVALID_ARGUMENT, and valid values are normalised
// (ESCO skills, groups and occupations to canonical URIs, postcodes to
// outcodes) so stored data is uniform. The limits are those written in
// protos/pathways/profiles/v1/profiles_service.proto.
#pragma once

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pathways/profiles/v1/profiles_service.pb.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"

namespace pathways::profiles {

// A person must be 11..99 years old on the day a profile is written. The
// proto sets this range: wide enough for the youngest pupils an adviser
// meets (year 7) and for adults returning to learning, while rejecting
// dates that are plainly mistyped.
inline constexpr int kMinAge = 11;
inline constexpr int kMaxAge = 99;
// Under this age on the day consent was given, a guardian must give it.
inline constexpr int kSelfConsentAge = 16;
inline constexpr int kMaxSkills = 200;
inline constexpr int kMaxInterestEntries = 20;
inline constexpr size_t kMaxTagCharacters = 40;
inline constexpr size_t kMaxEvidenceNoteCharacters = 200;
inline constexpr size_t kMaxEmergingLabelCharacters = 100;
inline constexpr size_t kMaxAdviserCharacters = 128;
inline constexpr size_t kMaxGuardianRelationshipCharacters = 50;
inline constexpr int kMaxTravelKm = 300;
inline constexpr int kMaxRqfLevel = 8;
inline constexpr int kMaxRetentionYears = 6;
inline constexpr char kIscoGroupUriPrefix[] = "http://data.europa.eu/esco/isco/C";

// The calendar day `time` falls on in `zone`.
common::v1::Date CivilDate(absl::Time time, absl::TimeZone zone);
// Whole years from `birth` to `day` (a 29 February birthday falls on 1 March
// in other years, as in UK law).
int AgeOn(const common::v1::Date& birth, const common::v1::Date& day);

// The key that identifies a profile skill: the ESCO URI, or for an emerging
// skill its group and its label folded to lower case with runs of spaces
// collapsed. Expects a validated skill.
std::string SkillKey(const v1::ProfileSkill& skill);

// FAILED_PRECONDITION unless the profile's consent includes
// CONSENT_PURPOSE_MATCHING; what the matcher (and any other use for
// matching) must check before ranking pathways for a stored profile.
absl::Status CheckMatchingConsent(const v1::Profile& profile);

class ProfileValidator {
 public:
  // Dates (ages, consent days) are taken in `zone`, the authority's local
  // time zone.
  ProfileValidator(const taxonomy::Taxonomy* taxonomy, const taxonomy::Geography* geography,
                   absl::TimeZone zone = absl::UTCTimeZone());

  // Checks a whole profile as written by Create or Update at `now`. `field`
  // prefixes every field path ("profile"). The retention deadline must be in
  // the future and at most kMaxRetentionYears ahead when
  // `check_retention_deadline` is set (on Create, and on Update when it is in
  // the mask); it is always required.
  absl::Status ValidateProfile(absl::string_view field, v1::Profile* profile, absl::Time now,
                               bool check_retention_deadline) const;
  // The person's facts alone: date of birth, home, skills, interests,
  // qualification level, availability and travel. The matcher validates
  // inline (what-if) profiles with this; ValidateProfile adds adviser,
  // consent and retention.
  absl::Status ValidateProfileContent(absl::string_view field, v1::Profile* profile,
                                      absl::Time now) const;
  // One skill entry, e.g. for AddSkills.
  absl::Status ValidateSkill(absl::string_view field, v1::ProfileSkill* skill) const;
  // A list of skills: at most `max`, no skill twice.
  absl::Status ValidateSkills(absl::string_view field,
                              google::protobuf::RepeatedPtrField<v1::ProfileSkill>* skills,
                              int max) const;
  // Consent, given the person's (valid) date of birth.
  absl::Status ValidateConsent(absl::string_view field, const v1::Consent& consent,
                               const common::v1::Date& date_of_birth, absl::Time now) const;
  // A skill named for removal: an ESCO skill by skill.skill, or an emerging
  // skill by esco_group and emerging_label. Normalised where the taxonomy
  // knows it; an unknown skill cannot be held, so it is not an error.
  absl::Status NormalizeSkillToRemove(absl::string_view field, v1::ProfileSkill* skill) const;

  const taxonomy::Taxonomy& taxonomy() const { return *taxonomy_; }
  absl::TimeZone zone() const { return zone_; }

 private:
  absl::Status ValidateInterests(absl::string_view field, v1::Interests* interests) const;
  absl::Status ValidateRetentionDeadline(absl::string_view field, const v1::Profile& profile,
                                         absl::Time now, bool check_window) const;

  const taxonomy::Taxonomy* taxonomy_;
  const taxonomy::Geography* geography_;
  absl::TimeZone zone_;
  // ISCO-08 group codes (1..4 digits) that some ESCO occupation sits under.
  absl::flat_hash_set<std::string> isco_groups_;
};

}  // namespace pathways::profiles
