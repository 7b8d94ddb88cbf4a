// The roles within reach of a home, as ranking reads them (ranker.h, step 1).
//
// An Area holds the roles sited within the travel limit that the role
// filters allow, grouped by occupation and, within one, by essential
// signature (roles that share their journey), with the demand of every
// occupation sited within reach. It depends on the home outcode, the travel
// limit, the role filters, the day and the roles -- not on the person -- so
// every query from one home with the same filters can share it: AreaCache
// keeps recent areas, and a query then skips the pass over thousands of
// roles. When roles change, the next query brings the area up to date by
// redoing only the occupations whose roles changed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "services/matcher/match_index.h"
#include "services/matcher/query.h"

namespace pathways::matcher {

// A role the filters allow, with what ranking reads of every one (the rest
// it reads from the index for the few it looks at closely).
struct AreaRole {
  RoleId id = 0;
  uint32_t signature_id = 0;
  PlaceId site = kNoPlace;
};

// The roles of one occupation with one essential signature.
struct AreaGroup {
  uint32_t begin = 0;  // Into Area::roles.
  uint32_t end = 0;
  int64_t best_pay = 0;
  PlaceId nearest = kNoPlace;  // The site nearest home.
  // The signature, and the entry RQF level it includes.
  uint8_t entry_rqf = 0;
  uint32_t signature_id = 0;
  uint64_t first_name_hash = 0;  // The lowest of its roles' name hashes.
};

struct AreaOccupation {
  OccupationIndex occupation = 0;
  uint32_t begin = 0;  // Into Area::roles.
  uint32_t end = 0;
  uint32_t groups_begin = 0;  // Into Area::groups.
  uint32_t groups_end = 0;
  int64_t best_pay = 0;
  PlaceId nearest = kNoPlace;
};

class Area {
 public:
  // The area of the query's home, limits and index.
  explicit Area(const QueryContext& query);
  // The same area, from `before`: the area of the query's home and limits
  // when the index's roles differed only in the `changed` occupations
  // (ascending), which alone are worked out again.
  Area(const QueryContext& query, const Area& before, std::span<const OccupationIndex> changed);

  // Roles by occupation (ascending), then by signature.
  std::span<const AreaRole> roles() const { return roles_; }
  std::span<const AreaGroup> groups() const { return groups_; }
  // Occupations with at least one role the filters allow, ascending.
  std::span<const AreaOccupation> occupations() const { return occupations_; }
  // Demand of every occupation with a role sited within reach, whatever the
  // filters (Scorer::CountOccupation).
  std::span<const std::pair<OccupationIndex, DemandCounts>> demand() const { return demand_; }
  // Bytes held, for the cache's budget.
  size_t bytes() const;

 private:
  // Sorts roles_[begin, end), the roles of `occupation` the filters allow,
  // by signature and id, and adds the occupation with its groups.
  void AddOccupation(const QueryContext& query, OccupationIndex occupation, uint32_t begin,
                     uint32_t end);
  void ShrinkToFit();

  std::vector<AreaRole> roles_;
  std::vector<AreaGroup> groups_;
  std::vector<AreaOccupation> occupations_;
  std::vector<std::pair<OccupationIndex, DemandCounts>> demand_;
};

// How AreaCache::Get found an area.
enum class AreaLookup {
  kHit,      // Cached and up to date.
  kPatched,  // Cached from before some roles changed: their occupations redone.
  kBuilt,    // Not cached, or from too long ago: built from every role.
};

// Areas of recent queries, shared by every thread, within a memory budget:
// the least recently used go first. One area is kept per home and limits,
// brought up to date when a query finds it older than the roles.
// Thread-safe.
class AreaCache {
 public:
  explicit AreaCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // The query's area, from the cache (patched if roles changed since) or
  // built, either outside the lock, and kept.
  std::shared_ptr<const Area> Get(const QueryContext& query);

  struct Stats {
    uint64_t hits = 0;
    uint64_t patches = 0;
    uint64_t misses = 0;  // Built.
    size_t areas = 0;
    size_t bytes = 0;
  };
  Stats stats() const;
  void set_max_bytes(size_t max_bytes);
  // Told of every Get (outside the lock): how the area was found, and the
  // cache as it then stood. For metrics.
  using Observer = std::function<void(AreaLookup lookup, const Stats& now)>;
  void set_observer(Observer observer);

 private:
  // What an area depends on besides the roles.
  struct Key {
    const MatchIndex* index = nullptr;
    std::string home_outcode;
    double max_travel_km = 0;
    demand::v1::Horizon horizon = demand::v1::HORIZON_UNSPECIFIED;
    common::v1::StudyMode mode = common::v1::STUDY_MODE_UNSPECIFIED;
    bool emerging_only = false;
    bool apprenticeship_only = false;
    std::vector<std::pair<int, int>> isco_prefixes;
    Day today = 0;

    bool operator==(const Key&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.index, k.home_outcode, k.max_travel_km, k.horizon, k.mode,
                        k.emerging_only, k.apprenticeship_only, k.isco_prefixes, k.today);
    }
  };
  struct Entry {
    std::shared_ptr<const Area> area;
    size_t bytes = 0;
    uint64_t used = 0;  // Tick of the last Get.
    // The index's role_generation the area is of (no two indexes share
    // one, so an index at a freed one's address never takes its areas).
    uint64_t role_generation = 0;
  };
  void EvictLocked();
  Stats StatsLocked() const;

  mutable std::mutex mu_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  uint64_t tick_ = 0;
  uint64_t hits_ = 0;
  uint64_t patches_ = 0;
  uint64_t misses_ = 0;
  absl::flat_hash_map<Key, Entry> entries_;
  std::shared_ptr<const Observer> observer_;
};

// The process's cache, which ranking uses; kDefaultAreaCacheBytes until
// set_max_bytes says otherwise.
inline constexpr size_t kDefaultAreaCacheBytes = size_t{128} << 20;
AreaCache& SharedAreaCache();

}  // namespace pathways::matcher
