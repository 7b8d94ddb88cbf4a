// How errors cross boundaries: Redis error replies to absl::Status, absl to
// gRPC and back; and the pure helpers of the resource store.
#include <grpcpp/support/status.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pathways/training/v1/training_service.pb.h"
#include "services/common/grpc_status.h"
#include "services/common/redis.h"
#include "services/common/resource_store.h"

namespace pathways {
namespace {

using ::testing::HasSubstr;

// --- Redis error replies ---

TEST(StatusFromRedisErrorTest, ScriptCodesBecomeThatStatus) {
  const std::pair<const char*, absl::StatusCode> kCases[] = {
      {"INVALID_ARGUMENT bad x", absl::StatusCode::kInvalidArgument},
      {"NOT_FOUND providers/acme", absl::StatusCode::kNotFound},
      {"ALREADY_EXISTS providers/acme", absl::StatusCode::kAlreadyExists},
      {"FAILED_PRECONDITION providers/acme has courses", absl::StatusCode::kFailedPrecondition},
      {"ABORTED etag mismatch", absl::StatusCode::kAborted},
      {"OUT_OF_RANGE revision", absl::StatusCode::kOutOfRange},
      {"PERMISSION_DENIED not yours", absl::StatusCode::kPermissionDenied},
  };
  for (const auto& [error, code] : kCases) {
    EXPECT_EQ(StatusFromRedisError(error).code(), code) << error;
  }
}

TEST(StatusFromRedisErrorTest, MessageIsWhatFollowsTheCode) {
  absl::Status not_found = StatusFromRedisError("NOT_FOUND providers/acme/courses/c1");
  EXPECT_EQ(not_found.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(not_found.message(), "providers/acme/courses/c1");

  absl::Status aborted = StatusFromRedisError("ABORTED x");
  EXPECT_EQ(aborted.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(aborted.message(), "x");
}

TEST(StatusFromRedisErrorTest, CodeWrappedByAnOlderServer) {
  absl::Status status = StatusFromRedisError(
      "ERR Error running script (call to f_0123): @user_script:12: NOT_FOUND providers/acme");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "providers/acme");
}

TEST(StatusFromRedisErrorTest, EarliestCodeWinsWhenTheMessageNamesAnother) {
  absl::Status status = StatusFromRedisError("ABORTED x was NOT_FOUND earlier");
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status.message(), "x was NOT_FOUND earlier");
}

TEST(StatusFromRedisErrorTest, CodeMustStartAWord) {
  absl::Status status = StatusFromRedisError("ERR XNOT_FOUND y");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
}

TEST(StatusFromRedisErrorTest, PassingServerStatesAreUnavailable) {
  for (const char* error :
       {"LOADING Redis is loading the dataset in memory", "LOADING",
        "BUSY Redis is busy running a script", "MASTERDOWN Link with MASTER is down",
        "TRYAGAIN Multiple keys request during rehashing of slot"}) {
    absl::Status status = StatusFromRedisError(error);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << error;
    EXPECT_THAT(std::string(status.message()), HasSubstr(error));
  }
}

TEST(StatusFromRedisErrorTest, OtherErrorsAreInternal) {
  for (const char* error : {"ERR foo", "WRONGTYPE Operation against a key holding the wrong kind",
                            "NOSCRIPT No matching script", ""}) {
    absl::Status status = StatusFromRedisError(error);
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << error;
    EXPECT_THAT(std::string(status.message()), HasSubstr("redis")) << error;
  }
  EXPECT_THAT(std::string(StatusFromRedisError("ERR foo").message()), HasSubstr("ERR foo"));
}

// --- absl::Status <-> grpc::Status ---

TEST(GrpcStatusTest, EveryCodeAndMessageRoundTrips) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
  const std::pair<absl::StatusCode, grpc::StatusCode> kCodes[] = {
      {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
      {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN},
      {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
      {absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
      {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
      {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
      {absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
      {absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
      {absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
      {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
      {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
      {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED},
      {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL},
      {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
      {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
      {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED},
  };
  for (const auto& [absl_code, grpc_code] : kCodes) {
    absl::Status status(absl_code, "course.title is required");
    grpc::Status grpc_status = ToGrpcStatus(status);
    EXPECT_EQ(grpc_status.error_code(), grpc_code) << status;
    EXPECT_EQ(grpc_status.error_message(), "course.title is required");
    EXPECT_EQ(FromGrpcStatus(grpc_status), status);
  }
}

// --- Resource store helpers ---

TEST(RevisionBeforeTest, ComparesMillisecondsThenSequence) {
  EXPECT_TRUE(RevisionBefore("0-0", "0-1"));
  EXPECT_TRUE(RevisionBefore("1700000000000-5", "1700000000000-6"));
  EXPECT_TRUE(RevisionBefore("1700000000000-99", "1700000000001-0"));
  // Numerically, not as text.
  EXPECT_TRUE(RevisionBefore("9-0", "10-0"));
  EXPECT_TRUE(RevisionBefore("5-9", "5-10"));
  EXPECT_FALSE(RevisionBefore("5-10", "5-10"));
  EXPECT_FALSE(RevisionBefore("6-0", "5-10"));
}

TEST(ResourceCodingTest, EtagTravelsBesideTheBytes) {
  training::v1::Course course;
  course.set_name("providers/acme/courses/c1");
  course.set_title("Bookkeeping");
  course.set_etag("stale-etag");

  StoredResource stored = EncodeResource(course, "fresh-etag");
  EXPECT_EQ(stored.name, "providers/acme/courses/c1");
  EXPECT_EQ(stored.etag, "fresh-etag");
  training::v1::Course bytes_only;
  ASSERT_TRUE(bytes_only.ParseFromString(stored.data));
  EXPECT_EQ(bytes_only.etag(), "") << "the etag is not stored in the bytes";
  EXPECT_EQ(bytes_only.title(), "Bookkeeping");

  absl::StatusOr<training::v1::Course> decoded = DecodeResource<training::v1::Course>(stored);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->name(), "providers/acme/courses/c1");
  EXPECT_EQ(decoded->title(), "Bookkeeping");
  EXPECT_EQ(decoded->etag(), "fresh-etag");
}

TEST(ResourceCodingTest, UnparseableBytesAreDataLoss) {
  StoredResource stored{"providers/acme/courses/c1", std::string("\xff\xff\xff", 3), "e"};
  absl::StatusOr<training::v1::Course> decoded = DecodeResource<training::v1::Course>(stored);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(decoded.status().message()), HasSubstr("providers/acme/courses/c1"));
}

TEST(ResourceStoreTest, NewEtagsDiffer) {
  std::string a = ResourceStore::NewEtag();
  std::string b = ResourceStore::NewEtag();
  EXPECT_FALSE(a.empty());
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace pathways
