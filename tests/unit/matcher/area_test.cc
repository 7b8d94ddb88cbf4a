#include "services/matcher/area.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/matcher/economy_fixture.h"

namespace pathways::matcher {
namespace {

using testing::MakeProfile;
using testing::MakeRole;
using testing::PersonSpec;
using testing::RoleSpec;

// One query's context, kept alive for as long as the test needs it.
struct Query {
  std::unique_ptr<Person> person;
  Limits limits;
  std::unique_ptr<QueryContext> context;
};

class AreaTest : public ::testing::Test {
 protected:
  AreaTest() : index_(testing::NewIndex()) {}

  void AddRole(const RoleSpec& spec) {
    ASSERT_TRUE(index_->UpsertRole(MakeRole(spec)).ok()) << spec.name;
  }
  RoleSpec Role(const std::string& id, const std::string& occupation,
                std::vector<testing::SkillSpec> essential, const std::string& outcode = "M1",
                int64_t pay = 2'500'000) {
    RoleSpec spec;
    spec.name = "employers/e/roles/" + id;
    spec.occupation = occupation;
    spec.outcode = outcode;
    spec.essential = std::move(essential);
    spec.annual_pay_pence = pay;
    return spec;
  }
  std::unique_ptr<Query> QueryFrom(const PersonSpec& spec, const v1::PathwayFilters& filters = {}) {
    auto query = std::make_unique<Query>();
    absl::StatusOr<Person> person = ResolvePerson(*index_, MakeProfile(spec), "profile");
    EXPECT_TRUE(person.ok()) << person.status();
    query->person = std::make_unique<Person>(*std::move(person));
    absl::StatusOr<Limits> limits =
        ResolveLimits(filters, *query->person, policy_, testing::Today(), "filters");
    EXPECT_TRUE(limits.ok()) << limits.status();
    query->limits = *limits;
    query->context =
        std::make_unique<QueryContext>(*index_, *query->person, query->limits, policy_);
    return query;
  }
  OccupationIndex Occupation(std::string_view label) {
    return *index_->taxonomy().FindOccupation(testing::OccupationUri(label));
  }
  std::string RoleName(const Area& area, uint32_t k) {
    return index_->role(area.roles()[k].id).name;
  }

  std::unique_ptr<MatchIndex> index_;
  Policy policy_;
};

TEST_F(AreaTest, GroupsRolesByOccupationThenSignature) {
  AddRole(Role("porter-a", "kitchen porter", {{"clean surfaces", 2}}, "M4", 2'000'000));
  AddRole(Role("cook", "cook", {{"clean surfaces", 2}}));
  AddRole(Role("porter-b", "kitchen porter", {{"dispose waste", 2}}));
  AddRole(Role("porter-c", "kitchen porter", {{"clean surfaces", 2}}, "M1", 2'600'000));
  std::unique_ptr<Query> query = QueryFrom({.outcode = "M1"});
  const Area area(*query->context);

  ASSERT_EQ(area.roles().size(), 4u);
  ASSERT_EQ(area.occupations().size(), 2u);
  const OccupationIndex porter = Occupation("kitchen porter");
  const OccupationIndex cook = Occupation("cook");
  EXPECT_EQ(area.occupations()[0].occupation, std::min(porter, cook));
  EXPECT_EQ(area.occupations()[1].occupation, std::max(porter, cook));
  const AreaOccupation& porters = area.occupations()[porter < cook ? 0 : 1];
  EXPECT_EQ(porters.end - porters.begin, 3u);
  EXPECT_EQ(porters.best_pay, 2'600'000);
  EXPECT_EQ(index_->place(porters.nearest).outcode, "M1");
  ASSERT_EQ(porters.groups_end - porters.groups_begin, 2u);
  // The two porters who clean surfaces share a group; the third is alone.
  std::vector<std::vector<std::string>> members;
  for (uint32_t g = porters.groups_begin; g < porters.groups_end; ++g) {
    const AreaGroup& group = area.groups()[g];
    std::vector<std::string> names;
    for (uint32_t k = group.begin; k < group.end; ++k) names.push_back(RoleName(area, k));
    std::sort(names.begin(), names.end());
    members.push_back(names);
    if (names.size() == 2) {
      EXPECT_EQ(group.best_pay, 2'600'000);
      EXPECT_EQ(index_->place(group.nearest).outcode, "M1");
      EXPECT_EQ(group.first_name_hash,
                std::min(index_->role(area.roles()[group.begin].id).name_hash,
                         index_->role(area.roles()[group.begin + 1].id).name_hash));
    }
  }
  std::sort(members.begin(), members.end());
  EXPECT_EQ(members, (std::vector<std::vector<std::string>>{
                         {"employers/e/roles/porter-a", "employers/e/roles/porter-c"},
                         {"employers/e/roles/porter-b"}}));
}

TEST_F(AreaTest, CountsDemandOfRolesTheFiltersDropButNotOfRolesOutOfReach) {
  RoleSpec near = Role("near", "kitchen porter", {{"clean surfaces", 2}});
  near.openings_now = 3;
  AddRole(near);
  RoleSpec emerging = Role("emerging", "kitchen porter", {{"dispose waste", 2}});
  emerging.emerging = true;
  emerging.openings_now = 0;
  emerging.in_1_year = 4;
  AddRole(emerging);
  RoleSpec far = Role("far", "kitchen porter", {{"clean surfaces", 2}}, "L1");
  far.openings_now = 100;
  AddRole(far);
  v1::PathwayFilters filters;
  filters.set_emerging_only(true);
  std::unique_ptr<Query> query = QueryFrom({.outcode = "M1"}, filters);
  const Area area(*query->context);

  ASSERT_EQ(area.roles().size(), 1u);
  EXPECT_EQ(RoleName(area, 0), "employers/e/roles/emerging");
  ASSERT_EQ(area.demand().size(), 1u);
  EXPECT_EQ(area.demand()[0].first, Occupation("kitchen porter"));
  EXPECT_EQ(area.demand()[0].second.now, 3);  // The near role's, not the far one's.
  EXPECT_EQ(area.demand()[0].second.emerging, 4);
}

TEST_F(AreaTest, QueriesFromOneHomeShareTheirArea) {
  AddRole(Role("porter", "kitchen porter", {{"clean surfaces", 2}}));
  AreaCache cache(size_t{1} << 20);
  std::unique_ptr<Query> first = QueryFrom({.outcode = "M1"});
  std::unique_ptr<Query> other_person =
      QueryFrom({.outcode = "M1", .skills = {{"clean surfaces", 2}}, .rqf = 3});
  std::unique_ptr<Query> elsewhere = QueryFrom({.outcode = "M4"});
  v1::PathwayFilters full_time, part_time;
  full_time.set_study_mode(common::v1::STUDY_MODE_FULL_TIME);
  part_time.set_study_mode(common::v1::STUDY_MODE_PART_TIME);
  std::unique_ptr<Query> full_time_query = QueryFrom({.outcode = "M1"}, full_time);
  std::unique_ptr<Query> part_time_query = QueryFrom({.outcode = "M1"}, part_time);

  int told_hits = 0, told_misses = 0;
  size_t told_areas = 0;
  cache.set_observer([&](AreaLookup lookup, const AreaCache::Stats& now) {
    ++(lookup == AreaLookup::kHit ? told_hits : told_misses);
    told_areas = now.areas;
  });

  const std::shared_ptr<const Area> area = cache.Get(*first->context);
  EXPECT_EQ(cache.Get(*other_person->context), area);
  // Full time takes roles of every mode, as no mode given does.
  EXPECT_EQ(cache.Get(*full_time_query->context), area);
  EXPECT_NE(cache.Get(*elsewhere->context), area);
  EXPECT_NE(cache.Get(*part_time_query->context), area);
  const AreaCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 3u);
  EXPECT_EQ(stats.areas, 3u);
  // The observer (metrics) is told of every lookup.
  EXPECT_EQ(told_hits, 2);
  EXPECT_EQ(told_misses, 3);
  EXPECT_EQ(told_areas, 3u);
}

TEST_F(AreaTest, ARoleChangeMakesTheNextQueryBringItsAreaUpToDate) {
  AddRole(Role("porter", "kitchen porter", {{"clean surfaces", 2}}));
  AreaCache cache(size_t{1} << 20);
  int told_patches = 0;
  cache.set_observer([&](AreaLookup lookup, const AreaCache::Stats&) {
    told_patches += lookup == AreaLookup::kPatched;
  });
  std::unique_ptr<Query> query = QueryFrom({.outcode = "M1"});
  const std::shared_ptr<const Area> before = cache.Get(*query->context);
  ASSERT_EQ(before->roles().size(), 1u);
  // Another index's area, which this index's changes leave alone.
  auto other = testing::NewIndex();
  ASSERT_TRUE(other->UpsertRole(MakeRole(Role("porter", "kitchen porter", {}))).ok());
  absl::StatusOr<Person> person = ResolvePerson(*other, MakeProfile({.outcode = "M1"}), "profile");
  ASSERT_TRUE(person.ok());
  const QueryContext other_query(*other, *person, query->limits, policy_);
  const std::shared_ptr<const Area> kept = cache.Get(other_query);
  ASSERT_EQ(cache.stats().areas, 2u);

  AddRole(Role("cook", "cook", {{"clean surfaces", 2}}));
  const std::shared_ptr<const Area> added = cache.Get(*query->context);
  EXPECT_EQ(added->roles().size(), 2u);
  EXPECT_EQ(cache.stats().patches, 1u);
  EXPECT_EQ(told_patches, 1);
  // One area a home: the patched one took the place of the old.
  EXPECT_EQ(cache.stats().areas, 2u);
  EXPECT_EQ(cache.stats().bytes, added->bytes() + kept->bytes());
  EXPECT_EQ(cache.Get(*query->context), added);
  EXPECT_EQ(cache.Get(other_query), kept);

  ASSERT_TRUE(index_->RemoveRole("employers/e/roles/porter"));
  const std::shared_ptr<const Area> removed = cache.Get(*query->context);
  ASSERT_EQ(removed->roles().size(), 1u);
  EXPECT_EQ(RoleName(*removed, 0), "employers/e/roles/cook");
  EXPECT_EQ(cache.stats().patches, 2u);
  EXPECT_EQ(before->roles().size(), 1u);  // An area in use is never changed.

  // Changes beyond what the index recalls: the area is built anew.
  const uint64_t misses = cache.stats().misses;
  RoleSpec cook = Role("cook", "cook", {{"clean surfaces", 2}});
  for (size_t k = 0; k <= MatchIndex::kRoleChangesRecalled / 2; ++k) {
    cook.openings_now = static_cast<int>(k % 3) + 1;
    AddRole(cook);
  }
  EXPECT_EQ(cache.Get(*query->context)->roles().size(), 1u);
  EXPECT_EQ(cache.stats().misses, misses + 1);
  EXPECT_EQ(cache.stats().patches, 2u);
}

// Everything ranking reads of an area, in order.
std::string Describe(const MatchIndex& index, const Area& area) {
  std::string out;
  for (const AreaOccupation& o : area.occupations()) {
    out += "occupation " + std::to_string(o.occupation) + " roles " + std::to_string(o.begin) +
           ".." + std::to_string(o.end) + " groups " + std::to_string(o.groups_begin) + ".." +
           std::to_string(o.groups_end) + " pay " + std::to_string(o.best_pay) + " nearest " +
           std::to_string(o.nearest) + "\n";
  }
  for (const AreaGroup& g : area.groups()) {
    out += "group " + std::to_string(g.begin) + ".." + std::to_string(g.end) + " pay " +
           std::to_string(g.best_pay) + " nearest " + std::to_string(g.nearest) + " rqf " +
           std::to_string(g.entry_rqf) + " signature " + std::to_string(g.signature_id) + " hash " +
           std::to_string(g.first_name_hash) + "\n";
  }
  for (const AreaRole& r : area.roles()) {
    out += index.role(r.id).name + " signature " + std::to_string(r.signature_id) + " site " +
           std::to_string(r.site) + "\n";
  }
  for (const auto& [occupation, d] : area.demand()) {
    out += "demand " + std::to_string(occupation) + ": " + std::to_string(d.now) + " " +
           std::to_string(d.in_1_year) + " " + std::to_string(d.in_2_years) + " " +
           std::to_string(d.in_5_years) + " " + std::to_string(d.emerging) + "\n";
  }
  return out;
}

TEST_F(AreaTest, AnAreaBroughtUpToDateIsTheAreaBuiltAfresh) {
  RoleSpec far = Role("far", "cook", {{"clean surfaces", 2}}, "L1");
  RoleSpec emerging = Role("emerging", "kitchen porter", {{"dispose waste", 2}}, "M4");
  emerging.emerging = true;
  emerging.openings_now = 0;
  emerging.in_1_year = 4;
  const std::vector<RoleSpec> roles = {
      Role("porter-a", "kitchen porter", {{"clean surfaces", 2}}, "M4", 2'000'000),
      Role("porter-b", "kitchen porter", {{"dispose waste", 2}}),
      Role("cook-a", "cook", {{"clean surfaces", 2}}, "M1", 2'700'000),
      Role("cook-b", "cook", {{"clean surfaces", 3}}, "M13"),
      Role("chef", "chef", {{"clean surfaces", 2}, {"dispose waste", 1}}),
      far,
      emerging};
  for (const RoleSpec& role : roles) AddRole(role);
  v1::PathwayFilters emerging_only;
  emerging_only.set_emerging_only(true);
  std::vector<std::unique_ptr<Query>> queries;
  queries.push_back(QueryFrom({.outcode = "M1"}));
  queries.push_back(QueryFrom({.outcode = "M13"}));
  queries.push_back(QueryFrom({.outcode = "M1"}, emerging_only));
  AreaCache cache(size_t{1} << 20);
  for (const auto& query : queries) cache.Get(*query->context);

  // Each step changes roles one way; after it every area, brought up to
  // date from the one before, must be what building it afresh gives.
  RoleSpec moved = roles[0];
  moved.occupation = "cook";  // Leaves one occupation for another.
  RoleSpec closer = far;
  closer.outcode = "M4";  // Comes within reach.
  RoleSpec filled = roles[2];
  filled.openings_now = 0;  // No longer ranks, but its occupation is still sited.
  RoleSpec retrained = roles[3];
  retrained.essential = {{"dispose waste", 2}};  // Another signature.
  RoleSpec renamed = roles[4];
  renamed.name = "employers/e/roles/sous-chef";
  RoleSpec dearer = roles[1];
  dearer.annual_pay_pence = 3'100'000;
  RoleSpec now_open = emerging;
  now_open.openings_now = 2;
  const std::vector<std::pair<std::string, std::function<void()>>> steps = {
      {"a role moved occupation", [&] { AddRole(moved); }},
      {"a role came within reach", [&] { AddRole(closer); }},
      {"a role filled", [&] { AddRole(filled); }},
      {"a role's skills changed", [&] { AddRole(retrained); }},
      {"a role added", [&] { AddRole(renamed); }},
      {"a role's pay rose", [&] { AddRole(dearer); }},
      {"an emerging role opened", [&] { AddRole(now_open); }},
      {"a role removed, its occupation emptied",
       [&] {
         ASSERT_TRUE(index_->RemoveRole(renamed.name));
         ASSERT_TRUE(index_->RemoveRole(roles[4].name));
       }},
      {"a role added in a new occupation",
       [&] {
         AddRole(Role("baker", "baker", {{"clean surfaces", 1}}));
       }},
  };
  for (const auto& [what, step] : steps) {
    step();
    for (size_t q = 0; q < queries.size(); ++q) {
      const AreaCache::Stats stats = cache.stats();
      const std::shared_ptr<const Area> patched = cache.Get(*queries[q]->context);
      EXPECT_EQ(cache.stats().patches, stats.patches + 1) << what;
      EXPECT_EQ(Describe(*index_, *patched), Describe(*index_, Area(*queries[q]->context)))
          << what << ", query " << q;
    }
  }
}

TEST_F(AreaTest, TheCacheKeepsWithinItsBudgetDroppingTheLeastRecentlyUsed) {
  AddRole(Role("porter", "kitchen porter", {{"clean surfaces", 2}}));
  std::unique_ptr<Query> m1 = QueryFrom({.outcode = "M1"});
  std::unique_ptr<Query> m4 = QueryFrom({.outcode = "M4"});
  std::unique_ptr<Query> m13 = QueryFrom({.outcode = "M13"});
  const size_t one = Area(*m1->context).bytes();
  AreaCache cache(2 * one + one / 2);  // Room for two.

  cache.Get(*m1->context);
  cache.Get(*m4->context);
  cache.Get(*m1->context);   // M1 is now the more recent.
  cache.Get(*m13->context);  // Evicts M4.
  AreaCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.areas, 2u);
  EXPECT_LE(stats.bytes, 2 * one + one / 2);
  cache.Get(*m1->context);
  cache.Get(*m13->context);
  EXPECT_EQ(cache.stats().hits, stats.hits + 2);
  cache.Get(*m4->context);
  EXPECT_EQ(cache.stats().misses, stats.misses + 1);

  cache.set_max_bytes(0);  // Keeps only the newest, which a query may be using.
  EXPECT_EQ(cache.stats().areas, 1u);
}

TEST_F(AreaTest, ThreadsShareOneCache) {
  for (int i = 0; i < 20; ++i) {
    AddRole(Role("porter-" + std::to_string(i), "kitchen porter", {{"clean surfaces", 2}},
                 i % 2 == 0 ? "M1" : "M4"));
  }
  const std::vector<std::string> homes = {"M1", "M4", "M13", "M14"};
  std::vector<std::unique_ptr<Query>> queries;
  for (const std::string& home : homes) queries.push_back(QueryFrom({.outcode = home}));
  std::vector<size_t> expected;
  auto expect_fresh = [&] {
    expected.clear();
    for (const auto& query : queries) expected.push_back(Area(*query->context).roles().size());
  };

  AreaCache cache(size_t{1} << 20);
  constexpr int kThreads = 4, kGets = 200;
  // Threads ask at once; after a role change they bring the areas up to
  // date at once too, each keeping one of the same.
  auto run = [&] {
    std::vector<int> wrong(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kGets; ++i) {
          const size_t q = static_cast<size_t>(i + t) % queries.size();
          if (cache.Get(*queries[q]->context)->roles().size() != expected[q]) ++wrong[t];
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
  };
  expect_fresh();
  run();
  AreaCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits + stats.misses, uint64_t{kThreads * kGets});
  EXPECT_EQ(stats.patches, 0u);
  EXPECT_EQ(stats.areas, homes.size());

  AddRole(Role("porter-new", "kitchen porter", {{"clean surfaces", 2}}, "M4"));
  ASSERT_TRUE(index_->RemoveRole("employers/e/roles/porter-0"));
  expect_fresh();
  run();
  stats = cache.stats();
  EXPECT_EQ(stats.hits + stats.patches + stats.misses, uint64_t{2 * kThreads * kGets});
  EXPECT_GE(stats.patches, homes.size());
  EXPECT_EQ(stats.areas, homes.size());
}

}  // namespace
}  // namespace pathways::matcher
