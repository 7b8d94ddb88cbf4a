#include "services/common/config.h"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/status_macros.h"

#ifndef PATHWAYS_DEFAULT_DATA_DIR
#define PATHWAYS_DEFAULT_DATA_DIR "/usr/share/pathways"
#endif

namespace pathways {
namespace {

absl::StatusOr<int> IntVar(const EnvLookup& env, const std::string& var, int fallback, int min,
                           int max) {
  std::optional<std::string> value = env(var);
  if (!value || value->empty()) return fallback;
  int parsed = 0;
  if (!absl::SimpleAtoi(*value, &parsed) || parsed < min || parsed > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(var, " must be an integer in ", min, "..", max, ", got \"", *value, "\""));
  }
  return parsed;
}

std::string StringVar(const EnvLookup& env, const std::string& var, std::string fallback) {
  std::optional<std::string> value = env(var);
  return value && !value->empty() ? *value : std::move(fallback);
}

absl::StatusOr<LogLevel> ParseLogLevel(const std::string& text) {
  std::string lower = absl::AsciiStrToLower(text);
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warning" || lower == "warn") return LogLevel::kWarning;
  if (lower == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("LOG_LEVEL must be debug, info, warning or error, got \"", text, "\""));
}

// "host:port" with a port in 1..65535.
absl::Status ValidateAddress(absl::string_view var, const std::string& address) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon != std::string::npos && colon > 0 &&
      absl::SimpleAtoi(address.substr(colon + 1), &port) && port > 0 && port < 65536) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(var, " must be host:port, got \"", address, "\""));
}

absl::Status ValidateRedisAddress(const std::string& address) {
  if (address.rfind("unix:", 0) == 0 && address.size() > 5) return absl::OkStatus();
  if (address.rfind("unix:", 0) != 0 && ValidateAddress("REDIS_ADDR", address).ok()) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("REDIS_ADDR must be host:port or unix:/path, got \"", address, "\""));
}

absl::StatusOr<std::string> ReadAuthSecret(const EnvLookup& env) {
  std::string secret = StringVar(env, "AUTH_SECRET", "");
  std::string file = StringVar(env, "AUTH_SECRET_FILE", "");
  if (secret.empty() && !file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      return absl::InvalidArgumentError(absl::StrCat("AUTH_SECRET_FILE cannot be read: ", file));
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    secret = std::string(absl::StripTrailingAsciiWhitespace(buffer.str()));
  }
  if (secret.size() < 32) {
    return absl::InvalidArgumentError(
        "AUTH_SECRET (or AUTH_SECRET_FILE) must hold a signing secret of at least 32 bytes");
  }
  return secret;
}

}  // namespace

absl::StatusOr<std::string> LoadAuthSecret(const EnvLookup& env) { return ReadAuthSecret(env); }

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

int AvailableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& service_name, const EnvLookup& env,
                                              int default_worker_threads) {
  ServerConfig config;
  config.service_name = service_name;
  config.listen_host = StringVar(env, "GRPC_HOST", config.listen_host);
  ASSIGN_OR_RETURN(config.grpc_port, IntVar(env, "GRPC_PORT", config.grpc_port, 0, 65535));
  ASSIGN_OR_RETURN(config.metrics_port, IntVar(env, "METRICS_PORT", config.metrics_port, 0, 65535));
  config.redis.address = StringVar(env, "REDIS_ADDR", config.redis.address);
  RETURN_IF_ERROR(ValidateRedisAddress(config.redis.address));
  ASSIGN_OR_RETURN(config.redis.pool_size,
                   IntVar(env, "REDIS_POOL_SIZE", config.redis.pool_size, 1, 256));
  ASSIGN_OR_RETURN(int redis_timeout_ms, IntVar(env, "REDIS_TIMEOUT_MS", 2000, 10, 60000));
  config.redis.command_timeout = std::chrono::milliseconds(redis_timeout_ms);
  config.redis.connect_timeout = std::chrono::milliseconds(std::min(redis_timeout_ms, 1000));
  ASSIGN_OR_RETURN(config.log_level, ParseLogLevel(StringVar(env, "LOG_LEVEL", "info")));
  ASSIGN_OR_RETURN(int grace, IntVar(env, "SHUTDOWN_GRACE_SECONDS", 10, 0, 3600));
  config.shutdown_grace = std::chrono::seconds(grace);
  ASSIGN_OR_RETURN(int drain, IntVar(env, "SHUTDOWN_DRAIN_SECONDS", 0, 0, 600));
  config.shutdown_drain = std::chrono::seconds(drain);
  if (default_worker_threads <= 0) default_worker_threads = std::min(AvailableCpus(), 256);
  ASSIGN_OR_RETURN(config.worker_threads,
                   IntVar(env, "WORKER_THREADS", default_worker_threads, 1, 256));
  ASSIGN_OR_RETURN(config.max_queued_work,
                   IntVar(env, "WORKER_QUEUE_LIMIT", config.max_queued_work, 1, 1000000));
  ASSIGN_OR_RETURN(config.max_watchers, IntVar(env, "MAX_WATCHERS", config.max_watchers, 0, 4096));
  ASSIGN_OR_RETURN(config.auth_secret, ReadAuthSecret(env));
  config.data_dir = StringVar(env, "DATA_DIR", PATHWAYS_DEFAULT_DATA_DIR);
  for (auto [var, field] : {std::pair{"TRAINING_ADDR", &config.training_addr},
                            std::pair{"DEMAND_ADDR", &config.demand_addr},
                            std::pair{"PROFILES_ADDR", &config.profiles_addr}}) {
    *field = StringVar(env, var, "");
    if (!field->empty()) RETURN_IF_ERROR(ValidateAddress(var, *field));
  }
  ASSIGN_OR_RETURN(config.area_cache_mb,
                   IntVar(env, "AREA_CACHE_MB", config.area_cache_mb, 0, 65536));
  config.time_zone = StringVar(env, "TIME_ZONE", config.time_zone);
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(config.time_zone, &zone)) {
    return absl::InvalidArgumentError(
        absl::StrCat("TIME_ZONE \"", config.time_zone, "\" is not a known time zone"));
  }
  config.tls_cert_file = StringVar(env, "TLS_CERT_FILE", "");
  config.tls_key_file = StringVar(env, "TLS_KEY_FILE", "");
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return absl::InvalidArgumentError("TLS_CERT_FILE and TLS_KEY_FILE must be set together");
  }
  return config;
}

}  // namespace pathways
