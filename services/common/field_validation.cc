#include "services/common/field_validation.h"

#include <tuple>

#include "absl/strings/str_cat.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"

namespace pathways {

absl::Status CheckText(absl::string_view field, absl::string_view text, size_t max, bool required) {
  size_t characters = 0;
  for (unsigned char c : text) characters += (c & 0xC0) != 0x80;  // Count UTF-8 lead bytes.
  if (required && characters == 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  }
  if (characters > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be at most ", max, " characters, got ", characters));
  }
  return absl::OkStatus();
}

absl::Status CheckRange(absl::string_view field, int64_t value, int64_t min, int64_t max) {
  if (value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be ", min, "..", max, ", got ", value));
  }
  return absl::OkStatus();
}

absl::Status CheckDate(absl::string_view field, const common::v1::Date& date) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int year = date.year(), month = date.month(), day = date.day();
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  bool ok = year >= 1900 && year <= 2200 && month >= 1 && month <= 12 && day >= 1 &&
            day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not a valid date in 1900..2200: ", year, "-", month, "-", day));
  }
  return absl::OkStatus();
}

bool DateBefore(const common::v1::Date& a, const common::v1::Date& b) {
  return std::tuple(a.year(), a.month(), a.day()) < std::tuple(b.year(), b.month(), b.day());
}

absl::Status CheckProficiency(absl::string_view field, common::v1::Proficiency level) {
  if (level < common::v1::PROFICIENCY_BASIC || level > common::v1::PROFICIENCY_EXPERT) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be a level from PROFICIENCY_BASIC to PROFICIENCY_EXPERT"));
  }
  return absl::OkStatus();
}

absl::Status NormalizeSkill(absl::string_view field, const taxonomy::Taxonomy& taxonomy,
                            std::string* skill) {
  if (skill->empty()) return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  std::optional<taxonomy::SkillIndex> index = taxonomy.FindSkill(*skill);
  if (!index) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " \"", skill->substr(0, 120), "\" is not an ESCO v1.1.1 skill"));
  }
  *skill = taxonomy.SkillUri(*index);
  return absl::OkStatus();
}

absl::Status NormalizeOutcode(absl::string_view field, const taxonomy::Geography& geography,
                              std::string* outcode) {
  if (outcode->empty()) return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  std::string normal = taxonomy::Geography::NormalizeOutcode(*outcode);
  if (normal.empty() || !geography.Find(normal)) {
    return absl::InvalidArgumentError(absl::StrCat(field, " \"", outcode->substr(0, 20),
                                                   "\" is not a known GB postcode district"));
  }
  *outcode = normal;
  return absl::OkStatus();
}

}  // namespace pathways
