// Field checks shared by every service's validation, each returning
// INVALID_ARGUMENT that names the offending field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pathways/common/v1/common.pb.h"

namespace pathways {

namespace taxonomy {
class Taxonomy;
class Geography;
}  // namespace taxonomy

// Text of at most `max` characters (code points); required means 1..max.
absl::Status CheckText(absl::string_view field, absl::string_view text, size_t max, bool required);
absl::Status CheckRange(absl::string_view field, int64_t value, int64_t min, int64_t max);
// A valid calendar date in 1900..2200.
absl::Status CheckDate(absl::string_view field, const common::v1::Date& date);
// Orders dates; both must be valid.
bool DateBefore(const common::v1::Date& a, const common::v1::Date& b);
// A level from basic to expert.
absl::Status CheckProficiency(absl::string_view field, common::v1::Proficiency level);

// Resolves an ESCO skill (URI or UUID) and rewrites it to its canonical URI.
absl::Status NormalizeSkill(absl::string_view field, const taxonomy::Taxonomy& taxonomy,
                            std::string* skill);
// Resolves a postcode or outcode to a known GB outcode and rewrites it.
absl::Status NormalizeOutcode(absl::string_view field, const taxonomy::Geography& geography,
                              std::string* outcode);

}  // namespace pathways
