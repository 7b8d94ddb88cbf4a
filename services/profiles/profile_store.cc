#include "services/profiles/profile_store.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/status_macros.h"

namespace pathways::profiles {
namespace {

constexpr char kAuditEventCollection[] = "auditEvents/a";

// Every script starts with these: ARGV[1..4] are the prefix and the limits
// (CommonArgs), script arguments follow from ARGV[5].
constexpr char kLuaPrelude[] = R"lua(
local P = ARGV[1]
local change_max, audit_max, audit_per_profile = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local changes = P .. ':changes:profiles'

-- Appends a change and trims the oldest beyond the limit. Erasure also
-- deletes entries, so the stream's own counters cannot tell trimming apart:
-- the last id trimmed is recorded, and trimmed ids leave their profile's
-- entry list.
local function add_change(...)
  local id = redis.call('XADD', changes, '*', ...)
  local excess = redis.call('XLEN', changes) - change_max
  if excess > 0 then
    local gone = redis.call('XRANGE', changes, '-', '+', 'COUNT', excess)
    for _, entry in ipairs(gone) do
      redis.call('XDEL', changes, entry[1])
      local fields = entry[2]
      for i = 1, #fields, 2 do
        if fields[i] == 'n' then
          redis.call('LREM', P .. ':entries:' .. fields[i + 1], 1, entry[1])
        end
      end
    end
    redis.call('SET', P .. ':changes:trimmed', gone[#gone][1])
  end
  return id
end

-- Records that change `id` holds the profile's data.
local function track_entry(name, id)
  redis.call('RPUSH', P .. ':entries:' .. name, id)
end

local function add_audit(name, pb)
  local id = redis.call('XADD', P .. ':audit', 'MAXLEN', '~', audit_max, '*', 'p', name, 'pb', pb)
  local index = P .. ':audit:profile:' .. name
  redis.call('RPUSH', index, id)
  redis.call('LTRIM', index, -audit_per_profile, -1)
  return id
end
)lua";

RedisScript Script(absl::string_view body) { return RedisScript(absl::StrCat(kLuaPrelude, body)); }

// ARGV after the prelude: organisation, request id, then five arguments a
// profile (name, pb, etag, retention deadline, audit event). The request
// key remembers every name, one a line, so a repeat answers as the first.
const RedisScript& CreateScript() {
  static const RedisScript script = Script(R"lua(
local org, request = ARGV[5], ARGV[6]
local first, width = 7, 5
local request_key = ''
if request ~= '' then
  request_key = P .. ':req:' .. org .. ':' .. request
  local previous = redis.call('GET', request_key)
  if previous then return {'REPLAY', previous} end
end
for i = first, #ARGV, width do
  if redis.call('EXISTS', P .. ':res:' .. ARGV[i]) == 1 then
    return redis.error_reply('ALREADY_EXISTS ' .. ARGV[i] .. ' already exists')
  end
end
local names, audits = {}, {'CREATED'}
for i = first, #ARGV, width do
  local name, pb, etag, deadline, audit = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  redis.call('HSET', P .. ':res:' .. name, 'pb', pb, 'e', etag, 'org', org, 'rq', request_key)
  redis.call('ZADD', P .. ':idx:profiles', 0, name)
  redis.call('ZADD', P .. ':idx:profiles:org:' .. org, 0, name)
  redis.call('ZADD', P .. ':idx:retention', deadline, name)
  track_entry(name, add_change('t', 'C', 'n', name, 'pb', pb, 'e', etag))
  names[#names + 1] = name
  audits[#audits + 1] = add_audit(name, audit)
end
if request_key ~= '' then
  redis.call('SET', request_key, table.concat(names, '\n'), 'EX', 86400)
end
return audits
)lua");
  return script;
}

const RedisScript& UpdateScript() {
  static const RedisScript script = Script(R"lua(
local name, pb, expected, etag, org, deadline, audit =
  ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local key = P .. ':res:' .. name
local current = redis.call('HMGET', key, 'e', 'org')
if not current[1] or (org ~= '' and current[2] ~= org) then
  return redis.error_reply('NOT_FOUND ' .. name .. ' does not exist')
end
if current[1] ~= expected then
  return redis.error_reply('ABORTED ' .. name ..
    ' has changed since it was read (etag mismatch); read it again and retry')
end
redis.call('HSET', key, 'pb', pb, 'e', etag)
redis.call('ZADD', P .. ':idx:retention', deadline, name)
track_entry(name, add_change('t', 'U', 'n', name, 'pb', pb, 'e', etag))
return add_audit(name, audit)
)lua");
  return script;
}

const RedisScript& EraseScript() {
  static const RedisScript script = Script(R"lua(
local name, org, expected, expired_at, audit = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local key = P .. ':res:' .. name
local current = redis.call('HMGET', key, 'e', 'org', 'rq')
if not current[1] or (org ~= '' and current[2] ~= org) then
  return redis.error_reply('NOT_FOUND ' .. name .. ' does not exist')
end
if expected ~= '' and current[1] ~= expected then
  return redis.error_reply('ABORTED ' .. name ..
    ' has changed since it was read (etag mismatch); read it again and retry')
end
if expired_at ~= '' then
  local deadline = redis.call('ZSCORE', P .. ':idx:retention', name)
  if deadline and tonumber(deadline) > tonumber(expired_at) then return {'KEPT'} end
end
local entries = P .. ':entries:' .. name
local ids = redis.call('LRANGE', entries, 0, -1)
for i = 1, #ids, 500 do
  redis.call('XDEL', changes, unpack(ids, i, math.min(i + 499, #ids)))
end
redis.call('DEL', entries, key)
if current[3] and current[3] ~= '' then redis.call('DEL', current[3]) end
redis.call('ZREM', P .. ':idx:profiles', name)
redis.call('ZREM', P .. ':idx:profiles:org:' .. current[2], name)
redis.call('ZREM', P .. ':idx:retention', name)
add_change('t', 'D', 'n', name)
return {'ERASED', add_audit(name, audit)}
)lua");
  return script;
}

const RedisScript& ListScript() {
  static const RedisScript script = Script(R"lua(
local org, after, limit = ARGV[5], ARGV[6], tonumber(ARGV[7])
local index = P .. ':idx:profiles'
if org ~= '' then index = index .. ':org:' .. org end
local start = '-'
if after ~= '' then start = '(' .. after end
local names = redis.call('ZRANGEBYLEX', index, start, '+', 'LIMIT', 0, limit + 1)
local last = redis.call('XREVRANGE', changes, '+', '-', 'COUNT', 1)
local revision = '0-0'
if #last > 0 then revision = last[1][1] end
local out = {revision, #names}
for i, name in ipairs(names) do
  if i <= limit then
    local v = redis.call('HMGET', P .. ':res:' .. name, 'pb', 'e', 'org')
    out[#out + 1] = name
    out[#out + 1] = v[1] or ''
    out[#out + 1] = v[2] or ''
    out[#out + 1] = v[3] or ''
  end
end
return out
)lua");
  return script;
}

const RedisScript& AppendAuditScript() {
  static const RedisScript script = Script(R"lua(
local ids = {}
for i = 5, #ARGV, 2 do ids[#ids + 1] = add_audit(ARGV[i], ARGV[i + 1]) end
return ids
)lua");
  return script;
}

const RedisScript& AuditAboutScript() {
  static const RedisScript script = Script(R"lua(
local out = {}
for _, id in ipairs(redis.call('LRANGE', P .. ':audit:profile:' .. ARGV[5], 0, -1)) do
  local found = redis.call('XRANGE', P .. ':audit', id, id)
  if #found > 0 then out[#out + 1] = found[1] end
end
return out
)lua");
  return script;
}

std::string Seconds(absl::Time time) { return std::to_string(absl::ToUnixSeconds(time)); }

}  // namespace

ProfileStore::ProfileStore(RedisPool* pool, StoreLimits limits) : pool_(pool), limits_(limits) {}

RedisArgs ProfileStore::CommonArgs() const {
  return {kStorePrefix, std::to_string(limits_.change_stream_max_length),
          std::to_string(limits_.audit_max_length),
          std::to_string(limits_.audit_per_profile_max_length)};
}

std::string ProfileStore::AuditEventName(const std::string& stream_id) {
  return absl::StrCat(kAuditEventCollection, stream_id);
}

std::optional<std::string> ProfileStore::AuditStreamId(const std::string& audit_event_name) {
  if (!absl::StartsWith(audit_event_name, kAuditEventCollection)) return std::nullopt;
  std::string id = audit_event_name.substr(sizeof(kAuditEventCollection) - 1);
  uint64_t ms = 0, seq = 0;
  if (!ParseRevision(id, &ms, &seq)) return std::nullopt;
  return id;
}

absl::StatusOr<CreateOutcome> ProfileStore::Create(const std::vector<NewProfile>& profiles,
                                                   const std::string& organisation,
                                                   const std::string& request_id) {
  RedisArgs args = CommonArgs();
  args.push_back(organisation);
  args.push_back(request_id);
  for (const NewProfile& p : profiles) {
    for (std::string arg : {p.item.name, p.item.data, p.item.etag, Seconds(p.retention_deadline),
                            p.audit.SerializeAsString()}) {
      args.push_back(std::move(arg));
    }
  }
  ASSIGN_OR_RETURN(RedisReply reply, pool_->Eval(CreateScript(), {}, args));
  if (reply.type != RedisReply::Type::kArray || reply.elements.empty()) {
    return UnexpectedReply("create");
  }
  CreateOutcome outcome;
  if (reply.elements[0].str == "REPLAY" && reply.elements.size() == 2) {
    outcome.replayed_names = absl::StrSplit(reply.elements[1].str, '\n');
  } else if (reply.elements[0].str == "CREATED" && reply.elements.size() == profiles.size() + 1) {
    for (size_t i = 1; i < reply.elements.size(); ++i) {
      outcome.audit_events.push_back(AuditEventName(reply.elements[i].str));
    }
  } else {
    return UnexpectedReply("create");
  }
  return outcome;
}

absl::StatusOr<StoredProfile> ProfileStore::Get(const std::string& name) {
  ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Command({"HMGET", absl::StrCat(kStorePrefix, ":res:", name), "pb", "e", "org"}));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 3) {
    return UnexpectedReply("get");
  }
  if (reply.elements[1].is_nil()) return absl::NotFoundError(absl::StrCat(name, " does not exist"));
  return StoredProfile{name, std::move(reply.elements[0].str), std::move(reply.elements[1].str),
                       std::move(reply.elements[2].str)};
}

absl::StatusOr<std::string> ProfileStore::Update(const StoredProfile& item,
                                                 const std::string& expected_etag,
                                                 absl::Time retention_deadline,
                                                 const v1::AuditEvent& audit) {
  RedisArgs args = CommonArgs();
  for (std::string arg : {item.name, item.data, expected_etag, item.etag, item.organisation,
                          Seconds(retention_deadline), audit.SerializeAsString()}) {
    args.push_back(std::move(arg));
  }
  ASSIGN_OR_RETURN(RedisReply reply, pool_->Eval(UpdateScript(), {}, args));
  if (reply.type != RedisReply::Type::kString) return UnexpectedReply("update");
  return AuditEventName(reply.str);
}

absl::StatusOr<EraseOutcome> ProfileStore::Erase(const std::string& name,
                                                 const std::string& organisation,
                                                 const std::string& expected_etag,
                                                 std::optional<absl::Time> expired_at,
                                                 const v1::AuditEvent& audit) {
  RedisArgs args = CommonArgs();
  for (std::string arg :
       {name, organisation, expected_etag, expired_at ? Seconds(*expired_at) : std::string(),
        audit.SerializeAsString()}) {
    args.push_back(std::move(arg));
  }
  ASSIGN_OR_RETURN(RedisReply reply, pool_->Eval(EraseScript(), {}, args));
  if (reply.type != RedisReply::Type::kArray || reply.elements.empty()) {
    return UnexpectedReply("erase");
  }
  EraseOutcome outcome;
  if (reply.elements[0].str == "ERASED" && reply.elements.size() == 2) {
    outcome.erased = true;
    outcome.audit_event = AuditEventName(reply.elements[1].str);
  }
  return outcome;
}

absl::StatusOr<ProfilePage> ProfileStore::List(const std::string& organisation,
                                               const std::string& after, int limit) {
  RedisArgs args = CommonArgs();
  args.push_back(organisation);
  args.push_back(after);
  args.push_back(std::to_string(limit));
  ASSIGN_OR_RETURN(RedisReply reply, pool_->Eval(ListScript(), {}, args));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() < 2 ||
      (reply.elements.size() - 2) % 4 != 0) {
    return UnexpectedReply("list");
  }
  ProfilePage page;
  page.revision = reply.elements[0].str;
  bool more = reply.elements[1].integer > limit;
  std::string last;
  for (size_t i = 2; i + 3 < reply.elements.size(); i += 4) {
    last = reply.elements[i].str;
    // An indexed name without its hash would be a bug; skip it rather than
    // return an empty profile.
    if (reply.elements[i + 2].str.empty()) continue;
    page.items.push_back(
        StoredProfile{std::move(reply.elements[i].str), std::move(reply.elements[i + 1].str),
                      std::move(reply.elements[i + 2].str), std::move(reply.elements[i + 3].str)});
  }
  if (more) page.continue_after = std::move(last);
  return page;
}

absl::StatusOr<std::vector<std::string>> ProfileStore::Expired(absl::Time now, int limit) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   pool_->Command({"ZRANGEBYSCORE", absl::StrCat(kStorePrefix, ":idx:retention"),
                                   "-inf", Seconds(now), "LIMIT", "0", std::to_string(limit)}));
  if (reply.type != RedisReply::Type::kArray) return UnexpectedReply("expired");
  std::vector<std::string> names;
  for (RedisReply& element : reply.elements) names.push_back(std::move(element.str));
  return names;
}

absl::StatusOr<std::vector<std::string>> ProfileStore::AppendAudit(
    const std::vector<v1::AuditEvent>& events) {
  if (events.empty()) return std::vector<std::string>();
  RedisArgs args = CommonArgs();
  for (const v1::AuditEvent& event : events) {
    args.push_back(event.profile());
    args.push_back(event.SerializeAsString());
  }
  ASSIGN_OR_RETURN(RedisReply reply, pool_->Eval(AppendAuditScript(), {}, args));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != events.size()) {
    return UnexpectedReply("audit");
  }
  std::vector<std::string> names;
  for (const RedisReply& id : reply.elements) names.push_back(AuditEventName(id.str));
  return names;
}

absl::StatusOr<StoredAuditEvent> ProfileStore::DecodeAuditEntry(const RedisReply& entry) {
  if (entry.elements.size() != 2) return UnexpectedReply("audit entry");
  StoredAuditEvent out;
  out.id = entry.elements[0].str;
  const std::vector<RedisReply>& fields = entry.elements[1].elements;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (fields[i].str == "pb" && !out.event.ParseFromString(fields[i + 1].str)) {
      return absl::DataLossError(absl::StrCat("audit entry ", out.id, " cannot be parsed"));
    }
  }
  out.event.set_name(AuditEventName(out.id));
  return out;
}

absl::StatusOr<std::vector<StoredAuditEvent>> ProfileStore::AuditEventsAbout(
    const std::string& profile) {
  RedisArgs args = CommonArgs();
  args.push_back(profile);
  ASSIGN_OR_RETURN(RedisReply reply, pool_->Eval(AuditAboutScript(), {}, args));
  if (reply.type != RedisReply::Type::kArray) return UnexpectedReply("audit listing");
  std::vector<StoredAuditEvent> events;
  for (const RedisReply& entry : reply.elements) {
    ASSIGN_OR_RETURN(StoredAuditEvent event, DecodeAuditEntry(entry));
    events.push_back(std::move(event));
  }
  return events;
}

absl::StatusOr<std::vector<StoredAuditEvent>> ProfileStore::AuditEventsBefore(
    const std::string& before_id, int count) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   pool_->Command({"XREVRANGE", absl::StrCat(kStorePrefix, ":audit"),
                                   before_id.empty() ? "+" : absl::StrCat("(", before_id), "-",
                                   "COUNT", std::to_string(count)}));
  if (reply.type != RedisReply::Type::kArray) return UnexpectedReply("audit listing");
  std::vector<StoredAuditEvent> events;
  for (const RedisReply& entry : reply.elements) {
    ASSIGN_OR_RETURN(StoredAuditEvent event, DecodeAuditEntry(entry));
    events.push_back(std::move(event));
  }
  return events;
}

absl::StatusOr<std::string> ProfileStore::CurrentRevision() {
  ASSIGN_OR_RETURN(RedisReply reply,
                   pool_->Command({"XREVRANGE", absl::StrCat(kStorePrefix, ":changes:profiles"),
                                   "+", "-", "COUNT", "1"}));
  if (reply.type == RedisReply::Type::kArray && !reply.elements.empty() &&
      !reply.elements[0].elements.empty()) {
    return reply.elements[0].elements[0].str;
  }
  return std::string("0-0");
}

absl::Status ProfileStore::CheckRevision(const std::string& revision) {
  uint64_t ms = 0, seq = 0;
  if (!ParseRevision(revision, &ms, &seq)) {
    return absl::InvalidArgumentError(absl::StrCat("start_revision.token \"",
                                                   revision.substr(0, 40),
                                                   "\" is not a revision this service issued"));
  }
  ASSIGN_OR_RETURN(RedisReply trimmed,
                   pool_->Command({"GET", absl::StrCat(kStorePrefix, ":changes:trimmed")}));
  if (trimmed.type == RedisReply::Type::kString && RevisionBefore(revision, trimmed.str)) {
    return absl::OutOfRangeError(absl::StrCat(
        "start_revision ", revision,
        " is older than the retained change history; list again and watch from its revision"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ResourceChange>> ProfileStore::ReadChanges(
    RedisConnection& connection, const std::string& revision, std::chrono::milliseconds block,
    int max_count) {
  return ReadStreamChanges(connection, absl::StrCat(kStorePrefix, ":changes:profiles"), revision,
                           block, max_count);
}

}  // namespace pathways::profiles
