#include "services/common/config.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pathways {
namespace {

using ::testing::HasSubstr;

using Vars = std::map<std::string, std::string>;

const std::string kSecret(32, 's');

// An environment holding exactly `vars`.
EnvLookup MapEnv(Vars vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// The minimal valid environment plus `extra` (which may override it).
EnvLookup EnvWith(Vars extra) {
  Vars vars = {{"AUTH_SECRET", kSecret}};
  for (auto& [name, value] : extra) vars[name] = value;
  return MapEnv(std::move(vars));
}

// A file under the test's temporary directory holding `contents`.
std::string WriteTempFile(const std::string& name, const std::string& contents) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  return path;
}

TEST(LoadServerConfigTest, DefaultsWhenOnlyTheSecretIsSet) {
  absl::StatusOr<ServerConfig> config = LoadServerConfig("training", EnvWith({}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->service_name, "training");
  EXPECT_EQ(config->listen_host, "0.0.0.0");
  EXPECT_EQ(config->grpc_port, 50051);
  EXPECT_EQ(config->metrics_port, 9090);
  EXPECT_EQ(config->redis.address, "127.0.0.1:6379");
  EXPECT_EQ(config->redis.pool_size, 8);
  EXPECT_EQ(config->redis.command_timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(config->redis.connect_timeout, std::chrono::milliseconds(1000));
  EXPECT_EQ(config->log_level, LogLevel::kInfo);
  EXPECT_EQ(config->shutdown_grace, std::chrono::seconds(10));
  EXPECT_EQ(config->shutdown_drain, std::chrono::seconds(0));
  EXPECT_EQ(config->worker_threads, 8);
  EXPECT_EQ(config->max_queued_work, 10000);
  EXPECT_EQ(config->max_watchers, 64);
  EXPECT_EQ(config->area_cache_mb, 128);
  EXPECT_EQ(config->auth_secret, kSecret);
  EXPECT_EQ(config->data_dir, PATHWAYS_DEFAULT_DATA_DIR);
  EXPECT_EQ(config->tls_cert_file, "");
  EXPECT_EQ(config->tls_key_file, "");
}

TEST(LoadServerConfigTest, WorkerThreadsDefaultToTheServicesChoice) {
  absl::StatusOr<ServerConfig> waits = LoadServerConfig("x", EnvWith({}), 8);
  ASSERT_TRUE(waits.ok()) << waits.status();
  EXPECT_EQ(waits->worker_threads, 8);
  absl::StatusOr<ServerConfig> computes = LoadServerConfig("x", EnvWith({}), 0);
  ASSERT_TRUE(computes.ok()) << computes.status();
  EXPECT_EQ(computes->worker_threads, AvailableCpus());
  EXPECT_GE(AvailableCpus(), 1);
  absl::StatusOr<ServerConfig> set = LoadServerConfig("x", EnvWith({{"WORKER_THREADS", "3"}}), 0);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->worker_threads, 3);
}

TEST(LoadServerConfigTest, EmptyValuesCountAsUnset) {
  absl::StatusOr<ServerConfig> config = LoadServerConfig(
      "training", EnvWith({{"GRPC_PORT", ""}, {"REDIS_ADDR", ""}, {"LOG_LEVEL", ""}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->grpc_port, 50051);
  EXPECT_EQ(config->redis.address, "127.0.0.1:6379");
  EXPECT_EQ(config->log_level, LogLevel::kInfo);
}

TEST(LoadServerConfigTest, ReadsEveryVariable) {
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig("matcher", EnvWith({
                                      {"GRPC_HOST", "127.0.0.1"},
                                      {"GRPC_PORT", "0"},
                                      {"METRICS_PORT", "0"},
                                      {"REDIS_ADDR", "redis.default.svc:6380"},
                                      {"REDIS_POOL_SIZE", "16"},
                                      {"REDIS_TIMEOUT_MS", "500"},
                                      {"LOG_LEVEL", "WARN"},
                                      {"SHUTDOWN_GRACE_SECONDS", "30"},
                                      {"SHUTDOWN_DRAIN_SECONDS", "5"},
                                      {"WORKER_THREADS", "4"},
                                      {"WORKER_QUEUE_LIMIT", "100"},
                                      {"MAX_WATCHERS", "0"},
                                      {"AREA_CACHE_MB", "0"},
                                      {"DATA_DIR", "/srv/data"},
                                      {"TLS_CERT_FILE", "/tls/tls.crt"},
                                      {"TLS_KEY_FILE", "/tls/tls.key"},
                                  }));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_host, "127.0.0.1");
  EXPECT_EQ(config->grpc_port, 0);
  EXPECT_EQ(config->metrics_port, 0);
  EXPECT_EQ(config->redis.address, "redis.default.svc:6380");
  EXPECT_EQ(config->redis.pool_size, 16);
  EXPECT_EQ(config->redis.command_timeout, std::chrono::milliseconds(500));
  // The connect timeout is the command timeout, capped at a second.
  EXPECT_EQ(config->redis.connect_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(config->log_level, LogLevel::kWarning);
  EXPECT_EQ(config->shutdown_grace, std::chrono::seconds(30));
  EXPECT_EQ(config->shutdown_drain, std::chrono::seconds(5));
  EXPECT_EQ(config->worker_threads, 4);
  EXPECT_EQ(config->max_queued_work, 100);
  EXPECT_EQ(config->max_watchers, 0);
  EXPECT_EQ(config->area_cache_mb, 0);
  EXPECT_EQ(config->data_dir, "/srv/data");
  EXPECT_EQ(config->tls_cert_file, "/tls/tls.crt");
  EXPECT_EQ(config->tls_key_file, "/tls/tls.key");
}

TEST(LoadServerConfigTest, LogLevelsInAnyCase) {
  const std::pair<const char*, LogLevel> kCases[] = {
      {"debug", LogLevel::kDebug},  {"INFO", LogLevel::kInfo},   {"Warning", LogLevel::kWarning},
      {"warn", LogLevel::kWarning}, {"error", LogLevel::kError},
  };
  for (const auto& [text, level] : kCases) {
    absl::StatusOr<ServerConfig> config = LoadServerConfig("x", EnvWith({{"LOG_LEVEL", text}}));
    ASSERT_TRUE(config.ok()) << text << ": " << config.status();
    EXPECT_EQ(config->log_level, level) << text;
  }
}

TEST(LoadServerConfigTest, RedisUnixSocketAddress) {
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig("x", EnvWith({{"REDIS_ADDR", "unix:/run/redis/redis.sock"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->redis.address, "unix:/run/redis/redis.sock");
}

struct BadVariable {
  std::string name;
  std::string value;
};

class BadVariableTest : public ::testing::TestWithParam<BadVariable> {};

TEST_P(BadVariableTest, IsInvalidArgumentNamingTheVariable) {
  const BadVariable& bad = GetParam();
  absl::StatusOr<ServerConfig> config = LoadServerConfig("x", EnvWith({{bad.name, bad.value}}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr(bad.name));
}

INSTANTIATE_TEST_SUITE_P(
    LoadServerConfigTest, BadVariableTest,
    ::testing::Values(BadVariable{"GRPC_PORT", "abc"}, BadVariable{"GRPC_PORT", "70000"},
                      BadVariable{"GRPC_PORT", "-1"}, BadVariable{"GRPC_PORT", "80x"},
                      BadVariable{"METRICS_PORT", "65536"}, BadVariable{"REDIS_ADDR", "localhost"},
                      BadVariable{"REDIS_ADDR", ":6379"}, BadVariable{"REDIS_ADDR", "localhost:"},
                      BadVariable{"REDIS_ADDR", "localhost:0"},
                      BadVariable{"REDIS_ADDR", "localhost:65536"},
                      BadVariable{"REDIS_ADDR", "unix:"}, BadVariable{"REDIS_POOL_SIZE", "0"},
                      BadVariable{"REDIS_POOL_SIZE", "257"}, BadVariable{"REDIS_TIMEOUT_MS", "9"},
                      BadVariable{"LOG_LEVEL", "loud"},
                      BadVariable{"SHUTDOWN_GRACE_SECONDS", "3601"},
                      BadVariable{"SHUTDOWN_DRAIN_SECONDS", "soon"},
                      BadVariable{"WORKER_THREADS", "0"}, BadVariable{"WORKER_QUEUE_LIMIT", "0"},
                      BadVariable{"MAX_WATCHERS", "4097"}, BadVariable{"AREA_CACHE_MB", "-1"}),
    [](const ::testing::TestParamInfo<BadVariable>& info) {
      return info.param.name + "_" + std::to_string(info.index);
    });

TEST(LoadServerConfigTest, MissingSecretIsInvalid) {
  absl::StatusOr<ServerConfig> config = LoadServerConfig("x", MapEnv({}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("AUTH_SECRET"));
}

TEST(LoadServerConfigTest, SecretMustHoldAtLeast32Bytes) {
  absl::StatusOr<ServerConfig> short_secret =
      LoadServerConfig("x", MapEnv({{"AUTH_SECRET", std::string(31, 's')}}));
  ASSERT_FALSE(short_secret.ok());
  EXPECT_EQ(short_secret.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(short_secret.status().message()), HasSubstr("AUTH_SECRET"));

  EXPECT_TRUE(LoadServerConfig("x", MapEnv({{"AUTH_SECRET", std::string(32, 's')}})).ok());
}

TEST(LoadServerConfigTest, SecretFromFileWithTrailingNewlineStripped) {
  const std::string secret = "0123456789abcdef0123456789abcdef-file";
  std::string path = WriteTempFile("config_test_secret", secret + "\n");
  absl::StatusOr<ServerConfig> config = LoadServerConfig("x", MapEnv({{"AUTH_SECRET_FILE", path}}));
  std::remove(path.c_str());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->auth_secret, secret);
}

TEST(LoadServerConfigTest, SecretVariableWinsOverFile) {
  std::string path = WriteTempFile("config_test_secret_unused", std::string(40, 'f'));
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig("x", MapEnv({{"AUTH_SECRET", kSecret}, {"AUTH_SECRET_FILE", path}}));
  std::remove(path.c_str());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->auth_secret, kSecret);
}

TEST(LoadServerConfigTest, UnreadableSecretFileIsInvalid) {
  absl::StatusOr<ServerConfig> config = LoadServerConfig(
      "x", MapEnv({{"AUTH_SECRET_FILE", ::testing::TempDir() + "no/such/secret"}}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("AUTH_SECRET_FILE"));
}

TEST(LoadServerConfigTest, ShortSecretInFileIsInvalid) {
  // Only whitespace pads it to 32 bytes, and trailing whitespace is stripped.
  std::string path =
      WriteTempFile("config_test_short_secret", "short-secret" + std::string(30, '\n'));
  absl::StatusOr<ServerConfig> config = LoadServerConfig("x", MapEnv({{"AUTH_SECRET_FILE", path}}));
  std::remove(path.c_str());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("AUTH_SECRET"));
}

TEST(LoadServerConfigTest, TlsCertificateAndKeyComeTogether) {
  absl::StatusOr<ServerConfig> cert_only =
      LoadServerConfig("x", EnvWith({{"TLS_CERT_FILE", "/tls/tls.crt"}}));
  ASSERT_FALSE(cert_only.ok());
  EXPECT_EQ(cert_only.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(cert_only.status().message()), HasSubstr("TLS_KEY_FILE"));

  absl::StatusOr<ServerConfig> key_only =
      LoadServerConfig("x", EnvWith({{"TLS_KEY_FILE", "/tls/tls.key"}}));
  ASSERT_FALSE(key_only.ok());
  EXPECT_EQ(key_only.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(key_only.status().message()), HasSubstr("TLS_CERT_FILE"));
}

TEST(LoadAuthSecretTest, SameRulesAsTheServers) {
  absl::StatusOr<std::string> secret = LoadAuthSecret(MapEnv({{"AUTH_SECRET", kSecret}}));
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(*secret, kSecret);

  std::string path = WriteTempFile("config_test_tool_secret", kSecret + "\r\n");
  absl::StatusOr<std::string> from_file = LoadAuthSecret(MapEnv({{"AUTH_SECRET_FILE", path}}));
  std::remove(path.c_str());
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(*from_file, kSecret);

  absl::StatusOr<std::string> missing = LoadAuthSecret(MapEnv({}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadAuthSecret(MapEnv({{"AUTH_SECRET", "short"}})).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ProcessEnvTest, ReadsTheProcessEnvironment) {
  EnvLookup env = ProcessEnv();
  EXPECT_EQ(env("PATHWAYS_CONFIG_TEST_SURELY_UNSET_VARIABLE"), std::nullopt);
  ASSERT_EQ(setenv("PATHWAYS_CONFIG_TEST_VARIABLE", "value", 1), 0);
  EXPECT_EQ(env("PATHWAYS_CONFIG_TEST_VARIABLE"), "value");
  unsetenv("PATHWAYS_CONFIG_TEST_VARIABLE");
}

}  // namespace
}  // namespace pathways
