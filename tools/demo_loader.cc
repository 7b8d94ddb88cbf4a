// pathways-load-demo: loads a catalogue file (pathways.training.v1.
// CatalogueFile in protobuf's JSON mapping, e.g. deploy/demo/training.json)
// into a running training service.
//
// Re-running it is harmless: a provider that exists already is reported and
// left alone, and each catalogue goes out with a request id derived from its
// contents, so a repeat either replays the first result or finds the courses
// there already. Anything else stops the load with the service's message.
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
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "pathways/training/v1/catalogue_file.pb.h"
#include "pathways/training/v1/training_service.grpc.pb.h"
#include "services/common/auth.h"
#include "services/common/config.h"

namespace {

namespace v1 = pathways::training::v1;

constexpr std::chrono::seconds kConnectTimeout{30};
constexpr std::chrono::seconds kCallTimeout{10};
// A catalogue may hold up to 1,000 courses, each validated against the
// taxonomy and written in one transaction.
constexpr std::chrono::seconds kBatchTimeout{60};
// The token this tool issues for itself only has to outlive one load.
constexpr absl::Duration kOwnTokenLifetime = absl::Hours(1);

constexpr char kUsage[] =
    R"(Usage: pathways-load-demo --training HOST:PORT --file FILE [--token TOKEN] [--verify]

Loads a catalogue file (pathways.training.v1.CatalogueFile as JSON) into a
running training service: registers each provider, then publishes each
provider's courses in one batch. Safe to run again.

  --training HOST:PORT  the training service (plaintext gRPC)
  --file FILE           the catalogue, e.g. deploy/demo/training.json
  --token TOKEN         an admin bearer token; default $PATHWAYS_TOKEN, else one
                        issued here from AUTH_SECRET or AUTH_SECRET_FILE
  --verify              afterwards, list the service's courses and check that
                        every provider and course in the file is served
  --help                show this help

Exit status: 0 loaded, 1 the service refused or could not be reached,
2 bad arguments, file or secret.
)";

struct Options {
  std::string target;
  std::string file;
  std::string token;
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
    std::string* target = flag == "--training" ? &options->target
                          : flag == "--file"   ? &options->file
                          : flag == "--token"  ? &options->token
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

absl::StatusOr<v1::CatalogueFile> ReadCatalogue(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::stringstream json;
  json << in.rdbuf();
  v1::CatalogueFile catalogue;
  auto parsed = google::protobuf::util::JsonStringToMessage(json.str(), &catalogue);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a pathways.training.v1.CatalogueFile: ", parsed.ToString()));
  }
  return catalogue;
}

// A request id that is the same every time the same catalogue is loaded and
// different once its contents change: a repeat within the service's request
// memory replays the first result instead of colliding.
std::string ContentRequestId(const v1::BatchCreateCoursesRequest& request) {
  v1::BatchCreateCoursesRequest copy = request;
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
  return absl::StrCat("catalogue-", hex.substr(0, 32));
}

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                      ": ", status.error_message());
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

class Loader {
 public:
  Loader(std::shared_ptr<grpc::Channel> channel, std::string token, absl::Time started)
      : stub_(v1::TrainingService::NewStub(channel)),
        authorization_(absl::StrCat("Bearer ", token)),
        started_(started) {}

  // Registers every provider; one that exists already is fine.
  bool CreateProviders(const v1::CatalogueFile& file) {
    for (const v1::CreateProviderRequest& request : file.providers()) {
      std::string name = absl::StrCat("providers/", request.provider_id());
      v1::Provider provider;
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
  bool PublishCatalogues(const v1::CatalogueFile& file) {
    for (v1::BatchCreateCoursesRequest request : file.catalogues()) {
      if (request.request_id().empty()) request.set_request_id(ContentRequestId(request));
      v1::BatchCreateCoursesResponse response;
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

  // Checks that the service now serves every provider and course in the file.
  bool Verify(const v1::CatalogueFile& file) {
    std::set<std::string> served;
    v1::ListCoursesRequest list;
    list.set_parent("providers/-");
    list.set_page_size(1000);
    do {
      v1::ListCoursesResponse page;
      auto context = NewContext(kCallTimeout);
      grpc::Status status = stub_->ListCourses(context.get(), list, &page);
      if (!status.ok()) return Fail(absl::StrCat("ListCourses failed: ", Describe(status)));
      for (const v1::Course& course : page.courses()) served.insert(course.name());
      list.set_page_token(page.next_page_token());
    } while (!list.page_token().empty());

    for (const v1::CreateProviderRequest& provider : file.providers()) {
      v1::GetProviderRequest get;
      get.set_name(absl::StrCat("providers/", provider.provider_id()));
      v1::Provider found;
      auto context = NewContext(kCallTimeout);
      grpc::Status status = stub_->GetProvider(context.get(), get, &found);
      if (!status.ok()) return Fail(absl::StrCat(get.name(), ": ", Describe(status)));
    }
    int expected = 0;
    for (const v1::BatchCreateCoursesRequest& catalogue : file.catalogues()) {
      for (const v1::CreateCourseRequest& course : catalogue.requests()) {
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
  std::unique_ptr<grpc::ClientContext> NewContext(std::chrono::seconds timeout) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    context->AddMetadata("authorization", authorization_);
    return context;
  }

  // A replayed request returns the courses as first published; their
  // create_time tells a fresh load from a repeat (server and loader clocks are
  // assumed to agree, which they do in a local run; a skew only mislabels).
  void Report(const std::string& parent, const v1::BatchCreateCoursesResponse& response) {
    absl::Time first = absl::InfiniteFuture();
    for (const v1::Course& course : response.courses()) {
      first = std::min(first, FromTimestamp(course.create_time()));
    }
    if (response.courses_size() > 0 && first < started_) {
      std::cout << parent << ": already loaded (" << response.courses_size()
                << " courses, published "
                << absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", first, absl::UTCTimeZone()) << ")\n";
      return;
    }
    std::cout << parent << ": " << response.courses_size() << " courses published\n";
    courses_published_ += response.courses_size();
  }

  static bool Fail(const std::string& message) {
    std::cerr << "pathways-load-demo: " << message << "\n";
    return false;
  }

  std::unique_ptr<v1::TrainingService::Stub> stub_;
  const std::string authorization_;
  const absl::Time started_;
  int providers_created_ = 0;
  int courses_published_ = 0;
};

int UsageError(const std::string& message) {
  std::cerr << "pathways-load-demo: " << message << "\n\n" << kUsage;
  return 2;
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
  if (options.target.empty()) return UsageError("--training HOST:PORT is required");
  if (options.file.empty()) return UsageError("--file is required");

  absl::StatusOr<v1::CatalogueFile> file = ReadCatalogue(options.file);
  if (!file.ok()) {
    std::cerr << "pathways-load-demo: " << file.status().message() << "\n";
    return 2;
  }

  std::string token = options.token;
  if (token.empty()) {
    if (const char* from_env = std::getenv("PATHWAYS_TOKEN")) token = from_env;
  }
  if (token.empty()) {
    absl::StatusOr<std::string> secret = pathways::LoadAuthSecret(pathways::ProcessEnv());
    if (!secret.ok()) {
      std::cerr << "pathways-load-demo: no --token or PATHWAYS_TOKEN given, and no admin token "
                   "can be issued: "
                << secret.status().message() << "\n";
      return 2;
    }
    pathways::Principal admin;
    admin.role = pathways::Role::kAdmin;
    admin.subject = "pathways-load-demo";
    token = pathways::TokenAuthority(*std::move(secret)).Issue(admin, kOwnTokenLifetime);
  }

  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(options.target, grpc::InsecureChannelCredentials());
  std::cout << "waiting for the training service at " << options.target << " (up to "
            << kConnectTimeout.count() << " s)\n"
            << std::flush;
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + kConnectTimeout)) {
    std::cerr << "pathways-load-demo: the training service at " << options.target
              << " did not accept a connection within " << kConnectTimeout.count() << " s\n";
    return 1;
  }

  Loader loader(channel, token, started);
  if (!loader.CreateProviders(*file) || !loader.PublishCatalogues(*file)) return 1;
  int courses = 0;
  for (const auto& catalogue : file->catalogues()) courses += catalogue.requests_size();
  std::cout << "loaded " << options.file << ": " << file->providers_size() << " providers ("
            << loader.providers_created() << " new), " << courses << " courses ("
            << loader.courses_published() << " new)\n";
  if (options.verify && !loader.Verify(*file)) return 1;
  return 0;
}
