#include "services/matcher/api_support.h"

#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/common/api_conventions.h"
#include "services/taxonomy/absl_compat.h"

namespace pathways::matcher {
namespace {

using taxonomy::internal::StrCat;

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

namespace {

// The request with its page_token cleared, serialised deterministically
// (the same in every replica and release): what a page token is tied to.
std::string RequestQuery(const google::protobuf::Message& request) {
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
  return bytes;
}

}  // namespace

absl::StatusOr<int> PageOffset(const google::protobuf::Message& request) {
  const google::protobuf::FieldDescriptor* field =
      request.GetDescriptor()->FindFieldByName("page_token");
  const std::string token =
      field == nullptr ? std::string() : request.GetReflection()->GetString(request, field);
  if (token.empty()) return 0;
  absl::StatusOr<std::string> position = pathways::DecodePageToken(token, RequestQuery(request));
  if (!position.ok()) return position.status();
  int offset = 0;
  if (!absl::SimpleAtoi(*position, &offset) || offset < 0) {
    return absl::InvalidArgumentError("page_token is not a token this service issued");
  }
  return offset;
}

std::string NextPageToken(const google::protobuf::Message& request, int offset) {
  return pathways::EncodePageToken(RequestQuery(request), StrCat(offset));
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
