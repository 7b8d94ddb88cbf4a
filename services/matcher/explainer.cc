#include "services/matcher/explainer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/matcher/api_support.h"
#include "services/taxonomy/absl_compat.h"

namespace pathways::matcher {
namespace {

using taxonomy::internal::StrCat;

constexpr size_t kMaxListed = 5;
constexpr int kDefaultSteps = 3;

std::string Km(double km) {
  if (km < 10) return absl::StrFormat("%.1f km", km);
  return absl::StrFormat("%.0f km", km);
}

// "a, b and c", or "a, b, c and 4 more".
std::string JoinLabels(const std::vector<std::string>& labels) {
  if (labels.empty()) return "";
  std::vector<std::string> shown(labels.begin(),
                                 labels.begin() + std::min(labels.size(), kMaxListed));
  if (labels.size() > kMaxListed) {
    return StrCat(absl::StrJoin(shown, ", "), " and ", labels.size() - kMaxListed, " more");
  }
  if (shown.size() == 1) return shown[0];
  std::string last = shown.back();
  shown.pop_back();
  return StrCat(absl::StrJoin(shown, ", "), " and ", last);
}

std::string ModeWords(common::v1::StudyMode mode) {
  switch (mode) {
    case common::v1::STUDY_MODE_FULL_TIME:
      return "full time";
    case common::v1::STUDY_MODE_PART_TIME:
      return "part time";
    case common::v1::STUDY_MODE_FLEXIBLE:
      return "flexible";
    default:
      return "any hours";
  }
}

std::string CostWords(const CourseCost& cost) {
  switch (cost.funding) {
    case training::v1::FUNDING_FREE_UNDER_19:
      return "free for you because you are under 19";
    case training::v1::FUNDING_ADULT_SKILLS_FUND:
      return "free for you through the adult skills fund, because you are 19 or over and do not "
             "yet have a level 3 qualification";
    case training::v1::FUNDING_EMPLOYER:
      return "paid for by the employer";
    case training::v1::FUNDING_ADVANCED_LEARNER_LOAN:
      return StrCat(FormatPounds(cost.pence),
                    ", which you could pay with an advanced learner loan");
    default:
      return cost.pence == 0 ? "free" : FormatPounds(cost.pence);
  }
}

std::string ProviderWords(const MatchIndex& index, const CourseEntry& course) {
  std::string_view display = index.provider_display_name(course.provider);
  if (!display.empty()) return std::string(display);
  std::string_view name = index.provider_name(course.provider);
  return std::string(name.substr(name.find('/') + 1));
}

}  // namespace

Blocker RoleBlocker(const QueryContext& query, const RoleEntry& role) {
  const Limits& limits = query.limits();
  if (!query.PlaceInReach(role.site)) return Blocker::kRoleTooFar;
  if (!ModeFits(limits.mode, role.work_mode)) return Blocker::kRoleMode;
  if (!RoleFiltersAllow(limits, role.emerging, role.apprenticeship, role.isco)) {
    return Blocker::kRoleFiltered;
  }
  return Blocker::kNone;
}

std::vector<std::string> ExplainPlan(const QueryContext& query, const Plan& plan,
                                     const ScoredPathway& scored) {
  const MatchIndex& index = query.index();
  const taxonomy::Taxonomy& tax = index.taxonomy();
  const RoleEntry& role = index.role(plan.role);
  const Limits& limits = query.limits();
  const Policy& policy = query.policy();
  std::vector<std::string> out;

  const Place& site = index.place(role.site);
  std::string employer = role.employer_display_name;
  if (employer.empty()) {
    std::string_view name = index.employer_name(role.employer);
    employer = std::string(name.substr(name.find('/') + 1));
  }
  out.push_back(StrCat(
      role.title, " at ", employer, " is work as a ", tax.OccupationLabel(role.occupation), " in ",
      site.outcode, site.district_name.empty() ? "" : StrCat(" (", site.district_name, ")"), ", ",
      Km(query.PlaceKm(role.site)), " from home.",
      role.apprenticeship ? " It is an apprenticeship: training is part of the job." : ""));

  std::vector<std::string> have;
  std::vector<std::string> partial;
  std::vector<std::string> optional_left;
  for (size_t i = 0; i < plan.skills.size(); ++i) {
    const SkillOutcome& outcome = plan.skills[i];
    const RequiredSkillEntry& required = role.skills[i];
    const std::string label(index.SkillKeyLabel(required.key));
    if (outcome.before.kind == v1::MATCH_KIND_EXACT) {
      have.push_back(label);
      continue;
    }
    if (outcome.before.value > 0 && partial.size() < 3) {
      std::string from;
      if (outcome.before.from_skill >= 0) {
        from = std::string(tax.SkillLabel(static_cast<SkillIndex>(outcome.before.from_skill)));
      } else if (outcome.before.from_emerging >= 0) {
        from = query.person().skills.emerging()[outcome.before.from_emerging].label;
      }
      if (outcome.before.kind == v1::MATCH_KIND_LOWER_LEVEL) {
        partial.push_back(StrCat("You have ", label,
                                 ", but not yet at the level this job needs, so it counts for "
                                 "part of it."));
      } else {
        partial.push_back(StrCat("Your skill in ", from, " is related to ", label,
                                 ", which this job needs, so it counts for a little; it is not "
                                 "the same skill, so you would still need to learn ",
                                 label, "."));
      }
    }
    if (!required.essential && outcome.after < 1.0) optional_left.push_back(label);
  }
  if (!have.empty()) {
    out.push_back(StrCat("You already have ", JoinLabels(have), ", which this job needs."));
  } else {
    out.push_back("You do not yet have any of the skills this job asks for at the level it needs.");
  }
  for (std::string& p : partial) out.push_back(std::move(p));

  for (size_t k = 0; k < plan.steps.size(); ++k) {
    const PlannedStep& step = plan.steps[k];
    const CourseEntry& course = index.course(step.course);
    std::vector<std::string> teaches;
    for (size_t i = 0; i < plan.skills.size(); ++i) {
      if (plan.skills[i].step == static_cast<int>(k)) {
        teaches.push_back(std::string(index.SkillKeyLabel(role.skills[i].key)));
      }
    }
    std::string where = course.online ? std::string("online")
                                      : StrCat("in ", index.place(course.venue).outcode, ", ",
                                               Km(step.travel_km), " from home");
    std::string sentence =
        StrCat("Step ", k + 1, ": ", course.title, " at ", ProviderWords(index, course), " (",
               course.duration_weeks, " weeks, ", ModeWords(course.study_mode), ", ", where,
               ", starting ", FormatDay(step.start), ", ", CostWords(step.cost), ")");
    if (!teaches.empty()) {
      absl::StrAppend(&sentence, " teaches ", JoinLabels(teaches), ", which you need.");
    } else {
      absl::StrAppend(&sentence, ".");
    }
    std::vector<std::string> enables;
    int for_step = -1;
    for (const EntryClosure& closure : plan.entry_closures) {
      if (closure.step != static_cast<int>(k)) continue;
      enables.push_back(std::string(tax.SkillLabel(closure.skill)));
      for_step = closure.for_step;
    }
    if (!enables.empty()) {
      absl::StrAppend(&sentence, " It also gives you ", JoinLabels(enables),
                      ", which you need before you can start step ", for_step + 1, ".");
    }
    if (plan.qualification_step == static_cast<int>(k)) {
      absl::StrAppend(&sentence, " It leads to a level ", course.rqf_awarded,
                      " qualification, which this job asks for.");
    }
    out.push_back(std::move(sentence));
  }

  if (plan.feasible) {
    if (plan.steps.empty()) {
      out.push_back("You could apply for this job now.");
    } else {
      out.push_back(StrCat("You could be ready to apply by ", FormatDay(plan.ready), ", about ",
                           plan.weeks_to_ready, " weeks from now."));
    }
    if (!optional_left.empty()) {
      out.push_back(StrCat("It would also help to have ", JoinLabels(optional_left),
                           ", but the job does not require them."));
    }
  } else {
    auto label_of = [&](int item) {
      return item >= 0 ? std::string(index.SkillKeyLabel(role.skills[item].key))
                       : std::string("a skill it needs");
    };
    auto course_of = [&](int step) -> std::string {
      if (step < 0 || step >= static_cast<int>(plan.steps.size())) return "A course";
      return index.course(plan.steps[step].course).title;
    };
    std::string why;
    switch (plan.blocker) {
      case Blocker::kRoleTooFar:
        why = StrCat("This job is ", Km(query.PlaceKm(role.site)), " from home, further than the ",
                     Km(limits.max_travel_km), " you can travel.");
        break;
      case Blocker::kRoleMode:
        why = StrCat("This job is ", ModeWords(role.work_mode), ", which does not fit the ",
                     ModeWords(limits.mode), " hours you are looking for.");
        break;
      case Blocker::kRoleFiltered:
        why =
            "This job is outside the choices made for this search (for example new kinds of "
            "work only, apprenticeships only, or certain families of jobs).";
        break;
      case Blocker::kSkillNotTaught:
        why = StrCat("No course within ", Km(limits.max_travel_km), " that you could take teaches ",
                     label_of(plan.blocker_item),
                     " to the level this job needs, so this pathway does not work yet.");
        break;
      case Blocker::kTooManySteps:
        why = StrCat("It would take more than ", limits.max_steps,
                     " courses to learn everything this job needs, including ",
                     label_of(plan.blocker_item), ".");
        break;
      case Blocker::kQualification:
        why = StrCat("This job asks for a level ", static_cast<int>(role.entry_rqf),
                     " qualification, and this pathway does not lead to one.");
        break;
      case Blocker::kCoverage:
        why = "Even after these courses you would have too few of the skills this job asks for.";
        break;
      case Blocker::kSkillNotClosed:
        why = StrCat("These courses do not teach ", label_of(plan.blocker_item),
                     " to the level this job needs.");
        break;
      case Blocker::kUnknownCourse:
        why = StrCat("Step ", plan.blocker_step + 1, " is not a course that is offered now.");
        break;
      case Blocker::kNoPlaces:
        why = StrCat(course_of(plan.blocker_step), " has no places left.");
        break;
      case Blocker::kCourseMode:
        why = StrCat(course_of(plan.blocker_step), " is ",
                     ModeWords(index.course(plan.steps[plan.blocker_step].course).study_mode),
                     ", which does not fit the ", ModeWords(limits.mode),
                     " hours you are looking for.");
        break;
      case Blocker::kCourseTooFar:
        why = StrCat(course_of(plan.blocker_step), " is ",
                     Km(plan.steps[plan.blocker_step].travel_km), " from home, further than the ",
                     Km(limits.max_travel_km), " you can travel.");
        break;
      case Blocker::kTooYoung:
        why = StrCat("You would be too young to start ", course_of(plan.blocker_step),
                     " on any of its start dates: you need to be ",
                     static_cast<int>(index.course(plan.steps[plan.blocker_step].course).min_age),
                     " or over.");
        break;
      case Blocker::kNoStartDate:
        why = StrCat(course_of(plan.blocker_step),
                     " has no start date after the step before it ends.");
        break;
      case Blocker::kEntrySkill:
        why = StrCat(course_of(plan.blocker_step), " needs you to have ",
                     tax.SkillLabel(plan.blocker_skill),
                     " before you start, and no earlier step teaches it.");
        break;
      case Blocker::kEntryQualification:
        why = StrCat(course_of(plan.blocker_step), " needs a level ",
                     static_cast<int>(index.course(plan.steps[plan.blocker_step].course).min_rqf),
                     " qualification before you start.");
        break;
      case Blocker::kTooLong:
        why = StrCat("This pathway takes ", plan.weeks_to_ready, " weeks, longer than the ",
                     limits.max_weeks.value_or(0), " weeks allowed.");
        break;
      case Blocker::kTooDear:
        why = StrCat("This pathway costs ", FormatPounds(plan.total_cost_pence),
                     " after funding, more than the ",
                     FormatPounds(limits.max_cost_pence.value_or(0)), " allowed.");
        break;
      case Blocker::kNone:
        why = "This pathway does not work yet.";
        break;
    }
    out.push_back(std::move(why));
  }

  const int64_t openings = std::llround(scored.openings);
  if (openings > 0) {
    out.push_back(StrCat(
        "This job is in demand: ", openings, openings == 1 ? " opening" : " openings", " expected ",
        HorizonPhrase(limits.horizon), " within ", Km(limits.max_travel_km), " of home."));
  } else {
    out.push_back(StrCat("No openings in this kind of work are expected ",
                         HorizonPhrase(limits.horizon), " within ", Km(limits.max_travel_km),
                         " of home."));
  }
  if (role.emerging) {
    out.push_back(
        "This is a new or changing kind of work, so openings expected in later years count in "
        "full.");
  }
  out.push_back(StrCat("It pays ", role.pay_min_pence > 0 ? "" : "about ",
                       FormatPounds(role.annual_pay_pence), " a year",
                       role.pay_min_pence > 0 ? "." : " (typical for this kind of work).", ""));
  out.push_back(StrCat("The furthest you would travel is ", Km(scored.travel_km), "."));

  struct Part {
    const char* name;
    double value;
    double weight;
  };
  const Components& c = scored.components;
  const Part parts[] = {
      {"how many jobs there are", c.demand, policy.demand_weight},
      {"pay", c.pay, policy.pay_weight},
      {"how soon you could be ready", c.time, policy.time_weight},
      {"cost", c.cost, policy.cost_weight},
      {"travel", c.distance, policy.distance_weight},
      {"fit with your interests", c.interest, policy.interest_weight},
  };
  const Part* best = nullptr;
  const Part* worst = nullptr;
  for (const Part& part : parts) {
    if (part.weight <= 0) continue;
    if (best == nullptr || part.value > best->value) best = &part;
    if (worst == nullptr || part.value < worst->value) worst = &part;
  }
  std::string score =
      plan.feasible ? absl::StrFormat("Overall this scores %.2f out of 1", scored.score)
                    : absl::StrFormat(
                          "It scores 0 because it does not work yet; if it did, it would score "
                          "%.2f out of 1",
                          scored.score);
  if (best != nullptr && worst != nullptr && best != worst) {
    absl::StrAppend(&score, absl::StrFormat(": it does best on %s (%.2f) and worst on %s (%.2f)",
                                            best->name, best->value, worst->name, worst->value));
  }
  absl::StrAppend(&score, ".");
  out.push_back(std::move(score));
  return out;
}

absl::Status ExplainPathway(const MatchIndex& index, const Policy& base,
                            const v1::ExplainPathwayRequest& request,
                            const profiles::v1::Profile& profile, Day today,
                            v1::ExplainPathwayResponse* response) {
  std::optional<RoleId> role_id = index.FindRole(request.role());
  if (request.role().empty()) return absl::InvalidArgumentError("role is required");
  if (!role_id.has_value()) {
    return absl::NotFoundError(StrCat("role \"", request.role(), "\" is not in the index"));
  }
  if (request.courses_size() > kMaxSteps) {
    return absl::InvalidArgumentError(StrCat("courses must list at most ", kMaxSteps));
  }
  std::vector<CourseId> courses;
  for (int i = 0; i < request.courses_size(); ++i) {
    std::optional<CourseId> course = index.FindCourse(request.courses(i));
    if (!course.has_value()) {
      return absl::NotFoundError(
          StrCat("courses[", i, "] \"", request.courses(i), "\" is not in the index"));
    }
    courses.push_back(*course);
  }
  absl::StatusOr<ResolvedQuery> resolved = ResolveQuery(
      index, base, profile, request.has_inline_profile() ? "inline_profile" : "profile",
      request.filters(), request.weights(), today);
  if (!resolved.ok()) return resolved.status();
  resolved->limits.max_steps = courses.empty() ? kDefaultSteps : kMaxSteps;

  QueryContext query(index, resolved->person, resolved->limits, resolved->policy);
  Scorer scorer(query);
  scorer.CountRolesInReach();
  Planner planner(query);
  Plan plan;
  if (courses.empty()) {
    planner.PlanRole(*role_id, &plan);
  } else {
    planner.EvaluateCourses(*role_id, courses, &plan);
  }
  const Blocker role_blocker = RoleBlocker(query, index.role(*role_id));
  if (role_blocker != Blocker::kNone) {
    plan.feasible = false;
    plan.blocker = role_blocker;
  }
  ScoredPathway scored = scorer.Score(index.role(*role_id), plan);

  response->Clear();
  v1::Pathway* pathway = response->mutable_pathway();
  scorer.FillPathway(plan, scored, pathway);
  pathway->set_rank(0);
  // An unworkable pathway must not look like a good one.
  if (!plan.feasible) pathway->set_score(0);
  response->set_feasible(plan.feasible);
  for (std::string& sentence : ExplainPlan(query, plan, scored)) {
    response->add_explanation(std::move(sentence));
  }
  FillIndexRevision(index, response->mutable_index_revision());
  ToWeights(resolved->policy, response->mutable_effective_weights());
  return absl::OkStatus();
}

}  // namespace pathways::matcher
