#include "services/matcher/skill_credit.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace pathways::matcher {
namespace {

// Kinds in the order that wins a tie.
int KindRank(v1::MatchKind kind) {
  switch (kind) {
    case v1::MATCH_KIND_EXACT:
      return 0;
    case v1::MATCH_KIND_LOWER_LEVEL:
      return 1;
    case v1::MATCH_KIND_RELATED_BROADER:
      return 2;
    case v1::MATCH_KIND_RELATED_SIBLING:
      return 3;
    default:
      return 4;
  }
}

double LevelFactor(int held, int required, const CreditPolicy& policy) {
  if (held >= required) return 1.0;
  return std::pow(std::min(policy.lower_level, kMaxLowerLevelCredit), required - held);
}

// Whether `candidate` beats `best`.
bool Better(const Credit& candidate, const Credit& best) {
  if (candidate.value != best.value) return candidate.value > best.value;
  if (KindRank(candidate.kind) != KindRank(best.kind)) {
    return KindRank(candidate.kind) < KindRank(best.kind);
  }
  // Prefer an ESCO skill over an emerging one, then the lower index.
  if ((candidate.from_skill >= 0) != (best.from_skill >= 0)) return candidate.from_skill >= 0;
  if (candidate.from_skill != best.from_skill) return candidate.from_skill < best.from_skill;
  return candidate.from_emerging < best.from_emerging;
}

Credit Related(v1::MatchKind kind, double cap, int held, int required, const CreditPolicy& policy) {
  Credit c;
  c.kind = kind;
  c.value = std::min(cap, kMaxRelatedCredit) * LevelFactor(held, required, policy);
  c.from_level = static_cast<uint8_t>(held);
  return c;
}

}  // namespace

PersonSkills::PersonSkills(const MatchIndex& index, std::vector<HeldSkill> skills,
                           std::vector<HeldEmerging> emerging)
    : index_(&index), skills_(std::move(skills)), emerging_(std::move(emerging)) {
  std::sort(skills_.begin(), skills_.end(), [](const HeldSkill& a, const HeldSkill& b) {
    return a.skill != b.skill ? a.skill < b.skill : a.level > b.level;
  });
  skills_.erase(
      std::unique(skills_.begin(), skills_.end(),
                  [](const HeldSkill& a, const HeldSkill& b) { return a.skill == b.skill; }),
      skills_.end());
  level_.assign(index.taxonomy().skill_count(), 0);
  const taxonomy::Taxonomy& tax = index.taxonomy();
  for (const HeldSkill& held : skills_) {
    level_[held.skill] = held.level;
    for (SkillIndex b : tax.Broader(held.skill)) Keep(by_broader_, b, held);
    for (GroupIndex g : tax.SkillGroups(held.skill)) Keep(by_group_, g, held);
    for (GroupIndex g : index.NearestGroups(held.skill)) Keep(by_nearest_group_, g, held);
  }
}

void PersonSkills::Keep(absl::flat_hash_map<uint32_t, Best>& map, uint32_t parent, HeldSkill held) {
  auto [it, inserted] = map.try_emplace(parent, Best{held.skill, held.level});
  if (!inserted && held.level > it->second.level) it->second = Best{held.skill, held.level};
}

uint8_t PersonSkills::LevelOfEmerging(uint32_t emerging_id) const {
  const EmergingSkill& e = index_->emerging(emerging_id);
  uint8_t level = 0;
  for (const HeldEmerging& held : emerging_) {
    if (held.group == e.group && held.folded == e.folded) level = std::max(level, held.level);
  }
  return level;
}

Credit PersonSkills::CreditFor(SkillKey key, int level, const CreditPolicy& policy) const {
  return IsEmergingKey(key) ? CreditForEmerging(EmergingIdOf(key), level, policy)
                            : CreditForSkill(key, level, policy);
}

Credit PersonSkills::CreditForSkill(SkillIndex skill, int level, const CreditPolicy& policy) const {
  Credit best;
  if (uint8_t held = LevelOf(skill); held > 0) {
    best.value = LevelFactor(held, level, policy);
    best.kind = held >= level ? v1::MATCH_KIND_EXACT : v1::MATCH_KIND_LOWER_LEVEL;
    best.from_skill = static_cast<int32_t>(skill);
    best.from_level = held;
    if (held >= level) return best;
  }
  const taxonomy::Taxonomy& tax = index_->taxonomy();
  for (SkillIndex b : tax.Broader(skill)) {
    if (uint8_t held = LevelOf(b); held > 0) {
      Credit c =
          Related(v1::MATCH_KIND_RELATED_BROADER, policy.related_broader, held, level, policy);
      c.from_skill = static_cast<int32_t>(b);
      if (Better(c, best)) best = c;
    }
  }
  auto sibling = [&](const absl::flat_hash_map<uint32_t, Best>& map, uint32_t parent) {
    auto it = map.find(parent);
    if (it == map.end() || it->second.skill == skill) return;
    Credit c = Related(v1::MATCH_KIND_RELATED_SIBLING, policy.related_sibling, it->second.level,
                       level, policy);
    c.from_skill = static_cast<int32_t>(it->second.skill);
    if (Better(c, best)) best = c;
  };
  if (!by_broader_.empty()) {
    for (SkillIndex b : tax.Broader(skill)) sibling(by_broader_, b);
  }
  if (!by_group_.empty()) {
    for (GroupIndex g : tax.SkillGroups(skill)) sibling(by_group_, g);
  }
  if (!emerging_.empty()) {
    std::span<const GroupIndex> nearest = index_->NearestGroups(skill);
    for (size_t i = 0; i < emerging_.size(); ++i) {
      if (std::find(nearest.begin(), nearest.end(), emerging_[i].group) == nearest.end()) continue;
      Credit c = Related(v1::MATCH_KIND_RELATED_SIBLING, policy.related_sibling, emerging_[i].level,
                         level, policy);
      c.from_emerging = static_cast<int32_t>(i);
      if (Better(c, best)) best = c;
    }
  }
  return best;
}

Credit PersonSkills::CreditForEmerging(uint32_t emerging_id, int level,
                                       const CreditPolicy& policy) const {
  const EmergingSkill& e = index_->emerging(emerging_id);
  Credit best;
  for (size_t i = 0; i < emerging_.size(); ++i) {
    const HeldEmerging& held = emerging_[i];
    if (held.group != e.group) continue;
    Credit c;
    if (held.folded == e.folded) {
      c.value = LevelFactor(held.level, level, policy);
      c.kind = held.level >= level ? v1::MATCH_KIND_EXACT : v1::MATCH_KIND_LOWER_LEVEL;
      c.from_level = held.level;
    } else {
      c = Related(v1::MATCH_KIND_RELATED_SIBLING, policy.related_sibling, held.level, level,
                  policy);
    }
    c.from_emerging = static_cast<int32_t>(i);
    if (Better(c, best)) best = c;
  }
  if (auto it = by_nearest_group_.find(e.group); it != by_nearest_group_.end()) {
    Credit c = Related(v1::MATCH_KIND_RELATED_SIBLING, policy.related_sibling, it->second.level,
                       level, policy);
    c.from_skill = static_cast<int32_t>(it->second.skill);
    if (Better(c, best)) best = c;
  }
  return best;
}

}  // namespace pathways::matcher
