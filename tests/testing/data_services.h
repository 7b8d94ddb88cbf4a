// The three data services (training, demand, profiles) in process over one
// real redis-server, each on its own loopback port, with a stub for each:
// for tests that cross services, as the matcher and the loaders do. Link
// the training, demand and profiles libraries to use it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "pathways/demand/v1/demand_service.grpc.pb.h"
#include "pathways/profiles/v1/profiles_service.grpc.pb.h"
#include "pathways/training/v1/training_service.grpc.pb.h"
#include "services/demand/demand_server.h"
#include "services/profiles/profiles_server.h"
#include "services/training/training_server.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/service_fixture.h"

namespace pathways::testing {

class DataServices {
 public:
  DataServices()
      : redis_(std::make_unique<RedisServer>()),
        training_(std::make_unique<ServiceUnderTest>(
            TestServerConfig("training", redis_->address()),
            [](ServiceHost& host) { return training::MakeTrainingService(host); },
            training::kTrainingServiceName)),
        demand_(std::make_unique<ServiceUnderTest>(
            TestServerConfig("demand", redis_->address()),
            [](ServiceHost& host) {
              absl::StatusOr<std::shared_ptr<grpc::Service>> service =
                  demand::MakeDemandService(host);
              if (!service.ok()) throw std::runtime_error(std::string(service.status().message()));
              return *std::move(service);
            },
            demand::kDemandServiceName)),
        profiles_(std::make_unique<ServiceUnderTest>(
            TestServerConfig("profiles", redis_->address()),
            [](ServiceHost& host) { return profiles::MakeProfilesService(host); },
            profiles::kProfilesServiceName)),
        training_stub_(training::v1::TrainingService::NewStub(training_->NewChannel())),
        demand_stub_(demand::v1::DemandService::NewStub(demand_->NewChannel())),
        profiles_stub_(profiles::v1::ProfilesService::NewStub(profiles_->NewChannel())) {}

  RedisServer& redis() { return *redis_; }
  ServiceUnderTest& training() { return *training_; }
  ServiceUnderTest& demand() { return *demand_; }
  ServiceUnderTest& profiles() { return *profiles_; }
  training::v1::TrainingService::Stub& training_stub() { return *training_stub_; }
  demand::v1::DemandService::Stub& demand_stub() { return *demand_stub_; }
  profiles::v1::ProfilesService::Stub& profiles_stub() { return *profiles_stub_; }

 private:
  // Declared in start order, so they stop in reverse: services, then Redis.
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServiceUnderTest> training_;
  std::unique_ptr<ServiceUnderTest> demand_;
  std::unique_ptr<ServiceUnderTest> profiles_;
  std::unique_ptr<training::v1::TrainingService::Stub> training_stub_;
  std::unique_ptr<demand::v1::DemandService::Stub> demand_stub_;
  std::unique_ptr<profiles::v1::ProfilesService::Stub> profiles_stub_;
};

// A fixture with DataServices started afresh for each test, under short
// names. Subclasses that override SetUp or TearDown call these first.
class DataServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    services_ = std::make_unique<DataServices>();
    redis_ = &services_->redis();
    training_ = &services_->training();
    demand_ = &services_->demand();
    profiles_ = &services_->profiles();
    training_stub_ = &services_->training_stub();
    demand_stub_ = &services_->demand_stub();
    profiles_stub_ = &services_->profiles_stub();
  }
  void TearDown() override { services_.reset(); }

  std::unique_ptr<DataServices> services_;
  RedisServer* redis_ = nullptr;
  ServiceUnderTest* training_ = nullptr;
  ServiceUnderTest* demand_ = nullptr;
  ServiceUnderTest* profiles_ = nullptr;
  training::v1::TrainingService::Stub* training_stub_ = nullptr;
  demand::v1::DemandService::Stub* demand_stub_ = nullptr;
  profiles::v1::ProfilesService::Stub* profiles_stub_ = nullptr;
};

}  // namespace pathways::testing
