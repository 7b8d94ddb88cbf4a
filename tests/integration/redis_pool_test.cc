// The Redis pool against a real server: errors as statuses, reconnection
// after a restart, scripts reloaded when the server forgot them.
#include <gtest/gtest.h>

#include "services/common/redis.h"
#include "tests/testing/redis_server.h"

namespace pathways::testing {
namespace {

RedisConfig ConfigFor(const RedisServer& server) {
  RedisConfig config;
  config.address = server.address();
  config.pool_size = 2;
  config.connect_timeout = std::chrono::milliseconds(500);
  config.command_timeout = std::chrono::milliseconds(1000);
  config.max_reconnect_backoff = std::chrono::milliseconds(0);
  return config;
}

TEST(RedisPoolTest, CommandsPipelinesAndErrorReplies) {
  RedisServer server;
  RedisPool pool(ConfigFor(server));
  ASSERT_TRUE(pool.Ping().ok());
  ASSERT_TRUE(pool.Command({"SET", "k", std::string("a\0b", 3)}).ok());
  absl::StatusOr<RedisReply> got = pool.Command({"GET", "k"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->str, std::string("a\0b", 3));  // Binary safe.

  absl::StatusOr<std::vector<RedisReply>> replies =
      pool.Pipeline({{"INCR", "n"}, {"INCR", "n"}, {"GET", "missing"}});
  ASSERT_TRUE(replies.ok());
  EXPECT_EQ((*replies)[1].integer, 2);
  EXPECT_TRUE((*replies)[2].is_nil());

  absl::StatusOr<RedisReply> wrong = pool.Command({"INCR", "k"});
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInternal);
}

TEST(RedisPoolTest, UnreachableIsUnavailableAndRecoversAfterRestart) {
  RedisServer server;
  RedisPool pool(ConfigFor(server));
  ASSERT_TRUE(pool.Ping().ok());
  server.Kill();
  EXPECT_EQ(pool.Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pool.Ping().code(), absl::StatusCode::kUnavailable);
  server.Start();
  // With no backoff configured, the very next call reconnects.
  absl::Status status = pool.Ping();
  EXPECT_TRUE(status.ok()) << status.message();
}

TEST(RedisPoolTest, ScriptsSurviveAServerThatForgotThem) {
  RedisServer server;
  RedisPool pool(ConfigFor(server));
  RedisScript script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  absl::StatusOr<RedisReply> first = pool.Eval(script, {"counter"}, {"5"});
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->integer, 5);
  ASSERT_TRUE(pool.Command({"SCRIPT", "FLUSH"}).ok());
  absl::StatusOr<RedisReply> second = pool.Eval(script, {"counter"}, {"2"});
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->integer, 7);
}

TEST(RedisPoolTest, ScriptErrorsCarryTheirStatusCode) {
  RedisServer server;
  RedisPool pool(ConfigFor(server));
  RedisScript script("return redis.error_reply('ABORTED etag mismatch')");
  absl::StatusOr<RedisReply> reply = pool.Eval(script, {}, {});
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(reply.status().message(), "etag mismatch");
}

}  // namespace
}  // namespace pathways::testing
