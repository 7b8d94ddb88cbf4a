// A demand service on a real redis-server, with clients for each kind of
// caller, and role builders using real ESCO concepts.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "absl/strings/str_cat.h"
#include "pathways/demand/v1/demand_service.grpc.pb.h"
#include "services/demand/demand_server.h"
#include "tests/testing/esco_fixtures.h"
#include "tests/testing/service_test.h"

namespace pathways::testing {

namespace dv1 = ::pathways::demand::v1;

class DemandServiceTest : public ServiceTest<dv1::DemandService> {
 public:
  // A valid role: an electrician's, 2 openings now and 3 within a year.
  static dv1::Role MakeRole(const std::string& title = "Domestic electrician",
                            const std::string& outcode = "M1") {
    dv1::Role role;
    role.set_occupation(kElectrician);
    role.set_soc2020_code("5241");
    role.set_title(title);
    auto* skill = role.add_required_skills();
    skill->mutable_skill()->set_skill(kInstallHeatPump);
    skill->mutable_skill()->set_level(common::v1::PROFICIENCY_INTERMEDIATE);
    skill->set_importance(dv1::SKILL_IMPORTANCE_ESSENTIAL);
    role.mutable_openings()->set_now(2);
    role.mutable_openings()->set_in_1_year(3);
    role.mutable_site()->set_outcode(outcode);
    role.mutable_pay()->set_min_pence(2'600'000);
    role.mutable_pay()->set_max_pence(3'100'000);
    role.mutable_pay()->set_period(dv1::PAY_PERIOD_ANNUAL);
    role.set_entry_rqf_level(3);
    role.set_work_mode(common::v1::STUDY_MODE_FULL_TIME);
    role.set_hours_per_week(37);
    return role;
  }

 protected:
  DemandServiceTest() : ServiceTest("demand", demand::kDemandServiceName) {}

  std::shared_ptr<grpc::Service> MakeService(ServiceHost& host) override {
    absl::StatusOr<std::shared_ptr<grpc::Service>> service = demand::MakeDemandService(host);
    if (!service.ok()) throw std::runtime_error(std::string(service.status().message()));
    return *std::move(service);
  }

  std::string EmployerToken(const std::string& employer_id) const {
    return Token(Role::kEmployer, employer_id);
  }

  // Registers an employer as admin; fails the test on error.
  void CreateEmployer(const std::string& id, const std::string& outcode = "M1") {
    dv1::CreateEmployerRequest request;
    request.set_employer_id(id);
    request.mutable_employer()->set_display_name("Employer " + id);
    request.mutable_employer()->mutable_location()->set_outcode(outcode);
    dv1::Employer response;
    grpc::Status status = stub_->CreateEmployer(As(admin_).get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  grpc::Status CreateRole(const std::string& token, const std::string& employer_id,
                          const std::string& role_id, const dv1::Role& role, dv1::Role* response,
                          const std::string& request_id = "") {
    dv1::CreateRoleRequest request;
    request.set_parent("employers/" + employer_id);
    request.set_role_id(role_id);
    *request.mutable_role() = role;
    request.set_request_id(request_id);
    return stub_->CreateRole(As(token).get(), request, response);
  }

  // Creates an employer and one role of it as that employer; fails the test
  // on error.
  void CreateEmployerWithRole(const std::string& employer_id, const dv1::Role& role,
                              const std::string& role_id = "role") {
    CreateEmployer(employer_id, role.site().outcode());
    dv1::Role created;
    grpc::Status status =
        CreateRole(EmployerToken(employer_id), employer_id, role_id, role, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
};

}  // namespace pathways::testing
