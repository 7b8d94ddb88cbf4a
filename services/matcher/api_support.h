// What every matcher method does the same way: resolving the person, limits
// and policy of a request, page tokens, and the index revision answered from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "pathways/matcher/v1/matcher_service.pb.h"
#include "pathways/profiles/v1/profiles_service.pb.h"
#include "services/matcher/calendar.h"
#include "services/matcher/match_index.h"
#include "services/matcher/query.h"
#include "services/matcher/ranking_policy.h"

namespace pathways::matcher {

// A request's inputs, resolved against the index.
struct ResolvedQuery {
  Policy policy;
  Person person;
  Limits limits;
};

// `profile_field` names the profile in errors ("inline_profile" or
// "profile"); filters and weights are reported as "filters" and "weights".
absl::StatusOr<ResolvedQuery> ResolveQuery(const MatchIndex& index, const Policy& base,
                                           const profiles::v1::Profile& profile,
                                           std::string_view profile_field,
                                           const v1::PathwayFilters& filters,
                                           const v1::Weights& weights, Day today);

// A stable fingerprint of a request with its page_token cleared (the same
// in every replica and release, unlike absl::Hash).
uint64_t RequestFingerprint(const google::protobuf::Message& request);
// Opaque token for resuming at `offset`.
std::string EncodePageToken(uint64_t fingerprint, int offset);
// The offset in a token; INVALID_ARGUMENT (naming "page_token") if it is
// malformed or was issued for a different request.
absl::StatusOr<int> DecodePageToken(std::string_view token, uint64_t fingerprint);

void FillIndexRevision(const MatchIndex& index, v1::IndexRevision* revision);

// Reads a 0-means-default count in 1..max; INVALID_ARGUMENT otherwise.
absl::StatusOr<int> CountOrDefault(std::string_view field, int value, int fallback, int max);

}  // namespace pathways::matcher
