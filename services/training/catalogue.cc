#include "services/training/catalogue.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/api_conventions.h"
#include "services/common/field_validation.h"
#include "services/common/resource_api.h"
#include "services/common/status_macros.h"

namespace pathways::training {
namespace {

std::string ProviderName(absl::string_view id) { return absl::StrCat("providers/", id); }

// Admins may publish for any provider; a provider only for itself.
absl::Status RequirePublisher(const Principal& caller, absl::string_view provider_id) {
  if (caller.role == Role::kAdmin) return absl::OkStatus();
  if (caller.role == Role::kProvider && caller.organisation == provider_id) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("only providers/", provider_id, " itself or an admin may change its courses"));
}

absl::StatusOr<std::vector<std::string>> ParseCourseName(absl::string_view field,
                                                         absl::string_view name) {
  return ParseResourceName(field, name, {"providers", "courses"});
}

bool Teaches(const v1::Course& course, const std::string& skill) {
  for (const auto& taught : course.skills_taught()) {
    if (taught.skill() == skill) return true;
  }
  return false;
}

bool StartsOnOrAfter(const v1::Course& course, const common::v1::Date& date) {
  for (const auto& start : course.start_dates()) {
    if (!DateBefore(start, date)) return true;
  }
  return false;
}

}  // namespace

Catalogue::Catalogue(ResourceStore* providers, ResourceStore* courses,
                     const CourseValidator* validator, Clock clock)
    : providers_(providers), courses_(courses), validator_(validator), clock_(std::move(clock)) {}

// ---------------------------------------------------------------- providers

absl::Status Catalogue::CreateProvider(const Principal& caller,
                                       const v1::CreateProviderRequest& request,
                                       v1::Provider* response) {
  RETURN_IF_ERROR(RequireRole(caller, {Role::kAdmin}));
  RETURN_IF_ERROR(ValidateId("provider_id", request.provider_id()));
  RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  v1::Provider provider = request.provider();
  RETURN_IF_ERROR(validator_->ValidateProvider("provider", &provider));
  provider.set_name(ProviderName(request.provider_id()));
  absl::Time now = clock_();
  *provider.mutable_create_time() = ToTimestamp(now);
  *provider.mutable_update_time() = ToTimestamp(now);
  ASSIGN_OR_RETURN(std::vector<StoredResource> stored,
                   providers_->Create("", {EncodeResource(provider, ResourceStore::NewEtag())},
                                      request.request_id()));
  ASSIGN_OR_RETURN(*response, DecodeResource<v1::Provider>(stored.front()));
  return absl::OkStatus();
}

absl::Status Catalogue::GetProvider(const Principal&, const v1::GetProviderRequest& request,
                                    v1::Provider* response) {
  RETURN_IF_ERROR(ParseResourceName("name", request.name(), {"providers"}).status());
  ASSIGN_OR_RETURN(StoredResource stored, providers_->Get(request.name()));
  ASSIGN_OR_RETURN(*response, DecodeResource<v1::Provider>(stored));
  return absl::OkStatus();
}

absl::Status Catalogue::ListProviders(const Principal&, const v1::ListProvidersRequest& request,
                                      v1::ListProvidersResponse* response) {
  ASSIGN_OR_RETURN(ListedPage<v1::Provider> page,
                   ListResources<v1::Provider>(*providers_, "", "providers", request.page_token(),
                                               request.page_size()));
  for (v1::Provider& provider : page.items) *response->add_providers() = std::move(provider);
  response->set_next_page_token(page.next_page_token);
  return absl::OkStatus();
}

absl::Status Catalogue::UpdateProvider(const Principal& caller,
                                       const v1::UpdateProviderRequest& request,
                                       v1::Provider* response) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseResourceName("provider.name", request.provider().name(), {"providers"}));
  RETURN_IF_ERROR(ValidateUpdateMask(request.update_mask(), v1::Provider::descriptor(),
                                     {"name", "etag", "create_time", "update_time"}));
  RETURN_IF_ERROR(RequirePublisher(caller, ids[0]));
  ASSIGN_OR_RETURN(StoredResource stored, providers_->Get(request.provider().name()));
  if (!request.provider().etag().empty() && request.provider().etag() != stored.etag) {
    return absl::AbortedError(
        absl::StrCat(request.provider().name(), " has changed since it was read (etag mismatch)"));
  }
  ASSIGN_OR_RETURN(v1::Provider provider, DecodeResource<v1::Provider>(stored));
  ApplyUpdateMask(request.update_mask(), request.provider(), &provider);
  RETURN_IF_ERROR(validator_->ValidateProvider("provider", &provider));
  *provider.mutable_update_time() = ToTimestamp(clock_());
  std::string etag = ResourceStore::NewEtag();
  RETURN_IF_ERROR(providers_->Update(EncodeResource(provider, etag), stored.etag));
  provider.set_etag(etag);
  *response = std::move(provider);
  return absl::OkStatus();
}

absl::Status Catalogue::DeleteProvider(const Principal& caller,
                                       const v1::DeleteProviderRequest& request) {
  RETURN_IF_ERROR(ParseResourceName("name", request.name(), {"providers"}).status());
  RETURN_IF_ERROR(RequireRole(caller, {Role::kAdmin}));
  return providers_->Delete("", request.name(), request.etag(), courses_->kind());
}

// ------------------------------------------------------------------ courses

absl::Status Catalogue::PrepareNewCourse(absl::string_view field, const std::string& parent,
                                         const v1::CreateCourseRequest& request, absl::Time now,
                                         v1::Course* course) const {
  RETURN_IF_ERROR(ValidateId(absl::StrCat(field, "course_id"), request.course_id()));
  *course = request.course();
  RETURN_IF_ERROR(validator_->ValidateCourse(absl::StrCat(field, "course"), course));
  course->set_name(absl::StrCat(parent, "/courses/", request.course_id()));
  *course->mutable_create_time() = ToTimestamp(now);
  *course->mutable_update_time() = ToTimestamp(now);
  return absl::OkStatus();
}

absl::Status Catalogue::CreateCourse(const Principal& caller,
                                     const v1::CreateCourseRequest& request, v1::Course* response) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseResourceName("parent", request.parent(), {"providers"}));
  RETURN_IF_ERROR(RequirePublisher(caller, ids[0]));
  RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  v1::Course course;
  RETURN_IF_ERROR(PrepareNewCourse("", request.parent(), request, clock_(), &course));
  ASSIGN_OR_RETURN(
      std::vector<StoredResource> stored,
      courses_->Create(request.parent(), {EncodeResource(course, ResourceStore::NewEtag())},
                       request.request_id()));
  ASSIGN_OR_RETURN(*response, DecodeResource<v1::Course>(stored.front()));
  return absl::OkStatus();
}

absl::Status Catalogue::BatchCreateCourses(const Principal& caller,
                                           const v1::BatchCreateCoursesRequest& request,
                                           v1::BatchCreateCoursesResponse* response) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseResourceName("parent", request.parent(), {"providers"}));
  RETURN_IF_ERROR(RequirePublisher(caller, ids[0]));
  RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  if (request.requests_size() < 1 || request.requests_size() > kMaxBatchCourses) {
    return absl::InvalidArgumentError(absl::StrCat("requests must hold 1..", kMaxBatchCourses,
                                                   " courses, got ", request.requests_size()));
  }
  absl::Time now = clock_();
  std::vector<StoredResource> items;
  std::set<std::string> names;
  items.reserve(request.requests_size());
  for (int i = 0; i < request.requests_size(); ++i) {
    const v1::CreateCourseRequest& item = request.requests(i);
    std::string field = absl::StrCat("requests[", i, "].");
    if (!item.parent().empty() && item.parent() != request.parent()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "parent must be empty or equal to parent"));
    }
    v1::Course course;
    RETURN_IF_ERROR(PrepareNewCourse(field, request.parent(), item, now, &course));
    if (!names.insert(course.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "course_id \"", item.course_id(), "\" appears twice in the batch"));
    }
    items.push_back(EncodeResource(course, ResourceStore::NewEtag()));
  }
  absl::StatusOr<std::vector<StoredResource>> stored =
      courses_->Create(request.parent(), items, request.request_id());
  if (!stored.ok() && stored.status().code() == absl::StatusCode::kAlreadyExists) {
    // Say which item collided.
    for (size_t i = 0; i < items.size(); ++i) {
      if (absl::StrContains(stored.status().message(), items[i].name + " ")) {
        return absl::AlreadyExistsError(
            absl::StrCat("requests[", i, "]: ", stored.status().message()));
      }
    }
  }
  if (!stored.ok()) return stored.status();
  for (const StoredResource& course : *stored) {
    ASSIGN_OR_RETURN(*response->add_courses(), DecodeResource<v1::Course>(course));
  }
  return absl::OkStatus();
}

absl::Status Catalogue::GetCourse(const Principal&, const v1::GetCourseRequest& request,
                                  v1::Course* response) {
  RETURN_IF_ERROR(ParseCourseName("name", request.name()).status());
  ASSIGN_OR_RETURN(StoredResource stored, courses_->Get(request.name()));
  ASSIGN_OR_RETURN(*response, DecodeResource<v1::Course>(stored));
  return absl::OkStatus();
}

absl::Status Catalogue::ListCourses(const Principal&, const v1::ListCoursesRequest& request,
                                    v1::ListCoursesResponse* response) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseResourceName("parent", request.parent(), {"providers"}, true));
  std::string skill = request.skill();
  if (!skill.empty()) RETURN_IF_ERROR(NormalizeSkill("skill", validator_->taxonomy(), &skill));
  std::string outcode = request.outcode();
  if (!outcode.empty()) {
    RETURN_IF_ERROR(NormalizeOutcode("outcode", validator_->geography(), &outcode));
  }
  bool by_date = request.has_start_after();
  if (by_date) RETURN_IF_ERROR(CheckDate("start_after", request.start_after()));
  std::function<bool(const v1::Course&)> keep;
  if (!skill.empty() || !outcode.empty() || by_date) {
    keep = [&](const v1::Course& course) {
      return (skill.empty() || Teaches(course, skill)) &&
             (outcode.empty() || course.venue().outcode() == outcode) &&
             (!by_date || StartsOnOrAfter(course, request.start_after()));
    };
  }
  std::string query = absl::StrCat(request.parent(), "|", skill, "|", outcode, "|",
                                   request.start_after().ShortDebugString());
  ASSIGN_OR_RETURN(
      ListedPage<v1::Course> page,
      ListResources<v1::Course>(*courses_, ids[0] == "-" ? "" : request.parent(), query,
                                request.page_token(), request.page_size(), keep));
  for (v1::Course& course : page.items) *response->add_courses() = std::move(course);
  response->set_next_page_token(page.next_page_token);
  response->mutable_revision()->set_token(page.revision);
  return absl::OkStatus();
}

absl::Status Catalogue::UpdateCourse(const Principal& caller,
                                     const v1::UpdateCourseRequest& request, v1::Course* response) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseCourseName("course.name", request.course().name()));
  RETURN_IF_ERROR(ValidateUpdateMask(request.update_mask(), v1::Course::descriptor(),
                                     {"name", "etag", "create_time", "update_time"}));
  if (request.course().etag().empty()) {
    return absl::InvalidArgumentError(
        "course.etag is required: send the etag the course was read with");
  }
  RETURN_IF_ERROR(RequirePublisher(caller, ids[0]));
  ASSIGN_OR_RETURN(StoredResource stored, courses_->Get(request.course().name()));
  if (request.course().etag() != stored.etag) {
    return absl::AbortedError(absl::StrCat(request.course().name(),
                                           " has changed since it was read (etag mismatch); "
                                           "read it again and retry"));
  }
  ASSIGN_OR_RETURN(v1::Course course, DecodeResource<v1::Course>(stored));
  ApplyUpdateMask(request.update_mask(), request.course(), &course);
  RETURN_IF_ERROR(validator_->ValidateCourse("course", &course));
  *course.mutable_update_time() = ToTimestamp(clock_());
  std::string etag = ResourceStore::NewEtag();
  RETURN_IF_ERROR(courses_->Update(EncodeResource(course, etag), stored.etag));
  course.set_etag(etag);
  *response = std::move(course);
  return absl::OkStatus();
}

absl::Status Catalogue::DeleteCourse(const Principal& caller,
                                     const v1::DeleteCourseRequest& request) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, ParseCourseName("name", request.name()));
  RETURN_IF_ERROR(RequirePublisher(caller, ids[0]));
  return courses_->Delete(ProviderName(ids[0]), request.name(), request.etag());
}

absl::StatusOr<std::string> Catalogue::StartWatch(const Principal& caller,
                                                  const v1::WatchCoursesRequest& request) {
  RETURN_IF_ERROR(
      RequireRole(caller, {Role::kService, Role::kAdmin, Role::kAnalyst, Role::kAdviser}));
  return request.start_revision().token();
}

absl::StatusOr<v1::CourseChange> Catalogue::ToCourseChange(ResourceChange& change) {
  return MakeChangeMessage(change, &v1::CourseChange::mutable_course);
}

}  // namespace pathways::training
