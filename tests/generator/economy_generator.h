// A synthetic local economy for tests, benchmarks and demos: employers and
// their roles, providers and their courses, and young people's profiles,
// built from the real ESCO taxonomy and Greater Manchester's real postcode
// districts.
//
// Everything is a deterministic function of the options (seed included):
// the same options give the same protos, on any platform (the generator has
// its own random number generator and never uses <random>'s distributions,
// whose results differ between standard libraries). Every role, course and
// profile is derived from the seed and its own number, so they can be
// streamed without holding the economy in memory.
//
// The shape, briefly:
//  - an occupation mix weighted towards work young people enter (care,
//    retail, hospitality, trades, logistics, admin, digital), with a few
//    hundred ESCO occupations at city scale, a curated core always included;
//  - employers on Greater Manchester sites, each with a few of those
//    occupations; roles take the occupation's real essential skills (a
//    subset of 8-14 when ESCO lists more) and a few of its optional skills,
//    at levels that suit the occupation's ISCO group; green, digital and
//    care-technology occupations get emerging roles with an emerging skill;
//  - ten colleges and about fifty training providers teaching "ladders" of
//    courses per occupation (its essential skills in chunks of at most ten,
//    each later chunk requiring a skill of the one before, so entry
//    requirements force an order), plus short transversal-skills courses;
//    about one occupation in ten has no course, so provision gaps exist;
//  - profiles of 16-24 year-olds with a few transversal skills, often some
//    skills of one occupation, interests, and a home district.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "pathways/common/v1/common.pb.h"
#include "pathways/demand/v1/demand_service.pb.h"
#include "pathways/profiles/v1/profiles_service.pb.h"
#include "pathways/training/v1/training_service.pb.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"

namespace pathways::generator {

enum class Scale { kDemo, kCity, kRegion };

// "demo", "city" or "region".
std::optional<Scale> ParseScale(std::string_view name);

struct EconomyOptions {
  uint64_t seed = 1;
  int occupations = 0;  // In the mix.
  int employers = 0;
  int roles = 0;
  int colleges = 0;
  int providers = 0;  // Training providers other than colleges.
  int courses = 0;
  int profiles = 0;
  // "Today" for the economy: start dates, closing dates and ages are set
  // relative to it.
  common::v1::Date today;

  // demo: 60 roles' worth of a town; city: ~20,000 roles, ~5,000 courses,
  // 100,000 profiles; region: ten times city.
  static EconomyOptions For(Scale scale, uint64_t seed = 1);
};

class EconomyGenerator {
 public:
  // Both must outlive the generator. FAILED_PRECONDITION if the taxonomy or
  // geography lacks what the generator needs.
  static absl::StatusOr<std::unique_ptr<EconomyGenerator>> Create(
      const taxonomy::Taxonomy* taxonomy, const taxonomy::Geography* geography,
      const EconomyOptions& options);

  const EconomyOptions& options() const { return options_; }
  // The Greater Manchester postcode districts used.
  const std::vector<std::string>& outcodes() const { return outcodes_; }

  // Each in a fixed order (by number), the same every time.
  void ForEachEmployer(absl::FunctionRef<void(const demand::v1::Employer&)> fn) const;
  void ForEachRole(absl::FunctionRef<void(const demand::v1::Role&)> fn) const;
  void ForEachProvider(absl::FunctionRef<void(const training::v1::Provider&)> fn) const;
  void ForEachCourse(absl::FunctionRef<void(const training::v1::Course&)> fn) const;

  demand::v1::Employer Employer(int i) const;
  demand::v1::Role Role(int i) const;
  training::v1::Provider Provider(int i) const;  // Colleges first.
  training::v1::Course Course(int i) const;
  // Profile i, 0 <= i < options().profiles (any i works).
  profiles::v1::Profile Profile(int i) const;

  int provider_count() const { return options_.colleges + options_.providers; }

  // The economy as the requests the services take, in the same fixed order:
  // ids from the resources' names, and each provider's courses (employer's
  // roles) in batches of at most kMaxBatch.
  static constexpr int kMaxBatch = 1000;
  void ForEachProviderRequest(
      absl::FunctionRef<void(const training::v1::CreateProviderRequest&)> fn) const;
  void ForEachCourseBatch(
      absl::FunctionRef<void(const training::v1::BatchCreateCoursesRequest&)> fn) const;
  void ForEachEmployerRequest(
      absl::FunctionRef<void(const demand::v1::CreateEmployerRequest&)> fn) const;
  void ForEachRoleBatch(
      absl::FunctionRef<void(const demand::v1::BatchCreateRolesRequest&)> fn) const;
  profiles::v1::CreateProfileRequest ProfileRequest(int i) const;

 private:
  // Which employer role i belongs to, and which provider course i, without
  // generating them (for grouping into batch requests).
  int RoleEmployer(int i) const;
  int CourseProvider(int i) const;

  struct MixEntry {
    taxonomy::OccupationIndex occupation;
    double cumulative;  // Cumulative weight, for weighted picks.
    int tier;           // 1..3: the skill and qualification level the work needs.
    bool emerging;      // Green, digital or care-technology work.
    bool taught;        // Some course teaches it.
  };

  EconomyGenerator(const taxonomy::Taxonomy* taxonomy, const taxonomy::Geography* geography,
                   const EconomyOptions& options);
  absl::Status Build();
  int DrawCourseProvider(uint64_t seed_bits, bool* college) const;
  int PickMix(uint64_t r) const;
  int PickTaughtMix(uint64_t r) const;
  // The occupation's essential skills split into course-sized chunks.
  std::vector<std::vector<taxonomy::SkillIndex>> Ladder(taxonomy::OccupationIndex occupation) const;
  std::string EmployerOutcode(int employer) const;
  std::string ProviderOutcode(int provider) const;

  const taxonomy::Taxonomy* taxonomy_;
  const taxonomy::Geography* geography_;
  EconomyOptions options_;
  std::vector<std::string> outcodes_;
  std::vector<MixEntry> mix_;
  std::vector<double> taught_cumulative_;  // Over mix_, zero weight where !taught.
  std::vector<taxonomy::SkillIndex> transversal_;
  std::vector<std::vector<int>> employer_mix_;  // Mix entries each employer hires for.
};

}  // namespace pathways::generator
