// The profile book's authorization and request checks, which all happen
// before storage is touched: the store here points at a Redis that is not
// running, so any call that got past them would fail UNAVAILABLE instead.
#include "services/profiles/profile_book.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/api_conventions.h"
#include "tests/testing/esco_fixtures.h"
#include "tests/testing/reference_data.h"

namespace pathways::profiles {
namespace {

using ::pathways::testing::kInstallHeatPump;
using ::pathways::testing::TestGeography;
using ::pathways::testing::TestTaxonomy;
using ::testing::HasSubstr;

class ProfileBookTest : public ::testing::Test {
 protected:
  static RedisConfig Unreachable() {
    RedisConfig config;
    config.address = "127.0.0.1:1";
    config.connect_timeout = std::chrono::milliseconds(100);
    return config;
  }

  static Caller As(Role role, std::string organisation = "org-a") {
    return Caller{Principal{role, std::move(organisation), "subject-1"}, ""};
  }

  // Every method once, valid in form, as `caller`; the codes in order.
  std::vector<absl::StatusCode> CallEverything(const Caller& caller) {
    std::vector<absl::StatusCode> codes;
    v1::Profile profile;
    v1::CreateProfileRequest create;
    codes.push_back(book_.CreateProfile(caller, create, &profile).code());
    v1::GetProfileRequest get;
    get.set_name("profiles/p1");
    codes.push_back(book_.GetProfile(caller, get, &profile).code());
    v1::ListProfilesRequest list;
    v1::ListProfilesResponse listed;
    codes.push_back(book_.ListProfiles(caller, list, &listed).code());
    v1::UpdateProfileRequest update;
    update.mutable_profile()->set_name("profiles/p1");
    update.mutable_profile()->set_etag("e");
    update.mutable_update_mask()->add_paths("max_travel_km");
    codes.push_back(book_.UpdateProfile(caller, update, &profile).code());
    v1::DeleteProfileRequest remove;
    remove.set_name("profiles/p1");
    v1::DeleteProfileResponse removed;
    codes.push_back(book_.DeleteProfile(caller, remove, &removed).code());
    v1::AddSkillsRequest add;
    add.set_name("profiles/p1");
    v1::ProfileSkill* skill = add.add_skills();
    skill->mutable_skill()->set_skill(kInstallHeatPump);
    skill->mutable_skill()->set_level(common::v1::PROFICIENCY_BASIC);
    skill->set_evidence(v1::SKILL_EVIDENCE_SELF_REPORTED);
    codes.push_back(book_.AddSkills(caller, add, &profile).code());
    v1::RemoveSkillsRequest take;
    take.set_name("profiles/p1");
    *take.add_skills() = add.skills(0);
    codes.push_back(book_.RemoveSkills(caller, take, &profile).code());
    v1::ExportProfileRequest export_request;
    export_request.set_name("profiles/p1");
    v1::ExportProfileResponse exported;
    codes.push_back(book_.ExportProfile(caller, export_request, &exported).code());
    v1::ListAuditEventsRequest audit;
    v1::ListAuditEventsResponse events;
    codes.push_back(book_.ListAuditEvents(caller, audit, &events).code());
    codes.push_back(book_.StartWatch(caller, v1::WatchProfilesRequest()).status().code());
    return codes;
  }

  RedisPool pool_{Unreachable()};
  ProfileStore store_{&pool_};
  ProfileValidator validator_{&TestTaxonomy(), &TestGeography()};
  ProfileBook book_{&store_, &validator_};
};

constexpr absl::StatusCode kDenied = absl::StatusCode::kPermissionDenied;
constexpr absl::StatusCode kUnavailable = absl::StatusCode::kUnavailable;

TEST_F(ProfileBookTest, AnalystsProvidersAndEmployersMayDoNothingWithProfiles) {
  for (Role role : {Role::kAnalyst, Role::kProvider, Role::kEmployer}) {
    std::vector<absl::StatusCode> codes = CallEverything(As(role));
    EXPECT_THAT(codes, ::testing::Each(kDenied)) << RoleName(role);
    EXPECT_EQ(codes.size(), 10u);
  }
}

TEST_F(ProfileBookTest, ServicesMayOnlyGetAndWatch) {
  std::vector<absl::StatusCode> codes = CallEverything(As(Role::kService, "matcher"));
  std::vector<absl::StatusCode> expected = {
      kDenied, kUnavailable, kDenied, kDenied, kDenied,
      kDenied, kDenied,      kDenied, kDenied, absl::StatusCode::kOk};
  EXPECT_EQ(codes, expected);
}

TEST_F(ProfileBookTest, AdvisersMayNotReadTheAuditLogOrWatch) {
  std::vector<absl::StatusCode> codes = CallEverything(As(Role::kAdviser));
  EXPECT_EQ(codes[8], kDenied);  // ListAuditEvents
  EXPECT_EQ(codes[9], kDenied);  // StartWatch
  // Create fails on validation (empty profile); everything else reaches the store.
  EXPECT_EQ(codes[0], absl::StatusCode::kInvalidArgument);
  for (size_t i = 1; i < 8; ++i) EXPECT_EQ(codes[i], kUnavailable) << i;
}

TEST_F(ProfileBookTest, AdminsReachTheStoreEverywhere) {
  std::vector<absl::StatusCode> codes = CallEverything(As(Role::kAdmin, "authority"));
  EXPECT_EQ(codes[0], absl::StatusCode::kInvalidArgument);
  for (size_t i = 1; i < 9; ++i) EXPECT_EQ(codes[i], kUnavailable) << i;
  EXPECT_EQ(codes[9], absl::StatusCode::kOk);
}

TEST_F(ProfileBookTest, AdviserTokensMustNameAnOrganisation) {
  std::vector<absl::StatusCode> codes = CallEverything(As(Role::kAdviser, ""));
  EXPECT_EQ(codes[0], kDenied);  // Create
  EXPECT_EQ(codes[2], kDenied);  // List
}

TEST_F(ProfileBookTest, AdvisersMayNotListAnotherOrganisation) {
  v1::ListProfilesRequest list;
  list.set_organisation("org-b");
  v1::ListProfilesResponse response;
  absl::Status status = book_.ListProfiles(As(Role::kAdviser, "org-a"), list, &response);
  EXPECT_EQ(status.code(), kDenied);
  EXPECT_THAT(std::string(status.message()), HasSubstr("own organisation"));
}

TEST_F(ProfileBookTest, UpdateNeedsAnEtagAndAnUpdatableMask) {
  v1::UpdateProfileRequest update;
  update.mutable_profile()->set_name("profiles/p1");
  update.mutable_update_mask()->add_paths("max_travel_km");
  v1::Profile response;
  absl::Status status = book_.UpdateProfile(As(Role::kAdmin), update, &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("profile.etag"));
  update.mutable_profile()->set_etag("e");
  for (const char* path : {"organisation", "name", "create_time", "etag", "no_such_field"}) {
    update.mutable_update_mask()->set_paths(0, path);
    status = book_.UpdateProfile(As(Role::kAdmin), update, &response);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << path;
    EXPECT_THAT(std::string(status.message()), HasSubstr("update_mask.paths[0]")) << path;
  }
}

TEST_F(ProfileBookTest, MalformedNamesAreInvalid) {
  v1::GetProfileRequest get;
  get.set_name("profiles/Not_Valid");
  v1::Profile response;
  absl::Status status = book_.GetProfile(As(Role::kAdmin), get, &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("name"));
}

TEST_F(ProfileBookTest, SkillRequestsNeed1To200Skills) {
  v1::AddSkillsRequest add;
  add.set_name("profiles/p1");
  v1::Profile response;
  absl::Status status = book_.AddSkills(As(Role::kAdmin), add, &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("skills must list 1..200"));
  v1::RemoveSkillsRequest remove;
  remove.set_name("profiles/p1");
  EXPECT_EQ(book_.RemoveSkills(As(Role::kAdmin), remove, &response).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ProfileBookTest, AuditListingRefusesAnEmptyTimeWindow) {
  v1::ListAuditEventsRequest request;
  *request.mutable_start_time() = ToTimestamp(absl::FromUnixSeconds(2000));
  *request.mutable_end_time() = ToTimestamp(absl::FromUnixSeconds(1000));
  v1::ListAuditEventsResponse response;
  absl::Status status = book_.ListAuditEvents(As(Role::kAdmin), request, &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("end_time"));
}

ResourceChange StoredChange(ChangeKind kind, bool matching_consent) {
  v1::Profile profile;
  profile.set_name("profiles/p1");
  profile.set_max_travel_km(12);
  profile.mutable_consent()->add_purposes(
      matching_consent ? v1::CONSENT_PURPOSE_MATCHING : v1::CONSENT_PURPOSE_AGGREGATE_STATISTICS);
  ResourceChange change;
  change.kind = kind;
  change.name = profile.name();
  change.data = profile.SerializeAsString();
  change.etag = "e1";
  change.revision = "1-0";
  return change;
}

TEST_F(ProfileBookTest, ServicesWatchOnlyProfilesConsentedForMatching) {
  ResourceChange consented = StoredChange(ChangeKind::kUpdated, true);
  absl::StatusOr<v1::ProfileChange> change =
      ProfileBook::ToProfileChange(Role::kService, consented);
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change->type(), common::v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(change->profile().max_travel_km(), 12);
  EXPECT_EQ(change->profile().etag(), "e1");

  ResourceChange withheld = StoredChange(ChangeKind::kCreated, false);
  change = ProfileBook::ToProfileChange(Role::kService, withheld);
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change->type(), common::v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(change->name(), "profiles/p1");
  EXPECT_FALSE(change->has_profile());
  EXPECT_EQ(change->revision().token(), "1-0");

  change = ProfileBook::ToProfileChange(Role::kAdmin, withheld);
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change->type(), common::v1::CHANGE_TYPE_CREATED);
  EXPECT_TRUE(change->has_profile());
}

TEST_F(ProfileBookTest, DeletionsCarryOnlyTheName) {
  ResourceChange deleted;
  deleted.kind = ChangeKind::kDeleted;
  deleted.name = "profiles/p1";
  deleted.revision = "2-0";
  absl::StatusOr<v1::ProfileChange> change = ProfileBook::ToProfileChange(Role::kAdmin, deleted);
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change->type(), common::v1::CHANGE_TYPE_DELETED);
  EXPECT_FALSE(change->has_profile());
}

TEST(NewProfileIdTest, IdsAreValidRandomAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewProfileId();
    EXPECT_EQ(id.size(), 26u);
    EXPECT_TRUE(ValidateId("profile_id", id).ok()) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace pathways::profiles
