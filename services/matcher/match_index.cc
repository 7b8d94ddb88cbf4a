#include "services/matcher/match_index.h"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/taxonomy/absl_compat.h"

namespace pathways::matcher {
namespace {

// Source of MatchIndex::course_generation, role_generation and
// skill_offer_generation values, shared by every index.
uint64_t NextGeneration() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

using taxonomy::internal::StrCat;

absl::Status Invalid(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(StrCat(field, " ", what));
}

// Splits "{collection}/{id}/{sub}/{id}" and returns the parent
// "{collection}/{id}", or "" when the name has another shape.
std::string ParentOf(std::string_view name, std::string_view collection, std::string_view sub) {
  size_t a = name.find('/');
  if (a == std::string_view::npos || name.substr(0, a) != collection) return "";
  size_t b = name.find('/', a + 1);
  if (b == std::string_view::npos || b == a + 1) return "";
  size_t c = name.find('/', b + 1);
  if (c == std::string_view::npos || name.substr(b + 1, c - b - 1) != sub) return "";
  if (c + 1 >= name.size() || name.find('/', c + 1) != std::string_view::npos) return "";
  return std::string(name.substr(0, b));
}

void ErasePosting(std::vector<CoursePosting>& postings, CourseId course) {
  for (size_t i = 0; i < postings.size(); ++i) {
    if (postings[i].course == course) {
      postings[i] = postings.back();
      postings.pop_back();
      return;
    }
  }
}

template <typename T>
size_t VectorBytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

size_t StringBytes(const std::string& s) {
  // Short strings live inside the object.
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

}  // namespace

namespace {

// What a role's signature is made of: its essential skills with their
// levels, sorted, then its entry RQF level.
std::vector<uint64_t> SignatureItems(const RoleEntry& role) {
  std::vector<uint64_t> items;
  items.reserve(role.essential_count + 1);
  for (const RequiredSkillEntry& e : role.essentials()) {
    items.push_back((static_cast<uint64_t>(e.key) << 8) | e.level);
  }
  std::sort(items.begin(), items.end());
  items.push_back(0xFFFF'0000ull | role.entry_rqf);
  return items;
}

uint64_t HashItems(std::span<const uint64_t> items) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a over the bytes.
  for (uint64_t item : items) {
    for (int b = 0; b < 8; ++b) {
      hash ^= (item >> (8 * b)) & 0xFF;
      hash *= 1099511628211ull;
    }
  }
  return hash;
}

}  // namespace

uint64_t EssentialSignature(const RoleEntry& role) { return HashItems(SignatureItems(role)); }

MatchIndex::MatchIndex(const taxonomy::Taxonomy* taxonomy, const taxonomy::Geography* geography)
    : taxonomy_(taxonomy),
      geography_(geography),
      identity_(NextGeneration()),
      course_generation_(NextGeneration()),
      role_generation_(NextGeneration()) {
  role_changes_base_ = role_generation_;
  occupation_change_count_.assign(taxonomy_->occupation_count(), 0);
  roles_by_occupation_.resize(taxonomy_->occupation_count());
  const size_t skills = taxonomy_->skill_count();
  skill_offer_generation_.assign(skills, course_generation_);
  std::vector<GroupIndex> above;
  for (SkillIndex s = 0; s < skills; ++s) {
    std::vector<GroupIndex> nearest = taxonomy_->NearestGroups(s);
    nearest_groups_.values.insert(nearest_groups_.values.end(), nearest.begin(), nearest.end());
    nearest_groups_.offsets.push_back(static_cast<uint32_t>(nearest_groups_.values.size()));
    above.clear();
    for (GroupIndex g : nearest) {
      std::optional<GroupIndex> at = g;
      while (at.has_value()) {
        above.push_back(*at);
        at = taxonomy_->GroupParent(*at);
      }
    }
    std::sort(above.begin(), above.end());
    above.erase(std::unique(above.begin(), above.end()), above.end());
    groups_above_.values.insert(groups_above_.values.end(), above.begin(), above.end());
    groups_above_.offsets.push_back(static_cast<uint32_t>(groups_above_.values.size()));
  }
  nearest_groups_.values.shrink_to_fit();
  groups_above_.values.shrink_to_fit();
  // The other way round, by a counting sort.
  auto invert = [](size_t rows, size_t from_rows, auto row_of, auto* out) {
    out->offsets.assign(rows + 1, 0);
    for (size_t f = 0; f < from_rows; ++f) {
      for (auto to : row_of(f)) ++out->offsets[to + 1];
    }
    for (size_t r = 0; r < rows; ++r) out->offsets[r + 1] += out->offsets[r];
    out->values.resize(out->offsets.back());
    std::vector<uint32_t> next(out->offsets.begin(), out->offsets.end() - 1);
    for (size_t f = 0; f < from_rows; ++f) {
      for (auto to : row_of(f)) out->values[next[to]++] = static_cast<uint32_t>(f);
    }
  };
  invert(
      taxonomy_->group_count(), skills, [&](size_t s) { return GroupsAbove(s); }, &skills_under_);
  invert(
      skills, taxonomy_->occupation_count(),
      [&](size_t o) { return taxonomy_->EssentialSkills(static_cast<OccupationIndex>(o)); },
      &occupations_needing_);
  skill_postings_.resize(skills);
  entry_postings_.resize(skills);
  group_postings_.resize(taxonomy_->group_count());
}

bool MatchIndex::SkillUnderGroup(SkillIndex skill, GroupIndex group) const {
  std::span<const GroupIndex> above = GroupsAbove(skill);
  return std::binary_search(above.begin(), above.end(), group);
}

std::optional<RoleId> MatchIndex::FindRole(std::string_view name) const {
  auto it = role_by_name_.find(std::string(name));
  if (it == role_by_name_.end()) return std::nullopt;
  return it->second;
}

std::optional<CourseId> MatchIndex::FindCourse(std::string_view name) const {
  auto it = course_by_name_.find(std::string(name));
  if (it == course_by_name_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> MatchIndex::FindEmerging(GroupIndex group, std::string_view label) const {
  auto it = emerging_by_key_.find(StrCat(group, "#", taxonomy::FoldLabel(label)));
  if (it == emerging_by_key_.end()) return std::nullopt;
  return it->second;
}

std::string_view MatchIndex::SkillKeyLabel(SkillKey key) const {
  if (IsEmergingKey(key)) return emerging_[EmergingIdOf(key)].label;
  return taxonomy_->SkillLabel(key);
}

int64_t MatchIndex::IndicativeAnnualPayPence(int isco_unit_group) {
  // Rounded indicative full-time annual earnings in pounds by ISCO-08 major
  // group (0 armed forces .. 9 elementary occupations).
  static constexpr int64_t kPounds[] = {35'000, 48'000, 45'000, 37'000, 27'000,
                                        24'000, 26'000, 33'000, 29'000, 23'000};
  int major = isco_unit_group / 1000;
  if (major < 0 || major > 9) major = 9;
  return kPounds[major] * 100;
}

int64_t MatchIndex::AnnualPayPence(int64_t min_pence, int64_t max_pence,
                                   demand::v1::PayPeriod period, int hours_per_week) {
  if (min_pence <= 0) return 0;
  int64_t max = max_pence > 0 ? max_pence : min_pence;
  int64_t mid = (min_pence + max) / 2;
  if (period == demand::v1::PAY_PERIOD_HOURLY) {
    return mid * (hours_per_week > 0 ? hours_per_week : 37) * 52;
  }
  return mid;
}

absl::StatusOr<PlaceId> MatchIndex::InternPlace(std::string_view field, std::string_view outcode) {
  std::optional<taxonomy::OutcodeInfo> info = geography_->Find(outcode);
  if (!info.has_value()) return Invalid(field, StrCat("is not a known outcode: \"", outcode, "\""));
  std::string key(info->outcode);
  auto it = place_by_outcode_.find(key);
  if (it != place_by_outcode_.end()) return it->second;
  if (places_.size() >= kNoPlace) return absl::ResourceExhaustedError("too many places");
  PlaceId id = static_cast<PlaceId>(places_.size());
  places_.push_back(Place{key, info->latitude, info->longitude, std::string(info->district_code),
                          std::string(info->district_name)});
  roles_by_place_.emplace_back();
  place_by_outcode_.emplace(std::move(key), id);
  return id;
}

uint32_t MatchIndex::Intern(std::vector<Named>& table,
                            absl::flat_hash_map<std::string, uint32_t>& by,
                            std::vector<uint32_t>& free, std::string_view name) {
  auto it = by.find(std::string(name));
  if (it != by.end()) return it->second;
  uint32_t id;
  if (!free.empty()) {
    id = free.back();
    free.pop_back();
  } else {
    id = static_cast<uint32_t>(table.size());
    table.emplace_back();
  }
  table[id] = Named{std::string(name), "", 0, false};
  by.emplace(std::string(name), id);
  return id;
}

void MatchIndex::Release(std::vector<Named>& table, absl::flat_hash_map<std::string, uint32_t>& by,
                         std::vector<uint32_t>& free, uint32_t id) {
  Named& named = table[id];
  if (named.references > 0) --named.references;
  if (named.references > 0 || named.has_record) return;
  by.erase(named.name);
  named = Named{};
  free.push_back(id);
}

uint32_t MatchIndex::InternEmerging(GroupIndex group, std::string_view label) {
  std::string folded = taxonomy::FoldLabel(label);
  std::string key = StrCat(group, "#", folded);
  auto it = emerging_by_key_.find(key);
  uint32_t id;
  if (it != emerging_by_key_.end()) {
    id = it->second;
  } else {
    if (!free_emerging_.empty()) {
      id = free_emerging_.back();
      free_emerging_.pop_back();
    } else {
      id = static_cast<uint32_t>(emerging_.size());
      emerging_.emplace_back();
    }
    std::string trimmed(absl::StripAsciiWhitespace(taxonomy::internal::ToAbsl(label)));
    emerging_[id] = EmergingSkill{group, std::move(trimmed), std::move(folded), 0};
    emerging_by_key_.emplace(std::move(key), id);
  }
  ++emerging_[id].references;
  return id;
}

std::vector<uint32_t>& MatchIndex::SignaturesOf(SkillKey key) {
  auto& by = IsEmergingKey(key) ? signatures_by_emerging_ : signatures_by_skill_;
  const uint32_t i = IsEmergingKey(key) ? EmergingIdOf(key) : key;
  if (i >= by.size()) by.resize(i + 1);
  return by[i];
}

void MatchIndex::ReleaseEmerging(uint32_t id) {
  EmergingSkill& skill = emerging_[id];
  if (--skill.references > 0) return;
  emerging_by_key_.erase(StrCat(skill.group, "#", skill.folded));
  skill = EmergingSkill{};
  free_emerging_.push_back(id);
}

absl::Status MatchIndex::UpsertRole(const demand::v1::Role& role) {
  const std::string employer_name = ParentOf(role.name(), "employers", "roles");
  if (employer_name.empty()) {
    return Invalid("role.name",
                   StrCat("must be employers/{employer}/roles/{role}, got \"", role.name(), "\""));
  }
  std::optional<OccupationIndex> occupation = taxonomy_->FindOccupation(role.occupation());
  if (!occupation.has_value()) {
    return Invalid("role.occupation",
                   StrCat("is not a known ESCO occupation: \"", role.occupation(), "\""));
  }
  // Resolve every skill before touching the index, so a bad role changes
  // nothing.
  struct Pending {
    SkillKey key;  // ESCO index, or unused for emerging
    bool emerging;
    GroupIndex group;
    const std::string* label;
    uint8_t level;
    bool essential;
  };
  std::vector<Pending> pending;
  pending.reserve(role.required_skills_size());
  for (int i = 0; i < role.required_skills_size(); ++i) {
    const demand::v1::RequiredSkill& required = role.required_skills(i);
    std::string field = StrCat("role.required_skills[", i, "]");
    int level = required.skill().level();
    if (level < 1 || level > 4) return Invalid(StrCat(field, ".skill.level"), "must be 1..4");
    if (required.importance() != demand::v1::SKILL_IMPORTANCE_ESSENTIAL &&
        required.importance() != demand::v1::SKILL_IMPORTANCE_OPTIONAL) {
      return Invalid(StrCat(field, ".importance"), "must be essential or optional");
    }
    Pending p{0,
              false,
              0,
              nullptr,
              static_cast<uint8_t>(level),
              required.importance() == demand::v1::SKILL_IMPORTANCE_ESSENTIAL};
    if (!required.skill().skill().empty()) {
      std::optional<SkillIndex> skill = taxonomy_->FindSkill(required.skill().skill());
      if (!skill.has_value()) {
        return Invalid(StrCat(field, ".skill.skill"), "is not a known ESCO skill");
      }
      p.key = *skill;
    } else {
      std::optional<GroupIndex> group = taxonomy_->FindGroup(required.esco_group());
      if (!group.has_value()) {
        return Invalid(StrCat(field, ".esco_group"), "is not a known ESCO skill group");
      }
      if (taxonomy::FoldLabel(required.emerging_label()).empty()) {
        return Invalid(StrCat(field, ".emerging_label"), "is required for an emerging skill");
      }
      p.emerging = true;
      p.group = *group;
      p.label = &required.emerging_label();
    }
    pending.push_back(p);
  }
  absl::StatusOr<PlaceId> site = InternPlace("role.site.outcode", role.site().outcode());
  if (!site.ok()) return site.status();
  Day closing = kNoDay;
  if (role.has_closing_date()) {
    if (!IsValidDate(role.closing_date())) return Invalid("role.closing_date", "is not a date");
    closing = DayFromDate(role.closing_date());
  }

  RoleId id;
  if (auto it = role_by_name_.find(role.name()); it != role_by_name_.end()) {
    id = it->second;
    UnlinkRole(id);
  } else if (!free_roles_.empty()) {
    id = free_roles_.back();
    free_roles_.pop_back();
  } else {
    id = static_cast<RoleId>(roles_.size());
    roles_.emplace_back();
  }
  role_by_name_.insert_or_assign(role.name(), id);

  RoleEntry& entry = roles_[id];
  entry = RoleEntry{};
  entry.live = true;
  entry.name = role.name();
  entry.name_hash = 1469598103934665603ull;
  for (unsigned char c : entry.name) {
    entry.name_hash ^= c;
    entry.name_hash *= 1099511628211ull;
  }
  entry.title = role.title();
  entry.employer_display_name = role.employer_display_name();
  entry.employer = Intern(employers_, employer_by_name_, free_employers_, employer_name);
  ++employers_[entry.employer].references;
  entry.occupation = *occupation;
  int isco = 0;
  for (char c : taxonomy_->OccupationIscoGroup(*occupation)) {
    if (c >= '0' && c <= '9') isco = isco * 10 + (c - '0');
  }
  entry.isco = static_cast<uint16_t>(isco);
  entry.site = *site;
  entry.openings = RoleOpenings{
      std::max(0, role.openings().now()), std::max(0, role.openings().in_1_year()),
      std::max(0, role.openings().in_2_years()), std::max(0, role.openings().in_5_years())};
  entry.closing_day = closing;
  entry.hours_per_week = static_cast<uint8_t>(std::clamp(role.hours_per_week(), 0, 255));
  entry.pay_min_pence = role.pay().min_pence();
  entry.pay_max_pence = role.pay().max_pence();
  entry.pay_period = role.pay().period();
  entry.annual_pay_pence = AnnualPayPence(entry.pay_min_pence, entry.pay_max_pence,
                                          entry.pay_period, role.hours_per_week());
  if (entry.annual_pay_pence <= 0) entry.annual_pay_pence = IndicativeAnnualPayPence(isco);
  entry.entry_rqf = static_cast<uint8_t>(std::clamp(role.entry_rqf_level(), 0, 8));
  entry.work_mode = role.work_mode();
  entry.emerging = role.emerging();
  entry.apprenticeship = role.apprenticeship();

  // Essentials first; a skill listed twice keeps its highest level and its
  // strongest importance.
  std::stable_partition(pending.begin(), pending.end(),
                        [](const Pending& p) { return p.essential; });
  entry.skills.reserve(pending.size());
  for (const Pending& p : pending) {
    SkillKey key = p.emerging ? EmergingKey(InternEmerging(p.group, *p.label)) : p.key;
    auto same = std::find_if(entry.skills.begin(), entry.skills.end(),
                             [&](const RequiredSkillEntry& e) { return e.key == key; });
    if (same != entry.skills.end()) {
      same->level = std::max(same->level, p.level);
      if (p.emerging) ReleaseEmerging(EmergingIdOf(key));
      continue;
    }
    entry.skills.push_back(RequiredSkillEntry{key, p.level, p.essential});
  }
  entry.skills.shrink_to_fit();
  entry.essential_count =
      static_cast<uint16_t>(std::count_if(entry.skills.begin(), entry.skills.end(),
                                          [](const RequiredSkillEntry& e) { return e.essential; }));
  std::vector<uint64_t> items = SignatureItems(entry);
  entry.signature = HashItems(items);
  // Equal signatures mean equal essentials: a hash that other essentials
  // hold already (a collision) moves on to the next value.
  auto it = signature_ids_.find(entry.signature);
  while (it != signature_ids_.end() && signature_items_[it->second] != items) {
    it = signature_ids_.find(++entry.signature);
  }
  if (it != signature_ids_.end()) {
    entry.signature_id = it->second;
  } else {
    if (!free_signatures_.empty()) {
      entry.signature_id = free_signatures_.back();
      free_signatures_.pop_back();
    } else {
      entry.signature_id = static_cast<uint32_t>(signature_refs_.size());
      signature_refs_.push_back(0);
      signature_offer_count_.push_back(0);
      signature_hash_.push_back(0);
      signature_items_.emplace_back();
    }
    // Caches of the id's last signature must not hold for this one.
    ++signature_offer_count_[entry.signature_id];
    signature_hash_[entry.signature_id] = entry.signature;
    signature_items_[entry.signature_id] = std::move(items);
    signature_ids_.emplace(entry.signature, entry.signature_id);
    for (const RequiredSkillEntry& e : entry.essentials()) {
      SignaturesOf(e.key).push_back(entry.signature_id);
    }
  }
  ++signature_refs_[entry.signature_id];
  CountEssentials(entry, +1);
  RoleHot hot;
  hot.id = id;
  hot.name_hash = entry.name_hash;
  hot.occupation = entry.occupation;
  hot.openings = entry.openings;
  hot.closing_day = entry.closing_day;
  hot.annual_pay_pence = entry.annual_pay_pence;
  hot.signature = entry.signature;
  hot.signature_id = entry.signature_id;
  hot.isco = entry.isco;
  hot.site = entry.site;
  hot.skill_count = static_cast<uint16_t>(entry.skills.size());
  hot.essential_count = entry.essential_count;
  hot.entry_rqf = entry.entry_rqf;
  hot.work_mode = entry.work_mode;
  hot.emerging = entry.emerging;
  hot.apprenticeship = entry.apprenticeship;
  RoleChanged(entry.occupation);
  roles_by_occupation_[entry.occupation].push_back(hot);
  std::vector<RoleHot>& at = roles_by_place_[entry.site];
  at.insert(std::lower_bound(at.begin(), at.end(), id,
                             [](const RoleHot& h, RoleId v) { return h.id < v; }),
            hot);
  return absl::OkStatus();
}

void MatchIndex::CountEssentials(const RoleEntry& role, int delta) {
  auto it = occupation_skills_.try_emplace(role.occupation).first;
  OccupationSkills& o = it->second;
  o.roles += delta;
  for (const RequiredSkillEntry& e : role.essentials()) {
    std::array<uint32_t, 4>& counts = o.counts[e.key];
    counts[e.level - 1] += delta;
    if (counts == std::array<uint32_t, 4>{}) o.counts.erase(e.key);
  }
  if (o.roles == 0) {
    occupation_skills_.erase(it);
    return;
  }
  o.common.clear();
  for (const auto& [key, counts] : o.counts) {
    uint32_t total = 0;
    int lowest = 0;
    for (int l = 3; l >= 0; --l) {
      total += counts[l];
      if (counts[l] > 0) lowest = l + 1;
    }
    if (total == o.roles) {
      o.common.push_back(RequiredSkillEntry{key, static_cast<uint8_t>(lowest), true});
    }
  }
  std::sort(o.common.begin(), o.common.end(),
            [](const RequiredSkillEntry& a, const RequiredSkillEntry& b) { return a.key < b.key; });
}

std::span<const RequiredSkillEntry> MatchIndex::CommonEssentials(OccupationIndex occupation) const {
  auto it = occupation_skills_.find(occupation);
  if (it == occupation_skills_.end()) return {};
  return it->second.common;
}

void MatchIndex::RoleChanged(OccupationIndex occupation) {
  role_generation_ = NextGeneration();
  ++occupation_change_count_[occupation];
  role_changes_.push_back(RoleChange{role_generation_, occupation});
  while (role_changes_.size() > kRoleChangesRecalled) {
    role_changes_base_ = role_changes_.front().generation;
    role_changes_.pop_front();
  }
}

bool MatchIndex::OccupationsChangedSince(uint64_t generation,
                                         std::vector<OccupationIndex>* changed) const {
  changed->clear();
  // Generations only grow, and no two indexes share one.
  auto after =
      std::upper_bound(role_changes_.begin(), role_changes_.end(), generation,
                       [](uint64_t g, const RoleChange& change) { return g < change.generation; });
  const bool known = generation == role_changes_base_ ||
                     (after != role_changes_.begin() && std::prev(after)->generation == generation);
  if (!known) return false;
  for (; after != role_changes_.end(); ++after) changed->push_back(after->occupation);
  std::sort(changed->begin(), changed->end());
  changed->erase(std::unique(changed->begin(), changed->end()), changed->end());
  return true;
}

void MatchIndex::UnlinkRole(RoleId id) {
  RoleEntry& entry = roles_[id];
  RoleChanged(entry.occupation);
  std::vector<RoleHot>& of_occupation = roles_by_occupation_[entry.occupation];
  *std::find_if(of_occupation.begin(), of_occupation.end(),
                [&](const RoleHot& h) { return h.id == id; }) = of_occupation.back();
  of_occupation.pop_back();
  CountEssentials(entry, -1);
  if (--signature_refs_[entry.signature_id] == 0) {
    signature_ids_.erase(signature_hash_[entry.signature_id]);
    signature_hash_[entry.signature_id] = 0;
    signature_items_[entry.signature_id] = {};
    free_signatures_.push_back(entry.signature_id);
    for (const RequiredSkillEntry& e : entry.essentials()) {
      std::vector<uint32_t>& of = SignaturesOf(e.key);
      auto it = std::find(of.begin(), of.end(), entry.signature_id);
      if (it == of.end()) continue;
      *it = of.back();
      of.pop_back();
    }
  }
  std::vector<RoleHot>& at = roles_by_place_[entry.site];
  auto it = std::lower_bound(at.begin(), at.end(), id,
                             [](const RoleHot& h, RoleId v) { return h.id < v; });
  if (it != at.end() && it->id == id) at.erase(it);
  for (const RequiredSkillEntry& skill : entry.skills) {
    if (IsEmergingKey(skill.key)) ReleaseEmerging(EmergingIdOf(skill.key));
  }
  Release(employers_, employer_by_name_, free_employers_, entry.employer);
  entry = RoleEntry{};
}

bool MatchIndex::RemoveRole(std::string_view name) {
  auto it = role_by_name_.find(std::string(name));
  if (it == role_by_name_.end()) return false;
  RoleId id = it->second;
  role_by_name_.erase(it);
  UnlinkRole(id);
  free_roles_.push_back(id);
  return true;
}

absl::Status MatchIndex::UpsertCourse(const training::v1::Course& course) {
  const std::string provider_name = ParentOf(course.name(), "providers", "courses");
  if (provider_name.empty()) {
    return Invalid("course.name", StrCat("must be providers/{provider}/courses/{course}, got \"",
                                         course.name(), "\""));
  }
  auto resolve = [&](std::string_view field,
                     const google::protobuf::RepeatedPtrField<common::v1::SkillLevel>& skills,
                     std::vector<TaughtSkill>* out) -> absl::Status {
    out->reserve(skills.size());
    for (int i = 0; i < skills.size(); ++i) {
      std::optional<SkillIndex> skill = taxonomy_->FindSkill(skills[i].skill());
      if (!skill.has_value()) {
        return Invalid(StrCat(field, "[", i, "].skill"), "is not a known ESCO skill");
      }
      int level = skills[i].level();
      if (level < 1 || level > 4) return Invalid(StrCat(field, "[", i, "].level"), "must be 1..4");
      out->push_back(TaughtSkill{*skill, static_cast<uint8_t>(level)});
    }
    std::sort(out->begin(), out->end(), [](const TaughtSkill& a, const TaughtSkill& b) {
      return a.skill != b.skill ? a.skill < b.skill : a.level > b.level;
    });
    out->erase(
        std::unique(out->begin(), out->end(),
                    [](const TaughtSkill& a, const TaughtSkill& b) { return a.skill == b.skill; }),
        out->end());
    out->shrink_to_fit();
    return absl::OkStatus();
  };
  std::vector<TaughtSkill> taught, entry_skills;
  if (absl::Status s = resolve("course.skills_taught", course.skills_taught(), &taught); !s.ok()) {
    return s;
  }
  if (absl::Status s = resolve("course.entry_requirements.skills",
                               course.entry_requirements().skills(), &entry_skills);
      !s.ok()) {
    return s;
  }
  PlaceId venue = kNoPlace;
  if (!course.online() || !course.venue().outcode().empty()) {
    absl::StatusOr<PlaceId> place = InternPlace("course.venue.outcode", course.venue().outcode());
    if (!place.ok()) return place.status();
    venue = *place;
  }
  std::vector<Day> starts;
  starts.reserve(course.start_dates_size());
  for (int i = 0; i < course.start_dates_size(); ++i) {
    if (!IsValidDate(course.start_dates(i))) {
      return Invalid(StrCat("course.start_dates[", i, "]"), "is not a date");
    }
    starts.push_back(DayFromDate(course.start_dates(i)));
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  if (course.duration_weeks() < 1) return Invalid("course.duration_weeks", "must be 1..260");

  CourseId id;
  std::optional<CourseEntry> before;
  if (auto it = course_by_name_.find(course.name()); it != course_by_name_.end()) {
    id = it->second;
    before = courses_[id];
    UnlinkCourse(id);
  } else if (!free_courses_.empty()) {
    id = free_courses_.back();
    free_courses_.pop_back();
  } else {
    id = static_cast<CourseId>(courses_.size());
    courses_.emplace_back();
  }
  course_by_name_.insert_or_assign(course.name(), id);

  CourseEntry& entry = courses_[id];
  entry = CourseEntry{};
  entry.live = true;
  entry.name = course.name();
  entry.title = course.title();
  entry.provider = Intern(providers_, provider_by_name_, free_providers_, provider_name);
  ++providers_[entry.provider].references;
  entry.taught = std::move(taught);
  entry.entry = std::move(entry_skills);
  entry.start_days = std::move(starts);
  entry.cost_pence = std::max<int64_t>(0, course.cost_pence());
  entry.places = course.places();
  entry.duration_weeks = static_cast<uint16_t>(std::clamp(course.duration_weeks(), 1, 520));
  entry.hours_per_week = static_cast<uint8_t>(std::clamp(course.hours_per_week(), 0, 255));
  entry.min_age = static_cast<uint8_t>(std::clamp(course.entry_requirements().min_age(), 0, 120));
  entry.min_rqf =
      static_cast<uint8_t>(std::clamp(course.entry_requirements().min_rqf_level(), 0, 8));
  entry.rqf_awarded = static_cast<uint8_t>(std::clamp(course.rqf_level_awarded(), 0, 8));
  for (int f : course.funding()) {
    if (f > 0 && f < 8) entry.funding |= static_cast<FundingMask>(1u << f);
  }
  entry.online = course.online();
  entry.study_mode = course.study_mode();
  entry.venue = venue;
  LinkCourse(id);
  if (before.has_value() && SameOffer(*before, entry)) {
    entry.offer_generation = before->offer_generation;
  } else {
    entry.offer_generation =
        OfferChanged(before.has_value() ? std::span<const TaughtSkill>(before->taught)
                                        : std::span<const TaughtSkill>(),
                     entry.taught);
  }
  return absl::OkStatus();
}

uint64_t MatchIndex::OfferChanged(std::span<const TaughtSkill> before,
                                  std::span<const TaughtSkill> after) {
  course_generation_ = NextGeneration();
  // An emerging skill is learnt through the courses teaching a skill under
  // its group (CoursesTeachingUnder).
  absl::InlinedVector<GroupIndex, 32> groups;
  for (std::span<const TaughtSkill> taught : {before, after}) {
    for (const TaughtSkill& t : taught) {
      skill_offer_generation_[t.skill] = course_generation_;
      for (uint32_t id : SignaturesRequiring(t.skill)) ++signature_offer_count_[id];
      if (signatures_by_emerging_.empty()) continue;
      for (GroupIndex g : GroupsAbove(t.skill)) groups.push_back(g);
    }
  }
  if (!groups.empty()) {
    std::sort(groups.begin(), groups.end());
    for (uint32_t e = 0; e < signatures_by_emerging_.size(); ++e) {
      if (signatures_by_emerging_[e].empty() ||
          !std::binary_search(groups.begin(), groups.end(), emerging_[e].group)) {
        continue;
      }
      for (uint32_t id : signatures_by_emerging_[e]) ++signature_offer_count_[id];
    }
  }
  return course_generation_;
}

bool MatchIndex::SameOffer(const CourseEntry& a, const CourseEntry& b) {
  auto same_skills = [](const std::vector<TaughtSkill>& x, const std::vector<TaughtSkill>& y) {
    return std::equal(x.begin(), x.end(), y.begin(), y.end(),
                      [](const TaughtSkill& p, const TaughtSkill& q) {
                        return p.skill == q.skill && p.level == q.level;
                      });
  };
  return a.live == b.live && (a.places > 0) == (b.places > 0) && a.min_age == b.min_age &&
         a.min_rqf == b.min_rqf && a.rqf_awarded == b.rqf_awarded && a.funding == b.funding &&
         a.online == b.online && a.duration_weeks == b.duration_weeks && a.venue == b.venue &&
         a.study_mode == b.study_mode && a.cost_pence == b.cost_pence &&
         a.start_days == b.start_days && same_skills(a.entry, b.entry) &&
         same_skills(a.taught, b.taught);
}

void MatchIndex::LinkCourse(CourseId id) {
  const CourseEntry& entry = courses_[id];
  absl::flat_hash_map<GroupIndex, uint8_t> group_level;
  for (const TaughtSkill& t : entry.taught) {
    skill_postings_[t.skill].push_back(CoursePosting{id, t.level});
    for (GroupIndex g : GroupsAbove(t.skill)) {
      uint8_t& level = group_level[g];
      level = std::max(level, t.level);
    }
  }
  for (const auto& [group, level] : group_level) {
    group_postings_[group].push_back(CoursePosting{id, level});
  }
  for (const TaughtSkill& e : entry.entry) entry_postings_[e.skill].push_back(id);
  std::vector<CourseId>& awarding = courses_by_rqf_[entry.rqf_awarded];
  awarding.insert(std::lower_bound(awarding.begin(), awarding.end(), id, ShorterCourse()), id);
}

void MatchIndex::UnlinkCourse(CourseId id) {
  CourseEntry& entry = courses_[id];
  std::vector<GroupIndex> groups;
  for (const TaughtSkill& t : entry.taught) {
    ErasePosting(skill_postings_[t.skill], id);
    std::span<const GroupIndex> above = GroupsAbove(t.skill);
    groups.insert(groups.end(), above.begin(), above.end());
  }
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  for (GroupIndex g : groups) ErasePosting(group_postings_[g], id);
  for (const TaughtSkill& e : entry.entry) {
    std::vector<CourseId>& needing = entry_postings_[e.skill];
    needing.erase(std::remove(needing.begin(), needing.end(), id), needing.end());
  }
  std::vector<CourseId>& awarding = courses_by_rqf_[entry.rqf_awarded];
  auto at = std::lower_bound(awarding.begin(), awarding.end(), id, ShorterCourse());
  if (at != awarding.end() && *at == id) awarding.erase(at);
  Release(providers_, provider_by_name_, free_providers_, entry.provider);
  entry = CourseEntry{};
}

bool MatchIndex::RemoveCourse(std::string_view name) {
  auto it = course_by_name_.find(std::string(name));
  if (it == course_by_name_.end()) return false;
  CourseId id = it->second;
  course_by_name_.erase(it);
  OfferChanged(courses_[id].taught, {});
  UnlinkCourse(id);
  free_courses_.push_back(id);
  return true;
}

absl::Status MatchIndex::UpsertProvider(const training::v1::Provider& provider) {
  std::string_view name = provider.name();
  if (name.rfind("providers/", 0) != 0 || name.size() <= 10 ||
      name.find('/', 10) != std::string_view::npos) {
    return Invalid("provider.name", StrCat("must be providers/{provider}, got \"", name, "\""));
  }
  uint32_t id = Intern(providers_, provider_by_name_, free_providers_, name);
  Named& named = providers_[id];
  named.display_name = provider.display_name();
  named.has_record = true;
  return absl::OkStatus();
}

bool MatchIndex::RemoveProvider(std::string_view name) {
  auto it = provider_by_name_.find(std::string(name));
  if (it == provider_by_name_.end() || !providers_[it->second].has_record) return false;
  uint32_t id = it->second;
  Named& named = providers_[id];
  named.has_record = false;
  named.display_name.clear();
  if (named.references == 0) {
    provider_by_name_.erase(it);
    named = Named{};
    free_providers_.push_back(id);
  }
  return true;
}

size_t MatchIndex::ApproximateBytes() const {
  size_t bytes = VectorBytes(nearest_groups_.values) + VectorBytes(nearest_groups_.offsets) +
                 VectorBytes(groups_above_.values) + VectorBytes(groups_above_.offsets) +
                 VectorBytes(skills_under_.values) + VectorBytes(skills_under_.offsets) +
                 VectorBytes(occupations_needing_.values) +
                 VectorBytes(occupations_needing_.offsets);
  bytes += VectorBytes(roles_) + VectorBytes(courses_) + VectorBytes(places_);
  for (const RoleEntry& r : roles_) {
    bytes += StringBytes(r.name) + StringBytes(r.title) + StringBytes(r.employer_display_name) +
             VectorBytes(r.skills);
  }
  for (const CourseEntry& c : courses_) {
    bytes += StringBytes(c.name) + StringBytes(c.title) + VectorBytes(c.taught) +
             VectorBytes(c.entry) + VectorBytes(c.start_days);
  }
  for (const auto& p : skill_postings_) bytes += VectorBytes(p) + sizeof(p);
  for (const auto& p : entry_postings_) bytes += VectorBytes(p) + sizeof(p);
  for (const auto& p : group_postings_) bytes += VectorBytes(p) + sizeof(p);
  for (const auto& p : roles_by_place_) bytes += VectorBytes(p) + sizeof(p);
  for (const auto& o : roles_by_occupation_) bytes += VectorBytes(o) + sizeof(o);
  bytes += role_changes_.size() * sizeof(RoleChange) + VectorBytes(occupation_change_count_);
  for (const auto& p : courses_by_rqf_) bytes += VectorBytes(p);
  // Name maps: key, value and control byte per slot.
  bytes += role_by_name_.capacity() * (sizeof(std::string) + sizeof(RoleId) + 1);
  bytes += course_by_name_.capacity() * (sizeof(std::string) + sizeof(CourseId) + 1);
  for (const auto& [name, id] : role_by_name_) bytes += StringBytes(name);
  for (const auto& [name, id] : course_by_name_) bytes += StringBytes(name);
  bytes += VectorBytes(employers_) + VectorBytes(providers_) + VectorBytes(emerging_);
  bytes += VectorBytes(signature_refs_) + VectorBytes(signature_hash_) +
           VectorBytes(signature_items_) +
           signature_ids_.capacity() * (sizeof(uint64_t) + sizeof(uint32_t) + 1);
  for (const auto& items : signature_items_) bytes += VectorBytes(items);
  for (const auto* by : {&signatures_by_skill_, &signatures_by_emerging_}) {
    bytes += VectorBytes(*by);
    for (const auto& ids : *by) bytes += VectorBytes(ids);
  }
  return bytes;
}

}  // namespace pathways::matcher
