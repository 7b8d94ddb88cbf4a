// Redis failures: UNAVAILABLE while it is down, recovery when it returns, and
// no acknowledged write lost across a crash.
#include "absl/strings/str_cat.h"
#include "tests/integration/training_fixture.h"

namespace pathways::testing {
namespace {

using TrainingResilienceTest = TrainingServiceTest;

TEST_F(TrainingResilienceTest, RedisCrashIsUnavailableThenRecoversWithNothingLost) {
  CreateProvider("wigan-and-leigh");
  std::string token = ProviderToken("wigan-and-leigh");
  constexpr int kAcknowledged = 50;
  for (int i = 0; i < kAcknowledged; ++i) {
    tv1::Course course;
    grpc::Status status =
        CreateCourse(token, "wigan-and-leigh", absl::StrCat("c", i), MakeCourse(), &course);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  redis_->Kill();  // A crash, not a clean shutdown.

  tv1::Course course;
  grpc::Status down = CreateCourse(token, "wigan-and-leigh", "during", MakeCourse(), &course);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();
  tv1::GetCourseRequest get;
  get.set_name("providers/wigan-and-leigh/courses/c0");
  EXPECT_EQ(stub_->GetCourse(As(token).get(), get, &course).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  ASSERT_NO_FATAL_FAILURE(ExpectOutageThenRestartRedis());

  // Every acknowledged write survived; the refused one left nothing behind.
  for (int i = 0; i < kAcknowledged; ++i) {
    get.set_name(absl::StrCat("providers/wigan-and-leigh/courses/c", i));
    grpc::Status status = stub_->GetCourse(As(token).get(), get, &course);
    ASSERT_TRUE(status.ok()) << get.name() << ": " << status.error_message();
  }
  get.set_name("providers/wigan-and-leigh/courses/during");
  EXPECT_EQ(stub_->GetCourse(As(token).get(), get, &course).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(redis_->Query({"XLEN", "training:v1:changes:courses"}), std::to_string(kAcknowledged));

  // And writes work again.
  ASSERT_TRUE(CreateCourse(token, "wigan-and-leigh", "after", MakeCourse(), &course).ok());
}

TEST_F(TrainingResilienceTest, WatchEndsUnavailableWhenRedisGoesAndResumesAfter) {
  CreateProvider("rochdale-sixth-form");
  std::string token = ProviderToken("rochdale-sixth-form");
  tv1::Course first;
  ASSERT_TRUE(CreateCourse(token, "rochdale-sixth-form", "first", MakeCourse(), &first).ok());

  auto context = As(admin_);
  tv1::WatchCoursesRequest request;
  request.mutable_start_revision()->set_token("0-0");
  auto reader = stub_->WatchCourses(context.get(), request);
  tv1::CourseChange change;
  ASSERT_TRUE(reader->Read(&change));
  std::string seen = change.revision().token();

  ASSERT_NO_FATAL_FAILURE(CrashRedisUnderWatch(reader.get()));
  tv1::Course second;
  ASSERT_TRUE(CreateCourse(token, "rochdale-sixth-form", "second", MakeCourse(), &second).ok());
  auto again = As(admin_);
  request.mutable_start_revision()->set_token(seen);
  auto resumed = stub_->WatchCourses(again.get(), request);
  ASSERT_TRUE(resumed->Read(&change));
  EXPECT_EQ(change.name(), second.name());
  again->TryCancel();
}

}  // namespace
}  // namespace pathways::testing
