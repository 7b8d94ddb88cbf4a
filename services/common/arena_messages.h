// Puts a unary call's request and response on one protobuf arena, freed in
// one go when the call is over. An answer made of thousands of small
// messages and strings (a ranking's pathways and skill credits) then costs
// no allocation and no destructor for each of them, only a few blocks.
//
//   ArenaMessages<Request, Response> messages_{64 << 10};
//   ...
//   SetMessageAllocatorFor_Method(&messages_);  // In the service's constructor.
//
// The allocator must outlive the server's calls; a service keeps it as a
// member. Handlers use the messages as usual.
#pragma once

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

#include <cstddef>

namespace pathways {

template <typename Request, typename Response>
class ArenaMessages final : public grpc::MessageAllocator<Request, Response> {
 public:
  // `first_block_bytes`: the arena's first block, about what one call
  // needs, so that most calls allocate once.
  explicit ArenaMessages(size_t first_block_bytes) {
    options_.start_block_size = first_block_bytes;
    options_.max_block_size = first_block_bytes * 4;
  }

  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    return new Holder(options_);
  }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    explicit Holder(const google::protobuf::ArenaOptions& options) : arena_(options) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    google::protobuf::Arena arena_;
  };

  google::protobuf::ArenaOptions options_;
};

}  // namespace pathways
