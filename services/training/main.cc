// The training service: providers publish courses; advisers and the matcher
// read them. Configuration comes from the environment (see README).
#include "services/common/service_host.h"
#include "services/training/training_server.h"

int main() {
  return pathways::RunServiceMain(
      "training", pathways::training::kTrainingServiceName,
      [](pathways::ServiceHost& host) -> absl::StatusOr<std::shared_ptr<grpc::Service>> {
        return pathways::training::MakeTrainingService(host);
      });
}
