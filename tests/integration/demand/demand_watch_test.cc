// The role change feed: ordered, resumable from any revision it handed out.
#include "absl/strings/str_cat.h"
#include "tests/integration/demand/demand_fixture.h"

namespace pathways::testing {
namespace {

class DemandWatchTest : public DemandServiceTest {
 protected:
  std::unique_ptr<grpc::ClientReader<dv1::RoleChange>> Watch(grpc::ClientContext* context,
                                                             const std::string& revision) {
    dv1::WatchRolesRequest request;
    request.mutable_start_revision()->set_token(revision);
    return stub_->WatchRoles(context, request);
  }

  std::string ListRevision() {
    dv1::ListRolesRequest list;
    list.set_parent("employers/-");
    dv1::ListRolesResponse page;
    grpc::Status status = stub_->ListRoles(As(admin_).get(), list, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return page.revision().token();
  }
};

TEST_F(DemandWatchTest, StreamsCreateUpdateDeleteInOrderAndResumes) {
  CreateEmployer("cheadle-care");
  std::string token = EmployerToken("cheadle-care");
  std::string start = ListRevision();
  ASSERT_FALSE(start.empty());

  auto context = As(service_->Token(Role::kService, "matcher"));
  auto reader = Watch(context.get(), start);

  dv1::Role a, b;
  ASSERT_TRUE(CreateRole(token, "cheadle-care", "a", MakeRole("A"), &a).ok());
  ASSERT_TRUE(CreateRole(token, "cheadle-care", "b", MakeRole("B"), &b).ok());

  dv1::RoleChange change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(change.name(), a.name());
  EXPECT_EQ(change.role().title(), "A");
  EXPECT_EQ(change.role().etag(), a.etag());
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.name(), b.name());
  std::string resume_from = change.revision().token();

  // The watcher goes away (a matcher restart) and changes carry on.
  EXPECT_EQ(CancelWatch(context.get(), reader.get()).error_code(), grpc::StatusCode::CANCELLED);

  dv1::UpdateRoleRequest update;
  update.mutable_role()->set_name(a.name());
  update.mutable_role()->set_etag(a.etag());
  update.mutable_role()->mutable_openings()->set_now(7);
  update.mutable_update_mask()->add_paths("openings.now");
  dv1::Role updated;
  ASSERT_TRUE(stub_->UpdateRole(As(token).get(), update, &updated).ok());
  dv1::DeleteRoleRequest remove;
  remove.set_name(b.name());
  dv1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->DeleteRole(As(token).get(), remove, &deleted).ok());

  // Resuming from the last revision seen delivers exactly what was missed.
  auto resumed_context = As(service_->Token(Role::kAnalyst, "gmca"));
  auto resumed = Watch(resumed_context.get(), resume_from);
  ASSERT_TRUE(resumed->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(change.name(), a.name());
  EXPECT_EQ(change.role().openings().now(), 7);
  EXPECT_EQ(change.role().etag(), updated.etag());
  ASSERT_TRUE(resumed->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(change.name(), b.name());
  EXPECT_FALSE(change.has_role());
  EXPECT_EQ(CancelWatch(resumed_context.get(), resumed.get()).error_code(),
            grpc::StatusCode::CANCELLED);
}

TEST_F(DemandWatchTest, RenamingAnEmployerEmitsItsRolesChanges) {
  CreateEmployer("acme");
  dv1::Role role;
  ASSERT_TRUE(CreateRole(EmployerToken("acme"), "acme", "fitter", MakeRole(), &role).ok());
  std::string start = ListRevision();
  auto context = As(admin_);
  auto reader = Watch(context.get(), start);

  dv1::GetEmployerRequest get;
  get.set_name("employers/acme");
  dv1::Employer acme;
  ASSERT_TRUE(stub_->GetEmployer(As(admin_).get(), get, &acme).ok());
  dv1::UpdateEmployerRequest update;
  *update.mutable_employer() = acme;
  update.mutable_employer()->set_display_name("Acme Heat Pumps");
  update.mutable_update_mask()->add_paths("display_name");
  dv1::Employer renamed;
  ASSERT_TRUE(stub_->UpdateEmployer(As(admin_).get(), update, &renamed).ok());

  dv1::RoleChange change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(change.name(), role.name());
  EXPECT_EQ(change.role().employer_display_name(), "Acme Heat Pumps");
  CancelWatch(context.get(), reader.get());
}

TEST_F(DemandWatchTest, EmptyRevisionMeansFromNowOn) {
  CreateEmployer("bury-bakers");
  std::string token = EmployerToken("bury-bakers");
  dv1::Role before, after;
  ASSERT_TRUE(CreateRole(token, "bury-bakers", "before", MakeRole(), &before).ok());

  auto context = As(service_->Token(Role::kAdviser, "connexions"));
  auto reader = Watch(context.get(), "");
  // Initial metadata arrives once the server has read the current revision:
  // a create after that must arrive, and the earlier one must not.
  reader->WaitForInitialMetadata();
  ASSERT_TRUE(CreateRole(token, "bury-bakers", "after", MakeRole(), &after).ok());
  dv1::RoleChange change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.name(), after.name());
  CancelWatch(context.get(), reader.get());
}

TEST_F(DemandWatchTest, MalformedRevisionIsInvalidArgument) {
  auto context = As(admin_);
  auto reader = Watch(context.get(), "yesterday");
  dv1::RoleChange change;
  EXPECT_FALSE(reader->Read(&change));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("start_revision"), std::string::npos);
}

TEST_F(DemandWatchTest, EmployersAndProvidersCannotWatch) {
  for (const std::string& token :
       {EmployerToken("acme"), service_->Token(Role::kProvider, "college")}) {
    auto context = As(token);
    auto reader = Watch(context.get(), "");
    dv1::RoleChange change;
    EXPECT_FALSE(reader->Read(&change));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
}

}  // namespace
}  // namespace pathways::testing
