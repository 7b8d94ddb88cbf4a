// Redis failures: UNAVAILABLE while it is down, recovery when it returns, and
// no acknowledged write lost across a crash.
#include "absl/strings/str_cat.h"
#include "tests/integration/demand/demand_fixture.h"

namespace pathways::testing {
namespace {

class DemandResilienceTest : public DemandServiceTest {
 protected:
  grpc::Status Summary(dv1::GetDemandSummaryResponse* response) {
    dv1::GetDemandSummaryRequest request;
    request.set_group_by(dv1::GROUP_BY_OCCUPATION);
    request.set_horizon(dv1::HORIZON_NOW);
    return stub_->GetDemandSummary(As(admin_).get(), request, response);
  }
};

TEST_F(DemandResilienceTest, RedisCrashIsUnavailableThenRecoversWithNothingLost) {
  constexpr int kEmployers = 5;
  constexpr int kRolesEach = 10;
  for (int e = 0; e < kEmployers; ++e) {
    std::string id = absl::StrCat("employer-", e);
    CreateEmployer(id);
    for (int r = 0; r < kRolesEach; ++r) {
      dv1::Role role;
      grpc::Status status =
          CreateRole(EmployerToken(id), id, absl::StrCat("r", r), MakeRole(), &role);
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
  }
  dv1::GetDemandSummaryResponse before;
  ASSERT_TRUE(Summary(&before).ok());
  ASSERT_EQ(before.rows_size(), 1);
  EXPECT_EQ(before.rows(0).openings(), kEmployers * kRolesEach * 2);

  redis_->Kill();  // A crash, not a clean shutdown.

  std::string token = EmployerToken("employer-0");
  dv1::Role role;
  grpc::Status down = CreateRole(token, "employer-0", "during", MakeRole(), &role);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();
  dv1::GetRoleRequest get;
  get.set_name("employers/employer-0/roles/r0");
  EXPECT_EQ(stub_->GetRole(As(token).get(), get, &role).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  dv1::ListRolesRequest list;
  list.set_parent("employers/-");
  dv1::ListRolesResponse page;
  EXPECT_EQ(stub_->ListRoles(As(admin_).get(), list, &page).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // The summary does not answer from what it last saw: it may be stale.
  dv1::GetDemandSummaryResponse summary;
  EXPECT_EQ(Summary(&summary).error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_NO_FATAL_FAILURE(ExpectOutageThenRestartRedis());

  // Every acknowledged write survived; the refused one left nothing behind.
  for (int e = 0; e < kEmployers; ++e) {
    for (int r = 0; r < kRolesEach; ++r) {
      get.set_name(absl::StrCat("employers/employer-", e, "/roles/r", r));
      grpc::Status status = stub_->GetRole(As(admin_).get(), get, &role);
      ASSERT_TRUE(status.ok()) << get.name() << ": " << status.error_message();
    }
  }
  get.set_name("employers/employer-0/roles/during");
  EXPECT_EQ(stub_->GetRole(As(admin_).get(), get, &role).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(redis_->Query({"XLEN", "demand:v1:changes:roles"}),
            std::to_string(kEmployers * kRolesEach));

  // Writes work again, and the summary counts them.
  ASSERT_TRUE(CreateRole(token, "employer-0", "after", MakeRole(), &role).ok());
  ASSERT_TRUE(Summary(&summary).ok());
  ASSERT_EQ(summary.rows_size(), 1);
  EXPECT_EQ(summary.rows(0).openings(), (kEmployers * kRolesEach + 1) * 2);
}

TEST_F(DemandResilienceTest, SummaryBuiltAfterRestartSeesEveryRole) {
  // The first summary of a fresh replica loads every role from Redis.
  for (int e = 0; e < 5; ++e) CreateEmployerWithRole(absl::StrCat("firm-", e), MakeRole());
  service_.reset();
  StartService();
  dv1::GetDemandSummaryResponse summary;
  ASSERT_TRUE(Summary(&summary).ok());
  ASSERT_EQ(summary.rows_size(), 1);
  EXPECT_EQ(summary.rows(0).openings(), 10);
  EXPECT_EQ(summary.rows(0).employer_count(), 5);
}

TEST_F(DemandResilienceTest, SummaryReloadsWhenTheChangesItMissedWereTrimmed) {
  for (int e = 0; e < 5; ++e) CreateEmployerWithRole(absl::StrCat("early-", e), MakeRole());
  dv1::GetDemandSummaryResponse summary;
  ASSERT_TRUE(Summary(&summary).ok());
  ASSERT_EQ(summary.rows_size(), 1);
  EXPECT_EQ(summary.rows(0).openings(), 10);

  // Five more roles, of which the feed then keeps only the last change:
  // replaying the feed alone would miss four of them.
  for (int e = 0; e < 5; ++e) CreateEmployerWithRole(absl::StrCat("late-", e), MakeRole());
  ASSERT_EQ(redis_->Query({"XTRIM", "demand:v1:changes:roles", "MAXLEN", "1"}), "9");
  ASSERT_TRUE(Summary(&summary).ok());
  ASSERT_EQ(summary.rows_size(), 1);
  EXPECT_EQ(summary.rows(0).openings(), 20);
  EXPECT_EQ(summary.rows(0).employer_count(), 10);
}

TEST_F(DemandResilienceTest, SummaryFollowsRedisLosingItsData) {
  for (int e = 0; e < 5; ++e) CreateEmployerWithRole(absl::StrCat("firm-", e), MakeRole());
  dv1::GetDemandSummaryResponse summary;
  ASSERT_TRUE(Summary(&summary).ok());
  ASSERT_EQ(summary.rows_size(), 1);

  ASSERT_EQ(redis_->Query({"FLUSHALL"}), "OK");
  summary.Clear();
  ASSERT_TRUE(Summary(&summary).ok());
  EXPECT_EQ(summary.rows_size(), 0);
}

TEST_F(DemandResilienceTest, WatchEndsUnavailableWhenRedisGoesAndResumesAfter) {
  CreateEmployer("rochdale-retail");
  std::string token = EmployerToken("rochdale-retail");
  dv1::Role first;
  ASSERT_TRUE(CreateRole(token, "rochdale-retail", "first", MakeRole(), &first).ok());

  auto context = As(admin_);
  dv1::WatchRolesRequest request;
  request.mutable_start_revision()->set_token("0-0");
  auto reader = stub_->WatchRoles(context.get(), request);
  dv1::RoleChange change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.name(), first.name());
  std::string seen = change.revision().token();

  ASSERT_NO_FATAL_FAILURE(CrashRedisUnderWatch(reader.get()));
  dv1::Role second;
  ASSERT_TRUE(CreateRole(token, "rochdale-retail", "second", MakeRole(), &second).ok());
  auto again = As(admin_);
  request.mutable_start_revision()->set_token(seen);
  auto resumed = stub_->WatchRoles(again.get(), request);
  ASSERT_TRUE(resumed->Read(&change));
  EXPECT_EQ(change.name(), second.name());
  CancelWatch(again.get(), resumed.get());
}

}  // namespace
}  // namespace pathways::testing
