// Redis access on hiredis: connections with timeouts and keepalive, a pool
// that reconnects lazily with backoff, pipelines, and Lua scripts. Failures
// to reach Redis are UNAVAILABLE; error replies of the form "<CODE> message"
// (CODE an absl status code name such as NOT_FOUND) become that status.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/config.h"

struct redisContext;

namespace pathways {

// A reply copied out of hiredis, so it outlives the connection.
struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus, kError };
  Type type = Type::kNil;
  std::string str;                   // kString, kStatus, kError
  long long integer = 0;             // kInteger
  std::vector<RedisReply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
};

using RedisArgs = std::vector<std::string>;

// The status an error reply stands for (see the file comment).
absl::Status StatusFromRedisError(absl::string_view error);

// One connection. Not thread-safe; dead after any I/O error.
class RedisConnection {
 public:
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(const RedisConfig& config);
  ~RedisConnection();

  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command and returns its reply; an error reply is returned as a
  // reply of type kError, an I/O failure as UNAVAILABLE (and the connection
  // is then broken).
  absl::StatusOr<RedisReply> Command(const RedisArgs& args);
  // Sends all commands in one write and reads every reply.
  absl::StatusOr<std::vector<RedisReply>> Pipeline(const std::vector<RedisArgs>& commands);
  // Changes the read timeout, e.g. around a blocking XREAD.
  absl::Status SetTimeout(std::chrono::milliseconds timeout);

  bool broken() const { return broken_; }

 private:
  explicit RedisConnection(redisContext* context) : context_(context) {}
  absl::Status IoError(absl::string_view what);

  redisContext* context_;
  bool broken_ = false;
};

// A Lua script run by EVALSHA, loaded on first use or after a Redis restart.
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

// A thread-safe pool of connections, at most `pool_size` open at once.
class RedisPool {
 public:
  explicit RedisPool(RedisConfig config);
  ~RedisPool();

  // A connection borrowed from the pool, returned when the lease ends
  // (dropped instead if it broke).
  class Lease {
   public:
    Lease(RedisPool* pool, std::unique_ptr<RedisConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    ~Lease();
    RedisConnection* operator->() { return connection_.get(); }
    RedisConnection& operator*() { return *connection_; }

   private:
    RedisPool* pool_;
    std::unique_ptr<RedisConnection> connection_;
  };

  absl::StatusOr<Lease> Acquire();

  // One command; error replies become statuses.
  absl::StatusOr<RedisReply> Command(const RedisArgs& args);
  // Several commands in one round trip; the first error reply becomes the
  // status.
  absl::StatusOr<std::vector<RedisReply>> Pipeline(const std::vector<RedisArgs>& commands);
  // Runs a script with its keys and arguments.
  absl::StatusOr<RedisReply> Eval(const RedisScript& script, const RedisArgs& keys,
                                  const RedisArgs& args);
  // OK when Redis answers PING.
  absl::Status Ping();

  // Opens a connection outside the pool (for long blocking reads).
  absl::StatusOr<std::unique_ptr<RedisConnection>> ConnectDedicated() const;

  const RedisConfig& config() const { return config_; }

 private:
  void Return(std::unique_ptr<RedisConnection> connection);

  const RedisConfig config_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  int open_ = 0;
  // Lazy reconnection with backoff: after a failed connect, others fail fast
  // until `retry_at_`, and each failure doubles the wait up to a second.
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{0};
};

}  // namespace pathways
