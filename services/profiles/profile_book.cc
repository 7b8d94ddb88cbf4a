#include "services/profiles/profile_book.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>
#include <openssl/rand.h>

#include <map>
#include <random>
#include <set>
#include <span>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/api_conventions.h"
#include "services/common/field_validation.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace pathways::profiles {
namespace {

// How many stored entries one filtered List call looks at at most before
// returning a (possibly short) page with a token to continue.
constexpr int kMaxScannedPerPage = 5000;
constexpr int kAuditScanBatch = 500;
// Profiles erased per retention batch.
constexpr int kPurgeBatch = 100;
// Writes retried when no etag was given and another write came in between.
constexpr int kMaxChangeAttempts = 4;

std::string ProfileName(absl::string_view id) { return absl::StrCat("profiles/", id); }

absl::Status ParseProfileName(absl::string_view field, absl::string_view name) {
  return ParseResourceName(field, name, {"profiles"}).status();
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

// Advisers act within their own organisation; admins anywhere.
absl::Status RequireAdviserOrAdmin(const Principal& caller) {
  RETURN_IF_ERROR(RequireRole(caller, {Role::kAdviser, Role::kAdmin}));
  if (caller.role == Role::kAdviser && caller.organisation.empty()) {
    return absl::PermissionDeniedError("an adviser's token must name their organisation");
  }
  return absl::OkStatus();
}

// What an adviser hears about a profile outside their organisation, whether
// or not it exists.
absl::Status NotInOrganisation(const Principal& caller, absl::string_view name) {
  return absl::PermissionDeniedError(absl::StrCat(name, " is not a profile of organisation \"",
                                                  caller.organisation, "\" (or does not exist)"));
}

// A store NOT_FOUND becomes PERMISSION_DENIED for advisers (see the header).
absl::Status HideExistence(const Principal& caller, absl::string_view name, absl::Status status) {
  if (caller.role == Role::kAdviser && status.code() == absl::StatusCode::kNotFound) {
    return NotInOrganisation(caller, name);
  }
  return status;
}

absl::Status ValidateSkillCount(absl::string_view field, int count) {
  if (count < 1 || count > kMaxSkills) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must list 1..", kMaxSkills, " skills, got ", count));
  }
  return absl::OkStatus();
}

absl::StatusOr<google::protobuf::Value> ToJsonValue(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::Value value;
  if (!google::protobuf::util::MessageToJsonString(message, &json).ok() ||
      !google::protobuf::util::JsonStringToMessage(json, &value).ok()) {
    return absl::InternalError("cannot render the export as JSON");
  }
  return value;
}

google::protobuf::Value StringValue(absl::string_view text) {
  google::protobuf::Value value;
  value.set_string_value(std::string(text));
  return value;
}

}  // namespace

std::string NewProfileId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  unsigned char random[25];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    // OpenSSL's generator does not fail once seeded from the OS; should it,
    // fall back to the OS generator rather than refuse to create.
    std::random_device device;
    for (unsigned char& byte : random) byte = static_cast<unsigned char>(device());
  }
  std::string id = "p";
  for (unsigned char byte : random) id.push_back(kAlphabet[byte & 31]);
  return id;
}

ProfileBook::ProfileBook(ProfileStore* store, const ProfileValidator* validator,
                         absl::Duration default_retention, Clock clock)
    : store_(store),
      validator_(validator),
      default_retention_(default_retention),
      clock_(std::move(clock)) {}

v1::AuditEvent ProfileBook::Audit(const Caller& caller, v1::AuditAction action,
                                  const std::string& profile, std::string detail,
                                  absl::Time now) const {
  v1::AuditEvent event;
  *event.mutable_time() = ToTimestamp(now);
  event.set_actor(caller.principal.subject);
  event.set_actor_role(std::string(RoleName(caller.principal.role)));
  event.set_actor_organisation(caller.principal.organisation);
  event.set_action(action);
  event.set_profile(profile);
  event.set_client(caller.client);
  event.set_detail(std::move(detail));
  return event;
}

absl::StatusOr<v1::Profile> ProfileBook::ReadAuthorized(const Caller& caller,
                                                        const std::string& name) {
  absl::StatusOr<StoredProfile> stored = store_->Get(name);
  if (!stored.ok()) return HideExistence(caller.principal, name, stored.status());
  if (caller.principal.role == Role::kAdviser &&
      stored->organisation != caller.principal.organisation) {
    return NotInOrganisation(caller.principal, name);
  }
  return DecodeResource<v1::Profile>(StoredResource{name, stored->data, stored->etag});
}

// ------------------------------------------------------------ create, read

absl::StatusOr<std::vector<v1::Profile>> ProfileBook::Create(
    const Caller& caller, std::span<const v1::CreateProfileRequest* const> requests,
    std::span<const std::string> fields, const std::string& request_id) {
  const Principal& principal = caller.principal;
  RETURN_IF_ERROR(RequireAdviserOrAdmin(principal));
  if (principal.organisation.empty()) {
    return absl::PermissionDeniedError(
        "creating a profile needs a token naming the organisation that will own it");
  }
  RETURN_IF_ERROR(ValidateRequestId("request_id", request_id));
  const absl::Time now = clock_();
  std::vector<v1::Profile> profiles;
  std::vector<NewProfile> stored;
  absl::flat_hash_map<std::string, size_t> index_of;
  for (size_t i = 0; i < requests.size(); ++i) {
    const v1::CreateProfileRequest& request = *requests[i];
    const std::string& field = fields[i];
    std::string id = request.profile_id();
    if (id.empty()) {
      id = NewProfileId();
    } else {
      RETURN_IF_ERROR(ValidateId(absl::StrCat(field, "profile_id"), id));
    }
    v1::Profile profile = request.profile();
    if (profile.adviser().empty()) profile.set_adviser(principal.subject);
    if (!profile.has_retention_deadline()) {
      *profile.mutable_retention_deadline() = ToTimestamp(now + default_retention_);
    }
    RETURN_IF_ERROR(
        validator_->ValidateProfile(absl::StrCat(field, "profile"), &profile, now, true));
    profile.set_name(ProfileName(id));
    if (!index_of.emplace(profile.name(), i).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "profile_id \"", id, "\" appears twice in the batch"));
    }
    profile.set_organisation(principal.organisation);
    *profile.mutable_create_time() = ToTimestamp(now);
    *profile.mutable_update_time() = ToTimestamp(now);
    std::string etag = ResourceStore::NewEtag();
    StoredResource encoded = EncodeResource(profile, etag);
    stored.push_back(NewProfile{
        StoredProfile{profile.name(), std::move(encoded.data), etag, principal.organisation},
        FromTimestamp(profile.retention_deadline()),
        Audit(caller, v1::AUDIT_ACTION_CREATE, profile.name(), "", now)});
    profile.set_etag(std::move(etag));
    profiles.push_back(std::move(profile));
  }
  absl::StatusOr<CreateOutcome> outcome =
      store_->Create(stored, principal.organisation, request_id);
  if (!outcome.ok() && outcome.status().code() == absl::StatusCode::kAlreadyExists) {
    // Say which one: the message names the profile ("profiles/x already exists").
    const absl::string_view message = outcome.status().message();
    if (auto it = index_of.find(message.substr(0, message.find(' '))); it != index_of.end()) {
      return absl::AlreadyExistsError(absl::StrCat(fields[it->second], "profile_id: ", message));
    }
  }
  if (!outcome.ok()) return outcome.status();
  if (outcome->replayed_names.empty()) return profiles;
  if (outcome->replayed_names.size() != requests.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("request_id \"", request_id, "\" was used for another request (",
                     outcome->replayed_names.size(), " profiles, not ", requests.size(), ")"));
  }
  // A retry of a create that succeeded: answer as the first time, with the
  // profiles as they are now, and record that they were read.
  profiles.clear();
  std::vector<v1::AuditEvent> reads;
  for (const std::string& name : outcome->replayed_names) {
    ASSIGN_OR_RETURN(profiles.emplace_back(), ReadAuthorized(caller, name));
    reads.push_back(Audit(caller, v1::AUDIT_ACTION_READ, name, "repeated create request", now));
  }
  RETURN_IF_ERROR(store_->AppendAudit(reads).status());
  return profiles;
}

absl::Status ProfileBook::CreateProfile(const Caller& caller,
                                        const v1::CreateProfileRequest& request,
                                        v1::Profile* response) {
  const v1::CreateProfileRequest* requests[] = {&request};
  const std::string fields[] = {""};
  ASSIGN_OR_RETURN(std::vector<v1::Profile> created,
                   Create(caller, requests, fields, request.request_id()));
  *response = std::move(created[0]);
  return absl::OkStatus();
}

absl::Status ProfileBook::BatchCreateProfiles(const Caller& caller,
                                              const v1::BatchCreateProfilesRequest& request,
                                              v1::BatchCreateProfilesResponse* response) {
  if (request.requests_size() < 1 || request.requests_size() > kMaxBatchProfiles) {
    return absl::InvalidArgumentError(absl::StrCat("requests must hold 1..", kMaxBatchProfiles,
                                                   " profiles, got ", request.requests_size()));
  }
  std::vector<const v1::CreateProfileRequest*> requests;
  std::vector<std::string> fields;
  for (int i = 0; i < request.requests_size(); ++i) {
    requests.push_back(&request.requests(i));
    fields.push_back(absl::StrCat("requests[", i, "]."));
  }
  ASSIGN_OR_RETURN(std::vector<v1::Profile> created,
                   Create(caller, requests, fields, request.request_id()));
  for (v1::Profile& profile : created) *response->add_profiles() = std::move(profile);
  return absl::OkStatus();
}

absl::Status ProfileBook::GetProfile(const Caller& caller, const v1::GetProfileRequest& request,
                                     v1::Profile* response) {
  RETURN_IF_ERROR(ParseProfileName("name", request.name()));
  RETURN_IF_ERROR(RequireRole(caller.principal, {Role::kAdviser, Role::kAdmin, Role::kService}));
  ASSIGN_OR_RETURN(v1::Profile profile, ReadAuthorized(caller, request.name()));
  // A service identity reads profiles only to match them.
  if (caller.principal.role == Role::kService) RETURN_IF_ERROR(CheckMatchingConsent(profile));
  RETURN_IF_ERROR(
      store_->AppendAudit({Audit(caller, v1::AUDIT_ACTION_READ, profile.name(), "", clock_())})
          .status());
  *response = std::move(profile);
  return absl::OkStatus();
}

absl::Status ProfileBook::ListProfiles(const Caller& caller, const v1::ListProfilesRequest& request,
                                       v1::ListProfilesResponse* response) {
  const Principal& principal = caller.principal;
  RETURN_IF_ERROR(RequireAdviserOrAdmin(principal));
  ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  RETURN_IF_ERROR(CheckText("adviser", request.adviser(), kMaxAdviserCharacters, false));
  std::string organisation = request.organisation();
  if (principal.role == Role::kAdviser) {
    if (!organisation.empty() && organisation != principal.organisation) {
      return absl::PermissionDeniedError(
          "advisers may list only their own organisation's profiles");
    }
    organisation = principal.organisation;
  }
  std::string query = absl::StrCat(organisation, "|", request.adviser());
  std::string after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(after, DecodePageToken(request.page_token(), query));
  }
  bool filtered = !request.adviser().empty();
  int scanned = 0;
  bool first = true;
  for (;; first = false) {
    int want = filtered ? page_size : page_size - response->profiles_size();
    ASSIGN_OR_RETURN(ProfilePage page, store_->List(organisation, after, want));
    if (first) response->mutable_revision()->set_token(page.revision);
    size_t consumed = 0;
    bool full = false;
    for (const StoredProfile& stored : page.items) {
      ++consumed;
      after = stored.name;
      ASSIGN_OR_RETURN(v1::Profile profile, DecodeResource<v1::Profile>(StoredResource{
                                                stored.name, stored.data, stored.etag}));
      if (filtered && profile.adviser() != request.adviser()) continue;
      *response->add_profiles() = std::move(profile);
      full = response->profiles_size() == page_size;
      if (full) break;
    }
    scanned += static_cast<int>(consumed);
    bool more = consumed < page.items.size() || !page.continue_after.empty();
    if (!page.continue_after.empty() && consumed == page.items.size()) after = page.continue_after;
    if (!more) break;
    if (full || scanned >= kMaxScannedPerPage) {
      response->set_next_page_token(EncodePageToken(query, after));
      break;
    }
  }
  absl::Time now = clock_();
  std::vector<v1::AuditEvent> events;
  events.reserve(response->profiles_size());
  for (const v1::Profile& profile : response->profiles()) {
    events.push_back(Audit(caller, v1::AUDIT_ACTION_LIST, profile.name(), "", now));
  }
  absl::Status audited = store_->AppendAudit(events).status();
  if (!audited.ok()) {
    response->Clear();  // Nothing unaudited leaves the service.
    return audited;
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------ changes

absl::Status ProfileBook::Change(const Caller& caller, const std::string& name,
                                 const std::string& etag, const std::string& detail,
                                 const Mutation& mutate, v1::Profile* response) {
  for (int attempt = 1;; ++attempt) {
    ASSIGN_OR_RETURN(v1::Profile stored, ReadAuthorized(caller, name));
    if (!etag.empty() && etag != stored.etag()) {
      return absl::AbortedError(absl::StrCat(
          name, " has changed since it was read (etag mismatch); read it again and retry"));
    }
    std::string read_etag = stored.etag();
    stored.clear_etag();
    v1::Profile profile = stored;
    absl::Time now = clock_();
    RETURN_IF_ERROR(mutate(&profile, now));
    if (google::protobuf::util::MessageDifferencer::Equals(profile, stored)) {
      // Nothing to change (e.g. removing skills the profile does not hold):
      // no new etag and no change entry; the caller still sees the profile.
      RETURN_IF_ERROR(store_
                          ->AppendAudit({Audit(caller, v1::AUDIT_ACTION_READ, name,
                                               absl::StrCat(detail, " (no change)"), now)})
                          .status());
      profile.set_etag(read_etag);
      *response = std::move(profile);
      return absl::OkStatus();
    }
    *profile.mutable_update_time() = ToTimestamp(now);
    std::string new_etag = ResourceStore::NewEtag();
    StoredResource encoded = EncodeResource(profile, new_etag);
    absl::StatusOr<std::string> written =
        store_->Update(StoredProfile{name, encoded.data, new_etag, profile.organisation()},
                       read_etag, FromTimestamp(profile.retention_deadline()),
                       Audit(caller, v1::AUDIT_ACTION_UPDATE, name, detail, now));
    if (written.status().code() == absl::StatusCode::kAborted && etag.empty() &&
        attempt < kMaxChangeAttempts) {
      continue;  // Another write came in between; the caller did not pin an etag.
    }
    if (!written.ok()) return HideExistence(caller.principal, name, written.status());
    profile.set_etag(new_etag);
    *response = std::move(profile);
    return absl::OkStatus();
  }
}

absl::Status ProfileBook::UpdateProfile(const Caller& caller,
                                        const v1::UpdateProfileRequest& request,
                                        v1::Profile* response) {
  const std::string& name = request.profile().name();
  RETURN_IF_ERROR(ParseProfileName("profile.name", name));
  RETURN_IF_ERROR(
      ValidateUpdateMask(request.update_mask(), v1::Profile::descriptor(),
                         {"name", "organisation", "etag", "create_time", "update_time"}));
  if (request.profile().etag().empty()) {
    return absl::InvalidArgumentError(
        "profile.etag is required: send the etag the profile was read with");
  }
  RETURN_IF_ERROR(RequireAdviserOrAdmin(caller.principal));
  bool retention_changes = false;
  for (const std::string& path : request.update_mask().paths()) {
    retention_changes = retention_changes || path == "retention_deadline";
  }
  return Change(
      caller, name, request.profile().etag(), absl::StrJoin(request.update_mask().paths(), ","),
      [&](v1::Profile* profile, absl::Time now) {
        ApplyUpdateMask(request.update_mask(), request.profile(), profile);
        return validator_->ValidateProfile("profile", profile, now, retention_changes);
      },
      response);
}

absl::Status ProfileBook::AddSkills(const Caller& caller, const v1::AddSkillsRequest& request,
                                    v1::Profile* response) {
  RETURN_IF_ERROR(ParseProfileName("name", request.name()));
  RETURN_IF_ERROR(ValidateSkillCount("skills", request.skills_size()));
  google::protobuf::RepeatedPtrField<v1::ProfileSkill> added = request.skills();
  RETURN_IF_ERROR(validator_->ValidateSkills("skills", &added, kMaxSkills));
  RETURN_IF_ERROR(RequireAdviserOrAdmin(caller.principal));
  return Change(
      caller, request.name(), request.etag(), "skills:add",
      [&](v1::Profile* profile, absl::Time) -> absl::Status {
        std::map<std::string, int> held;
        for (int i = 0; i < profile->skills_size(); ++i) held[SkillKey(profile->skills(i))] = i;
        for (const v1::ProfileSkill& skill : added) {
          auto it = held.find(SkillKey(skill));
          if (it != held.end()) {
            *profile->mutable_skills(it->second) = skill;
          } else {
            *profile->add_skills() = skill;
          }
        }
        if (profile->skills_size() > kMaxSkills) {
          return absl::FailedPreconditionError(
              absl::StrCat("skills would bring the profile to ", profile->skills_size(),
                           " skills; a profile holds at most ", kMaxSkills));
        }
        return absl::OkStatus();
      },
      response);
}

absl::Status ProfileBook::RemoveSkills(const Caller& caller, const v1::RemoveSkillsRequest& request,
                                       v1::Profile* response) {
  RETURN_IF_ERROR(ParseProfileName("name", request.name()));
  RETURN_IF_ERROR(ValidateSkillCount("skills", request.skills_size()));
  std::set<std::string> removed;
  for (int i = 0; i < request.skills_size(); ++i) {
    v1::ProfileSkill skill = request.skills(i);
    RETURN_IF_ERROR(validator_->NormalizeSkillToRemove(absl::StrCat("skills[", i, "]"), &skill));
    removed.insert(SkillKey(skill));
  }
  RETURN_IF_ERROR(RequireAdviserOrAdmin(caller.principal));
  return Change(
      caller, request.name(), request.etag(), "skills:remove",
      [&](v1::Profile* profile, absl::Time) {
        google::protobuf::RepeatedPtrField<v1::ProfileSkill> kept;
        for (const v1::ProfileSkill& skill : profile->skills()) {
          if (!removed.contains(SkillKey(skill))) *kept.Add() = skill;
        }
        *profile->mutable_skills() = std::move(kept);
        return absl::OkStatus();
      },
      response);
}

// ------------------------------------------------------------------ erasure

absl::Status ProfileBook::DeleteProfile(const Caller& caller,
                                        const v1::DeleteProfileRequest& request,
                                        v1::DeleteProfileResponse* response) {
  RETURN_IF_ERROR(ParseProfileName("name", request.name()));
  if (!v1::DeletionReason_IsValid(request.reason())) {
    return absl::InvalidArgumentError("reason is not a deletion reason");
  }
  RETURN_IF_ERROR(RequireAdviserOrAdmin(caller.principal));
  v1::DeletionReason reason = request.reason() == v1::DELETION_REASON_UNSPECIFIED
                                  ? v1::DELETION_REASON_PERSON_REQUEST
                                  : request.reason();
  // An adviser can erase only within their organisation; the script checks
  // the owner so the check and the erasure are one step.
  std::string organisation =
      caller.principal.role == Role::kAdviser ? caller.principal.organisation : "";
  absl::Time now = clock_();
  absl::StatusOr<EraseOutcome> outcome =
      store_->Erase(request.name(), organisation, request.etag(), std::nullopt,
                    Audit(caller, v1::AUDIT_ACTION_DELETE, request.name(),
                          absl::StrCat("reason=", v1::DeletionReason_Name(reason)), now));
  if (!outcome.ok()) return HideExistence(caller.principal, request.name(), outcome.status());
  response->set_name(request.name());
  *response->mutable_erase_time() = ToTimestamp(now);
  response->set_audit_event(outcome->audit_event);
  return absl::OkStatus();
}

absl::StatusOr<int> ProfileBook::PurgeExpired() {
  absl::Time now = clock_();
  Caller system{Principal{Role::kService, "", kSystemActor}, ""};
  int erased = 0;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<std::string> names, store_->Expired(now, kPurgeBatch));
    int progress = 0;
    for (const std::string& name : names) {
      v1::AuditEvent audit =
          Audit(system, v1::AUDIT_ACTION_RETENTION_EXPIRED, name, "retention deadline passed", now);
      audit.set_actor_role(kSystemActor);
      absl::StatusOr<EraseOutcome> outcome = store_->Erase(name, "", "", now, audit);
      if (outcome.ok() && outcome->erased) ++erased;
      if (!outcome.ok() && outcome.status().code() != absl::StatusCode::kNotFound) {
        return outcome.status();
      }
      // Erased, extended meanwhile, or erased by someone else: each leaves
      // the expired set.
      ++progress;
    }
    if (static_cast<int>(names.size()) < kPurgeBatch || progress == 0) break;
  }
  if (erased > 0) LogInfo("retention expired profiles erased", {{"count", std::to_string(erased)}});
  return erased;
}

// ------------------------------------------------------------ export, audit

absl::Status ProfileBook::ExportProfile(const Caller& caller,
                                        const v1::ExportProfileRequest& request,
                                        v1::ExportProfileResponse* response) {
  RETURN_IF_ERROR(ParseProfileName("name", request.name()));
  RETURN_IF_ERROR(RequireAdviserOrAdmin(caller.principal));
  ASSIGN_OR_RETURN(v1::Profile profile, ReadAuthorized(caller, request.name()));
  absl::Time now = clock_();
  // Recorded first, so the export lists itself.
  RETURN_IF_ERROR(
      store_->AppendAudit({Audit(caller, v1::AUDIT_ACTION_EXPORT, request.name(), "", now)})
          .status());
  ASSIGN_OR_RETURN(std::vector<StoredAuditEvent> events, store_->AuditEventsAbout(request.name()));
  *response->mutable_profile() = std::move(profile);
  for (StoredAuditEvent& event : events) *response->add_audit_events() = std::move(event.event);
  *response->mutable_export_time() = ToTimestamp(now);
  response->set_json(ExportJson(*response));
  return absl::OkStatus();
}

std::string ProfileBook::ExportJson(const v1::ExportProfileResponse& response) const {
  const taxonomy::Taxonomy& taxonomy = validator_->taxonomy();
  auto label_of = [&](const std::string& uri) -> std::string {
    if (auto skill = taxonomy.FindSkill(uri)) return std::string(taxonomy.SkillLabel(*skill));
    if (auto group = taxonomy.FindGroup(uri)) return std::string(taxonomy.GroupLabel(*group));
    if (auto occupation = taxonomy.FindOccupation(uri)) {
      return std::string(taxonomy.OccupationLabel(*occupation));
    }
    if (absl::StartsWith(uri, kIscoGroupUriPrefix)) {
      return absl::StrCat("ISCO-08 group ", uri.substr(sizeof(kIscoGroupUriPrefix) - 2));
    }
    return "";
  };

  google::protobuf::Struct document;
  auto& fields = *document.mutable_fields();
  fields["exportTime"] =
      StringValue(google::protobuf::util::TimeUtil::ToString(response.export_time()));

  absl::StatusOr<google::protobuf::Value> profile = ToJsonValue(response.profile());
  if (profile.ok()) {
    auto& profile_fields = *profile->mutable_struct_value()->mutable_fields();
    // The ESCO label beside every skill and interest URI.
    if (profile_fields.contains("skills")) {
      auto* skills = profile_fields["skills"].mutable_list_value();
      for (int i = 0; i < skills->values_size() && i < response.profile().skills_size(); ++i) {
        const v1::ProfileSkill& skill = response.profile().skills(i);
        auto& entry = *skills->mutable_values(i)->mutable_struct_value()->mutable_fields();
        if (!skill.skill().skill().empty()) {
          entry["label"] = StringValue(label_of(skill.skill().skill()));
        } else {
          entry["escoGroupLabel"] = StringValue(label_of(skill.esco_group()));
        }
      }
    }
    if (profile_fields.contains("interests")) {
      auto& interests = *profile_fields["interests"].mutable_struct_value()->mutable_fields();
      auto labels = [&](const google::protobuf::RepeatedPtrField<std::string>& uris) {
        google::protobuf::Value list;
        for (const std::string& uri : uris) {
          *list.mutable_list_value()->add_values() = StringValue(label_of(uri));
        }
        return list;
      };
      if (response.profile().interests().occupations_size() > 0) {
        interests["occupationLabels"] = labels(response.profile().interests().occupations());
      }
      if (response.profile().interests().skill_groups_size() > 0) {
        interests["skillGroupLabels"] = labels(response.profile().interests().skill_groups());
      }
    }
    fields["profile"] = *std::move(profile);
  }
  google::protobuf::Value events;
  events.mutable_list_value();
  for (const v1::AuditEvent& event : response.audit_events()) {
    if (absl::StatusOr<google::protobuf::Value> value = ToJsonValue(event); value.ok()) {
      *events.mutable_list_value()->add_values() = *std::move(value);
    }
  }
  fields["auditEvents"] = std::move(events);

  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(document, &json, options);
  return json;
}

absl::Status ProfileBook::ListAuditEvents(const Caller& caller,
                                          const v1::ListAuditEventsRequest& request,
                                          v1::ListAuditEventsResponse* response) {
  RETURN_IF_ERROR(RequireRole(caller.principal, {Role::kAdmin}));
  ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  if (!request.profile().empty()) RETURN_IF_ERROR(ParseProfileName("profile", request.profile()));
  if (!v1::AuditAction_IsValid(request.action())) {
    return absl::InvalidArgumentError("action is not an audit action");
  }
  bool has_start = request.has_start_time(), has_end = request.has_end_time();
  absl::Time start = FromTimestamp(request.start_time());
  absl::Time end = FromTimestamp(request.end_time());
  if (has_start && has_end && end <= start) {
    return absl::InvalidArgumentError("end_time must be after start_time");
  }
  std::string query =
      absl::StrCat("audit|", request.profile(), "|", request.actor(), "|", request.action(), "|",
                   has_start ? request.start_time().ShortDebugString() : "", "|",
                   has_end ? request.end_time().ShortDebugString() : "");
  std::string after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(after, DecodePageToken(request.page_token(), query));
  }
  auto matches = [&](const v1::AuditEvent& event) {
    absl::Time time = FromTimestamp(event.time());
    return (request.profile().empty() || event.profile() == request.profile()) &&
           (request.actor().empty() || event.actor() == request.actor()) &&
           (request.action() == v1::AUDIT_ACTION_UNSPECIFIED ||
            event.action() == request.action()) &&
           (!has_start || time >= start) && (!has_end || time < end);
  };

  if (!request.profile().empty()) {
    // The profile's own index is short; walk it newest first.
    ASSIGN_OR_RETURN(std::vector<StoredAuditEvent> events,
                     store_->AuditEventsAbout(request.profile()));
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (!after.empty() && !RevisionBefore(it->id, after)) continue;
      if (!matches(it->event)) continue;
      if (response->audit_events_size() == page_size) {
        response->set_next_page_token(EncodePageToken(query, after));
        break;
      }
      after = it->id;
      *response->add_audit_events() = std::move(it->event);
    }
    return absl::OkStatus();
  }

  int scanned = 0;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<StoredAuditEvent> batch,
                     store_->AuditEventsBefore(after, kAuditScanBatch));
    for (size_t i = 0; i < batch.size(); ++i) {
      after = batch[i].id;
      ++scanned;
      if (!matches(batch[i].event)) continue;
      *response->add_audit_events() = std::move(batch[i].event);
      if (response->audit_events_size() == page_size) {
        if (i + 1 < batch.size() || batch.size() == kAuditScanBatch) {
          response->set_next_page_token(EncodePageToken(query, after));
        }
        return absl::OkStatus();
      }
    }
    if (batch.size() < kAuditScanBatch) return absl::OkStatus();
    if (scanned >= kMaxScannedPerPage) {
      response->set_next_page_token(EncodePageToken(query, after));
      return absl::OkStatus();
    }
  }
}

// -------------------------------------------------------------------- watch

absl::StatusOr<std::string> ProfileBook::StartWatch(const Caller& caller,
                                                    const v1::WatchProfilesRequest& request) {
  RETURN_IF_ERROR(RequireRole(caller.principal, {Role::kAdmin, Role::kService}));
  LogInfo("profile watch started", {{"actor", caller.principal.subject},
                                    {"role", std::string(RoleName(caller.principal.role))}});
  return request.start_revision().token();
}

absl::StatusOr<v1::ProfileChange> ProfileBook::ToProfileChange(Role role, ResourceChange& change) {
  v1::ProfileChange out;
  out.set_name(change.name);
  out.mutable_revision()->set_token(change.revision);
  if (change.kind == ChangeKind::kDeleted) {
    out.set_type(common::v1::CHANGE_TYPE_DELETED);
    return out;
  }
  ASSIGN_OR_RETURN(v1::Profile profile, DecodeResource<v1::Profile>(
                                            StoredResource{change.name, change.data, change.etag}));
  if (role != Role::kAdmin && !CheckMatchingConsent(profile).ok()) {
    out.set_type(common::v1::CHANGE_TYPE_DELETED);
    return out;
  }
  out.set_type(change.kind == ChangeKind::kCreated ? common::v1::CHANGE_TYPE_CREATED
                                                   : common::v1::CHANGE_TYPE_UPDATED);
  *out.mutable_profile() = std::move(profile);
  return out;
}

}  // namespace pathways::profiles
