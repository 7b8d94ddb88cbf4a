#include "services/demand/demand_summary.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/api_conventions.h"
#include "services/common/field_validation.h"
#include "services/common/status_macros.h"
#include "services/demand/role_validation.h"

namespace pathways::demand {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, " ", what));
}

absl::string_view ToAbsl(std::string_view text) { return {text.data(), text.size()}; }
std::string_view ToStd(absl::string_view text) { return {text.data(), text.size()}; }

// Openings and distinct employers of one row. Roles arrive in name order,
// so one employer's roles are adjacent and comparing with the last employer
// counted is enough to count each employer once.
struct Tally {
  int64_t openings = 0;
  int32_t employers = 0;
  std::string_view last_employer;

  void Add(int64_t count, std::string_view employer) {
    openings += count;
    if (employers == 0 || employer != last_employer) {
      ++employers;
      last_employer = employer;
    }
  }
};

struct EmergingTally {
  Tally tally;
  std::string_view label;  // The least spelling seen, so the label is stable.
};

v1::DemandRow MakeRow(std::string key, std::string_view label, const Tally& tally) {
  v1::DemandRow row;
  row.set_key(std::move(key));
  row.set_label(std::string(label));
  if (tally.employers < kMinEmployersShown) {
    row.set_suppressed(true);
  } else {
    row.set_openings(tally.openings);
    row.set_employer_count(tally.employers);
  }
  return row;
}

// Response order: rows with counts by openings (most first) then key;
// suppressed rows after them by key alone, so their place reveals nothing.
auto SortKey(const v1::DemandRow& row) {
  return std::make_tuple(row.suppressed(), row.suppressed() ? 0 : -row.openings(),
                         std::string_view(row.key()));
}

// A page token holds the sort position of the last row returned.
std::string EncodePosition(const v1::DemandRow& row) {
  return row.suppressed() ? absl::StrCat("s|", row.key())
                          : absl::StrCat("o|", row.openings(), "|", row.key());
}

struct Position {
  bool suppressed = false;
  int64_t openings = 0;
  std::string key;
};

absl::StatusOr<Position> DecodePosition(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, absl::MaxSplits('|', 1));
  Position position;
  if (parts.size() == 2 && parts[0] == "s") {
    position.suppressed = true;
    position.key = std::string(parts[1]);
    return position;
  }
  if (parts.size() == 2 && parts[0] == "o") {
    std::vector<absl::string_view> rest = absl::StrSplit(parts[1], absl::MaxSplits('|', 1));
    if (rest.size() == 2 && absl::SimpleAtoi(rest[0], &position.openings)) {
      position.key = std::string(rest[1]);
      return position;
    }
  }
  return absl::InvalidArgumentError("page_token is not a token this service issued");
}

}  // namespace

int64_t OpeningsUpTo(const v1::Openings& openings, v1::Horizon horizon, bool closed) {
  int64_t total = closed ? 0 : openings.now();
  if (horizon == v1::HORIZON_NOW) return total;
  total += openings.in_1_year();
  if (horizon == v1::HORIZON_ONE_YEAR) return total;
  total += openings.in_2_years();
  if (horizon == v1::HORIZON_TWO_YEARS) return total;
  return total + openings.in_5_years();
}

int32_t DateNumber(const common::v1::Date& date) {
  return date.year() * 10000 + date.month() * 100 + date.day();
}

bool AreaFilter::Contains(std::string_view outcode, std::string_view local_authority) const {
  switch (kind) {
    case Kind::kEverywhere:
      return true;
    case Kind::kPostcodeArea:
      return AreaDirectory::PostcodeArea(outcode) == value;
    case Kind::kOutcode:
      return outcode == value;
    case Kind::kLocalAuthority:
      return local_authority == value;
  }
  return false;
}

RoleFacts DemandSummarizer::Facts(const v1::Role& role) const {
  RoleFacts facts;
  std::vector<absl::string_view> parts = absl::StrSplit(role.name(), '/');
  if (parts.size() >= 2) facts.employer = std::string(parts[1]);
  if (std::optional<taxonomy::OccupationIndex> occupation =
          taxonomy_->FindOccupation(role.occupation())) {
    facts.occupation = *occupation;
  }
  facts.outcode = role.site().outcode();
  if (std::optional<taxonomy::OutcodeInfo> info = geography_->Find(facts.outcode)) {
    facts.local_authority = info->district_code;
  }
  facts.openings = role.openings();
  facts.closing_date = role.has_closing_date() ? DateNumber(role.closing_date()) : 0;
  facts.emerging = role.emerging();
  facts.esco_skills.reserve(role.required_skills_size());
  for (const v1::RequiredSkill& skill : role.required_skills()) {
    bool essential = skill.importance() == v1::SKILL_IMPORTANCE_ESSENTIAL;
    if (skill.skill().skill().empty()) {
      facts.emerging_skills.push_back({EmergingSkillKey(skill.esco_group(), skill.emerging_label()),
                                       skill.emerging_label(), essential});
    } else if (std::optional<taxonomy::SkillIndex> index =
                   taxonomy_->FindSkill(skill.skill().skill())) {
      facts.esco_skills.push_back({*index, essential});
    }
  }
  return facts;
}

absl::StatusOr<AreaFilter> DemandSummarizer::ResolveArea(absl::string_view field,
                                                         const v1::Area& area) const {
  AreaFilter filter;
  switch (area.area_case()) {
    case v1::Area::AREA_NOT_SET:
      return filter;
    case v1::Area::kPostcodeArea: {
      std::string field_name = absl::StrCat(field, ".postcode_area");
      filter.kind = AreaFilter::Kind::kPostcodeArea;
      filter.value = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(area.postcode_area()));
      bool letters = !filter.value.empty() && filter.value.size() <= 2 &&
                     AreaDirectory::PostcodeArea(filter.value).size() == filter.value.size();
      if (!letters)
        return Invalid(field_name, "must be the letters of a postcode area, e.g. \"M\"");
      if (!areas_->HasPostcodeArea(filter.value)) {
        return Invalid(field_name,
                       absl::StrCat("\"", filter.value, "\" is not a GB postcode area"));
      }
      return filter;
    }
    case v1::Area::kOutcode:
      filter.kind = AreaFilter::Kind::kOutcode;
      filter.value = area.outcode();
      RETURN_IF_ERROR(
          NormalizeOutcode(absl::StrCat(field, ".outcode"), *geography_, &filter.value));
      return filter;
    case v1::Area::kLocalAuthority:
      filter.kind = AreaFilter::Kind::kLocalAuthority;
      filter.value = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(area.local_authority()));
      if (!areas_->AuthorityName(filter.value)) {
        return Invalid(absl::StrCat(field, ".local_authority"),
                       absl::StrCat("\"", filter.value.substr(0, 20),
                                    "\" is not the GSS code of a local authority district that "
                                    "holds a postcode district, e.g. \"E08000003\""));
      }
      return filter;
  }
  return Invalid(field, "is not a kind of area this service knows");
}

absl::StatusOr<SummaryQuery> DemandSummarizer::ParseQuery(
    const v1::GetDemandSummaryRequest& request) const {
  SummaryQuery query;
  if (!v1::Horizon_IsValid(request.horizon()) || request.horizon() == v1::HORIZON_UNSPECIFIED) {
    return Invalid("horizon",
                   "is required: HORIZON_NOW, HORIZON_ONE_YEAR, HORIZON_TWO_YEARS or "
                   "HORIZON_FIVE_YEARS");
  }
  query.horizon = request.horizon();
  ASSIGN_OR_RETURN(query.area, ResolveArea("area", request.area()));
  if (!v1::GroupBy_IsValid(request.group_by()) || request.group_by() == v1::GROUP_BY_UNSPECIFIED) {
    return Invalid("group_by",
                   "is required: GROUP_BY_SKILL, GROUP_BY_OCCUPATION, GROUP_BY_AREA or "
                   "GROUP_BY_LOCAL_AUTHORITY");
  }
  query.group_by = request.group_by();
  if (request.essential_only() && query.group_by != v1::GROUP_BY_SKILL) {
    return Invalid("essential_only", "applies only with GROUP_BY_SKILL");
  }
  query.emerging_only = request.emerging_only();
  query.essential_only = request.essential_only();
  return query;
}

std::vector<v1::DemandRow> DemandSummarizer::Rows(const RoleFactsByName& roles,
                                                  const SummaryQuery& query,
                                                  const common::v1::Date& today) const {
  const int32_t today_number = DateNumber(today);
  absl::flat_hash_map<uint32_t, Tally> by_index;  // ESCO skills or occupations.
  absl::flat_hash_map<std::string, EmergingTally> by_emerging;
  absl::flat_hash_map<absl::string_view, Tally> by_place;  // Outcodes or GSS codes.

  for (const auto& [name, role] : roles) {
    if (query.emerging_only && !role.emerging) continue;
    if (!query.area.Contains(role.outcode, role.local_authority)) continue;
    bool closed = role.closing_date != 0 && role.closing_date < today_number;
    int64_t openings = OpeningsUpTo(role.openings, query.horizon, closed);
    if (openings == 0) continue;
    switch (query.group_by) {
      case v1::GROUP_BY_SKILL:
        for (const RoleFacts::EscoSkill& skill : role.esco_skills) {
          if (query.essential_only && !skill.essential) continue;
          by_index[skill.skill].Add(openings, role.employer);
        }
        for (const RoleFacts::EmergingSkill& skill : role.emerging_skills) {
          if (query.essential_only && !skill.essential) continue;
          EmergingTally& entry = by_emerging[skill.key];
          entry.tally.Add(openings, role.employer);
          if (entry.label.empty() || std::string_view(skill.label) < entry.label) {
            entry.label = skill.label;
          }
        }
        break;
      case v1::GROUP_BY_OCCUPATION:
        if (role.occupation != RoleFacts::kUnknown) {
          by_index[role.occupation].Add(openings, role.employer);
        }
        break;
      case v1::GROUP_BY_AREA:
        by_place[ToAbsl(role.outcode)].Add(openings, role.employer);
        break;
      case v1::GROUP_BY_LOCAL_AUTHORITY:
        if (!role.local_authority.empty()) {
          by_place[ToAbsl(role.local_authority)].Add(openings, role.employer);
        }
        break;
      default:
        break;
    }
  }

  std::vector<v1::DemandRow> rows;
  rows.reserve(by_index.size() + by_emerging.size() + by_place.size());
  for (const auto& [index, tally] : by_index) {
    if (query.group_by == v1::GROUP_BY_SKILL) {
      rows.push_back(MakeRow(taxonomy_->SkillUri(index), taxonomy_->SkillLabel(index), tally));
    } else {
      rows.push_back(
          MakeRow(taxonomy_->OccupationUri(index), taxonomy_->OccupationLabel(index), tally));
    }
  }
  for (const auto& [key, entry] : by_emerging)
    rows.push_back(MakeRow(key, entry.label, entry.tally));
  for (const auto& [place, tally] : by_place) {
    std::string label(place);
    if (query.group_by == v1::GROUP_BY_AREA) {
      if (std::optional<taxonomy::OutcodeInfo> info = geography_->Find(ToStd(place))) {
        label = absl::StrCat(place, " (", ToAbsl(info->district_name), ")");
      }
    } else if (std::optional<std::string_view> name = areas_->AuthorityName(ToStd(place))) {
      label = std::string(*name);
    }
    rows.push_back(MakeRow(std::string(place), label, tally));
  }
  std::sort(rows.begin(), rows.end(),
            [](const v1::DemandRow& a, const v1::DemandRow& b) { return SortKey(a) < SortKey(b); });
  return rows;
}

absl::Status DemandSummarizer::Page(const std::vector<v1::DemandRow>& rows,
                                    const v1::GetDemandSummaryRequest& request,
                                    v1::GetDemandSummaryResponse* response) {
  ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  v1::GetDemandSummaryRequest query = request;
  query.clear_page_size();
  query.clear_page_token();
  const std::string fingerprint = query.ShortDebugString();
  auto begin = rows.begin();
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::string last, DecodePageToken(request.page_token(), fingerprint));
    ASSIGN_OR_RETURN(Position after, DecodePosition(last));
    auto position = std::make_tuple(after.suppressed, after.suppressed ? 0 : -after.openings,
                                    std::string_view(after.key));
    begin =
        std::upper_bound(rows.begin(), rows.end(), position,
                         [](const auto& p, const v1::DemandRow& row) { return p < SortKey(row); });
  }
  auto end = rows.end() - begin > page_size ? begin + page_size : rows.end();
  for (auto it = begin; it != end; ++it) *response->add_rows() = *it;
  if (end != rows.end() && end != begin) {
    response->set_next_page_token(EncodePageToken(fingerprint, EncodePosition(*(end - 1))));
  }
  return absl::OkStatus();
}

}  // namespace pathways::demand
