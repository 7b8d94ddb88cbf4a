#include "services/demand/soc2020.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <span>

#include "services/taxonomy/absl_compat.h"
#include "services/taxonomy/csv.h"

namespace pathways::demand {
namespace {

using taxonomy::internal::StrCat;
using taxonomy::internal::ToAbsl;

// A group's level and the number of digits in its code.
constexpr std::string_view kLevels[] = {"major", "sub_major", "minor", "unit"};

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

}  // namespace

absl::StatusOr<std::unique_ptr<const Soc2020>> Soc2020::Parse(taxonomy::CsvReader& reader,
                                                              std::string_view source_name) {
  std::unique_ptr<Soc2020> soc(new Soc2020());
  absl::Status status = taxonomy::ForEachCsvRow(
      reader, source_name, {"code", "level", "title"},
      [&](std::span<const std::string_view> cells) -> absl::Status {
        std::string_view code = cells[0], level = cells[1], title = cells[2];
        size_t depth = 0;
        while (depth < std::size(kLevels) && kLevels[depth] != level) ++depth;
        if (depth == std::size(kLevels) || code.size() != depth + 1 || !AllDigits(code) ||
            title.empty()) {
          return absl::InvalidArgumentError(
              StrCat("bad SOC 2020 group \"", code, "\" at level \"", level, "\""));
        }
        if (level == "unit" &&
            !soc->unit_groups_.emplace(std::string(code), std::string(title)).second) {
          return absl::InvalidArgumentError(StrCat("SOC 2020 unit group ", code, " appears twice"));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  if (soc->unit_groups_.empty()) {
    return absl::InvalidArgumentError(StrCat(source_name, ": no SOC 2020 unit groups"));
  }
  return std::unique_ptr<const Soc2020>(std::move(soc));
}

absl::StatusOr<std::unique_ptr<const Soc2020>> Soc2020::Load(const std::string& data_dir) {
  const std::string path = data_dir + "/soc/soc2020.csv";
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return absl::NotFoundError(StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  taxonomy::CsvReader reader(in);
  return Parse(reader, path);
}

absl::StatusOr<std::unique_ptr<const Soc2020>> Soc2020::FromCsv(std::string_view csv_text,
                                                                std::string_view source_name) {
  taxonomy::CsvReader reader(csv_text);
  return Parse(reader, source_name);
}

std::optional<std::string_view> Soc2020::UnitGroupTitle(std::string_view code) const {
  auto it = unit_groups_.find(ToAbsl(code));
  if (it == unit_groups_.end()) return std::nullopt;
  return std::string_view(it->second);
}

}  // namespace pathways::demand
