// A profiles service on a real redis-server, with a clock the test moves,
// tokens for each kind of caller, and profile builders using real ESCO data.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "pathways/profiles/v1/profiles_service.grpc.pb.h"
#include "services/common/api_conventions.h"
#include "services/profiles/profiles_server.h"
#include "tests/testing/esco_fixtures.h"
#include "tests/testing/service_test.h"

namespace pathways::testing {

namespace pv1 = ::pathways::profiles::v1;

// Marker strings only a test profile holds, to look for after erasure.
inline constexpr char kDistinctiveNote[] = "evidence-note-q7zk3v";
inline constexpr char kDistinctiveLabel[] = "emerging label x9rq2w";
inline constexpr char kDistinctiveTag[] = "tag-m4pw8c";

class ProfilesServiceTest : public ServiceTest<pv1::ProfilesService> {
 protected:
  ProfilesServiceTest() : ServiceTest("profiles", profiles::kProfilesServiceName, "admin-1") {}

  // Options for the service under test; tests may change them before
  // StartService.
  virtual profiles::ProfilesOptions Options() {
    profiles::ProfilesOptions options;
    options.clock = [this] { return Now(); };
    return options;
  }

  std::shared_ptr<grpc::Service> MakeService(ServiceHost& host) override {
    return profiles::MakeProfilesService(host, Options());
  }

  // The service's clock: real time plus whatever the test has added.
  absl::Time Now() const { return absl::Now() + absl::Seconds(clock_offset_seconds_.load()); }
  void AdvanceClock(absl::Duration by) { clock_offset_seconds_ += absl::ToInt64Seconds(by); }

  std::string Adviser(const std::string& organisation, const std::string& subject = "adviser-1") {
    return Token(Role::kAdviser, organisation, subject);
  }

  // A 17-year-old who consented to matching at 16, with distinctive notes.
  pv1::Profile MakeProfile() const {
    pv1::Profile profile;
    common::v1::Date* birth = profile.mutable_date_of_birth();
    absl::CivilDay today = absl::ToCivilDay(Now(), absl::UTCTimeZone());
    birth->set_year(static_cast<int>(today.year()) - 17);
    birth->set_month(2);
    birth->set_day(14);
    profile.mutable_home()->set_outcode("WA14 2DT");
    pv1::ProfileSkill* skill = profile.add_skills();
    skill->mutable_skill()->set_skill(kInstallHeatPump);
    skill->mutable_skill()->set_level(common::v1::PROFICIENCY_INTERMEDIATE);
    skill->set_evidence(pv1::SKILL_EVIDENCE_ASSESSED);
    skill->set_evidence_note(kDistinctiveNote);
    pv1::ProfileSkill* emerging = profile.add_skills();
    emerging->mutable_skill()->set_level(common::v1::PROFICIENCY_BASIC);
    emerging->set_evidence(pv1::SKILL_EVIDENCE_WORK_EXPERIENCE);
    emerging->set_emerging_label(kDistinctiveLabel);
    emerging->set_esco_group(kDesigningElectricalGroup);
    profile.mutable_interests()->add_occupations(kElectrician);
    profile.mutable_interests()->add_skill_groups(kDesigningElectricalGroup);
    profile.mutable_interests()->add_tags(kDistinctiveTag);
    profile.set_highest_rqf_level(2);
    profile.set_availability(common::v1::STUDY_MODE_FULL_TIME);
    profile.set_max_travel_km(20);
    pv1::Consent* consent = profile.mutable_consent();
    consent->add_purposes(pv1::CONSENT_PURPOSE_MATCHING);
    *consent->mutable_given_at() = ToTimestamp(Now() - absl::Hours(24));
    consent->set_given_by(pv1::CONSENT_GIVER_SELF);
    return profile;
  }

  grpc::Status Create(const std::string& token, const std::string& id, const pv1::Profile& profile,
                      pv1::Profile* response, const std::string& request_id = "") {
    pv1::CreateProfileRequest request;
    request.set_profile_id(id);
    *request.mutable_profile() = profile;
    request.set_request_id(request_id);
    return stub_->CreateProfile(As(token).get(), request, response);
  }

  // Creates a profile as `token`; fails the test on error.
  pv1::Profile MustCreate(const std::string& token, const std::string& id = "") {
    pv1::Profile created;
    grpc::Status status = Create(token, id, MakeProfile(), &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  }

  grpc::Status Get(const std::string& token, const std::string& name, pv1::Profile* response) {
    pv1::GetProfileRequest request;
    request.set_name(name);
    return stub_->GetProfile(As(token).get(), request, response);
  }

  grpc::Status Erase(const std::string& token, const std::string& name,
                     pv1::DeleteProfileResponse* response = nullptr) {
    pv1::DeleteProfileRequest request;
    request.set_name(name);
    pv1::DeleteProfileResponse ignored;
    return stub_->DeleteProfile(As(token).get(), request, response ? response : &ignored);
  }

  // Every audit event about `profile`, newest first, as an admin sees them.
  std::vector<pv1::AuditEvent> AuditOf(const std::string& profile) {
    pv1::ListAuditEventsRequest request;
    request.set_profile(profile);
    request.set_page_size(1000);
    pv1::ListAuditEventsResponse response;
    grpc::Status status = stub_->ListAuditEvents(As(admin_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.audit_events().begin(), response.audit_events().end()};
  }

  std::atomic<int64_t> clock_offset_seconds_{0};
};

}  // namespace pathways::testing
