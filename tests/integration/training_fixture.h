// A training service on a real redis-server, with clients for each kind of
// caller, and course builders using real ESCO skills.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "pathways/training/v1/training_service.grpc.pb.h"
#include "services/training/training_server.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/service_fixture.h"

namespace pathways::testing {

namespace tv1 = ::pathways::training::v1;

// Real ESCO v1.1.1 skills.
inline constexpr char kInstallHeatPump[] =
    "http://data.europa.eu/esco/skill/00735755-adc6-4ea0-b034-b8caff339c9f";
inline constexpr char kHeatPumpFeasibilityUuid[] = "395ace35-e463-4dc7-8181-c2dd43885107";
inline constexpr char kRepairWiring[] =
    "http://data.europa.eu/esco/skill/af1c7b89-679b-4fae-b67c-ed05c669719c";
inline constexpr char kOnlineDataAnalysis[] =
    "http://data.europa.eu/esco/skill/062320e5-79d1-45e8-8b7e-5deeb53279a2";

class TrainingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<RedisServer>();
    StartService();
  }
  void TearDown() override {
    service_.reset();
    redis_.reset();
  }

  void StartService() {
    service_ = std::make_unique<ServiceUnderTest>(
        TestServerConfig("training", redis_->address()),
        [](ServiceHost& host) { return training::MakeTrainingService(host); },
        training::kTrainingServiceName);
    stub_ = tv1::TrainingService::NewStub(service_->NewChannel());
    admin_ = service_->Token(Role::kAdmin, "authority");
  }

  std::string ProviderToken(const std::string& provider_id) const {
    return service_->Token(Role::kProvider, provider_id);
  }
  std::unique_ptr<grpc::ClientContext> As(const std::string& token) const {
    return ClientContextWith(token);
  }

  static tv1::Course MakeCourse(const std::string& title = "Heat pump installation") {
    tv1::Course course;
    course.set_title(title);
    auto* skill = course.add_skills_taught();
    skill->set_skill(kInstallHeatPump);
    skill->set_level(common::v1::PROFICIENCY_INTERMEDIATE);
    course.set_rqf_level_awarded(3);
    course.set_duration_weeks(12);
    course.set_hours_per_week(16);
    course.set_cost_pence(150000);
    course.add_funding(tv1::FUNDING_FREE_UNDER_19);
    course.mutable_venue()->set_outcode("M1");
    course.set_study_mode(common::v1::STUDY_MODE_PART_TIME);
    auto* start = course.add_start_dates();
    start->set_year(2027);
    start->set_month(9);
    start->set_day(6);
    course.set_places(20);
    return course;
  }

  // Registers a provider as admin; fails the test on error.
  void CreateProvider(const std::string& id, const std::string& outcode = "M1") {
    tv1::CreateProviderRequest request;
    request.set_provider_id(id);
    request.mutable_provider()->set_display_name("College " + id);
    request.mutable_provider()->mutable_location()->set_outcode(outcode);
    tv1::Provider response;
    grpc::Status status = stub_->CreateProvider(As(admin_).get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  grpc::Status CreateCourse(const std::string& token, const std::string& provider_id,
                            const std::string& course_id, const tv1::Course& course,
                            tv1::Course* response, const std::string& request_id = "") {
    tv1::CreateCourseRequest request;
    request.set_parent("providers/" + provider_id);
    request.set_course_id(course_id);
    *request.mutable_course() = course;
    request.set_request_id(request_id);
    return stub_->CreateCourse(As(token).get(), request, response);
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServiceUnderTest> service_;
  std::unique_ptr<tv1::TrainingService::Stub> stub_;
  std::string admin_;
};

}  // namespace pathways::testing
