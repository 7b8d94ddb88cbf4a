// Redis failures: UNAVAILABLE while it is down (and no unaudited read gets
// out), recovery when it returns, and no acknowledged write lost.
#include "absl/strings/str_cat.h"
#include "tests/integration/profiles/profiles_fixture.h"

namespace pathways::testing {
namespace {

using ProfilesResilienceTest = ProfilesServiceTest;

TEST_F(ProfilesResilienceTest, RedisCrashIsUnavailableThenRecoversWithNothingLost) {
  std::string adviser = Adviser("wigan-careers");
  constexpr int kAcknowledged = 20;
  for (int i = 0; i < kAcknowledged; ++i) MustCreate(adviser, absl::StrCat("p", i));

  redis_->Kill();  // A crash, not a clean shutdown.

  pv1::Profile profile;
  grpc::Status down = Create(adviser, "during", MakeProfile(), &profile);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();
  pv1::BatchCreateProfilesRequest batch;
  for (const char* id : {"during-1", "during-2"}) {
    pv1::CreateProfileRequest* item = batch.add_requests();
    item->set_profile_id(id);
    *item->mutable_profile() = MakeProfile();
  }
  pv1::BatchCreateProfilesResponse batched;
  grpc::Status batch_down = stub_->BatchCreateProfiles(As(adviser).get(), batch, &batched);
  EXPECT_EQ(batch_down.error_code(), grpc::StatusCode::UNAVAILABLE) << batch_down.error_message();
  EXPECT_EQ(batched.profiles_size(), 0);
  grpc::Status read = Get(adviser, "profiles/p0", &profile);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::UNAVAILABLE) << read.error_message();
  EXPECT_TRUE(profile.name().empty());
  pv1::ListProfilesRequest list;
  pv1::ListProfilesResponse listed;
  EXPECT_EQ(stub_->ListProfiles(As(adviser).get(), list, &listed).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(listed.profiles_size(), 0);
  ASSERT_NO_FATAL_FAILURE(ExpectOutageThenRestartRedis());

  // Every acknowledged write survived, with its audit trail; the refused
  // one left nothing behind.
  for (int i = 0; i < kAcknowledged; ++i) {
    std::string name = absl::StrCat("profiles/p", i);
    grpc::Status status = Get(adviser, name, &profile);
    ASSERT_TRUE(status.ok()) << name << ": " << status.error_message();
  }
  for (const char* name : {"profiles/during", "profiles/during-1", "profiles/during-2"}) {
    EXPECT_EQ(Get(admin_, name, &profile).error_code(), grpc::StatusCode::NOT_FOUND) << name;
  }
  EXPECT_EQ(redis_->Query({"XLEN", "profiles:v1:changes:profiles"}), std::to_string(kAcknowledged));
  std::vector<pv1::AuditEvent> audit = AuditOf("profiles/p0");
  ASSERT_EQ(audit.size(), 2u);  // The read just now, and the creation.
  EXPECT_EQ(audit[1].action(), pv1::AUDIT_ACTION_CREATE);

  // And writes work again.
  pv1::Profile after;
  ASSERT_TRUE(Create(adviser, "after", MakeProfile(), &after).ok());
}

TEST_F(ProfilesResilienceTest, WatchEndsUnavailableWhenRedisGoesAndResumesAfter) {
  std::string adviser = Adviser("rochdale-careers");
  pv1::Profile first = MustCreate(adviser, "first");

  auto context = As(admin_);
  pv1::WatchProfilesRequest request;
  request.mutable_start_revision()->set_token("0-0");
  auto reader = stub_->WatchProfiles(context.get(), request);
  pv1::ProfileChange change;
  ASSERT_TRUE(reader->Read(&change));
  std::string seen = change.revision().token();

  ASSERT_NO_FATAL_FAILURE(CrashRedisUnderWatch(reader.get()));
  pv1::Profile second = MustCreate(adviser, "second");
  auto again = As(admin_);
  request.mutable_start_revision()->set_token(seen);
  auto resumed = stub_->WatchProfiles(again.get(), request);
  ASSERT_TRUE(resumed->Read(&change));
  EXPECT_EQ(change.name(), second.name());
  CancelWatch(again.get(), resumed.get());
}

}  // namespace
}  // namespace pathways::testing
