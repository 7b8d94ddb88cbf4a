// Bearer-token authentication and the caller's identity (DESIGN.md §6).
// Tokens are HS256 JSON Web Tokens whose payload is
// pathways.common.v1.TokenClaims; every service verifies them itself.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace grpc {
class ServerContextBase;
}

namespace pathways {

enum class Role { kAdviser, kProvider, kEmployer, kAnalyst, kAdmin, kService };

absl::string_view RoleName(Role role);
absl::StatusOr<Role> ParseRole(absl::string_view name);

// Who is calling.
struct Principal {
  Role role = Role::kAnalyst;
  std::string organisation;  // Provider id, employer id or adviser's organisation.
  std::string subject;       // The caller's own id, for audit.
};

// Signs and verifies tokens with one shared secret. Thread-safe.
class TokenAuthority {
 public:
  explicit TokenAuthority(std::string secret);

  std::string Issue(const Principal& principal, absl::Duration lifetime,
                    absl::Time now = absl::Now()) const;
  // UNAUTHENTICATED when the token is malformed, badly signed or expired.
  absl::StatusOr<Principal> Verify(absl::string_view token, absl::Time now = absl::Now()) const;
  // Reads and verifies the "authorization: Bearer ..." header of a call.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context) const;

 private:
  std::string Sign(absl::string_view signing_input) const;
  struct Verified {
    Principal principal;
    absl::Time expires;
  };
  absl::StatusOr<Verified> VerifyUncached(absl::string_view token, absl::Time now) const;

  // A client sends the same token on every call: remember tokens already
  // verified (until they expire) instead of checking the HMAC and parsing the
  // claims each time. Bounded; cleared when full.
  static constexpr size_t kMaxCachedTokens = 4096;

  std::string secret_;
  mutable std::mutex cache_mutex_;
  mutable absl::flat_hash_map<std::string, Verified> cache_;
};

// PERMISSION_DENIED unless the caller has one of the roles.
absl::Status RequireRole(const Principal& principal, std::initializer_list<Role> roles);

}  // namespace pathways
