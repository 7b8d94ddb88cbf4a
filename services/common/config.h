// Server configuration, read once from the environment at start-up.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace pathways {

// Looks up an environment variable; tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment.
EnvLookup ProcessEnv();

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Where and how to reach Redis.
struct RedisConfig {
  // "host:port" or "unix:/path/to/socket".
  std::string address = "127.0.0.1:6379";
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{2000};
  int pool_size = 8;
  // After a failed connect, callers fail fast for a backoff that doubles from
  // 50 ms up to this, so a Redis outage is not hammered by every request.
  std::chrono::milliseconds max_reconnect_backoff{1000};
};

// Everything every Pathways server reads from its environment. Variable names
// are the same in every service (see README "Configuration").
struct ServerConfig {
  std::string service_name;              // Used in logs and metrics.
  std::string listen_host = "0.0.0.0";   // GRPC_HOST
  int grpc_port = 50051;                 // GRPC_PORT (0 picks a free port)
  int metrics_port = 9090;               // METRICS_PORT (0 disables metrics)
  RedisConfig redis;                     // REDIS_ADDR, REDIS_POOL_SIZE, REDIS_TIMEOUT_MS
  LogLevel log_level = LogLevel::kInfo;  // LOG_LEVEL
  // SHUTDOWN_GRACE_SECONDS: how long in-flight calls may finish after SIGTERM.
  std::chrono::seconds shutdown_grace{10};
  // SHUTDOWN_DRAIN_SECONDS: how long to report NOT_SERVING before refusing
  // new calls, so load balancers stop routing here first.
  std::chrono::seconds shutdown_drain{0};
  int worker_threads = 8;       // WORKER_THREADS
  int max_queued_work = 10000;  // WORKER_QUEUE_LIMIT
  int max_watchers = 64;        // MAX_WATCHERS
  std::string auth_secret;      // AUTH_SECRET (required, >= 32 bytes)
  std::string data_dir;         // DATA_DIR (taxonomy and geography files)
  // Where the other services are, for services that call them: TRAINING_ADDR,
  // DEMAND_ADDR, PROFILES_ADDR ("host:port"; empty when not needed).
  std::string training_addr;
  std::string demand_addr;
  std::string profiles_addr;
  // AREA_CACHE_MB: memory the matcher may keep for the roles within reach of
  // recent homes, so that queries from one home skip that work.
  int area_cache_mb = 128;
  // TIME_ZONE: the authority's local time zone, for dates such as "today".
  std::string time_zone = "Europe/London";
  std::string tls_cert_file;  // TLS_CERT_FILE (with TLS_KEY_FILE enables TLS)
  std::string tls_key_file;   // TLS_KEY_FILE
};

// The token signing secret from AUTH_SECRET or AUTH_SECRET_FILE (at least 32
// bytes), by the rules every server uses; for tools that sign tokens too.
absl::StatusOr<std::string> LoadAuthSecret(const EnvLookup& env);

// CPUs this process may run on (its affinity mask), at least 1.
int AvailableCpus();

// Parses and validates the configuration; any bad value is an
// InvalidArgument naming the variable. `default_worker_threads` applies when
// WORKER_THREADS is unset: 8 suits services that mostly wait on Redis; 0
// means one per available CPU, for services whose calls are all computation
// (more threads than CPUs would only stretch every call).
absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& service_name, const EnvLookup& env,
                                              int default_worker_threads = 8);

}  // namespace pathways
