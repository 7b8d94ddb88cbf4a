// Demand summaries: openings up to a horizon, summed by skill, occupation or
// area, with rows drawn from fewer than kMinEmployersShown employers
// suppressed (DESIGN.md §6). Pure logic on in-memory role facts; where the
// facts come from is RoleProjection's business.
//
// Cost: one summary is O(R) over the roles held (O(R x S) when grouping by
// skill, S the skills per role, ~8 bytes and one hash update each), plus
// O(K log K) to order the K rows. At city scale (10^4 roles x 50 skills)
// that is a few milliseconds.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pathways/demand/v1/demand_service.pb.h"
#include "services/demand/areas.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"

namespace pathways::demand {

// A row counted from fewer employers than this is suppressed.
inline constexpr int kMinEmployersShown = 5;

// Openings up to `horizon` (unspecified counts as five years): the sum of
// the periods up to it, without "now" when the role has closed.
int64_t OpeningsUpTo(const v1::Openings& openings, v1::Horizon horizon, bool closed);

// A date as the number yyyymmdd, which orders as the dates do; 0 when unset.
int32_t DateNumber(const common::v1::Date& date);

// Where roles must be sited to count.
struct AreaFilter {
  enum class Kind { kEverywhere, kPostcodeArea, kOutcode, kLocalAuthority };
  Kind kind = Kind::kEverywhere;
  std::string value;  // Upper-case postcode area, outcode or GSS code.

  bool Contains(std::string_view outcode, std::string_view local_authority) const;
};

// What a summary needs of one role, kept small: the service holds one per
// stored role (about 8 bytes per ESCO skill).
struct RoleFacts {
  static constexpr uint32_t kUnknown = UINT32_MAX;

  struct EscoSkill {
    taxonomy::SkillIndex skill = kUnknown;
    bool essential = false;
  };
  struct EmergingSkill {
    std::string key;    // EmergingSkillKey.
    std::string label;  // As the employer wrote it (spaces collapsed).
    bool essential = false;
  };

  std::string employer;  // Employer id.
  taxonomy::OccupationIndex occupation = kUnknown;
  std::string outcode;
  std::string_view local_authority;  // GSS code; points into the Geography.
  v1::Openings openings;
  int32_t closing_date = 0;  // DateNumber; 0 when open-ended.
  bool emerging = false;
  std::vector<EscoSkill> esco_skills;
  std::vector<EmergingSkill> emerging_skills;
};

// Role facts by role name. Name order keeps each employer's roles together
// (names share the prefix "employers/{id}/"), which lets a summary count
// distinct employers per row without a set per row.
using RoleFactsByName = std::map<std::string, RoleFacts, std::less<>>;

// A validated GetDemandSummary request.
struct SummaryQuery {
  v1::Horizon horizon = v1::HORIZON_UNSPECIFIED;
  AreaFilter area;
  v1::GroupBy group_by = v1::GROUP_BY_UNSPECIFIED;
  bool emerging_only = false;
  bool essential_only = false;
};

class DemandSummarizer {
 public:
  DemandSummarizer(const taxonomy::Taxonomy* taxonomy, const taxonomy::Geography* geography,
                   const AreaDirectory* areas)
      : taxonomy_(taxonomy), geography_(geography), areas_(areas) {}

  // The facts of a stored (validated) role. Skills or an occupation the
  // taxonomy no longer knows are left out.
  RoleFacts Facts(const v1::Role& role) const;

  // Resolves an Area; INVALID_ARGUMENT naming `field` for an unknown one.
  absl::StatusOr<AreaFilter> ResolveArea(absl::string_view field, const v1::Area& area) const;
  // Checks a request's fields (not its page size or token).
  absl::StatusOr<SummaryQuery> ParseQuery(const v1::GetDemandSummaryRequest& request) const;

  // Every row, in response order, with suppression applied. A role counts
  // when it matches the filters and has openings up to the horizon; roles
  // that closed before `today` lose their "now" openings.
  std::vector<v1::DemandRow> Rows(const RoleFactsByName& roles, const SummaryQuery& query,
                                  const common::v1::Date& today) const;

  // Fills `response` with the page of `rows` that `request` asks for.
  static absl::Status Page(const std::vector<v1::DemandRow>& rows,
                           const v1::GetDemandSummaryRequest& request,
                           v1::GetDemandSummaryResponse* response);

 private:
  const taxonomy::Taxonomy* taxonomy_;
  const taxonomy::Geography* geography_;
  const AreaDirectory* areas_;
};

}  // namespace pathways::demand
