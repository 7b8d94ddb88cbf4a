#include "services/matcher/scoring.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/matcher/area.h"
#include "services/taxonomy/absl_compat.h"

namespace pathways::matcher {
namespace {

using taxonomy::internal::StrCat;
using taxonomy::internal::ToAbsl;

double Pow(double value, double weight) { return QueryContext::Weighted(value, weight); }

std::string Km(double km) {
  if (km < 10) return absl::StrFormat("%.1f km", km);
  return absl::StrFormat("%.0f km", km);
}

// Fills a skill and level in place (answers list many).
void SetSkillLevel(const MatchIndex& index, SkillIndex skill, int level,
                   common::v1::SkillLevel* out) {
  out->set_skill(index.taxonomy().SkillUri(skill));
  out->set_level(static_cast<common::v1::Proficiency>(level));
}

}  // namespace

std::string FormatPounds(int64_t pence) {
  const int64_t pounds = pence / 100;
  std::string digits = StrCat(pounds);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[i]);
  }
  if (pence % 100 != 0) return absl::StrFormat("£%s.%02d", grouped, pence % 100);
  return StrCat("£", grouped);
}

std::string HorizonPhrase(demand::v1::Horizon horizon) {
  switch (horizon) {
    case demand::v1::HORIZON_NOW:
      return "now";
    case demand::v1::HORIZON_ONE_YEAR:
      return "within a year";
    case demand::v1::HORIZON_TWO_YEARS:
      return "within 2 years";
    default:
      return "within 5 years";
  }
}

std::string SkillKeyUri(const MatchIndex& index, SkillKey key) {
  return IsEmergingKey(key) ? std::string() : index.taxonomy().SkillUri(key);
}

Scorer::Scorer(const QueryContext& query, ScorerScratch* scratch) : query_(query) {
  if (scratch == nullptr) {
    owned_ = std::make_unique<ScorerScratch>();
    scratch = owned_.get();
  }
  s_ = scratch;
  const taxonomy::Taxonomy& tax = query.index().taxonomy();
  if (s_->occupations.size() != tax.occupation_count() ||
      s_->skill_stamp.size() != tax.skill_count() || ++s_->stamp == 0) {
    s_->occupations.assign(tax.occupation_count(), ScorerScratch::OccupationDemand{});
    s_->skill_stamp.assign(tax.skill_count(), 0);
    s_->interest_skills_stamp = 0;
    s_->stamp = 1;
  }
}

void Scorer::CountRolesInReach() {
  const std::shared_ptr<const Area> area = SharedAreaCache().Get(query_);
  for (const auto& [occupation, counts] : area->demand()) CountOccupation(occupation, counts);
}

ScorerScratch::OccupationDemand& Scorer::Slot(OccupationIndex occupation) const {
  ScorerScratch::OccupationDemand& d = s_->occupations[occupation];
  if (d.stamp != s_->stamp) {
    d = ScorerScratch::OccupationDemand{};
    d.stamp = s_->stamp;
  }
  return d;
}

double Scorer::OccupationOpenings(OccupationIndex occupation) const {
  const DemandCounts& d = Slot(occupation).counts;
  const Policy& p = query_.policy();
  const demand::v1::Horizon h = query_.limits().horizon;
  // Integer sums first, so the figure does not depend on the order roles
  // were added in.
  double total = static_cast<double>(d.now + d.emerging);
  if (h >= demand::v1::HORIZON_ONE_YEAR) total += p.discount_one_year * d.in_1_year;
  if (h >= demand::v1::HORIZON_TWO_YEARS) total += p.discount_two_years * d.in_2_years;
  if (h >= demand::v1::HORIZON_FIVE_YEARS) total += p.discount_five_years * d.in_5_years;
  return total;
}

void Scorer::CountInterestSkills() const {
  if (s_->interest_skills_stamp == s_->stamp) return;
  s_->interest_skills_stamp = s_->stamp;
  // From the interests' side: the skills they name, each once, add to the
  // occupations needing them. A query looks at hundreds of occupations with
  // dozens of skills each, and a person names a few skills or groups.
  const MatchIndex& index = query_.index();
  auto count = [&](SkillIndex skill) {
    if (s_->skill_stamp[skill] == s_->stamp) return;
    s_->skill_stamp[skill] = s_->stamp;
    for (OccupationIndex o : index.OccupationsNeeding(skill)) ++Slot(o).interest_skills;
  };
  const Interests& in = query_.person().interests;
  for (SkillIndex skill : in.skills) count(skill);
  for (GroupIndex group : in.groups) {
    for (SkillIndex skill : index.SkillsUnder(group)) count(skill);
  }
}

InterestFit Scorer::Interest(OccupationIndex occupation) const {
  ScorerScratch::OccupationDemand& slot = Slot(occupation);
  if (slot.interest_known) return slot.interest;
  slot.interest_known = true;
  const Interests& in = query_.person().interests;
  const taxonomy::Taxonomy& tax = query_.index().taxonomy();
  InterestFit& fit = slot.interest;
  fit = InterestFit{};
  if (in.empty()) {
    fit.value = 1.0;
    fit.why = InterestWhy::kNoInterests;
    return fit;
  }
  if (std::binary_search(in.occupations.begin(), in.occupations.end(), occupation)) {
    fit.value = 1.0;
    fit.why = InterestWhy::kOccupation;
    return fit;
  }
  auto offer = [&](double value, InterestWhy why) {
    if (value <= fit.value) return false;
    fit.value = value;
    fit.why = why;
    return true;
  };
  int isco = 0;
  for (char c : tax.OccupationIscoGroup(occupation)) {
    if (c >= '0' && c <= '9') isco = isco * 10 + (c - '0');
  }
  if (!in.isco_groups.empty() && IscoMatches(isco, in.isco_groups)) {
    offer(0.9, InterestWhy::kIscoGroup);
  }
  if (fit.value < 0.85) {
    for (OccupationIndex o : in.occupations) {
      if (tax.OccupationIscoGroup(o) == tax.OccupationIscoGroup(occupation)) {
        offer(0.85, InterestWhy::kSimilarOccupation);
        break;
      }
    }
  }
  if (fit.value < 0.8 && !in.tags.empty()) {
    const std::string_view label = tax.OccupationFoldedLabel(occupation);
    for (size_t t = 0; t < in.tags.size(); ++t) {
      if (label.find(in.tags[t]) != std::string_view::npos) {
        if (offer(0.8, InterestWhy::kTag)) fit.tag = static_cast<int>(t);
        break;
      }
    }
  }
  std::span<const SkillIndex> skills = tax.EssentialSkills(occupation);
  if (fit.value < 0.9 && !skills.empty() && (!in.skills.empty() || !in.groups.empty())) {
    CountInterestSkills();
    const int matched = slot.interest_skills;
    if (matched > 0) {
      const double share = static_cast<double>(matched) / skills.size();
      if (offer(0.6 + 0.3 * share, InterestWhy::kSkills)) {
        fit.skills = matched;
        fit.skill_total = static_cast<int>(skills.size());
      }
    }
  }
  return fit;
}

double Scorer::DemandValue(double openings) const {
  const double half = query_.policy().demand_half_openings;
  return openings <= 0 ? 0.0 : openings / (openings + half);
}

double Scorer::PayValue(int64_t annual_pence) const {
  const double half = query_.policy().pay_half_pence;
  return annual_pence <= 0 ? 0.0 : annual_pence / (annual_pence + half);
}

double Scorer::TimeValue(int weeks) const { return query_.TimeValue(weeks); }

double Scorer::CostValue(int64_t pence) const { return query_.CostValue(pence); }

double Scorer::DistanceValue(double km) const { return query_.DistanceValue(km); }

double Scorer::Combine(const Components& c) const {
  const Policy& p = query_.policy();
  return Pow(c.demand, p.demand_weight) * Pow(c.pay, p.pay_weight) * Pow(c.time, p.time_weight) *
         Pow(c.cost, p.cost_weight) * Pow(c.distance, p.distance_weight) *
         Pow(c.interest, p.interest_weight);
}

ScoredPathway Scorer::Score(const RoleEntry& role, const Plan& plan) const {
  ScoredPathway s;
  s.openings = OccupationOpenings(role.occupation);
  s.travel_km = std::max(query_.PlaceKm(role.site), plan.max_course_km);
  s.interest = Interest(role.occupation);
  s.components.demand = DemandValue(s.openings);
  s.components.pay = PayValue(role.annual_pay_pence);
  s.components.time = TimeValue(plan.weeks_to_ready);
  s.components.cost = CostValue(plan.total_cost_pence);
  s.components.distance = DistanceValue(s.travel_km);
  s.components.interest = s.interest.value;
  s.score = Combine(s.components);
  return s;
}

void Scorer::FillComponents(const RoleEntry& role, const Plan& plan, const ScoredPathway& scored,
                            v1::ScoreComponents* out) const {
  const Limits& limits = query_.limits();
  const taxonomy::Taxonomy& tax = query_.index().taxonomy();
  auto set = [](v1::ScoreComponent* c, double value, std::string reason) {
    c->set_value(value);
    c->set_reason(std::move(reason));
  };
  const int64_t openings = std::llround(scored.openings);
  set(out->mutable_demand(), scored.components.demand,
      StrCat(openings, openings == 1 ? " opening " : " openings ", HorizonPhrase(limits.horizon),
             " within ", Km(limits.max_travel_km), " of home",
             role.emerging ? " (emerging work counts in full)" : ""));
  const bool band = role.pay_min_pence > 0;
  set(out->mutable_pay(), scored.components.pay,
      band ? StrCat(FormatPounds(role.annual_pay_pence), " a year")
           : StrCat("about ", FormatPounds(role.annual_pay_pence),
                    " a year (typical for this kind of work; no pay given)"));
  set(out->mutable_time(), scored.components.time,
      plan.weeks_to_ready == 0
          ? std::string("ready now")
          : StrCat("ready in ", plan.weeks_to_ready, " weeks, by ", FormatDay(plan.ready)));
  set(out->mutable_cost(), scored.components.cost,
      plan.total_cost_pence == 0 ? std::string("free")
                                 : StrCat(FormatPounds(plan.total_cost_pence), " after funding"));
  set(out->mutable_distance(), scored.components.distance,
      StrCat("furthest journey ", Km(scored.travel_km), " of a ", Km(limits.max_travel_km),
             " limit"));
  const Interests& in = query_.person().interests;
  std::string why;
  switch (scored.interest.why) {
    case InterestWhy::kNoInterests:
      why = "no interests recorded";
      break;
    case InterestWhy::kOccupation:
      why = StrCat("you are interested in being a ", tax.OccupationLabel(role.occupation));
      break;
    case InterestWhy::kIscoGroup:
      why = "in a family of jobs you are interested in";
      break;
    case InterestWhy::kSimilarOccupation:
      why = "close to a job you are interested in";
      break;
    case InterestWhy::kTag:
      why = StrCat("matches your interest in \"", in.tags[scored.interest.tag], "\"");
      break;
    case InterestWhy::kSkills:
      why = StrCat(scored.interest.skills, " of the ", scored.interest.skill_total,
                   " skills this work needs are ones you want to use or learn");
      break;
    case InterestWhy::kNone:
      why = "not among the interests recorded";
      break;
  }
  set(out->mutable_interest(), scored.components.interest, std::move(why));
}

void Scorer::FillPathway(const Plan& plan, const ScoredPathway& scored,
                         v1::Pathway* pathway) const {
  const MatchIndex& index = query_.index();
  const taxonomy::Taxonomy& tax = index.taxonomy();
  const RoleEntry& role = index.role(plan.role);
  pathway->set_role(role.name);
  pathway->set_occupation(tax.OccupationUri(role.occupation));
  pathway->set_occupation_label(std::string(tax.OccupationLabel(role.occupation)));
  pathway->set_title(role.title);
  pathway->set_employer(std::string(index.employer_name(role.employer)));
  pathway->set_employer_display_name(role.employer_display_name);
  pathway->mutable_site()->set_outcode(index.place(role.site).outcode);
  pathway->set_emerging(role.emerging);
  pathway->set_apprenticeship(role.apprenticeship);

  for (size_t k = 0; k < plan.steps.size(); ++k) {
    const PlannedStep& step = plan.steps[k];
    const CourseEntry& course = index.course(step.course);
    v1::PathwayStep* out = pathway->add_steps();
    out->set_course(course.name);
    out->set_title(course.title);
    out->set_provider(std::string(index.provider_name(course.provider)));
    out->set_provider_display_name(std::string(index.provider_display_name(course.provider)));
    *out->mutable_start_date() = DateFromDay(step.start);
    *out->mutable_end_date() = DateFromDay(step.end);
    std::vector<SkillIndex> listed;
    for (size_t i = 0; i < plan.skills.size(); ++i) {
      const SkillOutcome& outcome = plan.skills[i];
      if (outcome.step != static_cast<int>(k)) continue;
      if (std::find(listed.begin(), listed.end(), outcome.via) != listed.end()) continue;
      listed.push_back(outcome.via);
      SetSkillLevel(index, outcome.via, outcome.taught_level, out->add_skills_closed());
    }
    for (const EntryClosure& closure : plan.entry_closures) {
      if (closure.step != static_cast<int>(k)) continue;
      if (std::find(listed.begin(), listed.end(), closure.skill) != listed.end()) continue;
      listed.push_back(closure.skill);
      SetSkillLevel(index, closure.skill, closure.level, out->add_skills_closed());
    }
    out->set_cost_pence(step.cost.pence);
    out->set_funding(step.cost.funding);
    out->set_travel_km(step.travel_km);
    out->set_online(course.online);
    out->set_study_mode(course.study_mode);
    out->set_hours_per_week(course.hours_per_week);
  }
  pathway->set_weeks_to_ready(plan.weeks_to_ready);
  *pathway->mutable_ready_date() = DateFromDay(plan.ready);
  pathway->set_total_cost_pence(plan.total_cost_pence);
  pathway->set_max_travel_km(scored.travel_km);
  if (role.pay_min_pence > 0) {
    pathway->mutable_pay()->set_min_pence(role.pay_min_pence);
    pathway->mutable_pay()->set_max_pence(role.pay_max_pence);
    pathway->mutable_pay()->set_period(role.pay_period);
  }
  pathway->set_annual_pay_pence(role.annual_pay_pence);
  pathway->set_openings(scored.openings);
  pathway->set_score(scored.score);
  FillComponents(role, plan, scored, pathway->mutable_components());

  const Person& person = query_.person();
  for (size_t i = 0; i < plan.skills.size(); ++i) {
    const RequiredSkillEntry& required = role.skills[i];
    const SkillOutcome& outcome = plan.skills[i];
    v1::SkillCredit* credit = pathway->add_skill_credits();
    demand::v1::RequiredSkill* r = credit->mutable_required();
    r->mutable_skill()->set_skill(SkillKeyUri(index, required.key));
    r->mutable_skill()->set_level(static_cast<common::v1::Proficiency>(required.level));
    r->set_importance(required.essential ? demand::v1::SKILL_IMPORTANCE_ESSENTIAL
                                         : demand::v1::SKILL_IMPORTANCE_OPTIONAL);
    if (IsEmergingKey(required.key)) {
      const EmergingSkill& e = index.emerging(EmergingIdOf(required.key));
      r->set_emerging_label(e.label);
      r->set_esco_group(tax.GroupUri(e.group));
    }
    credit->set_label(std::string(index.SkillKeyLabel(required.key)));
    credit->set_credit(outcome.after);
    credit->set_matched_by(outcome.kind);
    credit->set_credit_before(outcome.before.value);
    if (outcome.before.from_skill >= 0) {
      SetSkillLevel(index, static_cast<SkillIndex>(outcome.before.from_skill),
                    outcome.before.from_level, credit->mutable_from_skill());
      credit->set_from_label(
          std::string(tax.SkillLabel(static_cast<SkillIndex>(outcome.before.from_skill))));
    } else if (outcome.before.from_emerging >= 0) {
      const HeldEmerging& held = person.skills.emerging()[outcome.before.from_emerging];
      credit->mutable_from_skill()->set_level(static_cast<common::v1::Proficiency>(held.level));
      credit->set_from_label(held.label);
    }
    credit->set_closed_by_step(outcome.step >= 0 ? outcome.step + 1 : 0);
  }
}

}  // namespace pathways::matcher
