#include "services/common/metrics.h"

#include <grpcpp/support/status.h>

#include <chrono>
#include <exception>

#include "absl/strings/str_cat.h"

namespace pathways {
namespace {

const char* CodeName(int code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  return code >= 0 && code <= 16 ? kNames[code] : "UNKNOWN";
}

class CallInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(Metrics* metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)), start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
      metrics_->ObserveCall(method_, methods->GetSendStatus().error_code(), elapsed.count());
    }
    methods->Proceed();
  }

 private:
  Metrics* metrics_;
  std::string method_;
  std::chrono::steady_clock::time_point start_;
};

class CallInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallInterceptorFactory(Metrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallInterceptor(metrics_, info->method());
  }

 private:
  Metrics* metrics_;
};

}  // namespace

prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("RPCs completed on the server, by method and status code.")
                   .Register(*registry_)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_server_handling_seconds")
                            .Help("Time from receiving an RPC to sending its status.")
                            .Register(*registry_)),
      redis_seconds_(prometheus::BuildHistogram()
                         .Name("redis_command_seconds")
                         .Help("Latency of Redis round trips, by operation.")
                         .Register(*registry_)) {}

void Metrics::ObserveCall(const std::string& full_method, int code, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = methods_.find(full_method);
  if (it == methods_.end()) {
    // "/pkg.Service/Method" → service and method labels.
    std::string service = "unknown", method = full_method;
    size_t slash = full_method.rfind('/');
    if (slash != std::string::npos && slash > 0) {
      service = full_method.substr(1, slash - 1);
      method = full_method.substr(slash + 1);
    }
    prometheus::Histogram* histogram = &handling_seconds_.Add(
        {{"grpc_service", service}, {"grpc_method", method}}, LatencyBuckets());
    it = methods_.emplace(full_method, MethodMetrics{service, method, histogram, {}}).first;
  }
  MethodMetrics& entry = it->second;
  entry.handling_seconds->Observe(seconds);
  prometheus::Counter*& counter = entry.handled_by_code[code];
  if (counter == nullptr) {
    counter = &handled_.Add({{"grpc_service", entry.service},
                             {"grpc_method", entry.method},
                             {"grpc_code", CodeName(code)}});
  }
  counter->Increment();
}

void Metrics::ObserveRedis(const std::string& operation, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  prometheus::Histogram*& histogram = redis_ops_[operation];
  if (histogram == nullptr) {
    histogram = &redis_seconds_.Add({{"operation", operation}}, LatencyBuckets());
  }
  histogram->Observe(seconds);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Metrics::InterceptorFactory() {
  return std::make_unique<CallInterceptorFactory>(this);
}

absl::StatusOr<std::unique_ptr<prometheus::Exposer>> StartMetricsExposer(Metrics& metrics,
                                                                         const std::string& host,
                                                                         int port) {
  try {
    auto exposer = std::make_unique<prometheus::Exposer>(absl::StrCat(host, ":", port));
    exposer->RegisterCollectable(metrics.registry());
    return exposer;
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("METRICS_PORT ", port, " cannot be served: ", e.what()));
  }
}

}  // namespace pathways
