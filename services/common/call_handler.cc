#include "services/common/call_handler.h"

#include "services/common/grpc_status.h"
#include "services/common/log.h"

namespace pathways {

grpc::ServerUnaryReactor* CallHandler::Unary(grpc::CallbackServerContext* context,
                                             Work work) const {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Principal> caller = authority_->Authenticate(*context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  bool queued =
      pool_->Submit([context, reactor, work = std::move(work), caller = *std::move(caller)]() {
        if (context->IsCancelled()) {
          reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"));
          return;
        }
        if (context->deadline() < std::chrono::system_clock::now()) {
          reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                       "deadline passed before the call could run"));
          return;
        }
        absl::Status status = work(caller);
        if (status.code() == absl::StatusCode::kInternal ||
            status.code() == absl::StatusCode::kUnknown) {
          LogError("call failed", {{"code", absl::StatusCodeToString(status.code())},
                                   {"error", std::string(status.message())}});
        }
        reactor->Finish(ToGrpcStatus(status));
      });
  if (!queued) {
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 "server is overloaded; retry with backoff"));
  }
  return reactor;
}

}  // namespace pathways
