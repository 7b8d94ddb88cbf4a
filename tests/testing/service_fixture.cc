#include "tests/testing/service_fixture.h"

#include <stdexcept>

namespace pathways::testing {

ServerConfig TestServerConfig(const std::string& service_name, const std::string& redis_address) {
  ServerConfig config;
  config.service_name = service_name;
  config.listen_host = "127.0.0.1";
  config.grpc_port = 0;
  config.metrics_port = 0;
  config.redis.address = redis_address;
  config.redis.pool_size = 4;
  config.redis.connect_timeout = std::chrono::milliseconds(500);
  config.redis.command_timeout = std::chrono::milliseconds(2000);
  config.shutdown_grace = std::chrono::seconds(2);
  config.worker_threads = 4;
  config.auth_secret = kTestSecret;
  config.data_dir = PATHWAYS_DEFAULT_DATA_DIR;
  return config;
}

ServiceUnderTest::ServiceUnderTest(ServerConfig config, const Factory& make_service,
                                   std::string grpc_name) {
  absl::StatusOr<std::unique_ptr<ServiceHost>> host = ServiceHost::Create(std::move(config));
  if (!host.ok()) throw std::runtime_error(std::string(host.status().message()));
  host_ = *std::move(host);
  service_ = make_service(*host_);
  absl::Status started = host_->Start(service_.get(), std::move(grpc_name));
  if (!started.ok()) throw std::runtime_error(std::string(started.message()));
}

ServiceUnderTest::~ServiceUnderTest() { Shutdown(); }

void ServiceUnderTest::Shutdown() {
  if (host_ != nullptr) host_->Shutdown();
}

std::string ServiceUnderTest::target() const {
  return "127.0.0.1:" + std::to_string(host_->port());
}

std::shared_ptr<grpc::Channel> ServiceUnderTest::NewChannel() const {
  grpc::ChannelArguments args;
  // Separate channels per test client, so a test can drop one connection.
  args.SetInt("grpc.use_local_subchannel_pool", 1);
  return grpc::CreateCustomChannel(target(), grpc::InsecureChannelCredentials(), args);
}

std::string ServiceUnderTest::Token(Role role, const std::string& organisation,
                                    const std::string& subject) const {
  return host_->authority().Issue(Principal{role, organisation, subject}, absl::Hours(1));
}

::testing::AssertionResult ServiceUnderTest::AwaitHealth(const std::string& service,
                                                         ServingStatus wanted) const {
  auto health = grpc::health::v1::Health::NewStub(NewChannel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  auto reader = health->Watch(&context, request);
  grpc::health::v1::HealthCheckResponse response;
  while (reader->Read(&response)) {
    if (response.status() == wanted) {
      context.TryCancel();
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "health of \"" << service << "\" never became " << wanted
                                       << ": " << reader->Finish().error_message();
}

ServiceUnderTest::ServingStatus ServiceUnderTest::Health(const std::string& service) const {
  auto health = grpc::health::v1::Health::NewStub(NewChannel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = health->Check(&context, request, &response);
  return status.ok() ? response.status() : grpc::health::v1::HealthCheckResponse::UNKNOWN;
}

std::unique_ptr<grpc::ClientContext> ClientContextWith(const std::string& token,
                                                       std::chrono::milliseconds deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + deadline);
  return context;
}

}  // namespace pathways::testing
