// Validation of providers and courses: every rule names the field it checks,
// and valid values are normalised (skills to canonical ESCO URIs, postcodes to
// outcodes) so that stored data is uniform.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pathways/training/v1/training_service.pb.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"

namespace pathways::training {

inline constexpr int kMaxSkillsTaught = 50;
inline constexpr int kMaxEntrySkills = 20;
inline constexpr int kMaxStartDates = 52;
inline constexpr int64_t kMaxCostPence = 10'000'000;

class CourseValidator {
 public:
  CourseValidator(const taxonomy::Taxonomy* taxonomy, const taxonomy::Geography* geography)
      : taxonomy_(taxonomy), geography_(geography) {}

  // `field` prefixes every field path in errors, e.g. "course" or
  // "requests[3].course".
  absl::Status ValidateCourse(absl::string_view field, v1::Course* course) const;
  absl::Status ValidateProvider(absl::string_view field, v1::Provider* provider) const;

  const taxonomy::Taxonomy& taxonomy() const { return *taxonomy_; }
  const taxonomy::Geography& geography() const { return *geography_; }

 private:
  absl::Status ValidateSkills(absl::string_view field,
                              google::protobuf::RepeatedPtrField<common::v1::SkillLevel>* skills,
                              int min, int max) const;

  const taxonomy::Taxonomy* taxonomy_;
  const taxonomy::Geography* geography_;
};

}  // namespace pathways::training
