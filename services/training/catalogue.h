// The training catalogue: providers and their courses, with who may change
// what. Transport-free: the gRPC edge (training_service.h) only authenticates
// and calls in here.
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pathways/training/v1/training_service.pb.h"
#include "services/common/auth.h"
#include "services/common/resource_store.h"
#include "services/training/course_validation.h"

namespace pathways::training {

inline constexpr int kMaxBatchCourses = 1000;
inline constexpr char kStorePrefix[] = "training:v1";

class Catalogue {
 public:
  using Clock = std::function<absl::Time()>;

  Catalogue(ResourceStore* providers, ResourceStore* courses, const CourseValidator* validator,
            Clock clock = absl::Now);

  absl::Status CreateProvider(const Principal& caller, const v1::CreateProviderRequest& request,
                              v1::Provider* response);
  absl::Status GetProvider(const Principal& caller, const v1::GetProviderRequest& request,
                           v1::Provider* response);
  absl::Status ListProviders(const Principal& caller, const v1::ListProvidersRequest& request,
                             v1::ListProvidersResponse* response);
  absl::Status UpdateProvider(const Principal& caller, const v1::UpdateProviderRequest& request,
                              v1::Provider* response);
  absl::Status DeleteProvider(const Principal& caller, const v1::DeleteProviderRequest& request);

  absl::Status CreateCourse(const Principal& caller, const v1::CreateCourseRequest& request,
                            v1::Course* response);
  absl::Status GetCourse(const Principal& caller, const v1::GetCourseRequest& request,
                         v1::Course* response);
  absl::Status ListCourses(const Principal& caller, const v1::ListCoursesRequest& request,
                           v1::ListCoursesResponse* response);
  absl::Status UpdateCourse(const Principal& caller, const v1::UpdateCourseRequest& request,
                            v1::Course* response);
  absl::Status DeleteCourse(const Principal& caller, const v1::DeleteCourseRequest& request);
  absl::Status BatchCreateCourses(const Principal& caller,
                                  const v1::BatchCreateCoursesRequest& request,
                                  v1::BatchCreateCoursesResponse* response);

  // Validates a watch request and returns the revision to start from.
  absl::StatusOr<std::string> StartWatch(const Principal& caller,
                                         const v1::WatchCoursesRequest& request);
  // Turns a stored change into the feed's message.
  static absl::StatusOr<v1::CourseChange> ToCourseChange(ResourceChange& change);

  ResourceStore& courses() { return *courses_; }

 private:
  // Checks a new course and gives it its name and times.
  absl::Status PrepareNewCourse(absl::string_view field, const std::string& parent,
                                const v1::CreateCourseRequest& request, absl::Time now,
                                v1::Course* course) const;

  ResourceStore* providers_;
  ResourceStore* courses_;
  const CourseValidator* validator_;
  Clock clock_;
};

}  // namespace pathways::training
