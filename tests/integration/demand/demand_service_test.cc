// The demand service end to end: real gRPC channel, real Redis.
#include <functional>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/demand/demand_catalogue.h"
#include "tests/integration/demand/demand_fixture.h"

namespace pathways::testing {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ------------------------------------------------------------- employers

TEST_F(DemandServiceTest, EmployerLifecycle) {
  dv1::CreateEmployerRequest create;
  create.set_employer_id("northern-heat");
  create.mutable_employer()->set_display_name("Northern Heat Ltd");
  create.mutable_employer()->mutable_location()->set_outcode("wa14 1aa");
  create.mutable_employer()->set_sic_code("43220");
  dv1::Employer created;
  ASSERT_TRUE(stub_->CreateEmployer(As(admin_).get(), create, &created).ok());
  EXPECT_EQ(created.name(), "employers/northern-heat");
  EXPECT_EQ(created.location().outcode(), "WA14");
  EXPECT_FALSE(created.etag().empty());
  EXPECT_GT(created.create_time().seconds(), 0);
  EXPECT_EQ(stub_->CreateEmployer(As(admin_).get(), create, &created).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  dv1::GetEmployerRequest get;
  get.set_name("employers/northern-heat");
  dv1::Employer fetched;
  ASSERT_TRUE(stub_->GetEmployer(As(EmployerToken("northern-heat")).get(), get, &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());

  // The employer itself changes its record; unmasked fields stay.
  dv1::UpdateEmployerRequest update;
  update.mutable_employer()->set_name(created.name());
  update.mutable_employer()->set_etag(created.etag());
  update.mutable_employer()->mutable_location()->set_outcode("M1");
  update.mutable_employer()->set_sic_code("99");
  update.mutable_update_mask()->add_paths("location");
  dv1::Employer updated;
  grpc::Status status =
      stub_->UpdateEmployer(As(EmployerToken("northern-heat")).get(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.location().outcode(), "M1");
  EXPECT_EQ(updated.sic_code(), "43220");
  EXPECT_NE(updated.etag(), created.etag());

  // The old etag no longer works; no etag at all is refused.
  EXPECT_EQ(stub_->UpdateEmployer(As(admin_).get(), update, &updated).error_code(),
            grpc::StatusCode::ABORTED);
  update.mutable_employer()->clear_etag();
  status = stub_->UpdateEmployer(As(admin_).get(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Contains(status.error_message(), "employer.etag")) << status.error_message();

  dv1::DeleteEmployerRequest remove;
  remove.set_name(created.name());
  dv1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->DeleteEmployer(As(admin_).get(), remove, &deleted).ok());
  EXPECT_EQ(stub_->GetEmployer(As(admin_).get(), get, &fetched).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(DemandServiceTest, ListsEmployersInNameOrderAcrossPages) {
  for (const char* id : {"delta", "alpha", "echo", "charlie", "bravo"}) CreateEmployer(id);
  std::vector<std::string> names;
  std::string token;
  do {
    dv1::ListEmployersRequest list;
    list.set_page_size(2);
    list.set_page_token(token);
    dv1::ListEmployersResponse page;
    grpc::Status status =
        stub_->ListEmployers(As(service_->Token(Role::kAdviser, "org")).get(), list, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const dv1::Employer& employer : page.employers()) names.push_back(employer.name());
    token = page.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(names,
            std::vector<std::string>({"employers/alpha", "employers/bravo", "employers/charlie",
                                      "employers/delta", "employers/echo"}));
}

TEST_F(DemandServiceTest, OnlyAdminsRegisterAndRemoveEmployers) {
  CreateEmployer("acme");
  dv1::CreateEmployerRequest create;
  create.set_employer_id("self-registered");
  create.mutable_employer()->set_display_name("Self");
  create.mutable_employer()->mutable_location()->set_outcode("M1");
  dv1::Employer employer;
  for (const std::string& token :
       {EmployerToken("self-registered"), service_->Token(Role::kAnalyst, "gmca")}) {
    EXPECT_EQ(stub_->CreateEmployer(As(token).get(), create, &employer).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  dv1::DeleteEmployerRequest remove;
  remove.set_name("employers/acme");
  dv1::DeleteResponse deleted;
  EXPECT_EQ(stub_->DeleteEmployer(As(EmployerToken("acme")).get(), remove, &deleted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(redis_->Query({"ZCARD", "demand:v1:idx:employers"}), "1");
}

TEST_F(DemandServiceTest, EmployersSeeAndChangeOnlyTheirOwnRecord) {
  CreateEmployer("acme");
  CreateEmployer("globex");
  dv1::GetEmployerRequest get;
  get.set_name("employers/globex");
  dv1::Employer globex;
  EXPECT_EQ(stub_->GetEmployer(As(EmployerToken("acme")).get(), get, &globex).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->GetEmployer(As(service_->Token(Role::kProvider, "college")).get(), get, &globex)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->GetEmployer(As(admin_).get(), get, &globex).ok());

  dv1::UpdateEmployerRequest update;
  *update.mutable_employer() = globex;
  update.mutable_employer()->set_display_name("Taken over");
  update.mutable_update_mask()->add_paths("display_name");
  dv1::Employer updated;
  EXPECT_EQ(stub_->UpdateEmployer(As(EmployerToken("acme")).get(), update, &updated).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  dv1::ListEmployersRequest list;
  dv1::ListEmployersResponse page;
  EXPECT_EQ(stub_->ListEmployers(As(EmployerToken("acme")).get(), list, &page).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(DemandServiceTest, EmployerWithRolesCannotBeDeleted) {
  CreateEmployerWithRole("stockport-engineering", MakeRole());
  dv1::DeleteEmployerRequest remove;
  remove.set_name("employers/stockport-engineering");
  dv1::DeleteResponse deleted;
  EXPECT_EQ(stub_->DeleteEmployer(As(admin_).get(), remove, &deleted).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  dv1::Role orphan;
  EXPECT_EQ(CreateRole(admin_, "no-such-employer", "r", MakeRole(), &orphan).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(DemandServiceTest, RenamingAnEmployerRenamesItInItsRoles) {
  CreateEmployer("acme");
  CreateEmployer("globex");
  dv1::Role first, second, other;
  ASSERT_TRUE(CreateRole(EmployerToken("acme"), "acme", "a", MakeRole(), &first).ok());
  ASSERT_TRUE(CreateRole(EmployerToken("acme"), "acme", "b", MakeRole(), &second).ok());
  ASSERT_TRUE(CreateRole(EmployerToken("globex"), "globex", "c", MakeRole(), &other).ok());
  EXPECT_EQ(first.employer_display_name(), "Employer acme");

  dv1::GetEmployerRequest get;
  get.set_name("employers/acme");
  dv1::Employer acme;
  ASSERT_TRUE(stub_->GetEmployer(As(admin_).get(), get, &acme).ok());
  dv1::UpdateEmployerRequest update;
  *update.mutable_employer() = acme;
  update.mutable_employer()->set_display_name("Acme Renewables");
  update.mutable_update_mask()->add_paths("display_name");
  dv1::Employer renamed;
  ASSERT_TRUE(stub_->UpdateEmployer(As(EmployerToken("acme")).get(), update, &renamed).ok());

  dv1::ListRolesRequest list;
  list.set_parent("employers/-");
  dv1::ListRolesResponse roles;
  ASSERT_TRUE(stub_->ListRoles(As(admin_).get(), list, &roles).ok());
  ASSERT_EQ(roles.roles_size(), 3);
  EXPECT_EQ(roles.roles(0).employer_display_name(), "Acme Renewables");
  EXPECT_EQ(roles.roles(1).employer_display_name(), "Acme Renewables");
  EXPECT_NE(roles.roles(0).etag(), first.etag());
  EXPECT_EQ(roles.roles(2).employer_display_name(), "Employer globex");
  EXPECT_EQ(roles.roles(2).etag(), other.etag());
}

// ------------------------------------------------------------------ roles

TEST_F(DemandServiceTest, RoleLifecycle) {
  CreateEmployer("northern-heat");
  std::string token = EmployerToken("northern-heat");

  dv1::Role role = MakeRole();
  role.set_occupation(kElectricianUuid);  // Bare UUID.
  role.mutable_required_skills(0)->mutable_skill()->set_skill(kInstallHeatPumpUuid);
  role.mutable_site()->set_outcode("m1 1ae");  // Full postcode.
  auto* emerging = role.add_required_skills();
  emerging->set_emerging_label("  Heat pump   commissioning ");
  emerging->set_esco_group("S2.8.1");
  emerging->mutable_skill()->set_level(common::v1::PROFICIENCY_BASIC);
  emerging->set_importance(dv1::SKILL_IMPORTANCE_OPTIONAL);
  role.set_employer_display_name("ignored");
  dv1::Role created;
  grpc::Status status = CreateRole(token, "northern-heat", "heat-pump-fitter", role, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(created.name(), "employers/northern-heat/roles/heat-pump-fitter");
  EXPECT_EQ(created.occupation(), kElectrician);
  EXPECT_EQ(created.required_skills(0).skill().skill(), kInstallHeatPump);
  EXPECT_EQ(created.required_skills(1).emerging_label(), "Heat pump commissioning");
  EXPECT_EQ(created.required_skills(1).esco_group(), kTestingGroup);
  EXPECT_EQ(created.site().outcode(), "M1");
  EXPECT_EQ(created.employer_display_name(), "Employer northern-heat");
  EXPECT_FALSE(created.etag().empty());
  EXPECT_GT(created.update_time().seconds(), 0);

  dv1::GetRoleRequest get;
  get.set_name(created.name());
  dv1::Role fetched;
  ASSERT_TRUE(
      stub_->GetRole(As(service_->Token(Role::kAdviser, "connexions")).get(), get, &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());

  dv1::UpdateRoleRequest update;
  update.mutable_role()->set_name(created.name());
  update.mutable_role()->set_etag(created.etag());
  update.mutable_role()->mutable_openings()->set_now(9);
  update.mutable_role()->set_title("Changed but not in the mask");
  update.mutable_update_mask()->add_paths("openings.now");
  dv1::Role updated;
  status = stub_->UpdateRole(As(token).get(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.openings().now(), 9);
  EXPECT_EQ(updated.openings().in_1_year(), 3);
  EXPECT_EQ(updated.title(), role.title());
  EXPECT_NE(updated.etag(), created.etag());

  dv1::DeleteRoleRequest remove;
  remove.set_name(created.name());
  remove.set_etag(updated.etag());
  dv1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->DeleteRole(As(token).get(), remove, &deleted).ok());
  EXPECT_EQ(stub_->GetRole(As(admin_).get(), get, &fetched).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(stub_->DeleteRole(As(token).get(), remove, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(DemandServiceTest, SkillTemplatePreFillsTheOccupationsEscoSkills) {
  CreateEmployer("sparks");
  dv1::CreateRoleRequest request;
  request.set_parent("employers/sparks");
  request.set_role_id("electrician");
  *request.mutable_role() = MakeRole();
  request.mutable_role()->clear_required_skills();
  request.mutable_skill_template();  // Essential skills at intermediate.
  dv1::Role created;
  grpc::Status status = stub_->CreateRole(As(EmployerToken("sparks")).get(), request, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(created.required_skills_size(), kElectricianEssentialSkills);
  for (const dv1::RequiredSkill& skill : created.required_skills()) {
    EXPECT_EQ(skill.importance(), dv1::SKILL_IMPORTANCE_ESSENTIAL);
    EXPECT_EQ(skill.skill().level(), common::v1::PROFICIENCY_INTERMEDIATE);
  }

  // With optional skills, and one entry of the employer's own that wins.
  request.set_role_id("senior-electrician");
  auto* own = request.mutable_role()->add_required_skills();
  own->mutable_skill()->set_skill(kInspectSupplies);
  own->mutable_skill()->set_level(common::v1::PROFICIENCY_EXPERT);
  own->set_importance(dv1::SKILL_IMPORTANCE_ESSENTIAL);
  request.mutable_skill_template()->set_include_optional(true);
  request.mutable_skill_template()->set_level(common::v1::PROFICIENCY_BASIC);
  ASSERT_TRUE(stub_->CreateRole(As(EmployerToken("sparks")).get(), request, &created).ok());
  EXPECT_EQ(created.required_skills_size(),
            kElectricianEssentialSkills + kElectricianOptionalSkills);
  EXPECT_EQ(created.required_skills(0).skill().skill(), kInspectSupplies);
  EXPECT_EQ(created.required_skills(0).skill().level(), common::v1::PROFICIENCY_EXPERT);
  std::set<std::string> distinct;
  for (const dv1::RequiredSkill& skill : created.required_skills()) {
    distinct.insert(skill.skill().skill());
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(created.required_skills_size()));

  // A bad template level names the template.
  request.set_role_id("another");
  request.mutable_skill_template()->set_level(static_cast<common::v1::Proficiency>(9));
  status = stub_->CreateRole(As(EmployerToken("sparks")).get(), request, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Contains(status.error_message(), "skill_template.level")) << status.error_message();
}

TEST_F(DemandServiceTest, ValidateOnlyReturnsTheDraftWithoutStoringIt) {
  CreateEmployer("sparks");
  dv1::CreateRoleRequest request;
  request.set_parent("employers/sparks");
  request.set_role_id("draft");
  *request.mutable_role() = MakeRole();
  request.mutable_role()->clear_required_skills();
  request.mutable_skill_template();
  request.set_validate_only(true);
  dv1::Role draft;
  grpc::Status status = stub_->CreateRole(As(EmployerToken("sparks")).get(), request, &draft);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(draft.name(), "employers/sparks/roles/draft");
  EXPECT_EQ(draft.required_skills_size(), kElectricianEssentialSkills);
  EXPECT_EQ(draft.employer_display_name(), "Employer sparks");
  EXPECT_TRUE(draft.etag().empty());
  EXPECT_EQ(redis_->Query({"EXISTS", "demand:v1:res:employers/sparks/roles/draft"}), "0");
  EXPECT_EQ(redis_->Query({"EXISTS", "demand:v1:changes:roles"}), "0");

  // The reviewed draft is then created as it is, without a template.
  dv1::Role created;
  ASSERT_TRUE(CreateRole(EmployerToken("sparks"), "sparks", "draft", draft, &created).ok());
  EXPECT_EQ(created.required_skills_size(), kElectricianEssentialSkills);
  // Validating a name that is taken says so.
  EXPECT_EQ(stub_->CreateRole(As(EmployerToken("sparks")).get(), request, &draft).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(DemandServiceTest, StaleEtagIsAborted) {
  CreateEmployer("bolton-builders");
  std::string token = EmployerToken("bolton-builders");
  dv1::Role created;
  ASSERT_TRUE(CreateRole(token, "bolton-builders", "r", MakeRole(), &created).ok());

  dv1::UpdateRoleRequest first;
  first.mutable_role()->set_name(created.name());
  first.mutable_role()->set_etag(created.etag());
  first.mutable_role()->set_hours_per_week(30);
  first.mutable_update_mask()->add_paths("hours_per_week");
  dv1::Role after_first;
  ASSERT_TRUE(stub_->UpdateRole(As(token).get(), first, &after_first).ok());

  // A second writer still holding the first etag must not overwrite.
  dv1::UpdateRoleRequest stale = first;
  stale.mutable_role()->set_hours_per_week(20);
  dv1::Role ignored;
  grpc::Status status = stub_->UpdateRole(As(token).get(), stale, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
  dv1::DeleteRoleRequest remove;
  remove.set_name(created.name());
  remove.set_etag(created.etag());
  dv1::DeleteResponse deleted;
  EXPECT_EQ(stub_->DeleteRole(As(token).get(), remove, &deleted).error_code(),
            grpc::StatusCode::ABORTED);

  dv1::GetRoleRequest get;
  get.set_name(created.name());
  dv1::Role now;
  ASSERT_TRUE(stub_->GetRole(As(token).get(), get, &now).ok());
  EXPECT_EQ(now.hours_per_week(), 30);
}

TEST_F(DemandServiceTest, UpdateNeedsAnEtagAndAMaskOfClientFields) {
  CreateEmployer("acme");
  dv1::Role created;
  ASSERT_TRUE(CreateRole(EmployerToken("acme"), "acme", "r", MakeRole(), &created).ok());
  dv1::UpdateRoleRequest update;
  update.mutable_role()->set_name(created.name());
  update.mutable_role()->set_title("New");
  update.mutable_update_mask()->add_paths("title");
  dv1::Role updated;
  grpc::Status status = stub_->UpdateRole(As(admin_).get(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Contains(status.error_message(), "role.etag")) << status.error_message();

  update.mutable_role()->set_etag(created.etag());
  for (const char* path : {"employer_display_name", "create_time", "name", "nonsense"}) {
    update.mutable_update_mask()->set_paths(0, path);
    status = stub_->UpdateRole(As(admin_).get(), update, &updated);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
    EXPECT_TRUE(Contains(status.error_message(), "update_mask")) << status.error_message();
  }
  // An update that breaks a rule names the field and changes nothing.
  update.mutable_update_mask()->set_paths(0, "openings");
  update.mutable_role()->clear_openings();
  status = stub_->UpdateRole(As(admin_).get(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Contains(status.error_message(), "role.openings ")) << status.error_message();
  EXPECT_EQ(redis_->Query({"XLEN", "demand:v1:changes:roles"}), "1");
}

TEST_F(DemandServiceTest, RetriedCreateWithSameRequestIdCreatesOnce) {
  CreateEmployer("salford-systems");
  std::string token = EmployerToken("salford-systems");
  dv1::Role first, second;
  ASSERT_TRUE(CreateRole(token, "salford-systems", "r", MakeRole(), &first, "req-1").ok());
  grpc::Status retry = CreateRole(token, "salford-systems", "r", MakeRole(), &second, "req-1");
  ASSERT_TRUE(retry.ok()) << retry.error_message();
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  EXPECT_EQ(redis_->Query({"XLEN", "demand:v1:changes:roles"}), "1");
  // Without the request id, the same create is a conflict.
  EXPECT_EQ(CreateRole(token, "salford-systems", "r", MakeRole(), &second).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(DemandServiceTest, EmployersMayTouchOnlyTheirOwnRoles) {
  CreateEmployer("acme");
  CreateEmployer("globex");
  std::string acme = EmployerToken("acme");
  dv1::Role globex_role;
  ASSERT_TRUE(CreateRole(EmployerToken("globex"), "globex", "r", MakeRole(), &globex_role).ok());

  dv1::Role response;
  EXPECT_EQ(CreateRole(acme, "globex", "x", MakeRole(), &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  dv1::GetRoleRequest get;
  get.set_name(globex_role.name());
  EXPECT_EQ(stub_->GetRole(As(acme).get(), get, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  dv1::UpdateRoleRequest update;
  *update.mutable_role() = globex_role;
  update.mutable_update_mask()->add_paths("title");
  EXPECT_EQ(stub_->UpdateRole(As(acme).get(), update, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  dv1::DeleteRoleRequest remove;
  remove.set_name(globex_role.name());
  dv1::DeleteResponse deleted;
  EXPECT_EQ(stub_->DeleteRole(As(acme).get(), remove, &deleted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  dv1::BatchCreateRolesRequest batch;
  batch.set_parent("employers/globex");
  batch.add_requests()->set_role_id("x");
  *batch.mutable_requests(0)->mutable_role() = MakeRole();
  dv1::BatchCreateRolesResponse batch_response;
  EXPECT_EQ(stub_->BatchCreateRoles(As(acme).get(), batch, &batch_response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  for (const char* parent : {"employers/globex", "employers/-"}) {
    dv1::ListRolesRequest list;
    list.set_parent(parent);
    dv1::ListRolesResponse page;
    EXPECT_EQ(stub_->ListRoles(As(acme).get(), list, &page).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << parent;
  }
  // Other kinds of caller: advisers, analysts and services read; none write.
  for (Role reader : {Role::kAdviser, Role::kAnalyst, Role::kService}) {
    std::string token = service_->Token(reader, "globex");
    EXPECT_TRUE(stub_->GetRole(As(token).get(), get, &response).ok()) << RoleName(reader);
    EXPECT_EQ(CreateRole(token, "globex", "x", MakeRole(), &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << RoleName(reader);
  }
  EXPECT_EQ(stub_->GetRole(As(service_->Token(Role::kProvider, "globex")).get(), get, &response)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Nothing changed.
  ASSERT_TRUE(stub_->GetRole(As(admin_).get(), get, &response).ok());
  EXPECT_EQ(response.SerializeAsString(), globex_role.SerializeAsString());
  EXPECT_EQ(redis_->Query({"XLEN", "demand:v1:changes:roles"}), "1");
}

TEST_F(DemandServiceTest, CallsWithoutAValidTokenAreUnauthenticated) {
  dv1::GetRoleRequest get;
  get.set_name("employers/a/roles/b");
  dv1::Role role;
  grpc::ClientContext no_token;
  EXPECT_EQ(stub_->GetRole(&no_token, get, &role).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  TokenAuthority other("another-deployment-secret-0123456789abcdef");
  std::string forged = other.Issue(Principal{Role::kAdmin, "x", "y"}, absl::Hours(1));
  EXPECT_EQ(stub_->GetRole(As(forged).get(), get, &role).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(DemandServiceTest, BadInputNamesTheFieldAndWritesNothing) {
  CreateEmployer("trafford-trades");
  std::string token = EmployerToken("trafford-trades");
  struct Case {
    std::function<void(dv1::Role*)> change;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](dv1::Role* r) { r->set_occupation("nonsense"); }, "role.occupation"},
      {[](dv1::Role* r) { r->set_soc2020_code("0000"); }, "role.soc2020_code"},
      {[](dv1::Role* r) { r->clear_title(); }, "role.title"},
      {[](dv1::Role* r) { r->mutable_required_skills(0)->mutable_skill()->set_skill("x"); },
       "role.required_skills[0].skill.skill"},
      {[](dv1::Role* r) {
         r->mutable_required_skills(0)->set_importance(dv1::SKILL_IMPORTANCE_OPTIONAL);
       },
       "role.required_skills"},
      {[](dv1::Role* r) { r->mutable_openings()->set_in_5_years(100'001); },
       "role.openings.in_5_years"},
      {[](dv1::Role* r) { r->clear_openings(); }, "role.openings"},
      {[](dv1::Role* r) { r->mutable_site()->set_outcode("ZZ99"); }, "role.site.outcode"},
      {[](dv1::Role* r) { r->mutable_pay()->set_max_pence(1); }, "role.pay.max_pence"},
      {[](dv1::Role* r) { r->set_entry_rqf_level(9); }, "role.entry_rqf_level"},
      {[](dv1::Role* r) { r->clear_work_mode(); }, "role.work_mode"},
      {[](dv1::Role* r) { r->set_hours_per_week(61); }, "role.hours_per_week"},
      {[](dv1::Role* r) {
         r->mutable_closing_date()->set_year(2000);
         r->mutable_closing_date()->set_month(1);
         r->mutable_closing_date()->set_day(1);
       },
       "role.closing_date"},
  };
  for (const Case& c : cases) {
    dv1::Role role = MakeRole();
    c.change(&role);
    dv1::Role response;
    grpc::Status status = CreateRole(token, "trafford-trades", "bad", role, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_TRUE(Contains(status.error_message(), c.field + " ")) << status.error_message();
  }
  dv1::Role response;
  grpc::Status status = CreateRole(token, "trafford-trades", "Bad_Id", MakeRole(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Contains(status.error_message(), "role_id")) << status.error_message();

  dv1::GetRoleRequest get;
  get.set_name("employers/trafford-trades/jobs/x");
  EXPECT_EQ(stub_->GetRole(As(token).get(), get, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  dv1::ListRolesRequest list;
  list.set_parent("employers/trafford-trades");
  list.set_page_token("not-a-token");
  dv1::ListRolesResponse page;
  status = stub_->ListRoles(As(token).get(), list, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Contains(status.error_message(), "page_token"));

  EXPECT_EQ(redis_->Query({"EXISTS", "demand:v1:changes:roles"}), "0");
  EXPECT_EQ(redis_->Query({"ZCARD", "demand:v1:idx:roles"}), "0");
}

// ------------------------------------------------------------------ batch

dv1::BatchCreateRolesRequest MakeBatch(const std::string& employer_id, int count) {
  dv1::BatchCreateRolesRequest batch;
  batch.set_parent("employers/" + employer_id);
  for (int i = 0; i < count; ++i) {
    auto* item = batch.add_requests();
    item->set_role_id(absl::StrFormat("role-%04d", i));
    *item->mutable_role() = DemandServiceTest::MakeRole(absl::StrCat("Role ", i));
  }
  return batch;
}

TEST_F(DemandServiceTest, BatchCreatesEveryRoleInOrder) {
  CreateEmployer("hopwood-hall");
  dv1::BatchCreateRolesRequest batch = MakeBatch("hopwood-hall", 3);
  batch.mutable_requests(1)->mutable_role()->clear_required_skills();
  batch.mutable_requests(1)->mutable_skill_template();  // Templates apply per request.
  dv1::BatchCreateRolesResponse created;
  grpc::Status status =
      stub_->BatchCreateRoles(As(EmployerToken("hopwood-hall")).get(), batch, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(created.roles_size(), 3);
  EXPECT_EQ(created.roles(0).name(), "employers/hopwood-hall/roles/role-0000");
  EXPECT_EQ(created.roles(2).title(), "Role 2");
  EXPECT_EQ(created.roles(1).required_skills_size(), kElectricianEssentialSkills);
  EXPECT_EQ(created.roles(0).employer_display_name(), "Employer hopwood-hall");
  EXPECT_EQ(redis_->Query({"ZCARD", "demand:v1:idx:roles"}), "3");

  // A validate-only batch is checked whole and stores nothing.
  dv1::BatchCreateRolesRequest drafts = MakeBatch("hopwood-hall", 2);
  drafts.mutable_requests(0)->set_role_id("draft-a");
  drafts.mutable_requests(1)->set_role_id("draft-b");
  for (auto& item : *drafts.mutable_requests()) item.set_validate_only(true);
  dv1::BatchCreateRolesResponse validated;
  ASSERT_TRUE(stub_->BatchCreateRoles(As(admin_).get(), drafts, &validated).ok());
  EXPECT_EQ(validated.roles_size(), 2);
  EXPECT_EQ(redis_->Query({"ZCARD", "demand:v1:idx:roles"}), "3");
}

TEST_F(DemandServiceTest, BatchIsRefusedWholeNamingTheItem) {
  CreateEmployer("oldham-works");
  std::string token = EmployerToken("oldham-works");
  auto refused = [&](const dv1::BatchCreateRolesRequest& batch, grpc::StatusCode code,
                     const std::string& part) {
    dv1::BatchCreateRolesResponse created;
    grpc::Status status = stub_->BatchCreateRoles(As(token).get(), batch, &created);
    EXPECT_EQ(status.error_code(), code) << part << ": " << status.error_message();
    EXPECT_TRUE(Contains(status.error_message(), part)) << status.error_message();
  };
  dv1::BatchCreateRolesRequest batch = MakeBatch("oldham-works", 5);
  batch.mutable_requests(3)->mutable_role()->set_hours_per_week(99);
  refused(batch, grpc::StatusCode::INVALID_ARGUMENT, "requests[3].role.hours_per_week");

  batch = MakeBatch("oldham-works", 3);
  batch.mutable_requests(2)->set_role_id("role-0000");
  refused(batch, grpc::StatusCode::INVALID_ARGUMENT, "requests[2].role_id");

  batch = MakeBatch("oldham-works", 3);
  batch.mutable_requests(1)->set_parent("employers/someone-else");
  refused(batch, grpc::StatusCode::INVALID_ARGUMENT, "requests[1].parent");

  batch = MakeBatch("oldham-works", 3);
  batch.mutable_requests(2)->set_validate_only(true);
  refused(batch, grpc::StatusCode::INVALID_ARGUMENT, "requests[2].validate_only");

  refused(MakeBatch("oldham-works", 0), grpc::StatusCode::INVALID_ARGUMENT, "requests");
  refused(MakeBatch("oldham-works", demand::kMaxBatchRoles + 1), grpc::StatusCode::INVALID_ARGUMENT,
          "requests");
  EXPECT_EQ(redis_->Query({"ZCARD", "demand:v1:idx:roles"}), "0");

  // A collision with a stored role refuses the whole batch too.
  dv1::Role existing;
  ASSERT_TRUE(CreateRole(token, "oldham-works", "role-0001", MakeRole(), &existing).ok());
  refused(MakeBatch("oldham-works", 3), grpc::StatusCode::ALREADY_EXISTS, "requests[1]");
  EXPECT_EQ(redis_->Query({"ZCARD", "demand:v1:idx:roles"}), "1");
}

TEST_F(DemandServiceTest, BatchRetryWithSameRequestIdCreatesOnce) {
  CreateEmployer("wigan-works");
  dv1::BatchCreateRolesRequest batch = MakeBatch("wigan-works", 4);
  batch.set_request_id("import-2026-03");
  dv1::BatchCreateRolesResponse first, second;
  ASSERT_TRUE(stub_->BatchCreateRoles(As(admin_).get(), batch, &first).ok());
  grpc::Status retry = stub_->BatchCreateRoles(As(admin_).get(), batch, &second);
  ASSERT_TRUE(retry.ok()) << retry.error_message();
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  EXPECT_EQ(redis_->Query({"XLEN", "demand:v1:changes:roles"}), "4");
}

// ------------------------------------------------------------------- list

TEST_F(DemandServiceTest, ListsAndFiltersRolesAcrossEmployersAndPages) {
  constexpr int kRoles = 1200;
  CreateEmployer("big-employer");
  CreateEmployer("small-employer");
  for (int start = 0; start < kRoles; start += 600) {
    dv1::BatchCreateRolesRequest batch;
    batch.set_parent("employers/big-employer");
    for (int i = start; i < start + 600; ++i) {
      auto* item = batch.add_requests();
      item->set_role_id(absl::StrFormat("role-%05d", i));
      dv1::Role role = MakeRole(absl::StrCat("Role ", i), i % 4 == 0 ? "BL1" : "M1");
      if (i % 10 == 0) role.set_occupation(kPlumber);
      if (i % 3 == 0) role.mutable_required_skills(0)->mutable_skill()->set_skill(kRepairWiring);
      role.set_emerging(i % 5 == 0);
      role.set_apprenticeship(i % 6 == 0);
      *item->mutable_role() = role;
    }
    dv1::BatchCreateRolesResponse created;
    grpc::Status status = stub_->BatchCreateRoles(As(admin_).get(), batch, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  dv1::Role small;
  ASSERT_TRUE(CreateRole(admin_, "small-employer", "only", MakeRole(), &small).ok());

  // Lists every match exactly once, in name order, over as many pages as it takes.
  auto list_all = [&](dv1::ListRolesRequest list, int page_size) {
    std::vector<dv1::Role> roles;
    std::string previous;
    list.set_page_size(page_size);
    do {
      dv1::ListRolesResponse page;
      grpc::Status status = stub_->ListRoles(As(admin_).get(), list, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      EXPECT_LE(page.roles_size(), page_size);
      EXPECT_FALSE(page.revision().token().empty());
      for (const dv1::Role& role : page.roles()) {
        EXPECT_LT(previous, role.name());
        previous = role.name();
        roles.push_back(role);
      }
      list.set_page_token(page.next_page_token());
    } while (!list.page_token().empty());
    return roles;
  };
  dv1::ListRolesRequest list;
  list.set_parent("employers/big-employer");
  EXPECT_EQ(list_all(list, 500).size(), static_cast<size_t>(kRoles));
  list.set_parent("employers/-");
  EXPECT_EQ(list_all(list, 1000).size(), static_cast<size_t>(kRoles + 1));

  dv1::ListRolesRequest by_occupation = list;
  by_occupation.set_occupation("ed3cf43d-c2c1-4c46-82fc-1375e27e0290");  // Plumber's UUID.
  std::vector<dv1::Role> plumbers = list_all(by_occupation, 50);
  EXPECT_EQ(plumbers.size(), static_cast<size_t>(kRoles / 10));
  for (const dv1::Role& role : plumbers) EXPECT_EQ(role.occupation(), kPlumber);

  dv1::ListRolesRequest by_skill = list;
  by_skill.set_skill(kRepairWiring);
  EXPECT_EQ(list_all(by_skill, 100).size(), static_cast<size_t>(kRoles / 3));
  dv1::ListRolesRequest by_outcode = list;
  by_outcode.set_outcode("bl1 1aa");
  EXPECT_EQ(list_all(by_outcode, 100).size(), static_cast<size_t>(kRoles / 4));
  dv1::ListRolesRequest emerging = list;
  emerging.set_emerging_only(true);
  EXPECT_EQ(list_all(emerging, 100).size(), static_cast<size_t>(kRoles / 5));
  dv1::ListRolesRequest apprenticeships = list;
  apprenticeships.set_apprenticeship_only(true);
  EXPECT_EQ(list_all(apprenticeships, 100).size(), static_cast<size_t>(kRoles / 6));
  dv1::ListRolesRequest combined = list;
  combined.set_emerging_only(true);
  combined.set_apprenticeship_only(true);
  combined.set_outcode("BL1");
  EXPECT_EQ(list_all(combined, 7).size(), static_cast<size_t>(kRoles / 60));

  // A token from one query is refused for another; bad filters name themselves.
  dv1::ListRolesRequest first = list;
  first.set_page_size(10);
  dv1::ListRolesResponse page;
  ASSERT_TRUE(stub_->ListRoles(As(admin_).get(), first, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  dv1::ListRolesRequest changed = first;
  changed.set_page_token(page.next_page_token());
  changed.set_emerging_only(true);
  EXPECT_EQ(stub_->ListRoles(As(admin_).get(), changed, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  for (auto set : std::vector<std::function<void(dv1::ListRolesRequest*)>>{
           [](dv1::ListRolesRequest* r) { r->set_occupation("x"); },
           [](dv1::ListRolesRequest* r) { r->set_skill("x"); },
           [](dv1::ListRolesRequest* r) { r->set_outcode("x"); }}) {
    dv1::ListRolesRequest bad = list;
    set(&bad);
    EXPECT_EQ(stub_->ListRoles(As(admin_).get(), bad, &page).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
}

}  // namespace
}  // namespace pathways::testing
