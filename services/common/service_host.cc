#include "services/common/service_host.h"

#include <chrono>

#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace pathways {

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Create(ServerConfig config) {
  auto started = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(std::unique_ptr<const taxonomy::Taxonomy> taxonomy,
                   taxonomy::Taxonomy::Load(config.data_dir));
  ASSIGN_OR_RETURN(std::unique_ptr<const taxonomy::Geography> geography,
                   taxonomy::Geography::Load(config.data_dir));
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  LogInfo("reference data loaded", {{"skills", std::to_string(taxonomy->skill_count())},
                                    {"occupations", std::to_string(taxonomy->occupation_count())},
                                    {"seconds", std::to_string(took.count())}});
  return std::unique_ptr<ServiceHost>(
      new ServiceHost(std::move(config), std::move(taxonomy), std::move(geography)));
}

ServiceHost::ServiceHost(ServerConfig config, std::unique_ptr<const taxonomy::Taxonomy> taxonomy,
                         std::unique_ptr<const taxonomy::Geography> geography)
    : config_(std::move(config)),
      taxonomy_(std::move(taxonomy)),
      geography_(std::move(geography)),
      redis_(config_.redis),
      authority_(config_.auth_secret),
      workers_(config_.worker_threads, static_cast<size_t>(config_.max_queued_work)),
      watchers_(config_.max_watchers),
      runner_(config_, &metrics_) {}

ServiceHost::~ServiceHost() { Shutdown(); }

absl::Status ServiceHost::Start(grpc::Service* service, std::string full_name) {
  runner_.AddService(service, std::move(full_name));
  if (readiness_ == nullptr) readiness_ = [this] { return redis_.Ping(); };
  runner_.SetReadinessCheck(readiness_);
  return runner_.Start();
}

void ServiceHost::Shutdown() {
  runner_.Shutdown();
  workers_.Shutdown();
}

int RunServiceMain(const std::string& service_name, const std::string& grpc_service_name,
                   const ServiceFactory& make_service, int default_worker_threads) {
  BlockShutdownSignals();
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig(service_name, ProcessEnv(), default_worker_threads);
  if (!config.ok()) {
    LogError("bad configuration", {{"error", std::string(config.status().message())}});
    return 2;
  }
  SetLogLevel(config->log_level);
  absl::StatusOr<std::unique_ptr<ServiceHost>> host = ServiceHost::Create(*std::move(config));
  if (!host.ok()) {
    LogError("cannot start", {{"error", std::string(host.status().message())}});
    return 2;
  }
  absl::StatusOr<std::shared_ptr<grpc::Service>> service = make_service(**host);
  absl::Status started =
      service.ok() ? (*host)->Start(service->get(), grpc_service_name) : service.status();
  if (!started.ok()) {
    LogError("cannot start", {{"error", std::string(started.message())}});
    return 2;
  }
  int signal = WaitForShutdownSignal();
  LogInfo("signal received", {{"signal", std::to_string(signal)}});
  (*host)->Shutdown();
  return 0;
}

}  // namespace pathways
