// Everything a Pathways service process is built from, once: configuration,
// reference data, Redis pool, token authority, worker pool, metrics and the
// server runner. A service's main() only adds its own logic and stores, and
// tests build the same host in-process.
#pragma once

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "services/common/auth.h"
#include "services/common/call_handler.h"
#include "services/common/change_feed.h"
#include "services/common/config.h"
#include "services/common/metrics.h"
#include "services/common/redis.h"
#include "services/common/server_runner.h"
#include "services/common/worker_pool.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"

namespace pathways {

class ServiceHost {
 public:
  // Loads the reference data and builds the shared parts; nothing listens yet.
  static absl::StatusOr<std::unique_ptr<ServiceHost>> Create(ServerConfig config);
  ~ServiceHost();

  const ServerConfig& config() const { return config_; }
  const taxonomy::Taxonomy& taxonomy() const { return *taxonomy_; }
  const taxonomy::Geography& geography() const { return *geography_; }
  RedisPool& redis() { return redis_; }
  const TokenAuthority& authority() const { return authority_; }
  WorkerPool& workers() { return workers_; }
  WatcherLimit& watchers() { return watchers_; }
  Metrics& metrics() { return metrics_; }
  CallHandler handler() { return CallHandler(&authority_, &workers_); }

  // Replaces the readiness check (by default: Redis answers PING), for a
  // service whose readiness depends on something else. Call before Start.
  void SetReadiness(std::function<absl::Status()> readiness) { readiness_ = std::move(readiness); }
  // Serves `service` (not owned), ready while the readiness check passes.
  absl::Status Start(grpc::Service* service, std::string full_name);
  int port() const { return runner_.port(); }
  // Graceful stop: drain calls, then the worker pool.
  void Shutdown();

 private:
  ServiceHost(ServerConfig config, std::unique_ptr<const taxonomy::Taxonomy> taxonomy,
              std::unique_ptr<const taxonomy::Geography> geography);

  ServerConfig config_;
  std::unique_ptr<const taxonomy::Taxonomy> taxonomy_;
  std::unique_ptr<const taxonomy::Geography> geography_;
  RedisPool redis_;
  TokenAuthority authority_;
  WorkerPool workers_;
  WatcherLimit watchers_;
  Metrics metrics_;
  std::function<absl::Status()> readiness_;
  ServerRunner runner_;
};

// The whole of a service's main(): reads the environment, builds the host,
// lets `make_service` add the service, serves until SIGTERM/SIGINT, and
// returns the exit code (0 after a clean stop, 2 on bad configuration).
// `default_worker_threads` is LoadServerConfig's.
using ServiceFactory = std::function<absl::StatusOr<std::shared_ptr<grpc::Service>>(ServiceHost&)>;
int RunServiceMain(const std::string& service_name, const std::string& grpc_service_name,
                   const ServiceFactory& make_service, int default_worker_threads = 8);

}  // namespace pathways
