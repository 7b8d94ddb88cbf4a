// The edge of every unary RPC: authenticate the caller, run the work on the
// worker pool (never in the gRPC reaction), and finish with the mapped status.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>

#include "absl/status/status.h"
#include "services/common/auth.h"
#include "services/common/worker_pool.h"

namespace pathways {

class CallHandler {
 public:
  CallHandler(const TokenAuthority* authority, WorkerPool* pool)
      : authority_(authority), pool_(pool) {}

  using Work = std::function<absl::Status(const Principal& caller)>;

  // Returns the reactor for the call; `work` fills the response and runs on a
  // worker thread.
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, Work work) const;

  const TokenAuthority& authority() const { return *authority_; }
  WorkerPool& pool() const { return *pool_; }

 private:
  const TokenAuthority* authority_;
  WorkerPool* pool_;
};

}  // namespace pathways
