// Runs a real service in-process on 127.0.0.1:<free port> against a real
// redis-server, and gives tests authenticated clients over real channels.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/auth.h"
#include "services/common/config.h"
#include "services/common/service_host.h"

namespace pathways::testing {

inline constexpr char kTestSecret[] = "pathways-test-signing-secret-0123456789";
// The subject of test tokens unless a test names another.
inline constexpr char kTestSubject[] = "test-user";

// A configuration for tests: any free port, no metrics listener, a test
// signing secret, the shipped reference data, short Redis timeouts.
ServerConfig TestServerConfig(const std::string& service_name, const std::string& redis_address);

class ServiceUnderTest {
 public:
  using Factory = std::function<std::shared_ptr<grpc::Service>(ServiceHost&)>;

  ServiceUnderTest(ServerConfig config, const Factory& make_service, std::string grpc_name);
  ~ServiceUnderTest();

  ServiceHost& host() { return *host_; }
  std::string target() const;
  std::shared_ptr<grpc::Channel> NewChannel() const;
  // A signed token for a caller with this role, organisation and subject.
  std::string Token(Role role, const std::string& organisation = "",
                    const std::string& subject = kTestSubject) const;
  void Shutdown();

  using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;
  // Follows a health status through the standard health Watch stream until
  // it reports `wanted` (bounded by the stream's 30 s deadline).
  ::testing::AssertionResult AwaitHealth(const std::string& service, ServingStatus wanted) const;
  // The current health status of `service`.
  ServingStatus Health(const std::string& service) const;

 private:
  std::unique_ptr<ServiceHost> host_;
  std::shared_ptr<grpc::Service> service_;
};

// A client context carrying `token` and a deadline.
std::unique_ptr<grpc::ClientContext> ClientContextWith(
    const std::string& token, std::chrono::milliseconds deadline = std::chrono::seconds(10));

// Cancels a watch and reads it to its end; the status it finished with.
template <typename Change>
grpc::Status CancelWatch(grpc::ClientContext* context, grpc::ClientReader<Change>* reader) {
  context->TryCancel();
  Change ignored;
  while (reader->Read(&ignored)) {
  }
  return reader->Finish();
}

}  // namespace pathways::testing
