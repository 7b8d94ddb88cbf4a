#include "services/training/training_server.h"

#include "services/training/training_service.h"

namespace pathways::training {
namespace {

struct TrainingParts {
  explicit TrainingParts(ServiceHost& host)
      : providers(&host.redis(), kStorePrefix, "providers"),
        courses(&host.redis(), kStorePrefix, "courses"),
        validator(&host.taxonomy(), &host.geography()),
        catalogue(&providers, &courses, &validator),
        service(&catalogue, host.handler(), &host.watchers()) {}

  ResourceStore providers;
  ResourceStore courses;
  CourseValidator validator;
  Catalogue catalogue;
  TrainingService service;
};

}  // namespace

std::shared_ptr<grpc::Service> MakeTrainingService(ServiceHost& host) {
  auto parts = std::make_shared<TrainingParts>(host);
  return std::shared_ptr<grpc::Service>(parts, &parts->service);
}

}  // namespace pathways::training
