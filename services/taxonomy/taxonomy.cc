#include "services/taxonomy/taxonomy.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "services/common/status_macros.h"
#include "services/taxonomy/absl_compat.h"
#include "services/taxonomy/csv.h"

namespace pathways::taxonomy {
namespace {

constexpr GroupIndex kNoGroup = std::numeric_limits<GroupIndex>::max();
constexpr std::string_view kEscoBase = "data.europa.eu/esco/";
constexpr std::string_view kSkillPath = "skill/";
constexpr std::string_view kIscedPath = "isced-f/";
// Far deeper than ESCO's four levels; a longer chain means a cycle.
constexpr int kMaxGroupDepth = 32;

std::string_view StripWhitespace(std::string_view s) {
  return internal::ToStd(absl::StripAsciiWhitespace(internal::ToAbsl(s)));
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return absl::StartsWithIgnoreCase(internal::ToAbsl(text), internal::ToAbsl(prefix));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex in either case).
std::optional<absl::uint128> ParseUuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  absl::uint128 value = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    const int digit = HexValue(text[i]);
    if (digit < 0) return std::nullopt;
    value = (value << 4) | static_cast<unsigned>(digit);
  }
  return value;
}

// Appends the UUID in its canonical lower-case form.
void AppendUuid(absl::uint128 value, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t at = out->size();
  out->resize(at + 36);
  char* text = out->data() + at;
  const uint64_t high = absl::Uint128High64(value);
  const uint64_t low = absl::Uint128Low64(value);
  // Byte by byte from the most significant, two digits each, with a dash
  // after the 4th, 6th, 8th and 10th byte: 8-4-4-4-12 digits.
  for (int b = 15; b >= 0; --b) {
    const auto byte = static_cast<uint8_t>(b >= 8 ? high >> (8 * (b - 8)) : low >> (8 * b));
    *text++ = kHex[byte >> 4];
    *text++ = kHex[byte & 0xF];
    if (b == 12 || b == 10 || b == 8 || b == 6) *text++ = '-';
  }
}

std::string FormatUuid(absl::uint128 value) {
  std::string out;
  AppendUuid(value, &out);
  return out;
}

// If `text` is an ESCO URI ("http(s)://data.europa.eu/esco/..."), returns
// the path after ".../esco/".
std::optional<std::string_view> EscoPath(std::string_view text) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (StartsWithIgnoreCase(text, scheme) &&
        StartsWithIgnoreCase(text.substr(scheme.size()), kEscoBase)) {
      return text.substr(scheme.size() + kEscoBase.size());
    }
  }
  return std::nullopt;
}

// Parses a URI with the given path prefix ("skill/"), or a bare UUID.
std::optional<absl::uint128> ParseConceptUuid(std::string_view text, std::string_view path) {
  text = StripWhitespace(text);
  if (std::optional<std::string_view> tail = EscoPath(text)) {
    if (!StartsWithIgnoreCase(*tail, path)) return std::nullopt;
    text = tail->substr(path.size());
  }
  return ParseUuid(text);
}

// ASCII case-insensitive three-way comparison.
int CompareFolded(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const char x = absl::ascii_tolower(a[i]);
    const char y = absl::ascii_tolower(b[i]);
    if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y) ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

absl::StatusOr<uint32_t> ParseIndex(std::string_view text, size_t limit, std::string_view what) {
  uint32_t value = 0;
  if (!absl::SimpleAtoi(internal::ToAbsl(text), &value) || value >= limit) {
    return absl::InvalidArgumentError(
        internal::StrCat(what, " \"", text, "\" is not a row number below ", limit));
  }
  return value;
}

absl::StatusOr<SkillType> ParseSkillType(std::string_view text) {
  if (text == "skill/competence") return SkillType::kSkill;
  if (text == "knowledge") return SkillType::kKnowledge;
  if (text.empty()) return SkillType::kUnspecified;
  return absl::InvalidArgumentError(internal::StrCat("unknown skill_type \"", text, "\""));
}

absl::StatusOr<ReuseLevel> ParseReuseLevel(std::string_view text) {
  if (text == "transversal") return ReuseLevel::kTransversal;
  if (text == "cross-sector") return ReuseLevel::kCrossSector;
  if (text == "sector-specific") return ReuseLevel::kSectorSpecific;
  if (text == "occupation-specific") return ReuseLevel::kOccupationSpecific;
  if (text.empty()) return ReuseLevel::kUnspecified;
  return absl::InvalidArgumentError(internal::StrCat("unknown reuse_level \"", text, "\""));
}

// Group ids are "skill/<uuid>" or "isced-f/<digits>", stored lower-case.
bool IsValidGroupId(std::string_view id) {
  if (id.starts_with(kSkillPath)) return ParseUuid(id.substr(kSkillPath.size())).has_value();
  if (id.starts_with(kIscedPath)) {
    std::string_view code = id.substr(kIscedPath.size());
    return !code.empty() && std::all_of(code.begin(), code.end(), absl::ascii_isdigit);
  }
  return false;
}

// Binary search over indices sorted by folded label.
std::optional<uint32_t> FindByLabel(const std::vector<uint32_t>& sorted, std::string_view label,
                                    absl::FunctionRef<std::string_view(uint32_t)> label_of) {
  label = StripWhitespace(label);
  auto it = std::lower_bound(
      sorted.begin(), sorted.end(), label,
      [&](uint32_t i, std::string_view l) { return CompareFolded(label_of(i), l) < 0; });
  if (it == sorted.end() || CompareFolded(label_of(*it), label) != 0) return std::nullopt;
  return *it;
}

}  // namespace

// Builds a Taxonomy from the data files. A friend so that Taxonomy keeps a
// private default constructor and stays immutable once handed out.
class TaxonomyLoader {
 public:
  static absl::StatusOr<std::unique_ptr<const Taxonomy>> Load(const std::string& data_dir) {
    // make_unique cannot reach the private constructor.
    std::unique_ptr<Taxonomy> t(new Taxonomy());
    const std::string dir = data_dir + "/esco/";
    RETURN_IF_ERROR(LoadSkills(dir + "skills.csv", *t));
    RETURN_IF_ERROR(LoadGroups(dir + "skill_groups.csv", *t));
    RETURN_IF_ERROR(LoadBroader(dir + "broader.csv", *t));
    RETURN_IF_ERROR(LoadOccupations(dir + "occupations.csv", *t));
    RETURN_IF_ERROR(LoadOccupationSkills(dir + "occupation_skills.csv", *t));
    t->arena_.shrink_to_fit();
    return std::unique_ptr<const Taxonomy>(std::move(t));
  }

 private:
  template <typename T>
  using Edges = std::vector<std::pair<uint32_t, T>>;

  static Taxonomy::TextRef Intern(std::string_view text, Taxonomy& t) {
    Taxonomy::TextRef ref{static_cast<uint32_t>(t.arena_.size()),
                          static_cast<uint32_t>(text.size())};
    t.arena_.append(text);
    return ref;
  }

  // Sorts and de-duplicates `edges` into rows 0..row_count-1.
  template <typename T>
  static Taxonomy::Rows<T> BuildRows(size_t row_count, Edges<T> edges) {
    std::sort(edges.begin(), edges.end());
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
    Taxonomy::Rows<T> rows;
    rows.offsets.assign(row_count + 1, 0);
    rows.values.reserve(edges.size());
    for (const auto& [row, value] : edges) {
      ++rows.offsets[row + 1];
      rows.values.push_back(value);
    }
    for (size_t i = 0; i < row_count; ++i) rows.offsets[i + 1] += rows.offsets[i];
    return rows;
  }

  template <typename T>
  static Edges<T> Reversed(const Edges<T>& edges) {
    Edges<T> reversed;
    reversed.reserve(edges.size());
    for (const auto& [from, to] : edges) reversed.emplace_back(to, from);
    return reversed;
  }

  // Entity indices ordered by folded label for binary search. Stable, so the
  // lowest index wins should two labels ever differ only in case.
  static std::vector<uint32_t> SortedByLabel(const std::vector<Taxonomy::TextRef>& labels,
                                             const Taxonomy& t) {
    std::vector<uint32_t> order(labels.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return CompareFolded(t.Text(labels[a]), t.Text(labels[b])) < 0;
    });
    return order;
  }

  static absl::Status LoadSkills(const std::string& path, Taxonomy& t) {
    RETURN_IF_ERROR(ForEachCsvFileRow(
        path, {"uuid", "skill_type", "reuse_level", "label"},
        [&](std::span<const std::string_view> cells) -> absl::Status {
          std::optional<absl::uint128> uuid = ParseUuid(cells[0]);
          if (!uuid)
            return absl::InvalidArgumentError(internal::StrCat("bad uuid \"", cells[0], "\""));
          ASSIGN_OR_RETURN(SkillType type, ParseSkillType(cells[1]));
          ASSIGN_OR_RETURN(ReuseLevel reuse, ParseReuseLevel(cells[2]));
          if (cells[3].empty()) return absl::InvalidArgumentError("empty label");
          const auto index = static_cast<SkillIndex>(t.skill_uuid_.size());
          if (!t.skill_by_uuid_.emplace(*uuid, index).second) {
            return absl::InvalidArgumentError(internal::StrCat("duplicate skill ", cells[0]));
          }
          t.skill_uuid_.push_back(*uuid);
          t.skill_type_.push_back(type);
          t.skill_reuse_.push_back(reuse);
          t.skill_label_.push_back(Intern(cells[3], t));
          return absl::OkStatus();
        }));
    t.skills_by_label_ = SortedByLabel(t.skill_label_, t);
    return absl::OkStatus();
  }

  static absl::Status LoadGroups(const std::string& path, Taxonomy& t) {
    return ForEachCsvFileRow(
        path, {"id", "code", "label"},
        [&](std::span<const std::string_view> cells) -> absl::Status {
          const std::string id = absl::AsciiStrToLower(internal::ToAbsl(cells[0]));
          const std::string code = absl::AsciiStrToUpper(internal::ToAbsl(cells[1]));
          if (!IsValidGroupId(id)) {
            return absl::InvalidArgumentError(internal::StrCat("bad group id \"", cells[0], "\""));
          }
          // Codes share the lookup map with ids, which always hold a '/'.
          if (code.empty() || code.find('/') != std::string::npos) {
            return absl::InvalidArgumentError(
                internal::StrCat("bad group code \"", cells[1], "\""));
          }
          if (cells[2].empty()) return absl::InvalidArgumentError("empty label");
          const auto index = static_cast<GroupIndex>(t.group_id_.size());
          if (!t.group_by_key_.emplace(id, index).second ||
              !t.group_by_key_.emplace(code, index).second) {
            return absl::InvalidArgumentError(
                internal::StrCat("duplicate group id or code ", cells[0], " ", cells[1]));
          }
          t.group_id_.push_back(Intern(id, t));
          t.group_code_.push_back(Intern(cells[1], t));
          t.group_label_.push_back(Intern(cells[2], t));
          return absl::OkStatus();
        });
  }

  static absl::Status LoadBroader(const std::string& path, Taxonomy& t) {
    const size_t skills = t.skill_count();
    const size_t groups = t.group_count();
    Edges<SkillIndex> skill_broader;
    Edges<GroupIndex> skill_groups;
    t.group_parent_.assign(groups, kNoGroup);
    RETURN_IF_ERROR(ForEachCsvFileRow(
        path, {"narrower_kind", "narrower", "broader_kind", "broader"},
        [&](std::span<const std::string_view> cells) -> absl::Status {
          const bool narrower_is_skill = cells[0] == "skill";
          const bool broader_is_skill = cells[2] == "skill";
          if ((!narrower_is_skill && cells[0] != "group") ||
              (!broader_is_skill && cells[2] != "group")) {
            return absl::InvalidArgumentError("kinds must be \"skill\" or \"group\"");
          }
          ASSIGN_OR_RETURN(uint32_t narrower,
                           ParseIndex(cells[1], narrower_is_skill ? skills : groups, "narrower"));
          ASSIGN_OR_RETURN(uint32_t broader,
                           ParseIndex(cells[3], broader_is_skill ? skills : groups, "broader"));
          if (narrower_is_skill && broader_is_skill) {
            if (narrower == broader) return absl::InvalidArgumentError("skill is its own broader");
            skill_broader.emplace_back(narrower, broader);
          } else if (narrower_is_skill) {
            skill_groups.emplace_back(narrower, broader);
          } else if (broader_is_skill) {
            return absl::InvalidArgumentError("a group cannot sit under a skill");
          } else {
            GroupIndex& parent = t.group_parent_[narrower];
            if (parent != kNoGroup && parent != broader) {
              return absl::InvalidArgumentError(
                  internal::StrCat("group ", narrower, " has more than one broader group"));
            }
            parent = broader;
          }
          return absl::OkStatus();
        }));

    t.skill_broader_ = BuildRows(skills, skill_broader);
    t.skill_narrower_ = BuildRows(skills, Reversed(skill_broader));
    t.group_skills_ = BuildRows(groups, Reversed(skill_groups));
    t.skill_groups_ = BuildRows(skills, std::move(skill_groups));

    Edges<GroupIndex> group_children;
    t.group_depth_.assign(groups, 0);
    for (GroupIndex g = 0; g < groups; ++g) {
      int depth = 0;
      for (GroupIndex p = t.group_parent_[g]; p != kNoGroup; p = t.group_parent_[p]) {
        if (++depth > kMaxGroupDepth) {
          return absl::InvalidArgumentError(
              internal::StrCat(path, ": group hierarchy has a cycle through group ", g));
        }
      }
      t.group_depth_[g] = static_cast<uint8_t>(depth);
      if (t.group_parent_[g] == kNoGroup) {
        t.top_groups_.push_back(g);
      } else {
        group_children.emplace_back(t.group_parent_[g], g);
      }
    }
    t.group_children_ = BuildRows(groups, std::move(group_children));
    return CheckSkillsAcyclic(path, t);
  }

  // Callers walk Broader() upwards, which must end.
  static absl::Status CheckSkillsAcyclic(const std::string& path, const Taxonomy& t) {
    enum Mark : uint8_t { kUnseen, kOnStack, kDone };
    std::vector<Mark> mark(t.skill_count(), kUnseen);
    std::vector<std::pair<SkillIndex, uint32_t>> stack;  // Skill, next broader to visit.
    for (SkillIndex start = 0; start < t.skill_count(); ++start) {
      if (mark[start] != kUnseen) continue;
      mark[start] = kOnStack;
      stack.emplace_back(start, 0);
      while (!stack.empty()) {
        auto& [skill, next] = stack.back();
        std::span<const SkillIndex> up = t.Broader(skill);
        if (next == up.size()) {
          mark[skill] = kDone;
          stack.pop_back();
          continue;
        }
        const SkillIndex b = up[next++];
        if (mark[b] == kOnStack) {
          return absl::InvalidArgumentError(
              internal::StrCat(path, ": broader skills form a cycle through ", t.SkillUri(b)));
        }
        if (mark[b] == kUnseen) {
          mark[b] = kOnStack;
          stack.emplace_back(b, 0);
        }
      }
    }
    return absl::OkStatus();
  }

  static absl::Status LoadOccupations(const std::string& path, Taxonomy& t) {
    RETURN_IF_ERROR(ForEachCsvFileRow(
        path, {"uuid", "isco_group", "code", "label"},
        [&](std::span<const std::string_view> cells) -> absl::Status {
          std::optional<absl::uint128> uuid = ParseUuid(cells[0]);
          if (!uuid)
            return absl::InvalidArgumentError(internal::StrCat("bad uuid \"", cells[0], "\""));
          if (cells[1].size() != 4 ||
              !std::all_of(cells[1].begin(), cells[1].end(), absl::ascii_isdigit)) {
            return absl::InvalidArgumentError(
                internal::StrCat("ISCO group \"", cells[1], "\" is not 4 digits"));
          }
          if (cells[3].empty()) return absl::InvalidArgumentError("empty label");
          const auto index = static_cast<OccupationIndex>(t.occupation_uuid_.size());
          if (!t.occupation_by_uuid_.emplace(*uuid, index).second) {
            return absl::InvalidArgumentError(internal::StrCat("duplicate occupation ", cells[0]));
          }
          t.occupation_uuid_.push_back(*uuid);
          t.occupation_isco_.push_back(Intern(cells[1], t));
          t.occupation_code_.push_back(Intern(cells[2], t));
          t.occupation_label_.push_back(Intern(cells[3], t));
          t.occupation_folded_.push_back(Intern(FoldLabel(cells[3]), t));
          return absl::OkStatus();
        }));
    t.occupations_by_label_ = SortedByLabel(t.occupation_label_, t);
    return absl::OkStatus();
  }

  static absl::Status LoadOccupationSkills(const std::string& path, Taxonomy& t) {
    // (occupation, optional?, skill): sorting puts essential skills first.
    std::vector<std::tuple<OccupationIndex, bool, SkillIndex>> links;
    RETURN_IF_ERROR(ForEachCsvFileRow(
        path, {"occupation", "skill", "relation"},
        [&](std::span<const std::string_view> cells) -> absl::Status {
          ASSIGN_OR_RETURN(uint32_t occupation,
                           ParseIndex(cells[0], t.occupation_count(), "occupation"));
          ASSIGN_OR_RETURN(uint32_t skill, ParseIndex(cells[1], t.skill_count(), "skill"));
          if (cells[2] != "essential" && cells[2] != "optional") {
            return absl::InvalidArgumentError(
                internal::StrCat("unknown relation \"", cells[2], "\""));
          }
          links.emplace_back(occupation, cells[2] == "optional", skill);
          return absl::OkStatus();
        }));
    std::sort(links.begin(), links.end());
    links.erase(std::unique(links.begin(), links.end()), links.end());
    const size_t n = t.occupation_count();
    auto& rows = t.occupation_skills_;
    rows.offsets.assign(n + 1, 0);
    rows.values.reserve(links.size());
    t.occupation_essential_count_.assign(n, 0);
    for (const auto& [occupation, optional, skill] : links) {
      ++rows.offsets[occupation + 1];
      if (!optional) ++t.occupation_essential_count_[occupation];
      rows.values.push_back(skill);
    }
    for (size_t i = 0; i < n; ++i) rows.offsets[i + 1] += rows.offsets[i];
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<const Taxonomy>> Taxonomy::Load(const std::string& data_dir) {
  return TaxonomyLoader::Load(data_dir);
}

// --- Skills ---

std::optional<SkillIndex> Taxonomy::FindSkill(std::string_view uri_or_uuid) const {
  std::optional<absl::uint128> uuid = ParseConceptUuid(uri_or_uuid, kSkillPath);
  if (!uuid) return std::nullopt;
  auto it = skill_by_uuid_.find(*uuid);
  if (it == skill_by_uuid_.end()) return std::nullopt;
  return it->second;
}

std::optional<SkillIndex> Taxonomy::FindSkillByLabel(std::string_view label) const {
  return FindByLabel(skills_by_label_, label, [this](uint32_t i) { return SkillLabel(i); });
}

std::string Taxonomy::SkillUri(SkillIndex skill) const {
  // Answers name many skills: one allocation each.
  std::string uri;
  uri.reserve(kEscoSkillUriPrefix.size() + 36);
  uri.append(kEscoSkillUriPrefix);
  AppendUuid(skill_uuid_[skill], &uri);
  return uri;
}

std::string Taxonomy::SkillUuid(SkillIndex skill) const { return FormatUuid(skill_uuid_[skill]); }

std::string_view Taxonomy::SkillLabel(SkillIndex skill) const { return Text(skill_label_[skill]); }

std::vector<GroupIndex> Taxonomy::NearestGroups(SkillIndex skill) const {
  // Breadth-first up the broader skills, so the closest groups win.
  std::vector<SkillIndex> frontier = {skill};
  std::vector<SkillIndex> next;
  absl::flat_hash_set<SkillIndex> seen = {skill};
  std::vector<GroupIndex> groups;
  while (!frontier.empty()) {
    for (SkillIndex s : frontier) {
      std::span<const GroupIndex> direct = SkillGroups(s);
      groups.insert(groups.end(), direct.begin(), direct.end());
    }
    if (!groups.empty()) break;
    next.clear();
    for (SkillIndex s : frontier) {
      for (SkillIndex b : Broader(s)) {
        if (seen.insert(b).second) next.push_back(b);
      }
    }
    frontier.swap(next);
  }
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  return groups;
}

std::vector<SkillIndex> Taxonomy::Siblings(SkillIndex skill) const {
  std::vector<SkillIndex> siblings;
  for (SkillIndex b : Broader(skill)) {
    std::span<const SkillIndex> children = Narrower(b);
    siblings.insert(siblings.end(), children.begin(), children.end());
  }
  for (GroupIndex g : SkillGroups(skill)) {
    std::span<const SkillIndex> members = GroupSkills(g);
    siblings.insert(siblings.end(), members.begin(), members.end());
  }
  std::sort(siblings.begin(), siblings.end());
  siblings.erase(std::unique(siblings.begin(), siblings.end()), siblings.end());
  auto self = std::lower_bound(siblings.begin(), siblings.end(), skill);
  if (self != siblings.end() && *self == skill) siblings.erase(self);
  return siblings;
}

// --- Skill groups ---

std::optional<GroupIndex> Taxonomy::FindGroup(std::string_view uri_or_code) const {
  std::string_view text = StripWhitespace(uri_or_code);
  std::string key;
  if (std::optional<std::string_view> path = EscoPath(text)) {
    key = absl::AsciiStrToLower(internal::ToAbsl(*path));
  } else if (ParseUuid(text)) {
    key = internal::StrCat(kSkillPath, absl::AsciiStrToLower(internal::ToAbsl(text)));
  } else if (text.find('/') != std::string_view::npos) {
    key = absl::AsciiStrToLower(internal::ToAbsl(text));
  } else {
    key = absl::AsciiStrToUpper(internal::ToAbsl(text));
  }
  auto it = group_by_key_.find(key);
  if (it == group_by_key_.end()) return std::nullopt;
  return it->second;
}

bool Taxonomy::IsGroupUri(std::string_view uri) const {
  std::optional<std::string_view> path = EscoPath(StripWhitespace(uri));
  return path.has_value() && group_by_key_.contains(absl::AsciiStrToLower(internal::ToAbsl(*path)));
}

std::string Taxonomy::GroupUri(GroupIndex group) const {
  return internal::StrCat("http://", kEscoBase, Text(group_id_[group]));
}

std::string_view Taxonomy::GroupCode(GroupIndex group) const { return Text(group_code_[group]); }

std::string_view Taxonomy::GroupLabel(GroupIndex group) const { return Text(group_label_[group]); }

std::optional<GroupIndex> Taxonomy::GroupParent(GroupIndex group) const {
  const GroupIndex parent = group_parent_[group];
  if (parent == kNoGroup) return std::nullopt;
  return parent;
}

// --- Occupations ---

std::optional<OccupationIndex> Taxonomy::FindOccupation(std::string_view uri_or_uuid) const {
  std::optional<absl::uint128> uuid = ParseConceptUuid(uri_or_uuid, "occupation/");
  if (!uuid) return std::nullopt;
  auto it = occupation_by_uuid_.find(*uuid);
  if (it == occupation_by_uuid_.end()) return std::nullopt;
  return it->second;
}

std::optional<OccupationIndex> Taxonomy::FindOccupationByLabel(std::string_view label) const {
  return FindByLabel(occupations_by_label_, label,
                     [this](uint32_t i) { return OccupationLabel(i); });
}

std::string Taxonomy::OccupationUri(OccupationIndex occupation) const {
  return internal::StrCat(kEscoOccupationUriPrefix, FormatUuid(occupation_uuid_[occupation]));
}

std::string_view Taxonomy::OccupationLabel(OccupationIndex occupation) const {
  return Text(occupation_label_[occupation]);
}

std::string_view Taxonomy::OccupationFoldedLabel(OccupationIndex occupation) const {
  return Text(occupation_folded_[occupation]);
}

std::string_view Taxonomy::OccupationIscoGroup(OccupationIndex occupation) const {
  return Text(occupation_isco_[occupation]);
}

std::string_view Taxonomy::OccupationCode(OccupationIndex occupation) const {
  return Text(occupation_code_[occupation]);
}

std::span<const SkillIndex> Taxonomy::EssentialSkills(OccupationIndex occupation) const {
  return occupation_skills_.Row(occupation).first(occupation_essential_count_[occupation]);
}

std::span<const SkillIndex> Taxonomy::OptionalSkills(OccupationIndex occupation) const {
  return occupation_skills_.Row(occupation).subspan(occupation_essential_count_[occupation]);
}

std::string FoldLabel(std::string_view label) {
  std::string out;
  out.reserve(label.size());
  bool space = false;
  for (char c : label) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace pathways::taxonomy
