// The course change feed: ordered, resumable from any revision it handed out.
#include "absl/strings/str_cat.h"
#include "tests/integration/training_fixture.h"

namespace pathways::testing {
namespace {

class TrainingWatchTest : public TrainingServiceTest {
 protected:
  std::unique_ptr<grpc::ClientReader<tv1::CourseChange>> Watch(grpc::ClientContext* context,
                                                               const std::string& revision) {
    tv1::WatchCoursesRequest request;
    request.mutable_start_revision()->set_token(revision);
    return stub_->WatchCourses(context, request);
  }

  std::string ListRevision() {
    tv1::ListCoursesRequest list;
    list.set_parent("providers/-");
    tv1::ListCoursesResponse page;
    grpc::Status status = stub_->ListCourses(As(admin_).get(), list, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return page.revision().token();
  }
};

TEST_F(TrainingWatchTest, StreamsChangesInOrderAndResumesAfterReconnect) {
  CreateProvider("cheadle-college");
  std::string token = ProviderToken("cheadle-college");
  std::string start = ListRevision();
  ASSERT_FALSE(start.empty());

  auto context = As(service_->Token(Role::kService, "matcher"));
  auto reader = Watch(context.get(), start);

  tv1::Course a, b;
  ASSERT_TRUE(CreateCourse(token, "cheadle-college", "a", MakeCourse("A"), &a).ok());
  ASSERT_TRUE(CreateCourse(token, "cheadle-college", "b", MakeCourse("B"), &b).ok());

  tv1::CourseChange change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(change.name(), a.name());
  EXPECT_EQ(change.course().title(), "A");
  EXPECT_EQ(change.course().etag(), a.etag());
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.name(), b.name());
  std::string resume_from = change.revision().token();

  // The watcher goes away (a matcher restart) and changes carry on.
  CancelWatch(context.get(), reader.get());

  tv1::UpdateCourseRequest update;
  update.mutable_course()->set_name(a.name());
  update.mutable_course()->set_etag(a.etag());
  update.mutable_course()->set_places(1);
  update.mutable_update_mask()->add_paths("places");
  tv1::Course updated;
  ASSERT_TRUE(stub_->UpdateCourse(As(token).get(), update, &updated).ok());
  tv1::DeleteCourseRequest remove;
  remove.set_name(b.name());
  tv1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->DeleteCourse(As(token).get(), remove, &deleted).ok());

  // Resuming from the last revision seen delivers exactly what was missed.
  auto resumed_context = As(service_->Token(Role::kService, "matcher"));
  auto resumed = Watch(resumed_context.get(), resume_from);
  ASSERT_TRUE(resumed->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(change.name(), a.name());
  EXPECT_EQ(change.course().places(), 1);
  ASSERT_TRUE(resumed->Read(&change));
  EXPECT_EQ(change.type(), common::v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(change.name(), b.name());
  EXPECT_FALSE(change.has_course());
  EXPECT_EQ(CancelWatch(resumed_context.get(), resumed.get()).error_code(),
            grpc::StatusCode::CANCELLED);
}

TEST_F(TrainingWatchTest, EmptyRevisionMeansFromNowOn) {
  CreateProvider("bury-college");
  std::string token = ProviderToken("bury-college");
  tv1::Course before, after;
  ASSERT_TRUE(CreateCourse(token, "bury-college", "before", MakeCourse(), &before).ok());

  auto context = As(admin_);
  auto reader = Watch(context.get(), "");
  // The stream has started once the server has read the current revision;
  // a create after that must arrive, and the earlier one must not.
  // Establish ordering by waiting for the initial metadata of the stream.
  reader->WaitForInitialMetadata();
  ASSERT_TRUE(CreateCourse(token, "bury-college", "after", MakeCourse(), &after).ok());
  tv1::CourseChange change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.name(), after.name());
  context->TryCancel();
}

TEST_F(TrainingWatchTest, MalformedRevisionIsInvalidArgument) {
  auto context = As(admin_);
  auto reader = Watch(context.get(), "yesterday");
  tv1::CourseChange change;
  EXPECT_FALSE(reader->Read(&change));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("start_revision"), std::string::npos);
}

TEST_F(TrainingWatchTest, ProvidersCannotWatch) {
  auto context = As(ProviderToken("someone"));
  auto reader = Watch(context.get(), "");
  tv1::CourseChange change;
  EXPECT_FALSE(reader->Read(&change));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace pathways::testing
