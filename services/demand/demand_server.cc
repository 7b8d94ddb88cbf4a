#include "services/demand/demand_server.h"

#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/demand/areas.h"
#include "services/demand/demand_service.h"
#include "services/demand/soc2020.h"

namespace pathways::demand {
namespace {

struct DemandParts {
  DemandParts(ServiceHost& host, std::unique_ptr<const Soc2020> soc_data,
              std::unique_ptr<const AreaDirectory> area_data)
      : soc(std::move(soc_data)),
        areas(std::move(area_data)),
        employers(&host.redis(), kStorePrefix, "employers"),
        roles(&host.redis(), kStorePrefix, "roles"),
        validator(&host.taxonomy(), &host.geography(), soc.get()),
        summarizer(&host.taxonomy(), &host.geography(), areas.get()),
        projection(&roles, &summarizer),
        catalogue(&employers, &roles, &validator, &summarizer, &projection),
        service(&catalogue, host.handler(), &host.watchers()) {}

  std::unique_ptr<const Soc2020> soc;
  std::unique_ptr<const AreaDirectory> areas;
  ResourceStore employers;
  ResourceStore roles;
  RoleValidator validator;
  DemandSummarizer summarizer;
  RoleProjection projection;
  DemandCatalogue catalogue;
  DemandService service;
};

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Service>> MakeDemandService(ServiceHost& host) {
  ASSIGN_OR_RETURN(std::unique_ptr<const Soc2020> soc, Soc2020::Load(host.config().data_dir));
  ASSIGN_OR_RETURN(std::unique_ptr<const AreaDirectory> areas,
                   AreaDirectory::Load(host.config().data_dir));
  LogInfo("demand reference data loaded",
          {{"soc2020_unit_groups", std::to_string(soc->unit_group_count())}});
  auto parts = std::make_shared<DemandParts>(host, std::move(soc), std::move(areas));
  return std::shared_ptr<grpc::Service>(parts, &parts->service);
}

}  // namespace pathways::demand
