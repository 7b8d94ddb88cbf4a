// pathways-load-demo: loads an economy into running services through their
// APIs, in one of two forms:
//
//   - the demo economy, each part one file in protobuf's JSON mapping: a
//     catalogue (pathways.training.v1.CatalogueFile, deploy/demo/training.json)
//     into a training service, employers and roles
//     (pathways.demand.v1.EmployerFile, deploy/demo/demand.json) into a demand
//     service, young people's profiles (pathways.profiles.v1.ProfileFile,
//     deploy/demo/profiles.json) into a profiles service;
//   - a generated economy of any size (`pathways-generate --format requests`),
//     a directory of request files with one request per line, read as they
//     are sent so that no scale has to fit in memory.
//
// Either way the same requests go out the same way: providers, then courses
// (BatchCreateCourses), employers, then roles (BatchCreateRoles), then
// profiles (BatchCreateProfiles, 250 at a time), each kind with up to
// --concurrency calls in flight. With --matcher it then waits until a matcher
// service is ready and has indexed what was loaded.
//
// Re-running it is harmless: every create goes out with a request id derived
// from its contents, so a repeat either replays the first result or finds the
// resource there already (ALREADY_EXISTS), and both are counted as "already
// there"; a batch that is only partly there is sent again item by item, so
// that exactly the missing items are created. A call the service could not take just then
// (UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED) is retried with the same request id;
// anything else stops the load with the service's message and where the
// request came from.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
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
// Attempts at a call the service could not take just then, and the pause
// before the first retry (doubled each time).
constexpr int kMaxAttempts = 6;
constexpr std::chrono::milliseconds kFirstBackoff{200};
// The tokens this tool issues for itself only have to outlive one load, a
// region-sized one included.
constexpr absl::Duration kOwnTokenLifetime = absl::Hours(12);
constexpr char kOwnSubject[] = "pathways-load-demo";
// Profiles belong to the organisation of the adviser who records them; the
// demo's young people are advised by this (fictional) careers service.
constexpr char kDemoOrganisation[] = "demo-careers-service";
constexpr int kPageSize = 1000;
// Profiles a BatchCreateProfiles carries (the service takes up to 500).
constexpr int kProfilesPerBatch = 250;
// How long the matcher may take, once it accepts connections, to list the
// training and demand services and to apply what was just loaded.
constexpr std::chrono::seconds kIndexTimeout{60};
constexpr std::chrono::milliseconds kIndexPollInterval{100};
constexpr int kDefaultConcurrency = 16;
constexpr int kMaxConcurrency = 256;
constexpr int kDefaultProgressSeconds = 5;

// The request files of a generated economy, in the order they are loaded.
constexpr char kProvidersFile[] = "providers.requests.jsonl";
constexpr char kCoursesFile[] = "courses.requests.jsonl";
constexpr char kEmployersFile[] = "employers.requests.jsonl";
constexpr char kRolesFile[] = "roles.requests.jsonl";
constexpr char kProfilesFile[] = "profiles.requests.jsonl";

constexpr char kUsage[] =
    R"(Usage: pathways-load-demo [--training HOST:PORT --file FILE]
                          [--demand HOST:PORT --employers FILE]
                          [--profiles HOST:PORT --people FILE]
                          [--matcher HOST:PORT]
                          [--token TOKEN] [--adviser-token TOKEN] [--verify]
                          [--concurrency N] [--progress SECONDS]
       pathways-load-demo --economy DIR [--training HOST:PORT]
                          [--demand HOST:PORT] [--profiles HOST:PORT]
                          [--matcher HOST:PORT]
                          [--token TOKEN] [--adviser-token TOKEN]
                          [--concurrency N] [--progress SECONDS]

Loads an economy into running services (plaintext gRPC): the demo economy from
one file per service in protobuf's JSON mapping, or, with --economy, a
generated economy of any size from a directory of request files. Give at least
one service (and, without --economy, its file), or the matcher. Safe to run
again: what is there already is counted as such and left alone.

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
  --economy DIR         load what `pathways-generate --format requests --out DIR`
                        wrote, one request per line (protobuf's JSON mapping),
                        reading each file as it goes:
                          providers.requests.jsonl  CreateProviderRequest
                          courses.requests.jsonl    BatchCreateCoursesRequest
                                                    (training service)
                          employers.requests.jsonl  CreateEmployerRequest
                          roles.requests.jsonl      BatchCreateRolesRequest
                                                    (demand service)
                          profiles.requests.jsonl   CreateProfileRequest,
                                                    each with a profile_id
                                                    (profiles service; sent
                                                    250 to a batch)
                        Only the files of the services given are read.
  --token TOKEN         an admin bearer token for the training and demand
                        services and the matcher's wait; default
                        $PATHWAYS_TOKEN, else one issued here from AUTH_SECRET
                        or AUTH_SECRET_FILE
  --adviser-token TOKEN an adviser bearer token for the profiles service, whose
                        organisation will own the profiles; default
                        $PATHWAYS_ADVISER_TOKEN, else one issued here from the
                        secret for organisation "demo-careers-service"
  --concurrency N       calls in flight at once, 1..256 (default 16)
  --progress SECONDS    report counts and rate on stderr this often while a
                        kind loads (default 5; 0 turns it off)
  --verify              afterwards, read everything back and check that every
                        provider, course, employer, role and profile in the
                        files is served (not with --economy); with --matcher
                        and --people, also rank pathways for the first profile
                        in the file that consents to matching, and fail unless
                        one comes back
  --help                show this help

At the end it prints, for each kind, how many were created and how many were
there already, and how long that took.

Exit status: 0 loaded, 1 a service refused or could not be reached,
2 bad arguments, input or secret (a bad line is named FILE:LINE).
)";

struct Options {
  std::string training;
  std::string catalogue_file;
  std::string demand;
  std::string employer_file;
  std::string profiles;
  std::string profile_file;
  std::string matcher;
  std::string economy_dir;
  std::string token;
  std::string adviser_token;
  int concurrency = kDefaultConcurrency;
  int progress_seconds = kDefaultProgressSeconds;
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
    std::string text;
    std::string* target = flag == "--training"        ? &options->training
                          : flag == "--file"          ? &options->catalogue_file
                          : flag == "--demand"        ? &options->demand
                          : flag == "--employers"     ? &options->employer_file
                          : flag == "--profiles"      ? &options->profiles
                          : flag == "--people"        ? &options->profile_file
                          : flag == "--matcher"       ? &options->matcher
                          : flag == "--economy"       ? &options->economy_dir
                          : flag == "--token"         ? &options->token
                          : flag == "--adviser-token" ? &options->adviser_token
                          : flag == "--concurrency"   ? &text
                          : flag == "--progress"      ? &text
                                                      : nullptr;
    if (target == nullptr) return absl::StrCat("unknown argument \"", args[i], "\"");
    if (!value) {
      if (i + 1 >= args.size()) return absl::StrCat(flag, " needs a value");
      value = args[++i];
    }
    *target = *value;
    if (flag == "--concurrency" &&
        (!absl::SimpleAtoi(text, &options->concurrency) || options->concurrency < 1 ||
         options->concurrency > kMaxConcurrency)) {
      return absl::StrCat("--concurrency must be 1..", kMaxConcurrency, ", got \"", text, "\"");
    }
    if (flag == "--progress" &&
        (!absl::SimpleAtoi(text, &options->progress_seconds) || options->progress_seconds < 0)) {
      return absl::StrCat("--progress must be a number of seconds, got \"", text, "\"");
    }
  }
  return std::nullopt;
}

// Each service needs its file and each file its service; a generated
// economy brings its own files.
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
    if (!options.economy_dir.empty()) {
      if (!pair.file.empty()) {
        return absl::StrCat(pair.file_flag,
                            " cannot be combined with --economy, which holds "
                            "every file");
      }
    } else if (pair.service.empty() != pair.file.empty()) {
      return pair.service.empty()
                 ? absl::StrCat(pair.file_flag, " needs ", pair.service_flag, " HOST:PORT")
                 : absl::StrCat(pair.service_flag, " needs ", pair.file_flag, " FILE");
    }
    any = any || !pair.service.empty();
  }
  if (!any && options.matcher.empty()) {
    return options.economy_dir.empty()
               ? "nothing to do: give --training, --demand or --profiles with its file, or "
                 "--matcher"
               : "nothing to load: give --training, --demand or --profiles with --economy";
  }
  if (!options.economy_dir.empty() && options.verify) {
    return "--verify checks the demo files; it does not work with --economy";
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

// `request` with its request id, derived from its contents (ContentRequestId)
// unless it has one.
template <typename Request>
Request WithRequestId(absl::string_view kind, Request request) {
  if (request.request_id().empty()) request.set_request_id(ContentRequestId(kind, request));
  return request;
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

// 1234567 as "1,234,567".
std::string Grouped(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

bool Fail(const std::string& message) {
  std::cerr << "pathways-load-demo: " << message << "\n";
  return false;
}

// A profile needs its id in the file: without one the service picks a random
// id, and a second load would record the person again.
absl::Status CheckProfileRequest(const profiles::CreateProfileRequest& request) {
  if (!request.profile_id().empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "every profile needs a profile_id, or a second load would record it again under a new "
      "random id");
}

// ------------------------------------------------------------------- sources

// A request to send and where it came from ("FILE:LINE", or "FILE: field[i]"),
// for messages.
template <typename Request>
struct Sourced {
  Request request;
  std::string where;
};

// Requests of one kind, handed out one at a time. Not thread-safe.
template <typename Request>
class Source {
 public:
  virtual ~Source() = default;
  // The next request; nullopt at the end (and after it); INVALID_ARGUMENT,
  // naming the file and line, for input that is not a valid request.
  virtual absl::StatusOr<std::optional<Sourced<Request>>> Next() = 0;
  // How many requests there are in all.
  virtual int64_t total() const = 0;
};

// The elements of a repeated field of a file already read.
template <typename Request>
class ListSource : public Source<Request> {
 public:
  ListSource(std::string file, std::string field,
             const google::protobuf::RepeatedPtrField<Request>& requests)
      : file_(std::move(file)), field_(std::move(field)), requests_(requests) {}

  absl::StatusOr<std::optional<Sourced<Request>>> Next() override {
    if (next_ >= requests_.size()) return std::nullopt;
    int i = next_++;
    return Sourced<Request>{requests_[i], absl::StrCat(file_, ": ", field_, "[", i, "]")};
  }
  int64_t total() const override { return requests_.size(); }

 private:
  const std::string file_;
  const std::string field_;
  const google::protobuf::RepeatedPtrField<Request>& requests_;
  int next_ = 0;
};

// Requests one per line in protobuf's JSON mapping (blank lines are skipped),
// read as they are asked for.
template <typename Request>
class JsonLinesSource : public Source<Request> {
 public:
  using Check = std::function<absl::Status(const Request&)>;

  // NOT_FOUND if the file cannot be read. Counts its requests first (a
  // quick pass over the bytes) so that progress can be told as a share.
  static absl::StatusOr<std::unique_ptr<JsonLinesSource>> Open(const std::string& path,
                                                               Check check = nullptr) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
    int64_t lines = 0;
    bool content = false;
    std::vector<char> buffer(1 << 20);
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
      for (std::streamsize i = 0; i < in.gcount(); ++i) {
        char c = buffer[i];
        if (c == '\n') {
          lines += content ? 1 : 0;
          content = false;
        } else if (c != ' ' && c != '\t' && c != '\r') {
          content = true;
        }
      }
    }
    lines += content ? 1 : 0;
    in.clear();
    in.seekg(0);
    return std::unique_ptr<JsonLinesSource>(
        new JsonLinesSource(path, std::move(in), lines, std::move(check)));
  }

  absl::StatusOr<std::optional<Sourced<Request>>> Next() override {
    std::string line;
    while (std::getline(in_, line)) {
      ++line_number_;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::string where = absl::StrCat(path_, ":", line_number_);
      Request request;
      auto parsed = google::protobuf::util::JsonStringToMessage(line, &request);
      if (!parsed.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": not a ", Request::descriptor()->full_name(), ": ", parsed.ToString()));
      }
      if (check_) {
        if (absl::Status checked = check_(request); !checked.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": ", checked.message()));
        }
      }
      return Sourced<Request>{std::move(request), std::move(where)};
    }
    if (in_.bad()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ":", line_number_ + 1, ": cannot be read"));
    }
    return std::nullopt;
  }
  int64_t total() const override { return total_; }

 private:
  JsonLinesSource(std::string path, std::ifstream in, int64_t total, Check check)
      : path_(std::move(path)), in_(std::move(in)), total_(total), check_(std::move(check)) {}

  const std::string path_;
  std::ifstream in_;
  const int64_t total_;
  const Check check_;
  int64_t line_number_ = 0;
};

// Consecutive requests of another source, up to `size` at a time, for a
// batch call. Input that is not a valid request ends the batch before it,
// so what came before it is still sent, and is reported on the next call.
template <typename Request>
class BatchingSource : public Source<std::vector<Sourced<Request>>> {
 public:
  BatchingSource(std::unique_ptr<Source<Request>> items, int size)
      : items_(std::move(items)), size_(size) {}

  absl::StatusOr<std::optional<Sourced<std::vector<Sourced<Request>>>>> Next() override {
    if (!pending_.ok()) return pending_;
    std::vector<Sourced<Request>> batch;
    while (static_cast<int>(batch.size()) < size_) {
      absl::StatusOr<std::optional<Sourced<Request>>> item = items_->Next();
      if (!item.ok()) {
        if (batch.empty()) return item.status();
        pending_ = item.status();
        break;
      }
      if (!item->has_value()) break;
      batch.push_back(std::move(**item));
    }
    if (batch.empty()) return std::nullopt;
    // Each item keeps its own place; the importer names a batch by none.
    return Sourced<std::vector<Sourced<Request>>>{std::move(batch), ""};
  }
  int64_t total() const override { return (items_->total() + size_ - 1) / size_; }

 private:
  const std::unique_ptr<Source<Request>> items_;
  const int size_;
  absl::Status pending_;
};

// ------------------------------------------------------------------- imports

// What sending one request did, counted in items: a batch counts its courses
// or roles.
struct Tally {
  int64_t created = 0;
  int64_t already_there = 0;
};

// One kind's import, for the summary.
struct KindReport {
  std::string kind;   // "courses"
  std::string calls;  // "batches" or "calls"
  int64_t requests = 0;
  int64_t created = 0;
  int64_t already_there = 0;
  int64_t retries = 0;
  absl::Duration elapsed;
};

// Why a load stopped: input that is not what it should be (exit status 2),
// or a service that refused or could not be reached (1).
enum class Failure { kNone, kBadInput, kRefused };

// Sends every request of a source with up to `concurrency` calls in flight,
// reporting progress on stderr, and stops at the first bad request or
// refusal. One Importer runs the kinds of a load one after another and keeps
// their reports.
class Importer {
 public:
  Importer(int concurrency, int progress_seconds)
      : concurrency_(concurrency), progress_seconds_(progress_seconds) {}

  // `send` sends one request and says what it did, or why it failed (it is
  // called from several threads at once). `calls` names the requests in
  // messages ("batches"), `retries` counts the retries `send` made.
  template <typename Request>
  bool Run(const std::string& kind, const std::string& calls, Source<Request>* source,
           const std::function<absl::StatusOr<Tally>(const Sourced<Request>&)>& send,
           const std::atomic<int64_t>& retries) {
    KindReport report;
    report.kind = kind;
    report.calls = calls;
    const int64_t retries_before = retries.load();
    const absl::Time start = absl::Now();

    std::mutex mu;  // Guards source, stop and the failure.
    bool stop = false;
    std::atomic<int64_t> done{0}, created{0}, already_there{0};
    auto worker = [&] {
      for (;;) {
        std::optional<Sourced<Request>> item;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (stop) return;
          absl::StatusOr<std::optional<Sourced<Request>>> next = source->Next();
          if (!next.ok()) {
            RecordFailure(Failure::kBadInput, std::string(next.status().message()));
            stop = true;
            return;
          }
          if (!next->has_value()) return;
          item = std::move(**next);
        }
        absl::StatusOr<Tally> tally = send(*item);
        if (!tally.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          RecordFailure(Failure::kRefused,
                        item->where.empty()
                            ? std::string(tally.status().message())
                            : absl::StrCat(item->where, ": ", tally.status().message()));
          stop = true;
          return;
        }
        created += tally->created;
        already_there += tally->already_there;
        ++done;
      }
    };

    std::mutex progress_mu;
    std::condition_variable progress_cv;
    bool finished = false;
    std::thread progress;
    if (progress_seconds_ > 0) {
      progress = std::thread([&] {
        std::unique_lock<std::mutex> lock(progress_mu);
        while (!progress_cv.wait_for(lock, std::chrono::seconds(progress_seconds_),
                                     [&] { return finished; })) {
          ReportProgress(kind, calls, done.load(), source->total(), created.load(),
                         already_there.load(), absl::Now() - start);
        }
      });
    }
    std::vector<std::thread> workers;
    int64_t threads = std::min<int64_t>(concurrency_, std::max<int64_t>(source->total(), 1));
    for (int64_t i = 0; i < threads; ++i) workers.emplace_back(worker);
    for (std::thread& thread : workers) thread.join();
    if (progress.joinable()) {
      {
        std::lock_guard<std::mutex> lock(progress_mu);
        finished = true;
      }
      progress_cv.notify_all();
      progress.join();
    }

    report.requests = done.load();
    report.created = created.load();
    report.already_there = already_there.load();
    report.retries = retries.load() - retries_before;
    report.elapsed = absl::Now() - start;
    reports_.push_back(report);
    return failure_ == Failure::kNone;
  }

  Failure failure() const { return failure_; }
  // Items of a kind created or found already there (0 if it was not loaded).
  int64_t Items(const std::string& kind) const {
    for (const KindReport& r : reports_) {
      if (r.kind == kind) return r.created + r.already_there;
    }
    return 0;
  }
  const std::string& failure_message() const { return failure_message_; }

  // The end-of-load summary: per kind, created, already there, time, rate.
  void PrintSummary(std::ostream& out) const {
    out << "summary:\n";
    for (const KindReport& r : reports_) {
      double seconds = absl::ToDoubleSeconds(r.elapsed);
      int64_t items = r.created + r.already_there;
      out << absl::StrFormat(
          "  %-9s %9s created, %9s already there, %9s %-7s %8.2f s %9s %s/s", r.kind,
          Grouped(r.created), Grouped(r.already_there), Grouped(r.requests), r.calls, seconds,
          Grouped(seconds > 0 ? static_cast<int64_t>(items / seconds) : items), r.kind);
      if (r.retries > 0) out << " (" << Grouped(r.retries) << " calls retried)";
      out << "\n";
    }
  }

 private:
  void RecordFailure(Failure failure, std::string message) {
    if (failure_ != Failure::kNone) return;
    failure_ = failure;
    failure_message_ = std::move(message);
  }

  static void ReportProgress(const std::string& kind, const std::string& calls, int64_t done,
                             int64_t total, int64_t created, int64_t already_there,
                             absl::Duration elapsed) {
    double seconds = absl::ToDoubleSeconds(elapsed);
    int64_t items = created + already_there;
    std::string line =
        absl::StrCat("pathways-load-demo: ", kind, ": ", Grouped(done), " of ", Grouped(total), " ",
                     calls, " (", total > 0 ? done * 100 / total : 100, "%), ", Grouped(created),
                     " created, ", Grouped(already_there), " already there, ",
                     Grouped(static_cast<int64_t>(items / seconds)), " ", kind, "/s");
    if (done > 0 && done < total) {
      absl::StrAppend(&line, ", about ",
                      static_cast<int64_t>(seconds * static_cast<double>(total - done) /
                                           static_cast<double>(done)) +
                          1,
                      " s to go");
    }
    std::cerr << line + "\n" << std::flush;
  }

  const int concurrency_;
  const int progress_seconds_;
  std::vector<KindReport> reports_;
  Failure failure_ = Failure::kNone;
  std::string failure_message_;
};

// What the loaders share: the call settings, the start of this run, retries
// and the per-item lines. A request id replayed by the service returns the
// resource as first created; its create_time tells a fresh load from a
// repeat (server and loader clocks are assumed to agree, which they do in a
// local run; a skew only mislabels).
absl::Status Refused(const std::string& what, const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, " failed: ", Describe(status)));
}

// The id a create request gives its resource.
const std::string& ResourceId(const training::CreateCourseRequest& request) {
  return request.course_id();
}
const std::string& ResourceId(const demand::CreateRoleRequest& request) {
  return request.role_id();
}

class LoaderBase {
 public:
  const std::atomic<int64_t>& retries() const { return retries_; }

 protected:
  LoaderBase(std::string token, absl::Time started, bool verbose)
      : authorization_(absl::StrCat("Bearer ", token)), started_(started), verbose_(verbose) {}

  std::unique_ptr<grpc::ClientContext> NewContext(std::chrono::seconds timeout) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    context->AddMetadata("authorization", authorization_);
    return context;
  }

  // Makes a call, `call(context)`, again (after a pause that doubles each
  // time) while the service answers that it could not take it just then,
  // saying so on stderr. `method` names the call ("CreateProvider").
  // Every create carries a request id, so a retry of one that did go through
  // replays its result.
  template <typename Call>
  grpc::Status WithRetries(const char* method, std::chrono::seconds timeout, const Call& call) {
    std::chrono::milliseconds backoff = kFirstBackoff;
    for (int attempt = 1;; ++attempt) {
      std::unique_ptr<grpc::ClientContext> context = NewContext(timeout);
      grpc::Status status = call(context.get());
      bool transient = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                       status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                       status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
      if (!transient || attempt == kMaxAttempts) return status;
      ++retries_;
      // One write, so that lines from concurrent calls do not interleave.
      std::cerr << absl::StrCat(
                       "pathways-load-demo: ", method, ": ",
                       absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                       " (", status.error_message(), "), retrying in ", backoff.count(),
                       " ms (attempt ", attempt + 1, " of ", kMaxAttempts, ")\n")
                << std::flush;
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }

  bool CreatedEarlier(const google::protobuf::Timestamp& create_time) const {
    return FromTimestamp(create_time) < started_;
  }

  // When the first of a batch's resources was created (the infinite future
  // for none).
  template <typename Resource>
  static absl::Time FirstCreated(const google::protobuf::RepeatedPtrField<Resource>& batch) {
    absl::Time first = absl::InfiniteFuture();
    for (const Resource& resource : batch) {
      first = std::min(first, FromTimestamp(resource.create_time()));
    }
    return first;
  }

  // Registers one provider or employer with `create(context, &resource)`,
  // `method` naming the call; one that exists already is fine.
  template <typename Resource, typename Create>
  absl::StatusOr<Tally> Register(const std::string& name, const char* method,
                                 const Create& create) {
    Resource resource;
    grpc::Status status = WithRetries(method, kCallTimeout, [&](grpc::ClientContext* context) {
      return create(context, &resource);
    });
    if (status.ok() && CreatedEarlier(resource.create_time())) {
      Say(absl::StrCat(name, ": already there (registered ",
                       UtcTime(FromTimestamp(resource.create_time())), ")"));
      return Tally{0, 1};
    }
    if (status.ok()) {
      Say(absl::StrCat(name, ": registered (", resource.display_name(), ", ",
                       resource.location().outcode(), ")"));
      return Tally{1, 0};
    }
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      Say(absl::StrCat(name, ": already there"));
      return Tally{0, 1};
    }
    return Refused(absl::StrCat(name, ": ", method), status);
  }

  // Creates each item of a batch on its own, with `create(context, request,
  // &resource)`; one that exists is left as it is. `kind` names the items
  // ("course"), `collection` their part of a resource name ("courses").
  template <typename Resource, typename Batch, typename Create>
  absl::StatusOr<Tally> CreateEach(const Batch& batch, const char* kind, const char* collection,
                                   const char* method, const Create& create) {
    Tally tally;
    for (auto request : batch.requests()) {
      if (request.parent().empty()) request.set_parent(batch.parent());
      request = WithRequestId(kind, std::move(request));
      Resource resource;
      grpc::Status status = WithRetries(method, kCallTimeout, [&](grpc::ClientContext* context) {
        return create(context, request, &resource);
      });
      if ((status.ok() && CreatedEarlier(resource.create_time())) ||
          status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
        ++tally.already_there;
      } else if (status.ok()) {
        ++tally.created;
      } else {
        return Refused(
            absl::StrCat(request.parent(), "/", collection, "/", ResourceId(request), ": ", method),
            status);
      }
    }
    Say(absl::StrCat(batch.parent(), ": ", tally.created, " ", collection, " created, ",
                     tally.already_there, " there already"));
    return tally;
  }

  // One line about one item on stdout, for small loads (--file and the like).
  void Say(const std::string& line) {
    if (!verbose_) return;
    std::lock_guard<std::mutex> lock(say_mu_);
    std::cout << line << "\n";
  }

  const std::string authorization_;
  const absl::Time started_;

 private:
  const bool verbose_;
  std::mutex say_mu_;
  std::atomic<int64_t> retries_{0};
};

// ------------------------------------------------------------------ training

class TrainingLoader : public LoaderBase {
 public:
  TrainingLoader(const std::shared_ptr<grpc::Channel>& channel, std::string token,
                 absl::Time started, bool verbose)
      : LoaderBase(std::move(token), started, verbose),
        stub_(training::TrainingService::NewStub(channel)) {}

  // Registers a provider; one that exists already is fine.
  absl::StatusOr<Tally> CreateProvider(const Sourced<training::CreateProviderRequest>& item) {
    const training::CreateProviderRequest request = WithRequestId("provider", item.request);
    return Register<training::Provider>(
        absl::StrCat("providers/", request.provider_id()), "CreateProvider",
        [&](grpc::ClientContext* context, training::Provider* provider) {
          return stub_->CreateProvider(context, request, provider);
        });
  }

  // Publishes a catalogue in one all-or-nothing batch.
  absl::StatusOr<Tally> PublishCatalogue(const Sourced<training::BatchCreateCoursesRequest>& item) {
    const training::BatchCreateCoursesRequest request = WithRequestId("catalogue", item.request);
    training::BatchCreateCoursesResponse response;
    grpc::Status status =
        WithRetries("BatchCreateCourses", kBatchTimeout, [&](grpc::ClientContext* context) {
          return stub_->BatchCreateCourses(context, request, &response);
        });
    if (status.ok()) {
      const absl::Time first = FirstCreated(response.courses());
      if (response.courses_size() > 0 && first < started_) {
        Say(absl::StrCat(request.parent(), ": already loaded (", response.courses_size(),
                         " courses, published ", UtcTime(first), ")"));
        return Tally{0, response.courses_size()};
      }
      Say(absl::StrCat(request.parent(), ": ", response.courses_size(), " courses published"));
      return Tally{response.courses_size(), 0};
    }
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      // Some of the courses are there (an earlier, different catalogue of
      // this provider): the rest go one by one.
      Say(absl::StrCat(request.parent(), ": some courses are there already (",
                       status.error_message(), "); publishing the others one by one"));
      return CreateEach<training::Course>(
          request, "course", "courses", "CreateCourse",
          [&](grpc::ClientContext* context, const training::CreateCourseRequest& one,
              training::Course* course) { return stub_->CreateCourse(context, one, course); });
    }
    return Refused(absl::StrCat(request.parent(), ": BatchCreateCourses"), status);
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

 private:
  std::unique_ptr<training::TrainingService::Stub> stub_;
};

// -------------------------------------------------------------------- demand

class DemandLoader : public LoaderBase {
 public:
  DemandLoader(const std::shared_ptr<grpc::Channel>& channel, std::string token, absl::Time started,
               bool verbose)
      : LoaderBase(std::move(token), started, verbose),
        stub_(demand::DemandService::NewStub(channel)) {}

  // Registers an employer; one that exists already is fine.
  absl::StatusOr<Tally> CreateEmployer(const Sourced<demand::CreateEmployerRequest>& item) {
    const demand::CreateEmployerRequest request = WithRequestId("employer", item.request);
    return Register<demand::Employer>(
        absl::StrCat("employers/", request.employer_id()), "CreateEmployer",
        [&](grpc::ClientContext* context, demand::Employer* employer) {
          return stub_->CreateEmployer(context, request, employer);
        });
  }

  // Registers an employer's roles in one all-or-nothing batch.
  absl::StatusOr<Tally> PublishRoles(const Sourced<demand::BatchCreateRolesRequest>& item) {
    const demand::BatchCreateRolesRequest request = WithRequestId("roles", item.request);
    demand::BatchCreateRolesResponse response;
    grpc::Status status =
        WithRetries("BatchCreateRoles", kBatchTimeout, [&](grpc::ClientContext* context) {
          return stub_->BatchCreateRoles(context, request, &response);
        });
    if (status.ok()) {
      const absl::Time first = FirstCreated(response.roles());
      int emerging = 0;
      for (const demand::Role& role : response.roles()) emerging += role.emerging() ? 1 : 0;
      if (response.roles_size() > 0 && first < started_) {
        Say(absl::StrCat(request.parent(), ": roles already loaded (", response.roles_size(),
                         " roles, registered ", UtcTime(first), ")"));
        return Tally{0, response.roles_size()};
      }
      Say(absl::StrCat(request.parent(), ": ", response.roles_size(), " roles registered (",
                       emerging, " emerging)"));
      return Tally{response.roles_size(), 0};
    }
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      // Some of the roles are there (an earlier, different batch of this
      // employer's): the rest go one by one.
      Say(absl::StrCat(request.parent(), ": some roles are there already (", status.error_message(),
                       "); registering the others one by one"));
      return CreateEach<demand::Role>(
          request, "role", "roles", "CreateRole",
          [&](grpc::ClientContext* context, const demand::CreateRoleRequest& one,
              demand::Role* role) { return stub_->CreateRole(context, one, role); });
    }
    return Refused(absl::StrCat(request.parent(), ": BatchCreateRoles"), status);
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

 private:
  std::unique_ptr<demand::DemandService::Stub> stub_;
};

// ------------------------------------------------------------------ profiles

class ProfilesLoader : public LoaderBase {
 public:
  ProfilesLoader(const std::shared_ptr<grpc::Channel>& channel, std::string token,
                 absl::Time started, bool verbose)
      : LoaderBase(std::move(token), started, verbose),
        stub_(profiles::ProfilesService::NewStub(channel)) {}

  // Records a profile, owned by the adviser token's organisation; one that
  // exists already is fine.
  absl::StatusOr<Tally> CreateProfile(const Sourced<profiles::CreateProfileRequest>& item) {
    const profiles::CreateProfileRequest request = WithRequestId("profile", item.request);
    std::string name = absl::StrCat("profiles/", request.profile_id());
    profiles::Profile profile;
    grpc::Status status =
        WithRetries("CreateProfile", kCallTimeout, [&](grpc::ClientContext* context) {
          return stub_->CreateProfile(context, request, &profile);
        });
    if (status.ok() && CreatedEarlier(profile.create_time())) {
      Say(absl::StrCat(name, ": already there (recorded ",
                       UtcTime(FromTimestamp(profile.create_time())), ")"));
      return Tally{0, 1};
    }
    if (status.ok()) {
      Say(absl::StrCat(name, ": recorded for ", profile.organisation(), " (home ",
                       profile.home().outcode(), ", ", profile.skills_size(), " skills)"));
      return Tally{1, 0};
    }
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      Say(absl::StrCat(name, ": already there"));
      return Tally{0, 1};
    }
    return Refused(absl::StrCat(name, ": CreateProfile"), status);
  }

  // Records consecutive profiles in one all-or-nothing batch. If the
  // service refuses the batch because some are there already, or one is not
  // valid, they go one by one: those there are counted as such, and the one
  // at fault is named by its place in the file.
  absl::StatusOr<Tally> PublishProfiles(
      const Sourced<std::vector<Sourced<profiles::CreateProfileRequest>>>& item) {
    const std::vector<Sourced<profiles::CreateProfileRequest>>& items = item.request;
    profiles::BatchCreateProfilesRequest request;
    for (const Sourced<profiles::CreateProfileRequest>& one : items) {
      *request.add_requests() = one.request;
      request.mutable_requests()->rbegin()->clear_request_id();
    }
    request.set_request_id(ContentRequestId("profiles", request));
    profiles::BatchCreateProfilesResponse response;
    grpc::Status status =
        WithRetries("BatchCreateProfiles", kBatchTimeout, [&](grpc::ClientContext* context) {
          return stub_->BatchCreateProfiles(context, request, &response);
        });
    if (status.ok()) {
      const absl::Time first = FirstCreated(response.profiles());
      if (response.profiles_size() > 0 && first < started_) {
        Say(absl::StrCat(response.profiles_size(), " profiles already there (recorded ",
                         UtcTime(first), ")"));
        return Tally{0, response.profiles_size()};
      }
      for (const profiles::Profile& profile : response.profiles()) {
        Say(absl::StrCat(profile.name(), ": recorded for ", profile.organisation(), " (home ",
                         profile.home().outcode(), ", ", profile.skills_size(), " skills)"));
      }
      return Tally{response.profiles_size(), 0};
    }
    if (status.error_code() != grpc::StatusCode::ALREADY_EXISTS &&
        status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
      return Refused(absl::StrCat(items.front().where,
                                  items.size() > 1 ? absl::StrCat(" to ", items.back().where) : "",
                                  ": BatchCreateProfiles"),
                     status);
    }
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      Say(absl::StrCat("some profiles are there already (", status.error_message(),
                       "); recording the others one by one"));
    }
    Tally tally;
    for (const Sourced<profiles::CreateProfileRequest>& one : items) {
      absl::StatusOr<Tally> done = CreateProfile(one);
      if (!done.ok()) {
        return absl::Status(done.status().code(),
                            absl::StrCat(one.where, ": ", done.status().message()));
      }
      tally.created += done->created;
      tally.already_there += done->already_there;
    }
    return tally;
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

 private:
  std::unique_ptr<profiles::ProfilesService::Stub> stub_;
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
  bool WaitUntilIndexed(int64_t courses, int64_t roles) {
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

template <typename Request>
std::unique_ptr<Source<Request>> OpenOrReport(
    const std::string& dir, const char* name,
    typename JsonLinesSource<Request>::Check check = nullptr) {
  absl::StatusOr<std::unique_ptr<JsonLinesSource<Request>>> source = JsonLinesSource<Request>::Open(
      (std::filesystem::path(dir) / name).string(), std::move(check));
  if (!source.ok()) {
    std::cerr << "pathways-load-demo: " << source.status().message() << "\n";
    return nullptr;
  }
  return *std::move(source);
}

// Where each kind's requests come from: the demo files or a generated
// economy's request files.
struct Sources {
  std::unique_ptr<Source<training::CreateProviderRequest>> providers;
  std::unique_ptr<Source<training::BatchCreateCoursesRequest>> courses;
  std::unique_ptr<Source<demand::CreateEmployerRequest>> employers;
  std::unique_ptr<Source<demand::BatchCreateRolesRequest>> roles;
  std::unique_ptr<Source<std::vector<Sourced<profiles::CreateProfileRequest>>>> profiles;
};

// Ends a load that stopped: what stopped it, and the exit status.
int Stopped(const Importer& importer) {
  std::cerr << "pathways-load-demo: " << importer.failure_message() << "\n";
  std::cerr << "pathways-load-demo: stopped; what was loaded stays, and loading again "
               "carries on harmlessly\n";
  return importer.failure() == Failure::kBadInput ? 2 : 1;
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
  const bool economy = !options.economy_dir.empty();

  // Every file is opened (and the demo's read whole), and every token
  // settled, before anything is sent.
  std::optional<training::CatalogueFile> catalogue;
  std::optional<demand::EmployerFile> employers;
  std::optional<profiles::ProfileFile> people;
  Sources sources;
  if (!options.training.empty()) {
    if (economy) {
      sources.providers =
          OpenOrReport<training::CreateProviderRequest>(options.economy_dir, kProvidersFile);
      sources.courses =
          OpenOrReport<training::BatchCreateCoursesRequest>(options.economy_dir, kCoursesFile);
      if (!sources.providers || !sources.courses) return 2;
    } else {
      catalogue = ReadOrReport<training::CatalogueFile>(options.catalogue_file);
      if (!catalogue) return 2;
      sources.providers = std::make_unique<ListSource<training::CreateProviderRequest>>(
          options.catalogue_file, "providers", catalogue->providers());
      sources.courses = std::make_unique<ListSource<training::BatchCreateCoursesRequest>>(
          options.catalogue_file, "catalogues", catalogue->catalogues());
    }
  }
  if (!options.demand.empty()) {
    if (economy) {
      sources.employers =
          OpenOrReport<demand::CreateEmployerRequest>(options.economy_dir, kEmployersFile);
      sources.roles =
          OpenOrReport<demand::BatchCreateRolesRequest>(options.economy_dir, kRolesFile);
      if (!sources.employers || !sources.roles) return 2;
    } else {
      employers = ReadOrReport<demand::EmployerFile>(options.employer_file);
      if (!employers) return 2;
      sources.employers = std::make_unique<ListSource<demand::CreateEmployerRequest>>(
          options.employer_file, "employers", employers->employers());
      sources.roles = std::make_unique<ListSource<demand::BatchCreateRolesRequest>>(
          options.employer_file, "roles", employers->roles());
    }
  }
  if (!options.profiles.empty()) {
    if (economy) {
      std::unique_ptr<Source<profiles::CreateProfileRequest>> people_lines =
          OpenOrReport<profiles::CreateProfileRequest>(options.economy_dir, kProfilesFile,
                                                       CheckProfileRequest);
      if (!people_lines) return 2;
      sources.profiles = std::make_unique<BatchingSource<profiles::CreateProfileRequest>>(
          std::move(people_lines), kProfilesPerBatch);
    } else {
      people = ReadOrReport<profiles::ProfileFile>(options.profile_file);
      if (!people) return 2;
      for (int i = 0; i < people->profiles_size(); ++i) {
        if (absl::Status checked = CheckProfileRequest(people->profiles(i)); !checked.ok()) {
          std::cerr << "pathways-load-demo: " << options.profile_file << ": profiles[" << i
                    << "]: " << checked.message() << "\n";
          return 2;
        }
      }
      sources.profiles = std::make_unique<BatchingSource<profiles::CreateProfileRequest>>(
          std::make_unique<ListSource<profiles::CreateProfileRequest>>(
              options.profile_file, "profiles", people->profiles()),
          kProfilesPerBatch);
    }
  }

  OwnTokens own;
  std::string admin_token;
  if (sources.providers || sources.employers || !options.matcher.empty()) {
    pathways::Principal admin;
    admin.role = pathways::Role::kAdmin;
    admin.subject = kOwnSubject;
    std::optional<std::string> token =
        ResolveToken(options.token, "--token", "PATHWAYS_TOKEN", admin, &own);
    if (!token) return 2;
    admin_token = *std::move(token);
  }
  std::string adviser_token;
  if (sources.profiles) {
    pathways::Principal adviser;
    adviser.role = pathways::Role::kAdviser;
    adviser.organisation = kDemoOrganisation;
    adviser.subject = kOwnSubject;
    std::optional<std::string> token = ResolveToken(options.adviser_token, "--adviser-token",
                                                    "PATHWAYS_ADVISER_TOKEN", adviser, &own);
    if (!token) return 2;
    adviser_token = *std::move(token);
  }

  // Per-item lines suit the demo's few dozen items; a generated economy gets
  // progress and the summary only.
  const bool verbose = !economy;
  Importer importer(options.concurrency, options.progress_seconds);
  if (sources.providers) {
    std::shared_ptr<grpc::Channel> channel = Connect(options.training, "training");
    if (!channel) return 1;
    TrainingLoader loader(channel, admin_token, started, verbose);
    if (!importer.Run<training::CreateProviderRequest>(
            "providers", "calls", sources.providers.get(),
            [&](const auto& item) { return loader.CreateProvider(item); }, loader.retries()) ||
        !importer.Run<training::BatchCreateCoursesRequest>(
            "courses", "batches", sources.courses.get(),
            [&](const auto& item) { return loader.PublishCatalogue(item); }, loader.retries())) {
      importer.PrintSummary(std::cout);
      return Stopped(importer);
    }
    if (options.verify && !loader.Verify(*catalogue)) return 1;
  }
  if (sources.employers) {
    std::shared_ptr<grpc::Channel> channel = Connect(options.demand, "demand");
    if (!channel) return 1;
    DemandLoader loader(channel, admin_token, started, verbose);
    if (!importer.Run<demand::CreateEmployerRequest>(
            "employers", "calls", sources.employers.get(),
            [&](const auto& item) { return loader.CreateEmployer(item); }, loader.retries()) ||
        !importer.Run<demand::BatchCreateRolesRequest>(
            "roles", "batches", sources.roles.get(),
            [&](const auto& item) { return loader.PublishRoles(item); }, loader.retries())) {
      importer.PrintSummary(std::cout);
      return Stopped(importer);
    }
    if (options.verify && !loader.Verify(*employers)) return 1;
  }
  if (sources.profiles) {
    std::shared_ptr<grpc::Channel> channel = Connect(options.profiles, "profiles");
    if (!channel) return 1;
    ProfilesLoader loader(channel, adviser_token, started, verbose);
    if (!importer.Run<std::vector<Sourced<profiles::CreateProfileRequest>>>(
            "profiles", "batches", sources.profiles.get(),
            [&](const auto& item) { return loader.PublishProfiles(item); }, loader.retries())) {
      importer.PrintSummary(std::cout);
      return Stopped(importer);
    }
    if (options.verify && !loader.Verify(*people)) return 1;
  }
  importer.PrintSummary(std::cout);
  if (!options.matcher.empty()) {
    std::shared_ptr<grpc::Channel> channel = Connect(options.matcher, "matcher");
    if (!channel) return 1;
    MatcherCheck check(channel, admin_token);
    // What the files hold, loaded now or before: the index must reach it.
    if (!check.WaitUntilIndexed(importer.Items("courses"), importer.Items("roles"))) return 1;
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
