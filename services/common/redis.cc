#include "services/common/redis.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/status_macros.h"

namespace pathways {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{50};

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisReply CopyReply(const redisReply* reply) {
  RedisReply out;
  switch (reply->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(reply->elements);
      for (size_t i = 0; i < reply->elements; ++i) {
        out.elements.push_back(CopyReply(reply->element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

struct ArgvBuffers {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  explicit ArgvBuffers(const RedisArgs& args) {
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
  }
};

absl::StatusOr<RedisReply> ReplyOrStatus(RedisReply reply) {
  if (reply.type == RedisReply::Type::kError) return StatusFromRedisError(reply.str);
  return reply;
}

}  // namespace

absl::Status StatusFromRedisError(absl::string_view error) {
  // Scripts raise "<CODE> message"; Redis itself may put "ERR" or similar
  // before it ("ERR Error running script ...: NOT_FOUND ...") on old servers,
  // so look for the code anywhere a word starts.
  static const std::pair<absl::string_view, absl::StatusCode> kCodes[] = {
      {"INVALID_ARGUMENT ", absl::StatusCode::kInvalidArgument},
      {"NOT_FOUND ", absl::StatusCode::kNotFound},
      {"ALREADY_EXISTS ", absl::StatusCode::kAlreadyExists},
      {"FAILED_PRECONDITION ", absl::StatusCode::kFailedPrecondition},
      {"ABORTED ", absl::StatusCode::kAborted},
      {"OUT_OF_RANGE ", absl::StatusCode::kOutOfRange},
      {"PERMISSION_DENIED ", absl::StatusCode::kPermissionDenied},
  };
  // The earliest code that starts a word wins, so a message that mentions
  // another code's name keeps its own.
  size_t best = absl::string_view::npos;
  const std::pair<absl::string_view, absl::StatusCode>* found = nullptr;
  for (const auto& entry : kCodes) {
    for (size_t at = error.find(entry.first); at != absl::string_view::npos;
         at = error.find(entry.first, at + 1)) {
      if (at == 0 || error[at - 1] == ' ') {
        if (at < best) {
          best = at;
          found = &entry;
        }
        break;
      }
    }
  }
  if (found != nullptr) {
    return absl::Status(found->second, error.substr(best + found->first.size()));
  }
  // A loading or busy server is a passing condition: callers may retry.
  if (absl::StartsWith(error, "LOADING") || absl::StartsWith(error, "BUSY") ||
      absl::StartsWith(error, "MASTERDOWN") || absl::StartsWith(error, "TRYAGAIN")) {
    return absl::UnavailableError(absl::StrCat("redis: ", error));
  }
  return absl::InternalError(absl::StrCat("redis: ", error));
}

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const RedisConfig& config) {
  redisContext* context = nullptr;
  timeval connect_timeout = ToTimeval(config.connect_timeout);
  if (absl::StartsWith(config.address, "unix:")) {
    context = redisConnectUnixWithTimeout(config.address.substr(5).c_str(), connect_timeout);
  } else {
    size_t colon = config.address.rfind(':');
    int port = 0;
    if (colon == std::string::npos || !absl::SimpleAtoi(config.address.substr(colon + 1), &port)) {
      return absl::InvalidArgumentError(absl::StrCat("bad redis address ", config.address));
    }
    context =
        redisConnectWithTimeout(config.address.substr(0, colon).c_str(), port, connect_timeout);
  }
  if (context == nullptr) return absl::UnavailableError("redis: cannot allocate a connection");
  if (context->err != 0) {
    std::string message =
        absl::StrCat("redis unreachable at ", config.address, ": ", context->errstr);
    redisFree(context);
    return absl::UnavailableError(message);
  }
  std::unique_ptr<RedisConnection> connection(new RedisConnection(context));
  if (!absl::StartsWith(config.address, "unix:")) redisEnableKeepAlive(context);
  RETURN_IF_ERROR(connection->SetTimeout(config.command_timeout));
  return connection;
}

RedisConnection::~RedisConnection() { redisFree(context_); }

absl::Status RedisConnection::IoError(absl::string_view what) {
  broken_ = true;
  return absl::UnavailableError(absl::StrCat("redis ", what, ": ", context_->errstr));
}

absl::Status RedisConnection::SetTimeout(std::chrono::milliseconds timeout) {
  if (redisSetTimeout(context_, ToTimeval(timeout)) != REDIS_OK) {
    return IoError("set timeout failed");
  }
  return absl::OkStatus();
}

absl::StatusOr<RedisReply> RedisConnection::Command(const RedisArgs& args) {
  if (broken_) return absl::UnavailableError("redis connection is broken");
  ArgvBuffers buffers(args);
  auto* reply = static_cast<redisReply*>(redisCommandArgv(
      context_, static_cast<int>(args.size()), buffers.argv.data(), buffers.lengths.data()));
  if (reply == nullptr) return IoError("command failed");
  RedisReply copy = CopyReply(reply);
  freeReplyObject(reply);
  return copy;
}

absl::StatusOr<std::vector<RedisReply>> RedisConnection::Pipeline(
    const std::vector<RedisArgs>& commands) {
  if (broken_) return absl::UnavailableError("redis connection is broken");
  for (const RedisArgs& args : commands) {
    ArgvBuffers buffers(args);
    if (redisAppendCommandArgv(context_, static_cast<int>(args.size()), buffers.argv.data(),
                               buffers.lengths.data()) != REDIS_OK) {
      return IoError("pipeline append failed");
    }
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      return IoError("pipeline read failed");
    }
    replies.push_back(CopyReply(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  return replies;
}

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(), digest);
  for (unsigned char byte : digest) sha1_ += absl::StrFormat("%02x", byte);
}

RedisPool::RedisPool(RedisConfig config) : config_(std::move(config)) {}

RedisPool::~RedisPool() = default;

RedisPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_ != nullptr) pool_->Return(std::move(connection_));
}

absl::StatusOr<RedisPool::Lease> RedisPool::Acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + config_.command_timeout;
  while (idle_.empty() && open_ >= config_.pool_size) {
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= config_.pool_size) {
      return absl::UnavailableError("redis: every pooled connection is busy");
    }
  }
  if (!idle_.empty()) {
    std::unique_ptr<RedisConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  auto now = std::chrono::steady_clock::now();
  if (now < retry_at_) {
    return absl::UnavailableError(
        absl::StrCat("redis unreachable at ", config_.address, " (retrying shortly)"));
  }
  ++open_;
  lock.unlock();
  absl::StatusOr<std::unique_ptr<RedisConnection>> connection = RedisConnection::Connect(config_);
  lock.lock();
  if (!connection.ok()) {
    --open_;
    backoff_ = std::min(config_.max_reconnect_backoff,
                        backoff_.count() == 0 ? kFirstBackoff : backoff_ * 2);
    retry_at_ = std::chrono::steady_clock::now() + backoff_;
    returned_.notify_one();
    return connection.status();
  }
  backoff_ = std::chrono::milliseconds(0);
  retry_at_ = {};
  return Lease(this, *std::move(connection));
}

void RedisPool::Return(std::unique_ptr<RedisConnection> connection) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (connection->broken()) {
      // One broken connection usually means Redis went away: the idle ones
      // are dead too, so drop them rather than fail one request each.
      --open_;
      open_ -= static_cast<int>(idle_.size());
      idle_.clear();
    } else {
      idle_.push_back(std::move(connection));
    }
  }
  returned_.notify_one();
}

absl::StatusOr<RedisReply> RedisPool::Command(const RedisArgs& args) {
  ASSIGN_OR_RETURN(Lease lease, Acquire());
  ASSIGN_OR_RETURN(RedisReply reply, lease->Command(args));
  return ReplyOrStatus(std::move(reply));
}

absl::StatusOr<std::vector<RedisReply>> RedisPool::Pipeline(
    const std::vector<RedisArgs>& commands) {
  ASSIGN_OR_RETURN(Lease lease, Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, lease->Pipeline(commands));
  for (const RedisReply& reply : replies) {
    if (reply.type == RedisReply::Type::kError) return StatusFromRedisError(reply.str);
  }
  return replies;
}

absl::StatusOr<RedisReply> RedisPool::Eval(const RedisScript& script, const RedisArgs& keys,
                                           const RedisArgs& args) {
  RedisArgs command = {"EVALSHA", script.sha1(), std::to_string(keys.size())};
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  ASSIGN_OR_RETURN(Lease lease, Acquire());
  ASSIGN_OR_RETURN(RedisReply reply, lease->Command(command));
  if (reply.type == RedisReply::Type::kError && absl::StartsWith(reply.str, "NOSCRIPT")) {
    // First use on this server (or it restarted): send the source once.
    command[0] = "EVAL";
    command[1] = script.source();
    ASSIGN_OR_RETURN(reply, lease->Command(command));
  }
  return ReplyOrStatus(std::move(reply));
}

absl::Status RedisPool::Ping() {
  ASSIGN_OR_RETURN(RedisReply reply, Command({"PING"}));
  if (reply.type != RedisReply::Type::kStatus || reply.str != "PONG") {
    return absl::UnavailableError(absl::StrCat("redis answered PING with ", reply.str));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisPool::ConnectDedicated() const {
  return RedisConnection::Connect(config_);
}

}  // namespace pathways
