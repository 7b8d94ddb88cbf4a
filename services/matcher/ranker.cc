#include "services/matcher/ranker.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "services/matcher/api_support.h"
#include "services/matcher/area.h"

namespace pathways::matcher {
namespace {

// A bound on a role, or on a group of roles (the best of its roles).
struct Bound {
  double score;
  uint64_t name_hash;
  uint32_t item;  // Into Area::groups if `group`, else Area::roles.
  // Into Area::groups: the group, or the role's. A lone role's group has its
  // pay and site, so bounding it does not read the role from the index.
  uint32_t area_group;
  OccupationIndex occupation;
  // What the bound knows of the journey: 0 the occupation's common essential
  // skills; 1 the role's own, as anyone could learn them
  // (QueryContext::OptimisticReach); 2 the same with the hardest of them as
  // this person can; kExact all of them as this person can.
  uint8_t tier;
  bool group;
};

constexpr uint8_t kExact = 3;

// Best bound first; the order among equal bounds only changes the work.
bool BoundLess(const Bound& a, const Bound& b) {
  if (a.score != b.score) return a.score < b.score;
  if (a.name_hash != b.name_hash) return a.name_hash > b.name_hash;
  if (a.group != b.group) return a.group;
  return a.item > b.item;
}

struct OccupationBound {
  double score;
  OccupationIndex occupation;
  const AreaOccupation* area;
  bool refined;  // The bound includes the common essential skills' journey.
  // Bounds on time^wt * cost^wc (and with distance^wd) from the common
  // essential skills, once refined.
  double time_cost;
  double joint;
  double joint_near;
};

// An opened occupation's roles and groups still to look at: a heap in
// RankScratch::bounds[begin, end), with room up to `capacity` (one slot a
// role, so a group always has room to give way to its roles).
struct Stream {
  double score;  // The best bound, bounds[begin].
  uint32_t begin;
  uint32_t end;
  uint32_t capacity;
};

// Bounds on time^wt * cost^wc (and with distance^wd) for a set of essential
// skills, from the soonest they can all be held, the least they cost and the
// worst of their best trade-offs.
struct Journey {
  Day ready = 0;
  int64_t cost = 0;
  double time_cost = 1;   // time^wt * cost^wc from `ready` and `cost`.
  double joint = 1;       // The worst skill's best trade-off of time and cost.
  double joint_near = 1;  // The same with the course's distance.
  // The skill that looks hardest to anyone (the worst trade-off of time and
  // cost without entry skills to meet first, then the worst trade-off);
  // level 0: none, the person holds them all.
  SkillKey hardest = 0;
  uint8_t hardest_level = 0;

  // The bound on time^wt * cost^wc * distance^wd for a site whose
  // distance^wd is `site`.
  double With(double site) const { return std::min(std::min(time_cost, joint) * site, joint_near); }
};

// What screening reads of an essential signature, which every query does
// for a thousand or so: one cache line, in an array of its own so that the
// lines stay few and warm.
struct alignas(64) SignatureScreen {
  // The query that filled in the optimistic journey, and whether every
  // essential skill can be learnt by anyone. Its hardest skill is the first
  // looked at as this person can.
  uint32_t stamp = 0;
  bool reachable = false;
  bool is_free = false;  // The optimistic journey is `free`, else SignatureInfo::screen.
  // The optimistic journey for someone holding none of the essential
  // skills, valid while RankScratch::free_epoch is `free_epoch` and the
  // signature's MatchIndex::signature_offer_count is `free_offers`: it
  // depends on what the courses teaching its skills offer, the start date,
  // the limits on weeks and cost and the time and cost weights, not on the
  // person, so queries share it.
  bool free_reachable = false;
  uint32_t free_epoch = 0;
  uint32_t free_offers = 0;
  Journey free;
};
static_assert(sizeof(SignatureScreen) == 64, "one cache line");

// The rest of what roles with one essential signature share in a query.
struct SignatureInfo {
  Journey screen;  // The optimistic journey for a person holding one of the skills.
  // The query that bounded the journey with the hardest skill as this
  // person can (the others as anyone could), and that bound.
  uint32_t hard_stamp = 0;
  bool hard_reachable = false;
  Journey hard;
  uint32_t stamp = 0;  // The query that filled in the rest.
  bool reachable = false;
  Journey exact;            // Every essential skill as this person can.
  int32_t plan = -1;        // A feasible plan in RankScratch::plans for reuse.
  bool infeasible = false;  // Planning failed for a role with it.
};

// What the person-free bounds in RankScratch depend on besides what the
// courses offer and the signatures and occupations they are of: what
// optimistic reach does, the index (the counts they are checked against
// are its own) and the limits on weeks and cost.
struct FreeScreenKey {
  QueryScratch::OptimisticKey optimistic;
  uint64_t index = 0;  // MatchIndex::identity.
  std::optional<int> max_weeks;
  std::optional<int64_t> max_cost_pence;
  bool operator==(const FreeScreenKey&) const = default;
};

// Buffers reused by every ranking on a thread.
struct RankScratch {
  QueryScratch query;
  ScorerScratch scorer;
  PlannerScratch planner;
  uint32_t stamp = 0;
  FreeScreenKey free_key;
  uint32_t free_epoch = 0;
  std::vector<OccupationBound> occupations;
  std::vector<Bound> bounds;
  std::vector<Stream> streams;            // A heap.
  std::vector<SignatureScreen> screens;   // By signature id.
  std::vector<SignatureInfo> signatures;  // By signature id.
  // By signature id: `stamp` when the person holds one of its essential
  // skills.
  std::vector<uint32_t> holds;
  std::vector<double> site;  // By place: distance^wd to the site.
  // By occupation: the optimistic journey of its common essential skills
  // for someone holding none of them, valid while `free_epoch`, the course
  // generation and the occupation's roles are (it is quick to work out
  // again from the skills' optimistic reach, which a course change mostly
  // leaves).
  struct CommonJourney {
    uint32_t free_epoch = 0;
    uint64_t course_generation = 0;
    uint32_t occupation_changes = 0;
    bool reachable = false;
    Journey journey;
  };
  std::vector<CommonJourney> common;
  // By occupation of the area: its demand and interest fit, each raised to
  // its weight, times kBoundSlack; what every bound on its roles starts from.
  std::vector<double> occupation_part;
  // Feasible plans of the ranking, the first plan_count; the rest keep
  // their buffers for the next.
  std::vector<Plan> plans;
  size_t plan_count = 0;
};

RankScratch& ThreadScratch() {
  thread_local RankScratch scratch;
  return scratch;
}

// Gives the max-heap [first, first + n) the new top `value` and restores
// it: one pass down, where popping the top and pushing `value` take two.
template <typename T, typename Less>
void ReplaceTop(T* first, size_t n, T value, Less less) {
  size_t at = 0;
  while (true) {
    size_t child = 2 * at + 1;
    if (child >= n) break;
    if (child + 1 < n && less(first[child], first[child + 1])) ++child;
    if (!less(value, first[child])) break;
    first[at] = first[child];
    at = child;
  }
  first[at] = value;
}

bool Before(const MatchIndex& index, double score_a, RoleId a, double score_b, RoleId b) {
  if (score_a != score_b) return score_a > score_b;
  return index.role(a).name < index.role(b).name;
}

double Pow(double value, double weight) { return QueryContext::Weighted(value, weight); }

// Bounds multiply the score's components in another order than the score
// does, so rounding can leave a bound a hair below the score it bounds; they
// are raised by more than that, so that a role tied with the K-th pathway
// (roles of one occupation with the same skills, pay and journey tie often)
// is still looked at, and the tie goes to the name as it should.
constexpr double kBoundSlack = 1 + 1e-9;

}  // namespace

std::vector<RankedPathway> RankRoles(const QueryContext& query, Scorer& scorer, int top_k,
                                     int max_per_occupation, RankStats* stats) {
  const MatchIndex& index = query.index();
  const Person& person = query.person();
  const Limits& limits = query.limits();
  const Policy& policy = query.policy();
  RankStats local;
  RankStats& st = stats != nullptr ? *stats : local;
  st = RankStats{};
  RankScratch& rs = ThreadScratch();

  // 1. The roles within reach the filters allow, grouped by occupation and
  // signature, and the demand of every occupation within reach: the home's
  // area, shared with other queries from there.
  const std::shared_ptr<const Area> area_ptr = SharedAreaCache().Get(query);
  const Area& area = *area_ptr;
  const std::span<const AreaRole> roles = area.roles();
  const std::span<const AreaGroup> groups = area.groups();
  for (const auto& [occupation, counts] : area.demand()) scorer.CountOccupation(occupation, counts);
  rs.site.assign(index.place_count(), 0);
  for (PlaceId p = 0; p < index.place_count(); ++p) {
    if (query.PlaceInReach(p)) {
      rs.site[p] = Pow(query.DistanceValue(query.PlaceKm(p)), policy.distance_weight);
    }
  }
  st.roles_in_reach = roles.size();

  // Adds a skill to learn to `level`: false when it cannot be.
  auto add_skill = [&](const SkillReach& reach, int level, Journey* j) {
    const int l = level - 1;
    if (reach.max_level < level || reach.ready[l] == kNoDay) return false;
    j->ready = std::max(j->ready, reach.ready[l]);
    j->cost = std::max(j->cost, reach.cost[l]);
    j->joint = std::min(j->joint, reach.joint[l]);
    j->joint_near = std::min(j->joint_near, reach.joint_near[l]);
    return true;
  };
  // Fills time_cost: false when the journey breaks the limits on weeks or cost.
  auto finish = [&](Journey* j) {
    const int weeks = query.WeeksFromStart(j->ready);
    if ((limits.max_weeks.has_value() && weeks > *limits.max_weeks) ||
        (limits.max_cost_pence.has_value() && j->cost > *limits.max_cost_pence)) {
      return false;
    }
    j->time_cost = Pow(query.TimeValue(weeks), policy.time_weight) *
                   Pow(query.CostValue(j->cost), policy.cost_weight);
    return true;
  };
  // With `optimistic`, the bounds are what anyone could do
  // (QueryContext::OptimisticReach): cheaper, looser.
  auto journey_of = [&](std::span<const RequiredSkillEntry> essentials, bool optimistic,
                        Journey* out) {
    Journey j;
    j.ready = limits.earliest_start;
    // The hardest skill: the worst trade-off without entry skills to meet
    // first, then the worst trade-off.
    std::pair<double, double> worst(2, 2);
    for (const RequiredSkillEntry& e : essentials) {
      if (person.skills.LevelOfKey(e.key) >= e.level) continue;
      const SkillReach& reach = optimistic ? query.OptimisticReach(e.key) : query.Reach(e.key);
      if (!add_skill(reach, e.level, &j)) return false;
      const std::pair<double, double> hardness(reach.unchained[e.level - 1],
                                               reach.joint[e.level - 1]);
      if (hardness < worst) {
        worst = hardness;
        j.hardest = e.key;
        j.hardest_level = e.level;
      }
    }
    if (!finish(&j)) return false;
    *out = j;
    return true;
  };

  rs.occupations.clear();
  if (rs.occupation_part.size() < index.taxonomy().occupation_count()) {
    rs.occupation_part.resize(index.taxonomy().occupation_count());
    rs.common.resize(index.taxonomy().occupation_count());
  }
  for (const AreaOccupation& o : area.occupations()) {
    const double part =
        kBoundSlack *
        Pow(scorer.DemandValue(scorer.OccupationOpenings(o.occupation)), policy.demand_weight) *
        Pow(scorer.Interest(o.occupation).value, policy.interest_weight);
    rs.occupation_part[o.occupation] = part;
    const double bound =
        part * Pow(scorer.PayValue(o.best_pay), policy.pay_weight) * rs.site[o.nearest];
    rs.occupations.push_back(OccupationBound{bound, o.occupation, &o, false, 1, 1, 1});
  }
  // A heap: an occupation's bound is first its demand, pay, interest and
  // best site; the first time it comes up it is refined with the journey of
  // the essential skills all its roles share, and put back.
  auto occupation_less = [](const OccupationBound& a, const OccupationBound& b) {
    if (a.score != b.score) return a.score < b.score;
    return a.occupation > b.occupation;
  };
  std::make_heap(rs.occupations.begin(), rs.occupations.end(), occupation_less);

  // Feasible pathways found, best first: plans[plan] is the role's own plan,
  // or (when `reused`) the plan of another role with its signature.
  struct Found {
    double score;
    RoleId role;
    OccupationIndex occupation;
    int32_t plan;
    bool reused;
    ScoredPathway scored;
  };
  // The diverse top K so far, best first: at most max_per_occupation
  // pathways of an occupation. A pathway that falls out of it never comes
  // back (a later one only pushes it further down), so it is dropped.
  std::vector<Found> results;
  std::vector<std::pair<OccupationIndex, int>> per_occupation;
  auto count_for = [&](OccupationIndex occupation) -> int& {
    for (auto& [o, n] : per_occupation) {
      if (o == occupation) return n;
    }
    per_occupation.emplace_back(occupation, 0);
    return per_occupation.back().second;
  };
  // By occupation: how many feasible pathways were found, and the best
  // max_per_occupation of them as (score, role), best first.
  struct Tally {
    int found = 0;
    std::vector<std::pair<double, RoleId>> best;
  };
  absl::flat_hash_map<OccupationIndex, Tally> tallies;
  auto threshold = [&] {
    return static_cast<int>(results.size()) == top_k ? results.back().score : -1.0;
  };

  // What one essential signature allows: reachability and journey bounds.
  // Entries of earlier queries are recognised by their stamp rather than
  // cleared, so the table is not rebuilt every query.
  if (++rs.stamp == 0) {
    rs.signatures.clear();
    rs.screens.clear();
    rs.holds.clear();
    rs.stamp = 1;
  }
  if (rs.signatures.size() < index.signature_slots()) {
    rs.signatures.resize(index.signature_slots());
    rs.screens.resize(index.signature_slots());
  }
  if (rs.holds.size() < index.signature_slots()) rs.holds.resize(index.signature_slots(), 0);
  // The signatures needing a skill the person holds, marked from the
  // person's few skills rather than by reading every role's.
  for (const HeldSkill& held : person.skills.skills()) {
    if (held.level == 0) continue;
    for (uint32_t id : index.SignaturesRequiring(held.skill)) rs.holds[id] = rs.stamp;
  }
  for (const HeldEmerging& held : person.skills.emerging()) {
    const std::optional<uint32_t> emerging = index.FindEmerging(held.group, held.label);
    if (held.level == 0 || !emerging.has_value()) continue;
    for (uint32_t id : index.SignaturesRequiring(EmergingKey(*emerging))) rs.holds[id] = rs.stamp;
  }
  const FreeScreenKey free_key{query.optimistic_key(), index.identity(), limits.max_weeks,
                               limits.max_cost_pence};
  if (rs.free_epoch == 0 || !(free_key == rs.free_key)) {
    rs.free_key = free_key;
    if (++rs.free_epoch == 0) {
      for (SignatureScreen& screen : rs.screens) screen.free_epoch = 0;
      for (RankScratch::CommonJourney& common : rs.common) common.free_epoch = 0;
      rs.free_epoch = 1;
    }
  }
  // A group's roles: any one of them, for its essential skills.
  auto essentials_of = [&](const AreaGroup& group) {
    return index.role(roles[group.begin].id).essentials();
  };
  // The optimistic journey of a group's essential skills; null when one of
  // them cannot be learnt.
  auto screen_of = [&](const AreaGroup& group) -> const Journey* {
    SignatureScreen& screen = rs.screens[group.signature_id];
    if (screen.stamp != rs.stamp) {
      screen.stamp = rs.stamp;
      screen.is_free = rs.holds[group.signature_id] != rs.stamp;
      if (!screen.is_free) {
        Journey& own = rs.signatures[group.signature_id].screen;
        own = Journey{};
        screen.reachable = journey_of(essentials_of(group), /*optimistic=*/true, &own);
      } else {
        // Holding none of them, the person is anyone: the shared bounds
        // apply.
        const uint32_t offers = index.signature_offer_count(group.signature_id);
        if (screen.free_epoch != rs.free_epoch || screen.free_offers != offers) {
          screen.free_epoch = rs.free_epoch;
          screen.free_offers = offers;
          screen.free = Journey{};
          screen.free_reachable =
              journey_of(essentials_of(group), /*optimistic=*/true, &screen.free);
        }
        screen.reachable = screen.free_reachable;
      }
    }
    if (!screen.reachable) return nullptr;
    return screen.is_free ? &screen.free : &rs.signatures[group.signature_id].screen;
  };
  // The optimistic bound with the hardest skill as this person can learn it.
  auto hard_of = [&](const AreaGroup& group) -> SignatureInfo& {
    SignatureInfo& info = rs.signatures[group.signature_id];
    if (info.hard_stamp == rs.stamp) return info;
    info.hard_stamp = rs.stamp;
    info.hard_reachable = false;
    if (group.entry_rqf > person.rqf && !query.QualificationReachable(group.entry_rqf)) {
      return info;
    }
    const Journey* screened = screen_of(group);
    if (screened == nullptr) return info;
    // Optimistic reach is never worse than this person's, so the others'
    // optimistic bounds still bound.
    Journey journey = *screened;
    if (journey.hardest_level > 0 &&
        !add_skill(query.Reach(journey.hardest), journey.hardest_level, &journey)) {
      return info;
    }
    if (!finish(&journey)) return info;
    info.hard_reachable = true;
    info.hard = journey;
    return info;
  };
  auto signature_of = [&](const AreaGroup& group) -> SignatureInfo& {
    SignatureInfo& info = rs.signatures[group.signature_id];
    if (info.stamp == rs.stamp) return info;
    info.stamp = rs.stamp;
    info.reachable = false;
    info.plan = -1;
    info.infeasible = false;
    if (group.entry_rqf > person.rqf && !query.QualificationReachable(group.entry_rqf)) {
      return info;
    }
    if (!journey_of(essentials_of(group), /*optimistic=*/false, &info.exact)) return info;
    info.reachable = true;
    return info;
  };

  // Opens an occupation: bounds its roles and adds them as a stream.
  rs.bounds.clear();
  rs.streams.clear();
  auto stream_less = [](const Stream& a, const Stream& b) { return a.score < b.score; };
  // Every bound is of an occupation in the area, whose part is set above.
  auto occupation_part = [&](OccupationIndex occupation) { return rs.occupation_part[occupation]; };
  // Opening bounds the occupation's roles with its common journey, cheaply:
  // roles sharing an essential signature share their journey too, so they
  // are bounded as one group (best pay, nearest site) until that journey is
  // known for this person, and only then one by one.
  auto open = [&](const OccupationBound& occupation) {
    const double part = occupation_part(occupation.occupation);
    const double time_cost = std::min(occupation.time_cost, occupation.joint);
    const double bar = threshold();
    const AreaOccupation& o = *occupation.area;
    const uint32_t begin = static_cast<uint32_t>(rs.bounds.size());
    for (uint32_t g = o.groups_begin; g < o.groups_end; ++g) {
      const AreaGroup& group = groups[g];
      const double journey = std::min(time_cost * rs.site[group.nearest], occupation.joint_near);
      if (part * journey < bar) continue;  // Pay is at most 1.
      const double bound = part * Pow(scorer.PayValue(group.best_pay), policy.pay_weight) * journey;
      if (bound < bar) continue;
      const bool several = group.end - group.begin > 1;
      rs.bounds.push_back(Bound{bound, group.first_name_hash, several ? g : group.begin, g,
                                occupation.occupation, 0, several});
    }
    const uint32_t end = static_cast<uint32_t>(rs.bounds.size());
    if (begin == end) return;
    std::make_heap(rs.bounds.begin() + begin, rs.bounds.end(), BoundLess);
    const uint32_t capacity = begin + (o.end - o.begin);
    rs.bounds.resize(capacity);
    rs.streams.push_back(Stream{rs.bounds[begin].score, begin, end, capacity});
    std::push_heap(rs.streams.begin(), rs.streams.end(), stream_less);
  };
  // A bound with the essential skills of the role (or group), first as
  // anyone could learn them, then as this person can: time^wt * cost^wc *
  // distance^wd bounded three ways -- the separate bounds on weeks and cost
  // with the site's distance; the hardest skill's best trade-off of time and
  // cost with the site's distance; and that trade-off with the course's own
  // distance. Negative when the roles cannot be reached.
  auto refine = [&](const Bound& bound) {
    const AreaGroup& group = groups[bound.area_group];
    const double site = rs.site[group.nearest];
    const int64_t pay = group.best_pay;
    double journey;
    if (bound.tier == 0) {
      const Journey* screened = screen_of(group);
      if (screened == nullptr) return -1.0;
      ++st.groups_screened;
      journey = screened->With(site);
    } else if (bound.tier == 1) {
      const SignatureInfo& info = hard_of(group);
      if (!info.hard_reachable) return -1.0;
      journey = info.hard.With(site);
    } else {
      const SignatureInfo& info = signature_of(group);
      if (!info.reachable) return -1.0;
      ++st.groups_bounded;
      journey = info.exact.With(site);
    }
    return std::min(bound.score, occupation_part(bound.occupation) *
                                     Pow(scorer.PayValue(pay), policy.pay_weight) * journey);
  };
  // A group whose bound is exact gives way to its roles, each bounded with
  // its own pay and site.
  auto expand = [&](const Bound& bound, Stream& stream) {
    const AreaGroup& group = groups[bound.item];
    const SignatureInfo& info = rs.signatures[group.signature_id];
    const double part = occupation_part(bound.occupation);
    const double bar = threshold();
    for (uint32_t k = group.begin; k < group.end; ++k) {
      const AreaRole& role = roles[k];
      const RoleEntry& entry = index.role(role.id);
      const double journey = info.exact.With(rs.site[role.site]);
      const double score =
          part * Pow(scorer.PayValue(entry.annual_pay_pence), policy.pay_weight) * journey;
      if (score < bar) continue;
      rs.bounds[stream.end++] =
          Bound{score, entry.name_hash, k, bound.area_group, bound.occupation, kExact, false};
      std::push_heap(rs.bounds.begin() + stream.begin, rs.bounds.begin() + stream.end, BoundLess);
    }
  };

  Planner planner(query, &rs.planner);
  // Every feasible plan made, planned in place: an infeasible one's slot
  // is planned over by the next role.
  std::vector<Plan>& plans = rs.plans;
  rs.plan_count = 0;
  // Streams of occupations that already have max_per_occupation pathways:
  // their roles can only displace those, so they wait until the other
  // occupations have set the bar (the order changes the work, not the
  // answer: everything left is checked against the bar at the end).
  std::vector<Stream> deferred;
  bool draining = false;
  auto add_result = [&](const RoleEntry& role, RoleId id, int32_t plan_index, bool reused) {
    ScoredPathway scored = scorer.Score(role, plans[plan_index]);
    Tally& tally = tallies[role.occupation];
    ++tally.found;
    const std::pair<double, RoleId> mine(scored.score, id);
    tally.best.insert(std::upper_bound(tally.best.begin(), tally.best.end(), mine,
                                       [&](const auto& v, const auto& r) {
                                         return Before(index, v.first, v.second, r.first, r.second);
                                       }),
                      mine);
    if (static_cast<int>(tally.best.size()) > max_per_occupation) tally.best.pop_back();
    Found found{scored.score, id, role.occupation, plan_index, reused, scored};
    auto at = std::upper_bound(results.begin(), results.end(), found,
                               [&](const Found& v, const Found& r) {
                                 return Before(index, v.score, v.role, r.score, r.role);
                               });
    results.insert(at, std::move(found));
    per_occupation.clear();
    size_t kept = 0;
    for (size_t i = 0; i < results.size() && static_cast<int>(kept) < top_k; ++i) {
      int& n = count_for(results[i].occupation);
      if (n >= max_per_occupation) continue;
      ++n;
      if (kept != i) results[kept] = std::move(results[i]);
      ++kept;
    }
    results.resize(kept);
  };
  while (true) {
    const double occupation_bound =
        !draining && !rs.occupations.empty() ? rs.occupations.front().score : -1.0;
    const double role_bound = rs.streams.empty() ? -1.0 : rs.streams.front().score;
    const double bar = threshold();
    if ((occupation_bound < bar && role_bound < bar) || (occupation_bound < 0 && role_bound < 0)) {
      if (draining || deferred.empty()) break;
      // Go back to the deferred streams, best first.
      draining = true;
      for (const Stream& d : deferred) rs.streams.push_back(d);
      std::make_heap(rs.streams.begin(), rs.streams.end(), stream_less);
      deferred.clear();
      continue;
    }
    if (occupation_bound > role_bound) {
      std::pop_heap(rs.occupations.begin(), rs.occupations.end(), occupation_less);
      OccupationBound& next = rs.occupations.back();
      if (next.refined) {
        open(next);
        rs.occupations.pop_back();
        continue;
      }
      // Every role of the occupation needs its common essential skills.
      // Every signature needs them too, so when the person holds no skill
      // one of its signatures needs, they hold none of them, and the bound
      // is anyone's.
      Journey journey;
      bool reachable;
      if (rs.holds[groups[next.area->groups_begin].signature_id] == rs.stamp) {
        reachable =
            journey_of(index.CommonEssentials(next.occupation), /*optimistic=*/true, &journey);
      } else {
        RankScratch::CommonJourney& common = rs.common[next.occupation];
        const uint32_t changes = index.occupation_change_count(next.occupation);
        if (common.free_epoch != rs.free_epoch ||
            common.course_generation != index.course_generation() ||
            common.occupation_changes != changes) {
          common.free_epoch = rs.free_epoch;
          common.course_generation = index.course_generation();
          common.occupation_changes = changes;
          common.journey = Journey{};
          common.reachable = journey_of(index.CommonEssentials(next.occupation),
                                        /*optimistic=*/true, &common.journey);
        }
        reachable = common.reachable;
        journey = common.journey;
      }
      if (!reachable) {
        rs.occupations.pop_back();
        continue;
      }
      next.score *= std::min(std::min(journey.time_cost, journey.joint),
                             journey.joint_near / std::max(rs.site[next.area->nearest], 1e-9));
      next.refined = true;
      next.time_cost = journey.time_cost;
      next.joint = journey.joint;
      next.joint_near = journey.joint_near;
      std::push_heap(rs.occupations.begin(), rs.occupations.end(), occupation_less);
      continue;
    }
    Stream& stream = rs.streams.front();
    auto drop_stream = [&] {
      std::pop_heap(rs.streams.begin(), rs.streams.end(), stream_less);
      rs.streams.pop_back();
    };
    const Bound top = rs.bounds[stream.begin];
    const OccupationIndex occupation = top.occupation;
    // Once the occupation has max_per_occupation pathways scoring above this
    // bound, none of its remaining roles can be chosen.
    const Tally* tally = nullptr;
    if (auto it = tallies.find(occupation); it != tallies.end()) tally = &it->second;
    const int in_occupation = tally == nullptr ? 0 : tally->found;
    const bool occupation_full =
        tally != nullptr && static_cast<int>(tally->best.size()) >= max_per_occupation;
    if (occupation_full && tally->best.back().first > top.score) {
      drop_stream();
      continue;
    }
    if (!draining && in_occupation >= max_per_occupation) {
      deferred.push_back(stream);
      drop_stream();
      continue;
    }
    // Refine the top role in place, or take it off the stream.
    Bound* heap = rs.bounds.data() + stream.begin;
    bool refined_in_place = false;
    if (top.tier < kExact) {
      const double refined = refine(top);
      if (refined >= bar) {
        Bound next = top;
        next.score = refined;
        ++next.tier;
        ReplaceTop(heap, stream.end - stream.begin, next, BoundLess);
        refined_in_place = true;
      }
    }
    if (!refined_in_place) {
      std::pop_heap(heap, heap + (stream.end - stream.begin), BoundLess);
      --stream.end;
      if (top.tier == kExact && top.group) expand(top, stream);
    }
    if (stream.end == stream.begin) {
      drop_stream();
    } else {
      Stream next = stream;
      next.score = rs.bounds[stream.begin].score;
      ReplaceTop(rs.streams.data(), rs.streams.size(), next, stream_less);
    }
    if (top.tier < kExact || top.group) continue;
    const RoleId role_id = roles[top.item].id;
    // The role scores at most its bound, so on a tie with the K-th pathway,
    // or with the last its occupation may have, it comes after when its
    // name does.
    if (static_cast<int>(results.size()) == top_k &&
        !Before(index, top.score, role_id, results.back().score, results.back().role)) {
      continue;
    }
    if (occupation_full &&
        !Before(index, top.score, role_id, tally->best.back().first, tally->best.back().second)) {
      continue;
    }
    const RoleEntry& role = index.role(role_id);

    // A role whose signature has a plan reuses it when its coverage is sure
    // to be enough whatever its optional skills: the essential skills alone
    // reach min_coverage. Its exact score is then known without planning
    // (and if planning failed for the signature, it fails for the role).
    SignatureInfo& info = rs.signatures[role.signature_id];
    const double essential_share = policy.essential_weight * role.essential_count /
                                   (policy.essential_weight * role.essential_count +
                                    static_cast<double>(role.skills.size() - role.essential_count));
    const bool shareable = essential_share >= policy.min_coverage - 1e-9;
    if ((info.plan >= 0 || info.infeasible) && shareable) {
      if (info.infeasible) continue;
      ++st.roles_reused;
      ++st.roles_feasible;
      add_result(role, role_id, info.plan, true);
      continue;
    }
    ++st.roles_planned;
    if (occupation_full) ++st.roles_planned_occupation_full;
    if (rs.plan_count == plans.size()) plans.emplace_back();
    Plan& plan = plans[rs.plan_count];
    planner.PlanRole(role_id, &plan);
    if (!plan.feasible) {
      if (shareable && info.plan < 0 && !info.infeasible) {
        info.infeasible = true;
      }
      continue;
    }
    ++st.roles_feasible;
    const auto plan_index = static_cast<int32_t>(rs.plan_count++);
    // Only a plan that needed no steps for coverage is shared: then the
    // steps depend on the essential skills alone.
    if (info.plan < 0 && !info.infeasible && shareable) {
      info.plan = plan_index;
    }
    add_result(role, role_id, plan_index, false);
  }
  std::vector<RankedPathway> top;
  top.reserve(results.size());
  for (const Found& found : results) {
    RankedPathway ranked;
    ranked.scored = found.scored;
    // Plans are copied, not moved: a later result may reuse the same one.
    if (!found.reused) {
      ranked.plan = plans[found.plan];
    } else if (!planner.ReusePlan(found.role, plans[found.plan], &ranked.plan)) {
      // Cannot happen: reuse was only chosen when it was sure to work.
      planner.PlanRole(found.role, &ranked.plan);
      if (!ranked.plan.feasible) continue;
      ranked.scored = scorer.Score(index.role(found.role), ranked.plan);
    }
    top.push_back(std::move(ranked));
  }
  return top;
}

absl::Status RankPathways(const MatchIndex& index, const Policy& base,
                          const v1::RankPathwaysRequest& request,
                          const profiles::v1::Profile& profile, Day today,
                          v1::RankPathwaysResponse* response, RankStats* stats) {
  absl::StatusOr<int> top_k = CountOrDefault("top_k", request.top_k(), 10, 50);
  if (!top_k.ok()) return top_k.status();
  absl::StatusOr<int> max_steps = CountOrDefault("max_steps", request.max_steps(), 3, kMaxSteps);
  if (!max_steps.ok()) return max_steps.status();
  absl::StatusOr<int> per_occupation =
      CountOrDefault("max_per_occupation", request.max_per_occupation(), 2, 50);
  if (!per_occupation.ok()) return per_occupation.status();
  absl::StatusOr<int> page_size = CountOrDefault("page_size", request.page_size(), *top_k, 50);
  if (!page_size.ok()) return page_size.status();
  absl::StatusOr<int> offset = PageOffset(request);
  if (!offset.ok()) return offset.status();
  absl::StatusOr<ResolvedQuery> resolved = ResolveQuery(
      index, base, profile, request.has_inline_profile() ? "inline_profile" : "profile",
      request.filters(), request.weights(), today);
  if (!resolved.ok()) return resolved.status();
  resolved->limits.max_steps = *max_steps;

  QueryContext query(index, resolved->person, resolved->limits, resolved->policy,
                     &ThreadScratch().query);
  Scorer scorer(query, &ThreadScratch().scorer);  // RankRoles counts demand.
  std::vector<RankedPathway> ranked = RankRoles(query, scorer, *top_k, *per_occupation, stats);

  response->Clear();
  const int end = std::min<int>(static_cast<int>(ranked.size()), *offset + *page_size);
  for (int i = *offset; i < end; ++i) {
    v1::Pathway* pathway = response->add_pathways();
    scorer.FillPathway(ranked[i].plan, ranked[i].scored, pathway);
    pathway->set_rank(i + 1);
  }
  if (end < static_cast<int>(ranked.size())) {
    response->set_next_page_token(NextPageToken(request, end));
  }
  FillIndexRevision(index, response->mutable_index_revision());
  ToWeights(resolved->policy, response->mutable_effective_weights());
  return absl::OkStatus();
}

}  // namespace pathways::matcher
