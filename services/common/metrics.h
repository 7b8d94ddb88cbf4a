// Prometheus metrics: the registry, its HTTP listener, and the gRPC server
// metrics every service exports (DESIGN.md §7). Families are created once at
// start-up; label handles are cached.
#pragma once

#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace pathways {

// Bucket bounds, in seconds, for every latency histogram: 100 µs to 10 s.
prometheus::Histogram::BucketBoundaries LatencyBuckets();

class Metrics {
 public:
  Metrics();

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // Counts one finished call and its handling time.
  void ObserveCall(const std::string& full_method, int code, double seconds);
  // Records one Redis round trip's latency.
  void ObserveRedis(const std::string& operation, double seconds);

  // An interceptor factory that feeds ObserveCall for every RPC.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory();

 private:
  struct MethodMetrics {
    std::string service;
    std::string method;
    prometheus::Histogram* handling_seconds;
    std::map<int, prometheus::Counter*> handled_by_code;
  };

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Family<prometheus::Histogram>& redis_seconds_;
  std::mutex mutex_;
  std::map<std::string, MethodMetrics> methods_;
  std::map<std::string, prometheus::Histogram*> redis_ops_;
};

// Serves the registry on 0.0.0.0:port at /metrics. FAILED_PRECONDITION when
// the port cannot be bound.
absl::StatusOr<std::unique_ptr<prometheus::Exposer>> StartMetricsExposer(Metrics& metrics,
                                                                         const std::string& host,
                                                                         int port);

}  // namespace pathways
