// The areas demand is counted over: postcode areas ("M", "WA") and local
// authority districts by GSS code, each with the postcode districts in it.
// Read from the same data/geo/outcodes.csv as taxonomy::Geography, which
// answers per outcode but cannot list districts or authorities.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "services/taxonomy/csv.h"

namespace pathways::demand {

// Immutable after loading; safe to share between threads.
class AreaDirectory {
 public:
  // Reads `data_dir`/geo/outcodes.csv.
  static absl::StatusOr<std::unique_ptr<const AreaDirectory>> Load(const std::string& data_dir);
  // Parses CSV text with the columns of outcodes.csv.
  static absl::StatusOr<std::unique_ptr<const AreaDirectory>> FromCsv(
      std::string_view csv_text, std::string_view source_name = "outcodes");

  AreaDirectory(const AreaDirectory&) = delete;
  AreaDirectory& operator=(const AreaDirectory&) = delete;

  // The letters an outcode starts with: "M" for "M1", "WA" for "WA14".
  static std::string_view PostcodeArea(std::string_view outcode);

  // Whether some known outcode lies in the postcode area (upper case).
  bool HasPostcodeArea(std::string_view area) const;
  // The name of a local authority district that is the main authority of at
  // least one outcode ("E08000003" → "Manchester"); nullopt otherwise.
  std::optional<std::string_view> AuthorityName(std::string_view gss_code) const;

 private:
  AreaDirectory() = default;

  static absl::StatusOr<std::unique_ptr<const AreaDirectory>> Parse(taxonomy::CsvReader& reader,
                                                                    std::string_view source_name);

  absl::flat_hash_set<std::string> postcode_areas_;
  absl::flat_hash_map<std::string, std::string> authorities_;
};

}  // namespace pathways::demand
