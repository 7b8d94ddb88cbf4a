#include "services/matcher/planner.h"

#include <algorithm>
#include <numeric>

#include "absl/container/inlined_vector.h"

namespace pathways::matcher {
namespace {

constexpr double kEpsilon = 1e-9;

}  // namespace

Planner::Planner(const QueryContext& query, PlannerScratch* scratch)
    : query_(query),
      index_(query.index()),
      person_(query.person()),
      policy_(query.policy()),
      limits_(query.limits()) {
  if (scratch == nullptr) {
    owned_ = std::make_unique<PlannerScratch>();
    scratch = owned_.get();
  }
  s_ = scratch;
  const size_t skills = index_.taxonomy().skill_count();
  if (s_->item_stamp.size() != skills) {
    s_->item_of_skill.assign(skills, -1);
    s_->item_stamp.assign(skills, 0);
  }
  if (s_->course_stamp.size() < index_.course_slots()) {
    s_->course_stamp.resize(index_.course_slots(), 0);
    s_->candidate_of_course.resize(index_.course_slots(), -1);
  }
  if (++s_->query_stamp == 0) {
    std::fill(s_->first_tries_stamp.begin(), s_->first_tries_stamp.end(), 0);
    s_->query_stamp = 1;
  }
  s_->later_tries.clear();
  s_->credits.clear();
  if (s_->first_tries_stamp.size() < index_.course_slots()) {
    s_->first_tries_stamp.resize(index_.course_slots(), 0);
    s_->first_tries.resize(index_.course_slots());
  }
}

void Planner::TryCourse(CourseId course_id, std::span<const int> chosen, Day at, int rqf,
                        int64_t spent, int remaining, PlannerScratch::CourseTries* out) {
  out->alone = false;
  out->step = PlannerScratch::Try{};
  out->pairs.clear();
  const CourseEntry& course = index_.course(course_id);
  const float travel_km = query_.course(course_id).travel_km;
  missing_.clear();
  const bool rqf_ok = course.min_rqf <= rqf;
  if (rqf_ok && EntrySkillsMet(course, chosen, &missing_)) {
    out->alone = true;
    const Day start = EarliestStart(course, person_, at);
    if (start == kNoDay) return;
    const Day end = start + 7 * course.duration_weeks;
    if (limits_.max_weeks.has_value() && query_.WeeksFromStart(end) > *limits_.max_weeks) return;
    const CourseCost cost = CostFor(course, person_, start, rqf);
    if (limits_.max_cost_pence.has_value() && spent + cost.pence > *limits_.max_cost_pence) return;
    out->step = PlannerScratch::Try{0, true, end, cost.pence,
                                    query_.CoverCost(at, end, cost.pence, travel_km)};
    return;
  }
  // Blocked by entry skills: try a prerequisite course that teaches all of
  // them, taken just before.
  if (!rqf_ok || missing_.empty() || remaining < 2) return;
  prerequisites_.clear();
  {
    std::span<const CourseId> found = query_.Candidates(missing_[0].skill, missing_[0].level);
    prerequisites_.assign(found.begin(), found.end());
  }
  for (CourseId p : prerequisites_) {
    if (p == course_id) continue;
    // The cheapest few prerequisites are enough to find a good pair.
    if (static_cast<int>(out->pairs.size()) >= PlannerScratch::kPrerequisitesTried) break;
    const CourseEntry& pre = index_.course(p);
    bool teaches_all = true;
    for (const TaughtSkill& m : missing_) {
      if (query_.TeachesAt(pre, m.skill, m.level) == 0) {
        teaches_all = false;
        break;
      }
    }
    if (!teaches_all || pre.min_rqf > rqf || !EntrySkillsMet(pre, chosen, nullptr)) continue;
    PlannerScratch::Try& tried = out->pairs.emplace_back();
    tried.prerequisite = p;
    const Day pre_start = EarliestStart(pre, person_, at);
    if (pre_start == kNoDay) continue;
    const Day pre_end = pre_start + 7 * pre.duration_weeks;
    const int rqf_after = std::max<int>(rqf, pre.rqf_awarded);
    if (course.min_rqf > rqf_after) continue;
    const Day start = EarliestStart(course, person_, pre_end);
    if (start == kNoDay) continue;
    const Day end = start + 7 * course.duration_weeks;
    if (limits_.max_weeks.has_value() && query_.WeeksFromStart(end) > *limits_.max_weeks) {
      continue;
    }
    const CourseCost pre_cost = CostFor(pre, person_, pre_start, rqf);
    const CourseCost cost = CostFor(course, person_, start, rqf_after);
    if (limits_.max_cost_pence.has_value() &&
        spent + pre_cost.pence + cost.pence > *limits_.max_cost_pence) {
      continue;
    }
    tried.schedulable = true;
    tried.end = end;
    tried.pence = pre_cost.pence + cost.pence;
    tried.cost = query_.CoverCost(at, pre_end, pre_cost.pence, query_.course(p).travel_km) +
                 query_.CoverCost(pre_end, end, cost.pence, travel_km);
  }
}

void Planner::Begin(RoleId role_id, Plan* out) {
  role_ = &index_.role(role_id);
  const RoleEntry& role = *role_;
  if (++s_->stamp == 0) {
    std::fill(s_->item_stamp.begin(), s_->item_stamp.end(), 0);
    std::fill(s_->course_stamp.begin(), s_->course_stamp.end(), 0);
    s_->stamp = 1;
  }
  candidates_.clear();
  item_pool_.clear();
  item_taught_.clear();
  gap_.clear();
  emerging_gap_.clear();

  out->role = role_id;
  out->feasible = false;
  out->blocker = Blocker::kNone;
  out->blocker_item = -1;
  out->blocker_step = -1;
  out->blocker_skill = 0;
  out->blocker_level = 0;
  out->steps.clear();
  out->entry_closures.clear();
  out->ready = limits_.earliest_start;
  out->weeks_to_ready = 0;
  out->total_cost_pence = 0;
  out->max_course_km = 0;
  out->qualification_step = -1;

  const size_t n = role.skills.size();
  out->skills.assign(n, SkillOutcome{});
  weight_.resize(n);
  open_.assign(n, 0);
  marked_.assign(n, 0);
  total_weight_ = 0;
  double before = 0;
  for (size_t i = 0; i < n; ++i) {
    const RequiredSkillEntry& required = role.skills[i];
    const double w = required.essential ? policy_.essential_weight : 1.0;
    // Roles of a query share most of their skills: each credit is worked
    // out once.
    auto [known, added] = s_->credits.try_emplace((uint64_t{required.key} << 3) | required.level);
    if (added) {
      known->second = person_.skills.CreditFor(required.key, required.level, policy_.credit);
    }
    const Credit credit = known->second;
    out->skills[i].before = credit;
    weight_[i] = w;
    total_weight_ += w;
    before += w * credit.value;
    if (credit.value < 1.0) {
      open_[i] = 1;
      gap_.push_back(static_cast<int>(i));
      if (IsEmergingKey(required.key)) {
        emerging_gap_.push_back(static_cast<int>(i));
      } else {
        s_->item_of_skill[required.key] = static_cast<int16_t>(i);
        s_->item_stamp[required.key] = s_->stamp;
      }
    }
  }
  out->coverage_before = total_weight_ > 0 ? before / total_weight_ : 1.0;
  needed_rqf_ = role.entry_rqf > person_.rqf ? role.entry_rqf : 0;
  out->qualification_needed = needed_rqf_ > 0;
}

int Planner::AddNewCandidate(CourseId course_id) {
  if (course_id >= s_->course_stamp.size()) {
    s_->course_stamp.resize(index_.course_slots(), 0);
    s_->candidate_of_course.resize(index_.course_slots(), -1);
  }
  const CourseEntry& course = index_.course(course_id);
  Candidate c;
  c.course = course_id;
  c.items_begin = static_cast<uint32_t>(item_pool_.size());
  for (const TaughtSkill& t : course.taught) {
    if (s_->item_stamp[t.skill] != s_->stamp) continue;
    const int item = s_->item_of_skill[t.skill];
    if (t.level >= role_->skills[item].level) {
      item_pool_.push_back(static_cast<uint16_t>(item));
      item_taught_.push_back(t);
    }
  }
  for (int item : emerging_gap_) {
    const RequiredSkillEntry& required = role_->skills[item];
    SkillIndex via = 0;
    const int level = query_.TeachesAt(course, required.key, required.level, &via);
    if (level > 0) {
      item_pool_.push_back(static_cast<uint16_t>(item));
      item_taught_.push_back(TaughtSkill{via, static_cast<uint8_t>(level)});
    }
  }
  c.items_end = static_cast<uint32_t>(item_pool_.size());
  c.awards_qualification = needed_rqf_ > 0 && course.rqf_awarded >= needed_rqf_;
  const int k = static_cast<int>(candidates_.size());
  candidates_.push_back(c);
  s_->course_stamp[course_id] = s_->stamp;
  s_->candidate_of_course[course_id] = k;
  return k;
}

bool Planner::EntrySkillsMet(const CourseEntry& course, std::span<const int> chosen,
                             std::vector<TaughtSkill>* missing) const {
  if (course.entry.empty()) return true;
  bool met = true;
  for (const TaughtSkill& entry : course.entry) {
    if (person_.skills.LevelOf(entry.skill) >= entry.level) continue;
    bool taught = false;
    for (int k : chosen) {
      if (query_.TeachesAt(index_.course(candidates_[k].course), entry.skill, entry.level) > 0) {
        taught = true;
        break;
      }
    }
    if (taught) continue;
    met = false;
    if (missing == nullptr) return false;
    missing->push_back(entry);
  }
  return met;
}

bool Planner::Schedule(std::span<const int> order, std::vector<PlannedStep>* steps) const {
  steps->clear();
  Day at = limits_.earliest_start;
  int rqf = person_.rqf;
  int64_t total = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    const Candidate& c = candidates_[order[k]];
    const CourseEntry& course = index_.course(c.course);
    if (course.min_rqf > rqf || !EntrySkillsMet(course, order.subspan(0, k), nullptr)) {
      return false;
    }
    const Day start = EarliestStart(course, person_, at);
    if (start == kNoDay) return false;
    PlannedStep step;
    step.course = c.course;
    step.start = start;
    step.end = start + 7 * course.duration_weeks;
    step.cost = CostFor(course, person_, start, rqf);
    step.travel_km = query_.course(c.course).travel_km;
    total += step.cost.pence;
    rqf = std::max<int>(rqf, course.rqf_awarded);
    at = step.end;
    steps->push_back(step);
  }
  if (limits_.max_weeks.has_value() && query_.WeeksFromStart(at) > *limits_.max_weeks) return false;
  if (limits_.max_cost_pence.has_value() && total > *limits_.max_cost_pence) return false;
  return true;
}

bool Planner::ClosureHolds(std::span<const int> chosen, const Plan& plan,
                           double needed_cover) const {
  bool qualification = needed_rqf_ == 0;
  for (int k : chosen) qualification = qualification || candidates_[k].awards_qualification;
  if (!qualification) return false;
  std::vector<uint8_t>& closed = closed_;
  closed.assign(role_->skills.size(), 0);
  for (int k : chosen) {
    const Candidate& c = candidates_[k];
    for (uint32_t j = c.items_begin; j < c.items_end; ++j) closed[item_pool_[j]] = 1;
  }
  double cover = 0;
  for (size_t i = 0; i < role_->skills.size(); ++i) {
    double credit = plan.skills[i].before.value;
    if (credit < 1.0 && closed[i]) credit = 1.0;
    if (credit < 1.0 && role_->skills[i].essential) return false;
    cover += weight_[i] * credit;
  }
  return cover >= needed_cover;
}

bool Planner::BestOrder(std::vector<int>* chosen, std::vector<PlannedStep>* steps) const {
  if (chosen->empty()) {
    steps->clear();
    return true;
  }
  absl::InlinedVector<int, kMaxSteps> idx(chosen->size()), order(chosen->size());
  std::iota(idx.begin(), idx.end(), 0);
  best_order_.clear();
  do {
    for (size_t k = 0; k < idx.size(); ++k) order[k] = (*chosen)[idx[k]];
    if (!Schedule(order, &trial_steps_)) continue;
    int64_t cost = 0;
    for (const PlannedStep& s : trial_steps_) cost += s.cost.pence;
    if (!best_order_.empty()) {
      int64_t best_cost = 0;
      for (const PlannedStep& s : best_steps_) best_cost += s.cost.pence;
      const Day end = trial_steps_.back().end, best_end = best_steps_.back().end;
      if (end > best_end || (end == best_end && cost >= best_cost)) continue;
    }
    best_order_.assign(order.begin(), order.end());
    best_steps_ = trial_steps_;
  } while (std::next_permutation(idx.begin(), idx.end()));
  if (best_order_.empty()) return false;
  chosen->assign(best_order_.begin(), best_order_.end());
  *steps = best_steps_;
  return true;
}

void Planner::Finish(std::span<const int> order, Plan* out) {
  const RoleEntry& role = *role_;
  for (SkillOutcome& outcome : out->skills) {
    if (outcome.before.value >= 1.0) {
      outcome.after = 1.0;
      outcome.kind = v1::MATCH_KIND_EXACT;
    } else {
      outcome.after = outcome.before.value;
      outcome.kind = outcome.before.value > 0 ? outcome.before.kind : v1::MATCH_KIND_NONE;
    }
  }
  // A gap skill is closed by the first step whose course teaches it, as
  // AddCandidate found.
  for (size_t k = 0; k < order.size(); ++k) {
    const Candidate& c = candidates_[order[k]];
    for (uint32_t j = c.items_begin; j < c.items_end; ++j) {
      SkillOutcome& outcome = out->skills[item_pool_[j]];
      if (outcome.step >= 0) continue;
      outcome.after = 1.0;
      outcome.kind = v1::MATCH_KIND_COURSE;
      outcome.step = static_cast<int8_t>(k);
      outcome.taught_level = item_taught_[j].level;
      outcome.via = item_taught_[j].skill;
    }
  }
  double covered = 0;
  for (size_t i = 0; i < role.skills.size(); ++i) covered += weight_[i] * out->skills[i].after;
  out->coverage = total_weight_ > 0 ? covered / total_weight_ : 1.0;

  int rqf = person_.rqf;
  for (size_t k = 0; k < order.size(); ++k) {
    const CourseEntry& course = index_.course(candidates_[order[k]].course);
    for (const TaughtSkill& entry : course.entry) {
      if (person_.skills.LevelOf(entry.skill) >= entry.level) continue;
      for (size_t j = 0; j < k; ++j) {
        const int level =
            query_.TeachesAt(index_.course(candidates_[order[j]].course), entry.skill, entry.level);
        if (level > 0) {
          out->entry_closures.push_back(EntryClosure{static_cast<int8_t>(j), static_cast<int8_t>(k),
                                                     entry.skill, static_cast<uint8_t>(level)});
          break;
        }
      }
    }
    if (needed_rqf_ > 0 && out->qualification_step < 0 && rqf < needed_rqf_ &&
        course.rqf_awarded >= needed_rqf_) {
      out->qualification_step = static_cast<int8_t>(k);
    }
    rqf = std::max<int>(rqf, course.rqf_awarded);
  }
  out->ready = out->steps.empty() ? limits_.earliest_start : out->steps.back().end;
  out->weeks_to_ready = query_.WeeksFromStart(out->ready);
  out->total_cost_pence = 0;
  out->max_course_km = 0;
  for (const PlannedStep& s : out->steps) {
    out->total_cost_pence += s.cost.pence;
    out->max_course_km = std::max<double>(out->max_course_km, s.travel_km);
  }
}

void Planner::PlanRole(RoleId role_id, Plan* out) {
  Begin(role_id, out);
  const RoleEntry& role = *role_;

  // The candidates of each essential skill; fail fast when one is taught
  // nowhere within reach.
  int essential_open = 0;
  for (int item : gap_) {
    const RequiredSkillEntry& required = role.skills[item];
    if (!required.essential) continue;
    ++essential_open;
    const std::span<const CourseId> candidates = query_.Candidates(required.key, required.level);
    if (candidates.empty()) {
      out->blocker = Blocker::kSkillNotTaught;
      out->blocker_item = item;
      return;
    }
    for (CourseId c : candidates) AddCandidate(c);
  }
  if (needed_rqf_ > 0 && query_.QualificationCandidates(needed_rqf_).empty()) {
    out->blocker = Blocker::kQualification;
    return;
  }
  if (needed_rqf_ > 0) {
    for (CourseId c : query_.QualificationCandidates(needed_rqf_)) AddCandidate(c);
  }

  bool qualification_open = needed_rqf_ > 0;
  double covered = 0;
  for (size_t i = 0; i < role.skills.size(); ++i) {
    covered += weight_[i] * out->skills[i].before.value;
  }
  const double needed_cover = policy_.min_coverage * total_weight_ - kEpsilon;
  bool optional_candidates_added = false;
  std::vector<int>& chosen = chosen_;
  std::vector<uint8_t>& taken = taken_;
  chosen.clear();
  taken.clear();
  Day at = limits_.earliest_start;
  int rqf = person_.rqf;
  int64_t spent = 0;

  while (true) {
    const bool essential_phase = essential_open > 0 || qualification_open;
    if (!essential_phase && covered >= needed_cover) break;
    if (static_cast<int>(chosen.size()) >= limits_.max_steps) {
      out->blocker = essential_phase ? Blocker::kTooManySteps : Blocker::kCoverage;
      if (essential_open == 0 && qualification_open) out->blocker = Blocker::kQualification;
      for (int item : gap_) {
        if (open_[item] && role.skills[item].essential) {
          out->blocker_item = item;
          break;
        }
      }
      return;
    }
    if (!essential_phase && !optional_candidates_added) {
      optional_candidates_added = true;
      for (int item : gap_) {
        const RequiredSkillEntry& required = role.skills[item];
        if (required.essential || !open_[item]) continue;
        for (CourseId c : query_.Candidates(required.key, required.level)) AddCandidate(c);
      }
    }
    taken.resize(candidates_.size(), 0);
    const int remaining = limits_.max_steps - static_cast<int>(chosen.size());

    Option best;
    double best_ratio = -1;
    auto consider = [&](const Option& o) {
      const double ratio = o.gain / o.cost;
      bool better;
      if (best.first < 0) {
        better = true;
      } else if (ratio != best_ratio) {
        better = ratio > best_ratio;
      } else if (o.gain != best.gain) {
        better = o.gain > best.gain;
      } else if (o.end != best.end) {
        better = o.end < best.end;
      } else if (o.pence != best.pence) {
        better = o.pence < best.pence;
      } else {
        const int oc = o.second >= 0 ? o.second : o.first;
        const int bc = best.second >= 0 ? best.second : best.first;
        better =
            index_.course(candidates_[oc].course).name < index_.course(candidates_[bc].course).name;
      }
      if (better) {
        best = o;
        best_ratio = ratio;
      }
    };
    auto gain_of = [&](int k) {
      double g = 0;
      const Candidate& c = candidates_[k];
      for (uint32_t j = c.items_begin; j < c.items_end; ++j) {
        const int item = item_pool_[j];
        if (!open_[item]) continue;
        const double share = 1.0 - out->skills[item].before.value;
        if (role.skills[item].essential) {
          g += policy_.essential_weight;
        } else {
          // Optional skills count only once the essential ones are closed,
          // so roles with the same essential skills get the same steps.
          if (!essential_phase) g += share;
        }
      }
      if (essential_phase && qualification_open && c.awards_qualification) {
        g += policy_.essential_weight;
      }
      return g;
    };
    auto useful = [&](int k) {
      const Candidate& c = candidates_[k];
      if (!essential_phase) return gain_of(k) > 0;
      if (qualification_open && c.awards_qualification) return true;
      for (uint32_t j = c.items_begin; j < c.items_end; ++j) {
        const int item = item_pool_[j];
        if (open_[item] && role.skills[item].essential) return true;
      }
      return false;
    };

    const size_t candidate_count = candidates_.size();
    for (size_t k = 0; k < candidate_count; ++k) {
      if (taken[k] || !useful(static_cast<int>(k))) continue;
      const CourseId course_id = candidates_[k].course;
      // How the course could be taken next depends on it and the earlier
      // steps' courses, not on the role, so a query works it out once per
      // course as the first step, and once per course and earlier steps
      // after.
      const PlannerScratch::CourseTries* tries;
      if (chosen.empty()) {
        if (s_->first_tries_stamp[course_id] != s_->query_stamp) {
          s_->first_tries_stamp[course_id] = s_->query_stamp;
          TryCourse(course_id, chosen, at, rqf, spent, remaining, &s_->first_tries[course_id]);
        }
        tries = &s_->first_tries[course_id];
      } else {
        PlannerScratch::LaterKey key;
        key.fill(PlannerScratch::kNoCourse);
        key[0] = course_id;
        for (size_t j = 0; j < chosen.size(); ++j) key[j + 1] = candidates_[chosen[j]].course;
        auto [it, added] = s_->later_tries.try_emplace(key);
        if (added) TryCourse(course_id, chosen, at, rqf, spent, remaining, &it->second);
        tries = &it->second;
      }
      if (tries->alone) {
        if (!tries->step.schedulable) continue;
        Option o;
        o.first = static_cast<int>(k);
        o.gain = gain_of(static_cast<int>(k));
        o.cost = tries->step.cost;
        o.end = tries->step.end;
        o.pence = tries->step.pence;
        consider(o);
        continue;
      }
      if (tries->pairs.empty()) continue;
      // A pair gains the course's gain plus what the prerequisite closes
      // that the course does not: the course's items are marked meanwhile.
      const double course_gain = gain_of(static_cast<int>(k));
      auto mark = [&](uint8_t value) {
        const Candidate& c = candidates_[k];
        for (uint32_t j = c.items_begin; j < c.items_end; ++j) marked_[item_pool_[j]] = value;
      };
      mark(1);
      for (const PlannerScratch::Try& tried : tries->pairs) {
        const int pk = AddCandidate(tried.prerequisite);
        taken.resize(candidates_.size(), 0);
        if (taken[pk] || !tried.schedulable) continue;
        Option o;
        o.first = pk;
        o.second = static_cast<int>(k);
        o.gain = course_gain;
        const Candidate& pc = candidates_[pk];
        for (uint32_t j = pc.items_begin; j < pc.items_end; ++j) {
          const int item = item_pool_[j];
          if (!open_[item] || marked_[item]) continue;
          o.gain += role.skills[item].essential
                        ? policy_.essential_weight
                        : (essential_phase ? 0.0 : 1.0 - out->skills[item].before.value);
        }
        if (essential_phase && qualification_open && pc.awards_qualification &&
            !candidates_[k].awards_qualification) {
          o.gain += policy_.essential_weight;
        }
        o.cost = tried.cost;
        o.end = tried.end;
        o.pence = tried.pence;
        consider(o);
      }
      mark(0);
    }

    if (best.first < 0) {
      if (essential_phase) {
        out->blocker = chosen.empty() ? Blocker::kSkillNotTaught : Blocker::kTooManySteps;
        if (essential_open == 0) out->blocker = Blocker::kQualification;
        for (int item : gap_) {
          if (open_[item] && role.skills[item].essential) {
            out->blocker_item = item;
            break;
          }
        }
      } else {
        out->blocker = Blocker::kCoverage;
      }
      return;
    }
    for (int k : {best.first, best.second}) {
      if (k < 0) continue;
      const Candidate& c = candidates_[k];
      const CourseEntry& course = index_.course(c.course);
      for (uint32_t j = c.items_begin; j < c.items_end; ++j) {
        const int item = item_pool_[j];
        if (!open_[item]) continue;
        open_[item] = 0;
        if (role.skills[item].essential) --essential_open;
        covered += weight_[item] * (1.0 - out->skills[item].before.value);
      }
      if (c.awards_qualification) qualification_open = false;
      const Day start = EarliestStart(course, person_, at);
      spent += CostFor(course, person_, start, rqf).pence;
      rqf = std::max<int>(rqf, course.rqf_awarded);
      at = start + 7 * course.duration_weeks;
      chosen.push_back(k);
      taken.resize(candidates_.size(), 0);
      taken[k] = 1;
    }
  }

  Tidy(&chosen, needed_cover, out);
}

void Planner::Tidy(std::vector<int>* chosen, double needed_cover, Plan* out) {
  // Drop steps the pathway no longer needs, latest first.
  std::vector<PlannedStep>& steps = steps_;
  steps.clear();
  for (int k = static_cast<int>(chosen->size()) - 1; k >= 0; --k) {
    trial_.assign(chosen->begin(), chosen->end());
    trial_.erase(trial_.begin() + k);
    if (ClosureHolds(trial_, *out, needed_cover) && BestOrder(&trial_, &steps)) {
      chosen->swap(trial_);
    }
  }
  if (!BestOrder(chosen, &steps)) {
    // The greedy order was schedulable when chosen; keep it.
    Schedule(*chosen, &steps);
  }
  out->steps.assign(steps.begin(), steps.end());
  out->feasible = true;
  Finish(*chosen, out);
}

bool Planner::ReusePlan(RoleId role_id, const Plan& source, Plan* out) {
  Begin(role_id, out);
  order_.clear();
  for (const PlannedStep& step : source.steps) order_.push_back(AddCandidate(step.course));
  out->steps = source.steps;
  Finish(order_, out);
  if (needed_rqf_ > 0 && out->qualification_step < 0) return false;
  if (out->coverage < policy_.min_coverage - kEpsilon) return false;
  for (size_t i = 0; i < role_->skills.size(); ++i) {
    if (role_->skills[i].essential && out->skills[i].after < 1.0) return false;
  }
  out->feasible = true;
  return true;
}

void Planner::EvaluateCourses(RoleId role_id, std::span<const CourseId> courses, Plan* out) {
  Begin(role_id, out);
  const RoleEntry& role = *role_;
  auto block = [&](Blocker b, int step) {
    if (out->blocker != Blocker::kNone) return;
    out->blocker = b;
    out->blocker_step = step;
  };
  std::vector<int> order;
  for (CourseId id : courses) order.push_back(AddCandidate(id));

  Day at = limits_.earliest_start;
  int rqf = person_.rqf;
  int64_t spent = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    const CourseEntry& course = index_.course(candidates_[order[k]].course);
    const int step = static_cast<int>(k);
    if (!course.live) block(Blocker::kUnknownCourse, step);
    if (course.places <= 0) block(Blocker::kNoPlaces, step);
    if (!ModeFits(limits_.mode, course.study_mode)) block(Blocker::kCourseMode, step);
    const double km =
        course.online || course.venue == kNoPlace ? 0.0 : query_.PlaceKm(course.venue);
    if (km > limits_.max_travel_km) block(Blocker::kCourseTooFar, step);
    if (course.min_rqf > rqf) block(Blocker::kEntryQualification, step);
    missing_.clear();
    EntrySkillsMet(course, std::span<const int>(order).subspan(0, k), &missing_);
    if (!missing_.empty() && out->blocker == Blocker::kNone) {
      block(Blocker::kEntrySkill, step);
      out->blocker_skill = missing_[0].skill;
      out->blocker_level = missing_[0].level;
    }
    Day start = EarliestStart(course, person_, at);
    if (start == kNoDay) {
      const bool never_old_enough =
          course.min_age > 0 && !course.start_days.empty() &&
          course.start_days.back() < person_.turning_day[std::min<int>(course.min_age, 120)];
      block(never_old_enough ? Blocker::kTooYoung : Blocker::kNoStartDate, step);
      start = at;  // Shown as if it could follow on, for the explanation.
    }
    PlannedStep planned;
    planned.course = candidates_[order[k]].course;
    planned.start = start;
    planned.end = start + 7 * course.duration_weeks;
    planned.cost = CostFor(course, person_, start, rqf);
    planned.travel_km = static_cast<float>(km);
    spent += planned.cost.pence;
    rqf = std::max<int>(rqf, course.rqf_awarded);
    at = planned.end;
    out->steps.push_back(planned);
  }
  if (limits_.max_weeks.has_value() && query_.WeeksFromStart(at) > *limits_.max_weeks) {
    block(Blocker::kTooLong, -1);
  }
  if (limits_.max_cost_pence.has_value() && spent > *limits_.max_cost_pence) {
    block(Blocker::kTooDear, -1);
  }
  Finish(order, out);
  for (size_t i = 0; i < role.skills.size(); ++i) {
    if (role.skills[i].essential && out->skills[i].after < 1.0) {
      if (out->blocker == Blocker::kNone) {
        out->blocker = Blocker::kSkillNotClosed;
        out->blocker_item = static_cast<int>(i);
      }
      break;
    }
  }
  if (needed_rqf_ > 0 && rqf < needed_rqf_) block(Blocker::kQualification, -1);
  if (out->coverage < policy_.min_coverage - kEpsilon) block(Blocker::kCoverage, -1);
  out->feasible = out->blocker == Blocker::kNone;
}

}  // namespace pathways::matcher
