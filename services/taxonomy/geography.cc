#include "services/taxonomy/geography.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numbers>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "services/common/status_macros.h"
#include "services/taxonomy/absl_compat.h"

namespace pathways::taxonomy {
namespace {

// IUGG mean Earth radius.
constexpr double kEarthRadiusKm = 6371.0088;
// The inward code of a postcode: digit, letter, letter ("1AE").
constexpr size_t kInwardLength = 3;

// Outward code shape: 1-2 letters, a digit, then an optional digit or letter
// (M1, M60, WA14, SW1A, W1A).
bool IsOutwardCode(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && i < 2 && absl::ascii_isupper(s[i])) ++i;
  if (i == 0 || i == s.size() || !absl::ascii_isdigit(s[i])) return false;
  ++i;
  if (i == s.size()) return true;
  return i + 1 == s.size() && (absl::ascii_isdigit(s[i]) || absl::ascii_isupper(s[i]));
}

bool IsInwardCode(std::string_view s) {
  return s.size() == kInwardLength && absl::ascii_isdigit(s[0]) && absl::ascii_isupper(s[1]) &&
         absl::ascii_isupper(s[2]);
}

double Radians(double degrees) { return degrees * std::numbers::pi / 180.0; }

}  // namespace

absl::StatusOr<std::unique_ptr<const Geography>> Geography::Load(const std::string& data_dir) {
  const std::string path = data_dir + "/geo/outcodes.csv";
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return absl::NotFoundError(internal::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  CsvReader reader(in);
  return Parse(reader, path);
}

absl::StatusOr<std::unique_ptr<const Geography>> Geography::FromCsv(std::string_view csv_text,
                                                                    std::string_view source_name) {
  CsvReader reader(csv_text);
  return Parse(reader, source_name);
}

absl::StatusOr<std::unique_ptr<const Geography>> Geography::Parse(CsvReader& reader,
                                                                  std::string_view source_name) {
  // make_unique cannot reach the private constructor.
  std::unique_ptr<Geography> geo(new Geography());
  RETURN_IF_ERROR(ForEachCsvRow(
      reader, source_name, {"outcode", "latitude", "longitude", "main_lad_code", "main_lad_name"},
      [&](std::span<const std::string_view> cells) -> absl::Status {
        Entry entry;
        entry.outcode = NormalizeOutcode(cells[0]);
        if (entry.outcode != cells[0]) {
          return absl::InvalidArgumentError(internal::StrCat("bad outcode \"", cells[0], "\""));
        }
        if (!absl::SimpleAtod(internal::ToAbsl(cells[1]), &entry.latitude) ||
            !absl::SimpleAtod(internal::ToAbsl(cells[2]), &entry.longitude) ||
            !(std::abs(entry.latitude) <= 90) || !(std::abs(entry.longitude) <= 180)) {
          return absl::InvalidArgumentError(
              internal::StrCat("bad coordinates for ", cells[0], ": ", cells[1], ", ", cells[2]));
        }
        entry.district_code = std::string(cells[3]);
        entry.district_name = std::string(cells[4]);
        const auto index = static_cast<uint32_t>(geo->entries_.size());
        if (!geo->by_outcode_.emplace(entry.outcode, index).second) {
          return absl::InvalidArgumentError(internal::StrCat("duplicate outcode ", cells[0]));
        }
        geo->entries_.push_back(std::move(entry));
        return absl::OkStatus();
      }));
  return std::unique_ptr<const Geography>(std::move(geo));
}

std::string Geography::NormalizeOutcode(std::string_view input) {
  std::string upper;
  upper.reserve(input.size());
  for (char c : input) upper.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  std::string_view text = upper;
  auto is_space = [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  // Written with a space ("M1 1AE"), the parts are given: the first must be
  // an outcode and the rest a whole inward code. ("M1 1" is not "M11".)
  size_t space = text.find_first_of(" \t\r\n");
  if (space != std::string_view::npos) {
    std::string_view outward = text.substr(0, space);
    std::string_view inward = text.substr(space);
    while (!inward.empty() && is_space(inward.front())) inward.remove_prefix(1);
    return IsOutwardCode(outward) && IsInwardCode(inward) ? std::string(outward) : "";
  }
  if (IsOutwardCode(text)) return std::string(text);
  // Outcodes are at most 4 characters, so a valid outcode is never also a
  // full postcode; the inward part is always the last 3.
  if (text.size() > kInwardLength) {
    std::string_view outward = text.substr(0, text.size() - kInwardLength);
    if (IsOutwardCode(outward) && IsInwardCode(text.substr(outward.size()))) {
      return std::string(outward);
    }
  }
  return "";
}

std::optional<OutcodeInfo> Geography::Find(std::string_view outcode_or_postcode) const {
  const std::string outcode = NormalizeOutcode(outcode_or_postcode);
  if (outcode.empty()) return std::nullopt;
  auto it = by_outcode_.find(outcode);
  if (it == by_outcode_.end()) return std::nullopt;
  const Entry& e = entries_[it->second];
  return OutcodeInfo{e.outcode, e.latitude, e.longitude, e.district_code, e.district_name};
}

double Geography::DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  const double phi1 = Radians(lat1);
  const double phi2 = Radians(lat2);
  const double dphi = phi2 - phi1;
  const double dlambda = Radians(lon2 - lon1);
  const double h = std::sin(dphi / 2) * std::sin(dphi / 2) +
                   std::cos(phi1) * std::cos(phi2) * std::sin(dlambda / 2) * std::sin(dlambda / 2);
  // Rounding can push h just past 1 for antipodal points; asin would be NaN.
  return 2 * kEarthRadiusKm * std::asin(std::sqrt(std::min(1.0, h)));
}

std::optional<double> Geography::DistanceKm(std::string_view a, std::string_view b) const {
  std::optional<OutcodeInfo> from = Find(a);
  std::optional<OutcodeInfo> to = Find(b);
  if (!from || !to) return std::nullopt;
  return DistanceKm(from->latitude, from->longitude, to->latitude, to->longitude);
}

}  // namespace pathways::taxonomy
