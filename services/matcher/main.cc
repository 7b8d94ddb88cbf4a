// The matcher: ranks pathways from a young person's skills through courses to
// roles in demand, from an index it keeps current from the training and
// demand services' change feeds. Configuration from the environment (README).
// Ranking is all computation, so by default it runs one worker thread per
// available CPU.
#include "services/common/service_host.h"
#include "services/matcher/matcher_server.h"

int main() {
  return pathways::RunServiceMain("matcher", pathways::matcher::kMatcherServiceName,
                                  pathways::matcher::MakeMatcherService,
                                  /*default_worker_threads=*/0);
}
