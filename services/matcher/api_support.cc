#include "services/matcher/api_support.h"

#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/taxonomy/absl_compat.h"

namespace pathways::matcher {
namespace {

using taxonomy::internal::StrCat;
using taxonomy::internal::ToAbsl;

constexpr char kTokenVersion[] = "m1";

}  // namespace

absl::StatusOr<ResolvedQuery> ResolveQuery(const MatchIndex& index, const Policy& base,
                                           const profiles::v1::Profile& profile,
                                           std::string_view profile_field,
                                           const v1::PathwayFilters& filters,
                                           const v1::Weights& weights, Day today) {
  absl::StatusOr<Policy> policy = ApplyWeights(base, weights, "weights");
  if (!policy.ok()) return policy.status();
  absl::StatusOr<Person> person = ResolvePerson(index, profile, profile_field);
  if (!person.ok()) return person.status();
  absl::StatusOr<Limits> limits = ResolveLimits(filters, *person, *policy, today, "filters");
  if (!limits.ok()) return limits.status();
  return ResolvedQuery{*std::move(policy), *std::move(person), *std::move(limits)};
}

uint64_t RequestFingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  if (const google::protobuf::FieldDescriptor* token =
          copy->GetDescriptor()->FindFieldByName("page_token")) {
    copy->GetReflection()->ClearField(copy.get(), token);
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&coded);
  }
  // FNV-1a.
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string EncodePageToken(uint64_t fingerprint, int offset) {
  return absl::WebSafeBase64Escape(StrCat(kTokenVersion, ":", fingerprint, ":", offset));
}

absl::StatusOr<int> DecodePageToken(std::string_view token, uint64_t fingerprint) {
  std::string raw;
  auto bad = [] { return absl::InvalidArgumentError("page_token is not valid for this request"); };
  if (!absl::WebSafeBase64Unescape(ToAbsl(token), &raw)) return bad();
  std::vector<std::string> parts = absl::StrSplit(raw, ':');
  uint64_t print = 0;
  int offset = 0;
  if (parts.size() != 3 || parts[0] != kTokenVersion || !absl::SimpleAtoi(parts[1], &print) ||
      !absl::SimpleAtoi(parts[2], &offset) || print != fingerprint || offset < 0) {
    return bad();
  }
  return offset;
}

void FillIndexRevision(const MatchIndex& index, v1::IndexRevision* revision) {
  revision->mutable_roles()->set_token(index.roles_revision());
  revision->mutable_courses()->set_token(index.courses_revision());
  revision->set_role_count(static_cast<int32_t>(index.role_count()));
  revision->set_course_count(static_cast<int32_t>(index.course_count()));
}

absl::StatusOr<int> CountOrDefault(std::string_view field, int value, int fallback, int max) {
  if (value == 0) return fallback;
  if (value < 0 || value > max) {
    return absl::InvalidArgumentError(StrCat(field, " must be 1..", max, " (0 for the default)"));
  }
  return value;
}

}  // namespace pathways::matcher
