#include "services/matcher/provision_gaps.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/matcher/api_support.h"
#include "services/matcher/query.h"
#include "services/taxonomy/absl_compat.h"

namespace pathways::matcher {
namespace {

using taxonomy::internal::StrCat;

constexpr size_t kMaxSkillsPerRow = 10;
constexpr char kOnlineKey[] = "online";

// Which places are in the requested area.
class AreaFilter {
 public:
  static absl::StatusOr<AreaFilter> Make(const MatchIndex& index, const demand::v1::Area& area) {
    AreaFilter filter;
    switch (area.area_case()) {
      case demand::v1::Area::kPostcodeArea: {
        std::string letters(absl::AsciiStrToUpper(area.postcode_area()));
        bool ok = !letters.empty() && letters.size() <= 2;
        for (char c : letters) ok = ok && c >= 'A' && c <= 'Z';
        if (!ok) return absl::InvalidArgumentError("area.postcode_area must be 1 or 2 letters");
        filter.postcode_area_ = letters;
        break;
      }
      case demand::v1::Area::kOutcode: {
        std::optional<taxonomy::OutcodeInfo> info = index.geography().Find(area.outcode());
        if (!info.has_value()) {
          return absl::InvalidArgumentError("area.outcode is not a known GB outcode");
        }
        filter.outcode_ = std::string(info->outcode);
        break;
      }
      case demand::v1::Area::kLocalAuthority: {
        const std::string& code = area.local_authority();
        bool ok = code.size() == 9 && absl::ascii_isalpha(static_cast<unsigned char>(code[0]));
        for (size_t i = 1; i < code.size() && ok; ++i) ok = code[i] >= '0' && code[i] <= '9';
        if (!ok) {
          return absl::InvalidArgumentError(
              "area.local_authority must be a GSS code, e.g. E08000003");
        }
        filter.authority_ = code;
        break;
      }
      default:
        break;
    }
    return filter;
  }

  bool Contains(const Place& place) const {
    if (!postcode_area_.empty()) {
      size_t letters = 0;
      while (letters < place.outcode.size() &&
             absl::ascii_isalpha(static_cast<unsigned char>(place.outcode[letters]))) {
        ++letters;
      }
      return place.outcode.substr(0, letters) == postcode_area_;
    }
    if (!outcode_.empty()) return place.outcode == outcode_;
    if (!authority_.empty()) return place.district_code == authority_;
    return true;
  }

 private:
  std::string postcode_area_;
  std::string outcode_;
  std::string authority_;
};

struct Row {
  std::string key;
  std::string label;
  int64_t openings = 0;
  std::vector<uint32_t> employers;
  int32_t course_count = 0;
  // Skill key -> openings (or course count) within the row.
  absl::flat_hash_map<std::string, int64_t> skills;
};

std::string EmergingRowKey(const MatchIndex& index, uint32_t id) {
  const EmergingSkill& e = index.emerging(id);
  return StrCat(index.taxonomy().GroupUri(e.group), "#", e.folded);
}

}  // namespace

absl::Status GetProvisionGaps(const MatchIndex& index, const v1::GetProvisionGapsRequest& request,
                              Day today, v1::GetProvisionGapsResponse* response) {
  if (request.horizon() == demand::v1::HORIZON_UNSPECIFIED ||
      !demand::v1::Horizon_IsValid(request.horizon())) {
    return absl::InvalidArgumentError("horizon is required");
  }
  const demand::v1::GroupBy group_by = request.group_by();
  if (group_by == demand::v1::GROUP_BY_UNSPECIFIED || !demand::v1::GroupBy_IsValid(group_by)) {
    return absl::InvalidArgumentError("group_by is required");
  }
  if (!v1::GapKind_IsValid(request.kind())) {
    return absl::InvalidArgumentError("kind is not a gap kind");
  }
  const bool course_rows = request.kind() == v1::GAP_KIND_COURSE_WITHOUT_DEMAND;
  if (course_rows && group_by == demand::v1::GROUP_BY_OCCUPATION) {
    return absl::InvalidArgumentError(
        "group_by GROUP_BY_OCCUPATION is not available with GAP_KIND_COURSE_WITHOUT_DEMAND: "
        "courses have no occupation");
  }
  absl::StatusOr<int> page_size = CountOrDefault("page_size", request.page_size(), 50, 1000);
  if (!page_size.ok()) return page_size.status();
  absl::StatusOr<int> offset = PageOffset(request);
  if (!offset.ok()) return offset.status();
  absl::StatusOr<AreaFilter> area = AreaFilter::Make(index, request.area());
  if (!area.ok()) return area.status();
  const taxonomy::Taxonomy& tax = index.taxonomy();

  std::vector<uint8_t> place_in_area(index.place_count());
  for (PlaceId p = 0; p < index.place_count(); ++p)
    place_in_area[p] = area->Contains(index.place(p));
  auto course_in_area = [&](const CourseEntry& course) {
    return course.online || course.venue == kNoPlace || place_in_area[course.venue];
  };

  absl::flat_hash_map<std::string, Row> rows;
  auto row_for = [&](const std::string& key, auto&& label) -> Row& {
    auto [it, inserted] = rows.try_emplace(key);
    if (inserted) {
      it->second.key = key;
      it->second.label = label();
    }
    return it->second;
  };
  auto area_key = [&](PlaceId place) {
    const Place& p = index.place(place);
    return group_by == demand::v1::GROUP_BY_LOCAL_AUTHORITY ? p.district_code : p.outcode;
  };
  auto area_label = [&](PlaceId place) {
    const Place& p = index.place(place);
    if (group_by == demand::v1::GROUP_BY_LOCAL_AUTHORITY) return p.district_name;
    return p.district_name.empty() ? p.outcode : StrCat(p.outcode, " (", p.district_name, ")");
  };

  if (!course_rows) {
    // Highest level taught in the area, by skill.
    std::vector<uint8_t> taught(tax.skill_count(), 0);
    for (CourseId id = 0; id < index.course_slots(); ++id) {
      const CourseEntry& course = index.course(id);
      if (!course.live || !course_in_area(course)) continue;
      for (const TaughtSkill& t : course.taught)
        taught[t.skill] = std::max(taught[t.skill], t.level);
    }
    auto untaught = [&](const RequiredSkillEntry& r) {
      if (!IsEmergingKey(r.key)) return taught[r.key] < r.level;
      for (const CoursePosting& posting :
           index.CoursesTeachingUnder(index.emerging(EmergingIdOf(r.key)).group)) {
        if (posting.level >= r.level && course_in_area(index.course(posting.course))) return false;
      }
      return true;
    };
    auto skill_key = [&](SkillKey key) {
      return IsEmergingKey(key) ? EmergingRowKey(index, EmergingIdOf(key)) : tax.SkillUri(key);
    };
    for (PlaceId p = 0; p < index.place_count(); ++p) {
      if (!place_in_area[p]) continue;
      for (const RoleHot& hot : index.RolesAt(p)) {
        const RoleEntry& role = index.role(hot.id);
        const int64_t openings = OpeningsUpTo(role, request.horizon(), today);
        if (openings <= 0) continue;
        if (group_by == demand::v1::GROUP_BY_SKILL) {
          for (const RequiredSkillEntry& r : role.skills) {
            if (!untaught(r)) continue;
            Row& row =
                row_for(skill_key(r.key), [&] { return std::string(index.SkillKeyLabel(r.key)); });
            row.openings += openings;
            row.employers.push_back(role.employer);
          }
          continue;
        }
        bool essential_gap = false;
        for (const RequiredSkillEntry& r : role.essentials()) {
          if (untaught(r)) {
            essential_gap = true;
            break;
          }
        }
        if (!essential_gap) continue;
        Row* row;
        if (group_by == demand::v1::GROUP_BY_OCCUPATION) {
          row = &row_for(tax.OccupationUri(role.occupation),
                         [&] { return std::string(tax.OccupationLabel(role.occupation)); });
        } else {
          row = &row_for(area_key(role.site), [&] { return area_label(role.site); });
        }
        row->openings += openings;
        row->employers.push_back(role.employer);
        for (const RequiredSkillEntry& r : role.skills) {
          if (untaught(r)) row->skills[skill_key(r.key)] += openings;
        }
      }
    }
  } else {
    // Skills some role in the area needs, at any level.
    std::vector<uint8_t> needed(tax.skill_count(), 0);
    std::vector<uint8_t> needed_group(tax.group_count(), 0);
    for (PlaceId p = 0; p < index.place_count(); ++p) {
      if (!place_in_area[p]) continue;
      for (const RoleHot& hot : index.RolesAt(p)) {
        const RoleEntry& role = index.role(hot.id);
        if (OpeningsUpTo(role, request.horizon(), today) <= 0) continue;
        for (const RequiredSkillEntry& r : role.skills) {
          if (IsEmergingKey(r.key)) {
            needed_group[index.emerging(EmergingIdOf(r.key)).group] = 1;
          } else {
            needed[r.key] = 1;
          }
        }
      }
    }
    auto unneeded = [&](SkillIndex skill) {
      if (needed[skill]) return false;
      for (GroupIndex g : index.GroupsAbove(skill)) {
        if (needed_group[g]) return false;
      }
      return true;
    };
    for (CourseId id = 0; id < index.course_slots(); ++id) {
      const CourseEntry& course = index.course(id);
      if (!course.live || !course_in_area(course)) continue;
      const bool online = course.online || course.venue == kNoPlace;
      Row* area_row = nullptr;
      for (const TaughtSkill& t : course.taught) {
        if (!unneeded(t.skill)) continue;
        if (group_by == demand::v1::GROUP_BY_SKILL) {
          Row& row =
              row_for(tax.SkillUri(t.skill), [&] { return std::string(tax.SkillLabel(t.skill)); });
          ++row.course_count;
          continue;
        }
        if (area_row == nullptr) {
          area_row =
              online ? &row_for(kOnlineKey, [] { return std::string("Online"); })
                     : &row_for(area_key(course.venue), [&] { return area_label(course.venue); });
          ++area_row->course_count;
        }
        ++area_row->skills[tax.SkillUri(t.skill)];
      }
    }
  }

  // Finish rows: distinct employers, suppression, top skills.
  std::vector<v1::ProvisionGap> shown, suppressed;
  for (auto& [key, row] : rows) {
    v1::ProvisionGap gap;
    gap.set_key(row.key);
    gap.set_label(row.label);
    std::sort(row.employers.begin(), row.employers.end());
    row.employers.erase(std::unique(row.employers.begin(), row.employers.end()),
                        row.employers.end());
    const bool hide = !course_rows && static_cast<int>(row.employers.size()) < kMinEmployers;
    if (hide) {
      gap.set_suppressed(true);
      suppressed.push_back(std::move(gap));
      continue;
    }
    if (!course_rows) {
      gap.set_openings(row.openings);
      gap.set_employer_count(static_cast<int32_t>(row.employers.size()));
    } else {
      gap.set_course_count(row.course_count);
    }
    std::vector<std::pair<std::string, int64_t>> skills(row.skills.begin(), row.skills.end());
    std::sort(skills.begin(), skills.end(), [](const auto& a, const auto& b) {
      if (a.second != b.second) return a.second > b.second;
      return a.first < b.first;
    });
    for (size_t i = 0; i < skills.size() && i < kMaxSkillsPerRow; ++i) {
      gap.add_skills(skills[i].first);
    }
    shown.push_back(std::move(gap));
  }
  std::sort(shown.begin(), shown.end(), [&](const v1::ProvisionGap& a, const v1::ProvisionGap& b) {
    const int64_t va = course_rows ? a.course_count() : a.openings();
    const int64_t vb = course_rows ? b.course_count() : b.openings();
    if (va != vb) return va > vb;
    return a.key() < b.key();
  });
  std::sort(suppressed.begin(), suppressed.end(),
            [](const v1::ProvisionGap& a, const v1::ProvisionGap& b) { return a.key() < b.key(); });
  for (v1::ProvisionGap& gap : suppressed) shown.push_back(std::move(gap));

  response->Clear();
  const int end = std::min<int>(static_cast<int>(shown.size()), *offset + *page_size);
  for (int i = *offset; i < end; ++i) *response->add_rows() = std::move(shown[i]);
  if (end < static_cast<int>(shown.size())) {
    response->set_next_page_token(NextPageToken(request, end));
  }
  FillIndexRevision(index, response->mutable_index_revision());
  return absl::OkStatus();
}

}  // namespace pathways::matcher
