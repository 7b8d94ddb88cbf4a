#include "services/common/server_runner.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"

namespace pathways {
namespace {

constexpr std::chrono::milliseconds kReadinessInterval{1000};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

ServerRunner::ServerRunner(ServerConfig config, Metrics* metrics)
    : config_(std::move(config)), metrics_(metrics) {}

ServerRunner::~ServerRunner() { Shutdown(); }

void ServerRunner::AddService(grpc::Service* service, std::string full_name) {
  services_.emplace_back(service, std::move(full_name));
}

void ServerRunner::SetReadinessCheck(std::function<absl::Status()> check) {
  readiness_check_ = std::move(check);
}

absl::Status ServerRunner::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;

  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!config_.tls_cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadFile(config_.tls_cert_file);
    absl::StatusOr<std::string> key = ReadFile(config_.tls_key_file);
    if (!cert.ok()) return cert.status();
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions options;
    options.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(options);
  }
  builder.AddListeningPort(absl::StrCat(config_.listen_host, ":", config_.grpc_port), credentials,
                           &port_);
  for (auto& [service, name] : services_) builder.RegisterService(service);
  if (metrics_ != nullptr) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(metrics_->InterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(creators));
    if (config_.metrics_port != 0) {
      auto exposer = StartMetricsExposer(*metrics_, config_.listen_host, config_.metrics_port);
      if (!exposer.ok()) return exposer.status();
      exposer_ = *std::move(exposer);
    }
  }
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::FailedPreconditionError(
        absl::StrCat("cannot listen on ", config_.listen_host, ":", config_.grpc_port));
  }
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(kLivenessService, true);
  SetServing(readiness_check_ ? readiness_check_().ok() : true);
  if (readiness_check_) readiness_thread_ = std::thread([this] { ReadinessLoop(); });
  LogInfo("server started", {{"service", config_.service_name},
                             {"grpc_port", std::to_string(port_)},
                             {"metrics_port", std::to_string(config_.metrics_port)}});
  return absl::OkStatus();
}

void ServerRunner::SetServing(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(serving);  // The "" service: overall readiness.
  for (auto& [service, name] : services_) health->SetServingStatus(name, serving);
  health->SetServingStatus(kLivenessService, true);
  bool was = last_ready_.exchange(serving);
  if (was != serving) {
    LogInfo(serving ? "ready" : "not ready", {{"service", config_.service_name}});
  }
}

void ServerRunner::ReadinessLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    // A periodic probe, woken early only to stop.
    stop_readiness_.wait_for(lock, kReadinessInterval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    absl::Status status = readiness_check_();
    if (!status.ok() && last_ready_.load()) {
      LogWarning("readiness check failed", {{"error", std::string(status.message())}});
    }
    lock.lock();
    if (!stopping_) SetServing(status.ok());
  }
}

void ServerRunner::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shut_down_) return;
    shut_down_ = true;
    stopping_ = true;
  }
  stop_readiness_.notify_all();
  if (readiness_thread_.joinable()) readiness_thread_.join();
  if (server_ == nullptr) return;
  LogInfo("shutting down", {{"service", config_.service_name}});
  server_->GetHealthCheckService()->SetServingStatus(false);
  for (auto& [service, name] : services_) {
    server_->GetHealthCheckService()->SetServingStatus(name, false);
  }
  if (config_.shutdown_drain.count() > 0) {
    // Endpoints are removed asynchronously after readiness fails; keep
    // serving new calls until they are.
    std::this_thread::sleep_for(config_.shutdown_drain);
  }
  server_->Shutdown(std::chrono::system_clock::now() + config_.shutdown_grace);
  server_->Wait();
  server_.reset();
  exposer_.reset();
  LogInfo("stopped", {{"service", config_.service_name}});
}

}  // namespace pathways
