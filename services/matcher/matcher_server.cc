#include "services/matcher/matcher_server.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "pathways/demand/v1/demand_service.grpc.pb.h"
#include "pathways/training/v1/training_service.grpc.pb.h"
#include "services/common/feed_follower.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/matcher/area.h"
#include "services/matcher/matcher_service.h"

namespace pathways::matcher {
namespace {

namespace dv1 = ::pathways::demand::v1;
namespace tv1 = ::pathways::training::v1;

using CourseFeed = FeedFollower<tv1::Course, tv1::CourseChange>;
using RoleFeed = FeedFollower<dv1::Role, dv1::RoleChange>;

constexpr int kListPageSize = 1000;

std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

// The index size, the feed lag and the area cache, as Prometheus metrics.
struct IndexMetrics {
  explicit IndexMetrics(prometheus::Registry& registry)
      : size(prometheus::BuildGauge()
                 .Name("matcher_index_size")
                 .Help("Resources in the matcher's index, by kind.")
                 .Register(registry)),
        lag(prometheus::BuildGauge()
                .Name("matcher_feed_lag_seconds")
                .Help("Time from a change being written to the matcher applying it, by feed.")
                .Register(registry)),
        apply_lag(prometheus::BuildHistogram()
                      .Name("matcher_feed_apply_lag_seconds")
                      .Help("Time from each change being written (its change-stream time) to the "
                            "index answering with it, by feed.")
                      .Register(registry)),
        roles(size.Add({{"kind", "roles"}})),
        courses(size.Add({{"kind", "courses"}})),
        roles_lag(lag.Add({{"feed", "roles"}})),
        courses_lag(lag.Add({{"feed", "courses"}})),
        roles_apply_lag(apply_lag.Add({{"feed", "roles"}}, LatencyBuckets())),
        courses_apply_lag(apply_lag.Add({{"feed", "courses"}}, LatencyBuckets())),
        area_lookups(prometheus::BuildCounter()
                         .Name("matcher_area_cache_lookups_total")
                         .Help("Rankings by whether the roles within reach of their home "
                               "were cached (result=hit), cached from before some roles "
                               "changed and brought up to date (result=patched), or worked "
                               "out from every role (result=miss).")
                         .Register(registry)),
        area_cache(prometheus::BuildGauge()
                       .Name("matcher_area_cache")
                       .Help("The cache of roles within reach of recent homes: areas held "
                             "(what=areas) and their bytes (what=bytes), within AREA_CACHE_MB.")
                       .Register(registry)),
        area_hits(area_lookups.Add({{"result", "hit"}})),
        area_patches(area_lookups.Add({{"result", "patched"}})),
        area_misses(area_lookups.Add({{"result", "miss"}})),
        area_count(area_cache.Add({{"what", "areas"}})),
        area_bytes(area_cache.Add({{"what", "bytes"}})) {}

  prometheus::Family<prometheus::Gauge>& size;
  prometheus::Family<prometheus::Gauge>& lag;
  prometheus::Family<prometheus::Histogram>& apply_lag;
  prometheus::Gauge& roles;
  prometheus::Gauge& courses;
  prometheus::Gauge& roles_lag;
  prometheus::Gauge& courses_lag;
  prometheus::Histogram& roles_apply_lag;
  prometheus::Histogram& courses_apply_lag;
  prometheus::Family<prometheus::Counter>& area_lookups;
  prometheus::Family<prometheus::Gauge>& area_cache;
  prometheus::Counter& area_hits;
  prometheus::Counter& area_patches;
  prometheus::Counter& area_misses;
  prometheus::Gauge& area_count;
  prometheus::Gauge& area_bytes;
};

// Where one feed stands in the index. Touched only by its follower's thread.
struct FeedPosition {
  void (MatchIndex::*set_revision)(std::string);
  void (LiveIndex::*clear)();
  prometheus::Gauge* lag;
  prometheus::Histogram* apply_lag;
};

struct MatcherParts {
  MatcherParts(ServiceHost& host, absl::TimeZone zone)
      : authority(&host.authority()),
        index(&host.taxonomy(), &host.geography()),
        profile_source(Channel(host.config().profiles_addr), std::chrono::seconds(5)),
        validator(&host.taxonomy(), &host.geography(), zone),
        service(&index, &policy, &profile_source, &validator, zone, host.handler()),
        training(tv1::TrainingService::NewStub(Channel(host.config().training_addr))),
        demand(dv1::DemandService::NewStub(Channel(host.config().demand_addr))),
        metrics(*host.metrics().registry()),
        course_position{&MatchIndex::set_courses_revision, &LiveIndex::ClearCourses,
                        &metrics.courses_lag, &metrics.courses_apply_lag},
        role_position{&MatchIndex::set_roles_revision, &LiveIndex::ClearRoles, &metrics.roles_lag,
                      &metrics.roles_apply_lag} {}

  ~MatcherParts() {
    if (courses) courses->Stop();
    if (roles) roles->Stop();
    SharedAreaCache().set_observer(nullptr);
  }

  // Credentials for the matcher's own calls: a short-lived service token.
  void Authorize(grpc::ClientContext* context) const {
    context->AddMetadata(
        "authorization",
        "Bearer " +
            authority->Issue(Principal{Role::kService, "matcher", "matcher"}, absl::Hours(1)));
    context->AddMetadata("x-pathways-client", "matcher");
  }

  // Providers lend their display names to pathways; fetched once each, the
  // first time one of their courses arrives.
  void EnsureProvider(const std::string& course_name) {
    std::string provider = course_name.substr(0, course_name.find("/courses/"));
    {
      std::lock_guard<std::mutex> lock(providers_mutex);
      if (!known_providers.insert(provider).second) return;
    }
    grpc::ClientContext context;
    Authorize(&context);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    tv1::GetProviderRequest request;
    request.set_name(provider);
    tv1::Provider found;
    grpc::Status status = training->GetProvider(&context, request, &found);
    if (status.ok()) {
      index.Write([&](MatchIndex& index) { return index.UpsertProvider(found); }).IgnoreError();
    } else {
      std::lock_guard<std::mutex> lock(providers_mutex);
      known_providers.erase(provider);  // Try again with its next course.
    }
  }

  void CountIndex() {
    index.Read([&](const MatchIndex& index) {
      metrics.roles.Set(static_cast<double>(index.role_count()));
      metrics.courses.Set(static_cast<double>(index.course_count()));
    });
  }

  void StartFeeds() {
    courses = std::make_unique<CourseFeed>(
        "courses",
        [this](grpc::ClientContext* context, const std::string& token, CourseFeed::Page* page) {
          tv1::ListCoursesRequest request;
          request.set_parent("providers/-");
          request.set_page_size(kListPageSize);
          request.set_page_token(token);
          tv1::ListCoursesResponse response;
          grpc::Status status = training->ListCourses(context, request, &response);
          for (tv1::Course& course : *response.mutable_courses()) {
            page->items.push_back(std::move(course));
          }
          page->next_page_token = response.next_page_token();
          page->revision = response.revision().token();
          return status;
        },
        [this](grpc::ClientContext* context, const std::string& revision) {
          Resume(course_position, revision);
          tv1::WatchCoursesRequest request;
          request.mutable_start_revision()->set_token(revision);
          return training->WatchCourses(context, request);
        },
        &tv1::CourseChange::mutable_course,
        CourseFeed::Sink{
            [this] { Reset(course_position); },
            [this](tv1::Course course, const std::string& revision) {
              EnsureProvider(course.name());
              absl::Status applied = Apply(course_position, revision, [&](MatchIndex& index) {
                return index.UpsertCourse(course);
              });
              if (!applied.ok()) {
                LogWarning("course left out of the index",
                           {{"course", course.name()}, {"error", std::string(applied.message())}});
              }
            },
            [this](const std::string& name, const std::string& revision) {
              Apply(course_position, revision, [&](MatchIndex& index) {
                index.RemoveCourse(name);
                return absl::OkStatus();
              }).IgnoreError();
            }},
        [this](grpc::ClientContext* context) { Authorize(context); });
    roles = std::make_unique<RoleFeed>(
        "roles",
        [this](grpc::ClientContext* context, const std::string& token, RoleFeed::Page* page) {
          dv1::ListRolesRequest request;
          request.set_parent("employers/-");
          request.set_page_size(kListPageSize);
          request.set_page_token(token);
          dv1::ListRolesResponse response;
          grpc::Status status = demand->ListRoles(context, request, &response);
          for (dv1::Role& role : *response.mutable_roles()) page->items.push_back(std::move(role));
          page->next_page_token = response.next_page_token();
          page->revision = response.revision().token();
          return status;
        },
        [this](grpc::ClientContext* context, const std::string& revision) {
          Resume(role_position, revision);
          dv1::WatchRolesRequest request;
          request.mutable_start_revision()->set_token(revision);
          return demand->WatchRoles(context, request);
        },
        &dv1::RoleChange::mutable_role,
        RoleFeed::Sink{[this] { Reset(role_position); },
                       [this](dv1::Role role, const std::string& revision) {
                         absl::Status applied =
                             Apply(role_position, revision,
                                   [&](MatchIndex& index) { return index.UpsertRole(role); });
                         if (!applied.ok()) {
                           LogWarning(
                               "role left out of the index",
                               {{"role", role.name()}, {"error", std::string(applied.message())}});
                         }
                       },
                       [this](const std::string& name, const std::string& revision) {
                         Apply(role_position, revision, [&](MatchIndex& index) {
                           index.RemoveRole(name);
                           return absl::OkStatus();
                         }).IgnoreError();
                       }},
        [this](grpc::ClientContext* context) { Authorize(context); });
    courses->Start();
    roles->Start();
  }

  // Applies one change of a feed and, in the same write, the feed's
  // position (the change's revision; none while listing), so a query sees
  // both or neither; then records the lag.
  absl::Status Apply(FeedPosition& feed, const std::string& revision,
                     absl::FunctionRef<absl::Status(MatchIndex&)> change) {
    absl::Status status = index.Write([&](MatchIndex& index) {
      absl::Status applied = change(index);
      if (!revision.empty()) (index.*feed.set_revision)(revision);
      return applied;
    });
    absl::Time written;
    if (RevisionWrittenAt(revision, &written)) {
      double lag = absl::ToDoubleSeconds(absl::Now() - written);
      feed.lag->Set(lag);
      feed.apply_lag->Observe(std::max(lag, 0.0));
    }
    CountIndex();
    return status;
  }

  // Before a full listing: the index no longer holds the feed's position.
  void Reset(FeedPosition& feed) {
    index.Write([&](MatchIndex& index) { (index.*feed.set_revision)(""); });
    (index.*feed.clear)();
  }

  // The follower watches from `revision` once everything up to it has been
  // applied (a complete listing, or the last change of a dropped stream).
  void Resume(FeedPosition& feed, const std::string& revision) {
    index.Write([&](MatchIndex& index) { (index.*feed.set_revision)(revision); });
  }

  absl::Status Ready() const {
    if (!courses->synced()) return absl::UnavailableError("course feed not yet listed");
    if (!roles->synced()) return absl::UnavailableError("role feed not yet listed");
    return absl::OkStatus();
  }

  const TokenAuthority* authority;
  LiveIndex index;
  Policy policy;
  GrpcProfileSource profile_source;
  profiles::ProfileValidator validator;
  MatcherService service;
  std::unique_ptr<tv1::TrainingService::Stub> training;
  std::unique_ptr<dv1::DemandService::Stub> demand;
  IndexMetrics metrics;
  std::mutex providers_mutex;
  std::set<std::string> known_providers;
  FeedPosition course_position;
  FeedPosition role_position;
  std::unique_ptr<CourseFeed> courses;
  std::unique_ptr<RoleFeed> roles;
};

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Service>> MakeMatcherService(ServiceHost& host) {
  const ServerConfig& config = host.config();
  for (auto [var, value] : {std::pair{"TRAINING_ADDR", &config.training_addr},
                            std::pair{"DEMAND_ADDR", &config.demand_addr},
                            std::pair{"PROFILES_ADDR", &config.profiles_addr}}) {
    if (value->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(var, " is required by the matcher"));
    }
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(config.time_zone, &zone)) {
    return absl::InvalidArgumentError(absl::StrCat("TIME_ZONE ", config.time_zone, " is unknown"));
  }
  SharedAreaCache().set_max_bytes(static_cast<size_t>(config.area_cache_mb) << 20);
  auto parts = std::make_shared<MatcherParts>(host, zone);
  SharedAreaCache().set_observer(
      [metrics = &parts->metrics](AreaLookup lookup, const AreaCache::Stats& now) {
        switch (lookup) {
          case AreaLookup::kHit:
            metrics->area_hits.Increment();
            break;
          case AreaLookup::kPatched:
            metrics->area_patches.Increment();
            break;
          case AreaLookup::kBuilt:
            metrics->area_misses.Increment();
            break;
        }
        metrics->area_count.Set(static_cast<double>(now.areas));
        metrics->area_bytes.Set(static_cast<double>(now.bytes));
      });
  parts->StartFeeds();
  host.SetReadiness([parts = parts.get()] { return parts->Ready(); });
  return std::shared_ptr<grpc::Service>(parts, &parts->service);
}

}  // namespace pathways::matcher
