// A follower keeps a copy of the training service's courses current through
// its change feed, across a Redis outage and a dropped stream.
#include "services/common/feed_follower.h"

#include <condition_variable>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "tests/integration/training_fixture.h"

namespace pathways::testing {
namespace {

// The copy the follower fills, with a way to wait for a state.
class CourseCopy {
 public:
  FeedFollower<tv1::Course, tv1::CourseChange>::Sink Sink() {
    return {[this] { Change([&] { courses_.clear(); }); },
            [this](tv1::Course course, const std::string&) {
              Change([&] { courses_[course.name()] = std::move(course); });
            },
            [this](const std::string& name, const std::string&) {
              Change([&] { courses_.erase(name); });
            }};
  }

  // Waits (bounded) until `ready` holds for the copy; false on timeout.
  bool WaitFor(const std::function<bool(const std::map<std::string, tv1::Course>&)>& ready) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(20), [&] { return ready(courses_); });
  }

 private:
  void Change(const std::function<void()>& apply) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      apply();
    }
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, tv1::Course> courses_;
};

class FeedFollowerTest : public TrainingServiceTest {
 protected:
  std::unique_ptr<FeedFollower<tv1::Course, tv1::CourseChange>> Follow(CourseCopy* copy) {
    std::string token = service_->Token(Role::kService, "matcher");
    tv1::TrainingService::Stub* stub = stub_.get();
    return std::make_unique<FeedFollower<tv1::Course, tv1::CourseChange>>(
        "courses",
        [stub](grpc::ClientContext* context, const std::string& page_token,
               FeedFollower<tv1::Course, tv1::CourseChange>::Page* page) {
          tv1::ListCoursesRequest request;
          request.set_parent("providers/-");
          request.set_page_size(1000);
          request.set_page_token(page_token);
          tv1::ListCoursesResponse response;
          grpc::Status status = stub->ListCourses(context, request, &response);
          page->items.assign(response.courses().begin(), response.courses().end());
          page->next_page_token = response.next_page_token();
          page->revision = response.revision().token();
          return status;
        },
        [stub](grpc::ClientContext* context, const std::string& revision) {
          tv1::WatchCoursesRequest request;
          request.mutable_start_revision()->set_token(revision);
          return stub->WatchCourses(context, request);
        },
        &tv1::CourseChange::mutable_course, copy->Sink(),
        [token](grpc::ClientContext* context) {
          context->AddMetadata("authorization", "Bearer " + token);
        },
        std::chrono::milliseconds(200));
  }
};

TEST_F(FeedFollowerTest, ListsThenFollowsAndSurvivesARedisOutage) {
  CreateProvider("manchester-college");
  std::string token = ProviderToken("manchester-college");
  tv1::Course course;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        CreateCourse(token, "manchester-college", absl::StrCat("c", i), MakeCourse(), &course)
            .ok());
  }
  CourseCopy copy;
  auto follower = Follow(&copy);
  follower->Start();
  ASSERT_TRUE(follower->WaitUntilSynced(std::chrono::seconds(20)));
  EXPECT_TRUE(copy.WaitFor([](const auto& courses) { return courses.size() == 3; }));

  ASSERT_TRUE(CreateCourse(token, "manchester-college", "c3", MakeCourse(), &course).ok());
  tv1::DeleteCourseRequest remove;
  remove.set_name("providers/manchester-college/courses/c0");
  tv1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->DeleteCourse(As(token).get(), remove, &deleted).ok());
  EXPECT_TRUE(copy.WaitFor([](const auto& courses) {
    return courses.size() == 3 && courses.count("providers/manchester-college/courses/c3") == 1 &&
           courses.count("providers/manchester-college/courses/c0") == 0;
  }));

  // The stream breaks with Redis; the follower resumes after it returns and
  // catches up with what changed.
  redis_->Kill();
  redis_->Start();
  tv1::UpdateCourseRequest update;
  grpc::Status created = grpc::Status(grpc::StatusCode::UNAVAILABLE, "");
  // The first call after the restart may meet a connection from before it.
  for (int attempt = 0; attempt < 3 && created.error_code() == grpc::StatusCode::UNAVAILABLE;
       ++attempt) {
    created = CreateCourse(token, "manchester-college", "c4", MakeCourse(), &course, "c4-once");
  }
  ASSERT_TRUE(created.ok()) << created.error_message();
  EXPECT_TRUE(copy.WaitFor([](const auto& courses) {
    return courses.count("providers/manchester-college/courses/c4") == 1;
  }));
  EXPECT_FALSE(follower->revision().empty());
  follower->Stop();
}

}  // namespace
}  // namespace pathways::testing
