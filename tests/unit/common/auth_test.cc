#include "services/common/auth.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pathways {
namespace {

using ::testing::HasSubstr;

const std::string kSecret = "an-hs256-test-secret-of-32-bytes+";
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

std::string Base64Url(absl::string_view text) {
  std::string out;
  absl::WebSafeBase64Escape(text, &out);
  return out;
}

// A token built by hand and signed with `secret`, so tests can control
// every part that TokenAuthority::Issue never produces.
std::string HandMadeToken(absl::string_view header, absl::string_view payload,
                          const std::string& secret) {
  std::string signing_input = absl::StrCat(Base64Url(header), ".", Base64Url(payload));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &mac_length);
  return absl::StrCat(signing_input, ".",
                      Base64Url(absl::string_view(reinterpret_cast<const char*>(mac), mac_length)));
}

std::string Payload(absl::string_view role, int64_t exp) {
  return absl::StrCat(R"({"sub":"user-1","role":")", role, R"(","org":"acme","iat":)",
                      absl::ToUnixSeconds(kNow), R"(,"exp":)", exp, "}");
}

constexpr absl::string_view kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

void ExpectUnauthenticated(const absl::StatusOr<Principal>& result) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated) << result.status();
}

TEST(RoleTest, NamesRoundTrip) {
  for (Role role : {Role::kAdviser, Role::kProvider, Role::kEmployer, Role::kAnalyst, Role::kAdmin,
                    Role::kService}) {
    absl::StatusOr<Role> parsed = ParseRole(RoleName(role));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_EQ(RoleName(Role::kProvider), "provider");
}

TEST(RoleTest, UnknownNamesAreInvalid) {
  for (absl::string_view name : {"", "root", "Admin", "admin "}) {
    absl::StatusOr<Role> parsed = ParseRole(name);
    ASSERT_FALSE(parsed.ok()) << name;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(TokenAuthorityTest, IssuedTokenVerifiesWithItsClaims) {
  TokenAuthority authority(kSecret);
  for (Role role : {Role::kAdviser, Role::kProvider, Role::kEmployer, Role::kAnalyst, Role::kAdmin,
                    Role::kService}) {
    std::string token =
        authority.Issue(Principal{role, "college-7", "staff-42"}, absl::Hours(1), kNow);
    absl::StatusOr<Principal> principal = authority.Verify(token, kNow + absl::Minutes(59));
    ASSERT_TRUE(principal.ok()) << principal.status();
    EXPECT_EQ(principal->role, role);
    EXPECT_EQ(principal->organisation, "college-7");
    EXPECT_EQ(principal->subject, "staff-42");
  }
}

TEST(TokenAuthorityTest, IssuedTokenIsAnUnpaddedHs256Jwt) {
  TokenAuthority authority(kSecret);
  std::string token = authority.Issue(Principal{Role::kAdmin, "", "ops"}, absl::Minutes(5), kNow);
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  std::string header;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[0], &header));
  EXPECT_THAT(header, HasSubstr(R"("alg":"HS256")"));
  EXPECT_EQ(token.find('='), std::string::npos);
  // The same token a hand-rolled HS256 signer produces over the same parts.
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  EXPECT_EQ(HandMadeToken(header, payload, kSecret), token);
}

TEST(TokenAuthorityTest, ExpiresAtItsLifetime) {
  TokenAuthority authority(kSecret);
  std::string token =
      authority.Issue(Principal{Role::kAdviser, "org", "me"}, absl::Minutes(15), kNow);
  EXPECT_TRUE(authority.Verify(token, kNow + absl::Minutes(15) - absl::Seconds(1)).ok());
  ExpectUnauthenticated(authority.Verify(token, kNow + absl::Minutes(15)));
  ExpectUnauthenticated(authority.Verify(token, kNow + absl::Hours(24)));
}

TEST(TokenAuthorityTest, TamperedPayloadIsRejected) {
  TokenAuthority authority(kSecret);
  std::string token = authority.Issue(Principal{Role::kAdviser, "org", "me"}, absl::Hours(1), kNow);
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  std::string promoted = absl::StrReplaceAll(payload, {{"\"adviser\"", "\"admin\""}});
  ASSERT_NE(promoted, payload);
  std::string forged = absl::StrCat(parts[0], ".", Base64Url(promoted), ".", parts[2]);
  ExpectUnauthenticated(authority.Verify(forged, kNow));
}

TEST(TokenAuthorityTest, TamperedSignatureIsRejected) {
  TokenAuthority authority(kSecret);
  std::string token = authority.Issue(Principal{Role::kAdviser, "org", "me"}, absl::Hours(1), kNow);
  token.back() = token.back() == 'A' ? 'B' : 'A';
  ExpectUnauthenticated(authority.Verify(token, kNow));
  // A truncated signature is no better.
  std::string whole = authority.Issue(Principal{Role::kAdviser, "org", "me"}, absl::Hours(1), kNow);
  ExpectUnauthenticated(authority.Verify(whole.substr(0, whole.size() - 1), kNow));
}

TEST(TokenAuthorityTest, TokenSignedWithAnotherSecretIsRejected) {
  TokenAuthority issuer("a-different-secret-also-32-bytes-long");
  TokenAuthority verifier(kSecret);
  std::string token = issuer.Issue(Principal{Role::kAdmin, "org", "me"}, absl::Hours(1), kNow);
  ExpectUnauthenticated(verifier.Verify(token, kNow));
}

TEST(TokenAuthorityTest, MalformedTokensAreRejected) {
  TokenAuthority authority(kSecret);
  for (absl::string_view token :
       {"", "not-a-jwt", "a.b", "a.b.c.d", "...", "!!!.???.***", "Bearer x.y.z"}) {
    absl::StatusOr<Principal> result = authority.Verify(token, kNow);
    ExpectUnauthenticated(result);
    EXPECT_THAT(std::string(result.status().message()), HasSubstr("invalid bearer token")) << token;
  }
}

TEST(TokenAuthorityTest, AlgNoneIsRejectedEvenWithoutASignature) {
  TokenAuthority authority(kSecret);
  std::string payload = Payload("admin", absl::ToUnixSeconds(kNow) + 3600);
  std::string unsigned_token =
      absl::StrCat(Base64Url(R"({"alg":"none","typ":"JWT"})"), ".", Base64Url(payload), ".");
  ExpectUnauthenticated(authority.Verify(unsigned_token, kNow));
  // Even correctly keyed, a header that does not say HS256 is refused.
  ExpectUnauthenticated(
      authority.Verify(HandMadeToken(R"({"alg":"none","typ":"JWT"})", payload, kSecret), kNow));
  ExpectUnauthenticated(
      authority.Verify(HandMadeToken(R"({"alg":"HS512","typ":"JWT"})", payload, kSecret), kNow));
}

TEST(TokenAuthorityTest, HandMadeTokenWithGoodClaimsVerifies) {
  TokenAuthority authority(kSecret);
  // Unknown claims are ignored.
  std::string payload = absl::StrCat(R"({"sub":"s","role":"employer","org":"e1","exp":)",
                                     absl::ToUnixSeconds(kNow) + 60, R"(,"jti":"x1"})");
  absl::StatusOr<Principal> principal =
      authority.Verify(HandMadeToken(kHs256Header, payload, kSecret), kNow);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->role, Role::kEmployer);
  EXPECT_EQ(principal->organisation, "e1");
  EXPECT_EQ(principal->subject, "s");
}

TEST(TokenAuthorityTest, SignedButInvalidClaimsAreRejected) {
  TokenAuthority authority(kSecret);
  int64_t later = absl::ToUnixSeconds(kNow) + 3600;
  // Unknown role.
  ExpectUnauthenticated(
      authority.Verify(HandMadeToken(kHs256Header, Payload("superuser", later), kSecret), kNow));
  // No expiry at all.
  ExpectUnauthenticated(authority.Verify(
      HandMadeToken(kHs256Header, R"({"sub":"s","role":"admin","org":"o"})", kSecret), kNow));
  // Payload that is not JSON.
  ExpectUnauthenticated(authority.Verify(HandMadeToken(kHs256Header, "not json", kSecret), kNow));
  // Expiry of the wrong type.
  ExpectUnauthenticated(authority.Verify(
      HandMadeToken(kHs256Header, R"({"role":"admin","exp":"tomorrow"})", kSecret), kNow));
}

TEST(RequireRoleTest, AllowsListedRoles) {
  Principal provider{Role::kProvider, "college-7", "staff-42"};
  EXPECT_TRUE(RequireRole(provider, {Role::kProvider}).ok());
  EXPECT_TRUE(RequireRole(provider, {Role::kAdmin, Role::kProvider}).ok());
}

TEST(RequireRoleTest, OtherRolesArePermissionDenied) {
  Principal adviser{Role::kAdviser, "org", "me"};
  absl::Status status = RequireRole(adviser, {Role::kAdmin, Role::kProvider});
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(status.message()), HasSubstr("adviser"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("admin, provider"));
  EXPECT_EQ(RequireRole(adviser, {}).code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace pathways
