// The UK Standard Occupational Classification 2020 (ONS), loaded from
// data/soc/soc2020.csv (see data/ATTRIBUTION.md): enough to check that a
// role's SOC code names a real unit group and to show its title.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/taxonomy/csv.h"

namespace pathways::demand {

// Immutable after loading; safe to share between threads.
class Soc2020 {
 public:
  // Reads `data_dir`/soc/soc2020.csv. A missing file is NotFound; a malformed
  // one InvalidArgument naming the line.
  static absl::StatusOr<std::unique_ptr<const Soc2020>> Load(const std::string& data_dir);
  // Parses CSV text with the columns of soc2020.csv; `source_name` labels
  // errors.
  static absl::StatusOr<std::unique_ptr<const Soc2020>> FromCsv(
      std::string_view csv_text, std::string_view source_name = "soc2020");

  Soc2020(const Soc2020&) = delete;
  Soc2020& operator=(const Soc2020&) = delete;

  // The title of a 4-digit unit group ("5241" → "Electricians and electrical
  // fitters"); nullopt for anything else, including codes of broader groups.
  std::optional<std::string_view> UnitGroupTitle(std::string_view code) const;

  size_t unit_group_count() const { return unit_groups_.size(); }

 private:
  Soc2020() = default;

  static absl::StatusOr<std::unique_ptr<const Soc2020>> Parse(taxonomy::CsvReader& reader,
                                                              std::string_view source_name);

  // 412 unit groups: a plain map of small strings is all this needs.
  absl::flat_hash_map<std::string, std::string> unit_groups_;
};

}  // namespace pathways::demand
