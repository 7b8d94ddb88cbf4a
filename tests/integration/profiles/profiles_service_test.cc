// The profiles service end to end: real gRPC channel, real Redis.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/profiles/profiles_fixture.h"

namespace pathways::testing {
namespace {

TEST_F(ProfilesServiceTest, ProfileLifecycle) {
  std::string adviser = Adviser("trafford-careers", "adviser-42");
  pv1::Profile created = MustCreate(adviser);
  ASSERT_FALSE(created.name().empty());
  EXPECT_TRUE(absl::StartsWith(created.name(), "profiles/p")) << created.name();
  EXPECT_EQ(created.organisation(), "trafford-careers");
  EXPECT_EQ(created.adviser(), "adviser-42");
  EXPECT_EQ(created.home().outcode(), "WA14");  // Only the outcode is kept.
  EXPECT_FALSE(created.etag().empty());
  EXPECT_GT(created.create_time().seconds(), 0);
  // The default retention period: two years from creation.
  EXPECT_NEAR(created.retention_deadline().seconds() - created.create_time().seconds(), 730 * 86400,
              5);

  pv1::Profile fetched;
  ASSERT_TRUE(Get(adviser, created.name(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());

  pv1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(created.name());
  update.mutable_profile()->set_etag(created.etag());
  update.mutable_profile()->set_max_travel_km(45);
  update.mutable_profile()->set_highest_rqf_level(7);  // Not in the mask: ignored.
  update.mutable_update_mask()->add_paths("max_travel_km");
  pv1::Profile updated;
  grpc::Status status = stub_->UpdateProfile(As(adviser).get(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.max_travel_km(), 45);
  EXPECT_EQ(updated.highest_rqf_level(), 2);
  EXPECT_NE(updated.etag(), created.etag());
  ASSERT_TRUE(Get(adviser, created.name(), &fetched).ok());
  EXPECT_EQ(fetched.max_travel_km(), 45);
  EXPECT_EQ(fetched.etag(), updated.etag());

  pv1::DeleteProfileRequest remove;
  remove.set_name(created.name());
  remove.set_etag(updated.etag());
  remove.set_reason(pv1::DELETION_REASON_NO_LONGER_NEEDED);
  pv1::DeleteProfileResponse receipt;
  status = stub_->DeleteProfile(As(adviser).get(), remove, &receipt);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(receipt.name(), created.name());
  EXPECT_TRUE(absl::StartsWith(receipt.audit_event(), "auditEvents/")) << receipt.audit_event();
  EXPECT_GT(receipt.erase_time().seconds(), 0);

  EXPECT_EQ(Get(admin_, created.name(), &fetched).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Erase(admin_, created.name()).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ProfilesServiceTest, ClientChosenIdsAreValidatedAndUnique) {
  std::string adviser = Adviser("bolton-connexions");
  pv1::Profile created;
  ASSERT_TRUE(Create(adviser, "yp-0001", MakeProfile(), &created).ok());
  EXPECT_EQ(created.name(), "profiles/yp-0001");
  pv1::Profile again;
  EXPECT_EQ(Create(adviser, "yp-0001", MakeProfile(), &again).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  grpc::Status bad = Create(adviser, "Jane-Smith", MakeProfile(), &again);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(bad.error_message(), "profile_id ")) << bad.error_message();
}

TEST_F(ProfilesServiceTest, InvalidProfilesNameTheField) {
  std::string adviser = Adviser("wigan-careers");
  pv1::Profile profile = MakeProfile();
  profile.mutable_skills(0)->mutable_skill()->set_level(common::v1::PROFICIENCY_UNSPECIFIED);
  pv1::Profile created;
  grpc::Status status = Create(adviser, "", profile, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "profile.skills[0].skill.level "))
      << status.error_message();

  // A 14-year-old cannot consent alone; with a guardian the profile is kept.
  profile = MakeProfile();
  absl::CivilDay today = absl::ToCivilDay(Now(), absl::UTCTimeZone());
  profile.mutable_date_of_birth()->set_year(static_cast<int>(today.year()) - 14);
  profile.mutable_date_of_birth()->set_month(1);
  profile.mutable_date_of_birth()->set_day(1);
  status = Create(adviser, "", profile, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "profile.consent.given_by "))
      << status.error_message();
  profile.mutable_consent()->set_given_by(pv1::CONSENT_GIVER_GUARDIAN);
  profile.mutable_consent()->set_guardian_relationship("carer");
  status = Create(adviser, "", profile, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(created.consent().guardian_relationship(), "carer");
}

TEST_F(ProfilesServiceTest, AdvisersActOnlyWithinTheirOrganisation) {
  std::string own = Adviser("oldham-careers");
  std::string other = Adviser("stockport-careers");
  pv1::Profile created = MustCreate(own, "oldham-yp-1");

  // Another organisation's profile and a name that does not exist look the
  // same: PERMISSION_DENIED, so existence does not leak.
  pv1::Profile fetched;
  grpc::Status foreign = Get(other, created.name(), &fetched);
  grpc::Status missing = Get(other, "profiles/no-such-profile", &fetched);
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Get(own, "profiles/no-such-profile", &fetched).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  pv1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(created.name());
  update.mutable_profile()->set_etag(created.etag());
  update.mutable_profile()->set_max_travel_km(1);
  update.mutable_update_mask()->add_paths("max_travel_km");
  pv1::Profile updated;
  EXPECT_EQ(stub_->UpdateProfile(As(other).get(), update, &updated).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  pv1::AddSkillsRequest add;
  add.set_name(created.name());
  *add.add_skills() = MakeProfile().skills(0);
  EXPECT_EQ(stub_->AddSkills(As(other).get(), add, &updated).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  pv1::ExportProfileRequest export_request;
  export_request.set_name(created.name());
  pv1::ExportProfileResponse exported;
  EXPECT_EQ(stub_->ExportProfile(As(other).get(), export_request, &exported).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Erase(other, created.name()).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  pv1::ListProfilesRequest list;
  pv1::ListProfilesResponse listed;
  ASSERT_TRUE(stub_->ListProfiles(As(other).get(), list, &listed).ok());
  EXPECT_EQ(listed.profiles_size(), 0);
  list.set_organisation("oldham-careers");
  EXPECT_EQ(stub_->ListProfiles(As(other).get(), list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // None of that touched the profile; its owner and admins still see it.
  ASSERT_TRUE(Get(own, created.name(), &fetched).ok());
  EXPECT_EQ(fetched.etag(), created.etag());
  EXPECT_EQ(fetched.max_travel_km(), created.max_travel_km());
  ASSERT_TRUE(Get(admin_, created.name(), &fetched).ok());
}

TEST_F(ProfilesServiceTest, OtherRolesAndMissingTokensAreRefused) {
  pv1::Profile created = MustCreate(Adviser("salford-careers"));
  pv1::Profile fetched;
  for (Role role : {Role::kAnalyst, Role::kProvider, Role::kEmployer}) {
    EXPECT_EQ(Get(Token(role, "salford-careers", "x"), created.name(), &fetched).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << RoleName(role);
    pv1::ListProfilesRequest list;
    pv1::ListProfilesResponse listed;
    EXPECT_EQ(stub_->ListProfiles(As(Token(role, "salford-careers", "x")).get(), list, &listed)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  grpc::ClientContext anonymous;
  anonymous.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  pv1::GetProfileRequest get;
  get.set_name(created.name());
  EXPECT_EQ(stub_->GetProfile(&anonymous, get, &fetched).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ProfilesServiceTest, ListsInNameOrderByOrganisationAndAdviser) {
  std::string first = Adviser("tameside-careers", "adviser-a");
  std::string second = Adviser("tameside-careers", "adviser-b");
  for (const char* id : {"t-03", "t-01", "t-05"}) MustCreate(first, id);
  for (const char* id : {"t-02", "t-04"}) MustCreate(second, id);
  MustCreate(Adviser("bury-careers"), "b-01");

  std::vector<std::string> names;
  pv1::ListProfilesRequest list;
  list.set_page_size(2);
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 10);
    pv1::ListProfilesResponse page;
    grpc::Status status = stub_->ListProfiles(As(first).get(), list, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_LE(page.profiles_size(), 2);
    EXPECT_FALSE(page.revision().token().empty());
    for (const pv1::Profile& profile : page.profiles()) names.push_back(profile.name());
    if (page.next_page_token().empty()) break;
    list.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"profiles/t-01", "profiles/t-02", "profiles/t-03",
                                             "profiles/t-04", "profiles/t-05"}));

  // A token is bound to its filters.
  list.set_adviser("adviser-b");
  pv1::ListProfilesResponse page;
  EXPECT_EQ(stub_->ListProfiles(As(first).get(), list, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  list.clear_page_token();
  list.set_page_size(0);
  ASSERT_TRUE(stub_->ListProfiles(As(first).get(), list, &page).ok());
  ASSERT_EQ(page.profiles_size(), 2);
  EXPECT_EQ(page.profiles(0).name(), "profiles/t-02");
  EXPECT_EQ(page.profiles(1).name(), "profiles/t-04");

  pv1::ListProfilesRequest all;
  ASSERT_TRUE(stub_->ListProfiles(As(admin_).get(), all, &page).ok());
  EXPECT_EQ(page.profiles_size(), 6);
  all.set_organisation("bury-careers");
  ASSERT_TRUE(stub_->ListProfiles(As(admin_).get(), all, &page).ok());
  ASSERT_EQ(page.profiles_size(), 1);
  EXPECT_EQ(page.profiles(0).name(), "profiles/b-01");
}

TEST_F(ProfilesServiceTest, StaleEtagIsAborted) {
  std::string adviser = Adviser("rochdale-careers");
  pv1::Profile created = MustCreate(adviser);

  pv1::UpdateProfileRequest first;
  first.mutable_profile()->set_name(created.name());
  first.mutable_profile()->set_etag(created.etag());
  first.mutable_profile()->set_max_travel_km(7);
  first.mutable_update_mask()->add_paths("max_travel_km");
  pv1::Profile after_first;
  ASSERT_TRUE(stub_->UpdateProfile(As(adviser).get(), first, &after_first).ok());

  // A second writer still holding the first etag must not overwrite.
  pv1::UpdateProfileRequest stale = first;
  stale.mutable_profile()->set_max_travel_km(9);
  pv1::Profile ignored;
  grpc::Status status = stub_->UpdateProfile(As(adviser).get(), stale, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
  pv1::AddSkillsRequest add;
  add.set_name(created.name());
  add.set_etag(created.etag());
  *add.add_skills() = created.skills(0);
  EXPECT_EQ(stub_->AddSkills(As(adviser).get(), add, &ignored).error_code(),
            grpc::StatusCode::ABORTED);
  pv1::DeleteProfileRequest remove;
  remove.set_name(created.name());
  remove.set_etag(created.etag());
  pv1::DeleteProfileResponse receipt;
  EXPECT_EQ(stub_->DeleteProfile(As(adviser).get(), remove, &receipt).error_code(),
            grpc::StatusCode::ABORTED);

  pv1::Profile now;
  ASSERT_TRUE(Get(adviser, created.name(), &now).ok());
  EXPECT_EQ(now.max_travel_km(), 7);
  EXPECT_EQ(now.etag(), after_first.etag());
}

TEST_F(ProfilesServiceTest, UpdateChecksTheMaskAndTheResult) {
  std::string adviser = Adviser("trafford-careers");
  pv1::Profile created = MustCreate(adviser);
  pv1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(created.name());
  update.mutable_profile()->set_etag(created.etag());
  update.mutable_profile()->set_organisation("someone-else");
  update.mutable_update_mask()->add_paths("organisation");
  pv1::Profile updated;
  grpc::Status status = stub_->UpdateProfile(As(adviser).get(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "update_mask.paths[0] "))
      << status.error_message();

  update.mutable_update_mask()->set_paths(0, "max_travel_km");
  update.mutable_profile()->set_max_travel_km(301);
  status = stub_->UpdateProfile(As(adviser).get(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "profile.max_travel_km "))
      << status.error_message();

  // Consent is widened or narrowed by an update with "consent" in the mask.
  update.mutable_update_mask()->set_paths(0, "consent");
  *update.mutable_profile()->mutable_consent() = created.consent();
  update.mutable_profile()->mutable_consent()->add_purposes(
      pv1::CONSENT_PURPOSE_AGGREGATE_STATISTICS);
  status = stub_->UpdateProfile(As(adviser).get(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.consent().purposes_size(), 2);

  // The retention deadline may move within six years, not into the past.
  update.mutable_profile()->set_etag(updated.etag());
  update.mutable_update_mask()->set_paths(0, "retention_deadline");
  *update.mutable_profile()->mutable_retention_deadline() = ToTimestamp(Now() - absl::Hours(1));
  status = stub_->UpdateProfile(As(adviser).get(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "profile.retention_deadline "))
      << status.error_message();
}

TEST_F(ProfilesServiceTest, RetriedCreateWithSameRequestIdCreatesOnce) {
  std::string adviser = Adviser("manchester-careers");
  pv1::Profile first, second;
  ASSERT_TRUE(Create(adviser, "", MakeProfile(), &first, "req-1").ok());
  grpc::Status retry = Create(adviser, "", MakeProfile(), &second, "req-1");
  ASSERT_TRUE(retry.ok()) << retry.error_message();
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  EXPECT_EQ(redis_->Query({"XLEN", "profiles:v1:changes:profiles"}), "1");
  EXPECT_EQ(redis_->Query({"ZCARD", "profiles:v1:idx:profiles"}), "1");

  // The same request id from another organisation is another request.
  pv1::Profile elsewhere;
  ASSERT_TRUE(Create(Adviser("bolton-careers"), "", MakeProfile(), &elsewhere, "req-1").ok());
  EXPECT_NE(elsewhere.name(), first.name());

  // The retry was answered from what is stored, and audited as a read.
  std::vector<pv1::AuditEvent> audit = AuditOf(first.name());
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].action(), pv1::AUDIT_ACTION_READ);
  EXPECT_EQ(audit[0].detail(), "repeated create request");
  EXPECT_EQ(audit[1].action(), pv1::AUDIT_ACTION_CREATE);
}

TEST_F(ProfilesServiceTest, AddAndRemoveSkills) {
  std::string adviser = Adviser("wigan-careers");
  pv1::Profile created = MustCreate(adviser);
  ASSERT_EQ(created.skills_size(), 2);

  pv1::AddSkillsRequest add;
  add.set_name(created.name());
  pv1::ProfileSkill* raised = add.add_skills();  // Replaces the held entry.
  *raised = created.skills(0);
  raised->mutable_skill()->set_level(common::v1::PROFICIENCY_ADVANCED);
  raised->set_evidence(pv1::SKILL_EVIDENCE_QUALIFICATION);
  pv1::ProfileSkill* fresh = add.add_skills();
  fresh->mutable_skill()->set_skill("af1c7b89-679b-4fae-b67c-ed05c669719c");  // Bare UUID.
  fresh->mutable_skill()->set_level(common::v1::PROFICIENCY_BASIC);
  fresh->set_evidence(pv1::SKILL_EVIDENCE_SELF_REPORTED);
  pv1::Profile added;
  grpc::Status status = stub_->AddSkills(As(adviser).get(), add, &added);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(added.skills_size(), 3);
  EXPECT_EQ(added.skills(0).skill().level(), common::v1::PROFICIENCY_ADVANCED);
  EXPECT_EQ(added.skills(0).evidence(), pv1::SKILL_EVIDENCE_QUALIFICATION);
  EXPECT_EQ(added.skills(2).skill().skill(), kRepairWiring);

  pv1::RemoveSkillsRequest remove;
  remove.set_name(created.name());
  remove.add_skills()->mutable_skill()->set_skill("00735755-adc6-4ea0-b034-b8caff339c9f");
  pv1::ProfileSkill* emerging = remove.add_skills();
  emerging->set_esco_group("S1.11.2");  // The group's code, the label re-cased.
  emerging->set_emerging_label("EMERGING  label x9rq2w");
  pv1::Profile removed;
  status = stub_->RemoveSkills(As(adviser).get(), remove, &removed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(removed.skills_size(), 1);
  EXPECT_EQ(removed.skills(0).skill().skill(), kRepairWiring);

  // Removing again is harmless and changes nothing.
  pv1::Profile again;
  ASSERT_TRUE(stub_->RemoveSkills(As(adviser).get(), remove, &again).ok());
  EXPECT_EQ(again.etag(), removed.etag());
  EXPECT_EQ(again.skills_size(), 1);

  // Over the limit of 200 skills is refused, and nothing is written.
  pv1::AddSkillsRequest many;
  many.set_name(created.name());
  const taxonomy::Taxonomy& taxonomy = service_->host().taxonomy();
  for (taxonomy::SkillIndex i = 0; many.skills_size() < 200; ++i) {
    if (taxonomy.SkillUri(i) == kRepairWiring) continue;
    pv1::ProfileSkill* skill = many.add_skills();
    skill->mutable_skill()->set_skill(taxonomy.SkillUri(i));
    skill->mutable_skill()->set_level(common::v1::PROFICIENCY_BASIC);
    skill->set_evidence(pv1::SKILL_EVIDENCE_SELF_REPORTED);
  }
  pv1::Profile too_many;
  EXPECT_EQ(stub_->AddSkills(As(adviser).get(), many, &too_many).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  pv1::Profile now;
  ASSERT_TRUE(Get(adviser, created.name(), &now).ok());
  EXPECT_EQ(now.etag(), removed.etag());
}

TEST_F(ProfilesServiceTest, ConsentGatesReadsByServices) {
  std::string adviser = Adviser("stockport-careers", "adviser-9");
  pv1::Profile created = MustCreate(adviser);
  std::string matcher = Token(Role::kService, "pathways", "matcher");

  pv1::GetProfileRequest get;
  get.set_name(created.name());
  pv1::Profile fetched;
  auto context = As(matcher);
  context->AddMetadata("x-pathways-client", "matcher");
  ASSERT_TRUE(stub_->GetProfile(context.get(), get, &fetched).ok());
  EXPECT_EQ(fetched.name(), created.name());

  pv1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(created.name());
  update.mutable_profile()->set_etag(created.etag());
  *update.mutable_profile()->mutable_consent() = created.consent();
  update.mutable_profile()->mutable_consent()->set_purposes(
      0, pv1::CONSENT_PURPOSE_AGGREGATE_STATISTICS);
  update.mutable_update_mask()->add_paths("consent");
  pv1::Profile withdrawn;
  ASSERT_TRUE(stub_->UpdateProfile(As(adviser).get(), update, &withdrawn).ok());

  grpc::Status refused = Get(matcher, created.name(), &fetched);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(refused.error_message().find("CONSENT_PURPOSE_MATCHING"), std::string::npos);
  // The adviser still reads it.
  ASSERT_TRUE(Get(adviser, created.name(), &fetched).ok());

  std::vector<pv1::AuditEvent> audit = AuditOf(created.name());
  ASSERT_EQ(audit.size(), 4u);  // READ (adviser), UPDATE, READ (matcher), CREATE.
  EXPECT_EQ(audit[2].action(), pv1::AUDIT_ACTION_READ);
  EXPECT_EQ(audit[2].actor(), "matcher");
  EXPECT_EQ(audit[2].actor_role(), "service");
  EXPECT_EQ(audit[2].client(), "matcher");
  EXPECT_EQ(audit[1].action(), pv1::AUDIT_ACTION_UPDATE);
  EXPECT_EQ(audit[1].detail(), "consent");
  EXPECT_EQ(audit[0].actor(), "adviser-9");
  EXPECT_EQ(audit[0].client(), "");
}

TEST_F(ProfilesServiceTest, ExportHoldsTheProfileItsAuditTrailAndJson) {
  std::string adviser = Adviser("oldham-careers", "adviser-5");
  pv1::Profile created = MustCreate(adviser);
  pv1::Profile fetched;
  ASSERT_TRUE(Get(adviser, created.name(), &fetched).ok());

  pv1::ExportProfileRequest request;
  request.set_name(created.name());
  pv1::ExportProfileResponse exported;
  grpc::Status status = stub_->ExportProfile(As(adviser).get(), request, &exported);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(exported.profile().SerializeAsString(), created.SerializeAsString());
  ASSERT_EQ(exported.audit_events_size(), 3);  // Oldest first, this export last.
  EXPECT_EQ(exported.audit_events(0).action(), pv1::AUDIT_ACTION_CREATE);
  EXPECT_EQ(exported.audit_events(1).action(), pv1::AUDIT_ACTION_READ);
  EXPECT_EQ(exported.audit_events(2).action(), pv1::AUDIT_ACTION_EXPORT);
  EXPECT_EQ(exported.audit_events(2).actor(), "adviser-5");
  EXPECT_GT(exported.export_time().seconds(), 0);

  google::protobuf::Struct json;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(exported.json(), &json).ok())
      << exported.json();
  const auto& fields = json.fields();
  ASSERT_TRUE(fields.contains("profile"));
  ASSERT_TRUE(fields.contains("auditEvents"));
  ASSERT_TRUE(fields.contains("exportTime"));
  EXPECT_EQ(fields.at("auditEvents").list_value().values_size(), 3);
  const auto& profile = fields.at("profile").struct_value().fields();
  EXPECT_EQ(profile.at("name").string_value(), created.name());
  const auto& skills = profile.at("skills").list_value();
  ASSERT_EQ(skills.values_size(), 2);
  EXPECT_EQ(skills.values(0).struct_value().fields().at("label").string_value(),
            "install heat pump");
  EXPECT_EQ(skills.values(1).struct_value().fields().at("escoGroupLabel").string_value(),
            "designing electrical or electronic systems or equipment");
  const auto& interests = profile.at("interests").struct_value().fields();
  EXPECT_EQ(interests.at("occupationLabels").list_value().values(0).string_value(), "electrician");
  EXPECT_NE(exported.json().find(kDistinctiveNote), std::string::npos);
}

TEST_F(ProfilesServiceTest, AuditRecordsEveryReadAndChangeForAdminsOnly) {
  std::string adviser = Adviser("bury-careers", "adviser-3");
  pv1::Profile created = MustCreate(adviser);
  pv1::Profile fetched;
  ASSERT_TRUE(Get(adviser, created.name(), &fetched).ok());
  pv1::ListProfilesRequest list;
  pv1::ListProfilesResponse listed;
  ASSERT_TRUE(stub_->ListProfiles(As(adviser).get(), list, &listed).ok());
  ASSERT_EQ(listed.profiles_size(), 1);
  pv1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(created.name());
  update.mutable_profile()->set_etag(created.etag());
  update.mutable_profile()->set_highest_rqf_level(3);
  update.mutable_update_mask()->add_paths("highest_rqf_level");
  pv1::Profile updated;
  ASSERT_TRUE(stub_->UpdateProfile(As(adviser).get(), update, &updated).ok());
  pv1::AddSkillsRequest add;
  add.set_name(created.name());
  *add.add_skills() = created.skills(0);
  add.mutable_skills(0)->mutable_skill()->set_level(common::v1::PROFICIENCY_EXPERT);
  ASSERT_TRUE(stub_->AddSkills(As(adviser).get(), add, &updated).ok());

  std::vector<pv1::AuditEvent> audit = AuditOf(created.name());
  ASSERT_EQ(audit.size(), 5u);
  std::vector<pv1::AuditAction> actions;
  for (const pv1::AuditEvent& event : audit) {
    actions.push_back(event.action());
    EXPECT_EQ(event.actor(), "adviser-3");
    EXPECT_EQ(event.actor_role(), "adviser");
    EXPECT_EQ(event.actor_organisation(), "bury-careers");
    EXPECT_EQ(event.profile(), created.name());
    EXPECT_TRUE(absl::StartsWith(event.name(), "auditEvents/")) << event.name();
    EXPECT_GT(event.time().seconds(), 0);
  }
  EXPECT_EQ(actions, (std::vector<pv1::AuditAction>{
                         pv1::AUDIT_ACTION_UPDATE, pv1::AUDIT_ACTION_UPDATE, pv1::AUDIT_ACTION_LIST,
                         pv1::AUDIT_ACTION_READ, pv1::AUDIT_ACTION_CREATE}));
  EXPECT_EQ(audit[0].detail(), "skills:add");
  EXPECT_EQ(audit[1].detail(), "highest_rqf_level");
  // No personal data in any event.
  for (const pv1::AuditEvent& event : audit) {
    EXPECT_EQ(event.SerializeAsString().find("WA14"), std::string::npos);
    EXPECT_EQ(event.SerializeAsString().find(kDistinctiveNote), std::string::npos);
  }

  // Only admins read the audit log.
  pv1::ListAuditEventsRequest request;
  pv1::ListAuditEventsResponse response;
  for (const std::string& token :
       {adviser, Token(Role::kService, "pathways", "matcher"), Token(Role::kAnalyst, "ca", "a")}) {
    EXPECT_EQ(stub_->ListAuditEvents(As(token).get(), request, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }

  // Filters and pages over the whole log.
  request.set_action(pv1::AUDIT_ACTION_UPDATE);
  ASSERT_TRUE(stub_->ListAuditEvents(As(admin_).get(), request, &response).ok());
  EXPECT_EQ(response.audit_events_size(), 2);
  request.clear_action();
  request.set_actor("nobody");
  ASSERT_TRUE(stub_->ListAuditEvents(As(admin_).get(), request, &response).ok());
  EXPECT_EQ(response.audit_events_size(), 0);
  request.clear_actor();
  *request.mutable_start_time() = ToTimestamp(Now() + absl::Hours(1));
  ASSERT_TRUE(stub_->ListAuditEvents(As(admin_).get(), request, &response).ok());
  EXPECT_EQ(response.audit_events_size(), 0);
  request.clear_start_time();
  request.set_page_size(2);
  std::vector<std::string> names;
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 10);
    response.Clear();
    ASSERT_TRUE(stub_->ListAuditEvents(As(admin_).get(), request, &response).ok());
    for (const pv1::AuditEvent& event : response.audit_events()) names.push_back(event.name());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  std::vector<std::string> expected;
  for (const pv1::AuditEvent& event : audit) expected.push_back(event.name());
  EXPECT_EQ(names, expected);
}

}  // namespace
}  // namespace pathways::testing
