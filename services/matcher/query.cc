#include "services/matcher/query.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/taxonomy/absl_compat.h"

namespace pathways::matcher {
namespace {

using taxonomy::internal::StrCat;

absl::Status Invalid(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(StrCat(field, " ", what));
}

constexpr std::string_view kIscoMarker = "/esco/isco/";
constexpr int kMaxEarliestStartDays = 731;

// Parses "C25" or "25" (1..4 digits) into (25, 2).
std::optional<std::pair<int, int>> ParseIsco(std::string_view text) {
  if (!text.empty() && (text[0] == 'C' || text[0] == 'c')) text.remove_prefix(1);
  if (text.empty() || text.size() > 4) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return std::pair<int, int>(value, static_cast<int>(text.size()));
}

int WeeksBetween(Day from, Day to) { return (to - from + 6) / 7; }

}  // namespace

bool ModeFits(common::v1::StudyMode wanted, common::v1::StudyMode offered) {
  using common::v1::StudyMode;
  if (wanted == common::v1::STUDY_MODE_UNSPECIFIED || wanted == common::v1::STUDY_MODE_FULL_TIME ||
      offered == common::v1::STUDY_MODE_UNSPECIFIED) {
    return true;
  }
  if (wanted == common::v1::STUDY_MODE_PART_TIME) {
    return offered == common::v1::STUDY_MODE_PART_TIME ||
           offered == common::v1::STUDY_MODE_FLEXIBLE;
  }
  return offered == common::v1::STUDY_MODE_FLEXIBLE;
}

bool IscoMatches(int isco, std::span<const std::pair<int, int>> prefixes) {
  if (prefixes.empty()) return true;
  for (const auto& [code, digits] : prefixes) {
    int divisor = 1;
    for (int i = digits; i < 4; ++i) divisor *= 10;
    if (isco / divisor == code) return true;
  }
  return false;
}

absl::StatusOr<Person> ResolvePerson(const MatchIndex& index, const profiles::v1::Profile& profile,
                                     std::string_view field) {
  const taxonomy::Taxonomy& tax = index.taxonomy();
  std::vector<HeldSkill> skills;
  std::vector<HeldEmerging> emerging;
  for (int i = 0; i < profile.skills_size(); ++i) {
    const profiles::v1::ProfileSkill& held = profile.skills(i);
    std::string item = StrCat(field, ".skills[", i, "]");
    int level = held.skill().level();
    if (level < 1 || level > 4) return Invalid(StrCat(item, ".skill.level"), "must be 1..4");
    if (!held.skill().skill().empty()) {
      std::optional<SkillIndex> skill = tax.FindSkill(held.skill().skill());
      if (!skill.has_value()) return Invalid(StrCat(item, ".skill.skill"), "is not an ESCO skill");
      skills.push_back(HeldSkill{*skill, static_cast<uint8_t>(level)});
    } else {
      std::optional<GroupIndex> group = tax.FindGroup(held.esco_group());
      if (!group.has_value()) {
        return Invalid(StrCat(item, ".esco_group"), "is not an ESCO skill group");
      }
      std::string folded = taxonomy::FoldLabel(held.emerging_label());
      if (folded.empty()) return Invalid(StrCat(item, ".emerging_label"), "is required");
      emerging.push_back(HeldEmerging{*group, held.emerging_label(), std::move(folded),
                                      static_cast<uint8_t>(level)});
    }
  }
  Person person(PersonSkills(index, std::move(skills), std::move(emerging)));
  if (!IsValidDate(profile.date_of_birth())) {
    return Invalid(StrCat(field, ".date_of_birth"), "is required and must be a valid date");
  }
  person.birth = profile.date_of_birth();
  for (int age = 0; age <= 120; ++age) person.turning_day[age] = DayTurningAge(person.birth, age);
  std::optional<taxonomy::OutcodeInfo> home = index.geography().Find(profile.home().outcode());
  if (!home.has_value()) {
    return Invalid(StrCat(field, ".home.outcode"), "is not a known GB outcode");
  }
  person.home_outcode = std::string(home->outcode);
  person.latitude = home->latitude;
  person.longitude = home->longitude;
  if (profile.highest_rqf_level() < 0 || profile.highest_rqf_level() > 8) {
    return Invalid(StrCat(field, ".highest_rqf_level"), "must be 0..8");
  }
  person.rqf = profile.highest_rqf_level();
  person.availability = profile.availability();
  if (profile.max_travel_km() < 0 || profile.max_travel_km() > 300) {
    return Invalid(StrCat(field, ".max_travel_km"), "must be 0..300");
  }
  person.max_travel_km = profile.max_travel_km();

  Interests& in = person.interests;
  const profiles::v1::Interests& given = profile.interests();
  for (int i = 0; i < given.occupations_size(); ++i) {
    std::string_view uri = given.occupations(i);
    if (size_t at = uri.find(kIscoMarker); at != std::string_view::npos) {
      std::optional<std::pair<int, int>> isco = ParseIsco(uri.substr(at + kIscoMarker.size()));
      if (!isco.has_value()) {
        return Invalid(StrCat(field, ".interests.occupations[", i, "]"),
                       "is not an ISCO-08 group URI");
      }
      in.isco_groups.push_back(*isco);
    } else if (std::optional<OccupationIndex> occupation = tax.FindOccupation(uri)) {
      in.occupations.push_back(*occupation);
    } else {
      return Invalid(StrCat(field, ".interests.occupations[", i, "]"),
                     "is not an ESCO occupation or ISCO group");
    }
  }
  for (int i = 0; i < given.skill_groups_size(); ++i) {
    if (std::optional<SkillIndex> skill = tax.FindSkill(given.skill_groups(i))) {
      in.skills.push_back(*skill);
    } else if (std::optional<GroupIndex> group = tax.FindGroup(given.skill_groups(i))) {
      in.groups.push_back(*group);
    } else {
      return Invalid(StrCat(field, ".interests.skill_groups[", i, "]"),
                     "is not an ESCO skill or skill group");
    }
  }
  for (const std::string& tag : given.tags()) {
    std::string folded = taxonomy::FoldLabel(tag);
    if (!folded.empty()) in.tags.push_back(std::move(folded));
  }
  std::sort(in.occupations.begin(), in.occupations.end());
  std::sort(in.skills.begin(), in.skills.end());
  std::sort(in.groups.begin(), in.groups.end());
  return person;
}

absl::StatusOr<Limits> ResolveLimits(const v1::PathwayFilters& filters, const Person& person,
                                     const Policy& policy, Day today, std::string_view field) {
  Limits limits;
  limits.today = today;
  if (!demand::v1::Horizon_IsValid(filters.horizon())) {
    return Invalid(StrCat(field, ".horizon"), "is not a horizon");
  }
  limits.horizon = filters.horizon() == demand::v1::HORIZON_UNSPECIFIED
                       ? demand::v1::HORIZON_FIVE_YEARS
                       : filters.horizon();
  if (filters.has_max_travel_km()) {
    if (filters.max_travel_km() < 0 || filters.max_travel_km() > 300) {
      return Invalid(StrCat(field, ".max_travel_km"), "must be 0..300");
    }
    limits.max_travel_km = filters.max_travel_km();
  } else {
    limits.max_travel_km =
        person.max_travel_km > 0 ? person.max_travel_km : policy.default_max_travel_km;
  }
  if (filters.has_max_weeks()) {
    if (filters.max_weeks() < 0 || filters.max_weeks() > 520) {
      return Invalid(StrCat(field, ".max_weeks"), "must be 0..520");
    }
    limits.max_weeks = filters.max_weeks();
  }
  if (filters.has_max_cost_pence()) {
    if (filters.max_cost_pence() < 0 || filters.max_cost_pence() > 10'000'000) {
      return Invalid(StrCat(field, ".max_cost_pence"), "must be 0..10,000,000");
    }
    limits.max_cost_pence = filters.max_cost_pence();
  }
  if (!common::v1::StudyMode_IsValid(filters.study_mode())) {
    return Invalid(StrCat(field, ".study_mode"), "is not a study mode");
  }
  limits.mode = filters.study_mode() != common::v1::STUDY_MODE_UNSPECIFIED ? filters.study_mode()
                                                                           : person.availability;
  limits.emerging_only = filters.emerging_only();
  limits.apprenticeship_only = filters.apprenticeship_only();
  if (filters.occupation_groups_size() > 20) {
    return Invalid(StrCat(field, ".occupation_groups"), "must list at most 20 groups");
  }
  for (int i = 0; i < filters.occupation_groups_size(); ++i) {
    std::string_view code = filters.occupation_groups(i);
    std::optional<std::pair<int, int>> isco;
    if (!code.empty() && code[0] != 'C' && code[0] != 'c') isco = ParseIsco(code);
    if (!isco.has_value()) {
      return Invalid(StrCat(field, ".occupation_groups[", i, "]"), "must be 1..4 digits");
    }
    limits.isco_prefixes.push_back(*isco);
  }
  limits.earliest_start = today;
  if (filters.has_earliest_start()) {
    if (!IsValidDate(filters.earliest_start())) {
      return Invalid(StrCat(field, ".earliest_start"), "is not a valid date");
    }
    Day day = DayFromDate(filters.earliest_start());
    if (day > today + kMaxEarliestStartDays) {
      return Invalid(StrCat(field, ".earliest_start"), "must be at most two years ahead");
    }
    // A date in the past means as soon as possible.
    limits.earliest_start = std::max(day, today);
  }
  return limits;
}

CourseCost CostFor(const CourseEntry& course, const Person& person, Day start, int rqf_held) {
  using training::v1::Funding;
  if (course.cost_pence <= 0) return CourseCost{0, training::v1::FUNDING_UNSPECIFIED};
  const bool under_19 = !person.AgeAtLeast(19, start);
  if (under_19 && Offers(course.funding, training::v1::FUNDING_FREE_UNDER_19)) {
    return CourseCost{0, training::v1::FUNDING_FREE_UNDER_19};
  }
  if (!under_19 && rqf_held < 3 &&
      Offers(course.funding, training::v1::FUNDING_ADULT_SKILLS_FUND)) {
    return CourseCost{0, training::v1::FUNDING_ADULT_SKILLS_FUND};
  }
  if (Offers(course.funding, training::v1::FUNDING_EMPLOYER)) {
    return CourseCost{0, training::v1::FUNDING_EMPLOYER};
  }
  if (!under_19 && Offers(course.funding, training::v1::FUNDING_ADVANCED_LEARNER_LOAN)) {
    return CourseCost{course.cost_pence, training::v1::FUNDING_ADVANCED_LEARNER_LOAN};
  }
  return CourseCost{course.cost_pence, training::v1::FUNDING_UNSPECIFIED};
}

QueryContext::QueryContext(const MatchIndex& index, const Person& person, const Limits& limits,
                           const Policy& policy, QueryScratch* scratch)
    : index_(&index),
      person_(&person),
      limits_(&limits),
      policy_(&policy),
      depth_(std::clamp(limits.max_steps, 1, kMaxChain)) {
  if (scratch == nullptr) {
    owned_ = std::make_unique<QueryScratch>();
    scratch = owned_.get();
  }
  s_ = scratch;
  // Stamps make every per-course and per-skill cache empty without clearing
  // it; they are cleared for real only when the counter wraps.
  const size_t skills = index.taxonomy().skill_count();
  const size_t courses = index.course_slots();
  if (++s_->stamp == 0 || s_->reach_stamp.size() != skills) {
    s_->stamp = 1;
    s_->reach_stamp.assign(skills, 0);
    s_->reach.resize(skills);
    s_->candidate_stamp.assign(skills * 4, 0);
    s_->candidate_range.resize(skills * 4);
    s_->course_stamp.assign(courses, 0);
    s_->chain_stamp.assign(courses, 0);
    s_->entry_held.assign(courses, 0);
  }
  if (s_->course_stamp.size() < courses) {
    s_->course_stamp.resize(courses, 0);
    s_->chain_stamp.resize(courses, 0);
    s_->entry_held.resize(courses, 0);
  }
  for (const HeldSkill& held : person.skills.skills()) {
    if (held.level == 0) continue;
    for (CourseId id : index.CoursesNeedingEntry(held.skill)) s_->entry_held[id] = s_->stamp;
  }
  s_->courses.resize(std::max(s_->courses.size(), courses));
  s_->chain_known.resize(std::max(s_->chain_known.size(), courses));
  s_->chains.resize(std::max(s_->chains.size(), courses));
  s_->emerging_reach.clear();
  s_->entry_ways.clear();
  s_->other_candidates.clear();
  s_->taught_under.clear();
  s_->candidate_pool.clear();
  s_->qualification.fill(-1);

  const QueryScratch::OptimisticKey optimistic_key{limits.earliest_start, policy.time_weight,
                                                   policy.cost_weight, policy.time_half_weeks,
                                                   policy.cost_half_pence};
  if (!(s_->optimistic_key == optimistic_key) || s_->optimistic_generation.size() != skills) {
    s_->optimistic_key = optimistic_key;
    s_->optimistic_generation.assign(skills, 0);
    s_->optimistic.resize(skills);
    s_->optimistic_groups_generation = 0;
    s_->starts.assign(courses, QueryScratch::Starts{});
  }
  if (s_->starts.size() < courses) s_->starts.resize(courses);
  if (s_->optimistic_groups_generation != index.course_generation()) {
    s_->optimistic_groups_generation = index.course_generation();
    s_->optimistic_groups.clear();
  }

  s_->place_km.resize(index.place_count());
  for (PlaceId p = 0; p < index.place_count(); ++p) {
    const Place& place = index.place(p);
    s_->place_km[p] = place.outcode == person.home_outcode
                          ? 0.0
                          : taxonomy::Geography::DistanceKm(person.latitude, person.longitude,
                                                            place.latitude, place.longitude);
  }
}

void QueryContext::FillCourse(CourseId id) const {
  s_->course_stamp[id] = s_->stamp;
  CourseView& view = s_->courses[id];
  view = CourseView{};
  const CourseEntry& course = index_->course(id);
  const Limits& limits = *limits_;
  const Person& person = *person_;
  if (!course.live || course.places <= 0 || !ModeFits(limits.mode, course.study_mode)) return;
  view.travel_km = course.online || course.venue == kNoPlace
                       ? 0.0f
                       : static_cast<float>(s_->place_km[course.venue]);
  if (view.travel_km > limits.max_travel_km) return;
  const Day earliest = limits.earliest_start;
  QueryScratch::Starts& starts = s_->starts[id];
  if (starts.first == QueryScratch::kUnknownDay ||
      starts.offer_generation != course.offer_generation) {
    starts.first = StartOnOrAfter(course, earliest);
    starts.last = course.start_days.empty() ? kNoDay : course.start_days.back();
    starts.offer_generation = course.offer_generation;
  }
  view.first_start = course.min_age > 0 && OldEnoughFrom(course, person) > earliest
                         ? EarliestStart(course, person, earliest)
                         : starts.first;
  if (view.first_start == kNoDay) return;
  view.first_end = view.first_start + 7 * course.duration_weeks;
  if (limits.max_weeks.has_value() && WeeksBetween(earliest, view.first_end) > *limits.max_weeks) {
    return;
  }
  CourseCost first = CostFor(course, person, view.first_start, person.rqf);
  view.min_cost = first.pence;
  // Turning 19 can open the adult skills fund at a later start.
  if (view.min_cost > 0 && person.rqf < 3 &&
      Offers(course.funding, training::v1::FUNDING_ADULT_SKILLS_FUND) &&
      starts.last >= person.turning_day[19]) {
    view.min_cost = 0;
  }
  if (limits.max_cost_pence.has_value() && view.min_cost > *limits.max_cost_pence) return;
  view.entry_missing = static_cast<uint8_t>(course.entry.size());
  if (s_->entry_held[id] == s_->stamp) {
    view.entry_missing = 0;
    for (const TaughtSkill& entry : course.entry) {
      if (person.skills.LevelOf(entry.skill) < entry.level) ++view.entry_missing;
    }
  }
  view.usable = true;
  view.cover_cost =
      static_cast<float>(CoverCost(earliest, view.first_end, first.pence, view.travel_km));
}

void QueryScratch::Frontier::Add(Chain way) {
  if (Covers(way)) return;
  int kept = 0;
  for (int i = 0; i < size; ++i) {
    if (way.end <= points[i].end && way.cost <= points[i].cost) continue;
    points[kept++] = points[i];
  }
  int at = kept;
  while (at > 0 && points[at - 1].end > way.end) {
    points[at] = points[at - 1];
    --at;
  }
  points[at] = way;
  size = static_cast<uint8_t>(kept + 1);
  if (size <= kPoints) return;
  // Costs fall as ends rise: the merged point keeps the earlier end and
  // the later (lower) cost.
  int merge = 0;
  for (int i = 1; i + 1 < size; ++i) {
    if (points[i + 1].end - points[i].end < points[merge + 1].end - points[merge].end) merge = i;
  }
  points[merge].cost = points[merge + 1].cost;
  for (int i = merge + 1; i + 1 < size; ++i) points[i] = points[i + 1];
  --size;
}

const QueryScratch::Frontier& QueryContext::ChainOf(CourseId id, int depth) const {
  using Frontier = QueryScratch::Frontier;
  static const Frontier kNever{};
  if (depth <= 1) return kNever;
  if (s_->chain_stamp[id] != s_->stamp) {
    s_->chain_stamp[id] = s_->stamp;
    s_->chain_known[id] = 0;
  }
  static_assert(QueryScratch::kChainDepths == kMaxChain - 1);
  Frontier& chain = s_->chains[id][depth - 2];
  if ((s_->chain_known[id] >> depth) & 1) return chain;
  // Mark first, so a cycle of entry requirements ends (as "never").
  s_->chain_known[id] |= static_cast<uint8_t>(1u << depth);
  chain = Frontier{};
  const CourseEntry& entry = index_->course(id);
  // The missing entry skills are all held by the latest of their ways, at
  // no less than the dearest (one course may teach several).
  Frontier before;
  before.Add({limits_->earliest_start, 0});
  for (const TaughtSkill& need : entry.entry) {
    if (person_->skills.LevelOf(need.skill) >= need.level) continue;
    const Frontier& ways = EntryWays(need.skill, need.level, depth - 1);
    if (ways.empty()) return kNever;
    Frontier both;
    for (int a = 0; a < before.size; ++a) {
      for (int b = 0; b < ways.size; ++b) {
        both.Add({std::max(before.points[a].end, ways.points[b].end),
                  std::max(before.points[a].cost, ways.points[b].cost)});
      }
    }
    before = both;
  }
  const int64_t own_cost = course(id).min_cost;
  for (int i = 0; i < before.size; ++i) {
    const Day start = EarliestStart(entry, *person_, before.points[i].end);
    if (start == kNoDay) continue;
    chain.Add({start + 7 * entry.duration_weeks, before.points[i].cost + own_cost});
  }
  return chain;
}

const QueryScratch::Frontier& QueryContext::EntryWays(SkillIndex skill, int level,
                                                      int depth) const {
  const uint64_t key = (uint64_t{skill} << 8) | (static_cast<uint64_t>(depth) << 2) |
                       static_cast<uint64_t>(level - 1);
  if (auto found = s_->entry_ways.find(key); found != s_->entry_ways.end()) return found->second;
  QueryScratch::Frontier ways;
  const std::span<const CoursePosting> postings = index_->CoursesTeaching(skill);
  bool chained = false;
  for (const CoursePosting& posting : postings) {
    if (posting.level < level) continue;
    const CourseView& view = course(posting.course);
    if (!view.usable) continue;
    if (view.entry_missing == 0) {
      ways.Add({view.first_end, view.min_cost});
    } else {
      chained = true;
    }
  }
  // A course with entry skills to meet first ends no sooner and costs no
  // less than it would alone; when a way already covers that, its chain
  // adds nothing (see ReachAt).
  for (size_t i = 0; chained && i < postings.size(); ++i) {
    const CoursePosting& posting = postings[i];
    if (posting.level < level) continue;
    const CourseView& view = course(posting.course);
    if (!view.usable || view.entry_missing == 0) continue;
    if (ways.Covers({view.first_end, view.min_cost})) continue;
    const QueryScratch::Frontier& chain = ChainOf(posting.course, depth);
    for (int p = 0; p < chain.size; ++p) ways.Add(chain.points[p]);
  }
  return s_->entry_ways.emplace(key, ways).first->second;
}

SkillReach SkillReach::None() {
  SkillReach reach;
  reach.ready.fill(kNoDay);
  reach.cost.fill(std::numeric_limits<int64_t>::max());
  return reach;
}

void SkillReach::FillLowerLevels() {
  for (int l = 2; l >= 0; --l) {
    ready[l] = std::min(ready[l], ready[l + 1]);
    cost[l] = std::min(cost[l], cost[l + 1]);
    joint[l] = std::max(joint[l], joint[l + 1]);
    joint_near[l] = std::max(joint_near[l], joint_near[l + 1]);
    unchained[l] = std::max(unchained[l], unchained[l + 1]);
  }
}

SkillReach QueryContext::ReachAt(std::span<const CoursePosting> postings, int depth) const {
  SkillReach reach = SkillReach::None();
  const Policy& p = *policy_;
  auto trade_off = [&](Day end, int64_t cost) {
    return Weighted(TimeValue(WeeksFromStart(end)), p.time_weight) *
           (cost == 0 ? 1.0 : Weighted(CostValue(cost), p.cost_weight));
  };
  auto distance_of = [&](const CourseView& view) {
    return view.travel_km == 0 ? 1.0 : Weighted(DistanceValue(view.travel_km), p.distance_weight);
  };
  // Courses that need nothing first, whose only way is the course alone,
  // go in first; a course with entry skills to meet follows.
  std::vector<CoursePosting>& chained = s_->chained_postings;
  chained.clear();
  for (const CoursePosting& posting : postings) {
    CourseView& view = s_->courses[posting.course];
    if (!course(posting.course).usable) continue;
    if (view.entry_missing > 0) {
      chained.push_back(posting);
      continue;
    }
    if (!view.joint_known) {
      view.joint_known = true;
      view.joint = trade_off(view.first_end, view.min_cost);
      view.joint_near = view.joint * distance_of(view);
    }
    reach.Add(posting.level, view.first_end, view.min_cost, view.joint, view.joint_near);
  }
  reach.FillLowerLevels();
  // Any way to take a course after what it needs first ends no sooner and
  // costs no less than the course alone would, so when the course alone
  // would improve nothing on what is known at its level, its chain is not
  // worked out. A chain is added at its level and every level below, so
  // that what is known stays complete.
  for (const CoursePosting& posting : chained) {
    CourseView& view = s_->courses[posting.course];
    const int l = posting.level - 1;
    if (reach.ready[l] <= view.first_end && reach.cost[l] <= view.min_cost) {
      const double alone = trade_off(view.first_end, view.min_cost);
      if (reach.joint[l] >= alone && reach.joint_near[l] >= alone * distance_of(view)) continue;
    }
    const QueryScratch::Frontier& chain = ChainOf(posting.course, depth);
    if (chain.empty()) continue;
    if (!view.joint_known) {
      // The best trade-off of time and cost among the ways to take it.
      view.joint_known = true;
      view.joint = 0;
      for (int i = 0; i < chain.size; ++i) {
        view.joint = std::max(view.joint, trade_off(chain.points[i].end, chain.points[i].cost));
      }
      view.joint_near = view.joint * distance_of(view);
    }
    for (int level = 1; level <= posting.level; ++level) {
      reach.Add(level, chain.soonest(), chain.cheapest(), view.joint, view.joint_near);
    }
  }
  return reach;
}

SkillReach QueryContext::OptimisticAt(std::span<const CoursePosting> postings) const {
  SkillReach reach = SkillReach::None();
  const Policy& p = *policy_;
  const Day from = limits_->earliest_start;
  for (const CoursePosting& posting : postings) {
    const CourseEntry& course = index_->course(posting.course);
    if (!course.live || course.places <= 0) continue;
    Day start = from;
    if (!course.start_days.empty()) {
      auto it = std::lower_bound(course.start_days.begin(), course.start_days.end(), from);
      if (it == course.start_days.end()) continue;
      start = *it;
    }
    const Day end = start + 7 * course.duration_weeks;
    const bool may_be_free = course.cost_pence <= 0 ||
                             Offers(course.funding, training::v1::FUNDING_FREE_UNDER_19) ||
                             Offers(course.funding, training::v1::FUNDING_ADULT_SKILLS_FUND) ||
                             Offers(course.funding, training::v1::FUNDING_EMPLOYER);
    const int64_t cost = may_be_free ? 0 : course.cost_pence;
    const double joint = Weighted(TimeValue(WeeksFromStart(end)), p.time_weight) *
                         (cost == 0 ? 1.0 : Weighted(CostValue(cost), p.cost_weight));
    reach.Add(posting.level, end, cost, joint, joint);
    if (course.entry.empty()) reach.AddUnchained(posting.level, joint);
  }
  reach.FillLowerLevels();
  return reach;
}

const SkillReach& QueryContext::ComputeOptimisticReach(SkillKey key) const {
  if (IsEmergingKey(key)) {
    const GroupIndex group = index_->emerging(EmergingIdOf(key)).group;
    auto it = s_->optimistic_groups.find(group);
    if (it == s_->optimistic_groups.end()) {
      it = s_->optimistic_groups.emplace(group, OptimisticAt(index_->CoursesTeachingUnder(group)))
               .first;
    }
    return it->second;
  }
  const uint64_t generation = index_->skill_offer_generation(key);
  if (s_->optimistic_generation[key] != generation) {
    s_->optimistic[key] = OptimisticAt(index_->CoursesTeaching(key));
    s_->optimistic_generation[key] = generation;
  }
  return s_->optimistic[key];
}

double QueryContext::TimeValue(int weeks) const {
  return 1.0 / (1.0 + std::max(0, weeks) / policy_->time_half_weeks);
}

double QueryContext::CostValue(int64_t pence) const {
  return 1.0 / (1.0 + static_cast<double>(std::max<int64_t>(0, pence)) / policy_->cost_half_pence);
}

double QueryContext::DistanceValue(double km) const {
  const double limit = limits_->max_travel_km;
  if (limit <= 0) return 1.0;
  return 1.0 - (1.0 - policy_->distance_at_limit) * std::min(1.0, km / limit);
}

const SkillReach& QueryContext::ComputeReach(SkillKey key) const {
  if (IsEmergingKey(key)) {
    const uint32_t id = EmergingIdOf(key);
    for (const auto& [cached, reach] : s_->emerging_reach) {
      if (cached == id) return reach;
    }
    SkillReach reach = ReachAt(index_->CoursesTeachingUnder(index_->emerging(id).group), depth_);
    s_->emerging_reach.emplace_back(id, reach);
    return s_->emerging_reach.back().second;
  }
  if (s_->reach_stamp[key] != s_->stamp) {
    s_->reach[key] = ReachAt(index_->CoursesTeaching(key), depth_);
    s_->reach_stamp[key] = s_->stamp;
  }
  return s_->reach[key];
}

bool QueryContext::QualificationReachable(int level) const {
  level = std::clamp(level, 0, 8);
  int8_t& known = s_->qualification[level];
  if (known < 0) {
    known = 0;
    for (int r = level; r <= 8 && known == 0; ++r) {
      for (CourseId id : index_->CoursesAwarding(r)) {
        if (course(id).usable) {
          known = 1;
          break;
        }
      }
    }
  }
  return known == 1;
}

std::span<const CourseId> QueryContext::CachedCandidates(std::pair<uint32_t, uint32_t>* range,
                                                         bool known,
                                                         std::span<const CoursePosting> postings,
                                                         int level, bool qualification) const {
  if (known) {
    return std::span<const CourseId>(s_->candidate_pool.data() + range->first,
                                     range->second - range->first);
  }
  // The cheapest usable courses, kept in order as they are found: by cover
  // cost, then by name.
  using Found = std::pair<float, CourseId>;
  std::array<Found, kCandidatesPerSkill> best;
  size_t kept = 0;
  auto cheaper = [&](const Found& a, const Found& b) {
    if (a.first != b.first) return a.first < b.first;
    return index_->course(a.second).name < index_->course(b.second).name;
  };
  auto offer = [&](CourseId id) {
    const CourseView& view = course(id);
    if (!view.usable) return;
    const Found found(view.cover_cost, id);
    if (kept == best.size() && !cheaper(found, best.back())) return;
    size_t at = kept < best.size() ? kept++ : kept - 1;
    for (; at > 0 && cheaper(found, best[at - 1]); --at) best[at] = best[at - 1];
    best[at] = found;
  };
  if (qualification) {
    for (int r = level; r <= 8; ++r) {
      for (CourseId id : index_->CoursesAwarding(r)) {
        // Shortest first: once the weeks alone (taken at once, free and
        // near) cost more than the dearest kept (with room for the cover
        // cost's rounding to float), so do the rest of the list.
        const double least = CoverCost(0, 7 * index_->course(id).duration_weeks, 0, 0);
        if (kept == best.size() && least * (1 - 1e-6) > best.back().first) break;
        offer(id);
      }
    }
  } else {
    for (const CoursePosting& posting : postings) {
      if (posting.level >= level) offer(posting.course);
    }
  }
  const uint32_t begin = static_cast<uint32_t>(s_->candidate_pool.size());
  for (size_t k = 0; k < kept; ++k) s_->candidate_pool.push_back(best[k].second);
  const uint32_t end = static_cast<uint32_t>(s_->candidate_pool.size());
  *range = {begin, end};
  return std::span<const CourseId>(s_->candidate_pool.data() + begin, end - begin);
}

std::span<const CourseId> QueryContext::Candidates(SkillKey key, int level) const {
  if (IsEmergingKey(key)) {
    auto [it, added] = s_->other_candidates.try_emplace((uint64_t{key} << 4) | level);
    return CachedCandidates(&it->second, !added,
                            index_->CoursesTeachingUnder(index_->emerging(EmergingIdOf(key)).group),
                            level, false);
  }
  const size_t slot = (size_t{key} << 2) | static_cast<size_t>(level - 1);
  const bool known = s_->candidate_stamp[slot] == s_->stamp;
  s_->candidate_stamp[slot] = s_->stamp;
  return CachedCandidates(&s_->candidate_range[slot], known, index_->CoursesTeaching(key), level,
                          false);
}

std::span<const CourseId> QueryContext::QualificationCandidates(int level) const {
  auto [it, added] = s_->other_candidates.try_emplace((uint64_t{1} << 40) | level);
  return CachedCandidates(&it->second, !added, {}, level, true);
}

int QueryContext::TeachesAt(const CourseEntry& course, SkillKey key, int level,
                            SkillIndex* via) const {
  if (!IsEmergingKey(key)) {
    auto it = std::lower_bound(course.taught.begin(), course.taught.end(), key,
                               [](const TaughtSkill& t, SkillKey k) { return t.skill < k; });
    if (it == course.taught.end() || it->skill != key || it->level < level) return 0;
    if (via != nullptr) *via = it->skill;
    return it->level;
  }
  const GroupIndex group = index_->emerging(EmergingIdOf(key)).group;
  auto [it, added] = s_->taught_under.try_emplace(std::pair(&course, group));
  QueryScratch::TaughtUnder& under = it->second;
  if (added) {
    for (const TaughtSkill& t : course.taught) {
      if (t.level > under.level && index_->SkillUnderGroup(t.skill, group)) {
        under.level = t.level;
        under.via = t.skill;
      }
    }
  }
  if (under.level < level) return 0;
  if (via != nullptr) *via = under.via;
  return under.level;
}

int64_t OpeningsUpTo(const RoleOpenings& o, Day closing_day, demand::v1::Horizon horizon,
                     Day today) {
  int64_t total = closing_day < today ? 0 : o.now;
  if (horizon >= demand::v1::HORIZON_ONE_YEAR) total += o.in_1_year;
  if (horizon >= demand::v1::HORIZON_TWO_YEARS) total += o.in_2_years;
  if (horizon >= demand::v1::HORIZON_FIVE_YEARS) total += o.in_5_years;
  return total;
}

int64_t QueryContext::OpeningsToHorizon(const RoleEntry& role) const {
  return OpeningsUpTo(role, limits_->horizon, limits_->today);
}

double QueryContext::DiscountedOpenings(const RoleOpenings& o, Day closing_day,
                                        bool emerging) const {
  const Policy& p = *policy_;
  double total = closing_day < limits_->today ? 0 : o.now;
  if (limits_->horizon >= demand::v1::HORIZON_ONE_YEAR) {
    total += o.in_1_year * (emerging ? 1.0 : p.discount_one_year);
  }
  if (limits_->horizon >= demand::v1::HORIZON_TWO_YEARS) {
    total += o.in_2_years * (emerging ? 1.0 : p.discount_two_years);
  }
  if (limits_->horizon >= demand::v1::HORIZON_FIVE_YEARS) {
    total += o.in_5_years * (emerging ? 1.0 : p.discount_five_years);
  }
  return total;
}

}  // namespace pathways::matcher
