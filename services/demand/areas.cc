#include "services/demand/areas.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <span>

#include "services/taxonomy/absl_compat.h"

namespace pathways::demand {
namespace {

using taxonomy::internal::StrCat;
using taxonomy::internal::ToAbsl;

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

std::string_view AreaDirectory::PostcodeArea(std::string_view outcode) {
  size_t letters = 0;
  while (letters < outcode.size() && IsUpper(outcode[letters])) ++letters;
  return outcode.substr(0, letters);
}

absl::StatusOr<std::unique_ptr<const AreaDirectory>> AreaDirectory::Parse(
    taxonomy::CsvReader& reader, std::string_view source_name) {
  std::unique_ptr<AreaDirectory> areas(new AreaDirectory());
  absl::Status status = taxonomy::ForEachCsvRow(
      reader, source_name, {"outcode", "main_lad_code", "main_lad_name"},
      [&](std::span<const std::string_view> cells) -> absl::Status {
        std::string_view area = PostcodeArea(cells[0]);
        if (area.empty() || area.size() > 2 || cells[1].empty() || cells[2].empty()) {
          return absl::InvalidArgumentError(
              StrCat("outcode \"", cells[0], "\" lacks a postcode area or authority"));
        }
        areas->postcode_areas_.emplace(std::string(area));
        auto [it, added] =
            areas->authorities_.emplace(std::string(cells[1]), std::string(cells[2]));
        if (!added && it->second != cells[2]) {
          return absl::InvalidArgumentError(
              StrCat("authority ", cells[1], " has two names: ", it->second, ", ", cells[2]));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return std::unique_ptr<const AreaDirectory>(std::move(areas));
}

absl::StatusOr<std::unique_ptr<const AreaDirectory>> AreaDirectory::Load(
    const std::string& data_dir) {
  const std::string path = data_dir + "/geo/outcodes.csv";
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return absl::NotFoundError(StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  taxonomy::CsvReader reader(in);
  return Parse(reader, path);
}

absl::StatusOr<std::unique_ptr<const AreaDirectory>> AreaDirectory::FromCsv(
    std::string_view csv_text, std::string_view source_name) {
  taxonomy::CsvReader reader(csv_text);
  return Parse(reader, source_name);
}

bool AreaDirectory::HasPostcodeArea(std::string_view area) const {
  return postcode_areas_.contains(ToAbsl(area));
}

std::optional<std::string_view> AreaDirectory::AuthorityName(std::string_view gss_code) const {
  auto it = authorities_.find(ToAbsl(gss_code));
  if (it == authorities_.end()) return std::nullopt;
  return std::string_view(it->second);
}

}  // namespace pathways::demand
