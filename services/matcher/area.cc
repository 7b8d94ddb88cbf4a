#include "services/matcher/area.h"

#include <algorithm>
#include <limits>

namespace pathways::matcher {

Area::Area(const QueryContext& query) {
  const MatchIndex& index = query.index();
  const Limits& limits = query.limits();
  const size_t occupation_count = index.taxonomy().occupation_count();
  std::vector<DemandCounts> demand(occupation_count);
  std::vector<uint8_t> sited(occupation_count, 0);
  std::vector<uint32_t> start(occupation_count + 1, 0);
  std::vector<std::pair<OccupationIndex, AreaRole>> kept;
  for (PlaceId p = 0; p < index.place_count(); ++p) {
    if (!query.PlaceInReach(p)) continue;
    for (const RoleHot& role : index.RolesAt(p)) {
      demand[role.occupation].Add(role, limits.horizon, limits.today);
      sited[role.occupation] = 1;
      if (!query.Ranks(role)) continue;
      kept.emplace_back(role.occupation, AreaRole{role.id, role.signature_id, role.site});
      ++start[role.occupation + 1];
    }
  }
  for (size_t o = 0; o < occupation_count; ++o) {
    if (sited[o]) demand_.emplace_back(static_cast<OccupationIndex>(o), demand[o]);
    start[o + 1] += start[o];
  }
  // By occupation (a counting sort), then by signature and id.
  roles_.resize(kept.size());
  std::vector<uint32_t> next(start.begin(), start.end() - 1);
  for (const auto& [occupation, role] : kept) roles_[next[occupation]++] = role;
  for (size_t o = 0; o < occupation_count; ++o) {
    if (start[o] == start[o + 1]) continue;
    AddOccupation(query, static_cast<OccupationIndex>(o), start[o], start[o + 1]);
  }
  ShrinkToFit();
}

Area::Area(const QueryContext& query, const Area& before,
           std::span<const OccupationIndex> changed) {
  const MatchIndex& index = query.index();
  const Limits& limits = query.limits();
  roles_.reserve(before.roles_.size());
  groups_.reserve(before.groups_.size());
  occupations_.reserve(before.occupations_.size() + changed.size());
  demand_.reserve(before.demand_.size() + changed.size());
  // An occupation whose roles are as they were moves over, with its
  // positions shifted.
  auto move_over = [&](const AreaOccupation& was) {
    AreaOccupation now = was;
    now.begin = static_cast<uint32_t>(roles_.size());
    now.groups_begin = static_cast<uint32_t>(groups_.size());
    roles_.insert(roles_.end(), before.roles_.begin() + was.begin, before.roles_.begin() + was.end);
    for (uint32_t g = was.groups_begin; g < was.groups_end; ++g) {
      AreaGroup group = before.groups_[g];
      group.begin = group.begin - was.begin + now.begin;
      group.end = group.end - was.begin + now.begin;
      groups_.push_back(group);
    }
    now.end = static_cast<uint32_t>(roles_.size());
    now.groups_end = static_cast<uint32_t>(groups_.size());
    occupations_.push_back(now);
  };
  // A changed one is worked out from its roles, as Area(query) would.
  std::vector<std::pair<OccupationIndex, DemandCounts>> redone_demand;
  auto redo = [&](OccupationIndex occupation) {
    DemandCounts demand;
    bool sited = false;
    const auto begin = static_cast<uint32_t>(roles_.size());
    for (const RoleHot& role : index.RolesOf(occupation)) {
      if (!query.PlaceInReach(role.site)) continue;
      demand.Add(role, limits.horizon, limits.today);
      sited = true;
      if (query.Ranks(role)) roles_.push_back(AreaRole{role.id, role.signature_id, role.site});
    }
    if (sited) redone_demand.emplace_back(occupation, demand);
    const auto end = static_cast<uint32_t>(roles_.size());
    if (end > begin) AddOccupation(query, occupation, begin, end);
  };
  size_t c = 0;
  for (const AreaOccupation& was : before.occupations_) {
    for (; c < changed.size() && changed[c] <= was.occupation; ++c) redo(changed[c]);
    if (c == 0 || changed[c - 1] != was.occupation) move_over(was);
  }
  for (; c < changed.size(); ++c) redo(changed[c]);
  // Demand: the changed occupations' as redone, the others' as they were.
  size_t r = 0;
  for (const auto& entry : before.demand_) {
    if (std::binary_search(changed.begin(), changed.end(), entry.first)) continue;
    for (; r < redone_demand.size() && redone_demand[r].first < entry.first; ++r) {
      demand_.push_back(redone_demand[r]);
    }
    demand_.push_back(entry);
  }
  demand_.insert(demand_.end(), redone_demand.begin() + static_cast<ptrdiff_t>(r),
                 redone_demand.end());
  ShrinkToFit();
}

void Area::AddOccupation(const QueryContext& query, OccupationIndex o, uint32_t begin,
                         uint32_t end) {
  const MatchIndex& index = query.index();
  auto nearer = [&](PlaceId a, PlaceId b) {
    return b == kNoPlace || query.PlaceKm(a) < query.PlaceKm(b);
  };
  AreaOccupation occupation;
  occupation.occupation = o;
  occupation.begin = begin;
  occupation.end = end;
  occupation.groups_begin = static_cast<uint32_t>(groups_.size());
  std::sort(roles_.begin() + begin, roles_.begin() + end, [](const AreaRole& a, const AreaRole& b) {
    return a.signature_id != b.signature_id ? a.signature_id < b.signature_id : a.id < b.id;
  });
  for (uint32_t k = begin; k < end;) {
    AreaGroup group;
    group.begin = k;
    group.signature_id = roles_[k].signature_id;
    group.entry_rqf = index.role(roles_[k].id).entry_rqf;
    group.first_name_hash = std::numeric_limits<uint64_t>::max();
    for (; k < end && roles_[k].signature_id == roles_[group.begin].signature_id; ++k) {
      const AreaRole& role = roles_[k];
      const RoleEntry& entry = index.role(role.id);
      group.best_pay = std::max(group.best_pay, entry.annual_pay_pence);
      if (nearer(role.site, group.nearest)) group.nearest = role.site;
      group.first_name_hash = std::min(group.first_name_hash, entry.name_hash);
    }
    group.end = k;
    occupation.best_pay = std::max(occupation.best_pay, group.best_pay);
    if (nearer(group.nearest, occupation.nearest)) occupation.nearest = group.nearest;
    groups_.push_back(group);
  }
  occupation.groups_end = static_cast<uint32_t>(groups_.size());
  occupations_.push_back(occupation);
}

void Area::ShrinkToFit() {
  roles_.shrink_to_fit();
  groups_.shrink_to_fit();
  occupations_.shrink_to_fit();
  demand_.shrink_to_fit();
}

size_t Area::bytes() const {
  return sizeof(Area) + roles_.capacity() * sizeof(AreaRole) +
         groups_.capacity() * sizeof(AreaGroup) + occupations_.capacity() * sizeof(AreaOccupation) +
         demand_.capacity() * sizeof(demand_[0]);
}

std::shared_ptr<const Area> AreaCache::Get(const QueryContext& query) {
  const Limits& limits = query.limits();
  const MatchIndex& index = query.index();
  // Full time takes roles of any mode, as no mode does (ModeFits).
  const common::v1::StudyMode mode = limits.mode == common::v1::STUDY_MODE_FULL_TIME
                                         ? common::v1::STUDY_MODE_UNSPECIFIED
                                         : limits.mode;
  Key key{
      &index,      query.person().home_outcode, limits.max_travel_km,       limits.horizon,
      mode,        limits.emerging_only,        limits.apprenticeship_only, limits.isco_prefixes,
      limits.today};
  const uint64_t generation = index.role_generation();
  std::shared_ptr<const Area> area;
  std::shared_ptr<const Area> stale;
  uint64_t stale_generation = 0;
  std::shared_ptr<const Observer> observer;
  Stats now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    observer = observer_;
    if (auto it = entries_.find(key); it != entries_.end()) {
      it->second.used = ++tick_;
      if (it->second.role_generation == generation) {
        ++hits_;
        area = it->second.area;
        now = StatsLocked();
      } else {
        stale = it->second.area;
        stale_generation = it->second.role_generation;
      }
    }
  }
  if (area != nullptr) {
    if (observer != nullptr) (*observer)(AreaLookup::kHit, now);
    return area;
  }
  AreaLookup lookup = AreaLookup::kBuilt;
  std::vector<OccupationIndex> changed;
  if (stale != nullptr && index.OccupationsChangedSince(stale_generation, &changed)) {
    area = std::make_shared<const Area>(query, *stale, changed);
    lookup = AreaLookup::kPatched;
  } else {
    area = std::make_shared<const Area>(query);
  }
  stale.reset();
  const size_t bytes = area->bytes();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++(lookup == AreaLookup::kPatched ? patches_ : misses_);
    Entry& entry = entries_[std::move(key)];
    // Another thread may have stored this one, or a newer one, meanwhile.
    if (entry.area == nullptr || entry.role_generation < generation) {
      bytes_ = bytes_ - entry.bytes + bytes;
      entry.area = area;
      entry.bytes = bytes;
      entry.role_generation = generation;
    }
    entry.used = ++tick_;
    EvictLocked();
    now = StatsLocked();
  }
  if (observer != nullptr) (*observer)(lookup, now);
  return area;
}

void AreaCache::EvictLocked() {
  // Never the newest: a query uses its area even when it alone is over
  // the budget.
  while (bytes_ > max_bytes_ && entries_.size() > 1) {
    auto oldest = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (oldest == entries_.end() || it->second.used < oldest->second.used) oldest = it;
    }
    bytes_ -= oldest->second.bytes;
    entries_.erase(oldest);
  }
}

AreaCache::Stats AreaCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return StatsLocked();
}

AreaCache::Stats AreaCache::StatsLocked() const {
  return Stats{hits_, patches_, misses_, entries_.size(), bytes_};
}

void AreaCache::set_observer(Observer observer) {
  auto shared = observer ? std::make_shared<const Observer>(std::move(observer)) : nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  observer_ = std::move(shared);
}

void AreaCache::set_max_bytes(size_t max_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  max_bytes_ = max_bytes;
  EvictLocked();
}

AreaCache& SharedAreaCache() {
  static AreaCache* cache = new AreaCache(kDefaultAreaCacheBytes);
  return *cache;
}

}  // namespace pathways::matcher
