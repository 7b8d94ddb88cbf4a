// pathways-token: prints a bearer token signed with the deployment's secret,
// for calling the services by hand (grpcurl, scripts) in a local or test
// deployment. The secret comes from AUTH_SECRET or AUTH_SECRET_FILE, read by
// the same code the servers use, so a token this prints is one they accept.
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "services/common/config.h"

namespace {

constexpr int kMaxHours = 24 * 366;

constexpr char kUsage[] =
    R"(Usage: pathways-token --role ROLE [--org ID] [--subject ID] [--hours N]

Prints a bearer token signed with AUTH_SECRET (or the contents of
AUTH_SECRET_FILE), for the "authorization: Bearer <token>" header.

  --role ROLE     adviser, provider, employer, analyst, admin or service (required)
  --org ID        the organisation the caller acts for; required for provider
                  (the provider id) and employer (the employer id)
  --subject ID    the caller's own id, recorded in audit logs (default local-user)
  --hours N       lifetime in hours, 1..8784 (default 12)
  --help          show this help

Example:
  AUTH_SECRET_FILE=run/auth_secret pathways-token --role adviser --org demo
)";

struct Options {
  std::string role;
  std::string org;
  std::string subject = "local-user";
  int hours = 12;
  bool help = false;
};

int UsageError(const std::string& message) {
  std::cerr << "pathways-token: " << message << "\n\n" << kUsage;
  return 2;
}

// Accepts "--flag value" and "--flag=value".
std::optional<std::string> ParseArgs(int argc, char** argv, Options* options) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    if (size_t eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag == "--help" || flag == "-h") {
      options->help = true;
      continue;
    }
    if (flag != "--role" && flag != "--org" && flag != "--subject" && flag != "--hours") {
      return absl::StrCat("unknown argument \"", args[i], "\"");
    }
    if (!value) {
      if (i + 1 >= args.size()) return absl::StrCat(flag, " needs a value");
      value = args[++i];
    }
    if (flag == "--role") {
      options->role = *value;
    } else if (flag == "--org") {
      options->org = *value;
    } else if (flag == "--subject") {
      options->subject = *value;
    } else if (!absl::SimpleAtoi(*value, &options->hours) || options->hours < 1 ||
               options->hours > kMaxHours) {
      return absl::StrCat("--hours must be a whole number of hours in 1..", kMaxHours, ", got \"",
                          *value, "\"");
    }
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (std::optional<std::string> error = ParseArgs(argc, argv, &options)) {
    return UsageError(*error);
  }
  if (options.help) {
    std::cout << kUsage;
    return 0;
  }
  if (options.role.empty()) return UsageError("--role is required");
  absl::StatusOr<pathways::Role> role = pathways::ParseRole(options.role);
  if (!role.ok()) return UsageError(std::string(role.status().message()));
  if (options.org.empty() &&
      (*role == pathways::Role::kProvider || *role == pathways::Role::kEmployer)) {
    return UsageError(absl::StrCat("a ", options.role,
                                   " token needs --org: the services authorise it by that id"));
  }
  if (options.subject.empty()) return UsageError("--subject must not be empty");

  absl::StatusOr<std::string> secret = pathways::LoadAuthSecret(pathways::ProcessEnv());
  if (!secret.ok()) {
    std::cerr << "pathways-token: " << secret.status().message()
              << "\nSet AUTH_SECRET, or AUTH_SECRET_FILE to a file holding it (the local run "
                 "keeps one in run/auth_secret).\n";
    return 2;
  }

  pathways::TokenAuthority authority(*std::move(secret));
  pathways::Principal principal;
  principal.role = *role;
  principal.organisation = options.org;
  principal.subject = options.subject;
  std::cout << authority.Issue(principal, absl::Hours(options.hours)) << "\n";
  return 0;
}
