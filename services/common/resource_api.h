// The standard methods' shared mechanics on a ResourceStore, for protos with
// `name` and `etag` fields: filtered, paginated List and change-feed messages.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pathways/common/v1/common.pb.h"
#include "services/common/api_conventions.h"
#include "services/common/resource_store.h"
#include "services/common/status_macros.h"

namespace pathways {

// How many stored resources one filtered List call looks at before it
// returns a (possibly short) page with a token to continue.
inline constexpr int kMaxScannedPerPage = 5000;

template <typename Message>
struct ListedPage {
  std::vector<Message> items;
  std::string next_page_token;
  std::string revision;  // Change-feed position the listing was read at.
};

// Lists resources of `parent` (empty: all) in name order, keeping those
// `keep` accepts (all when it is empty). `query` identifies the filters, so a
// page token is only honoured for the query that issued it.
template <typename Message>
absl::StatusOr<ListedPage<Message>> ListResources(
    ResourceStore& store, const std::string& parent, const std::string& query,
    const std::string& page_token, int requested_page_size,
    const std::function<bool(const Message&)>& keep = nullptr) {
  ASSIGN_OR_RETURN(int page_size, PageSize(requested_page_size));
  std::string after;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(after, DecodePageToken(page_token, query));
  }
  ListedPage<Message> out;
  int scanned = 0;
  for (bool first = true;; first = false) {
    int want = keep ? page_size : page_size - static_cast<int>(out.items.size());
    ASSIGN_OR_RETURN(ResourcePage page, store.List(parent, after, want));
    if (first) out.revision = page.revision;
    size_t consumed = 0;
    bool full = false;
    for (const StoredResource& stored : page.items) {
      ++consumed;
      after = stored.name;
      ASSIGN_OR_RETURN(Message message, DecodeResource<Message>(stored));
      if (keep && !keep(message)) continue;
      out.items.push_back(std::move(message));
      full = static_cast<int>(out.items.size()) == page_size;
      if (full) break;
    }
    scanned += static_cast<int>(consumed);
    bool more = consumed < page.items.size() || !page.continue_after.empty();
    if (!more) return out;
    if (full || scanned >= kMaxScannedPerPage) {
      out.next_page_token = EncodePageToken(query, after);
      return out;
    }
  }
}

// A change-feed message (name, type, revision, and the resource unless it
// was deleted) from a stored change; `mutable_resource` is the change
// message's accessor for its resource field.
template <typename ChangeProto, typename Message>
absl::StatusOr<ChangeProto> MakeChangeMessage(const ResourceChange& change,
                                              Message* (ChangeProto::*mutable_resource)()) {
  ChangeProto out;
  out.set_name(change.name);
  out.mutable_revision()->set_token(change.revision);
  switch (change.kind) {
    case ChangeKind::kCreated:
      out.set_type(common::v1::CHANGE_TYPE_CREATED);
      break;
    case ChangeKind::kUpdated:
      out.set_type(common::v1::CHANGE_TYPE_UPDATED);
      break;
    case ChangeKind::kDeleted:
      out.set_type(common::v1::CHANGE_TYPE_DELETED);
      return out;
  }
  ASSIGN_OR_RETURN(*(out.*mutable_resource)(),
                   DecodeResource<Message>(StoredResource{change.name, change.data, change.etag}));
  return out;
}

}  // namespace pathways
