// The roles within reach of a home, as ranking reads them (ranker.h, step 1).
//
// An Area holds the roles sited within the travel limit that the role
// filters allow, grouped by occupation and, within one, by essential
// signature (roles that share their journey), with the demand of every
// occupation sited within reach. It depends on the home outcode, the travel
// limit, the role filters, the day and the roles -- not on the person -- so
// every query from one home with the same filters can share it: AreaCache
// keeps recent areas until a role changes, and a query then skips the pass
// over thousands of roles.
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
  std::vector<AreaRole> roles_;
  std::vector<AreaGroup> groups_;
  std::vector<AreaOccupation> occupations_;
  std::vector<std::pair<OccupationIndex, DemandCounts>> demand_;
};

// Areas of recent queries, shared by every thread, within a memory budget:
// the least recently used go first, and an index's areas go as soon as one
// built after its roles changed is kept (no query reads them again).
// Thread-safe.
class AreaCache {
 public:
  explicit AreaCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // The query's area, from the cache or built (outside the lock) and kept.
  std::shared_ptr<const Area> Get(const QueryContext& query);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    size_t areas = 0;
    size_t bytes = 0;
  };
  Stats stats() const;
  void set_max_bytes(size_t max_bytes);
  // Told of every Get (outside the lock): whether the area was cached, and
  // the cache as it then stood. For metrics.
  using Observer = std::function<void(bool hit, const Stats& now)>;
  void set_observer(Observer observer);

 private:
  // What an area depends on.
  struct Key {
    uint64_t role_generation = 0;  // Unique across indexes too.
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
      return H::combine(std::move(h), k.role_generation, k.home_outcode, k.max_travel_km, k.horizon,
                        k.mode, k.emerging_only, k.apprenticeship_only, k.isco_prefixes, k.today);
    }
  };
  struct Entry {
    std::shared_ptr<const Area> area;
    size_t bytes = 0;
    uint64_t used = 0;  // Tick of the last Get.
    const MatchIndex* index = nullptr;
  };
  // Drops the areas of `index` from before its roles last changed.
  void DropStaleLocked(const MatchIndex* index, uint64_t role_generation);
  void EvictLocked();
  Stats StatsLocked() const;

  mutable std::mutex mu_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  uint64_t tick_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  absl::flat_hash_map<Key, Entry> entries_;
  std::shared_ptr<const Observer> observer_;
};

// The process's cache, which ranking uses; kDefaultAreaCacheBytes until
// set_max_bytes says otherwise.
inline constexpr size_t kDefaultAreaCacheBytes = size_t{128} << 20;
AreaCache& SharedAreaCache();

}  // namespace pathways::matcher
