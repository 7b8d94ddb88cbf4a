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
#include "grpc/health/v1/health.grpc.pb.h"
#include "pathways/training/v1/training_service.grpc.pb.h"
#include "services/common/auth.h"
#include "services/common/config.h"

namespace pathways::load {
namespace {

namespace tv1 = ::pathways::training::v1;
using Clock = std::chrono::steady_clock;

constexpr char kUsage[] = R"(pathways-load: measure a Pathways server under fixed-concurrency load.

usage: pathways-load --target HOST:PORT [options]
  --calls LIST        comma-separated: health,get_course,create_course (default all)
  --concurrency N     calls kept in flight (default 16)
  --seconds S         duration of each call's run, 1..600 (default 5)
  --cpu N             pin this process to CPU core N
  --token TOKEN       bearer token (default: an admin token signed with AUTH_SECRET)
)";

struct Options {
  std::string target;
  std::vector<std::string> calls = {"health", "get_course", "create_course"};
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
    if (flag == "--target") {
      options->target = value;
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
  if (options->target.empty()) {
    std::cerr << "--target is required\n" << kUsage;
    return false;
  }
  return true;
}

tv1::Course LoadCourse() {
  tv1::Course course;
  course.set_title("Load test course");
  auto* skill = course.add_skills_taught();
  skill->set_skill("http://data.europa.eu/esco/skill/00735755-adc6-4ea0-b034-b8caff339c9f");
  skill->set_level(common::v1::PROFICIENCY_INTERMEDIATE);
  course.set_duration_weeks(10);
  course.set_hours_per_week(10);
  course.mutable_venue()->set_outcode("M1");
  course.set_study_mode(common::v1::STUDY_MODE_PART_TIME);
  return course;
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
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

  auto channel = grpc::CreateChannel(options.target, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30))) {
    std::cerr << "cannot connect to " << options.target << "\n";
    return 1;
  }
  auto health = grpc::health::v1::Health::NewStub(channel);
  auto training = tv1::TrainingService::NewStub(channel);

  // Fixtures for the course calls; already being there is fine.
  {
    tv1::CreateProviderRequest request;
    request.set_provider_id("load-test-provider");
    request.mutable_provider()->set_display_name("Load test provider");
    request.mutable_provider()->mutable_location()->set_outcode("M1");
    tv1::Provider provider;
    grpc::Status status =
        training->CreateProvider(Context(options.token).get(), request, &provider);
    if (!status.ok() && status.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      std::cerr << "cannot create the load-test provider: " << status.error_message() << "\n";
      return 1;
    }
    tv1::CreateCourseRequest course;
    course.set_parent("providers/load-test-provider");
    course.set_course_id("read-me");
    *course.mutable_course() = LoadCourse();
    tv1::Course created;
    status = training->CreateCourse(Context(options.token).get(), course, &created);
    if (!status.ok() && status.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      std::cerr << "cannot create the load-test course: " << status.error_message() << "\n";
      return 1;
    }
  }

  std::atomic<int64_t> sequence{0};
  std::string run_id =
      absl::StrFormat("%x", std::chrono::system_clock::now().time_since_epoch().count());
  std::map<std::string, Issue> issuers;
  issuers["health"] = [&](std::function<void(const grpc::Status&)> done) {
    struct Call {
      grpc::ClientContext context;
      grpc::health::v1::HealthCheckRequest request;
      grpc::health::v1::HealthCheckResponse response;
    };
    auto call = std::make_shared<Call>();
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    health->async()->Check(&call->context, &call->request, &call->response,
                           [call, done](grpc::Status status) { done(status); });
  };
  issuers["get_course"] = [&](std::function<void(const grpc::Status&)> done) {
    struct Call {
      std::unique_ptr<grpc::ClientContext> context;
      tv1::GetCourseRequest request;
      tv1::Course response;
    };
    auto call = std::make_shared<Call>();
    call->context = Context(options.token);
    call->request.set_name("providers/load-test-provider/courses/read-me");
    training->async()->GetCourse(call->context.get(), &call->request, &call->response,
                                 [call, done](grpc::Status status) { done(status); });
  };
  issuers["create_course"] = [&](std::function<void(const grpc::Status&)> done) {
    struct Call {
      std::unique_ptr<grpc::ClientContext> context;
      tv1::CreateCourseRequest request;
      tv1::Course response;
    };
    auto call = std::make_shared<Call>();
    call->context = Context(options.token);
    call->request.set_parent("providers/load-test-provider");
    call->request.set_course_id(absl::StrCat("w", run_id, "-", sequence.fetch_add(1)));
    *call->request.mutable_course() = LoadCourse();
    training->async()->CreateCourse(call->context.get(), &call->request, &call->response,
                                    [call, done](grpc::Status status) { done(status); });
  };

  std::vector<Result> results;
  for (const std::string& name : options.calls) {
    auto it = issuers.find(name);
    if (it == issuers.end()) {
      std::cerr << "unknown call " << name << " (health, get_course, create_course)\n";
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
