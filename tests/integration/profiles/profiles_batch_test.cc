// BatchCreateProfiles end to end: real gRPC channel, real Redis. A batch is
// stored all or none, each profile exactly as CreateProfile would store it
// (change entry, audit event, indexes), and errors name the request at fault.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/profiles/profiles_fixture.h"

namespace pathways::testing {
namespace {

class ProfilesBatchTest : public ProfilesServiceTest {
 protected:
  // A batch of MakeProfile()s with these ids ("" lets the server choose).
  pv1::BatchCreateProfilesRequest Batch(const std::vector<std::string>& ids,
                                        const std::string& request_id = "") const {
    pv1::BatchCreateProfilesRequest request;
    for (const std::string& id : ids) {
      pv1::CreateProfileRequest* item = request.add_requests();
      item->set_profile_id(id);
      *item->mutable_profile() = MakeProfile();
    }
    request.set_request_id(request_id);
    return request;
  }

  grpc::Status BatchCreate(const std::string& token, const pv1::BatchCreateProfilesRequest& request,
                           pv1::BatchCreateProfilesResponse* response) {
    return stub_->BatchCreateProfiles(As(token).get(), request, response);
  }

  std::string Stored() { return redis_->Query({"ZCARD", "profiles:v1:idx:profiles"}); }
  std::string Changes() { return redis_->Query({"XLEN", "profiles:v1:changes:profiles"}); }
};

TEST_F(ProfilesBatchTest, CreatesEveryProfileInRequestOrder) {
  const std::string adviser = Adviser("oldham-careers", "adviser-7");
  pv1::BatchCreateProfilesRequest request = Batch({"yp-b", "", "yp-a"});
  request.mutable_requests(1)->mutable_profile()->set_max_travel_km(35);
  pv1::BatchCreateProfilesResponse response;
  grpc::Status status = BatchCreate(adviser, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.profiles_size(), 3);
  EXPECT_EQ(response.profiles(0).name(), "profiles/yp-b");
  EXPECT_TRUE(absl::StartsWith(response.profiles(1).name(), "profiles/p"))
      << response.profiles(1).name();
  EXPECT_EQ(response.profiles(1).max_travel_km(), 35);
  EXPECT_EQ(response.profiles(2).name(), "profiles/yp-a");
  for (const pv1::Profile& created : response.profiles()) {
    EXPECT_EQ(created.organisation(), "oldham-careers");
    EXPECT_EQ(created.adviser(), "adviser-7");
    EXPECT_EQ(created.home().outcode(), "WA14");
    EXPECT_FALSE(created.etag().empty());
    pv1::Profile fetched;
    ASSERT_TRUE(Get(adviser, created.name(), &fetched).ok()) << created.name();
    EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());
    // Created and then read by this test, nothing else.
    std::vector<pv1::AuditEvent> audit = AuditOf(created.name());
    ASSERT_EQ(audit.size(), 2u) << created.name();
    EXPECT_EQ(audit[1].action(), pv1::AUDIT_ACTION_CREATE);
    EXPECT_EQ(audit[1].actor(), "adviser-7");
  }
  EXPECT_EQ(Stored(), "3");
  EXPECT_EQ(Changes(), "3");
}

TEST_F(ProfilesBatchTest, OneTakenIdLeavesNothingWritten) {
  const std::string adviser = Adviser("salford-careers");
  MustCreate(adviser, "yp-2");
  pv1::BatchCreateProfilesResponse response;
  grpc::Status status = BatchCreate(adviser, Batch({"yp-1", "yp-2", "yp-3"}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "requests[1].profile_id: profiles/yp-2"))
      << status.error_message();
  EXPECT_EQ(Stored(), "1");
  EXPECT_EQ(Changes(), "1");
  pv1::Profile absent;
  EXPECT_EQ(Get(admin_, "profiles/yp-1", &absent).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Get(admin_, "profiles/yp-3", &absent).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ProfilesBatchTest, InvalidRequestsAreNamedAndNothingIsWritten) {
  const std::string adviser = Adviser("stockport-careers");
  pv1::BatchCreateProfilesResponse response;

  pv1::BatchCreateProfilesRequest bad_place = Batch({"yp-1", "yp-2"});
  bad_place.mutable_requests(1)->mutable_profile()->mutable_home()->set_outcode("ZZ99");
  grpc::Status status = BatchCreate(adviser, bad_place, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "requests[1].profile.home"))
      << status.error_message();

  status = BatchCreate(adviser, Batch({"yp-1", "Jane-Smith"}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "requests[1].profile_id "))
      << status.error_message();

  status = BatchCreate(adviser, Batch({"yp-1", "yp-2", "yp-1"}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "requests[2].profile_id \"yp-1\""))
      << status.error_message();

  status = BatchCreate(adviser, Batch({}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "requests ")) << status.error_message();

  std::vector<std::string> too_many(profiles::kMaxBatchProfiles + 1, "");
  status = BatchCreate(adviser, Batch(too_many), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "requests ")) << status.error_message();

  EXPECT_EQ(Stored(), "0");
  EXPECT_EQ(Changes(), "0");
}

TEST_F(ProfilesBatchTest, RetriedBatchWithSameRequestIdCreatesOnce) {
  const std::string adviser = Adviser("bury-careers");
  pv1::BatchCreateProfilesResponse first, second;
  ASSERT_TRUE(BatchCreate(adviser, Batch({"", "yp-x", ""}, "batch-1"), &first).ok());
  grpc::Status retry = BatchCreate(adviser, Batch({"", "yp-x", ""}, "batch-1"), &second);
  ASSERT_TRUE(retry.ok()) << retry.error_message();
  ASSERT_EQ(second.profiles_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(second.profiles(i).SerializeAsString(), first.profiles(i).SerializeAsString());
    // The retry was answered from what is stored, and audited as a read.
    std::vector<pv1::AuditEvent> audit = AuditOf(first.profiles(i).name());
    ASSERT_EQ(audit.size(), 2u);
    EXPECT_EQ(audit[0].action(), pv1::AUDIT_ACTION_READ);
    EXPECT_EQ(audit[0].detail(), "repeated create request");
  }
  EXPECT_EQ(Stored(), "3");
  EXPECT_EQ(Changes(), "3");
}

TEST_F(ProfilesBatchTest, ARequestIdUsedForAnotherRequestIsRefused) {
  const std::string adviser = Adviser("tameside-careers");
  pv1::BatchCreateProfilesResponse batched;
  ASSERT_TRUE(BatchCreate(adviser, Batch({"yp-1", "yp-2"}, "import-7"), &batched).ok());
  pv1::Profile single;
  grpc::Status status = Create(adviser, "yp-3", MakeProfile(), &single, "import-7");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "request_id \"import-7\" was used for"))
      << status.error_message();
  EXPECT_EQ(Stored(), "2");
}

TEST_F(ProfilesBatchTest, OnlyAdvisersAndAdminsOfAnOrganisationMayCreate) {
  pv1::BatchCreateProfilesResponse response;
  for (Role role : {Role::kProvider, Role::kEmployer, Role::kAnalyst, Role::kService}) {
    EXPECT_EQ(BatchCreate(Token(role, "someone"), Batch({"yp-1"}), &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << RoleName(role);
  }
  EXPECT_EQ(BatchCreate(Token(Role::kAdviser, ""), Batch({"yp-1"}), &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Stored(), "0");
}

}  // namespace
}  // namespace pathways::testing
