#include "services/common/log.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pathways {
namespace {

using ::testing::IsEmpty;

std::string Json(absl::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

TEST(AppendJsonStringTest, QuotesPlainText) {
  EXPECT_EQ(Json(""), R"("")");
  EXPECT_EQ(Json("providers/acme"), R"("providers/acme")");
}

TEST(AppendJsonStringTest, AppendsToWhatIsThere) {
  std::string out = "{\"k\":";
  AppendJsonString(out, "v");
  EXPECT_EQ(out, R"({"k":"v")");
}

TEST(AppendJsonStringTest, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(Json(R"(say "hi")"), R"("say \"hi\"")");
  EXPECT_EQ(Json(R"(C:\dir\)"), R"("C:\\dir\\")");
  EXPECT_EQ(Json(R"(\")"), R"("\\\"")");
}

TEST(AppendJsonStringTest, EscapesControlCharacters) {
  EXPECT_EQ(Json("a\nb\rc\td"), R"("a\nb\rc\td")");
  EXPECT_EQ(Json("\x01"), R"("\u0001")");
  EXPECT_EQ(Json("\x1f"), R"("\u001f")");
  EXPECT_EQ(Json("\b\f"), R"("\u0008\u000c")");
  EXPECT_EQ(Json(absl::string_view("a\0b", 3)), R"("a\u0000b")");
}

TEST(AppendJsonStringTest, PassesPrintableAndUtf8Through) {
  EXPECT_EQ(Json("caf\xc3\xa9 \xf0\x9f\x8e\x93 / ~ \x7f"),
            "\"caf\xc3\xa9 \xf0\x9f\x8e\x93 / ~ \x7f\"");
}

TEST(AppendJsonStringTest, OutputParsesBackToTheInput) {
  const std::string nasty = "q\"b\\n\n\x02\t\x1f end";
  std::string json = "{\"v\":";
  AppendJsonString(json, nasty);
  json += "}";
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok()) << json;
  EXPECT_EQ(parsed.fields().at("v").string_value(), nasty);
}

TEST(LogTest, WritesOneJsonObjectPerLineAndFiltersByLevel) {
  SetLogLevel(LogLevel::kWarning);
  ::testing::internal::CaptureStdout();
  LogInfo("dropped", {{"k", "v"}});
  LogDebug("dropped too");
  std::string filtered = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(filtered, IsEmpty());

  ::testing::internal::CaptureStdout();
  LogWarning("redis \"slow\"", {{"service", "training"}, {"latency_ms", "250"}});
  std::string line = ::testing::internal::GetCapturedStdout();
  SetLogLevel(LogLevel::kInfo);

  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "exactly one line";
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) << line;
  const auto& fields = parsed.fields();
  EXPECT_EQ(fields.at("severity").string_value(), "WARNING");
  EXPECT_EQ(fields.at("message").string_value(), "redis \"slow\"");
  EXPECT_EQ(fields.at("service").string_value(), "training");
  EXPECT_EQ(fields.at("latency_ms").string_value(), "250");
  EXPECT_FALSE(fields.at("timestamp").string_value().empty());
}

}  // namespace
}  // namespace pathways
