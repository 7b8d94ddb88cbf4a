// The skeleton every service's integration fixture shares: per test, a real
// redis-server, the service under test on it, a `Service::Stub` over a real
// channel, and an admin token.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/server_runner.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/service_fixture.h"

namespace pathways::testing {

template <typename Service>
class ServiceTest : public ::testing::Test {
 protected:
  using HealthCheckResponse = grpc::health::v1::HealthCheckResponse;

  // `name` is the service's configuration name, `grpc_name` the name it
  // serves and reports health under, and `admin_subject` the subject of
  // admin_.
  ServiceTest(std::string name, std::string grpc_name, std::string admin_subject = kTestSubject)
      : name_(std::move(name)),
        grpc_name_(std::move(grpc_name)),
        admin_subject_(std::move(admin_subject)) {}

  void SetUp() override {
    redis_ = std::make_unique<RedisServer>();
    StartService();
  }
  void TearDown() override {
    service_.reset();
    redis_.reset();
  }

  // The gRPC service under test, made on the host StartService creates.
  virtual std::shared_ptr<grpc::Service> MakeService(ServiceHost& host) = 0;

  // Starts the service on redis_ (again, once service_ has been reset), with
  // a new stub and admin token.
  void StartService() {
    service_ = std::make_unique<ServiceUnderTest>(
        TestServerConfig(name_, redis_->address()),
        [this](ServiceHost& host) { return MakeService(host); }, grpc_name_);
    stub_ = Service::NewStub(service_->NewChannel());
    admin_ = Token(Role::kAdmin, "authority", admin_subject_);
  }

  // A signed token for a caller with this role, organisation and subject.
  std::string Token(Role role, const std::string& organisation = "",
                    const std::string& subject = kTestSubject) const {
    return service_->Token(role, organisation, subject);
  }
  std::unique_ptr<grpc::ClientContext> As(const std::string& token) const {
    return ClientContextWith(token);
  }

  // With Redis down, the service must report NOT_SERVING, overall and under
  // its own name, while staying live; then restarts Redis as RestartRedis
  // does. Call it in ASSERT_NO_FATAL_FAILURE.
  void ExpectOutageThenRestartRedis() {
    ASSERT_TRUE(service_->AwaitHealth("", HealthCheckResponse::NOT_SERVING));
    ASSERT_TRUE(service_->AwaitHealth(grpc_name_, HealthCheckResponse::NOT_SERVING));
    EXPECT_EQ(service_->Health(kLivenessService), HealthCheckResponse::SERVING);
    RestartRedis();
  }

  // Crashes Redis under a watch, which must then end UNAVAILABLE while the
  // service reports NOT_SERVING; then restarts Redis as RestartRedis does.
  // Call it in ASSERT_NO_FATAL_FAILURE.
  template <typename Change>
  void CrashRedisUnderWatch(grpc::ClientReader<Change>* reader) {
    redis_->Kill();
    Change change;
    while (reader->Read(&change)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
    ASSERT_TRUE(service_->AwaitHealth("", HealthCheckResponse::NOT_SERVING));
    RestartRedis();
  }

  // Starts Redis again and waits until the service reports SERVING.
  void RestartRedis() {
    redis_->Start();
    ASSERT_TRUE(service_->AwaitHealth("", HealthCheckResponse::SERVING));
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServiceUnderTest> service_;
  std::unique_ptr<typename Service::Stub> stub_;
  std::string admin_;

 private:
  std::string name_;
  std::string grpc_name_;
  std::string admin_subject_;
};

}  // namespace pathways::testing
