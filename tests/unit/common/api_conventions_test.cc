#include "services/common/api_conventions.h"

#include <google/protobuf/field_mask.pb.h>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pathways/training/v1/training_service.pb.h"

namespace pathways {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using training::v1::Course;

google::protobuf::FieldMask Mask(std::initializer_list<const char*> paths) {
  google::protobuf::FieldMask mask;
  for (const char* path : paths) mask.add_paths(path);
  return mask;
}

// --- Ids and resource names ---

TEST(ValidateIdTest, AcceptsLowerCaseIdsStartingWithALetter) {
  for (absl::string_view id : {"a", "acme", "acme-college-2", "x1", "a-b-c"}) {
    EXPECT_TRUE(ValidateId("provider_id", id).ok()) << id;
  }
  EXPECT_TRUE(ValidateId("provider_id", std::string(63, 'a')).ok());
}

TEST(ValidateIdTest, RejectsBadIdsNamingTheField) {
  for (absl::string_view id :
       {"", "1acme", "-acme", "acme-", "Acme", "ac_me", "ac me", "acme.", "ac/me", "é"}) {
    absl::Status status = ValidateId("provider_id", id);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << id;
    EXPECT_THAT(std::string(status.message()), StartsWith("provider_id ")) << id;
  }
  EXPECT_EQ(ValidateId("provider_id", std::string(64, 'a')).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseResourceNameTest, SplitsNamesIntoIds) {
  absl::StatusOr<std::vector<std::string>> one =
      ParseResourceName("name", "providers/acme", {"providers"});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_THAT(*one, ElementsAre("acme"));

  absl::StatusOr<std::vector<std::string>> two =
      ParseResourceName("name", "providers/acme/courses/web-dev-1", {"providers", "courses"});
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_THAT(*two, ElementsAre("acme", "web-dev-1"));
}

TEST(ParseResourceNameTest, RejectsBadNamesShowingThePattern) {
  for (absl::string_view name :
       {"providers", "providers/", "providers/acme/courses", "providers/acme/courses/",
        "provider/acme/courses/c1", "providers/acme/course/c1", "providers/Acme/courses/c1",
        "/providers/acme/courses/c1", "providers/acme/courses/c1/", "providers/acme/courses/c1/x/y",
        "providers//courses/c1", "providers/-/courses/c1"}) {
    absl::StatusOr<std::vector<std::string>> ids =
        ParseResourceName("course.name", name, {"providers", "courses"});
    ASSERT_FALSE(ids.ok()) << name;
    EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(std::string(ids.status().message()), StartsWith("course.name ")) << name;
    EXPECT_THAT(std::string(ids.status().message()), HasSubstr("providers/{id}/courses/{id}"))
        << name;
  }
}

TEST(ParseResourceNameTest, EmptyNameIsRequired) {
  absl::StatusOr<std::vector<std::string>> ids = ParseResourceName("parent", "", {"providers"});
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ids.status().message()), StartsWith("parent is required"));
}

TEST(ParseResourceNameTest, WildcardOnlyWhereAllowed) {
  absl::StatusOr<std::vector<std::string>> every =
      ParseResourceName("parent", "providers/-", {"providers"}, /*allow_wildcard=*/true);
  ASSERT_TRUE(every.ok()) << every.status();
  EXPECT_THAT(*every, ElementsAre("-"));

  EXPECT_FALSE(ParseResourceName("parent", "providers/-", {"providers"}).ok());
  // Other dashes are still ids and still checked.
  EXPECT_FALSE(
      ParseResourceName("parent", "providers/--", {"providers"}, /*allow_wildcard=*/true).ok());
}

// --- Pages ---

TEST(PageSizeTest, DefaultsCapsAndRejectsNegative) {
  EXPECT_EQ(PageSize(0).value(), 50);
  EXPECT_EQ(PageSize(1).value(), 1);
  EXPECT_EQ(PageSize(1000).value(), 1000);
  EXPECT_EQ(PageSize(1001).value(), 1000);
  EXPECT_EQ(PageSize(5000).value(), 1000);
  absl::StatusOr<int> negative = PageSize(-1);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(negative.status().message()), HasSubstr("page_size"));
}

TEST(PageTokenTest, RoundTripsTheLastName) {
  const std::string query = "parent=providers/-&skill=abc";
  for (absl::string_view last : {"providers/acme", "providers/acme/courses/c:1", "x"}) {
    std::string token = EncodePageToken(query, last);
    // Safe to put in a URL or a header as it is.
    EXPECT_EQ(token.find_first_of("+/= "), std::string::npos) << token;
    absl::StatusOr<std::string> decoded = DecodePageToken(token, query);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, last);
  }
}

TEST(PageTokenTest, RejectsATokenFromAnotherQuery) {
  std::string token = EncodePageToken("parent=providers/a", "providers/a/courses/c1");
  absl::StatusOr<std::string> decoded = DecodePageToken(token, "parent=providers/b");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(decoded.status().message()), HasSubstr("different query"));
}

TEST(PageTokenTest, RejectsGarbage) {
  std::string foreign_version, no_name, too_few;
  absl::WebSafeBase64Escape("p2:123:providers/a", &foreign_version);
  absl::WebSafeBase64Escape("p1:123:", &no_name);
  absl::WebSafeBase64Escape("p1:providers/a", &too_few);
  for (const std::string& token :
       {std::string(""), std::string("garbage!"), std::string("bm90IGEgdG9rZW4"), foreign_version,
        no_name, too_few}) {
    absl::StatusOr<std::string> decoded = DecodePageToken(token, "q");
    ASSERT_FALSE(decoded.ok()) << token;
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << token;
    EXPECT_THAT(std::string(decoded.status().message()), HasSubstr("page_token")) << token;
  }
}

// --- Request ids ---

TEST(ValidateRequestIdTest, EmptyOrPrintableAsciiUpTo64) {
  EXPECT_TRUE(ValidateRequestId("request_id", "").ok());
  EXPECT_TRUE(ValidateRequestId("request_id", "7f0c2a1e-3b9d-4c55-9a0e-1f2d3c4b5a69").ok());
  EXPECT_TRUE(ValidateRequestId("request_id", std::string(64, '~')).ok());
  for (const std::string& bad :
       {std::string(65, 'a'), std::string("has space"), std::string("tab\there"),
        std::string("caf\xc3\xa9"), std::string("nul\0byte", 8), std::string("del\x7f")}) {
    absl::Status status = ValidateRequestId("requests[2].request_id", bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(status.message()), StartsWith("requests[2].request_id ")) << bad;
  }
}

// --- Update masks ---

TEST(ValidateUpdateMaskTest, AcceptsSettableFields) {
  EXPECT_TRUE(ValidateUpdateMask(Mask({"title", "skills_taught", "venue"}), Course::descriptor(),
                                 {"name", "etag", "create_time", "update_time"})
                  .ok());
  EXPECT_TRUE(ValidateUpdateMask(Mask({"venue.outcode", "entry_requirements.min_age"}),
                                 Course::descriptor(), {"name", "etag"})
                  .ok());
}

TEST(ValidateUpdateMaskTest, RejectsUnknownFieldsNamingThePath) {
  for (const char* path : {"colour", "venue.postcode", "title.length", "skills_taught.skill", "",
                           ".", "title.", ".title", "venue..outcode"}) {
    absl::Status status =
        ValidateUpdateMask(Mask({"title", path}), Course::descriptor(), {"name", "etag"});
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << path;
    EXPECT_THAT(std::string(status.message()), HasSubstr("update_mask.paths[1]")) << path;
  }
}

TEST(ValidateUpdateMaskTest, RejectsOutputOnlyFields) {
  for (const char* path : {"name", "etag", "create_time", "update_time.seconds"}) {
    absl::Status status = ValidateUpdateMask(Mask({path}), Course::descriptor(),
                                             {"name", "etag", "create_time", "update_time"});
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << path;
    EXPECT_THAT(std::string(status.message()), HasSubstr("update_mask.paths[0]")) << path;
    EXPECT_THAT(std::string(status.message()), HasSubstr(path));
  }
}

TEST(ValidateUpdateMaskTest, EmptyMaskIsRequired) {
  absl::Status status = ValidateUpdateMask(Mask({}), Course::descriptor(), {});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("update_mask is required"));
}

Course StoredCourse() {
  Course course;
  course.set_name("providers/acme/courses/c1");
  course.set_title("Old title");
  course.set_description("Old description");
  for (const char* skill : {"s1", "s2", "s3"}) course.add_skills_taught()->set_skill(skill);
  course.mutable_venue()->set_outcode("M1");
  course.add_funding(training::v1::FUNDING_SELF_FUNDED);
  course.set_places(12);
  return course;
}

TEST(ApplyUpdateMaskTest, CopiesOnlyMaskedFields) {
  Course target = StoredCourse();
  Course source;
  source.set_title("New title");
  source.set_description("Ignored: not in the mask");
  source.set_places(30);
  ApplyUpdateMask(Mask({"title", "places"}), source, &target);
  EXPECT_EQ(target.title(), "New title");
  EXPECT_EQ(target.places(), 30);
  EXPECT_EQ(target.description(), "Old description");
  EXPECT_EQ(target.name(), "providers/acme/courses/c1");
  EXPECT_EQ(target.skills_taught_size(), 3);
}

TEST(ApplyUpdateMaskTest, ReplacesRepeatedFieldsInsteadOfAppending) {
  Course target = StoredCourse();
  Course source;
  source.add_skills_taught()->set_skill("s9");
  source.add_funding(training::v1::FUNDING_EMPLOYER);
  ApplyUpdateMask(Mask({"skills_taught", "funding"}), source, &target);
  ASSERT_EQ(target.skills_taught_size(), 1);
  EXPECT_EQ(target.skills_taught(0).skill(), "s9");
  ASSERT_EQ(target.funding_size(), 1);
  EXPECT_EQ(target.funding(0), training::v1::FUNDING_EMPLOYER);
}

TEST(ApplyUpdateMaskTest, MaskedFieldsMissingFromSourceAreCleared) {
  Course target = StoredCourse();
  ApplyUpdateMask(Mask({"description", "skills_taught", "places"}), Course(), &target);
  EXPECT_EQ(target.description(), "");
  EXPECT_EQ(target.skills_taught_size(), 0);
  EXPECT_EQ(target.places(), 0);
  EXPECT_EQ(target.title(), "Old title");
}

TEST(ApplyUpdateMaskTest, ReplacesMessageFieldsAndNestedPaths) {
  Course target = StoredCourse();
  Course source;
  source.mutable_venue()->set_outcode("WA14");
  source.mutable_entry_requirements()->set_min_age(16);
  ApplyUpdateMask(Mask({"venue", "entry_requirements.min_age"}), source, &target);
  EXPECT_EQ(target.venue().outcode(), "WA14");
  EXPECT_EQ(target.entry_requirements().min_age(), 16);
}

// --- Timestamps ---

TEST(ToTimestampTest, TimesBeforeTheEpochKeepNanosPositive) {
  google::protobuf::Timestamp before = ToTimestamp(absl::UnixEpoch() - absl::Milliseconds(1500));
  EXPECT_EQ(before.seconds(), -2);
  EXPECT_EQ(before.nanos(), 500'000'000);
}

TEST(ToTimestampTest, SplitsSecondsAndNanos) {
  google::protobuf::Timestamp epoch = ToTimestamp(absl::UnixEpoch());
  EXPECT_EQ(epoch.seconds(), 0);
  EXPECT_EQ(epoch.nanos(), 0);

  google::protobuf::Timestamp later =
      ToTimestamp(absl::FromUnixSeconds(1'700'000'000) + absl::Nanoseconds(250'000'001));
  EXPECT_EQ(later.seconds(), 1'700'000'000);
  EXPECT_EQ(later.nanos(), 250'000'001);
}

}  // namespace
}  // namespace pathways
