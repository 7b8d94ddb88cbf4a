// The matcher end to end: real training, demand and profiles services on a
// real Redis, the matcher following their change feeds over real channels,
// and advisers asking for pathways.
#include <gtest/gtest.h>
#include <prometheus/metric_family.h>

#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "pathways/demand/v1/demand_service.grpc.pb.h"
#include "pathways/matcher/v1/matcher_service.grpc.pb.h"
#include "pathways/profiles/v1/profiles_service.grpc.pb.h"
#include "pathways/training/v1/training_service.grpc.pb.h"
#include "services/common/api_conventions.h"
#include "services/matcher/matcher_server.h"
#include "tests/testing/data_services.h"

namespace pathways::testing {
namespace {

namespace dv1 = ::pathways::demand::v1;
namespace mv1 = ::pathways::matcher::v1;
namespace pv1 = ::pathways::profiles::v1;
namespace tv1 = ::pathways::training::v1;
using grpc::health::v1::HealthCheckResponse;

// Real ESCO v1.1.1 concepts.
constexpr char kElectrician[] =
    "http://data.europa.eu/esco/occupation/4910419f-b4af-4f59-b544-9dbebc8a74f0";
constexpr char kInstallHeatPump[] =
    "http://data.europa.eu/esco/skill/00735755-adc6-4ea0-b034-b8caff339c9f";
constexpr char kRepairWiring[] =
    "http://data.europa.eu/esco/skill/af1c7b89-679b-4fae-b67c-ed05c669719c";

class MatcherServiceTest : public DataServicesTest {
 protected:
  void SetUp() override {
    DataServicesTest::SetUp();
    admin_ = training_->Token(Role::kAdmin, "authority");
    adviser_ = training_->Token(Role::kAdviser, "bolton-careers");
    SeedEconomy();
    StartMatcher();
  }

  void TearDown() override {
    matcher_.reset();
    DataServicesTest::TearDown();
  }

  void StartMatcher() {
    ServerConfig config = TestServerConfig("matcher", redis_->address());
    config.training_addr = training_->target();
    config.demand_addr = demand_->target();
    config.profiles_addr = profiles_->target();
    matcher_ = std::make_unique<ServiceUnderTest>(
        config,
        [](ServiceHost& host) {
          absl::StatusOr<std::shared_ptr<grpc::Service>> service =
              matcher::MakeMatcherService(host);
          if (!service.ok()) throw std::runtime_error(std::string(service.status().message()));
          return *std::move(service);
        },
        matcher::kMatcherServiceName);
    matcher_stub_ = mv1::MatcherService::NewStub(matcher_->NewChannel());
    // Ready means both feeds have been listed in full.
    ASSERT_TRUE(matcher_->AwaitHealth("", HealthCheckResponse::SERVING));
  }

  static common::v1::Date NextYear(int month, int day) {
    common::v1::Date date;
    date.set_year(static_cast<int>(absl::ToCivilYear(absl::Now(), absl::UTCTimeZone()).year()) + 1);
    date.set_month(month);
    date.set_day(day);
    return date;
  }

  void CreateCourse(const std::string& id, const std::string& skill, int weeks,
                    int64_t cost_pence) {
    tv1::CreateCourseRequest request;
    request.set_parent("providers/bolton-college");
    request.set_course_id(id);
    tv1::Course* course = request.mutable_course();
    course->set_title("Course " + id);
    auto* taught = course->add_skills_taught();
    taught->set_skill(skill);
    taught->set_level(common::v1::PROFICIENCY_ADVANCED);
    course->set_duration_weeks(weeks);
    course->set_hours_per_week(15);
    course->set_cost_pence(cost_pence);
    course->mutable_venue()->set_outcode("BL1");
    course->set_study_mode(common::v1::STUDY_MODE_FULL_TIME);
    *course->add_start_dates() = NextYear(1, 4);
    *course->add_start_dates() = NextYear(9, 6);
    course->set_places(12);
    tv1::Course created;
    grpc::Status status = training_stub_->CreateCourse(As(admin_).get(), request, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  void SeedEconomy() {
    tv1::CreateProviderRequest provider;
    provider.set_provider_id("bolton-college");
    provider.mutable_provider()->set_display_name("Bolton College");
    provider.mutable_provider()->mutable_location()->set_outcode("BL1");
    tv1::Provider created_provider;
    ASSERT_TRUE(training_stub_->CreateProvider(As(admin_).get(), provider, &created_provider).ok());
    CreateCourse("heat-pumps", kInstallHeatPump, 12, 0);

    dv1::CreateEmployerRequest employer;
    employer.set_employer_id("bolton-heating");
    employer.mutable_employer()->set_display_name("Bolton Heating");
    employer.mutable_employer()->mutable_location()->set_outcode("BL1");
    dv1::Employer created_employer;
    grpc::Status status =
        demand_stub_->CreateEmployer(As(admin_).get(), employer, &created_employer);
    ASSERT_TRUE(status.ok()) << status.error_message();
    CreateRole("heat-pump-engineer", {kInstallHeatPump});

    CreateProfile("p-consented", true);
    CreateProfile("p-no-consent", false);
  }

  void CreateRole(const std::string& id, const std::vector<std::string>& essentials) {
    dv1::CreateRoleRequest request;
    request.set_parent("employers/bolton-heating");
    request.set_role_id(id);
    dv1::Role* role = request.mutable_role();
    role->set_occupation(kElectrician);
    role->set_title("Heat pump engineer");
    for (const std::string& skill : essentials) {
      auto* required = role->add_required_skills();
      required->mutable_skill()->set_skill(skill);
      required->mutable_skill()->set_level(common::v1::PROFICIENCY_INTERMEDIATE);
      required->set_importance(dv1::SKILL_IMPORTANCE_ESSENTIAL);
    }
    role->mutable_openings()->set_now(3);
    role->mutable_openings()->set_in_1_year(6);
    role->set_emerging(true);
    role->mutable_site()->set_outcode("BL2");
    role->mutable_pay()->set_min_pence(2'800'000);
    role->mutable_pay()->set_max_pence(3'400'000);
    role->mutable_pay()->set_period(dv1::PAY_PERIOD_ANNUAL);
    role->set_work_mode(common::v1::STUDY_MODE_FULL_TIME);
    role->set_hours_per_week(37);
    dv1::Role created;
    grpc::Status status = demand_stub_->CreateRole(As(admin_).get(), request, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  pv1::Profile Person(bool consented) {
    pv1::Profile profile;
    absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    profile.mutable_date_of_birth()->set_year(static_cast<int>(today.year()) - 18);
    profile.mutable_date_of_birth()->set_month(5);
    profile.mutable_date_of_birth()->set_day(20);
    profile.mutable_home()->set_outcode("BL3");
    auto* skill = profile.add_skills();
    skill->mutable_skill()->set_skill(kRepairWiring);
    skill->mutable_skill()->set_level(common::v1::PROFICIENCY_BASIC);
    skill->set_evidence(pv1::SKILL_EVIDENCE_SELF_REPORTED);
    profile.set_highest_rqf_level(2);
    profile.set_availability(common::v1::STUDY_MODE_FULL_TIME);
    profile.set_max_travel_km(30);
    pv1::Consent* consent = profile.mutable_consent();
    consent->add_purposes(consented ? pv1::CONSENT_PURPOSE_MATCHING
                                    : pv1::CONSENT_PURPOSE_AGGREGATE_STATISTICS);
    *consent->mutable_given_at() = ToTimestamp(absl::Now() - absl::Hours(2));
    consent->set_given_by(pv1::CONSENT_GIVER_SELF);
    return profile;
  }

  void CreateProfile(const std::string& id, bool consented) {
    pv1::CreateProfileRequest request;
    request.set_profile_id(id);
    *request.mutable_profile() = Person(consented);
    pv1::Profile created;
    grpc::Status status = profiles_stub_->CreateProfile(As(adviser_).get(), request, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& token) const {
    return ClientContextWith(token);
  }

  grpc::Status Rank(const std::string& token, const std::string& profile,
                    mv1::RankPathwaysResponse* response) {
    mv1::RankPathwaysRequest request;
    request.set_profile(profile);
    return matcher_stub_->RankPathways(As(token).get(), request, response);
  }

  std::unique_ptr<ServiceUnderTest> matcher_;
  std::unique_ptr<mv1::MatcherService::Stub> matcher_stub_;
  std::string admin_, adviser_;
};

TEST_F(MatcherServiceTest, RanksAPathwayThroughARealCourseToARoleInDemand) {
  mv1::RankPathwaysResponse response;
  grpc::Status status = Rank(adviser_, "profiles/p-consented", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.pathways_size(), 1);
  const mv1::Pathway& pathway = response.pathways(0);
  EXPECT_EQ(pathway.role(), "employers/bolton-heating/roles/heat-pump-engineer");
  ASSERT_EQ(pathway.steps_size(), 1);
  EXPECT_EQ(pathway.steps(0).course(), "providers/bolton-college/courses/heat-pumps");
  EXPECT_GT(pathway.score(), 0.0);
  EXPECT_EQ(response.index_revision().role_count(), 1);
  EXPECT_EQ(response.index_revision().course_count(), 1);

  // The same person inline (a what-if) gets the same answer without a
  // stored profile.
  mv1::RankPathwaysRequest inline_request;
  *inline_request.mutable_inline_profile() = Person(true);
  mv1::RankPathwaysResponse inline_response;
  ASSERT_TRUE(
      matcher_stub_->RankPathways(As(adviser_).get(), inline_request, &inline_response).ok());
  ASSERT_EQ(inline_response.pathways_size(), 1);
  EXPECT_EQ(inline_response.pathways(0).role(), pathway.role());
}

TEST_F(MatcherServiceTest, ExplainsThePathwayAndNamesTheCourseThatUnlocksTheRole) {
  mv1::ExplainPathwayRequest explain;
  explain.set_profile("profiles/p-consented");
  explain.set_role("employers/bolton-heating/roles/heat-pump-engineer");
  mv1::ExplainPathwayResponse explained;
  grpc::Status status = matcher_stub_->ExplainPathway(As(adviser_).get(), explain, &explained);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(explained.feasible());
  ASSERT_EQ(explained.pathway().steps_size(), 1);
  EXPECT_EQ(explained.pathway().steps(0).course(), "providers/bolton-college/courses/heat-pumps");
  EXPECT_FALSE(explained.explanation().empty());
  EXPECT_EQ(explained.index_revision().course_count(), 1);

  mv1::SkillGapsRequest gaps;
  *gaps.mutable_inline_profile() = Person(true);
  mv1::SkillGapsResponse found;
  status = matcher_stub_->SkillGaps(As(adviser_).get(), gaps, &found);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(found.courses_size(), 1);
  EXPECT_EQ(found.courses(0).course(), "providers/bolton-college/courses/heat-pumps");
  EXPECT_EQ(found.courses(0).roles_unlocked(), 1);
}

TEST_F(MatcherServiceTest, AHomesSecondRankingUsesItsCachedAreaAndSaysSo) {
  auto lookups = [&](const std::string& result) -> double {
    for (const prometheus::MetricFamily& family :
         matcher_->host().metrics().registry()->Collect()) {
      if (family.name != "matcher_area_cache_lookups_total") continue;
      for (const prometheus::ClientMetric& metric : family.metric) {
        for (const prometheus::ClientMetric::Label& label : metric.label) {
          if (label.name == "result" && label.value == result) return metric.counter.value;
        }
      }
    }
    return -1;
  };
  mv1::RankPathwaysResponse first, second;
  ASSERT_TRUE(Rank(adviser_, "profiles/p-consented", &first).ok());
  const double hits = lookups("hit"), misses = lookups("miss");
  EXPECT_GE(misses, 1);  // Some ranking worked out this home's area.
  ASSERT_TRUE(Rank(adviser_, "profiles/p-consented", &second).ok());
  EXPECT_EQ(lookups("hit"), hits + 1);
  EXPECT_EQ(lookups("miss"), misses);
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
}

TEST_F(MatcherServiceTest, ProfilesAreReadOnlyAsTheirOwnersAllow) {
  mv1::RankPathwaysResponse response;
  std::string other_adviser = training_->Token(Role::kAdviser, "wigan-careers");
  EXPECT_EQ(Rank(other_adviser, "profiles/p-consented", &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Rank(adviser_, "profiles/p-no-consent", &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(
      Rank(training_->Token(Role::kProvider, "bolton-college"), "profiles/p-consented", &response)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Rank(adviser_, "people/p-consented", &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// The matcher reads a profile for each call and keeps none: once the
// profiles service has erased it, no call can rank, explain or find gaps for
// the person (the adviser hears what the profiles service tells advisers of
// a profile that is not theirs or does not exist; an admin hears NOT_FOUND),
// and nothing the matcher exports names them.
TEST_F(MatcherServiceTest, AnErasedProfileLeavesNoTraceInTheMatcher) {
  const std::string name = "profiles/p-consented";
  mv1::RankPathwaysResponse ranked;
  ASSERT_TRUE(Rank(adviser_, name, &ranked).ok());
  ASSERT_GT(ranked.pathways_size(), 0);

  pv1::DeleteProfileRequest erase;
  erase.set_name(name);
  pv1::DeleteProfileResponse receipt;
  grpc::Status status = profiles_stub_->DeleteProfile(As(adviser_).get(), erase, &receipt);
  ASSERT_TRUE(status.ok()) << status.error_message();

  status = Rank(adviser_, name, &ranked);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  status = Rank(admin_, name, &ranked);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  mv1::ExplainPathwayRequest explain;
  explain.set_profile(name);
  explain.set_role("employers/bolton-heating/roles/heat-pump-engineer");
  mv1::ExplainPathwayResponse explained;
  status = matcher_stub_->ExplainPathway(As(adviser_).get(), explain, &explained);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  mv1::SkillGapsRequest gaps;
  gaps.set_profile(name);
  mv1::SkillGapsResponse found;
  status = matcher_stub_->SkillGaps(As(adviser_).get(), gaps, &found);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();

  // Metrics are aggregates: no label carries the profile or the person's
  // home.
  int labels = 0;
  for (const prometheus::MetricFamily& family : matcher_->host().metrics().registry()->Collect()) {
    for (const prometheus::ClientMetric& metric : family.metric) {
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        ++labels;
        EXPECT_EQ(label.value.find("p-consented"), std::string::npos) << family.name;
        EXPECT_NE(label.value, "BL3") << family.name;
      }
    }
  }
  EXPECT_GT(labels, 0);
}

TEST_F(MatcherServiceTest, FollowsTheFeedsAsRolesAndCoursesChange) {
  // The matcher applies changes asynchronously from its feeds: ask again
  // until the ranking shows the change, for at most ten seconds.
  auto eventually = [&](const std::function<bool(const mv1::RankPathwaysResponse&)>& holds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      mv1::RankPathwaysResponse response;
      if (Rank(adviser_, "profiles/p-consented", &response).ok() && holds(response)) return true;
      std::this_thread::yield();
    }
    return false;
  };
  auto ranks = [](const mv1::RankPathwaysResponse& response, const std::string& role) {
    for (const mv1::Pathway& pathway : response.pathways()) {
      if (pathway.role() == role) return true;
    }
    return false;
  };
  const std::string kWiring = "employers/bolton-heating/roles/wiring-technician";

  // A role needing a skill the person holds only at a lower level, which no
  // course teaches, is in the index but has no pathway...
  CreateRole("wiring-technician", {kRepairWiring, kInstallHeatPump});
  ASSERT_TRUE(eventually([&](const auto& response) {
    return response.index_revision().role_count() == 2 && !ranks(response, kWiring);
  }));
  // ...until a course teaching it is published,
  CreateCourse("wiring", kRepairWiring, 8, 0);
  EXPECT_TRUE(eventually([&](const auto& response) { return ranks(response, kWiring); }));

  // and a withdrawn course takes every pathway through it away.
  tv1::DeleteCourseRequest remove;
  remove.set_name("providers/bolton-college/courses/heat-pumps");
  tv1::DeleteResponse deleted;
  ASSERT_TRUE(training_stub_->DeleteCourse(As(admin_).get(), remove, &deleted).ok());
  EXPECT_TRUE(eventually([&](const auto& response) { return response.pathways_size() == 0; }));
}

TEST_F(MatcherServiceTest, AnswersNameTheLastCourseChangeTheyInclude) {
  // The training service's own feed says which revision the change got.
  auto watch_context = As(admin_);
  watch_context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto watch = training_stub_->WatchCourses(watch_context.get(), tv1::WatchCoursesRequest());
  watch->WaitForInitialMetadata();
  CreateCourse("wiring", kRepairWiring, 8, 0);
  tv1::CourseChange change;
  ASSERT_TRUE(watch->Read(&change));
  CancelWatch(watch_context.get(), watch.get());

  // The first answer that includes the course names its change, though no
  // later change has followed it.
  mv1::RankPathwaysResponse response;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    response.Clear();
    ASSERT_TRUE(Rank(adviser_, "profiles/p-consented", &response).ok());
    if (response.index_revision().course_count() == 2) break;
    std::this_thread::yield();
  }
  ASSERT_EQ(response.index_revision().course_count(), 2);
  EXPECT_EQ(response.index_revision().courses().token(), change.revision().token());

  // And the time it took is in the apply-lag histogram.
  auto applied_courses = [&]() -> uint64_t {
    for (const prometheus::MetricFamily& family :
         matcher_->host().metrics().registry()->Collect()) {
      if (family.name != "matcher_feed_apply_lag_seconds") continue;
      for (const prometheus::ClientMetric& metric : family.metric) {
        for (const prometheus::ClientMetric::Label& label : metric.label) {
          if (label.name == "feed" && label.value == "courses") {
            return metric.histogram.sample_count;
          }
        }
      }
    }
    return 0;
  };
  while (applied_courses() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(applied_courses(), 1u);
}

}  // namespace
}  // namespace pathways::testing
