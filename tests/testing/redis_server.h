// A real redis-server for tests: started on a free loopback port with its own
// data directory, append-only with fsync on every write so that a crash loses
// nothing acknowledged, and stoppable, killable and restartable on the same
// port and data.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace pathways::testing {

class RedisServer {
 public:
  RedisServer();
  ~RedisServer();  // Stops the server and removes its data.

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // "127.0.0.1:<port>".
  std::string address() const;
  int port() const { return port_; }

  // Graceful stop (SHUTDOWN semantics via SIGTERM), waiting for exit.
  void Stop();
  // Hard crash (SIGKILL), waiting for exit.
  void Kill();
  // Starts again on the same port and data directory; waits until it answers.
  void Start();
  bool running() const { return pid_ > 0; }

  // Runs one command on a fresh connection and returns the reply as text
  // (integers as decimal, arrays as their element count); for assertions.
  std::string Query(const std::vector<std::string>& args) const;

 private:
  void Launch();
  void WaitUntilReady() const;
  void WaitForExit();

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace pathways::testing
