// The profiles service: young people's skills profiles, their consent, and
// an audit log of every access. Configuration comes from the environment
// (see README and profiles_server.h).
#include "services/common/service_host.h"
#include "services/common/status_macros.h"
#include "services/profiles/profiles_server.h"

int main() {
  return pathways::RunServiceMain(
      "profiles", pathways::profiles::kProfilesServiceName,
      [](pathways::ServiceHost& host) -> absl::StatusOr<std::shared_ptr<grpc::Service>> {
        ASSIGN_OR_RETURN(pathways::profiles::ProfilesOptions options,
                         pathways::profiles::LoadProfilesOptions(pathways::ProcessEnv()));
        return pathways::profiles::MakeProfilesService(host, std::move(options));
      });
}
