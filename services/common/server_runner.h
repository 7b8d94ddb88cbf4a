// Runs a gRPC server the way every Pathways service does: callback API,
// reflection, standard health (liveness and readiness), Prometheus metrics on
// their own port, TLS when configured, and a graceful SIGTERM drain.
#pragma once

#include <grpcpp/grpcpp.h>
#include <prometheus/exposer.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "services/common/config.h"
#include "services/common/metrics.h"

namespace pathways {

// Health service names. Readiness ("" and each service's full name) follows
// the readiness check (Redis reachable, not draining); "liveness" is SERVING
// for as long as the process can answer at all.
inline constexpr char kLivenessService[] = "liveness";

// Blocks SIGTERM and SIGINT in the calling thread and every thread started
// after, so WaitForShutdownSignal can take them. Call first thing in main.
void BlockShutdownSignals();
// Waits for SIGTERM or SIGINT (blocked by BlockShutdownSignals).
int WaitForShutdownSignal();

class ServerRunner {
 public:
  ServerRunner(ServerConfig config, Metrics* metrics);
  ~ServerRunner();

  // Registers a service before Start; not owned.
  void AddService(grpc::Service* service, std::string full_name);
  // A check run about once a second; readiness follows its result.
  void SetReadinessCheck(std::function<absl::Status()> check);

  // Binds and starts serving; FAILED_PRECONDITION if a port cannot be bound.
  absl::Status Start();
  // The bound gRPC port (useful with GRPC_PORT=0).
  int port() const { return port_; }

  // Graceful stop: report NOT_SERVING, wait the drain time, let in-flight
  // calls finish within the grace period, then cancel the rest. Idempotent.
  void Shutdown();

 private:
  void SetServing(bool serving);
  void ReadinessLoop();

  const ServerConfig config_;
  Metrics* metrics_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::function<absl::Status()> readiness_check_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;

  std::mutex mutex_;
  std::condition_variable stop_readiness_;
  bool stopping_ = false;
  bool shut_down_ = false;
  std::atomic<bool> last_ready_{false};
  std::thread readiness_thread_;
};

}  // namespace pathways
