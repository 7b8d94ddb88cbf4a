#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/profiles/profiles_server.h"

namespace pathways::profiles {
namespace {

using ::testing::HasSubstr;

EnvLookup Env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ProfilesOptionsTest, DefaultsWhenNothingIsSet) {
  absl::StatusOr<ProfilesOptions> options = LoadProfilesOptions(Env({}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->retention_sweep_interval, absl::Hours(1));
  EXPECT_EQ(options->default_retention, absl::Hours(24 * 730));
  EXPECT_EQ(options->limits.audit_max_length, 10'000'000);
  EXPECT_EQ(options->limits.change_stream_max_length, 1'000'000);
}

TEST(ProfilesOptionsTest, ReadsEveryVariable) {
  absl::StatusOr<ProfilesOptions> options =
      LoadProfilesOptions(Env({{"RETENTION_SWEEP_SECONDS", "60"},
                               {"PROFILE_RETENTION_DAYS", "365"},
                               {"AUDIT_MAX_LENGTH", "5000"},
                               {"PROFILE_CHANGES_MAX_LENGTH", "2000"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->retention_sweep_interval, absl::Seconds(60));
  EXPECT_EQ(options->default_retention, absl::Hours(24 * 365));
  EXPECT_EQ(options->limits.audit_max_length, 5000);
  EXPECT_EQ(options->limits.change_stream_max_length, 2000);
}

TEST(ProfilesOptionsTest, BadValuesNameTheVariable) {
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"RETENTION_SWEEP_SECONDS", "0"},
           {"RETENTION_SWEEP_SECONDS", "soon"},
           {"PROFILE_RETENTION_DAYS", "2191"},  // Beyond the six-year limit.
           {"AUDIT_MAX_LENGTH", "10"},
           {"PROFILE_CHANGES_MAX_LENGTH", "-1"}}) {
    absl::StatusOr<ProfilesOptions> options = LoadProfilesOptions(Env({{name, value}}));
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(std::string(options.status().message()), HasSubstr(name));
  }
}

}  // namespace
}  // namespace pathways::profiles
