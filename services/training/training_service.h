// The gRPC edge of the training service: each method authenticates through
// the CallHandler and runs the catalogue on the worker pool.
#pragma once

#include "pathways/training/v1/training_service.grpc.pb.h"
#include "services/common/call_handler.h"
#include "services/common/change_feed.h"
#include "services/training/catalogue.h"

namespace pathways::training {

class TrainingService final : public v1::TrainingService::CallbackService {
 public:
  TrainingService(Catalogue* catalogue, CallHandler handler, WatcherLimit* watchers)
      : catalogue_(catalogue), handler_(handler), watchers_(watchers) {}

  grpc::ServerUnaryReactor* CreateProvider(grpc::CallbackServerContext* context,
                                           const v1::CreateProviderRequest* request,
                                           v1::Provider* response) override;
  grpc::ServerUnaryReactor* GetProvider(grpc::CallbackServerContext* context,
                                        const v1::GetProviderRequest* request,
                                        v1::Provider* response) override;
  grpc::ServerUnaryReactor* ListProviders(grpc::CallbackServerContext* context,
                                          const v1::ListProvidersRequest* request,
                                          v1::ListProvidersResponse* response) override;
  grpc::ServerUnaryReactor* UpdateProvider(grpc::CallbackServerContext* context,
                                           const v1::UpdateProviderRequest* request,
                                           v1::Provider* response) override;
  grpc::ServerUnaryReactor* DeleteProvider(grpc::CallbackServerContext* context,
                                           const v1::DeleteProviderRequest* request,
                                           v1::DeleteResponse* response) override;
  grpc::ServerUnaryReactor* CreateCourse(grpc::CallbackServerContext* context,
                                         const v1::CreateCourseRequest* request,
                                         v1::Course* response) override;
  grpc::ServerUnaryReactor* GetCourse(grpc::CallbackServerContext* context,
                                      const v1::GetCourseRequest* request,
                                      v1::Course* response) override;
  grpc::ServerUnaryReactor* ListCourses(grpc::CallbackServerContext* context,
                                        const v1::ListCoursesRequest* request,
                                        v1::ListCoursesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateCourse(grpc::CallbackServerContext* context,
                                         const v1::UpdateCourseRequest* request,
                                         v1::Course* response) override;
  grpc::ServerUnaryReactor* DeleteCourse(grpc::CallbackServerContext* context,
                                         const v1::DeleteCourseRequest* request,
                                         v1::DeleteResponse* response) override;
  grpc::ServerUnaryReactor* BatchCreateCourses(grpc::CallbackServerContext* context,
                                               const v1::BatchCreateCoursesRequest* request,
                                               v1::BatchCreateCoursesResponse* response) override;
  grpc::ServerWriteReactor<v1::CourseChange>* WatchCourses(
      grpc::CallbackServerContext* context, const v1::WatchCoursesRequest* request) override;

 private:
  Catalogue* catalogue_;
  CallHandler handler_;
  WatcherLimit* watchers_;
};

}  // namespace pathways::training
