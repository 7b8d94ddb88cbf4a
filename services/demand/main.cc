// The demand service: employers register current and emerging roles;
// advisers and the matcher read them, and the authority reads demand
// summaries. Configuration comes from the environment (see README).
#include "services/common/service_host.h"
#include "services/demand/demand_server.h"

int main() {
  return pathways::RunServiceMain("demand", pathways::demand::kDemandServiceName,
                                  pathways::demand::MakeDemandService);
}
