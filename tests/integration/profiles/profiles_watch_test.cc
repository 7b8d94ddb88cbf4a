// The profile change feed: ordered, resumable, and forgetting what erasure
// removes.
#include "absl/strings/str_cat.h"
#include "tests/integration/profiles/profiles_fixture.h"

namespace pathways::testing {
namespace {

class ProfilesWatchTest : public ProfilesServiceTest {
 protected:
  std::unique_ptr<grpc::ClientReader<pv1::ProfileChange>> Watch(grpc::ClientContext* context,
                                                                const std::string& revision) {
    pv1::WatchProfilesRequest request;
    request.mutable_start_revision()->set_token(revision);
    return stub_->WatchProfiles(context, request);
  }

  std::string ListRevision() {
    pv1::ListProfilesRequest list;
    pv1::ListProfilesResponse page;
    grpc::Status status = stub_->ListProfiles(As(admin_).get(), list, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return page.revision().token();
  }
};

TEST_F(ProfilesWatchTest, CreateUpdateAndErasureAreDeliveredAndResumable) {
  std::string adviser = Adviser("trafford-careers");
  std::string start = ListRevision();
  ASSERT_EQ(start, "0-0");
  auto context = As(admin_);
  auto reader = Watch(context.get(), start);

  pv1::Profile kept = MustCreate(adviser, "kept");
  pv1::Profile gone = MustCreate(adviser, "gone");
  pv1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(kept.name());
  update.mutable_profile()->set_etag(kept.etag());
  update.mutable_profile()->set_max_travel_km(60);
  update.mutable_update_mask()->add_paths("max_travel_km");
  pv1::Profile updated;
  ASSERT_TRUE(stub_->UpdateProfile(As(adviser).get(), update, &updated).ok());
  ASSERT_TRUE(Erase(adviser, gone.name()).ok());

  pv1::ProfileChange change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(change.name(), kept.name());
  EXPECT_EQ(change.profile().etag(), kept.etag());
  std::string after_kept = change.revision().token();
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(change.name(), gone.name());
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(change.profile().max_travel_km(), 60);
  std::string update_revision = change.revision().token();
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(change.name(), gone.name());
  EXPECT_FALSE(change.has_profile());
  std::string erase_revision = change.revision().token();
  CancelWatch(context.get(), reader.get());

  // Changes go on while nobody watches.
  update.mutable_profile()->set_etag(updated.etag());
  update.mutable_profile()->set_max_travel_km(70);
  ASSERT_TRUE(stub_->UpdateProfile(As(adviser).get(), update, &updated).ok());

  // Resuming delivers what followed, except what the erasure removed: the
  // erased profile's creation is gone and only its deletion remains.
  auto resumed_context = As(Token(Role::kService, "pathways", "matcher"));
  auto resumed = Watch(resumed_context.get(), after_kept);
  ASSERT_TRUE(resumed->Read(&change));
  EXPECT_EQ(change.revision().token(), update_revision);
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_UPDATED);
  ASSERT_TRUE(resumed->Read(&change));
  EXPECT_EQ(change.revision().token(), erase_revision);
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(change.name(), gone.name());
  ASSERT_TRUE(resumed->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(change.profile().max_travel_km(), 70);
  EXPECT_EQ(CancelWatch(resumed_context.get(), resumed.get()).error_code(),
            grpc::StatusCode::CANCELLED);
}

TEST_F(ProfilesWatchTest, ErasedHistoryIsNotMistakenForTrimmedHistory) {
  // Erasure removes the oldest entries; a watcher from the very start must
  // still be served, not told its revision is too old.
  pv1::Profile profile = MustCreate(Adviser("bolton-careers"));
  ASSERT_TRUE(Erase(admin_, profile.name()).ok());
  EXPECT_EQ(redis_->Query({"XLEN", "profiles:v1:changes:profiles"}), "1");
  auto context = As(admin_);
  auto reader = Watch(context.get(), "0-0");
  pv1::ProfileChange change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(change.name(), profile.name());
  CancelWatch(context.get(), reader.get());
}

TEST_F(ProfilesWatchTest, ServicesReceiveOnlyProfilesConsentedForMatching) {
  std::string adviser = Adviser("salford-careers");
  auto context = As(Token(Role::kService, "pathways", "matcher"));
  auto reader = Watch(context.get(), ListRevision());
  pv1::Profile matched = MustCreate(adviser, "matched");
  pv1::Profile profile = MakeProfile();
  profile.mutable_consent()->set_purposes(0, pv1::CONSENT_PURPOSE_AGGREGATE_STATISTICS);
  pv1::Profile counted;
  ASSERT_TRUE(Create(adviser, "counted-only", profile, &counted).ok());

  pv1::ProfileChange change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(change.name(), matched.name());
  EXPECT_TRUE(change.has_profile());
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(change.name(), counted.name());
  EXPECT_FALSE(change.has_profile());
  CancelWatch(context.get(), reader.get());
}

TEST_F(ProfilesWatchTest, EmptyRevisionMeansFromNowOn) {
  std::string adviser = Adviser("bury-careers");
  pv1::Profile before = MustCreate(adviser, "before");
  auto context = As(admin_);
  auto reader = Watch(context.get(), "");
  // The server sends initial metadata once it has fixed its start position.
  reader->WaitForInitialMetadata();
  pv1::Profile after = MustCreate(adviser, "after");
  pv1::ProfileChange change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.name(), after.name());
  CancelWatch(context.get(), reader.get());
}

TEST_F(ProfilesWatchTest, OnlyAdminsAndServicesMayWatch) {
  for (const std::string& token : {Adviser("bury-careers"), Token(Role::kAnalyst, "ca", "a")}) {
    auto context = As(token);
    auto reader = Watch(context.get(), "");
    pv1::ProfileChange change;
    EXPECT_FALSE(reader->Read(&change));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
}

TEST_F(ProfilesWatchTest, MalformedRevisionIsInvalidArgument) {
  auto context = As(admin_);
  auto reader = Watch(context.get(), "yesterday");
  pv1::ProfileChange change;
  EXPECT_FALSE(reader->Read(&change));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("start_revision"), std::string::npos);
}

// A feed that keeps only three changes.
class ProfilesShortFeedTest : public ProfilesWatchTest {
 protected:
  profiles::ProfilesOptions Options() override {
    profiles::ProfilesOptions options = ProfilesWatchTest::Options();
    options.limits.change_stream_max_length = 3;
    return options;
  }
};

TEST_F(ProfilesShortFeedTest, RevisionsOlderThanTheTrimmedHistoryAreOutOfRange) {
  std::string adviser = Adviser("wigan-careers");
  for (int i = 0; i < 5; ++i) MustCreate(adviser, absl::StrCat("p", i));
  EXPECT_EQ(redis_->Query({"XLEN", "profiles:v1:changes:profiles"}), "3");

  auto context = As(admin_);
  auto reader = Watch(context.get(), "0-0");
  pv1::ProfileChange change;
  EXPECT_FALSE(reader->Read(&change));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);

  // From the listing's revision nothing is missing.
  std::string revision = ListRevision();
  auto fresh_context = As(admin_);
  auto fresh = Watch(fresh_context.get(), revision);
  pv1::Profile next = MustCreate(adviser, "p5");
  ASSERT_TRUE(fresh->Read(&change));
  EXPECT_EQ(change.name(), next.name());
  CancelWatch(fresh_context.get(), fresh.get());

  // Trimming also forgets the trimmed entries' ids, so erasure stays cheap.
  EXPECT_EQ(redis_->Query({"LLEN", "profiles:v1:entries:profiles/p0"}), "0");
  EXPECT_EQ(redis_->Query({"LLEN", "profiles:v1:entries:profiles/p5"}), "1");
}

}  // namespace
}  // namespace pathways::testing
