// The training service end to end: real gRPC channel, real Redis.
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/integration/training_fixture.h"

namespace pathways::testing {
namespace {

TEST_F(TrainingServiceTest, CourseLifecycle) {
  CreateProvider("tameside-college");
  std::string token = ProviderToken("tameside-college");

  tv1::Course course = MakeCourse();
  course.mutable_skills_taught(0)->set_skill(kHeatPumpFeasibilityUuid);  // Bare UUID.
  course.mutable_venue()->set_outcode("m1 1ae");                         // Full postcode.
  tv1::Course created;
  ASSERT_TRUE(CreateCourse(token, "tameside-college", "heat-pumps", course, &created).ok());
  EXPECT_EQ(created.name(), "providers/tameside-college/courses/heat-pumps");
  EXPECT_EQ(created.skills_taught(0).skill(),
            absl::StrCat("http://data.europa.eu/esco/skill/", kHeatPumpFeasibilityUuid));
  EXPECT_EQ(created.venue().outcode(), "M1");
  EXPECT_FALSE(created.etag().empty());
  EXPECT_GT(created.create_time().seconds(), 0);

  tv1::GetCourseRequest get;
  get.set_name(created.name());
  tv1::Course fetched;
  ASSERT_TRUE(stub_->GetCourse(As(admin_).get(), get, &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());

  tv1::UpdateCourseRequest update;
  update.mutable_course()->set_name(created.name());
  update.mutable_course()->set_etag(created.etag());
  update.mutable_course()->set_places(5);
  update.mutable_course()->set_title("Changed but not in the mask");
  update.mutable_update_mask()->add_paths("places");
  tv1::Course updated;
  grpc::Status status = stub_->UpdateCourse(As(token).get(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.places(), 5);
  EXPECT_EQ(updated.title(), course.title());
  EXPECT_NE(updated.etag(), created.etag());

  tv1::DeleteCourseRequest remove;
  remove.set_name(created.name());
  remove.set_etag(updated.etag());
  tv1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->DeleteCourse(As(token).get(), remove, &deleted).ok());
  EXPECT_EQ(stub_->GetCourse(As(admin_).get(), get, &fetched).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(stub_->DeleteCourse(As(token).get(), remove, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(TrainingServiceTest, StaleEtagIsAborted) {
  CreateProvider("bolton-college");
  std::string token = ProviderToken("bolton-college");
  tv1::Course created;
  ASSERT_TRUE(CreateCourse(token, "bolton-college", "ev", MakeCourse(), &created).ok());

  tv1::UpdateCourseRequest first;
  first.mutable_course()->set_name(created.name());
  first.mutable_course()->set_etag(created.etag());
  first.mutable_course()->set_places(7);
  first.mutable_update_mask()->add_paths("places");
  tv1::Course after_first;
  ASSERT_TRUE(stub_->UpdateCourse(As(token).get(), first, &after_first).ok());

  // A second writer still holding the first etag must not overwrite.
  tv1::UpdateCourseRequest stale = first;
  stale.mutable_course()->set_places(9);
  tv1::Course ignored;
  grpc::Status status = stub_->UpdateCourse(As(token).get(), stale, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();

  tv1::DeleteCourseRequest remove;
  remove.set_name(created.name());
  remove.set_etag(created.etag());
  tv1::DeleteResponse deleted;
  EXPECT_EQ(stub_->DeleteCourse(As(token).get(), remove, &deleted).error_code(),
            grpc::StatusCode::ABORTED);

  tv1::GetCourseRequest get;
  get.set_name(created.name());
  tv1::Course now;
  ASSERT_TRUE(stub_->GetCourse(As(token).get(), get, &now).ok());
  EXPECT_EQ(now.places(), 7);
}

TEST_F(TrainingServiceTest, RetriedCreateWithSameRequestIdCreatesOnce) {
  CreateProvider("salford-city");
  std::string token = ProviderToken("salford-city");
  tv1::Course first, second;
  ASSERT_TRUE(CreateCourse(token, "salford-city", "data", MakeCourse(), &first, "req-1").ok());
  grpc::Status retry = CreateCourse(token, "salford-city", "data", MakeCourse(), &second, "req-1");
  ASSERT_TRUE(retry.ok()) << retry.error_message();
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  EXPECT_EQ(redis_->Query({"XLEN", "training:v1:changes:courses"}), "1");

  // Without the request id, the same create is a conflict.
  EXPECT_EQ(CreateCourse(token, "salford-city", "data", MakeCourse(), &second).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(TrainingServiceTest, ProvidersMayChangeOnlyTheirOwnCourses) {
  CreateProvider("oldham-college");
  CreateProvider("wigan-college");
  tv1::Course course;
  EXPECT_EQ(
      CreateCourse(ProviderToken("wigan-college"), "oldham-college", "x", MakeCourse(), &course)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CreateCourse(service_->Token(Role::kAdviser, "oldham-college"), "oldham-college", "x",
                         MakeCourse(), &course)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(
      CreateCourse(ProviderToken("oldham-college"), "oldham-college", "x", MakeCourse(), &course)
          .ok());

  tv1::DeleteCourseRequest remove;
  remove.set_name(course.name());
  tv1::DeleteResponse deleted;
  EXPECT_EQ(
      stub_->DeleteCourse(As(ProviderToken("wigan-college")).get(), remove, &deleted).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  tv1::CreateProviderRequest provider;
  provider.set_provider_id("rogue");
  provider.mutable_provider()->set_display_name("Rogue");
  provider.mutable_provider()->mutable_location()->set_outcode("M1");
  tv1::Provider created;
  EXPECT_EQ(stub_->CreateProvider(As(ProviderToken("wigan-college")).get(), provider, &created)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(TrainingServiceTest, CallsWithoutAValidTokenAreUnauthenticated) {
  tv1::GetCourseRequest get;
  get.set_name("providers/a/courses/b");
  tv1::Course course;
  grpc::ClientContext no_token;
  EXPECT_EQ(stub_->GetCourse(&no_token, get, &course).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  TokenAuthority other("another-deployment-secret-0123456789abcdef");
  std::string forged = other.Issue(Principal{Role::kAdmin, "x", "y"}, absl::Hours(1));
  EXPECT_EQ(stub_->GetCourse(As(forged).get(), get, &course).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TrainingServiceTest, BadInputNamesTheFieldAndWritesNothing) {
  CreateProvider("trafford-college");
  std::string token = ProviderToken("trafford-college");
  tv1::Course course = MakeCourse();
  course.mutable_skills_taught(0)->set_skill("http://data.europa.eu/esco/skill/not-a-skill");
  tv1::Course response;
  grpc::Status status = CreateCourse(token, "trafford-college", "bad", course, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("course.skills_taught[0].skill"), std::string::npos)
      << status.error_message();

  course = MakeCourse();
  course.set_duration_weeks(0);
  status = CreateCourse(token, "trafford-college", "bad", course, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("course.duration_weeks"), std::string::npos);

  status = CreateCourse(token, "trafford-college", "Bad_Id", MakeCourse(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("course_id"), std::string::npos);

  tv1::GetCourseRequest get;
  get.set_name("providers/trafford-college/modules/x");
  EXPECT_EQ(stub_->GetCourse(As(token).get(), get, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  tv1::ListCoursesRequest list;
  list.set_parent("providers/-");
  list.set_page_token("not-a-token");
  tv1::ListCoursesResponse page;
  status = stub_->ListCourses(As(token).get(), list, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("page_token"), std::string::npos);

  // A batch with one bad course is refused whole, naming the item.
  tv1::BatchCreateCoursesRequest batch;
  batch.set_parent("providers/trafford-college");
  for (int i = 0; i < 3; ++i) {
    auto* item = batch.add_requests();
    item->set_course_id(absl::StrCat("c", i));
    *item->mutable_course() = MakeCourse();
  }
  batch.mutable_requests(2)->mutable_course()->set_hours_per_week(99);
  tv1::BatchCreateCoursesResponse created;
  status = stub_->BatchCreateCourses(As(token).get(), batch, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("requests[2].course.hours_per_week"), std::string::npos)
      << status.error_message();

  // Nothing of any refused write reached Redis.
  EXPECT_EQ(redis_->Query({"EXISTS", "training:v1:changes:courses"}), "0");
  EXPECT_EQ(redis_->Query({"ZCARD", "training:v1:idx:courses"}), "0");
}

TEST_F(TrainingServiceTest, BatchCollisionRefusesTheWholeBatch) {
  CreateProvider("hopwood-hall");
  std::string token = ProviderToken("hopwood-hall");
  tv1::Course existing;
  ASSERT_TRUE(CreateCourse(token, "hopwood-hall", "c1", MakeCourse(), &existing).ok());
  tv1::BatchCreateCoursesRequest batch;
  batch.set_parent("providers/hopwood-hall");
  for (int i = 0; i < 3; ++i) {
    auto* item = batch.add_requests();
    item->set_course_id(absl::StrCat("c", i));
    *item->mutable_course() = MakeCourse();
  }
  tv1::BatchCreateCoursesResponse created;
  grpc::Status status = stub_->BatchCreateCourses(As(token).get(), batch, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_NE(status.error_message().find("requests[1]"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(redis_->Query({"ZCARD", "training:v1:idx:courses"}), "1");
}

TEST_F(TrainingServiceTest, PaginatesThroughTwoAndAHalfThousandCourses) {
  constexpr int kCourses = 2500;
  CreateProvider("the-manchester-college");
  CreateProvider("ao-college");
  std::string token = ProviderToken("the-manchester-college");
  for (int batch_start = 0; batch_start < kCourses; batch_start += 1000) {
    tv1::BatchCreateCoursesRequest batch;
    batch.set_parent("providers/the-manchester-college");
    for (int i = batch_start; i < std::min(kCourses, batch_start + 1000); ++i) {
      auto* item = batch.add_requests();
      item->set_course_id(absl::StrFormat("course-%05d", i));
      *item->mutable_course() = MakeCourse();
      if (i % 10 == 0) {
        item->mutable_course()->mutable_skills_taught(0)->set_skill(kOnlineDataAnalysis);
      }
    }
    tv1::BatchCreateCoursesResponse created;
    grpc::Status status = stub_->BatchCreateCourses(As(token).get(), batch, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(created.courses_size(), batch.requests_size());
  }
  tv1::Course other;
  ASSERT_TRUE(
      CreateCourse(ProviderToken("ao-college"), "ao-college", "elsewhere", MakeCourse(), &other)
          .ok());

  // Every course of one provider exactly once, in name order.
  std::set<std::string> seen;
  std::string previous, token_in;
  int pages = 0;
  do {
    tv1::ListCoursesRequest list;
    list.set_parent("providers/the-manchester-college");
    list.set_page_size(300);
    list.set_page_token(token_in);
    tv1::ListCoursesResponse page;
    grpc::Status status = stub_->ListCourses(As(admin_).get(), list, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_LE(page.courses_size(), 300);
    for (const tv1::Course& course : page.courses()) {
      EXPECT_LT(previous, course.name());
      previous = course.name();
      EXPECT_TRUE(seen.insert(course.name()).second);
    }
    token_in = page.next_page_token();
    ++pages;
  } while (!token_in.empty());
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCourses));
  EXPECT_EQ(pages, 9);

  // Across providers, filtered by skill: only matching courses, all of them.
  int matching = 0;
  token_in.clear();
  do {
    tv1::ListCoursesRequest list;
    list.set_parent("providers/-");
    list.set_skill(kOnlineDataAnalysis);
    list.set_page_size(100);
    list.set_page_token(token_in);
    tv1::ListCoursesResponse page;
    ASSERT_TRUE(stub_->ListCourses(As(admin_).get(), list, &page).ok());
    for (const tv1::Course& course : page.courses()) {
      ASSERT_EQ(course.skills_taught(0).skill(), kOnlineDataAnalysis);
      ++matching;
    }
    token_in = page.next_page_token();
  } while (!token_in.empty());
  EXPECT_EQ(matching, kCourses / 10);

  // A token from one query is refused for another.
  tv1::ListCoursesRequest first;
  first.set_parent("providers/-");
  first.set_page_size(10);
  tv1::ListCoursesResponse first_page;
  ASSERT_TRUE(stub_->ListCourses(As(admin_).get(), first, &first_page).ok());
  ASSERT_FALSE(first_page.next_page_token().empty());
  tv1::ListCoursesRequest changed = first;
  changed.set_page_token(first_page.next_page_token());
  changed.set_outcode("BL1");
  EXPECT_EQ(stub_->ListCourses(As(admin_).get(), changed, &first_page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(TrainingServiceTest, ProviderWithCoursesCannotBeDeleted) {
  CreateProvider("stockport-college");
  tv1::Course course;
  ASSERT_TRUE(CreateCourse(ProviderToken("stockport-college"), "stockport-college", "c",
                           MakeCourse(), &course)
                  .ok());
  tv1::DeleteProviderRequest remove;
  remove.set_name("providers/stockport-college");
  tv1::DeleteResponse deleted;
  EXPECT_EQ(stub_->DeleteProvider(As(admin_).get(), remove, &deleted).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  tv1::CreateCourseRequest orphan;
  orphan.set_parent("providers/no-such-provider");
  orphan.set_course_id("c");
  *orphan.mutable_course() = MakeCourse();
  EXPECT_EQ(stub_->CreateCourse(As(admin_).get(), orphan, &course).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace pathways::testing
