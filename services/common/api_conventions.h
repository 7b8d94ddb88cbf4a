// The API conventions every service shares (DESIGN.md §3): resource ids and
// names, page sizes and tokens, update masks, timestamps.
#pragma once

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace pathways {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;
inline constexpr size_t kMaxRequestIdLength = 64;

// An id: 1..63 of [a-z0-9-], starting with a letter, not ending with '-'.
absl::Status ValidateId(absl::string_view field, absl::string_view id);

// Splits "c1/{id1}/c2/{id2}" against collections {c1, c2} and returns the ids;
// INVALID_ARGUMENT naming `field` otherwise. An id may be "-" only where
// `allow_wildcard` is set (for "every parent" in List).
absl::StatusOr<std::vector<std::string>> ParseResourceName(
    absl::string_view field, absl::string_view name,
    std::initializer_list<absl::string_view> collections, bool allow_wildcard = false);

// 0 → default; above the maximum → the maximum; negative → INVALID_ARGUMENT.
absl::StatusOr<int> PageSize(int requested);

// Page tokens are opaque to clients; they carry the last name returned and a
// fingerprint of the query, so a token reused with other filters is refused.
std::string EncodePageToken(absl::string_view query, absl::string_view last_name);
absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query);

// INVALID_ARGUMENT unless request_id is empty or 1..64 printable ASCII.
absl::Status ValidateRequestId(absl::string_view field, absl::string_view request_id);

// Checks that every path names a field of `message`'s type that clients may
// set, i.e. not one of `output_only`, and that the mask is not empty.
absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask,
                                const google::protobuf::Descriptor* descriptor,
                                std::initializer_list<absl::string_view> output_only);
// Copies the masked fields of `source` into `target` (repeated fields and
// messages are replaced, not merged).
void ApplyUpdateMask(const google::protobuf::FieldMask& mask,
                     const google::protobuf::Message& source, google::protobuf::Message* target);

google::protobuf::Timestamp ToTimestamp(absl::Time time);

}  // namespace pathways
