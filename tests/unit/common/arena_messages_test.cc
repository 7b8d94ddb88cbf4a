#include "services/common/arena_messages.h"

#include "gtest/gtest.h"
#include "pathways/common/v1/common.pb.h"

namespace pathways {
namespace {

using common::v1::Date;
using common::v1::SkillLevel;

TEST(ArenaMessagesTest, PutsRequestAndResponseOnOneArena) {
  ArenaMessages<Date, SkillLevel> messages(4096);
  grpc::MessageHolder<Date, SkillLevel>* holder = messages.AllocateMessages();
  ASSERT_NE(holder->request()->GetArena(), nullptr);
  EXPECT_EQ(holder->request()->GetArena(), holder->response()->GetArena());
  holder->request()->set_year(2027);
  holder->response()->set_skill(std::string(1000, 's'));  // Longer than any small-string buffer.
  EXPECT_EQ(holder->request()->year(), 2027);
  EXPECT_EQ(holder->response()->skill().size(), 1000u);
  holder->Release();  // Frees both; the sanitizers see any leak or double free.
}

TEST(ArenaMessagesTest, GivesEveryCallItsOwnMessages) {
  ArenaMessages<Date, SkillLevel> messages(4096);
  grpc::MessageHolder<Date, SkillLevel>* first = messages.AllocateMessages();
  grpc::MessageHolder<Date, SkillLevel>* second = messages.AllocateMessages();
  EXPECT_NE(first->request()->GetArena(), second->request()->GetArena());
  first->request()->set_year(2027);
  EXPECT_EQ(second->request()->year(), 0);
  // Released in either order.
  first->Release();
  second->Release();
}

}  // namespace
}  // namespace pathways
