#include "tests/testing/redis_server.h"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pathways::testing {
namespace {

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot find a free loopback port");
  }
  int port = ntohs(address.sin_port);
  close(fd);
  return port;
}

std::string RedisServerBinary() {
  const char* configured = std::getenv("REDIS_SERVER_BIN");
  return configured != nullptr ? configured : "/usr/bin/redis-server";
}

}  // namespace

RedisServer::RedisServer() {
  char pattern[] = "/tmp/pathways-redis-XXXXXX";
  const char* made = mkdtemp(pattern);
  if (made == nullptr) throw std::runtime_error("cannot create a redis data directory");
  dir_ = made;
  // The port is free when chosen but may be taken before redis binds it;
  // try a few.
  for (int attempt = 0;; ++attempt) {
    port_ = FreeLoopbackPort();
    try {
      Start();
      return;
    } catch (const std::runtime_error&) {
      if (attempt == 4) throw;
    }
  }
}

RedisServer::~RedisServer() {
  if (pid_ > 0) Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::address() const { return "127.0.0.1:" + std::to_string(port_); }

void RedisServer::Launch() {
  std::string port = std::to_string(port_);
  std::string binary = RedisServerBinary();
  std::vector<std::string> args = {
      binary, "--port",       port,  "--bind",        "127.0.0.1",        "--dir",
      dir_,   "--appendonly", "yes", "--appendfsync", "always",           "--save",
      "",     "--daemonize",  "no",  "--logfile",     dir_ + "/redis.log"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // The child must not inherit signal masks that would keep SIGTERM away.
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;
}

void RedisServer::Start() {
  if (pid_ > 0) return;
  Launch();
  try {
    WaitUntilReady();
  } catch (...) {
    Kill();
    throw;
  }
}

void RedisServer::WaitUntilReady() const {
  // Readiness is observed, not assumed: poll PING until the server answers,
  // giving up after ten seconds or as soon as the process has exited.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      throw std::runtime_error("redis-server exited during start-up (see " + dir_ + "/redis.log)");
    }
    timeval timeout{0, 200000};
    redisContext* context = redisConnectWithTimeout("127.0.0.1", port_, timeout);
    if (context != nullptr && context->err == 0) {
      auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
      bool ready = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
      if (reply != nullptr) freeReplyObject(reply);
      redisFree(context);
      if (ready) return;
    } else if (context != nullptr) {
      redisFree(context);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("redis-server did not answer within 10 s");
}

void RedisServer::WaitForExit() {
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  WaitForExit();
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  WaitForExit();
}

std::string RedisServer::Query(const std::vector<std::string>& args) const {
  timeval timeout{2, 0};
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port_, timeout);
  if (context == nullptr || context->err != 0) {
    if (context != nullptr) redisFree(context);
    throw std::runtime_error("cannot connect to the test redis");
  }
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(args.size()), argv.data(), lengths.data()));
  std::string out;
  if (reply != nullptr) {
    switch (reply->type) {
      case REDIS_REPLY_INTEGER:
        out = std::to_string(reply->integer);
        break;
      case REDIS_REPLY_ARRAY:
        out = std::to_string(reply->elements);
        break;
      case REDIS_REPLY_NIL:
        out = "(nil)";
        break;
      default:
        out.assign(reply->str, reply->len);
    }
    freeReplyObject(reply);
  }
  redisFree(context);
  return out;
}

}  // namespace pathways::testing
