// pathways-generate: writes a synthetic Greater Manchester economy (see
// economy_generator.h) as files.
//
//   --format jsonl     one resource per line: employers.jsonl, roles.jsonl,
//                      providers.jsonl, courses.jsonl, profiles.jsonl
//   --format requests  the requests the services take, one per line, as
//                      `pathways-load-demo --economy DIR` loads them:
//                      providers.requests.jsonl (CreateProviderRequest),
//                      courses.requests.jsonl (BatchCreateCoursesRequest per
//                      provider, at most 1,000 courses each),
//                      employers.requests.jsonl (CreateEmployerRequest),
//                      roles.requests.jsonl (BatchCreateRolesRequest per
//                      employer, at most 1,000 roles each),
//                      profiles.requests.jsonl (CreateProfileRequest)
#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "pathways/demand/v1/demand_service.pb.h"
#include "pathways/profiles/v1/profiles_service.pb.h"
#include "pathways/training/v1/training_service.pb.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"
#include "tests/generator/economy_generator.h"

namespace {

using pathways::generator::EconomyGenerator;
using pathways::generator::EconomyOptions;

constexpr char kUsage[] =
    R"(Usage: pathways-generate --out DIR [--scale demo|city|region] [--seed N]
                         [--format jsonl|requests] [--profiles N] [--roles N]
                         [--courses N] [--today YYYY-MM-DD] [--data-dir DIR]

Writes a deterministic synthetic economy (employers, roles, providers, courses
and 16-24 year-olds' profiles) built from the ESCO taxonomy and Greater
Manchester's postcode districts. The same options always give the same files.

  --scale      demo (default; ~150 roles), city (~20,000 roles, ~5,000 courses,
               100,000 profiles) or region (ten times city)
  --seed       any unsigned number (default 1)
  --format     jsonl (default): one resource per line in employers.jsonl,
               roles.jsonl, providers.jsonl, courses.jsonl, profiles.jsonl;
               requests: the requests the services take, one per line, for
               pathways-load-demo --economy DIR: providers.requests.jsonl,
               courses.requests.jsonl, employers.requests.jsonl,
               roles.requests.jsonl and profiles.requests.jsonl
  --profiles, --roles, --courses  override the scale's counts
  --today      the date the economy is "now" (default 2025-09-01); to load the
               files into running services give today's date, as the services
               refuse closing dates in the past and ages outside 16-24 today
  --data-dir   where data/esco and data/geo are (default: the build's)
)";

struct Options {
  std::string out;
  std::string scale = "demo";
  uint64_t seed = 1;
  std::string format = "jsonl";
  std::optional<int> profiles, roles, courses;
  std::string today;
  std::string data_dir = PATHWAYS_DEFAULT_DATA_DIR;
};

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    if (size_t eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (flag != "--help" && i + 1 < argc) {
      value = argv[++i];
    }
    int n = 0;
    if (flag == "--out") {
      o->out = value;
    } else if (flag == "--scale") {
      o->scale = value;
    } else if (flag == "--seed") {
      if (!absl::SimpleAtoi(value, &o->seed)) return false;
    } else if (flag == "--format") {
      o->format = value;
    } else if (flag == "--profiles" || flag == "--roles" || flag == "--courses") {
      if (!absl::SimpleAtoi(value, &n) || n < 0) return false;
      (flag == "--profiles" ? o->profiles : flag == "--roles" ? o->roles : o->courses) = n;
    } else if (flag == "--today") {
      o->today = value;
    } else if (flag == "--data-dir") {
      o->data_dir = value;
    } else {
      return false;
    }
  }
  return !o->out.empty() && (o->format == "jsonl" || o->format == "requests");
}

std::string Json(const google::protobuf::Message& message, bool pretty = false) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    std::cerr << "cannot write JSON: " << status.ToString() << "\n";
    std::exit(1);
  }
  return out;
}

// The last part of a resource name.
}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) {
    std::cerr << kUsage;
    return 2;
  }
  std::optional<pathways::generator::Scale> scale = pathways::generator::ParseScale(o.scale);
  if (!scale.has_value()) {
    std::cerr << "--scale must be demo, city or region\n";
    return 2;
  }
  EconomyOptions options = EconomyOptions::For(*scale, o.seed);
  if (o.profiles) options.profiles = *o.profiles;
  if (o.roles) options.roles = *o.roles;
  if (o.courses) options.courses = *o.courses;
  if (!o.today.empty()) {
    std::vector<std::string> parts = absl::StrSplit(o.today, '-');
    int y, m, d;
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) || !absl::SimpleAtoi(parts[1], &m) ||
        !absl::SimpleAtoi(parts[2], &d)) {
      std::cerr << "--today must be YYYY-MM-DD\n";
      return 2;
    }
    options.today.set_year(y);
    options.today.set_month(m);
    options.today.set_day(d);
  }
  auto taxonomy = pathways::taxonomy::Taxonomy::Load(o.data_dir);
  auto geography = pathways::taxonomy::Geography::Load(o.data_dir);
  if (!taxonomy.ok() || !geography.ok()) {
    std::cerr << "cannot load reference data from " << o.data_dir << ": "
              << (taxonomy.ok() ? geography.status() : taxonomy.status()) << "\n";
    return 2;
  }
  auto generator = EconomyGenerator::Create(taxonomy->get(), geography->get(), options);
  if (!generator.ok()) {
    std::cerr << generator.status() << "\n";
    return 2;
  }
  const EconomyGenerator& g = **generator;
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  auto open = [&](const std::string& file) {
    auto stream = std::make_unique<std::ofstream>(std::filesystem::path(o.out) / file);
    if (!*stream) {
      std::cerr << "cannot write " << file << " in " << o.out << "\n";
      std::exit(1);
    }
    return stream;
  };

  if (o.format == "jsonl") {
    auto employers = open("employers.jsonl");
    g.ForEachEmployer([&](const auto& e) { *employers << Json(e) << "\n"; });
    auto roles = open("roles.jsonl");
    g.ForEachRole([&](const auto& r) { *roles << Json(r) << "\n"; });
    auto providers = open("providers.jsonl");
    g.ForEachProvider([&](const auto& p) { *providers << Json(p) << "\n"; });
    auto courses = open("courses.jsonl");
    g.ForEachCourse([&](const auto& c) { *courses << Json(c) << "\n"; });
    auto profiles = open("profiles.jsonl");
    for (int i = 0; i < options.profiles; ++i) *profiles << Json(g.Profile(i)) << "\n";
  } else {
    // Every file is written as it is generated, one request per line, so no
    // scale has to fit in memory (here or in the loader that reads it).
    auto providers = open("providers.requests.jsonl");
    g.ForEachProviderRequest([&](const auto& request) { *providers << Json(request) << "\n"; });
    auto courses = open("courses.requests.jsonl");
    g.ForEachCourseBatch([&](const auto& batch) { *courses << Json(batch) << "\n"; });
    auto employers = open("employers.requests.jsonl");
    g.ForEachEmployerRequest([&](const auto& request) { *employers << Json(request) << "\n"; });
    auto roles = open("roles.requests.jsonl");
    g.ForEachRoleBatch([&](const auto& batch) { *roles << Json(batch) << "\n"; });
    auto profiles = open("profiles.requests.jsonl");
    for (int i = 0; i < options.profiles; ++i) *profiles << Json(g.ProfileRequest(i)) << "\n";
  }
  std::cout << "wrote " << options.employers << " employers, " << options.roles << " roles, "
            << g.provider_count() << " providers, " << options.courses << " courses and "
            << options.profiles << " profiles to " << o.out << " (" << o.format << ")\n";
  return 0;
}
