// Benchmarks of the matcher's engine on a generated economy.
//
//   matcher_bench [--scale=demo|city|region] [--queries=N] [--seed=N]
//                 [--top-k=N] [--per-occupation=N] [--change=courses|roles]
//                 [--rank=0|1] [Google Benchmark flags]
//
// Builds the index from a streamed economy (so the generated protos are
// never all in memory) and reports the build time and the process's resident
// memory (VmRSS and peak VmHWM from /proc/self/status). Then times
// RankPathways (top 10, at most 3 steps, 30 km, the service's default limit
// of pathways per occupation; --top-k and --per-occupation change them) for N
// generated profiles, one query at a time on one thread, once to warm the
// caches a running service keeps (and to time what a home's first query
// costs more) and once measured (with --change, each measured query just
// after a change to one course's cost or one role's openings, so the figures
// show what a change costs the next ranking): it prints the p50, p99, mean
// and maximum, what the slowest 1% of queries and the 1% with the most plans
// did and a digest of the answers, before Google Benchmark's own runs of
// RankPathways, ExplainPathway and SkillGaps.
#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pathways/matcher/v1/matcher_service.pb.h"
#include "services/matcher/area.h"
#include "services/matcher/calendar.h"
#include "services/matcher/explainer.h"
#include "services/matcher/match_index.h"
#include "services/matcher/ranker.h"
#include "services/matcher/ranking_policy.h"
#include "services/matcher/skill_gaps.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"
#include "tests/generator/economy_generator.h"

namespace {

using pathways::generator::EconomyGenerator;
using pathways::generator::EconomyOptions;
using pathways::matcher::Day;
using pathways::matcher::MatchIndex;
using pathways::matcher::Policy;
using Clock = std::chrono::steady_clock;

// kB from a "Name:   123 kB" line of /proc/self/status.
long StatusKb(const char* name) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(name);
  while (std::getline(status, line)) {
    if (line.compare(0, n, name) == 0 && line.size() > n && line[n] == ':') {
      return std::strtol(line.c_str() + n + 1, nullptr, 10);
    }
  }
  return -1;
}

double Mb(long kb) { return kb / 1024.0; }

// CPU time of this thread, in microseconds: unlike wall time it does not
// count time the machine spent on other work.
double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

struct Percentiles {
  double p50, p99, mean, max;
};

Percentiles Summarise(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  auto at = [&](double p) {
    size_t k = static_cast<size_t>(std::ceil(p * values.size()));
    return values[std::min(k == 0 ? 0 : k - 1, values.size() - 1)];
  };
  double sum = 0;
  for (double v : values) sum += v;
  return Percentiles{at(0.5), at(0.99), sum / values.size(), values.back()};
}

struct Setup {
  std::unique_ptr<const pathways::taxonomy::Taxonomy> taxonomy;
  std::unique_ptr<const pathways::taxonomy::Geography> geography;
  std::unique_ptr<EconomyGenerator> generator;
  std::unique_ptr<MatchIndex> index;
  Policy policy;
  Day today = 0;
  std::vector<pathways::matcher::v1::RankPathwaysRequest> requests;
  std::vector<pathways::profiles::v1::Profile> profiles;
};

Setup* g_setup = nullptr;

void BM_RankPathways(benchmark::State& state) {
  Setup& s = *g_setup;
  size_t i = 0;
  pathways::matcher::v1::RankPathwaysResponse response;
  for (auto _ : state) {
    const size_t k = i++ % s.requests.size();
    absl::Status status = pathways::matcher::RankPathways(*s.index, s.policy, s.requests[k],
                                                          s.profiles[k], s.today, &response);
    if (!status.ok()) state.SkipWithError(std::string(status.message()).c_str());
    benchmark::DoNotOptimize(response);
  }
}

void BM_ExplainPathway(benchmark::State& state) {
  Setup& s = *g_setup;
  // Explain the best pathway of each of the first profiles that has one.
  std::vector<pathways::matcher::v1::ExplainPathwayRequest> explains;
  std::vector<size_t> who;
  pathways::matcher::v1::RankPathwaysResponse ranked;
  for (size_t k = 0; k < s.requests.size() && explains.size() < 100; ++k) {
    if (!pathways::matcher::RankPathways(*s.index, s.policy, s.requests[k], s.profiles[k], s.today,
                                         &ranked)
             .ok() ||
        ranked.pathways().empty()) {
      continue;
    }
    pathways::matcher::v1::ExplainPathwayRequest request;
    request.set_role(ranked.pathways(0).role());
    *request.mutable_filters() = s.requests[k].filters();
    explains.push_back(request);
    who.push_back(k);
  }
  if (explains.empty()) {
    state.SkipWithError("no pathways to explain");
    return;
  }
  size_t i = 0;
  pathways::matcher::v1::ExplainPathwayResponse response;
  for (auto _ : state) {
    const size_t k = i++ % explains.size();
    absl::Status status = pathways::matcher::ExplainPathway(*s.index, s.policy, explains[k],
                                                            s.profiles[who[k]], s.today, &response);
    if (!status.ok()) state.SkipWithError(std::string(status.message()).c_str());
    benchmark::DoNotOptimize(response);
  }
}

void BM_SkillGaps(benchmark::State& state) {
  Setup& s = *g_setup;
  size_t i = 0;
  pathways::matcher::v1::SkillGapsResponse response;
  for (auto _ : state) {
    const size_t k = i++ % s.requests.size();
    pathways::matcher::v1::SkillGapsRequest request;
    *request.mutable_filters() = s.requests[k].filters();
    absl::Status status = pathways::matcher::SkillGaps(*s.index, s.policy, request, s.profiles[k],
                                                       s.today, &response);
    if (!status.ok()) state.SkipWithError(std::string(status.message()).c_str());
    benchmark::DoNotOptimize(response);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string scale_name = "city";
  int queries = 1000;
  uint64_t seed = 1;
  bool rank = true;
  int top_k = 10;
  int per_occupation = 0;  // The service's default.
  std::string change = "none";
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--scale=", 0) == 0) {
      scale_name = arg.substr(8);
    } else if (arg.rfind("--queries=", 0) == 0) {
      queries = std::atoi(arg.c_str() + 10);
    } else if (arg.rfind("--seed=", 0) == 0) {
      seed = std::strtoull(arg.c_str() + 7, nullptr, 10);
    } else if (arg.rfind("--top-k=", 0) == 0) {
      top_k = std::atoi(arg.c_str() + 8);
    } else if (arg.rfind("--per-occupation=", 0) == 0) {
      per_occupation = std::atoi(arg.c_str() + 17);
    } else if (arg.rfind("--change=", 0) == 0) {
      change = arg.substr(9);
    } else if (arg.rfind("--rank=", 0) == 0) {
      rank = arg.substr(7) != "0";
    } else {
      rest.push_back(argv[i]);
    }
  }
  std::optional<pathways::generator::Scale> scale = pathways::generator::ParseScale(scale_name);
  if (!scale.has_value() || queries <= 0 || top_k < 1 || top_k > 50 || per_occupation < 0 ||
      per_occupation > 50 || (change != "none" && change != "courses" && change != "roles")) {
    std::cerr << "usage: matcher_bench [--scale=demo|city|region] [--queries=N] [--seed=N] "
                 "[--top-k=1..50] [--per-occupation=1..50] [--change=courses|roles] [--rank=0|1] "
                 "[benchmark flags]\n";
    return 2;
  }

  Setup setup;
  g_setup = &setup;
  auto taxonomy = pathways::taxonomy::Taxonomy::Load(PATHWAYS_DEFAULT_DATA_DIR);
  auto geography = pathways::taxonomy::Geography::Load(PATHWAYS_DEFAULT_DATA_DIR);
  if (!taxonomy.ok() || !geography.ok()) {
    std::cerr << "cannot load reference data\n";
    return 1;
  }
  setup.taxonomy = *std::move(taxonomy);
  setup.geography = *std::move(geography);
  EconomyOptions options = EconomyOptions::For(*scale, seed);
  auto generator = EconomyGenerator::Create(setup.taxonomy.get(), setup.geography.get(), options);
  if (!generator.ok()) {
    std::cerr << generator.status() << "\n";
    return 1;
  }
  setup.generator = *std::move(generator);
  setup.today = pathways::matcher::DayFromDate(options.today);
  const long rss_before = StatusKb("VmRSS");

  // Index build, streamed: generation time is measured apart from index time.
  setup.index = std::make_unique<MatchIndex>(setup.taxonomy.get(), setup.geography.get());
  double generate_seconds = 0, index_seconds = 0;
  auto timed = [&](auto&& generate, auto&& upsert) {
    return [&, generate, upsert](int n) {
      for (int i = 0; i < n; ++i) {
        const auto t0 = Clock::now();
        auto message = generate(i);
        const auto t1 = Clock::now();
        absl::Status status = upsert(message);
        const auto t2 = Clock::now();
        if (!status.ok()) {
          std::cerr << "upsert failed: " << status << "\n";
          std::exit(1);
        }
        generate_seconds += std::chrono::duration<double>(t1 - t0).count();
        index_seconds += std::chrono::duration<double>(t2 - t1).count();
      }
    };
  };
  const EconomyGenerator& g = *setup.generator;
  MatchIndex& index = *setup.index;
  const auto build_start = Clock::now();
  timed([&](int i) { return g.Provider(i); },
        [&](const auto& p) { return index.UpsertProvider(p); })(g.provider_count());
  timed([&](int i) { return g.Course(i); },
        [&](const auto& c) { return index.UpsertCourse(c); })(options.courses);
  timed([&](int i) { return g.Role(i); },
        [&](const auto& r) { return index.UpsertRole(r); })(options.roles);
  const double build_wall = std::chrono::duration<double>(Clock::now() - build_start).count();
  const long rss_after = StatusKb("VmRSS");
  std::printf("scale %s: %zu roles, %zu courses, %zu places\n", scale_name.c_str(),
              index.role_count(), index.course_count(), index.place_count());
  std::printf("index build: %.3f s in the index (%.3f s generating, %.3f s wall)\n", index_seconds,
              generate_seconds, build_wall);
  std::printf(
      "memory: RSS %.1f MB before the index (taxonomy, geography, code), %.1f MB after; "
      "peak %.1f MB; index containers about %.1f MB\n",
      Mb(rss_before), Mb(rss_after), Mb(StatusKb("VmHWM")), index.ApproximateBytes() / 1048576.0);
  std::fflush(stdout);
  if (!rank) return 0;

  // RankPathways over generated profiles.
  for (int i = 0; i < queries; ++i) {
    setup.profiles.push_back(g.Profile(i));
    pathways::matcher::v1::RankPathwaysRequest request;
    request.set_top_k(top_k);
    request.set_max_per_occupation(per_occupation);
    request.set_max_steps(3);
    request.mutable_filters()->set_max_travel_km(30);
    *request.mutable_inline_profile() = setup.profiles.back();
    setup.requests.push_back(std::move(request));
  }
  pathways::matcher::v1::RankPathwaysResponse response;
  // Warm up: every query once, which fills the thread's scratch buffers,
  // the course caches and the area of every home (a service keeps them from
  // one query to the next). What a home's first query costs more than its
  // later ones is reported below.
  pathways::matcher::AreaCache& areas = pathways::matcher::SharedAreaCache();
  std::vector<double> first_cpu(queries, 0);
  std::vector<bool> built_area(queries, false);
  for (int i = 0; i < queries; ++i) {
    const uint64_t misses = areas.stats().misses;
    const double c0 = ThreadCpuMicros();
    (void)pathways::matcher::RankPathways(index, setup.policy, setup.requests[i], setup.profiles[i],
                                          setup.today, &response);
    first_cpu[i] = ThreadCpuMicros() - c0;
    built_area[i] = areas.stats().misses > misses;
  }
  std::vector<double> wall, cpu;
  wall.reserve(queries);
  cpu.reserve(queries);
  size_t with_pathways = 0, pathways = 0, failed = 0;
  uint64_t digest = 0;
  double in_reach = 0, screened = 0, bounded = 0, planned = 0, planned_full = 0, reused = 0,
         feasible = 0;
  std::vector<pathways::matcher::RankStats> each(queries);
  // With --change, 50 courses (or roles) take turns to change, a little
  // each time, before each measured query.
  std::vector<pathways::training::v1::Course> changing_courses;
  std::vector<pathways::demand::v1::Role> changing_roles;
  for (int k = 0; k < 50; ++k) {
    if (change == "courses") changing_courses.push_back(g.Course(k * 97 % options.courses));
    if (change == "roles") changing_roles.push_back(g.Role(k * 397 % options.roles));
  }
  for (int i = 0; i < queries; ++i) {
    pathways::matcher::RankStats stats;
    if (!changing_courses.empty()) {
      pathways::training::v1::Course& course = changing_courses[i % changing_courses.size()];
      course.set_cost_pence(course.cost_pence() + 100);
      if (absl::Status status = index.UpsertCourse(course); !status.ok()) {
        std::cerr << "changing " << course.name() << " failed: " << status << "\n";
        return 1;
      }
    }
    if (!changing_roles.empty()) {
      pathways::demand::v1::Role& role = changing_roles[i % changing_roles.size()];
      role.mutable_openings()->set_now(role.openings().now() + 1);
      if (absl::Status status = index.UpsertRole(role); !status.ok()) {
        std::cerr << "changing " << role.name() << " failed: " << status << "\n";
        return 1;
      }
    }
    const double c0 = ThreadCpuMicros();
    const auto t0 = Clock::now();
    absl::Status status = pathways::matcher::RankPathways(
        index, setup.policy, setup.requests[i], setup.profiles[i], setup.today, &response, &stats);
    const auto t1 = Clock::now();
    cpu.push_back(ThreadCpuMicros() - c0);
    wall.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    if (!status.ok()) {
      ++failed;
      continue;
    }
    pathways += response.pathways_size();
    // A digest of every answer (roles, steps, scores), so that a change
    // meant only to be faster can be seen to answer the same.
    digest = digest * 1099511628211ull ^ std::hash<std::string>()(response.SerializeAsString());
    with_pathways += response.pathways_size() > 0;
    in_reach += stats.roles_in_reach;
    screened += stats.groups_screened;
    bounded += stats.groups_bounded;
    planned += stats.roles_planned;
    planned_full += stats.roles_planned_occupation_full;
    reused += stats.roles_reused;
    feasible += stats.roles_feasible;
    each[i] = stats;
  }
  const Percentiles w = Summarise(wall), c = Summarise(cpu);
  const std::string per_occupation_limit =
      per_occupation > 0 ? "at most " + std::to_string(per_occupation) + " an occupation"
                         : "the default limit per occupation";
  const char* changed = change == "courses" ? ", each just after a course changed"
                        : change == "roles" ? ", each just after a role changed"
                                            : "";
  std::printf("RankPathways (top %d, <= 3 steps, 30 km, %s), %d profiles%s, one thread:\n", top_k,
              per_occupation_limit.c_str(), queries, changed);
  std::printf("  wall: p50 %.0f us, p99 %.0f us, mean %.0f us, max %.0f us\n", w.p50, w.p99, w.mean,
              w.max);
  std::printf("  thread CPU: p50 %.0f us, p99 %.0f us, mean %.0f us, max %.0f us\n", c.p50, c.p99,
              c.mean, c.max);
  std::printf(
      "  per query: %.0f roles in reach; %.0f groups of roles screened and %.0f bounded on their "
      "own essential skills; %.1f "
      "planned (%.1f of them in occupations that already had their most pathways), %.1f scored "
      "by reusing a plan, %.1f feasible; %zu/%d profiles got pathways (%.1f each); %zu failed\n",
      in_reach / queries, screened / queries, bounded / queries, planned / queries,
      planned_full / queries, reused / queries, feasible / queries, with_pathways, queries,
      static_cast<double>(pathways) / queries, failed);
  std::printf("  answers digest: %016llx\n", static_cast<unsigned long long>(digest));
  double extra = 0;
  int homes = 0;
  for (int i = 0; i < queries; ++i) {
    if (!built_area[i]) continue;
    extra += first_cpu[i] - cpu[i];
    ++homes;
  }
  const pathways::matcher::AreaCache::Stats area_stats = areas.stats();
  std::printf(
      "  areas: %d homes' first queries built theirs, %.0f us more than later queries on "
      "average; %zu areas cached in %.1f MB; %llu brought up to date after role changes\n",
      homes, homes > 0 ? extra / homes : 0.0, area_stats.areas, area_stats.bytes / 1048576.0,
      static_cast<unsigned long long>(area_stats.patches));
  // What the slowest queries do: where the tail's time goes. Which queries
  // are slowest varies from run to run; which make the most plans does not,
  // so that tail can be compared between builds.
  const int tail = std::max(1, queries / 100);
  auto describe_tail = [&](const char* what, auto&& more) {
    std::vector<int> order(queries);
    for (int i = 0; i < queries; ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return more(a, b) || (!more(b, a) && a < b); });
    double bounded_sum = 0, planned_sum = 0, full_sum = 0, reused_sum = 0;
    for (int k = 0; k < tail; ++k) {
      bounded_sum += each[order[k]].groups_bounded;
      planned_sum += each[order[k]].roles_planned;
      full_sum += each[order[k]].roles_planned_occupation_full;
      reused_sum += each[order[k]].roles_reused;
    }
    std::printf(
        "  the %d %s: %.0f groups bounded on their own essential skills, %.1f planned (%.1f in "
        "full occupations), %.1f scored by reusing a plan, on average\n",
        tail, what, bounded_sum / tail, planned_sum / tail, full_sum / tail, reused_sum / tail);
  };
  describe_tail("slowest", [&](int a, int b) { return cpu[a] > cpu[b]; });
  describe_tail("with the most plans",
                [&](int a, int b) { return each[a].roles_planned > each[b].roles_planned; });
  std::fflush(stdout);

  benchmark::RegisterBenchmark("RankPathways", BM_RankPathways)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("ExplainPathway", BM_ExplainPathway)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("SkillGaps", BM_SkillGaps)->Unit(benchmark::kMicrosecond);
  int bench_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&bench_argc, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
