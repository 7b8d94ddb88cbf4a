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
#include "tests/testing/redis_server.h"
#include "tests/testing/service_fixture.h"

namespace pathways::testing {

namespace dv1 = ::pathways::demand::v1;

// ESCO v1.1.1 concepts.
inline constexpr char kElectrician[] =
    "http://data.europa.eu/esco/occupation/4910419f-b4af-4f59-b544-9dbebc8a74f0";
inline constexpr char kElectricianUuid[] = "4910419f-b4af-4f59-b544-9dbebc8a74f0";
inline constexpr char kPlumber[] =
    "http://data.europa.eu/esco/occupation/ed3cf43d-c2c1-4c46-82fc-1375e27e0290";
inline constexpr int kElectricianEssentialSkills = 21;
inline constexpr int kElectricianOptionalSkills = 34;
inline constexpr char kInstallHeatPump[] =
    "http://data.europa.eu/esco/skill/00735755-adc6-4ea0-b034-b8caff339c9f";
inline constexpr char kInstallHeatPumpUuid[] = "00735755-adc6-4ea0-b034-b8caff339c9f";
inline constexpr char kRepairWiring[] =
    "http://data.europa.eu/esco/skill/af1c7b89-679b-4fae-b67c-ed05c669719c";
// "inspect electrical supplies", essential for electricians.
inline constexpr char kInspectSupplies[] =
    "http://data.europa.eu/esco/skill/2179e0fd-7431-41a3-bbf4-76451c615ce2";
// Skill group S2.8.1 "testing electrical and mechanical systems or equipment".
inline constexpr char kTestingGroup[] =
    "http://data.europa.eu/esco/skill/f7fc7bf8-f41d-44af-81e3-09b88e9779e6";

class DemandServiceTest : public ::testing::Test {
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
        TestServerConfig("demand", redis_->address()),
        [](ServiceHost& host) {
          absl::StatusOr<std::shared_ptr<grpc::Service>> service = demand::MakeDemandService(host);
          if (!service.ok()) throw std::runtime_error(std::string(service.status().message()));
          return *std::move(service);
        },
        demand::kDemandServiceName);
    stub_ = dv1::DemandService::NewStub(service_->NewChannel());
    admin_ = service_->Token(Role::kAdmin, "authority");
  }

  std::string EmployerToken(const std::string& employer_id) const {
    return service_->Token(Role::kEmployer, employer_id);
  }
  std::unique_ptr<grpc::ClientContext> As(const std::string& token) const {
    return ClientContextWith(token);
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

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServiceUnderTest> service_;
  std::unique_ptr<dv1::DemandService::Stub> stub_;
  std::string admin_;
};

}  // namespace pathways::testing
