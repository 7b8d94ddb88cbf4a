// pathways-load: a fixed-concurrency load generator for Pathways servers.
//
// For each named call it keeps N calls in flight on the gRPC callback API for
// a bounded time, then reports throughput and latency percentiles, and the
// throughput of each call as a ratio to the health check's measured in the
// same run. Pin it to another core than the server (--cpu) on small machines.
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
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "pathways/demand/v1/demand_service.grpc.pb.h"
#include "pathways/profiles/v1/profiles_service.grpc.pb.h"
#include "pathways/training/v1/training_service.grpc.pb.h"
#include "services/common/api_conventions.h"
#include "services/common/auth.h"
#include "services/common/config.h"
#include "tests/testing/esco_fixtures.h"

namespace pathways::load {
namespace {

namespace tv1 = ::pathways::training::v1;
namespace dv1 = ::pathways::demand::v1;
namespace pv1 = ::pathways::profiles::v1;
using Clock = std::chrono::steady_clock;

constexpr char kUsage[] = R"(pathways-load: measure a Pathways server under fixed-concurrency load.

usage: pathways-load --training HOST:PORT [--demand HOST:PORT] [--profiles HOST:PORT] [options]
  --calls LIST        comma-separated, from: health, get_course, create_course,
                      get_profile, create_role, demand_summary
                      (default: every call whose service was given)
  --concurrency N     calls kept in flight (default 16)
  --seconds S         duration of each call's run, 1..600 (default 5)
  --cpu N             pin this process to CPU core N
  --token TOKEN       bearer token (default: an admin token signed with AUTH_SECRET)
)";

struct Options {
  std::string training;
  std::string demand;
  std::string profiles;
  std::vector<std::string> calls;
  int concurrency = 16;
  int seconds = 5;
  int cpu = -1;
  std::string token;
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

Result RunFor(const std::string& name, const Issue& issue, int concurrency, int seconds) {
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
      bool again = now < stop_at;
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
  if (options->calls.empty()) {
    options->calls = {"health", "get_course", "create_course"};
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
  if (!CreateFixtures(options.token, *training, demand.get(), profiles.get())) return 1;

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
