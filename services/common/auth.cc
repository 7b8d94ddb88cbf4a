#include "services/common/auth.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/server_context.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "pathways/common/v1/token.pb.h"

namespace pathways {
namespace {

constexpr absl::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid bearer token: ", why));
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdviser:
      return "adviser";
    case Role::kProvider:
      return "provider";
    case Role::kEmployer:
      return "employer";
    case Role::kAnalyst:
      return "analyst";
    case Role::kAdmin:
      return "admin";
    case Role::kService:
      return "service";
  }
  return "unknown";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (Role role : {Role::kAdviser, Role::kProvider, Role::kEmployer, Role::kAnalyst, Role::kAdmin,
                    Role::kService}) {
    if (RoleName(role) == name) return role;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "role must be adviser, provider, employer, analyst, admin or service, got \"", name, "\""));
}

TokenAuthority::TokenAuthority(std::string secret) : secret_(std::move(secret)) {}

std::string TokenAuthority::Sign(absl::string_view signing_input) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &mac_length);
  std::string out;
  absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<const char*>(mac), mac_length),
                            &out);
  return out;
}

std::string TokenAuthority::Issue(const Principal& principal, absl::Duration lifetime,
                                  absl::Time now) const {
  common::v1::TokenClaims claims;
  claims.set_sub(principal.subject);
  claims.set_role(std::string(RoleName(principal.role)));
  claims.set_org(principal.organisation);
  claims.set_iat(static_cast<uint32_t>(absl::ToUnixSeconds(now)));
  claims.set_exp(static_cast<uint32_t>(absl::ToUnixSeconds(now + lifetime)));
  std::string payload;
  (void)google::protobuf::util::MessageToJsonString(claims, &payload);
  std::string header_part, payload_part;
  absl::WebSafeBase64Escape(kHeader, &header_part);
  absl::WebSafeBase64Escape(payload, &payload_part);
  std::string signing_input = absl::StrCat(header_part, ".", payload_part);
  return absl::StrCat(signing_input, ".", Sign(signing_input));
}

absl::StatusOr<Principal> TokenAuthority::Verify(absl::string_view token, absl::Time now) const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(token);
    if (it != cache_.end()) {
      if (it->second.expires > now) return it->second.principal;
      cache_.erase(it);
      return Unauthenticated("expired");
    }
  }
  absl::StatusOr<Verified> verified = VerifyUncached(token, now);
  if (!verified.ok()) return verified.status();
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() >= kMaxCachedTokens) cache_.clear();
  cache_.emplace(std::string(token), *verified);
  return verified->principal;
}

absl::StatusOr<TokenAuthority::Verified> TokenAuthority::VerifyUncached(absl::string_view token,
                                                                        absl::Time now) const {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Unauthenticated("not a JWT");
  std::string header;
  if (!absl::WebSafeBase64Unescape(parts[0], &header) ||
      !absl::StrContains(header, R"("alg":"HS256")")) {
    return Unauthenticated("only HS256 tokens are accepted");
  }
  std::string signing_input = absl::StrCat(parts[0], ".", parts[1]);
  std::string expected = Sign(signing_input);
  if (expected.size() != parts[2].size() ||
      CRYPTO_memcmp(expected.data(), parts[2].data(), expected.size()) != 0) {
    return Unauthenticated("bad signature");
  }
  std::string payload;
  if (!absl::WebSafeBase64Unescape(parts[1], &payload)) return Unauthenticated("bad payload");
  common::v1::TokenClaims claims;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(payload, &claims, options).ok()) {
    return Unauthenticated("bad claims");
  }
  if (claims.exp() == 0 || absl::FromUnixSeconds(claims.exp()) <= now) {
    return Unauthenticated("expired");
  }
  absl::StatusOr<Role> role = ParseRole(claims.role());
  if (!role.ok()) return Unauthenticated("unknown role");
  return Verified{Principal{*role, claims.org(), claims.sub()},
                  absl::FromUnixSeconds(claims.exp())};
}

absl::StatusOr<Principal> TokenAuthority::Authenticate(
    const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError("missing \"authorization: Bearer <token>\" metadata");
  }
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWithIgnoreCase(value, kBearer)) {
    return absl::UnauthenticatedError("authorization metadata must be \"Bearer <token>\"");
  }
  return Verify(value.substr(kBearer.size()));
}

absl::Status RequireRole(const Principal& principal, std::initializer_list<Role> roles) {
  if (std::find(roles.begin(), roles.end(), principal.role) != roles.end()) {
    return absl::OkStatus();
  }
  std::vector<absl::string_view> names;
  for (Role role : roles) names.push_back(RoleName(role));
  return absl::PermissionDeniedError(
      absl::StrCat("role ", RoleName(principal.role),
                   " may not do this; needs one of: ", absl::StrJoin(names, ", ")));
}

}  // namespace pathways
