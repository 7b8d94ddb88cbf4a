// Structured logs: one JSON object per line on stdout with timestamp,
// severity, message and fields. Never log personal data: names of resources
// are pseudonymous ids, and fields carry no profile contents.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/common/config.h"

namespace pathways {

using LogFields = std::vector<std::pair<absl::string_view, std::string>>;

// Sets the least severe level that is written (default info).
void SetLogLevel(LogLevel level);

void Log(LogLevel level, absl::string_view message, const LogFields& fields = {});
inline void LogDebug(absl::string_view m, const LogFields& f = {}) { Log(LogLevel::kDebug, m, f); }
inline void LogInfo(absl::string_view m, const LogFields& f = {}) { Log(LogLevel::kInfo, m, f); }
inline void LogWarning(absl::string_view m, const LogFields& f = {}) {
  Log(LogLevel::kWarning, m, f);
}
inline void LogError(absl::string_view m, const LogFields& f = {}) { Log(LogLevel::kError, m, f); }

// Appends `text` to `out` as a JSON string literal, quotes included.
void AppendJsonString(std::string& out, absl::string_view text);

}  // namespace pathways
