// Credit a person's skills earn against one required skill (DESIGN.md §5.1).
//
//   same skill at or above the level        1                    EXACT
//   same skill, k levels short              lower_level^k        LOWER_LEVEL
//   a direct broader skill of it            related_broader      RELATED_BROADER
//   a sibling (same direct broader skill    related_sibling      RELATED_SIBLING
//     or same direct group)
//   nothing related                         0                    NONE
//
// Related credit is capped at 0.5 and is itself reduced by lower_level^k
// when the related skill is held k levels below the one required. Every
// partial credit is below 1, so the skill stays in the gap: only the skill
// itself at the level, or a course, closes an essential skill. The best
// credit wins; on a tie the kinds rank in the order above, then the lower
// skill index, so the answer is deterministic.
//
// Emerging skills (outside ESCO, identified by group and label) are credited
// fully only by the same emerging skill; another emerging skill in the same
// group, or an ESCO skill whose nearest group is that group, counts as a
// sibling. Conversely a person's emerging skill is a sibling of an ESCO skill
// whose nearest groups include its group.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "pathways/matcher/v1/matcher_service.pb.h"
#include "services/matcher/match_index.h"
#include "services/matcher/ranking_policy.h"

namespace pathways::matcher {

struct HeldSkill {
  SkillIndex skill = 0;
  uint8_t level = 0;
};

struct HeldEmerging {
  GroupIndex group = 0;
  std::string label;   // As given.
  std::string folded;  // taxonomy::FoldLabel(label).
  uint8_t level = 0;
};

struct Credit {
  double value = 0;
  v1::MatchKind kind = v1::MATCH_KIND_NONE;
  // The person's skill the credit came from: an ESCO skill, or an index into
  // PersonSkills::emerging(); both -1 when none.
  int32_t from_skill = -1;
  int32_t from_emerging = -1;
  uint8_t from_level = 0;
};

// A person's skills, arranged for credit lookups. Built once per query.
class PersonSkills {
 public:
  PersonSkills(const MatchIndex& index, std::vector<HeldSkill> skills,
               std::vector<HeldEmerging> emerging);

  // The level held of an ESCO skill, 0 when not held.
  uint8_t LevelOf(SkillIndex skill) const {
    return skill < level_.size() ? level_[skill] : uint8_t{0};
  }
  // The level held of an emerging skill of the index, 0 when not held.
  uint8_t LevelOfEmerging(uint32_t emerging_id) const;
  // The level held of a required skill (ESCO or emerging), 0 when not held.
  uint8_t LevelOfKey(SkillKey key) const {
    return IsEmergingKey(key) ? LevelOfEmerging(EmergingIdOf(key)) : LevelOf(key);
  }

  std::span<const HeldSkill> skills() const { return skills_; }
  std::span<const HeldEmerging> emerging() const { return emerging_; }

  // Credit against `key` required at `level` (1..4).
  Credit CreditFor(SkillKey key, int level, const CreditPolicy& policy) const;

 private:
  // The person's best skill (highest level, then lowest index) under each
  // parent, for siblings.
  struct Best {
    SkillIndex skill;
    uint8_t level;
  };
  static void Keep(absl::flat_hash_map<uint32_t, Best>& map, uint32_t parent, HeldSkill held);

  Credit CreditForSkill(SkillIndex skill, int level, const CreditPolicy& policy) const;
  Credit CreditForEmerging(uint32_t emerging_id, int level, const CreditPolicy& policy) const;

  const MatchIndex* index_;
  std::vector<HeldSkill> skills_;  // Ascending by skill, no repeats.
  std::vector<HeldEmerging> emerging_;
  std::vector<uint8_t> level_;                            // By SkillIndex.
  absl::flat_hash_map<uint32_t, Best> by_broader_;        // Direct broader skill -> best.
  absl::flat_hash_map<uint32_t, Best> by_group_;          // Direct group -> best.
  absl::flat_hash_map<uint32_t, Best> by_nearest_group_;  // Nearest group -> best.
};

}  // namespace pathways::matcher
