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
  auto nearer = [&](PlaceId a, PlaceId b) {
    return b == kNoPlace || query.PlaceKm(a) < query.PlaceKm(b);
  };
  for (size_t o = 0; o < occupation_count; ++o) {
    if (start[o] == start[o + 1]) continue;
    AreaOccupation occupation;
    occupation.occupation = static_cast<OccupationIndex>(o);
    occupation.begin = start[o];
    occupation.end = start[o + 1];
    occupation.groups_begin = static_cast<uint32_t>(groups_.size());
    std::sort(roles_.begin() + occupation.begin, roles_.begin() + occupation.end,
              [](const AreaRole& a, const AreaRole& b) {
                return a.signature_id != b.signature_id ? a.signature_id < b.signature_id
                                                        : a.id < b.id;
              });
    for (uint32_t k = occupation.begin; k < occupation.end;) {
      AreaGroup group;
      group.begin = k;
      group.signature_id = roles_[k].signature_id;
      group.entry_rqf = index.role(roles_[k].id).entry_rqf;
      group.first_name_hash = std::numeric_limits<uint64_t>::max();
      for (; k < occupation.end && roles_[k].signature_id == roles_[group.begin].signature_id;
           ++k) {
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
  // Full time takes roles of any mode, as no mode does (ModeFits).
  const common::v1::StudyMode mode = limits.mode == common::v1::STUDY_MODE_FULL_TIME
                                         ? common::v1::STUDY_MODE_UNSPECIFIED
                                         : limits.mode;
  Key key{query.index().role_generation(),
          query.person().home_outcode,
          limits.max_travel_km,
          limits.horizon,
          mode,
          limits.emerging_only,
          limits.apprenticeship_only,
          limits.isco_prefixes,
          limits.today};
  std::shared_ptr<const Area> area;
  std::shared_ptr<const Observer> observer;
  Stats now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    observer = observer_;
    if (auto it = entries_.find(key); it != entries_.end()) {
      ++hits_;
      it->second.used = ++tick_;
      area = it->second.area;
      now = StatsLocked();
    } else {
      ++misses_;
    }
  }
  if (area != nullptr) {
    if (observer != nullptr) (*observer)(true, now);
    return area;
  }
  area = std::make_shared<const Area>(query);
  const size_t bytes = area->bytes();
  {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t role_generation = key.role_generation;
    auto [it, added] = entries_.try_emplace(std::move(key), Entry{area, bytes, 0, &query.index()});
    it->second.used = ++tick_;
    if (added) {
      bytes_ += bytes;
      DropStaleLocked(&query.index(), role_generation);
      EvictLocked();
    }
    now = StatsLocked();
  }
  if (observer != nullptr) (*observer)(false, now);
  return area;
}

void AreaCache::DropStaleLocked(const MatchIndex* index, uint64_t role_generation) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.index == index && it->first.role_generation != role_generation) {
      bytes_ -= it->second.bytes;
      entries_.erase(it++);
    } else {
      ++it;
    }
  }
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
  return Stats{hits_, misses_, entries_.size(), bytes_};
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
