// A generated economy loads through the services' APIs: pathways-generate
// writes the demo scale's requests, pathways-load-demo --economy sends them
// to real training, demand and profiles services (real Redis, real gRPC over
// loopback), the services then list exactly what the generator made, and a
// second load changes nothing, even when Redis went away during the first.
// Both tools run as the programs they are.
#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pathways/demand/v1/demand_service.grpc.pb.h"
#include "pathways/profiles/v1/profiles_service.grpc.pb.h"
#include "pathways/training/v1/training_service.grpc.pb.h"
#include "tests/generator/economy_generator.h"
#include "tests/testing/data_services.h"

extern char** environ;

namespace pathways::testing {
namespace {

namespace dv1 = ::pathways::demand::v1;
namespace pv1 = ::pathways::profiles::v1;
namespace tv1 = ::pathways::training::v1;

// The organisation the loader's own adviser token records profiles for.
constexpr char kLoaderOrganisation[] = "demo-careers-service";

struct ToolRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Starts `args` (args[0] a path) with only `env` in its environment and
// `actions` applied to its file descriptors; -1 if it cannot be started.
pid_t Spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
            const posix_spawn_file_actions_t* actions) {
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& var : env) envp.push_back(const_cast<char*>(var.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  return posix_spawn(&pid, argv[0], actions, nullptr, argv.data(), envp.data()) == 0 ? pid : -1;
}

// Waits for `pid` to exit; its exit code, or 128 + the signal that ended it.
int WaitForExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("cannot wait for a tool");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs `args` (args[0] a path) to completion with only `env` in its
// environment, capturing its output in files under `dir`.
ToolRun RunTool(const std::vector<std::string>& args, const std::vector<std::string>& env,
                const std::filesystem::path& dir) {
  const std::string out_path = (dir / "tool.out").string();
  const std::string err_path = (dir / "tool.err").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = Spawn(args, env, &actions);
  posix_spawn_file_actions_destroy(&actions);
  if (pid < 0) throw std::runtime_error("cannot start " + args[0]);
  ToolRun run;
  run.exit_code = WaitForExit(pid);
  run.out = ReadWhole(out_path);
  run.err = ReadWhole(err_path);
  return run;
}

// A tool running in the background, its stdout in a file under `dir` and its
// stderr on a pipe, so that a test can act on what it says as it says it.
class RunningTool {
 public:
  RunningTool(const std::vector<std::string>& args, const std::vector<std::string>& env,
              const std::filesystem::path& dir)
      : out_path_((dir / "running.out").string()) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("cannot make a pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    pid_ = Spawn(args, env, &actions);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    err_fd_ = fds[0];
    if (pid_ < 0) {
      close(err_fd_);
      throw std::runtime_error("cannot start " + args[0]);
    }
  }

  // A tool still running when the test gives up is killed.
  ~RunningTool() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      WaitForExit(pid_);
    }
    if (err_fd_ >= 0) close(err_fd_);
  }

  RunningTool(const RunningTool&) = delete;
  RunningTool& operator=(const RunningTool&) = delete;

  // Reads stderr until a whole line holding `text` has come, and returns that
  // line; nullopt if stderr ends or `deadline` passes first.
  std::optional<std::string> AwaitErrLine(absl::string_view text,
                                          std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      for (absl::string_view line : absl::StrSplit(err_, '\n')) {
        if (absl::StrContains(line, text) &&
            line.data() + line.size() < err_.data() + err_.size()) {
          return std::string(line);
        }
      }
      if (!ReadErr(deadline)) return std::nullopt;
    }
  }

  // Reads stderr to its end and waits for the tool to exit; a tool still
  // running at `deadline` is killed.
  ToolRun Finish(std::chrono::steady_clock::time_point deadline) {
    while (ReadErr(deadline)) {
    }
    if (std::chrono::steady_clock::now() >= deadline) kill(pid_, SIGKILL);
    ToolRun run;
    run.exit_code = WaitForExit(pid_);
    pid_ = -1;
    run.out = ReadWhole(out_path_);
    run.err = err_;
    return run;
  }

  const std::string& err() const { return err_; }

 private:
  // Appends what stderr has to err_, waiting for it until `deadline`; false
  // once stderr has ended or the deadline has passed.
  bool ReadErr(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd ready{err_fd_, POLLIN, 0};
    int polled = poll(&ready, 1, static_cast<int>(left.count()));
    if (polled < 0) return errno == EINTR;
    if (polled == 0) return false;
    char buffer[4096];
    ssize_t n = read(err_fd_, buffer, sizeof(buffer));
    if (n < 0) return errno == EINTR;
    if (n == 0) return false;
    err_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  std::string out_path_;
  pid_t pid_ = -1;
  int err_fd_ = -1;
  std::string err_;
};

// The loader's summary: per kind, {created, already there}, from lines like
// "  courses       120 created,         0 already there, ...".
std::map<std::string, std::pair<int64_t, int64_t>> Summary(const std::string& out) {
  std::map<std::string, std::pair<int64_t, int64_t>> kinds;
  auto number = [](absl::string_view grouped, int64_t* value) {
    return absl::SimpleAtoi(absl::StrReplaceAll(grouped, {{",", ""}}), value);
  };
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    int64_t created = 0, there = 0;
    if (words.size() >= 6 && words[2] == "created," && words[4] == "already" &&
        absl::StartsWith(words[5], "there") && number(words[1], &created) &&
        number(words[3], &there)) {
      kinds[std::string(words[0])] = {created, there};
    }
  }
  return kinds;
}

// Copies the first `lines` lines of `from` to `to`.
void CopyFirstLines(const std::filesystem::path& from, const std::filesystem::path& to, int lines) {
  std::ifstream in(from);
  std::ofstream out(to);
  std::string line;
  for (int i = 0; i < lines && std::getline(in, line); ++i) out << line << "\n";
}

// A profile request line without its "profileId" member.
std::string WithoutProfileId(const std::string& line) {
  const size_t at = line.find("\"profileId\":\"");
  if (at == std::string::npos) return line;
  const size_t end = line.find("\",", at + 13);
  return end == std::string::npos ? line : line.substr(0, at) + line.substr(end + 2);
}

class EconomyLoadTest : public DataServicesTest {
 protected:
  void SetUp() override {
    DataServicesTest::SetUp();
    char pattern[] = "/tmp/pathways-economy-XXXXXX";
    const char* made = mkdtemp(pattern);
    ASSERT_NE(made, nullptr);
    dir_ = made;
    admin_ = training_->Token(Role::kAdmin, "authority");
    adviser_ = training_->Token(Role::kAdviser, kLoaderOrganisation);
  }

  void TearDown() override {
    DataServicesTest::TearDown();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Today's date in UTC, as the generator takes it: generated closing dates
  // and ages are relative to it, and the services check them against their
  // own today.
  static std::string Today() {
    return absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
  }

  // Writes the demo scale's requests into `out`.
  void Generate(const std::filesystem::path& out) {
    ToolRun run = RunTool({PATHWAYS_GENERATE_BINARY, "--scale", "demo", "--format", "requests",
                           "--today", Today(), "--out", out.string()},
                          {}, dir_);
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }

  // Runs the loader with the test signing secret in its environment (it
  // issues its own tokens from it) and nothing else.
  ToolRun Load(std::vector<std::string> args) {
    args.insert(args.begin(), PATHWAYS_LOADER_BINARY);
    return RunTool(args, {absl::StrCat("AUTH_SECRET=", kTestSecret)}, dir_);
  }

  // Starts the loader as Load does, in the background.
  std::unique_ptr<RunningTool> StartLoad(std::vector<std::string> args) {
    args.insert(args.begin(), PATHWAYS_LOADER_BINARY);
    return std::make_unique<RunningTool>(
        args, std::vector<std::string>{absl::StrCat("AUTH_SECRET=", kTestSecret)}, dir_);
  }

  std::vector<std::string> AllServices(const std::filesystem::path& economy) const {
    return {"--economy",     economy.string(),
            "--training",    training_->target(),
            "--demand",      demand_->target(),
            "--profiles",    profiles_->target(),
            "--progress",    "0",
            "--concurrency", "8"};
  }

  // Counts by listing every page.
  template <typename Request, typename Response, typename Method, typename Size>
  int64_t CountAll(Request request, const std::string& token, Method method, Size size) {
    request.set_page_size(1000);
    int64_t count = 0;
    do {
      Response page;
      auto context = ClientContextWith(token);
      grpc::Status status = method(context.get(), request, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) return -1;
      count += size(page);
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return count;
  }

  int64_t Providers() {
    return CountAll<tv1::ListProvidersRequest, tv1::ListProvidersResponse>(
        {}, admin_,
        [&](auto* c, const auto& r, auto* p) { return training_stub_->ListProviders(c, r, p); },
        [](const tv1::ListProvidersResponse& page) { return page.providers_size(); });
  }
  int64_t Courses() {
    tv1::ListCoursesRequest request;
    request.set_parent("providers/-");
    return CountAll<tv1::ListCoursesRequest, tv1::ListCoursesResponse>(
        request, admin_,
        [&](auto* c, const auto& r, auto* p) { return training_stub_->ListCourses(c, r, p); },
        [](const tv1::ListCoursesResponse& page) { return page.courses_size(); });
  }
  int64_t Employers() {
    return CountAll<dv1::ListEmployersRequest, dv1::ListEmployersResponse>(
        {}, admin_,
        [&](auto* c, const auto& r, auto* p) { return demand_stub_->ListEmployers(c, r, p); },
        [](const dv1::ListEmployersResponse& page) { return page.employers_size(); });
  }
  int64_t Roles() {
    dv1::ListRolesRequest request;
    request.set_parent("employers/-");
    return CountAll<dv1::ListRolesRequest, dv1::ListRolesResponse>(
        request, admin_,
        [&](auto* c, const auto& r, auto* p) { return demand_stub_->ListRoles(c, r, p); },
        [](const dv1::ListRolesResponse& page) { return page.roles_size(); });
  }
  int64_t Profiles() {
    return CountAll<pv1::ListProfilesRequest, pv1::ListProfilesResponse>(
        {}, adviser_,
        [&](auto* c, const auto& r, auto* p) { return profiles_stub_->ListProfiles(c, r, p); },
        [](const pv1::ListProfilesResponse& page) { return page.profiles_size(); });
  }

  // What the demo scale makes, by kind.
  static std::map<std::string, int64_t> DemoCounts() {
    const generator::EconomyOptions demo = generator::EconomyOptions::For(generator::Scale::kDemo);
    return {{"providers", demo.colleges + demo.providers},
            {"courses", demo.courses},
            {"employers", demo.employers},
            {"roles", demo.roles},
            {"profiles", demo.profiles}};
  }

  // The services hold exactly `counts` of each kind.
  void ExpectHeld(const std::map<std::string, int64_t>& counts) {
    EXPECT_EQ(Providers(), counts.at("providers"));
    EXPECT_EQ(Courses(), counts.at("courses"));
    EXPECT_EQ(Employers(), counts.at("employers"));
    EXPECT_EQ(Roles(), counts.at("roles"));
    EXPECT_EQ(Profiles(), counts.at("profiles"));
  }

  // Loading `economy` again finds all of it there and changes nothing.
  void ExpectLoadingAgainChangesNothing(const std::filesystem::path& economy,
                                        const std::map<std::string, int64_t>& counts) {
    ToolRun again = Load(AllServices(economy));
    ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
    auto summary = Summary(again.out);
    for (const auto& [kind, count] : counts) {
      EXPECT_EQ(summary[kind], std::make_pair(int64_t{0}, count)) << kind << "\n" << again.out;
    }
    ExpectHeld(counts);
  }

  // Loads `part`, a directory holding one item of `kind` from `economy`,
  // then the whole of `economy`, into the service `service` names (flag and
  // address): the second load creates exactly the items the first did not.
  void ExpectPartThenWholeCreatesTheRest(const std::filesystem::path& part,
                                         const std::filesystem::path& economy,
                                         const std::vector<std::string>& service,
                                         const std::string& kind, int64_t total,
                                         const std::function<int64_t()>& held) {
    std::vector<std::string> args = {"--economy", part.string()};
    args.insert(args.end(), service.begin(), service.end());
    ToolRun first = Load(args);
    ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
    EXPECT_EQ(held(), 1);

    args[1] = economy.string();
    ToolRun all = Load(args);
    ASSERT_EQ(all.exit_code, 0) << all.out << all.err;
    EXPECT_EQ(Summary(all.out)[kind], std::make_pair(total - 1, int64_t{1})) << all.out;
    EXPECT_EQ(held(), total);
  }

  std::filesystem::path dir_;
  std::string admin_;
  std::string adviser_;
};

TEST_F(EconomyLoadTest, TheDemoScaleLoadsWholeAndLoadingAgainChangesNothing) {
  const std::filesystem::path economy = dir_ / "economy";
  ASSERT_NO_FATAL_FAILURE(Generate(economy));
  const std::map<std::string, int64_t> counts = DemoCounts();

  ToolRun first = Load(AllServices(economy));
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  auto summary = Summary(first.out);
  for (const auto& [kind, count] : counts) {
    EXPECT_EQ(summary[kind], std::make_pair(count, int64_t{0})) << kind << "\n" << first.out;
  }
  ExpectHeld(counts);
  ExpectLoadingAgainChangesNothing(economy, counts);
}

// A load outlives its storage going away: with Redis down the services answer
// UNAVAILABLE and the loader says it is retrying; Redis comes back on the same
// port and data (append-only, fsync on every write) and the load completes.
// What an earlier load wrote survives the crash and is counted as there, not
// made again, and what the services list is exactly what the generator made.
TEST_F(EconomyLoadTest, ALoadWaitsOutRedisGoingAwayAndLosesNothing) {
  const std::filesystem::path economy = dir_ / "economy";
  ASSERT_NO_FATAL_FAILURE(Generate(economy));
  const std::map<std::string, int64_t> counts = DemoCounts();

  // Before the outage: half the providers and the first provider's first
  // catalogue, acknowledged.
  const std::filesystem::path part = dir_ / "part";
  std::filesystem::create_directories(part);
  const int64_t early_providers = counts.at("providers") / 2;
  CopyFirstLines(economy / "providers.requests.jsonl", part / "providers.requests.jsonl",
                 static_cast<int>(early_providers));
  CopyFirstLines(economy / "courses.requests.jsonl", part / "courses.requests.jsonl", 1);
  ToolRun early = Load({"--economy", part.string(), "--training", training_->target()});
  ASSERT_EQ(early.exit_code, 0) << early.out << early.err;
  const int64_t early_courses = Courses();
  ASSERT_GT(early_courses, 0);
  ASSERT_EQ(Providers(), early_providers);

  redis_->Kill();  // A crash, not a clean shutdown.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::unique_ptr<RunningTool> loader = StartLoad(AllServices(economy));
  // Its first line on stderr is a first retry of a provider. Each call's
  // retries span about six seconds, far longer than Redis takes to return.
  std::optional<std::string> retrying = loader->AwaitErrLine("retrying", deadline);
  ASSERT_TRUE(retrying.has_value()) << loader->err();
  EXPECT_TRUE(absl::StartsWith(*retrying, "pathways-load-demo: CreateProvider: UNAVAILABLE ("))
      << *retrying;
  EXPECT_TRUE(absl::EndsWith(*retrying, "), retrying in 200 ms (attempt 2 of 6)")) << *retrying;
  redis_->Start();  // Same port, same data directory.

  ToolRun resumed = loader->Finish(deadline);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  auto summary = Summary(resumed.out);
  EXPECT_EQ(summary["providers"],
            std::make_pair(counts.at("providers") - early_providers, early_providers))
      << resumed.out;
  EXPECT_EQ(summary["courses"], std::make_pair(counts.at("courses") - early_courses, early_courses))
      << resumed.out;
  for (const char* kind : {"employers", "roles", "profiles"}) {
    EXPECT_EQ(summary[kind], std::make_pair(counts.at(kind), int64_t{0})) << kind << "\n"
                                                                          << resumed.out;
  }
  EXPECT_TRUE(absl::StrContains(resumed.out, "calls retried)")) << resumed.out;
  ExpectHeld(counts);
  ExpectLoadingAgainChangesNothing(economy, counts);
}

// A batch some of whose items are there already (from an earlier, smaller
// load) is completed item by item: exactly the missing ones are created.
TEST_F(EconomyLoadTest, ABatchThatIsPartlyThereIsCompletedItemByItem) {
  const std::filesystem::path economy = dir_ / "economy";
  ASSERT_NO_FATAL_FAILURE(Generate(economy));
  const std::filesystem::path part = dir_ / "part";
  std::filesystem::create_directories(part);
  std::filesystem::copy_file(economy / "providers.requests.jsonl",
                             part / "providers.requests.jsonl");
  std::string first_batch;
  {
    std::ifstream in(economy / "courses.requests.jsonl");
    std::getline(in, first_batch);
  }
  tv1::BatchCreateCoursesRequest batch;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(first_batch, &batch).ok());
  ASSERT_GE(batch.requests_size(), 2);
  batch.mutable_requests()->DeleteSubrange(1, batch.requests_size() - 1);
  std::string one_course;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(batch, &one_course).ok());
  std::ofstream(part / "courses.requests.jsonl") << one_course << "\n";
  ExpectPartThenWholeCreatesTheRest(part, economy, {"--training", training_->target()}, "courses",
                                    DemoCounts().at("courses"), [this] { return Courses(); });
}

// Profiles go 250 to a batch; a batch holding one recorded before is
// completed one by one, and only the missing profiles are created.
TEST_F(EconomyLoadTest, AProfileBatchThatIsPartlyThereIsCompletedItemByItem) {
  const std::filesystem::path economy = dir_ / "economy";
  ASSERT_NO_FATAL_FAILURE(Generate(economy));
  const std::filesystem::path part = dir_ / "part";
  std::filesystem::create_directories(part);
  std::string first_profile;
  {
    std::ifstream in(economy / "profiles.requests.jsonl");
    std::getline(in, first_profile);
  }
  std::ofstream(part / "profiles.requests.jsonl") << first_profile << "\n";
  ExpectPartThenWholeCreatesTheRest(part, economy, {"--profiles", profiles_->target()}, "profiles",
                                    DemoCounts().at("profiles"), [this] { return Profiles(); });
}

// Only what the given services take is read: a directory with just the
// profiles loads into the profiles service alone.
TEST_F(EconomyLoadTest, LoadsOnlyTheServicesGiven) {
  const std::filesystem::path economy = dir_ / "economy";
  ASSERT_NO_FATAL_FAILURE(Generate(economy));
  std::filesystem::remove(economy / "courses.requests.jsonl");
  std::filesystem::remove(economy / "roles.requests.jsonl");

  ToolRun run =
      Load({"--economy", economy.string(), "--profiles", profiles_->target(), "--progress", "0"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(Profiles(), generator::EconomyOptions::For(generator::Scale::kDemo).profiles);
  EXPECT_EQ(Providers(), 0);
  EXPECT_EQ(Employers(), 0);

  ToolRun missing = Load({"--economy", economy.string(), "--training", training_->target()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("courses.requests.jsonl: cannot be read"), std::string::npos)
      << missing.err;
}

// Bad input is named by file and line; what came before it stays loaded, and
// a service's refusal is named the same way.
TEST_F(EconomyLoadTest, NamesTheFileAndLineOfBadInput) {
  const std::filesystem::path economy = dir_ / "economy";
  ASSERT_NO_FATAL_FAILURE(Generate(economy));
  const std::filesystem::path profiles_file = economy / "profiles.requests.jsonl";
  std::string first_line;
  {
    std::ifstream in(profiles_file);
    std::getline(in, first_line);
  }

  const std::filesystem::path broken = dir_ / "broken";
  std::filesystem::create_directories(broken);
  {
    std::ofstream out(broken / "profiles.requests.jsonl");
    out << first_line << "\n\n{\"profileId\": \"p-x\", \"profile\": {\n";
  }
  ToolRun bad_json = Load({"--economy", broken.string(), "--profiles", profiles_->target(),
                           "--concurrency", "1", "--progress", "0"});
  EXPECT_EQ(bad_json.exit_code, 2);
  EXPECT_NE(bad_json.err.find((broken / "profiles.requests.jsonl:3: not a "
                                        "pathways.profiles.v1.CreateProfileRequest")
                                  .string()),
            std::string::npos)
      << bad_json.err;
  EXPECT_EQ(Profiles(), 1);

  {
    std::ofstream out(broken / "profiles.requests.jsonl");
    out << first_line << "\n" << WithoutProfileId(first_line) << "\n";
  }
  ToolRun no_id = Load({"--economy", broken.string(), "--profiles", profiles_->target(),
                        "--concurrency", "1", "--progress", "0"});
  EXPECT_EQ(no_id.exit_code, 2);
  EXPECT_NE(no_id.err.find("profiles.requests.jsonl:2: every profile needs a profile_id"),
            std::string::npos)
      << no_id.err;

  {
    std::ofstream out(broken / "profiles.requests.jsonl");
    out << absl::StrReplaceAll(first_line, {{"\"profileId\":\"", "\"profileId\":\"other-"},
                                            {"\"outcode\":\"", "\"outcode\":\"ZZ"}})
        << "\n";
  }
  ToolRun refused = Load({"--economy", broken.string(), "--profiles", profiles_->target(),
                          "--concurrency", "1", "--progress", "0"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("profiles.requests.jsonl:1: profiles/other-"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("CreateProfile failed: INVALID_ARGUMENT"), std::string::npos)
      << refused.err;
  EXPECT_EQ(Profiles(), 1);
}

}  // namespace
}  // namespace pathways::testing
