#include "services/matcher/skill_gaps.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "services/matcher/api_support.h"
#include "services/matcher/query.h"

namespace pathways::matcher {
namespace {

constexpr double kEpsilon = 1e-9;

struct Unlock {
  int roles = 0;
  double demand = 0;
  // The best three roles unlocked: (discounted openings, role).
  std::vector<std::pair<double, RoleId>> examples;
  // Gap skills it closes in the roles it unlocks (with repeats until the end).
  std::vector<TaughtSkill> closes;
  uint64_t last_signature = 0;  // Skips repeats from roles of one signature.
};

// What roles with one essential signature share: whether the person holds
// every essential skill and the entry level already, and otherwise the
// courses that alone close the rest, with the skills each closes.
struct SignatureUnlocks {
  bool ready = false;
  std::vector<CourseId> courses;
  std::vector<uint32_t> closes_end;  // Per course, into `closes`.
  std::vector<TaughtSkill> closes;
};

}  // namespace

absl::Status SkillGaps(const MatchIndex& index, const Policy& base,
                       const v1::SkillGapsRequest& request, const profiles::v1::Profile& profile,
                       Day today, v1::SkillGapsResponse* response) {
  absl::StatusOr<int> limit = CountOrDefault("limit", request.limit(), 10, 50);
  if (!limit.ok()) return limit.status();
  absl::StatusOr<ResolvedQuery> resolved = ResolveQuery(
      index, base, profile, request.has_inline_profile() ? "inline_profile" : "profile",
      request.filters(), request.weights(), today);
  if (!resolved.ok()) return resolved.status();
  const Person& person = resolved->person;
  const Policy& policy = resolved->policy;
  const Limits& limits = resolved->limits;
  QueryContext query(index, person, limits, policy);

  // A course the person could take as a first and only step.
  auto startable = [&](CourseId id) {
    const CourseEntry& course = index.course(id);
    if (!query.course(id).usable || course.min_rqf > person.rqf) return false;
    for (const TaughtSkill& entry : course.entry) {
      if (person.skills.LevelOf(entry.skill) < entry.level) return false;
    }
    return true;
  };
  auto held = [&](const RequiredSkillEntry& r) {
    return person.skills.LevelOfKey(r.key) >= r.level;
  };
  // The ESCO skill a course closes a required skill with, if it does.
  auto closes = [&](const CourseEntry& course, const RequiredSkillEntry& r, TaughtSkill* out) {
    SkillIndex via = 0;
    const int level = query.TeachesAt(course, r.key, r.level, &via);
    if (level == 0) return false;
    *out = TaughtSkill{via, static_cast<uint8_t>(level)};
    return true;
  };

  absl::flat_hash_map<uint64_t, SignatureUnlocks> signatures;
  auto unlocks_for = [&](const RoleHot& hot) -> const SignatureUnlocks& {
    auto [it, inserted] = signatures.try_emplace(hot.signature);
    SignatureUnlocks& s = it->second;
    if (!inserted) return s;
    const RoleEntry& role = index.role(hot.id);
    const int needed_rqf = role.entry_rqf > person.rqf ? role.entry_rqf : 0;
    // Try the courses teaching the essential gap skill that the fewest
    // courses teach (or, with none, those awarding the level) against the
    // rest.
    const RequiredSkillEntry* rarest = nullptr;
    size_t fewest = 0;
    for (const RequiredSkillEntry& r : role.essentials()) {
      if (held(r)) continue;
      const size_t n =
          IsEmergingKey(r.key)
              ? index.CoursesTeachingUnder(index.emerging(EmergingIdOf(r.key)).group).size()
              : index.CoursesTeaching(r.key).size();
      if (rarest == nullptr || n < fewest) {
        rarest = &r;
        fewest = n;
      }
    }
    s.ready = rarest == nullptr && needed_rqf == 0;
    if (s.ready) return s;
    std::vector<CourseId> tried;
    if (rarest != nullptr) {
      std::span<const CoursePosting> postings =
          IsEmergingKey(rarest->key)
              ? index.CoursesTeachingUnder(index.emerging(EmergingIdOf(rarest->key)).group)
              : index.CoursesTeaching(rarest->key);
      for (const CoursePosting& posting : postings) {
        if (posting.level >= rarest->level) tried.push_back(posting.course);
      }
    } else {
      for (int r = needed_rqf; r <= 8; ++r) {
        for (CourseId id : index.CoursesAwarding(r)) tried.push_back(id);
      }
    }
    std::sort(tried.begin(), tried.end());
    tried.erase(std::unique(tried.begin(), tried.end()), tried.end());
    for (CourseId id : tried) {
      if (!startable(id)) continue;
      const CourseEntry& course = index.course(id);
      if (needed_rqf > 0 && course.rqf_awarded < needed_rqf) continue;
      const size_t mark = s.closes.size();
      bool all = true;
      for (const RequiredSkillEntry& r : role.essentials()) {
        if (held(r)) continue;
        TaughtSkill via;
        if (!closes(course, r, &via)) {
          all = false;
          break;
        }
        s.closes.push_back(via);
      }
      if (!all) {
        s.closes.resize(mark);
        continue;
      }
      s.courses.push_back(id);
      s.closes_end.push_back(static_cast<uint32_t>(s.closes.size()));
    }
    return s;
  };

  std::vector<Unlock> unlocks(index.course_slots());
  std::vector<double> credit;
  std::vector<CourseId> tried;
  for (PlaceId p = 0; p < index.place_count(); ++p) {
    if (!query.PlaceInReach(p)) continue;
    for (const RoleHot& hot : index.RolesAt(p)) {
      if (!query.Ranks(hot)) continue;
      const SignatureUnlocks& s = unlocks_for(hot);
      // Coverage is sure when the essential skills alone reach it; else the
      // role's own credits decide.
      const double essential_weight = policy.essential_weight * hot.essential_count;
      const double total = essential_weight + (hot.skill_count - hot.essential_count);
      const double needed = policy.min_coverage * total - kEpsilon;
      const bool coverage_sure = essential_weight >= needed;
      if (s.ready && coverage_sure) continue;  // Ready now.
      if (!s.ready && s.courses.empty()) continue;
      const RoleEntry& role = index.role(hot.id);
      double before = 0;
      if (!coverage_sure) {
        credit.resize(role.skills.size());
        for (size_t i = 0; i < role.skills.size(); ++i) {
          const RequiredSkillEntry& r = role.skills[i];
          credit[i] = person.skills.CreditFor(r.key, r.level, policy.credit).value;
          before += (r.essential ? policy.essential_weight : 1.0) * credit[i];
        }
        if (s.ready && before >= needed) continue;  // Ready now.
      }
      // Coverage with a course, and the optional skills it closes.
      auto covered = [&](const CourseEntry& course, Unlock& u) {
        double after = before;
        for (size_t i = 0; i < role.skills.size(); ++i) {
          const RequiredSkillEntry& r = role.skills[i];
          if (credit[i] >= 1.0) continue;
          TaughtSkill via;
          if (!closes(course, r, &via)) continue;
          after += (r.essential ? policy.essential_weight : 1.0) * (1.0 - credit[i]);
          if (!r.essential) u.closes.push_back(via);
        }
        return after >= needed;
      };
      const double discounted = query.DiscountedOpenings(hot);
      auto unlock = [&](CourseId id, std::span<const TaughtSkill> closed) {
        Unlock& u = unlocks[id];
        ++u.roles;
        u.demand += discounted;
        u.examples.emplace_back(discounted, hot.id);
        std::sort(u.examples.begin(), u.examples.end(), [&](const auto& a, const auto& b) {
          if (a.first != b.first) return a.first > b.first;
          return index.role(a.second).name < index.role(b.second).name;
        });
        if (u.examples.size() > 3) u.examples.resize(3);
        if (u.last_signature != hot.signature || u.roles == 1) {
          u.closes.insert(u.closes.end(), closed.begin(), closed.end());
          u.last_signature = hot.signature;
        }
      };

      if (!s.ready) {
        for (size_t k = 0; k < s.courses.size(); ++k) {
          const CourseId id = s.courses[k];
          const uint32_t from = k == 0 ? 0 : s.closes_end[k - 1];
          std::span<const TaughtSkill> closed(s.closes.data() + from, s.closes_end[k] - from);
          if (!coverage_sure && !covered(index.course(id), unlocks[id])) continue;
          unlock(id, closed);
        }
        continue;
      }
      // Only coverage is short: a course teaching enough optional skills.
      tried.clear();
      for (size_t i = 0; i < role.skills.size(); ++i) {
        const RequiredSkillEntry& r = role.skills[i];
        if (credit[i] >= 1.0 || IsEmergingKey(r.key)) continue;
        for (const CoursePosting& posting : index.CoursesTeaching(r.key)) {
          if (posting.level >= r.level) tried.push_back(posting.course);
        }
      }
      std::sort(tried.begin(), tried.end());
      tried.erase(std::unique(tried.begin(), tried.end()), tried.end());
      for (CourseId id : tried) {
        if (startable(id) && covered(index.course(id), unlocks[id])) unlock(id, {});
      }
    }
  }

  std::vector<CourseId> order;
  for (CourseId id = 0; id < unlocks.size(); ++id) {
    if (unlocks[id].roles > 0) order.push_back(id);
  }
  std::sort(order.begin(), order.end(), [&](CourseId a, CourseId b) {
    if (unlocks[a].demand != unlocks[b].demand) return unlocks[a].demand > unlocks[b].demand;
    return index.course(a).name < index.course(b).name;
  });
  if (static_cast<int>(order.size()) > *limit) order.resize(*limit);

  response->Clear();
  for (CourseId id : order) {
    const CourseEntry& course = index.course(id);
    Unlock& u = unlocks[id];
    v1::UnlockingCourse* out = response->add_courses();
    out->set_course(course.name);
    out->set_title(course.title);
    out->set_provider_display_name(std::string(index.provider_display_name(course.provider)));
    std::sort(u.closes.begin(), u.closes.end(), [](const TaughtSkill& a, const TaughtSkill& b) {
      return a.skill != b.skill ? a.skill < b.skill : a.level > b.level;
    });
    for (size_t k = 0; k < u.closes.size(); ++k) {
      if (k > 0 && u.closes[k].skill == u.closes[k - 1].skill) continue;
      common::v1::SkillLevel* skill = out->add_skills_closed();
      skill->set_skill(index.taxonomy().SkillUri(u.closes[k].skill));
      skill->set_level(static_cast<common::v1::Proficiency>(u.closes[k].level));
    }
    out->set_roles_unlocked(u.roles);
    out->set_demand_unlocked(u.demand);
    for (const auto& [openings, role_id] : u.examples) {
      const RoleEntry& role = index.role(role_id);
      v1::RoleSummary* summary = out->add_example_roles();
      summary->set_role(role.name);
      summary->set_title(role.title);
      summary->set_employer_display_name(role.employer_display_name);
    }
  }
  FillIndexRevision(index, response->mutable_index_revision());
  return absl::OkStatus();
}

}  // namespace pathways::matcher
