// A training service on a real redis-server, with clients for each kind of
// caller, and course builders using real ESCO skills.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "pathways/training/v1/training_service.grpc.pb.h"
#include "services/training/training_server.h"
#include "tests/testing/esco_fixtures.h"
#include "tests/testing/service_test.h"

namespace pathways::testing {

namespace tv1 = ::pathways::training::v1;

class TrainingServiceTest : public ServiceTest<tv1::TrainingService> {
 protected:
  TrainingServiceTest() : ServiceTest("training", training::kTrainingServiceName) {}

  std::shared_ptr<grpc::Service> MakeService(ServiceHost& host) override {
    return training::MakeTrainingService(host);
  }

  std::string ProviderToken(const std::string& provider_id) const {
    return Token(Role::kProvider, provider_id);
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
};

}  // namespace pathways::testing
