#include "services/training/training_service.h"

namespace pathways::training {

// Each unary method: authenticate, then run the catalogue off the reaction.
#define PATHWAYS_UNARY(call) \
  return handler_.Unary(     \
      context, [this, request, response](const Principal& caller) { return catalogue_->call; })

grpc::ServerUnaryReactor* TrainingService::CreateProvider(grpc::CallbackServerContext* context,
                                                          const v1::CreateProviderRequest* request,
                                                          v1::Provider* response) {
  PATHWAYS_UNARY(CreateProvider(caller, *request, response));
}

grpc::ServerUnaryReactor* TrainingService::GetProvider(grpc::CallbackServerContext* context,
                                                       const v1::GetProviderRequest* request,
                                                       v1::Provider* response) {
  PATHWAYS_UNARY(GetProvider(caller, *request, response));
}

grpc::ServerUnaryReactor* TrainingService::ListProviders(grpc::CallbackServerContext* context,
                                                         const v1::ListProvidersRequest* request,
                                                         v1::ListProvidersResponse* response) {
  PATHWAYS_UNARY(ListProviders(caller, *request, response));
}

grpc::ServerUnaryReactor* TrainingService::UpdateProvider(grpc::CallbackServerContext* context,
                                                          const v1::UpdateProviderRequest* request,
                                                          v1::Provider* response) {
  PATHWAYS_UNARY(UpdateProvider(caller, *request, response));
}

grpc::ServerUnaryReactor* TrainingService::DeleteProvider(grpc::CallbackServerContext* context,
                                                          const v1::DeleteProviderRequest* request,
                                                          v1::DeleteResponse* response) {
  (void)response;
  PATHWAYS_UNARY(DeleteProvider(caller, *request));
}

grpc::ServerUnaryReactor* TrainingService::CreateCourse(grpc::CallbackServerContext* context,
                                                        const v1::CreateCourseRequest* request,
                                                        v1::Course* response) {
  PATHWAYS_UNARY(CreateCourse(caller, *request, response));
}

grpc::ServerUnaryReactor* TrainingService::GetCourse(grpc::CallbackServerContext* context,
                                                     const v1::GetCourseRequest* request,
                                                     v1::Course* response) {
  PATHWAYS_UNARY(GetCourse(caller, *request, response));
}

grpc::ServerUnaryReactor* TrainingService::ListCourses(grpc::CallbackServerContext* context,
                                                       const v1::ListCoursesRequest* request,
                                                       v1::ListCoursesResponse* response) {
  PATHWAYS_UNARY(ListCourses(caller, *request, response));
}

grpc::ServerUnaryReactor* TrainingService::UpdateCourse(grpc::CallbackServerContext* context,
                                                        const v1::UpdateCourseRequest* request,
                                                        v1::Course* response) {
  PATHWAYS_UNARY(UpdateCourse(caller, *request, response));
}

grpc::ServerUnaryReactor* TrainingService::DeleteCourse(grpc::CallbackServerContext* context,
                                                        const v1::DeleteCourseRequest* request,
                                                        v1::DeleteResponse* response) {
  (void)response;
  PATHWAYS_UNARY(DeleteCourse(caller, *request));
}

grpc::ServerUnaryReactor* TrainingService::BatchCreateCourses(
    grpc::CallbackServerContext* context, const v1::BatchCreateCoursesRequest* request,
    v1::BatchCreateCoursesResponse* response) {
  PATHWAYS_UNARY(BatchCreateCourses(caller, *request, response));
}

#undef PATHWAYS_UNARY

grpc::ServerWriteReactor<v1::CourseChange>* TrainingService::WatchCourses(
    grpc::CallbackServerContext* context, const v1::WatchCoursesRequest* request) {
  absl::StatusOr<Principal> caller = handler_.authority().Authenticate(*context);
  if (!caller.ok()) return FinishedWatch<v1::CourseChange>(caller.status());
  absl::StatusOr<std::string> revision = catalogue_->StartWatch(*caller, *request);
  if (!revision.ok()) return FinishedWatch<v1::CourseChange>(revision.status());
  return ChangeFeedWriter<v1::CourseChange>::Start(&catalogue_->courses(), watchers_,
                                                   &Catalogue::ToCourseChange, *revision);
}

}  // namespace pathways::training
