// pathways-load: a fixed-concurrency load generator for Pathways servers.
//
// For each named call it keeps N calls in flight on the gRPC callback API for
// a bounded time, then reports throughput and latency percentiles, and the
// throughput of each call as a ratio to the health check's measured in the
// same run. Pin it to another core than the server (--cpu) on small machines.
//
// With --scale it first loads a generated economy (tests/generator) into the
// training and demand services through their APIs, and with --matcher it
// waits until the matcher's index holds all of it before measuring
// RankPathways. --update-latency measures instead how soon a course change is
// visible in RankPathways answers while courses are written at a steady rate.
#include <grpcpp/grpcpp.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "pathways/demand/v1/demand_service.grpc.pb.h"
#include "pathways/matcher/v1/matcher_service.grpc.pb.h"
#include "pathways/profiles/v1/profiles_service.grpc.pb.h"
#include "pathways/training/v1/training_service.grpc.pb.h"
#include "services/common/api_conventions.h"
#include "services/common/auth.h"
#include "services/common/config.h"
#include "services/common/resource_store.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"
#include "tests/generator/economy_generator.h"
#include "tests/testing/esco_fixtures.h"

namespace pathways::load {
namespace {

namespace tv1 = ::pathways::training::v1;
namespace dv1 = ::pathways::demand::v1;
namespace pv1 = ::pathways::profiles::v1;
namespace mv1 = ::pathways::matcher::v1;
using Clock = std::chrono::steady_clock;
using ::pathways::generator::EconomyGenerator;

constexpr char kUsage[] = R"(pathways-load: measure Pathways servers under fixed-concurrency load.

usage: pathways-load --training HOST:PORT [--demand HOST:PORT] [--profiles HOST:PORT]
                     [--matcher HOST:PORT] [options]
  --calls LIST        comma-separated, from: health, rank_pathways, get_course,
                      create_course, get_profile, create_role, demand_summary
                      (default: every call whose service was given, in that
                      order; rank_pathways needs --matcher)
  --concurrency N     calls kept in flight (default 16)
  --seconds S         duration of each call's run, 1..600 (default 5)
  --cpu N             pin this process to CPU core N
  --token TOKEN       bearer token (default: an admin token signed with AUTH_SECRET)

economy (for rank_pathways and --update-latency):
  --scale NAME        the generated economy the services hold: demo, city or
                      region; the matcher is awaited until its index holds
                      all of it, and RankPathways is asked about its young
                      people (default: demo's young people, nothing awaited)
  --seed N            the economy's seed (default 1)
  --load              first load the economy into the training and demand
                      services through their APIs (needs --demand); parts
                      already there are left as they are
  --load-only         load it, wait for the matcher to hold it, and stop
  --profile-pool N    rank_pathways asks for N generated 16-24 year-olds in
                      turn, inline (default 1000)
  --data-dir DIR      taxonomy and geography files (default: the build's)
  --ready-timeout S   how long to wait for the matcher's index to hold the
                      economy (default 900)

  --update-latency    instead of --calls: update courses (their places left)
                      at --write-rate for --seconds while RankPathways runs
                      at --concurrency, and report how long each update
                      took to show in RankPathways' index_revision.courses
                      (needs --matcher)
  --update-kind KIND  courses (default), or roles: update the economy's roles'
                      openings now instead, and watch index_revision.roles
                      (needs --demand and --scale)
  --write-rate N      updates a second, 1..1000 (default 100)
)";

struct Options {
  std::string training;
  std::string demand;
  std::string profiles;
  std::string matcher;
  std::vector<std::string> calls;
  int concurrency = 16;
  int seconds = 5;
  int cpu = -1;
  std::string token;
  std::string scale;
  uint64_t seed = 1;
  int profile_pool = 1000;
  std::string data_dir = PATHWAYS_DEFAULT_DATA_DIR;
  int ready_timeout = 900;
  bool load = false;
  bool load_only = false;
  bool update_latency = false;
  bool update_roles = false;  // --update-kind roles.
  int write_rate = 100;
};

struct Result {
  std::string call;
  double qps = 0;
  double p50_us = 0;
  double p99_us = 0;
  int64_t ok = 0;
  int64_t failed = 0;
  std::string first_error;
};

// Issues one call and invokes `done` with its status when it completes.
using Issue = std::function<void(std::function<void(const grpc::Status&)> done)>;

// Keeps `concurrency` calls in flight for `seconds`, or until `stop` is set.
Result RunFor(const std::string& name, const Issue& issue, int concurrency, int seconds,
              const std::atomic<bool>* stop = nullptr) {
  std::mutex mutex;
  std::condition_variable finished;
  std::vector<double> latencies;
  latencies.reserve(1 << 20);
  int64_t ok = 0, failed = 0;
  std::string first_error;
  int in_flight = 0;
  auto start = Clock::now();
  auto stop_at = start + std::chrono::seconds(seconds);

  std::function<void()> launch = [&]() {
    auto began = Clock::now();
    issue([&, began](const grpc::Status& status) {
      auto now = Clock::now();
      bool again = now < stop_at && (stop == nullptr || !stop->load());
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (status.ok()) {
          ++ok;
          latencies.push_back(std::chrono::duration<double, std::micro>(now - began).count());
        } else {
          ++failed;
          if (first_error.empty()) {
            first_error = absl::StrCat(status.error_code(), ": ", status.error_message());
          }
        }
        if (!again) {
          --in_flight;
          if (in_flight == 0) finished.notify_all();
          return;
        }
      }
      launch();
    });
  };
  {
    std::lock_guard<std::mutex> lock(mutex);
    in_flight = concurrency;
  }
  for (int i = 0; i < concurrency; ++i) launch();
  std::unique_lock<std::mutex> lock(mutex);
  finished.wait(lock, [&] { return in_flight == 0; });
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  Result result;
  result.call = name;
  result.ok = ok;
  result.failed = failed;
  result.first_error = first_error;
  result.qps = static_cast<double>(ok) / elapsed;
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    result.p50_us = latencies[latencies.size() / 2];
    result.p99_us = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  }
  return result;
}

bool ParseOptions(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (flag == "--update-latency" || flag == "--load" || flag == "--load-only") {
      (flag == "--update-latency" ? options->update_latency : options->load) = true;
      if (flag == "--load-only") options->load_only = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "missing value for " << flag << "\n" << kUsage;
      return false;
    }
    std::string value = argv[++i];
    bool ok = true;
    if (flag == "--training" || flag == "--target") {
      options->training = value;
    } else if (flag == "--demand") {
      options->demand = value;
    } else if (flag == "--profiles") {
      options->profiles = value;
    } else if (flag == "--matcher") {
      options->matcher = value;
    } else if (flag == "--scale") {
      options->scale = value;
      ok = generator::ParseScale(value).has_value();
    } else if (flag == "--seed") {
      ok = absl::SimpleAtoi(value, &options->seed);
    } else if (flag == "--profile-pool") {
      ok = absl::SimpleAtoi(value, &options->profile_pool) && options->profile_pool > 0 &&
           options->profile_pool <= 1'000'000;
    } else if (flag == "--data-dir") {
      options->data_dir = value;
    } else if (flag == "--ready-timeout") {
      ok = absl::SimpleAtoi(value, &options->ready_timeout) && options->ready_timeout > 0;
    } else if (flag == "--update-kind") {
      ok = value == "courses" || value == "roles";
      options->update_roles = value == "roles";
    } else if (flag == "--write-rate") {
      ok = absl::SimpleAtoi(value, &options->write_rate) && options->write_rate > 0 &&
           options->write_rate <= 1000;
    } else if (flag == "--calls") {
      options->calls = absl::StrSplit(value, ',', absl::SkipEmpty());
    } else if (flag == "--concurrency") {
      ok = absl::SimpleAtoi(value, &options->concurrency) && options->concurrency > 0 &&
           options->concurrency <= 4096;
    } else if (flag == "--seconds") {
      ok = absl::SimpleAtoi(value, &options->seconds) && options->seconds > 0 &&
           options->seconds <= 600;
    } else if (flag == "--cpu") {
      ok = absl::SimpleAtoi(value, &options->cpu) && options->cpu >= 0;
    } else if (flag == "--token") {
      options->token = value;
    } else {
      std::cerr << "unknown flag " << flag << "\n" << kUsage;
      return false;
    }
    if (!ok) {
      std::cerr << "bad value for " << flag << ": " << value << "\n";
      return false;
    }
  }
  if (options->training.empty()) {
    std::cerr << "--training is required (the health baseline is measured there)\n" << kUsage;
    return false;
  }
  if (options->load && (options->scale.empty() || options->demand.empty())) {
    std::cerr << "--load needs --scale and --demand (the economy's roles go there)\n";
    return false;
  }
  if (options->update_latency && options->matcher.empty()) {
    std::cerr << "--update-latency needs --matcher\n";
    return false;
  }
  if (options->update_roles && (options->demand.empty() || options->scale.empty())) {
    std::cerr << "--update-kind roles needs --demand (the roles are updated there) and "
                 "--scale (the roles it updates are the economy's)\n";
    return false;
  }
  if (options->calls.empty()) {
    // RankPathways first: the write calls after it add courses and roles
    // the matcher would then rank too.
    options->calls = {"health"};
    if (!options->matcher.empty()) options->calls.push_back("rank_pathways");
    options->calls.push_back("get_course");
    options->calls.push_back("create_course");
    if (!options->profiles.empty()) options->calls.push_back("get_profile");
    if (!options->demand.empty()) {
      options->calls.push_back("create_role");
      options->calls.push_back("demand_summary");
    }
  }
  return true;
}

constexpr char kLoadProvider[] = "providers/load-test-provider";
constexpr char kLoadCourse[] = "providers/load-test-provider/courses/read-me";
constexpr char kLoadEmployer[] = "employers/load-test-employer";
constexpr char kLoadProfile[] = "profiles/load-test-person";
using ::pathways::testing::kElectrician;
using ::pathways::testing::kInstallHeatPump;

tv1::Course LoadCourse() {
  tv1::Course course;
  course.set_title("Load test course");
  auto* skill = course.add_skills_taught();
  skill->set_skill(kInstallHeatPump);
  skill->set_level(common::v1::PROFICIENCY_INTERMEDIATE);
  course.set_duration_weeks(10);
  course.set_hours_per_week(10);
  course.mutable_venue()->set_outcode("M1");
  course.set_study_mode(common::v1::STUDY_MODE_PART_TIME);
  return course;
}

dv1::Role LoadRole() {
  dv1::Role role;
  role.set_occupation(kElectrician);
  role.set_title("Load test electrician");
  auto* skill = role.add_required_skills();
  skill->mutable_skill()->set_skill(kInstallHeatPump);
  skill->mutable_skill()->set_level(common::v1::PROFICIENCY_INTERMEDIATE);
  skill->set_importance(dv1::SKILL_IMPORTANCE_ESSENTIAL);
  role.mutable_openings()->set_now(2);
  role.mutable_openings()->set_in_1_year(3);
  role.mutable_site()->set_outcode("M1");
  role.set_work_mode(common::v1::STUDY_MODE_FULL_TIME);
  role.set_hours_per_week(37);
  return role;
}

pv1::Profile LoadProfile() {
  pv1::Profile profile;
  absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  profile.mutable_date_of_birth()->set_year(static_cast<int>(today.year()) - 18);
  profile.mutable_date_of_birth()->set_month(3);
  profile.mutable_date_of_birth()->set_day(1);
  profile.mutable_home()->set_outcode("M13");
  auto* skill = profile.add_skills();
  skill->mutable_skill()->set_skill(kInstallHeatPump);
  skill->mutable_skill()->set_level(common::v1::PROFICIENCY_BASIC);
  skill->set_evidence(pv1::SKILL_EVIDENCE_SELF_REPORTED);
  profile.set_highest_rqf_level(2);
  profile.set_availability(common::v1::STUDY_MODE_FULL_TIME);
  profile.mutable_consent()->add_purposes(pv1::CONSENT_PURPOSE_MATCHING);
  *profile.mutable_consent()->mutable_given_at() = ToTimestamp(absl::Now() - absl::Hours(1));
  profile.mutable_consent()->set_given_by(pv1::CONSENT_GIVER_SELF);
  return profile;
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

// An Issue for one unary method: each call owns its context, request and
// response until the callback runs.
template <typename Request, typename Response>
Issue MakeIssue(std::string token, std::function<void(Request*)> fill,
                std::function<void(grpc::ClientContext*, const Request*, Response*,
                                   std::function<void(grpc::Status)>)>
                    call) {
  return [token = std::move(token), fill = std::move(fill),
          call = std::move(call)](std::function<void(const grpc::Status&)> done) {
    struct Call {
      std::unique_ptr<grpc::ClientContext> context;
      Request request;
      Response response;
    };
    auto state = std::make_shared<Call>();
    state->context = Context(token);
    fill(&state->request);
    call(state->context.get(), &state->request, &state->response,
         [state, done](grpc::Status status) { done(status); });
  };
}

std::shared_ptr<grpc::Channel> Connect(const std::string& target) {
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30))) {
    std::cerr << "cannot connect to " << target << "\n";
    return nullptr;
  }
  return channel;
}

// Creates what the read calls read; already being there is fine.
bool Ensure(const grpc::Status& status, const std::string& what) {
  if (status.ok() || status.error_code() == grpc::StatusCode::ALREADY_EXISTS) return true;
  std::cerr << "cannot create the load-test " << what << ": " << status.error_message() << "\n";
  return false;
}

bool CreateFixtures(const std::string& token, tv1::TrainingService::Stub& training,
                    dv1::DemandService::Stub* demand, pv1::ProfilesService::Stub* profiles) {
  tv1::CreateProviderRequest provider;
  provider.set_provider_id("load-test-provider");
  provider.mutable_provider()->set_display_name("Load test provider");
  provider.mutable_provider()->mutable_location()->set_outcode("M1");
  tv1::Provider created_provider;
  if (!Ensure(training.CreateProvider(Context(token).get(), provider, &created_provider),
              "provider")) {
    return false;
  }
  tv1::CreateCourseRequest course;
  course.set_parent(kLoadProvider);
  course.set_course_id("read-me");
  *course.mutable_course() = LoadCourse();
  tv1::Course created_course;
  if (!Ensure(training.CreateCourse(Context(token).get(), course, &created_course), "course")) {
    return false;
  }
  if (demand != nullptr) {
    dv1::CreateEmployerRequest employer;
    employer.set_employer_id("load-test-employer");
    employer.mutable_employer()->set_display_name("Load test employer");
    employer.mutable_employer()->mutable_location()->set_outcode("M1");
    dv1::Employer created;
    if (!Ensure(demand->CreateEmployer(Context(token).get(), employer, &created), "employer")) {
      return false;
    }
  }
  if (profiles != nullptr) {
    pv1::CreateProfileRequest profile;
    profile.set_profile_id(std::string(kLoadProfile).substr(sizeof("profiles/") - 1));
    *profile.mutable_profile() = LoadProfile();
    pv1::Profile created;
    if (!Ensure(profiles->CreateProfile(Context(token).get(), profile, &created), "profile")) {
      return false;
    }
  }
  return true;
}

// Reports loading progress on stderr at most every two seconds, and at the end.
class Progress {
 public:
  explicit Progress(std::string what) : what_(std::move(what)), start_(Clock::now()) {}
  void Report(int64_t done, int64_t total, bool force = false) {
    auto now = Clock::now();
    if (!force && now - last_ < std::chrono::seconds(2)) return;
    last_ = now;
    std::fprintf(stderr, "%s: %lld/%lld (%.0f s)\n", what_.c_str(), static_cast<long long>(done),
                 static_cast<long long>(total),
                 std::chrono::duration<double>(now - start_).count());
  }

 private:
  std::string what_;
  Clock::time_point start_;
  Clock::time_point last_;
};

std::unique_ptr<grpc::ClientContext> BatchContext(const std::string& token) {
  auto context = Context(token);
  // A batch of up to 1,000 is validated and written in one transaction.
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  return context;
}

// Creates the generated economy's providers, courses, employers and roles
// through the services' APIs, in the generator's batches. What is already
// there (ALREADY_EXISTS) is left alone, so a second run against the same
// services loads nothing new.
bool LoadEconomy(const EconomyGenerator& g, const std::string& token,
                 tv1::TrainingService::Stub& training, dv1::DemandService::Stub& demand) {
  const generator::EconomyOptions& options = g.options();
  bool ok = true;  // Once a call fails, the rest are not made.
  g.ForEachProviderRequest([&](const tv1::CreateProviderRequest& request) {
    tv1::Provider created;
    ok = ok && Ensure(training.CreateProvider(Context(token).get(), request, &created), "provider");
  });
  Progress courses_progress("loading courses");
  int64_t courses_done = 0;
  g.ForEachCourseBatch([&](const tv1::BatchCreateCoursesRequest& batch) {
    tv1::BatchCreateCoursesResponse response;
    ok = ok && Ensure(training.BatchCreateCourses(BatchContext(token).get(), batch, &response),
                      absl::StrCat("courses of ", batch.parent()));
    courses_done += batch.requests_size();
    courses_progress.Report(courses_done, options.courses);
  });
  if (!ok) return false;
  courses_progress.Report(courses_done, options.courses, true);

  g.ForEachEmployerRequest([&](const dv1::CreateEmployerRequest& request) {
    dv1::Employer created;
    ok = ok && Ensure(demand.CreateEmployer(Context(token).get(), request, &created), "employer");
  });
  Progress roles_progress("loading roles");
  int64_t roles_done = 0;
  g.ForEachRoleBatch([&](const dv1::BatchCreateRolesRequest& batch) {
    dv1::BatchCreateRolesResponse response;
    ok = ok && Ensure(demand.BatchCreateRoles(BatchContext(token).get(), batch, &response),
                      absl::StrCat("roles of ", batch.parent()));
    roles_done += batch.requests_size();
    roles_progress.Report(roles_done, options.roles);
  });
  if (!ok) return false;
  roles_progress.Report(roles_done, options.roles, true);
  return true;
}

// RankPathways as the benchmark asks it: the top 10 pathways of at most three
// steps within 30 km, for a generated young person given inline.
mv1::RankPathwaysRequest RankRequest(const pv1::Profile& person) {
  mv1::RankPathwaysRequest request;
  *request.mutable_inline_profile() = person;
  request.set_top_k(10);
  request.set_max_steps(3);
  request.mutable_filters()->set_max_travel_km(30);
  return request;
}

// Waits for the matcher to report ready, then for its index to hold at least
// `roles` roles and `courses` courses (its answers say how many it holds).
bool AwaitMatcher(const std::shared_ptr<grpc::Channel>& channel, mv1::MatcherService::Stub& matcher,
                  const std::string& token, const mv1::RankPathwaysRequest& probe, int64_t roles,
                  int64_t courses, int timeout_seconds) {
  auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(timeout_seconds);
  {
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(deadline);
    grpc::health::v1::HealthCheckRequest request;
    auto watch = health->Watch(&context, request);
    grpc::health::v1::HealthCheckResponse response;
    bool serving = false;
    while (!serving && watch->Read(&response)) {
      serving = response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
    }
    context.TryCancel();
    watch->Finish().IgnoreError();
    if (!serving) {
      std::cerr << "the matcher never became ready\n";
      return false;
    }
  }
  // The index fills from the feeds after readiness when the economy was
  // loaded while the matcher ran; ask until it holds everything.
  Progress progress("matcher index (roles+courses)");
  for (;;) {
    mv1::RankPathwaysResponse response;
    grpc::Status status = matcher.RankPathways(Context(token).get(), probe, &response);
    if (!status.ok()) {
      std::cerr << "RankPathways failed while waiting for the index: " << status.error_code()
                << ": " << status.error_message() << "\n";
      return false;
    }
    const mv1::IndexRevision& index = response.index_revision();
    bool complete = index.role_count() >= roles && index.course_count() >= courses;
    progress.Report(index.role_count() + index.course_count(), roles + courses, complete);
    if (complete) return true;
    if (std::chrono::system_clock::now() > deadline) {
      std::cerr << "the matcher's index holds " << index.role_count() << " roles and "
                << index.course_count() << " courses, not " << roles << " and " << courses
                << ", after " << timeout_seconds << " s\n";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t at = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(at, sorted.size() - 1)];
}

// What RankPathways answers say about the index: when each answer arrived and
// the course feed position it reflected.
class RevisionLog {
 public:
  void Record(Clock::time_point at, std::string revision) {
    std::lock_guard<std::mutex> lock(mutex_);
    seen_.emplace_back(at, std::move(revision));
  }
  // In arrival order.
  std::vector<std::pair<Clock::time_point, std::string>> Sorted() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::pair<Clock::time_point, std::string>> out = seen_;
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<Clock::time_point, std::string>> seen_;
};

// A change feed as the training or demand service publishes it: the
// revision of each change, by resource name and the etag the change gave it.
template <typename Change>
class FeedLog {
 public:
  using Reader = std::unique_ptr<grpc::ClientReader<Change>>;
  // Starts watching from now (`open` starts the watch with the context it
  // is given) and returns once the watch is established. `etag_of` reads a
  // change's etag.
  void Start(const std::string& token, const std::function<Reader(grpc::ClientContext*)>& open,
             std::function<std::string(const Change&)> etag_of) {
    context_.AddMetadata("authorization", "Bearer " + token);
    reader_ = open(&context_);
    reader_->WaitForInitialMetadata();
    thread_ = std::thread([this, etag_of = std::move(etag_of)] {
      Change change;
      while (reader_->Read(&change)) {
        std::lock_guard<std::mutex> lock(mutex_);
        revisions_[Key(change.name(), etag_of(change))] = change.revision().token();
      }
    });
  }
  void Stop() {
    context_.TryCancel();
    if (thread_.joinable()) thread_.join();
    if (reader_ != nullptr) reader_->Finish().IgnoreError();
  }
  // The revision of the change that gave `name` its `etag`, once seen.
  std::optional<std::string> Revision(const std::string& name, const std::string& etag) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = revisions_.find(Key(name, etag));
    if (it == revisions_.end()) return std::nullopt;
    return it->second;
  }

 private:
  static std::string Key(const std::string& name, const std::string& etag) {
    return absl::StrCat(name, " ", etag);
  }
  grpc::ClientContext context_;
  Reader reader_;
  std::thread thread_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::string> revisions_;
};

struct Write {
  Clock::time_point sent;  // Just before the update went out.
  std::string name;
  std::string etag;  // The etag the update gave the resource.
};

// Sends the `k`th update, of the resource `write` names, and fills in the
// rest of `write`. Returns what went wrong, or "".
using Updater = std::function<std::string(int64_t k, Write* write)>;

// An Updater that reads a resource when it does not know its etag (or
// another writer changed it), then sends `update(current, k)`.
template <typename Resource>
Updater MakeUpdater(
    const std::string& token, std::string what,
    std::function<grpc::Status(grpc::ClientContext*, const std::string& name, Resource*)> get,
    std::function<grpc::Status(grpc::ClientContext*, const Resource& current, int64_t k,
                               Resource* updated)>
        update) {
  auto current = std::make_shared<std::unordered_map<std::string, Resource>>();
  return [=](int64_t k, Write* write) -> std::string {
    const std::string& name = write->name;
    Resource& resource = (*current)[name];
    for (int attempt = 0;; ++attempt) {
      if (resource.etag().empty()) {
        grpc::Status status = get(Context(token).get(), name, &resource);
        if (!status.ok()) return absl::StrCat("Get", what, " ", name, ": ", status.error_message());
      }
      Resource updated;
      write->sent = Clock::now();
      grpc::Status status = update(Context(token).get(), resource, k, &updated);
      if (status.error_code() == grpc::StatusCode::ABORTED && attempt == 0) {
        resource.clear_etag();  // Changed by someone else: read it again.
        continue;
      }
      if (!status.ok()) {
        return absl::StrCat("Update", what, " ", name, ": ", status.error_message());
      }
      resource = std::move(updated);
      write->etag = resource.etag();
      return "";
    }
  };
}

// One writer updates courses (their places) or roles (their openings now) in
// turn at `rate` a second for `seconds`, each update sent on schedule or as
// soon as the one before finished; RankPathways runs at `concurrency`
// meanwhile and for up to five seconds after, until every update has shown.
// Reports, for each update, the time from sending it to the first
// RankPathways answer whose index_revision.courses (or .roles) is at or
// after the update's own revision (learnt from the service's change feed).
// Answers arrive some time after the index was read, so each figure is an
// upper bound, by at most one RankPathways latency.
template <typename Change>
int MeasureUpdateLatency(const Options& options, FeedLog<Change>& feed, const Updater& update,
                         mv1::MatcherService::Stub& matcher, const std::vector<std::string>& pool,
                         const std::vector<mv1::RankPathwaysRequest>& queries) {
  const std::string& token = options.token;
  const char* what = options.update_roles ? "role" : "course";

  RevisionLog seen;
  std::atomic<int64_t> next_query{0};
  Issue rank = MakeIssue<mv1::RankPathwaysRequest, mv1::RankPathwaysResponse>(
      token,
      [&](auto* request) {
        *request = queries[static_cast<size_t>(next_query.fetch_add(1)) % queries.size()];
      },
      [&](auto* context, auto* request, auto* response, auto done) {
        matcher.async()->RankPathways(
            context, request, response, [&options, &seen, response, done](grpc::Status status) {
              if (status.ok()) {
                const mv1::IndexRevision& index = response->index_revision();
                seen.Record(Clock::now(),
                            options.update_roles ? index.roles().token() : index.courses().token());
              }
              done(status);
            });
      });

  std::vector<Write> writes;
  std::atomic<bool> writes_done{false};
  std::atomic<bool> stop_queries{false};
  std::string write_error;
  std::thread writer([&] {
    auto interval = std::chrono::nanoseconds(1'000'000'000 / options.write_rate);
    auto start = Clock::now();
    auto end = start + std::chrono::seconds(options.seconds);
    for (int64_t k = 0;; ++k) {
      auto due = start + k * interval;
      if (due >= end) break;
      std::this_thread::sleep_until(due);
      Write write;
      write.name = pool[static_cast<size_t>(k) % pool.size()];
      write_error = update(k, &write);
      if (!write_error.empty()) break;
      writes.push_back(std::move(write));
    }
    writes_done.store(true);
  });

  // Stops the queries once every update has shown, or five seconds after
  // the last was sent.
  std::thread stopper([&] {
    while (!writes_done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto give_up = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < give_up) {
      std::optional<std::string> last;
      if (!writes.empty()) last = feed.Revision(writes.back().name, writes.back().etag);
      if (writes.empty()) break;
      if (last.has_value()) {
        auto all = seen.Sorted();
        if (!all.empty() && !RevisionBefore(all.back().second, *last)) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop_queries.store(true);
  });
  Result queries_result =
      RunFor("rank_pathways", rank, options.concurrency, options.seconds + 60, &stop_queries);
  writer.join();
  stopper.join();
  feed.Stop();
  if (!write_error.empty()) {
    std::cerr << "writes stopped: " << write_error << "\n";
    return 1;
  }
  if (writes.empty()) {
    std::cerr << "no " << what << " was updated\n";
    return 1;
  }

  std::vector<std::pair<Clock::time_point, std::string>> answers = seen.Sorted();
  std::vector<double> latencies_ms;
  int64_t unknown_revision = 0, never_seen = 0;
  for (const Write& write : writes) {
    std::optional<std::string> revision = feed.Revision(write.name, write.etag);
    if (!revision.has_value()) {
      ++unknown_revision;
      continue;
    }
    auto it =
        std::lower_bound(answers.begin(), answers.end(), write.sent,
                         [](const auto& answer, Clock::time_point t) { return answer.first < t; });
    while (it != answers.end() && RevisionBefore(it->second, *revision)) ++it;
    if (it == answers.end()) {
      ++never_seen;
      continue;
    }
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(it->first - write.sent).count());
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  double write_seconds =
      std::chrono::duration<double>(writes.back().sent - writes.front().sent).count();
  std::printf("%s updates: %zu at %.1f/s (asked %d/s) over %d s\n", what, writes.size(),
              write_seconds > 0 ? static_cast<double>(writes.size() - 1) / write_seconds : 0.0,
              options.write_rate, options.seconds);
  std::printf("rank_pathways meanwhile: %.0f qps, p50 %.0f us, p99 %.0f us, concurrency %d\n",
              queries_result.qps, queries_result.p50_us, queries_result.p99_us,
              options.concurrency);
  std::printf(
      "update visible in RankPathways after: p50 %.1f ms, p99 %.1f ms, max %.1f ms "
      "(%zu updates; %lld never shown, %lld not found in the feed)\n",
      Percentile(latencies_ms, 0.5), Percentile(latencies_ms, 0.99),
      latencies_ms.empty() ? 0.0 : latencies_ms.back(), latencies_ms.size(),
      static_cast<long long>(never_seen), static_cast<long long>(unknown_revision));
  int exit_code = 0;
  if (queries_result.failed > 0) {
    std::fprintf(stderr, "rank_pathways: %lld calls failed, first: %s\n",
                 static_cast<long long>(queries_result.failed), queries_result.first_error.c_str());
    exit_code = 1;
  }
  if (never_seen > 0 || unknown_revision > 0) exit_code = 1;
  return exit_code;
}

int Main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, &options)) return 2;
  if (options.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(options.cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) {
      std::cerr << "cannot pin to CPU " << options.cpu << "\n";
      return 2;
    }
  }
  if (options.token.empty()) {
    absl::StatusOr<std::string> secret = LoadAuthSecret(ProcessEnv());
    if (!secret.ok()) {
      std::cerr << "give --token, or the server's signing secret: " << secret.status().message()
                << "\n";
      return 2;
    }
    options.token =
        TokenAuthority(*secret).Issue(Principal{Role::kAdmin, "load", "load-tool"}, absl::Hours(1));
  }

  std::shared_ptr<grpc::Channel> training_channel = Connect(options.training);
  if (training_channel == nullptr) return 1;
  auto health = grpc::health::v1::Health::NewStub(training_channel);
  auto training = tv1::TrainingService::NewStub(training_channel);
  std::unique_ptr<dv1::DemandService::Stub> demand;
  std::unique_ptr<pv1::ProfilesService::Stub> profiles;
  if (!options.demand.empty()) {
    std::shared_ptr<grpc::Channel> channel = Connect(options.demand);
    if (channel == nullptr) return 1;
    demand = dv1::DemandService::NewStub(channel);
  }
  if (!options.profiles.empty()) {
    std::shared_ptr<grpc::Channel> channel = Connect(options.profiles);
    if (channel == nullptr) return 1;
    profiles = pv1::ProfilesService::NewStub(channel);
  }
  std::shared_ptr<grpc::Channel> matcher_channel;
  std::unique_ptr<mv1::MatcherService::Stub> matcher;
  if (!options.matcher.empty()) {
    matcher_channel = Connect(options.matcher);
    if (matcher_channel == nullptr) return 1;
    matcher = mv1::MatcherService::NewStub(matcher_channel);
  }

  // The generated economy: loaded when --scale is given; its young people
  // are who RankPathways is asked about.
  std::unique_ptr<const taxonomy::Taxonomy> skills;
  std::unique_ptr<const taxonomy::Geography> places;
  std::unique_ptr<EconomyGenerator> economy;
  if (!options.scale.empty() || matcher != nullptr) {
    auto loaded_taxonomy = taxonomy::Taxonomy::Load(options.data_dir);
    auto loaded_geography = taxonomy::Geography::Load(options.data_dir);
    if (!loaded_taxonomy.ok() || !loaded_geography.ok()) {
      std::cerr << "cannot load reference data from " << options.data_dir << ": "
                << (loaded_taxonomy.ok() ? loaded_geography.status() : loaded_taxonomy.status())
                << "\n";
      return 2;
    }
    skills = *std::move(loaded_taxonomy);
    places = *std::move(loaded_geography);
    generator::EconomyOptions economy_options = generator::EconomyOptions::For(
        *generator::ParseScale(options.scale.empty() ? "demo" : options.scale), options.seed);
    // Dated from today, so courses start and roles close in the future.
    absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    economy_options.today.set_year(static_cast<int>(today.year()));
    economy_options.today.set_month(today.month());
    economy_options.today.set_day(today.day());
    auto created = EconomyGenerator::Create(skills.get(), places.get(), economy_options);
    if (!created.ok()) {
      std::cerr << "cannot generate the economy: " << created.status() << "\n";
      return 2;
    }
    economy = *std::move(created);
  }
  if (options.load) {
    auto started = Clock::now();
    if (!LoadEconomy(*economy, options.token, *training, *demand)) return 1;
    std::fprintf(stderr, "loaded the %s economy in %.0f s\n", options.scale.c_str(),
                 std::chrono::duration<double>(Clock::now() - started).count());
  }
  if (!CreateFixtures(options.token, *training, demand.get(), profiles.get())) return 1;

  std::vector<mv1::RankPathwaysRequest> queries;
  if (matcher != nullptr) {
    for (int i = 0; i < options.profile_pool; ++i) {
      queries.push_back(RankRequest(economy->Profile(i)));
    }
    int64_t roles = options.scale.empty() ? 0 : economy->options().roles;
    int64_t courses = options.scale.empty() ? 0 : economy->options().courses;
    auto started = Clock::now();
    if (!AwaitMatcher(matcher_channel, *matcher, options.token, queries.front(), roles, courses,
                      options.ready_timeout)) {
      return 1;
    }
    std::fprintf(stderr, "the matcher's index holds the economy (waited %.0f s)\n",
                 std::chrono::duration<double>(Clock::now() - started).count());
  }
  if (options.load_only) return 0;
  if (options.update_latency) {
    const std::string& token = options.token;
    if (options.update_roles) {
      std::vector<std::string> role_pool;
      for (int i = 0; i < std::min(100, economy->options().roles); ++i) {
        role_pool.push_back(economy->Role(i).name());
      }
      FeedLog<dv1::RoleChange> feed;
      feed.Start(
          token,
          [&](grpc::ClientContext* context) {
            return demand->WatchRoles(context, dv1::WatchRolesRequest());
          },
          [](const dv1::RoleChange& change) { return change.role().etag(); });
      Updater update = MakeUpdater<dv1::Role>(
          token, "Role",
          [&](grpc::ClientContext* context, const std::string& name, dv1::Role* role) {
            dv1::GetRoleRequest get;
            get.set_name(name);
            return demand->GetRole(context, get, role);
          },
          [&](grpc::ClientContext* context, const dv1::Role& current, int64_t k,
              dv1::Role* updated) {
            dv1::UpdateRoleRequest request;
            request.mutable_role()->set_name(current.name());
            request.mutable_role()->set_etag(current.etag());
            // Vacancies open and fill all the time; keep some open.
            *request.mutable_role()->mutable_openings() = current.openings();
            request.mutable_role()->mutable_openings()->set_now(1 + static_cast<int>(k % 23));
            request.mutable_update_mask()->add_paths("openings");
            return demand->UpdateRole(context, request, updated);
          });
      return MeasureUpdateLatency(options, feed, update, *matcher, role_pool, queries);
    }
    std::vector<std::string> course_pool;
    if (options.scale.empty()) {
      course_pool.push_back(kLoadCourse);
    } else {
      for (int i = 0; i < std::min(100, economy->options().courses); ++i) {
        course_pool.push_back(economy->Course(i).name());
      }
    }
    FeedLog<tv1::CourseChange> feed;
    feed.Start(
        token,
        [&](grpc::ClientContext* context) {
          return training->WatchCourses(context, tv1::WatchCoursesRequest());
        },
        [](const tv1::CourseChange& change) { return change.course().etag(); });
    Updater update = MakeUpdater<tv1::Course>(
        token, "Course",
        [&](grpc::ClientContext* context, const std::string& name, tv1::Course* course) {
          tv1::GetCourseRequest get;
          get.set_name(name);
          return training->GetCourse(context, get, course);
        },
        [&](grpc::ClientContext* context, const tv1::Course& current, int64_t k,
            tv1::Course* updated) {
          tv1::UpdateCourseRequest request;
          request.mutable_course()->set_name(current.name());
          request.mutable_course()->set_etag(current.etag());
          // Places left change all the time; keep some, so it stays offered.
          request.mutable_course()->set_places(8 + static_cast<int>(k % 23));
          request.mutable_update_mask()->add_paths("places");
          return training->UpdateCourse(context, request, updated);
        });
    return MeasureUpdateLatency(options, feed, update, *matcher, course_pool, queries);
  }

  const std::string& token = options.token;
  std::atomic<int64_t> sequence{0};
  std::string run_id =
      absl::StrFormat("%x", std::chrono::system_clock::now().time_since_epoch().count());
  std::map<std::string, Issue> issuers;
  issuers["health"] =
      MakeIssue<grpc::health::v1::HealthCheckRequest, grpc::health::v1::HealthCheckResponse>(
          "", [](auto*) {},
          [&](auto* context, auto* request, auto* response, auto done) {
            health->async()->Check(context, request, response, std::move(done));
          });
  issuers["get_course"] = MakeIssue<tv1::GetCourseRequest, tv1::Course>(
      token, [](auto* request) { request->set_name(kLoadCourse); },
      [&](auto* context, auto* request, auto* response, auto done) {
        training->async()->GetCourse(context, request, response, std::move(done));
      });
  issuers["create_course"] = MakeIssue<tv1::CreateCourseRequest, tv1::Course>(
      token,
      [&](auto* request) {
        request->set_parent(kLoadProvider);
        request->set_course_id(absl::StrCat("w", run_id, "-", sequence.fetch_add(1)));
        *request->mutable_course() = LoadCourse();
      },
      [&](auto* context, auto* request, auto* response, auto done) {
        training->async()->CreateCourse(context, request, response, std::move(done));
      });
  if (profiles != nullptr) {
    issuers["get_profile"] = MakeIssue<pv1::GetProfileRequest, pv1::Profile>(
        token, [](auto* request) { request->set_name(kLoadProfile); },
        [&](auto* context, auto* request, auto* response, auto done) {
          profiles->async()->GetProfile(context, request, response, std::move(done));
        });
  }
  if (demand != nullptr) {
    issuers["create_role"] = MakeIssue<dv1::CreateRoleRequest, dv1::Role>(
        token,
        [&](auto* request) {
          request->set_parent(kLoadEmployer);
          request->set_role_id(absl::StrCat("w", run_id, "-", sequence.fetch_add(1)));
          *request->mutable_role() = LoadRole();
        },
        [&](auto* context, auto* request, auto* response, auto done) {
          demand->async()->CreateRole(context, request, response, std::move(done));
        });
    issuers["demand_summary"] =
        MakeIssue<dv1::GetDemandSummaryRequest, dv1::GetDemandSummaryResponse>(
            token,
            [](auto* request) {
              request->set_horizon(dv1::HORIZON_TWO_YEARS);
              request->set_group_by(dv1::GROUP_BY_SKILL);
            },
            [&](auto* context, auto* request, auto* response, auto done) {
              demand->async()->GetDemandSummary(context, request, response, std::move(done));
            });
  }

  std::atomic<int64_t> pathways_returned{0};
  if (matcher != nullptr) {
    issuers["rank_pathways"] = MakeIssue<mv1::RankPathwaysRequest, mv1::RankPathwaysResponse>(
        token,
        [&](auto* request) {
          *request = queries[static_cast<size_t>(sequence.fetch_add(1)) % queries.size()];
        },
        [&](auto* context, auto* request, auto* response, auto done) {
          matcher->async()->RankPathways(context, request, response,
                                         [&pathways_returned, response, done](grpc::Status status) {
                                           if (status.ok())
                                             pathways_returned.fetch_add(response->pathways_size());
                                           done(status);
                                         });
        });
  }

  std::vector<Result> results;
  for (const std::string& name : options.calls) {
    auto it = issuers.find(name);
    if (it == issuers.end()) {
      std::cerr << "unknown call " << name << " (or its service was not given; see --help)\n";
      return 2;
    }
    results.push_back(RunFor(name, it->second, options.concurrency, options.seconds));
  }
  double health_qps = 0;
  for (const Result& result : results) {
    if (result.call == "health") health_qps = result.qps;
  }
  std::printf("%-16s %10s %10s %10s %10s %8s %14s\n", "call", "qps", "p50_us", "p99_us", "ok",
              "failed", "ratio_to_health");
  int exit_code = 0;
  for (const Result& result : results) {
    std::printf("%-16s %10.0f %10.0f %10.0f %10lld %8lld %14s\n", result.call.c_str(), result.qps,
                result.p50_us, result.p99_us, static_cast<long long>(result.ok),
                static_cast<long long>(result.failed),
                health_qps > 0 ? absl::StrFormat("%.3f", result.qps / health_qps).c_str() : "-");
    if (result.call == "rank_pathways" && result.ok > 0) {
      std::fprintf(stderr, "rank_pathways: %.1f pathways an answer on average\n",
                   static_cast<double>(pathways_returned.load()) / static_cast<double>(result.ok));
    }
    if (result.failed > 0) {
      std::fprintf(stderr, "%s: %lld calls failed, first: %s\n", result.call.c_str(),
                   static_cast<long long>(result.failed), result.first_error.c_str());
      exit_code = 1;
    }
  }
  return exit_code;
}

}  // namespace
}  // namespace pathways::load

int main(int argc, char** argv) { return pathways::load::Main(argc, argv); }
