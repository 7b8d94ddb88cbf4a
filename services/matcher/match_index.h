// The matcher's in-memory index of roles and courses.
//
// Filled from DemandService and TrainingService protos (a full List at start,
// then each Watch change) and holding only the compact forms ranking needs:
// skills as taxonomy indices, places as interned outcodes with their
// centroids, dates as day numbers. No proto is kept, so a city (about 20,000
// roles and 5,000 courses) takes a few MB.
//
// Upsert and Remove take resource names, so a change feed can apply changes
// in any order; Remove leaves nothing of the resource behind (its slot is
// cleared and reused, its postings and any employer, provider or emerging
// skill only it referred to are dropped).
//
// Not synchronised: callers that query while a feed applies changes hold a
// shared lock for queries and an exclusive one for changes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "pathways/common/v1/common.pb.h"
#include "pathways/demand/v1/demand_service.pb.h"
#include "pathways/training/v1/training_service.pb.h"
#include "services/matcher/calendar.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"

namespace pathways::matcher {

using taxonomy::GroupIndex;
using taxonomy::OccupationIndex;
using taxonomy::SkillIndex;

// A required skill's identity: an ESCO SkillIndex, or (with the top bit set)
// the id of an emerging skill interned by the index.
using SkillKey = uint32_t;
inline constexpr SkillKey kEmergingBit = 0x8000'0000u;
inline bool IsEmergingKey(SkillKey key) { return (key & kEmergingBit) != 0; }
inline uint32_t EmergingIdOf(SkillKey key) { return key & ~kEmergingBit; }
inline SkillKey EmergingKey(uint32_t id) { return id | kEmergingBit; }

using RoleId = uint32_t;
using CourseId = uint32_t;
// An interned outcode. GB has under 3,000.
using PlaceId = uint16_t;
inline constexpr PlaceId kNoPlace = 0xFFFF;

// Bit i set when training::v1::Funding value i is offered.
using FundingMask = uint8_t;
inline bool Offers(FundingMask mask, training::v1::Funding funding) {
  return (mask >> static_cast<int>(funding)) & 1;
}

struct RequiredSkillEntry {
  SkillKey key = 0;
  uint8_t level = 0;  // 1..4
  bool essential = false;
};

struct RoleOpenings {
  int32_t now = 0;
  int32_t in_1_year = 0;
  int32_t in_2_years = 0;
  int32_t in_5_years = 0;
};

struct RoleEntry {
  // What ranking reads of every role it looks at comes first, so that it
  // shares the fewest cache lines; names and labels, read only for answers,
  // come last.
  bool live = false;
  uint8_t entry_rqf = 0;
  uint16_t essential_count = 0;
  OccupationIndex occupation = 0;
  PlaceId site = kNoPlace;
  // The signature interned: a dense id shared by every role with it.
  uint32_t signature_id = 0;
  // Essential skills first, then optional ones, each in the employer's order.
  std::vector<RequiredSkillEntry> skills;
  // Pay as given (zero when none) and the annual figure ranking uses: the
  // band's midpoint, or the occupation's indicative earnings.
  int64_t annual_pay_pence = 0;
  // FNV-1a of the name: orders roles the same way whatever slots they were
  // given, without comparing names.
  uint64_t name_hash = 0;
  RoleOpenings openings;
  Day closing_day = kNoDay;  // After it "now" openings no longer count.
  int64_t pay_min_pence = 0;
  int64_t pay_max_pence = 0;
  demand::v1::PayPeriod pay_period = demand::v1::PAY_PERIOD_UNSPECIFIED;
  uint8_t hours_per_week = 0;
  common::v1::StudyMode work_mode = common::v1::STUDY_MODE_UNSPECIFIED;
  bool emerging = false;
  bool apprenticeship = false;
  uint16_t isco = 0;      // The occupation's 4-digit ISCO-08 unit group as a number.
  uint32_t employer = 0;  // Interned "employers/{employer}".
  // A hash of the essential skills (with levels) and entry_rqf, made unique
  // in the index: roles with the same signature have the same essential
  // skills, levels and entry RQF level, so they need the same courses.
  uint64_t signature = 0;
  std::string name;  // "employers/{employer}/roles/{role}"
  std::string title;
  std::string employer_display_name;

  std::span<const RequiredSkillEntry> essentials() const {
    return std::span<const RequiredSkillEntry>(skills.data(), essential_count);
  }
};

// The hash of a role's essential skills, levels and entry_rqf: its
// RoleEntry::signature unless another signature in the index holds the value
// already (the index then moves on to the next free value).
uint64_t EssentialSignature(const RoleEntry& role);

// What ranking reads of every role within reach, kept together per place so
// that a pass over thousands of roles reads memory in order (and per
// occupation, for a pass over one occupation's).
struct RoleHot {
  RoleId id = 0;
  uint64_t name_hash = 0;  // RoleEntry::name_hash.
  OccupationIndex occupation = 0;
  RoleOpenings openings;
  Day closing_day = kNoDay;
  int64_t annual_pay_pence = 0;
  uint64_t signature = 0;
  uint32_t signature_id = 0;
  uint16_t isco = 0;
  PlaceId site = kNoPlace;
  uint16_t skill_count = 0;
  uint16_t essential_count = 0;
  uint8_t entry_rqf = 0;
  common::v1::StudyMode work_mode = common::v1::STUDY_MODE_UNSPECIFIED;
  bool emerging = false;
  bool apprenticeship = false;
};

struct TaughtSkill {
  SkillIndex skill = 0;
  uint8_t level = 0;
};

struct CourseEntry {
  // What a query reads of every course it looks at comes first (see
  // RoleEntry); names and titles come last.
  bool live = false;
  uint8_t min_age = 0;
  uint8_t min_rqf = 0;
  uint8_t rqf_awarded = 0;
  FundingMask funding = 0;
  bool online = false;
  uint16_t duration_weeks = 0;
  int32_t places = 0;
  PlaceId venue = kNoPlace;  // kNoPlace only for online courses without a venue.
  common::v1::StudyMode study_mode = common::v1::STUDY_MODE_UNSPECIFIED;
  int64_t cost_pence = 0;  // Before funding.
  // Changes whenever what the course offers does (see course_generation).
  uint64_t offer_generation = 0;
  std::vector<Day> start_days;      // Ascending; empty means it starts any day.
  std::vector<TaughtSkill> entry;   // Entry skills, ascending by skill.
  std::vector<TaughtSkill> taught;  // Ascending by skill.
  uint8_t hours_per_week = 0;
  uint32_t provider = 0;  // Interned "providers/{provider}".
  std::string name;       // "providers/{provider}/courses/{course}"
  std::string title;
};

// A course teaching a skill (or a skill under a group) up to a level.
struct CoursePosting {
  CourseId course = 0;
  uint8_t level = 0;
};

struct Place {
  std::string outcode;
  double latitude = 0;
  double longitude = 0;
  std::string district_code;  // ONS GSS code of the main local authority.
  std::string district_name;
};

// A skill outside ESCO, identified by its group and folded label.
struct EmergingSkill {
  GroupIndex group = 0;
  std::string label;        // As the first role that used it spelt it.
  std::string folded;       // Lower-case, runs of spaces collapsed.
  uint32_t references = 0;  // Required-skill entries that use it; 0 = free slot.
};

class MatchIndex {
 public:
  // Both must outlive the index.
  MatchIndex(const taxonomy::Taxonomy* taxonomy, const taxonomy::Geography* geography);

  MatchIndex(const MatchIndex&) = delete;
  MatchIndex& operator=(const MatchIndex&) = delete;

  // Adds or replaces a role by name. A role the taxonomy or geography cannot
  // place (unknown occupation, skill, group or outcode, bad name) is
  // INVALID_ARGUMENT and leaves the index as it was.
  absl::Status UpsertRole(const demand::v1::Role& role);
  // Returns whether the role was there.
  bool RemoveRole(std::string_view name);

  absl::Status UpsertCourse(const training::v1::Course& course);
  bool RemoveCourse(std::string_view name);

  // Providers only lend their display names to pathways.
  absl::Status UpsertProvider(const training::v1::Provider& provider);
  bool RemoveProvider(std::string_view name);

  // Feed positions, recorded by whoever applies the feeds.
  void set_roles_revision(std::string token) { roles_revision_ = std::move(token); }
  void set_courses_revision(std::string token) { courses_revision_ = std::move(token); }
  const std::string& roles_revision() const { return roles_revision_; }
  const std::string& courses_revision() const { return courses_revision_; }

  // Changes whenever a course is added or removed, or changed in what it
  // offers (anything but its places left while some are, its title and its
  // hours), and no two indexes share a value: caches of what any course
  // offers key on it. Taking up a place leaves it as it was.
  uint64_t course_generation() const { return course_generation_; }
  // The same for roles.
  uint64_t role_generation() const { return role_generation_; }
  // Sets `changed` to the occupations (ascending, each once) whose roles
  // were added, removed or changed since the index's roles were at
  // `generation`, and returns true; false when the index does not recall
  // that far back (the last kRoleChangesRecalled changes) or never had that
  // generation. A cache of what the roles of each occupation are holds
  // for every other occupation.
  static constexpr size_t kRoleChangesRecalled = 4096;
  bool OccupationsChangedSince(uint64_t generation, std::vector<OccupationIndex>* changed) const;
  // Counts the changes to the roles of an occupation (and so to its
  // CommonEssentials). Only comparable within one index.
  uint32_t occupation_change_count(OccupationIndex occupation) const {
    return occupation_change_count_[occupation];
  }
  // No two indexes share it: with the counts above, which are only
  // comparable within one index, it keys what a cache holds.
  uint64_t identity() const { return identity_; }
  // The same, for what the courses teaching a skill offer: it changes when
  // one of them is added, removed or changed in what it offers, so a cache
  // of what a skill's courses offer holds while it stays the same. No two
  // indexes share a value.
  uint64_t skill_offer_generation(SkillIndex skill) const { return skill_offer_generation_[skill]; }
  // Counts the changes to what the courses teaching any essential skill of
  // a signature offer (for an emerging skill, the courses teaching a skill
  // under its group), and the times its id was given to a signature: ids
  // are reused, so a cache keyed on the id and this count holds for the
  // signature it was filled for. Only comparable within one index.
  uint32_t signature_offer_count(uint32_t signature_id) const {
    return signature_offer_count_[signature_id];
  }

  size_t role_count() const { return role_by_name_.size(); }
  size_t course_count() const { return course_by_name_.size(); }

  // Slots, live or not; iterate 0..role_slots() and skip !live.
  size_t role_slots() const { return roles_.size(); }
  size_t course_slots() const { return courses_.size(); }
  const RoleEntry& role(RoleId id) const { return roles_[id]; }
  const CourseEntry& course(CourseId id) const { return courses_[id]; }
  std::optional<RoleId> FindRole(std::string_view name) const;
  std::optional<CourseId> FindCourse(std::string_view name) const;

  // Courses teaching `skill`, highest level first, then by slot.
  std::span<const CoursePosting> CoursesTeaching(SkillIndex skill) const {
    return skill < skill_postings_.size() ? std::span<const CoursePosting>(skill_postings_[skill])
                                          : std::span<const CoursePosting>();
  }
  // Live courses with `skill` among their entry skills, in no order.
  std::span<const CourseId> CoursesNeedingEntry(SkillIndex skill) const {
    return skill < entry_postings_.size() ? std::span<const CourseId>(entry_postings_[skill])
                                          : std::span<const CourseId>();
  }
  // Courses teaching any skill under `group` (see SkillUnderGroup), each
  // once at its highest such level, highest first.
  std::span<const CoursePosting> CoursesTeachingUnder(GroupIndex group) const {
    return std::span<const CoursePosting>(group_postings_[group]);
  }
  // Essential skills (with the lowest level asked) that every role of the
  // occupation in the index requires; empty for an occupation without
  // roles. Any role of the occupation needs at least these.
  std::span<const RequiredSkillEntry> CommonEssentials(OccupationIndex occupation) const;

  // Courses awarding exactly RQF `level` (0..8), shortest first (then by
  // id), so that a search for the cheapest can stop where even the time a
  // course takes costs too much.
  std::span<const CourseId> CoursesAwarding(int level) const {
    return std::span<const CourseId>(courses_by_rqf_[level]);
  }
  // Roles sited at a place, by id.
  std::span<const RoleHot> RolesAt(PlaceId place) const {
    return place < roles_by_place_.size() ? std::span<const RoleHot>(roles_by_place_[place])
                                          : std::span<const RoleHot>();
  }
  // Roles of an occupation, in no order.
  std::span<const RoleHot> RolesOf(OccupationIndex occupation) const {
    return roles_by_occupation_[occupation];
  }

  size_t place_count() const { return places_.size(); }
  const Place& place(PlaceId id) const { return places_[id]; }

  std::string_view employer_name(uint32_t employer) const { return employers_[employer].name; }
  std::string_view provider_name(uint32_t provider) const { return providers_[provider].name; }
  // The provider's display name, or "" before the provider is known.
  std::string_view provider_display_name(uint32_t provider) const {
    return providers_[provider].display_name;
  }
  size_t employer_slots() const { return employers_.size(); }
  // Bound on RoleEntry::signature_id.
  size_t signature_slots() const { return signature_refs_.size(); }
  // The signatures (ids) whose essential skills include `key`, in no order:
  // a person holding a skill marks its signatures without reading a role.
  std::span<const uint32_t> SignaturesRequiring(SkillKey key) const {
    const auto& by = IsEmergingKey(key) ? signatures_by_emerging_ : signatures_by_skill_;
    const uint32_t i = IsEmergingKey(key) ? EmergingIdOf(key) : key;
    return i < by.size() ? std::span<const uint32_t>(by[i]) : std::span<const uint32_t>();
  }

  const EmergingSkill& emerging(uint32_t id) const { return emerging_[id]; }
  size_t emerging_slots() const { return emerging_.size(); }
  std::optional<uint32_t> FindEmerging(GroupIndex group, std::string_view label) const;

  // --- Hierarchy, precomputed from the taxonomy ---

  // The groups closest above the skill (Taxonomy::NearestGroups).
  std::span<const GroupIndex> NearestGroups(SkillIndex skill) const {
    return nearest_groups_.Row(skill);
  }
  // NearestGroups and all their ancestors, ascending.
  std::span<const GroupIndex> GroupsAbove(SkillIndex skill) const {
    return groups_above_.Row(skill);
  }
  // A skill is under a group when the group is one of its nearest groups or
  // an ancestor of one: how an emerging skill's group is matched.
  bool SkillUnderGroup(SkillIndex skill, GroupIndex group) const;
  // The skills under a group, ascending.
  std::span<const SkillIndex> SkillsUnder(GroupIndex group) const {
    return skills_under_.Row(group);
  }
  // The occupations whose ESCO essential skills include `skill`, ascending
  // (taxonomy::Taxonomy::EssentialSkills the other way round).
  std::span<const OccupationIndex> OccupationsNeeding(SkillIndex skill) const {
    return occupations_needing_.Row(skill);
  }

  // Label of a required skill (ESCO preferred label or emerging label).
  std::string_view SkillKeyLabel(SkillKey key) const;
  // Indicative UK annual earnings for an occupation without a pay band, by
  // ISCO-08 major group (rounded ONS ASHE 2023 medians for full-time
  // employees in the matching SOC major groups).
  static int64_t IndicativeAnnualPayPence(int isco_unit_group);
  // Annual pence for a band: midpoint; hourly as hourly x hours x 52.
  static int64_t AnnualPayPence(int64_t min_pence, int64_t max_pence, demand::v1::PayPeriod period,
                                int hours_per_week);

  const taxonomy::Taxonomy& taxonomy() const { return *taxonomy_; }
  const taxonomy::Geography& geography() const { return *geography_; }

  // Bytes held by the index's own containers (approximate: capacities, not
  // allocator overhead), for the index-size metric.
  size_t ApproximateBytes() const;

 private:
  // The order of CoursesAwarding: shortest first, then by id.
  auto ShorterCourse() const {
    return [this](CourseId a, CourseId b) {
      const uint16_t da = courses_[a].duration_weeks, db = courses_[b].duration_weeks;
      return da != db ? da < db : a < b;
    };
  }
  template <typename T>
  struct Rows {
    std::vector<uint32_t> offsets{0};
    std::vector<T> values;
    std::span<const T> Row(size_t i) const {
      return std::span<const T>(values.data() + offsets[i], offsets[i + 1] - offsets[i]);
    }
  };
  struct Named {
    std::string name;
    std::string display_name;
    uint32_t references = 0;  // Roles or courses using it (+1 for a provider record).
    bool has_record = false;
  };

  absl::StatusOr<PlaceId> InternPlace(std::string_view field, std::string_view outcode);
  static uint32_t Intern(std::vector<Named>& table, absl::flat_hash_map<std::string, uint32_t>& by,
                         std::vector<uint32_t>& free, std::string_view name);
  static void Release(std::vector<Named>& table, absl::flat_hash_map<std::string, uint32_t>& by,
                      std::vector<uint32_t>& free, uint32_t id);
  uint32_t InternEmerging(GroupIndex group, std::string_view label);
  void ReleaseEmerging(uint32_t id);
  std::vector<uint32_t>& SignaturesOf(SkillKey key);
  void UnlinkRole(RoleId id);
  // Whether two versions of a course offer the same (see course_generation).
  static bool SameOffer(const CourseEntry& a, const CourseEntry& b);
  // What the courses teaching these skills offer has changed: moves
  // course_generation and the skills' and their signatures' generations on,
  // and returns the new course_generation.
  uint64_t OfferChanged(std::span<const TaughtSkill> before, std::span<const TaughtSkill> after);
  void UnlinkCourse(CourseId id);
  void LinkCourse(CourseId id);

  const taxonomy::Taxonomy* taxonomy_;
  const taxonomy::Geography* geography_;

  Rows<GroupIndex> nearest_groups_;
  Rows<GroupIndex> groups_above_;
  Rows<SkillIndex> skills_under_;              // By GroupIndex.
  Rows<OccupationIndex> occupations_needing_;  // By SkillIndex.

  std::vector<RoleEntry> roles_;
  std::vector<RoleId> free_roles_;
  absl::flat_hash_map<std::string, RoleId> role_by_name_;

  std::vector<CourseEntry> courses_;
  std::vector<CourseId> free_courses_;
  absl::flat_hash_map<std::string, CourseId> course_by_name_;

  std::vector<std::vector<CoursePosting>> skill_postings_;  // By SkillIndex.
  std::vector<std::vector<CoursePosting>> group_postings_;  // By GroupIndex.
  std::vector<std::vector<CourseId>> entry_postings_;       // By SkillIndex.
  std::vector<std::vector<RoleHot>> roles_by_place_;        // By PlaceId, ascending id.
  std::vector<std::vector<RoleHot>> roles_by_occupation_;   // By OccupationIndex.
  std::array<std::vector<CourseId>, 9> courses_by_rqf_;     // See CoursesAwarding.

  // Per occupation: roles, and how many of them require each essential
  // skill at each level, for CommonEssentials.
  struct OccupationSkills {
    uint32_t roles = 0;
    absl::flat_hash_map<SkillKey, std::array<uint32_t, 4>> counts;
    // Kept up to date on every change, so queries only read (the index
    // is shared by readers).
    std::vector<RequiredSkillEntry> common;
  };
  void CountEssentials(const RoleEntry& role, int delta);
  absl::flat_hash_map<OccupationIndex, OccupationSkills> occupation_skills_;

  std::vector<Place> places_;
  absl::flat_hash_map<std::string, PlaceId> place_by_outcode_;

  std::vector<Named> employers_;
  absl::flat_hash_map<std::string, uint32_t> employer_by_name_;
  std::vector<uint32_t> free_employers_;
  std::vector<Named> providers_;
  absl::flat_hash_map<std::string, uint32_t> provider_by_name_;
  std::vector<uint32_t> free_providers_;

  // Interned essential signatures: id by hash, roles using each id, and
  // what each is made of (so that a hash collision gets its own signature).
  absl::flat_hash_map<uint64_t, uint32_t> signature_ids_;
  std::vector<uint32_t> signature_refs_;
  std::vector<uint64_t> signature_hash_;
  std::vector<std::vector<uint64_t>> signature_items_;
  std::vector<uint32_t> free_signatures_;
  std::vector<std::vector<uint32_t>> signatures_by_skill_;     // By SkillIndex.
  std::vector<std::vector<uint32_t>> signatures_by_emerging_;  // By emerging id.
  std::vector<uint32_t> signature_offer_count_;                // By signature id.
  std::vector<uint64_t> skill_offer_generation_;               // By SkillIndex.

  std::vector<EmergingSkill> emerging_;
  absl::flat_hash_map<std::string, uint32_t> emerging_by_key_;  // "{group}#{folded}"
  std::vector<uint32_t> free_emerging_;

  // The last role changes, oldest first: the generation each made and the
  // occupation it touched (replacing a role is two: the old one goes, the
  // new one comes). Those of `role_changes_base_` and before are forgotten.
  struct RoleChange {
    uint64_t generation = 0;
    OccupationIndex occupation = 0;
  };
  // A role of `occupation` changed: moves role_generation on and recalls it.
  void RoleChanged(OccupationIndex occupation);
  std::deque<RoleChange> role_changes_;
  uint64_t role_changes_base_;
  std::vector<uint32_t> occupation_change_count_;  // By OccupationIndex.

  std::string roles_revision_;
  std::string courses_revision_;
  const uint64_t identity_;
  uint64_t course_generation_;
  uint64_t role_generation_;
};

}  // namespace pathways::matcher
