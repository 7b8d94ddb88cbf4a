#include "services/common/resource_store.h"

#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "services/common/status_macros.h"

namespace pathways {
namespace {

const RedisScript& CreateScript() {
  static const RedisScript script(R"lua(
local prefix, kind, parent, req, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local reqkey = ''
if req ~= '' then
  reqkey = prefix .. ':req:' .. kind .. ':' .. parent .. ':' .. req
  local prev = redis.call('GET', reqkey)
  if prev then return {'REPLAY', prev} end
end
if parent ~= '' and redis.call('EXISTS', prefix .. ':res:' .. parent) == 0 then
  return redis.error_reply('NOT_FOUND ' .. parent .. ' does not exist')
end
local n = (#ARGV - 5) / 3
for i = 0, n - 1 do
  local name = ARGV[6 + 3 * i]
  if redis.call('EXISTS', prefix .. ':res:' .. name) == 1 then
    return redis.error_reply('ALREADY_EXISTS ' .. name .. ' already exists')
  end
end
local names = {}
local stream = prefix .. ':changes:' .. kind
for i = 0, n - 1 do
  local name, pb, etag = ARGV[6 + 3 * i], ARGV[7 + 3 * i], ARGV[8 + 3 * i]
  redis.call('HSET', prefix .. ':res:' .. name, 'pb', pb, 'e', etag)
  redis.call('ZADD', prefix .. ':idx:' .. kind, 0, name)
  if parent ~= '' then
    redis.call('ZADD', prefix .. ':idx:' .. kind .. ':' .. parent, 0, name)
  end
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 't', 'C', 'n', name, 'pb', pb, 'e', etag)
  names[#names + 1] = name
end
if reqkey ~= '' then redis.call('SET', reqkey, table.concat(names, '\n'), 'EX', 86400) end
return {'CREATED'}
)lua");
  return script;
}

const RedisScript& UpdateScript() {
  static const RedisScript script(R"lua(
local prefix, kind, name, pb, expected, etag, maxlen =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local key = prefix .. ':res:' .. name
local current = redis.call('HGET', key, 'e')
if not current then return redis.error_reply('NOT_FOUND ' .. name .. ' does not exist') end
if current ~= expected then
  return redis.error_reply('ABORTED ' .. name ..
    ' has changed since it was read (etag mismatch); read it again and retry')
end
redis.call('HSET', key, 'pb', pb, 'e', etag)
redis.call('XADD', prefix .. ':changes:' .. kind, 'MAXLEN', '~', maxlen, '*',
  't', 'U', 'n', name, 'pb', pb, 'e', etag)
return 'OK'
)lua");
  return script;
}

const RedisScript& DeleteScript() {
  static const RedisScript script(R"lua(
local prefix, kind, parent, name, expected, maxlen, children =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local key = prefix .. ':res:' .. name
local current = redis.call('HGET', key, 'e')
if not current then return redis.error_reply('NOT_FOUND ' .. name .. ' does not exist') end
if expected ~= '' and current ~= expected then
  return redis.error_reply('ABORTED ' .. name ..
    ' has changed since it was read (etag mismatch); read it again and retry')
end
if children ~= '' and redis.call('ZCARD', prefix .. ':idx:' .. children .. ':' .. name) > 0 then
  return redis.error_reply('FAILED_PRECONDITION ' .. name .. ' still has ' .. children ..
    '; delete them first')
end
redis.call('DEL', key)
redis.call('ZREM', prefix .. ':idx:' .. kind, name)
if parent ~= '' then redis.call('ZREM', prefix .. ':idx:' .. kind .. ':' .. parent, name) end
redis.call('XADD', prefix .. ':changes:' .. kind, 'MAXLEN', '~', maxlen, '*', 't', 'D', 'n', name)
return 'OK'
)lua");
  return script;
}

const RedisScript& ListScript() {
  static const RedisScript script(R"lua(
local prefix, kind, parent, after, limit = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local idx = prefix .. ':idx:' .. kind
if parent ~= '' then idx = idx .. ':' .. parent end
local start = '-'
if after ~= '' then start = '(' .. after end
local names = redis.call('ZRANGEBYLEX', idx, start, '+', 'LIMIT', 0, limit + 1)
local last = redis.call('XREVRANGE', prefix .. ':changes:' .. kind, '+', '-', 'COUNT', 1)
local rev = '0-0'
if #last > 0 then rev = last[1][1] end
local out = {rev, #names}
for i, name in ipairs(names) do
  if i <= limit then
    local v = redis.call('HMGET', prefix .. ':res:' .. name, 'pb', 'e')
    out[#out + 1] = name
    out[#out + 1] = v[1] or ''
    out[#out + 1] = v[2] or ''
  end
end
return out
)lua");
  return script;
}

}  // namespace

bool ParseRevision(const std::string& revision, uint64_t* ms, uint64_t* seq) {
  std::vector<absl::string_view> parts = absl::StrSplit(revision, '-');
  return parts.size() == 2 && absl::SimpleAtoi(parts[0], ms) && absl::SimpleAtoi(parts[1], seq);
}

bool RevisionWrittenAt(const std::string& revision, absl::Time* written) {
  uint64_t ms = 0, seq = 0;
  if (!ParseRevision(revision, &ms, &seq)) return false;
  *written = absl::FromUnixMillis(static_cast<int64_t>(ms));
  return true;
}

absl::Status UnexpectedReply(absl::string_view what) {
  return absl::InternalError(absl::StrCat("unexpected reply from redis to ", what));
}

bool RevisionBefore(const std::string& a, const std::string& b) {
  uint64_t a_ms = 0, a_seq = 0, b_ms = 0, b_seq = 0;
  ParseRevision(a, &a_ms, &a_seq);
  ParseRevision(b, &b_ms, &b_seq);
  return a_ms < b_ms || (a_ms == b_ms && a_seq < b_seq);
}

ResourceStore::ResourceStore(RedisPool* pool, std::string prefix, std::string kind,
                             int64_t stream_max_length)
    : pool_(pool),
      prefix_(std::move(prefix)),
      kind_(std::move(kind)),
      max_length_(std::to_string(stream_max_length)) {}

std::string ResourceStore::NewEtag() {
  thread_local std::mt19937_64 random(std::random_device{}());
  return absl::StrFormat("%016x", random());
}

absl::StatusOr<std::vector<StoredResource>> ResourceStore::Create(
    const std::string& parent_name, const std::vector<StoredResource>& items,
    const std::string& request_id) {
  RedisArgs args = {prefix_, kind_, parent_name, request_id, max_length_};
  args.reserve(args.size() + 3 * items.size());
  for (const StoredResource& item : items) {
    args.push_back(item.name);
    args.push_back(item.data);
    args.push_back(item.etag);
  }
  ASSIGN_OR_RETURN(RedisReply reply, pool_->Eval(CreateScript(), {}, args));
  if (reply.type != RedisReply::Type::kArray || reply.elements.empty()) {
    return UnexpectedReply("create");
  }
  if (reply.elements[0].str == "CREATED") return items;
  if (reply.elements[0].str != "REPLAY" || reply.elements.size() != 2) {
    return UnexpectedReply("create");
  }
  // A retry of a request that already succeeded: answer as the first time,
  // with the resources as they are now.
  std::vector<StoredResource> existing;
  for (absl::string_view name : absl::StrSplit(reply.elements[1].str, '\n')) {
    absl::StatusOr<StoredResource> item = Get(std::string(name));
    if (!item.ok()) {
      if (item.status().code() == absl::StatusCode::kNotFound) {
        return absl::AbortedError(absl::StrCat("request_id \"", request_id,
                                               "\" was already used, and ", name,
                                               " it created has since been deleted"));
      }
      return item.status();
    }
    existing.push_back(*std::move(item));
  }
  return existing;
}

absl::StatusOr<StoredResource> ResourceStore::Get(const std::string& name) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   pool_->Command({"HMGET", absl::StrCat(prefix_, ":res:", name), "pb", "e"}));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 2) {
    return UnexpectedReply("get");
  }
  if (reply.elements[1].is_nil()) return absl::NotFoundError(absl::StrCat(name, " does not exist"));
  return StoredResource{name, std::move(reply.elements[0].str), std::move(reply.elements[1].str)};
}

absl::Status ResourceStore::Update(const StoredResource& item, const std::string& expected_etag) {
  return pool_
      ->Eval(UpdateScript(), {},
             {prefix_, kind_, item.name, item.data, expected_etag, item.etag, max_length_})
      .status();
}

absl::Status ResourceStore::Delete(const std::string& parent_name, const std::string& name,
                                   const std::string& expected_etag,
                                   const std::string& blocking_children_kind) {
  return pool_
      ->Eval(
          DeleteScript(), {},
          {prefix_, kind_, parent_name, name, expected_etag, max_length_, blocking_children_kind})
      .status();
}

absl::StatusOr<ResourcePage> ResourceStore::List(const std::string& parent_name,
                                                 const std::string& after, int limit) {
  ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(ListScript(), {}, {prefix_, kind_, parent_name, after, std::to_string(limit)}));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() < 2 ||
      (reply.elements.size() - 2) % 3 != 0) {
    return UnexpectedReply("list");
  }
  ResourcePage page;
  page.revision = reply.elements[0].str;
  bool more = reply.elements[1].integer > limit;
  for (size_t i = 2; i + 2 < reply.elements.size(); i += 3) {
    page.items.push_back(StoredResource{std::move(reply.elements[i].str),
                                        std::move(reply.elements[i + 1].str),
                                        std::move(reply.elements[i + 2].str)});
  }
  if (more && !page.items.empty()) page.continue_after = page.items.back().name;
  return page;
}

absl::StatusOr<std::string> ResourceStore::CurrentRevision() {
  ASSIGN_OR_RETURN(RedisReply reply,
                   pool_->Command({"XREVRANGE", absl::StrCat(prefix_, ":changes:", kind_), "+", "-",
                                   "COUNT", "1"}));
  if (reply.type == RedisReply::Type::kArray && !reply.elements.empty() &&
      !reply.elements[0].elements.empty()) {
    return reply.elements[0].elements[0].str;
  }
  return std::string("0-0");
}

absl::Status ResourceStore::CheckRevision(const std::string& revision) {
  uint64_t ms = 0, seq = 0;
  if (!ParseRevision(revision, &ms, &seq)) {
    return absl::InvalidArgumentError(absl::StrCat("start_revision.token \"", revision,
                                                   "\" is not a revision this service issued"));
  }
  absl::StatusOr<RedisReply> info =
      pool_->Command({"XINFO", "STREAM", absl::StrCat(prefix_, ":changes:", kind_)});
  if (!info.ok()) {
    // No stream yet: nothing was ever trimmed.
    if (info.status().code() == absl::StatusCode::kInternal) return absl::OkStatus();
    return info.status();
  }
  // Entries are only ever removed from the front (trimming), so the history
  // after `revision` is complete unless entries were removed and the oldest
  // one left is newer than `revision`.
  long long length = 0, added = 0;
  std::string first_id, last_generated;
  const std::vector<RedisReply>& fields = info->elements;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    const std::string& field = fields[i].str;
    const RedisReply& value = fields[i + 1];
    if (field == "length") length = value.integer;
    if (field == "entries-added") added = value.integer;
    if (field == "last-generated-id") last_generated = value.str;
    if (field == "first-entry" && !value.elements.empty()) first_id = value.elements[0].str;
  }
  bool trimmed = added > length;
  const std::string& oldest_kept = length > 0 ? first_id : last_generated;
  if (trimmed && RevisionBefore(revision, oldest_kept)) {
    return absl::OutOfRangeError(absl::StrCat(
        "start_revision ", revision,
        " is older than the retained change history; list again and watch from its revision"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ResourceChange>> ReadStreamChanges(RedisConnection& connection,
                                                              const std::string& stream,
                                                              const std::string& revision,
                                                              std::chrono::milliseconds block,
                                                              int max_count) {
  ASSIGN_OR_RETURN(
      RedisReply reply,
      connection.Command({"XREAD", "COUNT", std::to_string(max_count), "BLOCK",
                          std::to_string(block.count()), "STREAMS", stream, revision}));
  if (reply.type == RedisReply::Type::kError) return StatusFromRedisError(reply.str);
  std::vector<ResourceChange> changes;
  if (reply.is_nil()) return changes;
  if (reply.type != RedisReply::Type::kArray || reply.elements.empty() ||
      reply.elements[0].elements.size() != 2) {
    return UnexpectedReply("xread");
  }
  for (RedisReply& entry : reply.elements[0].elements[1].elements) {
    if (entry.elements.size() != 2) return UnexpectedReply("xread entry");
    ResourceChange change;
    change.revision = std::move(entry.elements[0].str);
    std::vector<RedisReply>& fields = entry.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      const std::string& field = fields[i].str;
      if (field == "t") {
        change.kind = fields[i + 1].str == "C"   ? ChangeKind::kCreated
                      : fields[i + 1].str == "U" ? ChangeKind::kUpdated
                                                 : ChangeKind::kDeleted;
      } else if (field == "n") {
        change.name = std::move(fields[i + 1].str);
      } else if (field == "pb") {
        change.data = std::move(fields[i + 1].str);
      } else if (field == "e") {
        change.etag = std::move(fields[i + 1].str);
      }
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

absl::StatusOr<std::vector<ResourceChange>> ResourceStore::ReadChanges(
    RedisConnection& connection, const std::string& revision, std::chrono::milliseconds block,
    int max_count) {
  return ReadStreamChanges(connection, absl::StrCat(prefix_, ":changes:", kind_), revision, block,
                           max_count);
}

}  // namespace pathways
