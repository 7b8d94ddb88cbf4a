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

// Answers computed whole and served a page at a time carry the shared page
// token (api_conventions.h) with the offset of the next page as its
// position, tied to the request's other fields.
// The offset `request`'s page_token resumes at (0 without one);
// INVALID_ARGUMENT naming page_token if it is malformed or was issued for a
// different request.
absl::StatusOr<int> PageOffset(const google::protobuf::Message& request);
// The token for resuming `request` at `offset`.
std::string NextPageToken(const google::protobuf::Message& request, int offset);

void FillIndexRevision(const MatchIndex& index, v1::IndexRevision* revision);

// Reads a 0-means-default count in 1..max; INVALID_ARGUMENT otherwise.
absl::StatusOr<int> CountOrDefault(std::string_view field, int value, int fallback, int max);

}  // namespace pathways::matcher
