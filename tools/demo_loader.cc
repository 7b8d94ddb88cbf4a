// pathways-load-demo: loads the demo economy into running services, each part
// from a file in protobuf's JSON mapping:
//   - a catalogue (pathways.training.v1.CatalogueFile, deploy/demo/training.json)
//     into a training service,
//   - employers and roles (pathways.demand.v1.EmployerFile,
//     deploy/demo/demand.json) into a demand service,
//   - young people's profiles (pathways.profiles.v1.ProfileFile,
//     deploy/demo/profiles.json) into a profiles service;
// and then waits until a matcher service is ready and has indexed it.
//
// Re-running it is harmless: every create goes out with a request id derived
// from its contents, so a repeat either replays the first result or finds the
// resource there already (ALREADY_EXISTS), and both are reported as "already
// there". Anything else stops the load with the service's message.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "pathways/demand/v1/demand_service.grpc.pb.h"
#include "pathways/demand/v1/employer_file.pb.h"
#include "pathways/matcher/v1/matcher_service.grpc.pb.h"
#include "pathways/profiles/v1/profile_file.pb.h"
#include "pathways/profiles/v1/profiles_service.grpc.pb.h"
#include "pathways/training/v1/catalogue_file.pb.h"
#include "pathways/training/v1/training_service.grpc.pb.h"
#include "services/common/auth.h"
#include "services/common/config.h"

namespace {

namespace training = pathways::training::v1;
namespace demand = pathways::demand::v1;
namespace profiles = pathways::profiles::v1;
namespace matcher = pathways::matcher::v1;
namespace health = grpc::health::v1;

constexpr std::chrono::seconds kConnectTimeout{30};
constexpr std::chrono::seconds kCallTimeout{10};
// A batch may hold up to 1,000 courses or roles, each validated against the
// taxonomy and written in one transaction.
constexpr std::chrono::seconds kBatchTimeout{60};
// The tokens this tool issues for itself only have to outlive one load.
constexpr absl::Duration kOwnTokenLifetime = absl::Hours(1);
constexpr char kOwnSubject[] = "pathways-load-demo";
// Profiles belong to the organisation of the adviser who records them; the
// demo's young people are advised by this (fictional) careers service.
constexpr char kDemoOrganisation[] = "demo-careers-service";
constexpr int kPageSize = 1000;
// How long the matcher may take, once it accepts connections, to list the
// training and demand services and to apply what was just loaded.
constexpr std::chrono::seconds kIndexTimeout{60};
constexpr std::chrono::milliseconds kIndexPollInterval{100};

constexpr char kUsage[] =
    R"(Usage: pathways-load-demo [--training HOST:PORT --file FILE]
                          [--demand HOST:PORT --employers FILE]
                          [--profiles HOST:PORT --people FILE]
                          [--matcher HOST:PORT]
                          [--token TOKEN] [--adviser-token TOKEN] [--verify]

Loads the demo economy into running services (plaintext gRPC), each part from
a file in protobuf's JSON mapping. Give at least one service and its file, or
the matcher. Safe to run again: what is there already is reported and left
alone.

  --training HOST:PORT  the training service
  --file FILE           its catalogue (pathways.training.v1.CatalogueFile),
                        e.g. deploy/demo/training.json: registers each provider,
                        then publishes each provider's courses in one batch
  --demand HOST:PORT    the demand service
  --employers FILE      its employers and roles (pathways.demand.v1.EmployerFile),
                        e.g. deploy/demo/demand.json: registers each employer,
                        then each employer's roles in one batch
  --profiles HOST:PORT  the profiles service
  --people FILE         its profiles (pathways.profiles.v1.ProfileFile), e.g.
                        deploy/demo/profiles.json; each must have a profile_id
  --matcher HOST:PORT   the matcher service: after loading, wait (up to 60 s)
                        until it reports ready and its index holds at least
                        the courses and roles in the files
  --token TOKEN         an admin bearer token for the training and demand
                        services and the matcher's wait; default
                        $PATHWAYS_TOKEN, else one issued here from AUTH_SECRET
                        or AUTH_SECRET_FILE
  --adviser-token TOKEN an adviser bearer token for the profiles service, whose
                        organisation will own the profiles; default
                        $PATHWAYS_ADVISER_TOKEN, else one issued here from the
                        secret for organisation "demo-careers-service"
  --verify              afterwards, read everything back and check that every
                        provider, course, employer, role and profile in the
                        files is served; with --matcher and --people, also
                        rank pathways for the first profile in the file that
                        consents to matching, and fail unless one comes back
  --help                show this help

Exit status: 0 loaded, 1 a service refused or could not be reached,
2 bad arguments, file or secret.
)";

struct Options {
  std::string training;
  std::string catalogue_file;
  std::string demand;
  std::string employer_file;
  std::string profiles;
  std::string profile_file;
  std::string matcher;
  std::string token;
  std::string adviser_token;
  bool verify = false;
  bool help = false;
};

std::optional<std::string> ParseArgs(int argc, char** argv, Options* options) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    if (size_t eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag == "--help" || flag == "-h") {
      options->help = true;
      continue;
    }
    if (flag == "--verify") {
      options->verify = true;
      continue;
    }
    std::string* target = flag == "--training"        ? &options->training
                          : flag == "--file"          ? &options->catalogue_file
                          : flag == "--demand"        ? &options->demand
                          : flag == "--employers"     ? &options->employer_file
                          : flag == "--profiles"      ? &options->profiles
                          : flag == "--people"        ? &options->profile_file
                          : flag == "--matcher"       ? &options->matcher
                          : flag == "--token"         ? &options->token
                          : flag == "--adviser-token" ? &options->adviser_token
                                                      : nullptr;
    if (target == nullptr) return absl::StrCat("unknown argument \"", args[i], "\"");
    if (!value) {
      if (i + 1 >= args.size()) return absl::StrCat(flag, " needs a value");
      value = args[++i];
    }
    *target = *value;
  }
  return std::nullopt;
}

// Each service needs its file and each file its service.
std::optional<std::string> CheckPairs(const Options& options) {
  struct Pair {
    const char* service_flag;
    const std::string& service;
    const char* file_flag;
    const std::string& file;
  };
  const Pair pairs[] = {
      {"--training", options.training, "--file", options.catalogue_file},
      {"--demand", options.demand, "--employers", options.employer_file},
      {"--profiles", options.profiles, "--people", options.profile_file},
  };
  bool any = false;
  for (const Pair& pair : pairs) {
    if (pair.service.empty() != pair.file.empty()) {
      return pair.service.empty()
                 ? absl::StrCat(pair.file_flag, " needs ", pair.service_flag, " HOST:PORT")
                 : absl::StrCat(pair.service_flag, " needs ", pair.file_flag, " FILE");
    }
    any = any || !pair.service.empty();
  }
  if (!any && options.matcher.empty()) {
    return "nothing to do: give --training, --demand or --profiles with its file, or --matcher";
  }
  return std::nullopt;
}

template <typename File>
absl::StatusOr<File> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::stringstream json;
  json << in.rdbuf();
  File file;
  auto parsed = google::protobuf::util::JsonStringToMessage(json.str(), &file);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a ", File::descriptor()->full_name(), ": ", parsed.ToString()));
  }
  return file;
}

// A request id that is the same every time the same request is sent and
// different once its contents change: a repeat within the service's request
// memory replays the first result instead of colliding. `kind` keeps the
// ids of different kinds of request apart ("catalogue-" as it always was).
template <typename Request>
std::string ContentRequestId(absl::string_view kind, const Request& request) {
  Request copy = request;
  copy.clear_request_id();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&coded);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
  return absl::StrCat(kind, "-", hex.substr(0, 32));
}

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                      ": ", status.error_message());
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

std::string UtcTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", time, absl::UTCTimeZone());
}

bool Fail(const std::string& message) {
  std::cerr << "pathways-load-demo: " << message << "\n";
  return false;
}

// What the loaders share: the call settings and the start of this run. A
// request id replayed by the service returns the resource as first created;
// its create_time tells a fresh load from a repeat (server and loader clocks
// are assumed to agree, which they do in a local run; a skew only mislabels).
class LoaderBase {
 protected:
  LoaderBase(std::string token, absl::Time started)
      : authorization_(absl::StrCat("Bearer ", token)), started_(started) {}

  std::unique_ptr<grpc::ClientContext> NewContext(std::chrono::seconds timeout) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    context->AddMetadata("authorization", authorization_);
    return context;
  }

  bool CreatedEarlier(const google::protobuf::Timestamp& create_time) const {
    return FromTimestamp(create_time) < started_;
  }

  const std::string authorization_;
  const absl::Time started_;
};

// ------------------------------------------------------------------ training

class TrainingLoader : LoaderBase {
 public:
  TrainingLoader(const std::shared_ptr<grpc::Channel>& channel, std::string token,
                 absl::Time started)
      : LoaderBase(std::move(token), started), stub_(training::TrainingService::NewStub(channel)) {}

  bool Load(const training::CatalogueFile& file) {
    return CreateProviders(file) && PublishCatalogues(file);
  }

  // Checks that the service now serves every provider and course in the file.
  bool Verify(const training::CatalogueFile& file) {
    std::set<std::string> served;
    training::ListCoursesRequest list;
    list.set_parent("providers/-");
    list.set_page_size(kPageSize);
    do {
      training::ListCoursesResponse page;
      auto context = NewContext(kCallTimeout);
      grpc::Status status = stub_->ListCourses(context.get(), list, &page);
      if (!status.ok()) return Fail(absl::StrCat("ListCourses failed: ", Describe(status)));
      for (const training::Course& course : page.courses()) served.insert(course.name());
      list.set_page_token(page.next_page_token());
    } while (!list.page_token().empty());

    for (const training::CreateProviderRequest& provider : file.providers()) {
      training::GetProviderRequest get;
      get.set_name(absl::StrCat("providers/", provider.provider_id()));
      training::Provider found;
      auto context = NewContext(kCallTimeout);
      grpc::Status status = stub_->GetProvider(context.get(), get, &found);
      if (!status.ok()) return Fail(absl::StrCat(get.name(), ": ", Describe(status)));
    }
    int expected = 0;
    for (const training::BatchCreateCoursesRequest& catalogue : file.catalogues()) {
      for (const training::CreateCourseRequest& course : catalogue.requests()) {
        ++expected;
        std::string name = absl::StrCat(catalogue.parent(), "/courses/", course.course_id());
        if (served.count(name) == 0) return Fail(absl::StrCat(name, " is not served"));
      }
    }
    std::cout << "verified: " << file.providers_size() << " providers and " << expected
              << " courses are served (" << served.size() << " courses in all)\n";
    return true;
  }

  int providers_created() const { return providers_created_; }
  int courses_published() const { return courses_published_; }

 private:
  // Registers every provider; one that exists already is fine.
  bool CreateProviders(const training::CatalogueFile& file) {
    for (const training::CreateProviderRequest& request : file.providers()) {
      std::string name = absl::StrCat("providers/", request.provider_id());
      training::Provider provider;
      auto context = NewContext(kCallTimeout);
      grpc::Status status = stub_->CreateProvider(context.get(), request, &provider);
      if (status.ok()) {
        std::cout << name << ": registered (" << provider.display_name() << ", "
                  << provider.location().outcode() << ")\n";
        ++providers_created_;
      } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
        std::cout << name << ": already there\n";
      } else {
        return Fail(absl::StrCat(name, ": CreateProvider failed: ", Describe(status)));
      }
    }
    return true;
  }

  // Publishes each catalogue in one all-or-nothing batch.
  bool PublishCatalogues(const training::CatalogueFile& file) {
    for (training::BatchCreateCoursesRequest request : file.catalogues()) {
      if (request.request_id().empty()) {
        request.set_request_id(ContentRequestId("catalogue", request));
      }
      training::BatchCreateCoursesResponse response;
      auto context = NewContext(kBatchTimeout);
      grpc::Status status = stub_->BatchCreateCourses(context.get(), request, &response);
      if (status.ok()) {
        Report(request.parent(), response);
      } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
        std::cout << request.parent() << ": already loaded (" << status.error_message() << ")\n";
      } else {
        return Fail(
            absl::StrCat(request.parent(), ": BatchCreateCourses failed: ", Describe(status)));
      }
    }
    return true;
  }

  void Report(const std::string& parent, const training::BatchCreateCoursesResponse& response) {
    absl::Time first = absl::InfiniteFuture();
    for (const training::Course& course : response.courses()) {
      first = std::min(first, FromTimestamp(course.create_time()));
    }
    if (response.courses_size() > 0 && first < started_) {
      std::cout << parent << ": already loaded (" << response.courses_size()
                << " courses, published " << UtcTime(first) << ")\n";
      return;
    }
    std::cout << parent << ": " << response.courses_size() << " courses published\n";
    courses_published_ += response.courses_size();
  }

  std::unique_ptr<training::TrainingService::Stub> stub_;
  int providers_created_ = 0;
  int courses_published_ = 0;
};

// -------------------------------------------------------------------- demand

class DemandLoader : LoaderBase {
 public:
  DemandLoader(const std::shared_ptr<grpc::Channel>& channel, std::string token, absl::Time started)
      : LoaderBase(std::move(token), started), stub_(demand::DemandService::NewStub(channel)) {}

  bool Load(const demand::EmployerFile& file) {
    return CreateEmployers(file) && PublishRoles(file);
  }

  // Checks that the service now serves every employer and role in the file,
  // and that its demand summary answers.
  bool Verify(const demand::EmployerFile& file) {
    for (const demand::CreateEmployerRequest& request : file.employers()) {
      demand::GetEmployerRequest get;
      get.set_name(absl::StrCat("employers/", request.employer_id()));
      demand::Employer found;
      auto context = NewContext(kCallTimeout);
      grpc::Status status = stub_->GetEmployer(context.get(), get, &found);
      if (!status.ok()) return Fail(absl::StrCat(get.name(), ": ", Describe(status)));
    }

    std::set<std::string> served;
    demand::ListRolesRequest list;
    list.set_parent("employers/-");
    list.set_page_size(kPageSize);
    do {
      demand::ListRolesResponse page;
      auto context = NewContext(kCallTimeout);
      grpc::Status status = stub_->ListRoles(context.get(), list, &page);
      if (!status.ok()) return Fail(absl::StrCat("ListRoles failed: ", Describe(status)));
      for (const demand::Role& role : page.roles()) served.insert(role.name());
      list.set_page_token(page.next_page_token());
    } while (!list.page_token().empty());
    int expected = 0;
    for (const demand::BatchCreateRolesRequest& batch : file.roles()) {
      for (const demand::CreateRoleRequest& role : batch.requests()) {
        ++expected;
        std::string name = absl::StrCat(batch.parent(), "/roles/", role.role_id());
        if (served.count(name) == 0) return Fail(absl::StrCat(name, " is not served"));
      }
    }
    std::cout << "verified: " << file.employers_size() << " employers and " << expected
              << " roles are served (" << served.size() << " roles in all)\n";

    demand::GetDemandSummaryRequest summary;
    summary.set_horizon(demand::HORIZON_FIVE_YEARS);
    summary.set_group_by(demand::GROUP_BY_SKILL);
    summary.set_page_size(kPageSize);
    demand::GetDemandSummaryResponse rows;
    auto context = NewContext(kCallTimeout);
    grpc::Status status = stub_->GetDemandSummary(context.get(), summary, &rows);
    if (!status.ok()) return Fail(absl::StrCat("GetDemandSummary failed: ", Describe(status)));
    int shown = 0;
    for (const demand::DemandRow& row : rows.rows()) shown += row.suppressed() ? 0 : 1;
    std::cout << "verified: the demand summary by skill over five years has " << rows.rows_size()
              << " rows on its first page, " << shown
              << " of them from 5 or more employers and shown";
    if (shown > 0) {
      const demand::DemandRow& top = rows.rows(0);
      std::cout << " (most openings: \"" << top.label() << "\", " << top.openings()
                << " openings at " << top.employer_count() << " employers)";
    }
    std::cout << "\n";
    return true;
  }

  int employers_created() const { return employers_created_; }
  int roles_published() const { return roles_published_; }

 private:
  // Registers every employer; one that exists already is fine.
  bool CreateEmployers(const demand::EmployerFile& file) {
    for (demand::CreateEmployerRequest request : file.employers()) {
      if (request.request_id().empty()) {
        request.set_request_id(ContentRequestId("employer", request));
      }
      std::string name = absl::StrCat("employers/", request.employer_id());
      demand::Employer employer;
      auto context = NewContext(kCallTimeout);
      grpc::Status status = stub_->CreateEmployer(context.get(), request, &employer);
      if (status.ok() && CreatedEarlier(employer.create_time())) {
        std::cout << name << ": already there (registered "
                  << UtcTime(FromTimestamp(employer.create_time())) << ")\n";
      } else if (status.ok()) {
        std::cout << name << ": registered (" << employer.display_name() << ", "
                  << employer.location().outcode() << ")\n";
        ++employers_created_;
      } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
        std::cout << name << ": already there\n";
      } else {
        return Fail(absl::StrCat(name, ": CreateEmployer failed: ", Describe(status)));
      }
    }
    return true;
  }

  // Registers each employer's roles in one all-or-nothing batch.
  bool PublishRoles(const demand::EmployerFile& file) {
    for (demand::BatchCreateRolesRequest request : file.roles()) {
      if (request.request_id().empty()) request.set_request_id(ContentRequestId("roles", request));
      demand::BatchCreateRolesResponse response;
      auto context = NewContext(kBatchTimeout);
      grpc::Status status = stub_->BatchCreateRoles(context.get(), request, &response);
      if (status.ok()) {
        Report(request.parent(), response);
      } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
        std::cout << request.parent() << ": roles already loaded (" << status.error_message()
                  << ")\n";
      } else {
        return Fail(
            absl::StrCat(request.parent(), ": BatchCreateRoles failed: ", Describe(status)));
      }
    }
    return true;
  }

  void Report(const std::string& parent, const demand::BatchCreateRolesResponse& response) {
    absl::Time first = absl::InfiniteFuture();
    int emerging = 0;
    for (const demand::Role& role : response.roles()) {
      first = std::min(first, FromTimestamp(role.create_time()));
      emerging += role.emerging() ? 1 : 0;
    }
    if (response.roles_size() > 0 && first < started_) {
      std::cout << parent << ": roles already loaded (" << response.roles_size()
                << " roles, registered " << UtcTime(first) << ")\n";
      return;
    }
    std::cout << parent << ": " << response.roles_size() << " roles registered (" << emerging
              << " emerging)\n";
    roles_published_ += response.roles_size();
  }

  std::unique_ptr<demand::DemandService::Stub> stub_;
  int employers_created_ = 0;
  int roles_published_ = 0;
};

// ------------------------------------------------------------------ profiles

class ProfilesLoader : LoaderBase {
 public:
  ProfilesLoader(const std::shared_ptr<grpc::Channel>& channel, std::string token,
                 absl::Time started)
      : LoaderBase(std::move(token), started), stub_(profiles::ProfilesService::NewStub(channel)) {}

  // Records every profile, owned by the adviser token's organisation; one
  // that exists already is fine.
  bool Load(const profiles::ProfileFile& file) {
    for (profiles::CreateProfileRequest request : file.profiles()) {
      if (request.request_id().empty()) {
        request.set_request_id(ContentRequestId("profile", request));
      }
      std::string name = absl::StrCat("profiles/", request.profile_id());
      profiles::Profile profile;
      auto context = NewContext(kCallTimeout);
      grpc::Status status = stub_->CreateProfile(context.get(), request, &profile);
      if (status.ok() && CreatedEarlier(profile.create_time())) {
        std::cout << name << ": already there (recorded "
                  << UtcTime(FromTimestamp(profile.create_time())) << ")\n";
      } else if (status.ok()) {
        std::cout << name << ": recorded for " << profile.organisation() << " (home "
                  << profile.home().outcode() << ", " << profile.skills_size() << " skills)\n";
        ++profiles_created_;
      } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
        std::cout << name << ": already there\n";
      } else {
        return Fail(absl::StrCat(name, ": CreateProfile failed: ", Describe(status)));
      }
    }
    return true;
  }

  // Checks that the adviser's organisation now holds every profile in the
  // file. (Each listed profile is recorded in the service's audit log.)
  bool Verify(const profiles::ProfileFile& file) {
    std::set<std::string> held;
    std::string organisation;
    profiles::ListProfilesRequest list;
    list.set_page_size(kPageSize);
    do {
      profiles::ListProfilesResponse page;
      auto context = NewContext(kCallTimeout);
      grpc::Status status = stub_->ListProfiles(context.get(), list, &page);
      if (!status.ok()) return Fail(absl::StrCat("ListProfiles failed: ", Describe(status)));
      for (const profiles::Profile& profile : page.profiles()) {
        held.insert(profile.name());
        organisation = profile.organisation();
      }
      list.set_page_token(page.next_page_token());
    } while (!list.page_token().empty());
    for (const profiles::CreateProfileRequest& request : file.profiles()) {
      std::string name = absl::StrCat("profiles/", request.profile_id());
      if (held.count(name) == 0) {
        return Fail(absl::StrCat(name, " is not held for the adviser token's organisation"));
      }
    }
    std::cout << "verified: " << file.profiles_size() << " profiles are held for " << organisation
              << " (" << held.size() << " profiles in all)\n";
    return true;
  }

  int profiles_created() const { return profiles_created_; }

 private:
  std::unique_ptr<profiles::ProfilesService::Stub> stub_;
  int profiles_created_ = 0;
};

// ------------------------------------------------------------------- matcher

// Waits for a matcher to index what was loaded, and asks it for pathways.
class MatcherCheck {
 public:
  MatcherCheck(const std::shared_ptr<grpc::Channel>& channel, std::string admin_token)
      : admin_token_(std::move(admin_token)),
        health_(health::Health::NewStub(channel)),
        stub_(matcher::MatcherService::NewStub(channel)) {}

  // Waits until the matcher reports ready (its index listed from the training
  // and demand services) and its index holds at least `courses` courses and
  // `roles` roles, which it takes from their change feeds shortly after they
  // are written. The count is read from a provision-gap report, an aggregate
  // that reads no one's profile.
  bool WaitUntilIndexed(int courses, int roles) {
    const auto deadline = std::chrono::system_clock::now() + kIndexTimeout;
    if (!WaitUntilReady(deadline)) return false;
    matcher::GetProvisionGapsRequest request;
    request.set_horizon(demand::HORIZON_FIVE_YEARS);
    request.set_group_by(demand::GROUP_BY_SKILL);
    request.set_page_size(1);
    while (true) {
      matcher::GetProvisionGapsResponse response;
      auto context = NewContext(admin_token_, kCallTimeout);
      grpc::Status status = stub_->GetProvisionGaps(context.get(), request, &response);
      // UNAVAILABLE: the index is being listed again (a feed had to restart).
      if (!status.ok() && status.error_code() != grpc::StatusCode::UNAVAILABLE) {
        return Fail(absl::StrCat("matcher: GetProvisionGaps failed: ", Describe(status)));
      }
      const matcher::IndexRevision& index = response.index_revision();
      if (status.ok() && index.course_count() >= courses && index.role_count() >= roles) {
        std::cout << "the matcher is ready: its index holds " << index.course_count()
                  << " courses and " << index.role_count() << " roles\n";
        return true;
      }
      if (std::chrono::system_clock::now() + kIndexPollInterval > deadline) {
        return Fail(absl::StrCat("the matcher's index held ", index.course_count(), " of ", courses,
                                 " courses and ", index.role_count(), " of ", roles,
                                 " roles after ", kIndexTimeout.count(),
                                 " s (last answer: ", status.ok() ? "OK" : Describe(status), ")"));
      }
      std::this_thread::sleep_for(kIndexPollInterval);
    }
  }

  // Ranks pathways for `profile` with an adviser's token and checks that at
  // least one comes back.
  bool VerifyRanking(const std::string& profile, const std::string& adviser_token) {
    matcher::RankPathwaysRequest request;
    request.set_profile(profile);
    request.set_top_k(3);
    matcher::RankPathwaysResponse response;
    auto context = NewContext(adviser_token, kCallTimeout);
    grpc::Status status = stub_->RankPathways(context.get(), request, &response);
    if (!status.ok()) {
      return Fail(
          absl::StrCat("matcher: RankPathways for ", profile, " failed: ", Describe(status)));
    }
    if (response.pathways().empty()) {
      return Fail(absl::StrCat("matcher: RankPathways found no pathway for ", profile, " among ",
                               response.index_revision().role_count(), " roles and ",
                               response.index_revision().course_count(), " courses"));
    }
    std::cout << "verified: the matcher ranks " << response.pathways_size()
              << (response.pathways_size() == 1 ? " pathway" : " pathways") << " for " << profile
              << "; the best:\n";
    const matcher::Pathway& best = response.pathways(0);
    std::cout << "  " << best.title() << " at " << best.employer_display_name() << " (score "
              << absl::StrFormat("%.3f", best.score()) << "), ready in " << best.weeks_to_ready()
              << " weeks for " << absl::StrFormat("£%.2f", best.total_cost_pence() / 100.0) << "\n";
    for (int i = 0; i < best.steps_size(); ++i) {
      std::cout << "    step " << i + 1 << ": " << best.steps(i).title() << ", "
                << best.steps(i).provider_display_name() << "\n";
    }
    return true;
  }

 private:
  static std::unique_ptr<grpc::ClientContext> NewContext(const std::string& token,
                                                         std::chrono::seconds timeout) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    return context;
  }

  // Follows the standard health service's "" (readiness) until SERVING.
  bool WaitUntilReady(std::chrono::system_clock::time_point deadline) {
    grpc::ClientContext context;
    context.set_deadline(deadline);
    health::HealthCheckRequest request;
    auto reader = health_->Watch(&context, request);
    health::HealthCheckResponse response;
    while (reader->Read(&response)) {
      if (response.status() == health::HealthCheckResponse::SERVING) {
        context.TryCancel();
        reader->Finish();  // CANCELLED, as asked.
        return true;
      }
    }
    grpc::Status status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return Fail(absl::StrCat("the matcher did not become ready within ", kIndexTimeout.count(),
                               " s; its log says why (often: a service it lists is unreachable)"));
    }
    return Fail(absl::StrCat("matcher: watching its health failed: ", Describe(status)));
  }

  const std::string admin_token_;
  std::unique_ptr<health::Health::Stub> health_;
  std::unique_ptr<matcher::MatcherService::Stub> stub_;
};

// ---------------------------------------------------------------------- main

int UsageError(const std::string& message) {
  std::cerr << "pathways-load-demo: " << message << "\n\n" << kUsage;
  return 2;
}

// Reads the signing secret once, for the tokens this tool issues itself.
class OwnTokens {
 public:
  absl::StatusOr<std::string> Issue(const pathways::Principal& principal) {
    if (!authority_) {
      absl::StatusOr<std::string> secret = pathways::LoadAuthSecret(pathways::ProcessEnv());
      if (!secret.ok()) return secret.status();
      authority_.emplace(*std::move(secret));
    }
    return authority_->Issue(principal, kOwnTokenLifetime);
  }

 private:
  std::optional<pathways::TokenAuthority> authority_;
};

// The given token (from `flag`), else the one in `env_var`, else one issued
// for `principal`.
std::optional<std::string> ResolveToken(const std::string& given, const char* flag,
                                        const char* env_var, const pathways::Principal& principal,
                                        OwnTokens* own) {
  if (!given.empty()) return given;
  if (const char* from_env = std::getenv(env_var); from_env != nullptr && *from_env != '\0') {
    return std::string(from_env);
  }
  absl::StatusOr<std::string> issued = own->Issue(principal);
  if (!issued.ok()) {
    std::cerr << "pathways-load-demo: no " << flag << " or " << env_var << " given, and no "
              << pathways::RoleName(principal.role)
              << " token can be issued: " << issued.status().message() << "\n";
    return std::nullopt;
  }
  return *issued;
}

std::shared_ptr<grpc::Channel> Connect(const std::string& target, const char* service) {
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  std::cout << "waiting for the " << service << " service at " << target << " (up to "
            << kConnectTimeout.count() << " s)\n"
            << std::flush;
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + kConnectTimeout)) {
    std::cerr << "pathways-load-demo: the " << service << " service at " << target
              << " did not accept a connection within " << kConnectTimeout.count() << " s\n";
    return nullptr;
  }
  return channel;
}

template <typename File>
std::optional<File> ReadOrReport(const std::string& path) {
  absl::StatusOr<File> file = ReadJsonFile<File>(path);
  if (!file.ok()) {
    std::cerr << "pathways-load-demo: " << file.status().message() << "\n";
    return std::nullopt;
  }
  return *std::move(file);
}

}  // namespace

int main(int argc, char** argv) {
  const absl::Time started = absl::Now();
  Options options;
  if (std::optional<std::string> error = ParseArgs(argc, argv, &options)) {
    return UsageError(*error);
  }
  if (options.help) {
    std::cout << kUsage;
    return 0;
  }
  if (std::optional<std::string> error = CheckPairs(options)) return UsageError(*error);

  // Every file is read, and every token settled, before anything is sent.
  std::optional<training::CatalogueFile> catalogue;
  std::optional<demand::EmployerFile> employers;
  std::optional<profiles::ProfileFile> people;
  if (!options.training.empty()) {
    catalogue = ReadOrReport<training::CatalogueFile>(options.catalogue_file);
    if (!catalogue) return 2;
  }
  if (!options.demand.empty()) {
    employers = ReadOrReport<demand::EmployerFile>(options.employer_file);
    if (!employers) return 2;
  }
  if (!options.profiles.empty()) {
    people = ReadOrReport<profiles::ProfileFile>(options.profile_file);
    if (!people) return 2;
    for (const profiles::CreateProfileRequest& request : people->profiles()) {
      if (request.profile_id().empty()) {
        std::cerr << "pathways-load-demo: " << options.profile_file
                  << ": every profile needs a profile_id, or a second load would record it "
                     "again under a new random id\n";
        return 2;
      }
    }
  }

  OwnTokens own;
  std::string admin_token;
  if (catalogue || employers || !options.matcher.empty()) {
    pathways::Principal admin;
    admin.role = pathways::Role::kAdmin;
    admin.subject = kOwnSubject;
    std::optional<std::string> token =
        ResolveToken(options.token, "--token", "PATHWAYS_TOKEN", admin, &own);
    if (!token) return 2;
    admin_token = *std::move(token);
  }
  std::string adviser_token;
  if (people) {
    pathways::Principal adviser;
    adviser.role = pathways::Role::kAdviser;
    adviser.organisation = kDemoOrganisation;
    adviser.subject = kOwnSubject;
    std::optional<std::string> token = ResolveToken(options.adviser_token, "--adviser-token",
                                                    "PATHWAYS_ADVISER_TOKEN", adviser, &own);
    if (!token) return 2;
    adviser_token = *std::move(token);
  }

  int courses = 0;  // In the files, for the matcher's wait.
  int roles = 0;
  if (catalogue) {
    std::shared_ptr<grpc::Channel> channel = Connect(options.training, "training");
    if (!channel) return 1;
    TrainingLoader loader(channel, admin_token, started);
    if (!loader.Load(*catalogue)) return 1;
    for (const auto& batch : catalogue->catalogues()) courses += batch.requests_size();
    std::cout << "loaded " << options.catalogue_file << ": " << catalogue->providers_size()
              << " providers (" << loader.providers_created() << " new), " << courses
              << " courses (" << loader.courses_published() << " new)\n";
    if (options.verify && !loader.Verify(*catalogue)) return 1;
  }
  if (employers) {
    std::shared_ptr<grpc::Channel> channel = Connect(options.demand, "demand");
    if (!channel) return 1;
    DemandLoader loader(channel, admin_token, started);
    if (!loader.Load(*employers)) return 1;
    for (const auto& batch : employers->roles()) roles += batch.requests_size();
    std::cout << "loaded " << options.employer_file << ": " << employers->employers_size()
              << " employers (" << loader.employers_created() << " new), " << roles << " roles ("
              << loader.roles_published() << " new)\n";
    if (options.verify && !loader.Verify(*employers)) return 1;
  }
  if (people) {
    std::shared_ptr<grpc::Channel> channel = Connect(options.profiles, "profiles");
    if (!channel) return 1;
    ProfilesLoader loader(channel, adviser_token, started);
    if (!loader.Load(*people)) return 1;
    std::cout << "loaded " << options.profile_file << ": " << people->profiles_size()
              << " profiles (" << loader.profiles_created() << " new)\n";
    if (options.verify && !loader.Verify(*people)) return 1;
  }
  if (!options.matcher.empty()) {
    std::shared_ptr<grpc::Channel> channel = Connect(options.matcher, "matcher");
    if (!channel) return 1;
    MatcherCheck check(channel, admin_token);
    if (!check.WaitUntilIndexed(courses, roles)) return 1;
    if (options.verify && people) {
      auto consents = [](const profiles::CreateProfileRequest& request) {
        const auto& purposes = request.profile().consent().purposes();
        return std::find(purposes.begin(), purposes.end(), profiles::CONSENT_PURPOSE_MATCHING) !=
               purposes.end();
      };
      auto chosen = std::find_if(people->profiles().begin(), people->profiles().end(), consents);
      if (chosen == people->profiles().end()) {
        std::cerr << "pathways-load-demo: " << options.profile_file
                  << ": no profile consents to matching, so none can be ranked\n";
        return 1;
      }
      if (!check.VerifyRanking(absl::StrCat("profiles/", chosen->profile_id()), adviser_token)) {
        return 1;
      }
    }
  }
  return 0;
}
