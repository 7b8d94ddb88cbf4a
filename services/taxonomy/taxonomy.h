// The ESCO v1.1.1 skills and occupations taxonomy, loaded from the compact
// files in data/esco/ (see data/ATTRIBUTION.md and
// tools/derive_reference_data.py).
//
// Skills, skill groups and occupations get dense integer ids (their row in the
// data files) so that ranking code can keep per-skill state in plain vectors
// and compare skills as integers. Relations are stored as compressed rows
// (one offsets vector and one values vector each), and every label lives in
// one string arena, so the whole taxonomy takes a few MB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/numeric/int128.h"
#include "absl/status/statusor.h"

namespace pathways::taxonomy {

// Row of a skill in data/esco/skills.csv; valid while the data is unchanged,
// so persist URIs, never indices.
using SkillIndex = uint32_t;
// Row of a group in data/esco/skill_groups.csv.
using GroupIndex = uint32_t;
// Row of an occupation in data/esco/occupations.csv.
using OccupationIndex = uint32_t;

inline constexpr std::string_view kEscoSkillUriPrefix = "http://data.europa.eu/esco/skill/";
inline constexpr std::string_view kEscoOccupationUriPrefix =
    "http://data.europa.eu/esco/occupation/";

// ESCO's skillType.
enum class SkillType : uint8_t {
  kUnspecified,  // Six DigComp-style concepts carry none.
  kSkill,        // "skill/competence"
  kKnowledge,    // "knowledge"
};

// ESCO's reuseLevel: how widely a skill transfers between occupations.
enum class ReuseLevel : uint8_t {
  kUnspecified,
  kTransversal,
  kCrossSector,
  kSectorSpecific,
  kOccupationSpecific,
};

// Immutable after Load, so one instance can be shared by every thread.
//
// Accessors taking an index require it to be below the matching count;
// indices come from the Find* functions or from other accessors.
// Returned string_views and spans point into the Taxonomy and live as long as
// it does. Label lookups fold ASCII case only, which suffices for ESCO's
// English labels.
class Taxonomy {
 public:
  // Reads `data_dir`/esco/*.csv. Malformed or inconsistent data is an
  // InvalidArgument naming the file and line; a missing file is NotFound.
  static absl::StatusOr<std::unique_ptr<const Taxonomy>> Load(const std::string& data_dir);

  Taxonomy(const Taxonomy&) = delete;
  Taxonomy& operator=(const Taxonomy&) = delete;

  size_t skill_count() const { return skill_uuid_.size(); }
  size_t group_count() const { return group_id_.size(); }
  size_t occupation_count() const { return occupation_uuid_.size(); }

  // --- Skills ---

  // Accepts "http://data.europa.eu/esco/skill/<uuid>" (https too) or the bare
  // UUID, in either case, with surrounding whitespace ignored. Skill group
  // URIs share the skill/ prefix but are not skills: they give nullopt (see
  // FindGroup).
  std::optional<SkillIndex> FindSkill(std::string_view uri_or_uuid) const;
  // Exact preferred label, ignoring ASCII case and surrounding whitespace.
  std::optional<SkillIndex> FindSkillByLabel(std::string_view label) const;

  // Canonical URI, "http://data.europa.eu/esco/skill/<lower-case uuid>".
  std::string SkillUri(SkillIndex skill) const;
  std::string SkillUuid(SkillIndex skill) const;
  std::string_view SkillLabel(SkillIndex skill) const;
  SkillType GetSkillType(SkillIndex skill) const { return skill_type_[skill]; }
  ReuseLevel GetReuseLevel(SkillIndex skill) const { return skill_reuse_[skill]; }

  // --- Skill hierarchy ---
  //
  // A skill sits under zero or more broader skills and zero or more groups;
  // every skill reaches a group through broader skills. Groups form a tree
  // whose four roots are "skills", "knowledge", "language skills and
  // knowledge" and "transversal skills and competences".

  // Direct broader skills, ascending.
  std::span<const SkillIndex> Broader(SkillIndex skill) const { return skill_broader_.Row(skill); }
  // Skills whose direct broader skill this is, ascending.
  std::span<const SkillIndex> Narrower(SkillIndex skill) const {
    return skill_narrower_.Row(skill);
  }
  // Groups the skill sits directly under, ascending (often none when the
  // skill hangs under a broader skill).
  std::span<const GroupIndex> SkillGroups(SkillIndex skill) const {
    return skill_groups_.Row(skill);
  }
  // The groups closest above the skill: its own groups if it has any,
  // otherwise those of the nearest broader skills that have some. Ascending.
  std::vector<GroupIndex> NearestGroups(SkillIndex skill) const;
  // Other skills sharing a direct broader skill or a direct group with
  // `skill`; ascending, without `skill` itself.
  std::vector<SkillIndex> Siblings(SkillIndex skill) const;

  // --- Skill groups ---

  // Accepts a group URI ("http://data.europa.eu/esco/skill/<uuid>" or
  // ".../esco/isced-f/<code>"), the part after ".../esco/", a bare UUID, or a
  // group code: an ESCO code such as "S1.2.3" (any case) or an ISCED-F field
  // code such as "0412".
  std::optional<GroupIndex> FindGroup(std::string_view uri_or_code) const;
  // Whether `uri` is a full ESCO URI naming a skill group (not a skill).
  bool IsGroupUri(std::string_view uri) const;

  std::string GroupUri(GroupIndex group) const;
  // ESCO code ("S1.2.3", "T2", "L") or, for the knowledge branch's ISCED-F
  // fields, the field code ("0412").
  std::string_view GroupCode(GroupIndex group) const;
  std::string_view GroupLabel(GroupIndex group) const;
  // The broader group; nullopt at one of the four roots.
  std::optional<GroupIndex> GroupParent(GroupIndex group) const;
  // 0 for a root, 1 for its children, and so on.
  int GroupDepth(GroupIndex group) const { return group_depth_[group]; }
  std::span<const GroupIndex> GroupChildren(GroupIndex group) const {
    return group_children_.Row(group);
  }
  // Skills directly under the group, ascending.
  std::span<const SkillIndex> GroupSkills(GroupIndex group) const {
    return group_skills_.Row(group);
  }
  // The four roots, ascending.
  std::span<const GroupIndex> TopGroups() const { return top_groups_; }

  // --- Occupations ---

  // Accepts "http://data.europa.eu/esco/occupation/<uuid>" (https too) or the
  // bare UUID, in either case.
  std::optional<OccupationIndex> FindOccupation(std::string_view uri_or_uuid) const;
  // Exact preferred label, ignoring ASCII case and surrounding whitespace.
  std::optional<OccupationIndex> FindOccupationByLabel(std::string_view label) const;

  std::string OccupationUri(OccupationIndex occupation) const;
  std::string_view OccupationLabel(OccupationIndex occupation) const;
  // FoldLabel of the preferred label, for matching free-text tags.
  std::string_view OccupationFoldedLabel(OccupationIndex occupation) const;
  // 4-digit ISCO-08 unit group, e.g. "7411".
  std::string_view OccupationIscoGroup(OccupationIndex occupation) const;
  // ESCO occupation code, e.g. "7411.1".
  std::string_view OccupationCode(OccupationIndex occupation) const;
  // Skills ESCO marks essential / optional for the occupation, ascending.
  std::span<const SkillIndex> EssentialSkills(OccupationIndex occupation) const;
  std::span<const SkillIndex> OptionalSkills(OccupationIndex occupation) const;

 private:
  // A span of the arena.
  struct TextRef {
    uint32_t offset = 0;
    uint32_t size = 0;
  };

  // Compressed sparse rows: row i is values[offsets[i] .. offsets[i + 1]).
  template <typename T>
  struct Rows {
    std::vector<uint32_t> offsets{0};
    std::vector<T> values;

    std::span<const T> Row(size_t i) const {
      return std::span<const T>(values.data() + offsets[i], offsets[i + 1] - offsets[i]);
    }
  };

  friend class TaxonomyLoader;

  Taxonomy() = default;

  std::string_view Text(TextRef ref) const {
    return std::string_view(arena_).substr(ref.offset, ref.size);
  }

  std::string arena_;  // Every label and code, back to back.

  std::vector<absl::uint128> skill_uuid_;
  std::vector<TextRef> skill_label_;
  std::vector<SkillType> skill_type_;
  std::vector<ReuseLevel> skill_reuse_;
  absl::flat_hash_map<absl::uint128, SkillIndex> skill_by_uuid_;
  std::vector<SkillIndex> skills_by_label_;  // Sorted by folded label.

  Rows<SkillIndex> skill_broader_;
  Rows<SkillIndex> skill_narrower_;
  Rows<GroupIndex> skill_groups_;

  std::vector<TextRef> group_id_;  // "skill/<uuid>" or "isced-f/<code>".
  std::vector<TextRef> group_code_;
  std::vector<TextRef> group_label_;
  std::vector<GroupIndex> group_parent_;  // kNoGroup at a root.
  std::vector<uint8_t> group_depth_;
  std::vector<GroupIndex> top_groups_;
  Rows<GroupIndex> group_children_;
  Rows<SkillIndex> group_skills_;
  absl::flat_hash_map<std::string, GroupIndex> group_by_key_;  // Ids and codes.

  std::vector<absl::uint128> occupation_uuid_;
  std::vector<TextRef> occupation_label_;
  std::vector<TextRef> occupation_folded_;
  std::vector<TextRef> occupation_isco_;
  std::vector<TextRef> occupation_code_;
  absl::flat_hash_map<absl::uint128, OccupationIndex> occupation_by_uuid_;
  std::vector<OccupationIndex> occupations_by_label_;  // Sorted by folded label.
  // Row i lists occupation i's essential skills, then its optional ones.
  Rows<SkillIndex> occupation_skills_;
  std::vector<uint32_t> occupation_essential_count_;
};

// A free-text label as every service compares it (emerging skills, interest
// tags): lower case, runs of white space as one space, none at either end.
std::string FoldLabel(std::string_view label);

}  // namespace pathways::taxonomy
