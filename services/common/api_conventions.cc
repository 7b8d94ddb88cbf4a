#include "services/common/api_conventions.h"

#include <google/protobuf/util/field_mask_util.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace pathways {
namespace {

constexpr size_t kMaxIdLength = 63;

uint64_t Fingerprint(absl::string_view text) {
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a: stable across builds.
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace

absl::Status ValidateId(absl::string_view field, absl::string_view id) {
  bool ok = !id.empty() && id.size() <= kMaxIdLength && absl::ascii_islower(id.front()) &&
            id.back() != '-';
  for (char c : id) {
    ok = ok && (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " must be 1..63 characters of a-z, 0-9 and '-', starting with a letter and not ",
        "ending with '-'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ParseResourceName(
    absl::string_view field, absl::string_view name,
    std::initializer_list<absl::string_view> collections, bool allow_wildcard) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  std::string pattern;
  for (absl::string_view collection : collections) {
    absl::StrAppend(&pattern, pattern.empty() ? "" : "/", collection, "/{id}");
  }
  auto bad = [&]() {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must look like \"", pattern, "\", got \"", name, "\""));
  };
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is required (\"", pattern, "\")"));
  }
  if (parts.size() != 2 * collections.size()) return bad();
  std::vector<std::string> ids;
  size_t i = 0;
  for (absl::string_view collection : collections) {
    if (parts[i] != collection) return bad();
    absl::string_view id = parts[i + 1];
    if (!(allow_wildcard && id == "-") && !ValidateId(field, id).ok()) return bad();
    ids.emplace_back(id);
    i += 2;
  }
  return ids;
}

absl::StatusOr<int> PageSize(int requested) {
  if (requested < 0) return absl::InvalidArgumentError("page_size must not be negative");
  if (requested == 0) return kDefaultPageSize;
  return std::min(requested, kMaxPageSize);
}

std::string EncodePageToken(absl::string_view query, absl::string_view last_name) {
  std::string out;
  absl::WebSafeBase64Escape(absl::StrCat("p1:", Fingerprint(query), ":", last_name), &out);
  return out;
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query) {
  std::string decoded;
  std::vector<std::string> parts;
  if (absl::WebSafeBase64Unescape(token, &decoded)) {
    parts = absl::StrSplit(decoded, absl::MaxSplits(':', 2));
  }
  if (parts.size() != 3 || parts[0] != "p1" || parts[2].empty()) {
    return absl::InvalidArgumentError("page_token is not a token this service issued");
  }
  if (parts[1] != std::to_string(Fingerprint(query))) {
    return absl::InvalidArgumentError(
        "page_token was issued for a different query; send the same filters as before");
  }
  return parts[2];
}

absl::Status ValidateRequestId(absl::string_view field, absl::string_view request_id) {
  if (request_id.size() > kMaxRequestIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(field, " must be at most 64 characters"));
  }
  for (char c : request_id) {
    if (c <= ' ' || c > '~') {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " must be printable ASCII without spaces"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask,
                                const google::protobuf::Descriptor* descriptor,
                                std::initializer_list<absl::string_view> output_only) {
  if (mask.paths_size() == 0) {
    return absl::InvalidArgumentError("update_mask is required and must name at least one field");
  }
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    absl::string_view top = absl::string_view(path).substr(0, path.find('.'));
    bool forbidden = std::find(output_only.begin(), output_only.end(), top) != output_only.end();
    // FieldMaskUtil skips empty segments, so "" or "venue..outcode" would
    // otherwise pass as a valid path that changes nothing.
    for (absl::string_view part : absl::StrSplit(path, '.')) forbidden = forbidden || part.empty();
    if (forbidden ||
        !google::protobuf::util::FieldMaskUtil::GetFieldDescriptors(descriptor, path, nullptr)) {
      return absl::InvalidArgumentError(absl::StrCat("update_mask.paths[", i, "] \"", path,
                                                     "\" is not a field that can be updated"));
    }
  }
  return absl::OkStatus();
}

void ApplyUpdateMask(const google::protobuf::FieldMask& mask,
                     const google::protobuf::Message& source, google::protobuf::Message* target) {
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(source, mask, options, target);
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp out;
  int64_t seconds = absl::ToUnixSeconds(time);  // Rounds towards the past.
  out.set_seconds(seconds);
  out.set_nanos(
      static_cast<int32_t>((time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  return out;
}

}  // namespace pathways
