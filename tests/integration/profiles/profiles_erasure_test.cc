// Erasure and retention: after a profile is erased, on request or because
// its retention deadline passed, nothing of the person is left in Redis.
#include <condition_variable>
#include <map>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/redis.h"
#include "services/profiles/profile_book.h"
#include "tests/integration/profiles/profiles_fixture.h"

namespace pathways::testing {
namespace {

// Appends every string in a reply (recursively) to `out`, separated by NULs.
void Flatten(const RedisReply& reply, std::string* out) {
  if (reply.type == RedisReply::Type::kArray) {
    for (const RedisReply& element : reply.elements) Flatten(element, out);
    return;
  }
  out->append(reply.type == RedisReply::Type::kInteger ? std::to_string(reply.integer) : reply.str);
  out->push_back('\0');
}

class ProfilesErasureTest : public ProfilesServiceTest {
 protected:
  // Every key in Redis and everything stored under it, flattened.
  std::map<std::string, std::string> Keyspace() {
    RedisConfig config;
    config.address = redis_->address();
    auto connection = RedisConnection::Connect(config);
    EXPECT_TRUE(connection.ok()) << connection.status();
    std::map<std::string, std::string> out;
    if (!connection.ok()) return out;
    std::string cursor = "0";
    do {
      absl::StatusOr<RedisReply> page = (*connection)->Command({"SCAN", cursor, "COUNT", "1000"});
      EXPECT_TRUE(page.ok() && page->elements.size() == 2);
      if (!page.ok() || page->elements.size() != 2) return out;
      cursor = page->elements[0].str;
      for (const RedisReply& key : page->elements[1].elements) {
        absl::StatusOr<RedisReply> type = (*connection)->Command({"TYPE", key.str});
        EXPECT_TRUE(type.ok());
        RedisArgs dump;
        if (type->str == "string") dump = {"GET", key.str};
        if (type->str == "hash") dump = {"HGETALL", key.str};
        if (type->str == "list") dump = {"LRANGE", key.str, "0", "-1"};
        if (type->str == "set") dump = {"SMEMBERS", key.str};
        if (type->str == "zset") dump = {"ZRANGE", key.str, "0", "-1", "WITHSCORES"};
        if (type->str == "stream") dump = {"XRANGE", key.str, "-", "+"};
        EXPECT_FALSE(dump.empty()) << key.str << " has type " << type->str;
        if (dump.empty()) continue;
        absl::StatusOr<RedisReply> value = (*connection)->Command(dump);
        EXPECT_TRUE(value.ok());
        Flatten(*value, &out[key.str]);
      }
    } while (cursor != "0");
    return out;
  }

  // The byte strings that would betray the person if any survived.
  static std::vector<std::pair<std::string, std::string>> Traces(const pv1::Profile& profile) {
    std::vector<std::pair<std::string, std::string>> traces = {
        {"evidence note", kDistinctiveNote},
        {"emerging skill label", kDistinctiveLabel},
        {"interest tag", kDistinctiveTag},
        {"home", profile.home().SerializeAsString()},
        {"home outcode", profile.home().outcode()},
        {"date of birth", profile.date_of_birth().SerializeAsString()},
        {"consent", profile.consent().SerializeAsString()},
        {"interests", profile.interests().SerializeAsString()},
    };
    for (const pv1::ProfileSkill& skill : profile.skills()) {
      traces.emplace_back("skill", skill.SerializeAsString());
    }
    pv1::Profile without_etag = profile;
    without_etag.clear_etag();
    traces.emplace_back("whole profile", without_etag.SerializeAsString());
    return traces;
  }

  // The keys and traces found; empty when none is left.
  std::vector<std::string> FindTraces(const pv1::Profile& profile) {
    std::vector<std::string> found;
    for (const auto& [key, contents] : Keyspace()) {
      for (const auto& [what, bytes] : Traces(profile)) {
        if (absl::StrContains(key, bytes) || absl::StrContains(contents, bytes)) {
          found.push_back(absl::StrCat(what, " in ", key));
        }
      }
    }
    return found;
  }
};

TEST_F(ProfilesErasureTest, ErasureLeavesNothingOfThePerson) {
  std::string adviser = Adviser("manchester-careers", "adviser-1");
  std::string request_id = "req-erasure-7f2c";
  pv1::Profile created;
  ASSERT_TRUE(Create(adviser, "yp-erased", MakeProfile(), &created, request_id).ok());
  // A second person, with nothing in common with the first, to show that
  // erasure is selective.
  pv1::Profile someone_else = MakeProfile();
  someone_else.mutable_date_of_birth()->set_day(27);
  someone_else.mutable_home()->set_outcode("SW1A");
  someone_else.mutable_skills(0)->set_evidence_note("another note");
  someone_else.mutable_skills(1)->set_emerging_label("another label");
  someone_else.mutable_interests()->set_tags(0, "another tag");
  pv1::Profile other;
  ASSERT_TRUE(Create(adviser, "yp-kept", someone_else, &other).ok());
  // Several change entries and audit events for the person.
  pv1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(created.name());
  update.mutable_profile()->set_etag(created.etag());
  update.mutable_profile()->set_max_travel_km(33);
  update.mutable_update_mask()->add_paths("max_travel_km");
  pv1::Profile updated;
  ASSERT_TRUE(stub_->UpdateProfile(As(adviser).get(), update, &updated).ok());
  pv1::AddSkillsRequest add;
  add.set_name(created.name());
  pv1::ProfileSkill* skill = add.add_skills();
  skill->mutable_skill()->set_skill(kSpreadsheets);
  skill->mutable_skill()->set_level(common::v1::PROFICIENCY_ADVANCED);
  skill->set_evidence(pv1::SKILL_EVIDENCE_QUALIFICATION);
  skill->set_evidence_note(kDistinctiveNote);
  ASSERT_TRUE(stub_->AddSkills(As(adviser).get(), add, &updated).ok());
  pv1::ExportProfileRequest export_request;
  export_request.set_name(created.name());
  pv1::ExportProfileResponse exported;
  ASSERT_TRUE(stub_->ExportProfile(As(adviser).get(), export_request, &exported).ok());

  // The scan does find the person while they are held (in the profile, the
  // change stream and the request-id key).
  std::vector<std::string> before = FindTraces(updated);
  EXPECT_FALSE(before.empty());
  std::map<std::string, std::string> keyspace = Keyspace();
  EXPECT_TRUE(keyspace.contains(absl::StrCat("profiles:v1:req:manchester-careers:", request_id)));

  pv1::DeleteProfileRequest remove;
  remove.set_name(created.name());
  remove.set_reason(pv1::DELETION_REASON_CONSENT_WITHDRAWN);
  pv1::DeleteProfileResponse receipt;
  ASSERT_TRUE(stub_->DeleteProfile(As(adviser).get(), remove, &receipt).ok());

  // Nothing of the person remains under any key, in any value.
  for (const pv1::Profile& version : {created, updated}) {
    std::vector<std::string> after = FindTraces(version);
    EXPECT_TRUE(after.empty()) << absl::StrJoin(after, "; ");
  }
  keyspace = Keyspace();
  for (const auto& [key, contents] : keyspace) {
    EXPECT_FALSE(absl::StrContains(key, request_id)) << key;
    EXPECT_FALSE(absl::StrContains(contents, request_id)) << key;
    // The pseudonymous name survives only in the audit log and in the
    // name-only deletion on the change feed.
    if (absl::StrContains(key, "yp-erased")) {
      EXPECT_TRUE(absl::StartsWith(key, "profiles:v1:audit:profile:")) << key;
    }
  }
  EXPECT_FALSE(keyspace.contains("profiles:v1:res:profiles/yp-erased"));
  EXPECT_FALSE(keyspace.contains("profiles:v1:entries:profiles/yp-erased"));
  EXPECT_FALSE(absl::StrContains(keyspace["profiles:v1:idx:profiles"], "yp-erased"));
  EXPECT_FALSE(absl::StrContains(keyspace["profiles:v1:idx:retention"], "yp-erased"));

  // The feed keeps the other profile's creation and the erasure, name only.
  RedisConfig config;
  config.address = redis_->address();
  auto connection = RedisConnection::Connect(config);
  ASSERT_TRUE(connection.ok());
  absl::StatusOr<RedisReply> stream =
      (*connection)->Command({"XRANGE", "profiles:v1:changes:profiles", "-", "+"});
  ASSERT_TRUE(stream.ok());
  ASSERT_EQ(stream->elements.size(), 2u);
  const RedisReply& deletion = stream->elements[1].elements[1];
  ASSERT_EQ(deletion.elements.size(), 4u);
  EXPECT_EQ(deletion.elements[1].str, "D");
  EXPECT_EQ(deletion.elements[3].str, created.name());

  // The erasure is accountable: audited with the reason, under the receipt.
  std::vector<pv1::AuditEvent> audit = AuditOf(created.name());
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit[0].name(), receipt.audit_event());
  EXPECT_EQ(audit[0].action(), pv1::AUDIT_ACTION_DELETE);
  EXPECT_EQ(audit[0].detail(), "reason=DELETION_REASON_CONSENT_WITHDRAWN");
  EXPECT_EQ(audit.back().action(), pv1::AUDIT_ACTION_CREATE);

  // The other person is untouched until erased in turn.
  pv1::Profile fetched;
  ASSERT_TRUE(Get(adviser, other.name(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), other.SerializeAsString());
  EXPECT_FALSE(FindTraces(other).empty());
  ASSERT_TRUE(Erase(adviser, other.name()).ok());
  std::vector<std::string> left = FindTraces(other);
  EXPECT_TRUE(left.empty()) << absl::StrJoin(left, "; ");
}

TEST_F(ProfilesErasureTest, RetentionPurgeErasesOnlyExpiredProfiles) {
  std::string adviser = Adviser("tameside-careers");
  pv1::Profile soon = MakeProfile();
  *soon.mutable_retention_deadline() = ToTimestamp(Now() + absl::Hours(48));
  pv1::Profile expiring;
  ASSERT_TRUE(Create(adviser, "expiring", soon, &expiring).ok());
  pv1::Profile extended;
  ASSERT_TRUE(Create(adviser, "extended", soon, &extended).ok());
  pv1::Profile lasting = MustCreate(adviser, "lasting");  // Default: two years.

  // The purge as the service runs it, on the same Redis, with the test's clock.
  profiles::ProfileStore store(&service_->host().redis());
  profiles::ProfileValidator validator(&service_->host().taxonomy(), &service_->host().geography());
  profiles::ProfileBook book(&store, &validator, profiles::kDefaultRetention,
                             [this] { return Now(); });
  absl::StatusOr<int> erased = book.PurgeExpired();
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(*erased, 0);

  // One of the two is extended before its deadline.
  pv1::UpdateProfileRequest update;
  update.mutable_profile()->set_name(extended.name());
  update.mutable_profile()->set_etag(extended.etag());
  *update.mutable_profile()->mutable_retention_deadline() =
      ToTimestamp(Now() + absl::Hours(24 * 30));
  update.mutable_update_mask()->add_paths("retention_deadline");
  pv1::Profile updated;
  ASSERT_TRUE(stub_->UpdateProfile(As(adviser).get(), update, &updated).ok());

  AdvanceClock(absl::Hours(72));
  erased = book.PurgeExpired();
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(*erased, 1);

  pv1::Profile fetched;
  EXPECT_EQ(Get(admin_, expiring.name(), &fetched).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Get(admin_, extended.name(), &fetched).ok());
  EXPECT_TRUE(Get(admin_, lasting.name(), &fetched).ok());
  EXPECT_EQ(redis_->Query({"EXISTS", "profiles:v1:entries:profiles/expiring"}), "0");

  std::vector<pv1::AuditEvent> audit = AuditOf(expiring.name());
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit[0].action(), pv1::AUDIT_ACTION_RETENTION_EXPIRED);
  EXPECT_EQ(audit[0].actor(), "system");
  EXPECT_EQ(audit[0].actor_role(), "system");

  // Nothing left to purge.
  erased = book.PurgeExpired();
  ASSERT_TRUE(erased.ok());
  EXPECT_EQ(*erased, 0);
}

// A service whose own sweeper runs every second.
class ProfilesSweeperTest : public ProfilesErasureTest {
 protected:
  profiles::ProfilesOptions Options() override {
    profiles::ProfilesOptions options = ProfilesErasureTest::Options();
    options.retention_sweep_interval = absl::Seconds(1);
    return options;
  }
};

TEST_F(ProfilesSweeperTest, TheServiceErasesExpiredProfilesByItself) {
  std::string adviser = Adviser("oldham-careers");
  pv1::Profile soon = MakeProfile();
  *soon.mutable_retention_deadline() = ToTimestamp(Now() + absl::Hours(24));
  pv1::Profile created;
  ASSERT_TRUE(Create(adviser, "short-stay", soon, &created).ok());

  // Watch for the erasure rather than wait a fixed time.
  pv1::ListProfilesRequest list;
  pv1::ListProfilesResponse listed;
  ASSERT_TRUE(stub_->ListProfiles(As(admin_).get(), list, &listed).ok());
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + admin_);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  pv1::WatchProfilesRequest watch;
  *watch.mutable_start_revision() = listed.revision();
  auto reader = stub_->WatchProfiles(&context, watch);

  AdvanceClock(absl::Hours(25));
  pv1::ProfileChange change;
  ASSERT_TRUE(reader->Read(&change)) << reader->Finish().error_message();
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(change.name(), created.name());
  context.TryCancel();
  while (reader->Read(&change)) {
  }
  reader->Finish();

  pv1::Profile fetched;
  EXPECT_EQ(Get(admin_, created.name(), &fetched).error_code(), grpc::StatusCode::NOT_FOUND);
  std::vector<pv1::AuditEvent> audit = AuditOf(created.name());
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit[0].action(), pv1::AUDIT_ACTION_RETENTION_EXPIRED);
}

}  // namespace
}  // namespace pathways::testing
