#include "tests/generator/economy_generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/matcher/calendar.h"
#include "services/taxonomy/absl_compat.h"

namespace pathways::generator {
namespace {

using matcher::Day;
using taxonomy::GroupIndex;
using taxonomy::OccupationIndex;
using taxonomy::SkillIndex;
using taxonomy::internal::StrCat;
using taxonomy::internal::ToAbsl;

// SplitMix64: small, fast and the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) {
    return absl::Uint128High64(absl::uint128(Next()) * absl::uint128(n));
  }
  // Uniform in [lo, hi].
  int Range(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& values) {
    return values[Below(values.size())];
  }

 private:
  uint64_t state_;
};

enum Stream : uint64_t {
  kMixStream = 1,
  kEmployerStream,
  kRoleStream,
  kProviderStream,
  kCourseStream,
  kProfileStream,
  kHiresStream,
};

uint64_t SeedFor(uint64_t seed, Stream stream, uint64_t i) {
  Rng r(seed ^ (static_cast<uint64_t>(stream) * 0xD1B54A32D192ED03ull));
  Rng s(r.Next() ^ (i * 0x9E3779B97F4A7C15ull));
  return s.Next();
}

// Greater Manchester's ten local authorities.
// Courses teach an occupation's essential skills in chunks of at most
// kChunkSkills; roles and ladders use at most kMaxLadderSkills of them.
constexpr size_t kChunkSkills = 12;
constexpr size_t kMaxLadderSkills = 48;

constexpr std::array<std::string_view, 10> kGreaterManchester = {
    "E08000001", "E08000002", "E08000003", "E08000004", "E08000005",
    "E08000006", "E08000007", "E08000008", "E08000009", "E08000010"};
// Non-geographic districts (PO boxes, large users).
constexpr std::array<std::string_view, 6> kNonGeographic = {"M60", "M61",  "M90",
                                                            "M99", "BL11", "BL78"};
constexpr std::array<std::string_view, 6> kCityCentre = {"M1", "M2", "M3", "M4", "M15", "M50"};

// Occupations always in the mix, by ESCO preferred label.
constexpr std::array<std::string_view, 38> kCore = {
    "software developer",
    "web developer",
    "data analyst",
    "cabinet maker",
    "carpenter",
    "electrician",
    "domestic electrician",
    "heating technician",
    "solar energy technician",
    "insulation worker",
    "domestic energy assessor",
    "smart home installer",
    "vehicle technician",
    "automotive battery technician",
    "home care aide",
    "social care worker",
    "healthcare assistant",
    "residential home older adult care worker",
    "refrigeration air condition and heat pump technician",
    "shop assistant",
    "kitchen porter",
    "warehouse worker",
    "bricklayer",
    "plumber",
    "hairdresser",
    "cook",
    "chef",
    "barista",
    "receptionist",
    "sales assistant",
    "child care worker",
    "plasterer",
    "welder",
    "security guard",
    "bartender",
    "customer service representative",
    "administrative assistant",
    "forklift operator"};

// Emerging work: occupation label fragment -> an emerging skill's label.
struct EmergingTheme {
  std::string_view fragment;
  std::string_view label;
};
constexpr std::array<EmergingTheme, 13> kEmergingThemes = {{
    {"heat pump", "heat pump commissioning for low-temperature systems"},
    {"heating", "heat pump commissioning for low-temperature systems"},
    {"solar", "solar PV and home battery system design"},
    {"insulation", "whole-house retrofit coordination"},
    {"energy assessor", "whole-house retrofit assessment"},
    {"smart home", "smart energy controls setup"},
    {"battery", "electric vehicle high-voltage safety"},
    {"vehicle technician", "electric vehicle high-voltage safety"},
    {"electrician", "EV charge point installation"},
    {"data analyst", "data visualisation with open tools"},
    {"data scientist", "responsible use of machine learning models"},
    {"home care", "telecare and digital care records"},
    {"care worker", "telecare and digital care records"},
}};

// Share of the mix by ISCO-08 major group, leaning to entry-level work.
constexpr std::array<double, 10> kMajorShare = {0.0,  0.03, 0.12, 0.15, 0.12,
                                                0.22, 0.01, 0.17, 0.07, 0.11};
constexpr std::array<int, 10> kTier = {2, 3, 3, 3, 2, 2, 2, 2, 2, 1};
// Indicative annual pay in pounds by major group.
constexpr std::array<int, 10> kPayPounds = {30000, 42000, 36000, 30000, 23000,
                                            21000, 22000, 27000, 25000, 20500};

constexpr std::array<std::string_view, 16> kPlaceWords = {
    "Irwell",  "Mersey", "Medlock", "Tame", "Roch",   "Pennine", "Etherow",     "Bollin",
    "Douglas", "Croal",  "Goyt",    "Beal", "Kersal", "Ancoats", "Bridgewater", "Saddleworth"};
constexpr std::array<std::string_view, 12> kTradeWords = {
    "Works",     "Services",    "Group",   "Partners", "Solutions", "Care",
    "Logistics", "Engineering", "Trading", "Foods",    "Builders",  "Digital"};
constexpr std::array<std::string_view, 4> kSuffixes = {"Ltd", "Ltd", "& Co", "CIC"};
constexpr std::array<std::string_view, 5> kProviderWords = {"Training", "Academy", "Skills",
                                                            "Learning", "Institute"};

struct College {
  std::string_view name;
  std::string_view outcode;
};
constexpr std::array<College, 10> kColleges = {{
    {"Manchester Central College", "M1"},
    {"Bolton Moor College", "BL3"},
    {"Oldham Pennine College", "OL1"},
    {"Roch Valley College", "OL16"},
    {"Mersey Vale College", "SK1"},
    {"Douglas Valley College", "WN1"},
    {"Irwell Quays College", "M6"},
    {"Bridgewater College", "M33"},
    {"Etherow College", "OL6"},
    {"Kersal Brook College", "BL9"},
}};

constexpr std::array<std::string_view, 5> kTransversalTitles = {
    "Digital skills for work", "Customer service essentials", "Communication skills for work",
    "Working in a team", "Getting ready for work"};
constexpr std::array<std::string_view, 10> kTags = {
    "outdoors", "care", "computers", "building", "cars",
    "animals",  "food", "design",    "money",    "helping people"};

std::string Capitalised(std::string_view text) {
  std::string out(text);
  if (!out.empty()) out[0] = absl::ascii_toupper(static_cast<unsigned char>(out[0]));
  return out;
}

common::v1::Date DateOf(Day day) { return matcher::DateFromDay(day); }

// The first Monday on or after day.
Day MondayFrom(Day day) {
  // 1970-01-01 was a Thursday: weekday 0 = Monday at day 4.
  int weekday = ((day - 4) % 7 + 7) % 7;
  return weekday == 0 ? day : day + (7 - weekday);
}

}  // namespace

int EconomyGenerator::DrawCourseProvider(uint64_t seed_bits, bool* college) const {
  Rng r(seed_bits);
  *college = r.Chance(0.55) || options_.providers == 0;
  return *college ? static_cast<int>(r.Below(std::max(1, options_.colleges)))
                  : options_.colleges + static_cast<int>(r.Below(options_.providers));
}

int EconomyGenerator::CourseProvider(int i) const {
  bool college;
  return DrawCourseProvider(SeedFor(options_.seed, kCourseStream, i), &college);
}

int EconomyGenerator::RoleEmployer(int i) const {
  Rng r(SeedFor(options_.seed, kRoleStream, i));
  return static_cast<int>(r.Below(options_.employers));
}

std::optional<Scale> ParseScale(std::string_view name) {
  if (name == "demo") return Scale::kDemo;
  if (name == "city") return Scale::kCity;
  if (name == "region") return Scale::kRegion;
  return std::nullopt;
}

EconomyOptions EconomyOptions::For(Scale scale, uint64_t seed) {
  EconomyOptions o;
  o.seed = seed;
  o.today.set_year(2025);
  o.today.set_month(9);
  o.today.set_day(1);
  switch (scale) {
    case Scale::kDemo:
      o.occupations = 40;
      o.employers = 30;
      o.roles = 150;
      o.colleges = 4;
      o.providers = 6;
      o.courses = 120;
      o.profiles = 200;
      break;
    case Scale::kCity:
      o.occupations = 400;
      o.employers = 2000;
      o.roles = 20000;
      o.colleges = 10;
      o.providers = 50;
      o.courses = 5000;
      o.profiles = 100000;
      break;
    case Scale::kRegion:
      o.occupations = 1200;
      o.employers = 20000;
      o.roles = 200000;
      o.colleges = 100;
      o.providers = 500;
      o.courses = 50000;
      o.profiles = 1000000;
      break;
  }
  return o;
}

EconomyGenerator::EconomyGenerator(const taxonomy::Taxonomy* taxonomy,
                                   const taxonomy::Geography* geography,
                                   const EconomyOptions& options)
    : taxonomy_(taxonomy), geography_(geography), options_(options) {}

absl::StatusOr<std::unique_ptr<EconomyGenerator>> EconomyGenerator::Create(
    const taxonomy::Taxonomy* taxonomy, const taxonomy::Geography* geography,
    const EconomyOptions& options) {
  if (options.roles < 0 || options.courses < 0 || options.employers <= 0 ||
      options.colleges + options.providers <= 0 || options.occupations <= 0) {
    return absl::InvalidArgumentError("economy options need employers, providers and occupations");
  }
  if (!matcher::IsValidDate(options.today)) return absl::InvalidArgumentError("bad today");
  std::unique_ptr<EconomyGenerator> g(new EconomyGenerator(taxonomy, geography, options));
  absl::Status built = g->Build();
  if (!built.ok()) return built;
  return g;
}

absl::Status EconomyGenerator::Build() {
  // Greater Manchester's districts, in a fixed order.
  for (std::string_view area : {"M", "BL", "OL", "SK", "WN", "WA"}) {
    for (int n = 0; n < 100; ++n) {
      std::string outcode = StrCat(area, n);
      if (std::find(kNonGeographic.begin(), kNonGeographic.end(), outcode) !=
          kNonGeographic.end()) {
        continue;
      }
      std::optional<taxonomy::OutcodeInfo> info = geography_->Find(outcode);
      if (!info.has_value() || info->outcode != outcode) continue;
      if (std::find(kGreaterManchester.begin(), kGreaterManchester.end(), info->district_code) ==
          kGreaterManchester.end()) {
        continue;
      }
      outcodes_.push_back(outcode);
    }
  }
  if (outcodes_.size() < 20) {
    return absl::FailedPreconditionError("geography has too few Greater Manchester outcodes");
  }

  // The occupation mix: the core, then a seeded draw per ISCO major group.
  Rng r(SeedFor(options_.seed, kMixStream, 0));
  std::vector<OccupationIndex> chosen;
  for (std::string_view label : kCore) {
    if (std::optional<OccupationIndex> o = taxonomy_->FindOccupationByLabel(label)) {
      if (taxonomy_->EssentialSkills(*o).size() >= 3) chosen.push_back(*o);
    }
  }
  const size_t core = chosen.size();
  std::array<std::vector<OccupationIndex>, 10> by_major;
  for (OccupationIndex o = 0; o < taxonomy_->occupation_count(); ++o) {
    const size_t essentials = taxonomy_->EssentialSkills(o).size();
    std::string_view isco = taxonomy_->OccupationIscoGroup(o);
    if (essentials < 4 || essentials > 60 || isco.empty() || isco[0] < '0' || isco[0] > '9') {
      continue;
    }
    if (std::find(chosen.begin(), chosen.end(), o) != chosen.end()) continue;
    by_major[isco[0] - '0'].push_back(o);
  }
  const int wanted = std::max<int>(0, options_.occupations - static_cast<int>(core));
  for (int major = 0; major < 10; ++major) {
    std::vector<OccupationIndex>& pool = by_major[major];
    for (size_t i = pool.size(); i > 1; --i) std::swap(pool[i - 1], pool[r.Below(i)]);
    const size_t take =
        std::min(pool.size(), static_cast<size_t>(std::lround(wanted * kMajorShare[major])));
    chosen.insert(chosen.end(), pool.begin(), pool.begin() + take);
  }
  double total = 0;
  for (size_t i = 0; i < chosen.size(); ++i) {
    const OccupationIndex o = chosen[i];
    std::string_view isco = taxonomy_->OccupationIscoGroup(o);
    const int major = isco.empty() ? 9 : isco[0] - '0';
    std::string label(taxonomy_->OccupationLabel(o));
    bool emerging = false;
    for (const EmergingTheme& theme : kEmergingThemes) {
      emerging = emerging || absl::StrContains(label, ToAbsl(theme.fragment));
    }
    // Popular work first: the core, then a long tail.
    const double weight = (i < core ? 3.0 : 1.0) / std::pow(static_cast<double>(i % 97) + 3, 0.7);
    total += weight;
    const bool taught = i < core || !r.Chance(0.1);
    mix_.push_back(MixEntry{o, total, kTier[major], emerging, taught});
  }
  double taught_total = 0;
  double previous = 0;
  for (const MixEntry& m : mix_) {
    if (m.taught) taught_total += m.cumulative - previous;
    previous = m.cumulative;
    taught_cumulative_.push_back(taught_total);
  }

  for (SkillIndex s = 0; s < taxonomy_->skill_count(); ++s) {
    if (taxonomy_->GetReuseLevel(s) == taxonomy::ReuseLevel::kTransversal &&
        taxonomy_->GetSkillType(s) == taxonomy::SkillType::kSkill) {
      transversal_.push_back(s);
    }
  }
  if (transversal_.size() < 20) {
    return absl::FailedPreconditionError("taxonomy has too few transversal skills");
  }

  employer_mix_.resize(options_.employers);
  for (int e = 0; e < options_.employers; ++e) {
    Rng er(SeedFor(options_.seed, kHiresStream, e));
    const int n = er.Range(1, 4);
    for (int k = 0; k < n; ++k) employer_mix_[e].push_back(PickMix(er.Next()));
  }
  return absl::OkStatus();
}

int EconomyGenerator::PickMix(uint64_t bits) const {
  const double x = static_cast<double>(bits >> 11) * 0x1.0p-53 * mix_.back().cumulative;
  auto it = std::upper_bound(mix_.begin(), mix_.end(), x,
                             [](double v, const MixEntry& m) { return v < m.cumulative; });
  return static_cast<int>(std::min<size_t>(it - mix_.begin(), mix_.size() - 1));
}

int EconomyGenerator::PickTaughtMix(uint64_t bits) const {
  const double x = static_cast<double>(bits >> 11) * 0x1.0p-53 * taught_cumulative_.back();
  auto it = std::upper_bound(taught_cumulative_.begin(), taught_cumulative_.end(), x);
  size_t i = std::min<size_t>(it - taught_cumulative_.begin(), mix_.size() - 1);
  while (!mix_[i].taught && i > 0) --i;
  return static_cast<int>(i);
}

std::vector<std::vector<SkillIndex>> EconomyGenerator::Ladder(OccupationIndex occupation) const {
  std::span<const SkillIndex> essentials = taxonomy_->EssentialSkills(occupation);
  const size_t n = std::min<size_t>(essentials.size(), kMaxLadderSkills);
  const size_t chunks = (n + kChunkSkills - 1) / kChunkSkills;
  std::vector<std::vector<SkillIndex>> ladder(chunks);
  for (size_t i = 0; i < n; ++i) ladder[i * chunks / n].push_back(essentials[i]);
  return ladder;
}

std::string EconomyGenerator::EmployerOutcode(int employer) const {
  Rng r(SeedFor(options_.seed, kEmployerStream, employer) ^ 0x5151);
  if (r.Chance(0.35)) return std::string(kCityCentre[r.Below(kCityCentre.size())]);
  return outcodes_[r.Below(outcodes_.size())];
}

std::string EconomyGenerator::ProviderOutcode(int provider) const {
  if (provider < static_cast<int>(kColleges.size()) && provider < options_.colleges) {
    return std::string(kColleges[provider].outcode);
  }
  Rng r(SeedFor(options_.seed, kProviderStream, provider) ^ 0x7171);
  return outcodes_[r.Below(outcodes_.size())];
}

demand::v1::Employer EconomyGenerator::Employer(int i) const {
  Rng r(SeedFor(options_.seed, kEmployerStream, i));
  demand::v1::Employer e;
  e.set_name(absl::StrFormat("employers/emp-%05d", i));
  e.set_display_name(StrCat(kPlaceWords[r.Below(kPlaceWords.size())], " ",
                            kTradeWords[r.Below(kTradeWords.size())], " ",
                            kSuffixes[r.Below(kSuffixes.size())]));
  e.mutable_location()->set_outcode(EmployerOutcode(i));
  return e;
}

demand::v1::Role EconomyGenerator::Role(int i) const {
  Rng r(SeedFor(options_.seed, kRoleStream, i));
  const int employer = static_cast<int>(r.Below(options_.employers));
  const std::vector<int>& hires = employer_mix_[employer];
  const MixEntry& m = mix_[hires[r.Below(hires.size())]];
  const OccupationIndex occupation = m.occupation;
  std::string_view isco = taxonomy_->OccupationIscoGroup(occupation);
  const int major = isco.empty() ? 9 : isco[0] - '0';

  demand::v1::Role role;
  role.set_name(absl::StrFormat("employers/emp-%05d/roles/role-%06d", employer, i));
  role.set_occupation(taxonomy_->OccupationUri(occupation));
  const bool apprenticeship = m.tier <= 2 && r.Chance(0.1);
  const bool emerging = m.emerging && r.Chance(0.5);
  std::string label = Capitalised(taxonomy_->OccupationLabel(occupation));
  role.set_title(apprenticeship ? StrCat("Apprentice ", taxonomy_->OccupationLabel(occupation))
                                : label);
  role.set_employer_display_name(Employer(employer).display_name());

  // Essential skills: ESCO's (at most kMaxLadderSkills), as a template
  // fills them in; one employer in four drops one to three it can teach on
  // the job.
  std::span<const SkillIndex> all = taxonomy_->EssentialSkills(occupation);
  std::vector<SkillIndex> essentials(all.begin(),
                                     all.begin() + std::min<size_t>(all.size(), kMaxLadderSkills));
  if (essentials.size() > 4 && r.Chance(0.25)) {
    const int drop = r.Range(1, 3);
    for (int j = 0; j < drop; ++j)
      essentials.erase(essentials.begin() + r.Below(essentials.size()));
  }
  // The level each skill needs is the occupation's (as a template sets it),
  // the same for every employer.
  auto level_for = [&](SkillIndex s) {
    Rng lr(SeedFor(options_.seed, kMixStream, (uint64_t{occupation} << 32) | s));
    if (m.tier == 1) return lr.Chance(0.5) ? 1 : 2;
    if (m.tier == 3) return lr.Chance(0.7) ? 3 : 2;
    return 2;
  };
  for (SkillIndex s : essentials) {
    demand::v1::RequiredSkill* req = role.add_required_skills();
    req->mutable_skill()->set_skill(taxonomy_->SkillUri(s));
    req->mutable_skill()->set_level(static_cast<common::v1::Proficiency>(level_for(s)));
    req->set_importance(demand::v1::SKILL_IMPORTANCE_ESSENTIAL);
  }
  std::span<const SkillIndex> optional = taxonomy_->OptionalSkills(occupation);
  const int optional_count = optional.empty() ? 0 : r.Range(0, 4);
  std::vector<SkillIndex> picked;
  for (int j = 0; j < optional_count; ++j) {
    SkillIndex s = optional[r.Below(optional.size())];
    if (std::find(picked.begin(), picked.end(), s) != picked.end() ||
        std::find(essentials.begin(), essentials.end(), s) != essentials.end()) {
      continue;
    }
    picked.push_back(s);
    demand::v1::RequiredSkill* req = role.add_required_skills();
    req->mutable_skill()->set_skill(taxonomy_->SkillUri(s));
    req->mutable_skill()->set_level(static_cast<common::v1::Proficiency>(r.Range(1, 2)));
    req->set_importance(demand::v1::SKILL_IMPORTANCE_OPTIONAL);
  }
  if (emerging) {
    std::string_view theme_label;
    for (const EmergingTheme& theme : kEmergingThemes) {
      if (absl::StrContains(ToAbsl(taxonomy_->OccupationLabel(occupation)),
                            ToAbsl(theme.fragment))) {
        theme_label = theme.label;
        break;
      }
    }
    std::vector<GroupIndex> groups = taxonomy_->NearestGroups(essentials.front());
    if (!theme_label.empty() && !groups.empty()) {
      demand::v1::RequiredSkill* req = role.add_required_skills();
      req->mutable_skill()->set_level(common::v1::PROFICIENCY_INTERMEDIATE);
      req->set_importance(r.Chance(0.6) ? demand::v1::SKILL_IMPORTANCE_ESSENTIAL
                                        : demand::v1::SKILL_IMPORTANCE_OPTIONAL);
      req->set_emerging_label(std::string(theme_label));
      req->set_esco_group(taxonomy_->GroupUri(groups.front()));
    }
  }

  demand::v1::Openings* o = role.mutable_openings();
  if (emerging) {
    o->set_now(r.Range(0, 1));
    o->set_in_1_year(r.Range(1, 4));
    o->set_in_2_years(r.Range(1, 6));
    o->set_in_5_years(r.Range(2, 10));
  } else {
    o->set_now(r.Chance(0.3) ? 0 : r.Range(1, 4));
    o->set_in_1_year(r.Range(0, 3));
    o->set_in_2_years(r.Range(0, 2));
    o->set_in_5_years(r.Range(0, 3));
    if (o->now() + o->in_1_year() + o->in_2_years() + o->in_5_years() == 0) o->set_now(1);
  }
  role.set_emerging(emerging);
  role.mutable_site()->set_outcode(EmployerOutcode(employer));

  const Day today = matcher::DayFromDate(options_.today);
  const double pay_factor = 0.85 + 0.3 * r.Unit();
  if (apprenticeship) {
    demand::v1::PayBand* pay = role.mutable_pay();
    pay->set_min_pence(755 + r.Range(0, 250));
    pay->set_max_pence(pay->min_pence() + r.Range(0, 150));
    pay->set_period(demand::v1::PAY_PERIOD_HOURLY);
  } else if (r.Chance(0.85)) {
    demand::v1::PayBand* pay = role.mutable_pay();
    if ((major == 5 || major == 9) && r.Chance(0.4)) {
      pay->set_min_pence(1221 + r.Range(0, 150));
      pay->set_max_pence(pay->min_pence() + r.Range(0, 200));
      pay->set_period(demand::v1::PAY_PERIOD_HOURLY);
    } else {
      const int64_t base = std::llround(kPayPounds[major] * pay_factor / 100.0) * 100 * 100;
      pay->set_min_pence(base * 95 / 100);
      pay->set_max_pence(base * 110 / 100);
      pay->set_period(demand::v1::PAY_PERIOD_ANNUAL);
    }
  }
  if (m.tier == 1) {
    role.set_entry_rqf_level(0);
  } else if (m.tier == 2) {
    role.set_entry_rqf_level(apprenticeship ? 0 : r.Range(0, 2));
  } else {
    role.set_entry_rqf_level(r.Chance(0.4) ? 2 : 3);
  }
  role.set_apprenticeship(apprenticeship);
  const double mode = r.Unit();
  if (mode < 0.8) {
    role.set_work_mode(common::v1::STUDY_MODE_FULL_TIME);
    role.set_hours_per_week(r.Range(35, 40));
  } else if (mode < 0.95) {
    role.set_work_mode(common::v1::STUDY_MODE_PART_TIME);
    role.set_hours_per_week(r.Range(16, 25));
  } else {
    role.set_work_mode(common::v1::STUDY_MODE_FLEXIBLE);
    role.set_hours_per_week(20);
  }
  if (r.Chance(0.3)) *role.mutable_closing_date() = DateOf(today + r.Range(14, 90));
  return role;
}

training::v1::Provider EconomyGenerator::Provider(int i) const {
  training::v1::Provider p;
  if (i < options_.colleges) {
    p.set_name(absl::StrFormat("providers/col-%03d", i));
    const College& college = kColleges[i % kColleges.size()];
    p.set_display_name(i < static_cast<int>(kColleges.size())
                           ? std::string(college.name)
                           : StrCat(college.name, " (campus ", i / kColleges.size() + 1, ")"));
  } else {
    Rng r(SeedFor(options_.seed, kProviderStream, i));
    p.set_name(absl::StrFormat("providers/tp-%04d", i - options_.colleges));
    p.set_display_name(StrCat(kPlaceWords[r.Below(kPlaceWords.size())], " ",
                              kProviderWords[r.Below(kProviderWords.size())], " Ltd"));
  }
  p.mutable_location()->set_outcode(ProviderOutcode(i));
  p.set_website(absl::StrFormat("https://%s.example", p.name().substr(p.name().find('/') + 1)));
  return p;
}

training::v1::Course EconomyGenerator::Course(int i) const {
  bool college;
  const int provider = DrawCourseProvider(SeedFor(options_.seed, kCourseStream, i), &college);
  Rng r(SeedFor(options_.seed, kCourseStream, i) ^ 0xC0C0);
  // One private provider in ten teaches online only.
  const bool online_provider =
      !college && (SeedFor(options_.seed, kProviderStream, provider) % 10 == 0);
  const bool online = online_provider || r.Chance(0.1);
  const std::string provider_name = Provider(provider).name();

  training::v1::Course c;
  c.set_name(absl::StrFormat("%s/courses/c-%06d", provider_name, i));
  int rqf = 1;
  int level = 2;
  if (r.Chance(0.08)) {
    // A short transversal-skills course.
    c.set_title(std::string(kTransversalTitles[r.Below(kTransversalTitles.size())]));
    std::vector<SkillIndex> taught;
    const int n = r.Range(4, 6);
    while (static_cast<int>(taught.size()) < n) {
      SkillIndex s = r.Pick(transversal_);
      if (std::find(taught.begin(), taught.end(), s) == taught.end()) taught.push_back(s);
    }
    for (SkillIndex s : taught) {
      common::v1::SkillLevel* t = c.add_skills_taught();
      t->set_skill(taxonomy_->SkillUri(s));
      t->set_level(common::v1::PROFICIENCY_INTERMEDIATE);
    }
    c.mutable_entry_requirements()->set_min_age(16);
  } else {
    const MixEntry& m = mix_[PickTaughtMix(r.Next())];
    const std::vector<std::vector<SkillIndex>> ladder = Ladder(m.occupation);
    const size_t k = r.Below(ladder.size());
    rqf = m.tier;
    level = m.tier == 3 ? 3 : 2;
    std::string title = StrCat(Capitalised(taxonomy_->OccupationLabel(m.occupation)), ": level ",
                               rqf, " certificate");
    if (ladder.size() > 1) absl::StrAppend(&title, ", part ", k + 1, " of ", ladder.size());
    c.set_title(title);
    std::vector<SkillIndex> taught = ladder[k];
    std::span<const SkillIndex> optional = taxonomy_->OptionalSkills(m.occupation);
    const int extra = optional.empty() ? 0 : r.Range(0, 3);
    for (int j = 0; j < extra; ++j) {
      SkillIndex s = optional[r.Below(optional.size())];
      if (std::find(taught.begin(), taught.end(), s) == taught.end()) taught.push_back(s);
    }
    for (size_t j = 0; j < taught.size(); ++j) {
      common::v1::SkillLevel* t = c.add_skills_taught();
      t->set_skill(taxonomy_->SkillUri(taught[j]));
      t->set_level(static_cast<common::v1::Proficiency>(j < ladder[k].size() ? level : 2));
    }
    training::v1::EntryRequirements* entry = c.mutable_entry_requirements();
    if (k > 0) {
      common::v1::SkillLevel* need = entry->add_skills();
      need->set_skill(taxonomy_->SkillUri(ladder[k - 1].front()));
      need->set_level(static_cast<common::v1::Proficiency>(std::min(level, 2)));
    }
    entry->set_min_age(college ? 16 : (r.Chance(0.3) ? 18 : 16));
    if (!college && r.Chance(0.1)) entry->set_min_age(19);
    if (m.tier == 3) entry->set_min_rqf_level(2);
  }
  c.set_rqf_level_awarded(rqf);

  common::v1::StudyMode mode;
  if (online) {
    mode = common::v1::STUDY_MODE_FLEXIBLE;
  } else if (college) {
    mode = r.Chance(0.7) ? common::v1::STUDY_MODE_FULL_TIME : common::v1::STUDY_MODE_PART_TIME;
  } else {
    const double x = r.Unit();
    mode = x < 0.4   ? common::v1::STUDY_MODE_FULL_TIME
           : x < 0.9 ? common::v1::STUDY_MODE_PART_TIME
                     : common::v1::STUDY_MODE_FLEXIBLE;
  }
  c.set_study_mode(mode);
  const bool short_course = c.skills_taught_size() <= 6 && rqf == 1;
  int weeks;
  if (short_course) {
    weeks = r.Range(4, 10);
  } else if (online) {
    weeks = r.Range(6, 20);
  } else if (college) {
    weeks = mode == common::v1::STUDY_MODE_FULL_TIME ? r.Range(12, 36) : r.Range(20, 40);
  } else {
    weeks = r.Range(4, 16);
  }
  c.set_duration_weeks(weeks);
  c.set_hours_per_week(mode == common::v1::STUDY_MODE_FULL_TIME   ? r.Range(16, 30)
                       : mode == common::v1::STUDY_MODE_PART_TIME ? r.Range(4, 12)
                                                                  : r.Range(4, 10));
  if (college) {
    if (short_course) {
      c.set_cost_pence(r.Range(0, 3) * 10000);
    } else {
      c.set_cost_pence((rqf >= 3 ? r.Range(20, 45) : r.Range(9, 35)) * 10000);
    }
    c.add_funding(training::v1::FUNDING_FREE_UNDER_19);
    c.add_funding(rqf >= 3 ? training::v1::FUNDING_ADVANCED_LEARNER_LOAN
                           : training::v1::FUNDING_ADULT_SKILLS_FUND);
  } else {
    c.set_cost_pence(r.Range(3, 50) * 5000);
    const double x = r.Unit();
    if (x < 0.08) {
      c.add_funding(training::v1::FUNDING_EMPLOYER);
    } else if (x < 0.38 && rqf <= 2) {
      c.add_funding(training::v1::FUNDING_ADULT_SKILLS_FUND);
      c.add_funding(training::v1::FUNDING_SELF_FUNDED);
    } else {
      c.add_funding(training::v1::FUNDING_SELF_FUNDED);
    }
  }
  c.set_online(online);
  if (!online) c.mutable_venue()->set_outcode(ProviderOutcode(provider));

  const Day today = matcher::DayFromDate(options_.today);
  int year, month, day;
  matcher::CivilFromDay(today, &year, &month, &day);
  std::vector<Day> starts;
  if (college && !online && !short_course) {
    for (int y : {year, year + 1}) {
      starts.push_back(MondayFrom(matcher::DayFromCivil(y, 9, 1)));
      starts.push_back(MondayFrom(matcher::DayFromCivil(y + 1, 1, 5)));
      starts.push_back(MondayFrom(matcher::DayFromCivil(y + 1, 4, 14)));
    }
  } else if (!(online && r.Chance(0.5))) {
    for (int k = 0; k < 12; ++k) {
      int y = year + (month - 1 + k) / 12;
      int mo = (month - 1 + k) % 12 + 1;
      starts.push_back(MondayFrom(matcher::DayFromCivil(y, mo, 1)));
    }
  }
  std::sort(starts.begin(), starts.end());
  for (Day s : starts) {
    if (s >= today) *c.add_start_dates() = DateOf(s);
  }
  c.set_places(r.Chance(0.04) ? 0 : r.Range(8, 30));
  return c;
}

profiles::v1::Profile EconomyGenerator::Profile(int i) const {
  Rng r(SeedFor(options_.seed, kProfileStream, i));
  profiles::v1::Profile p;
  p.set_name(absl::StrFormat("profiles/p-%07d", i));
  const Day today = matcher::DayFromDate(options_.today);
  const int age = r.Range(16, 24);
  int year, month, day;
  matcher::CivilFromDay(today, &year, &month, &day);
  const Day birthday_this_year = matcher::DayFromCivil(year - age, month, day);
  *p.mutable_date_of_birth() = DateOf(birthday_this_year - r.Range(0, 364));
  p.mutable_home()->set_outcode(outcodes_[r.Below(outcodes_.size())]);
  int rqf;
  if (age <= 16) {
    rqf = r.Chance(0.6) ? 2 : 1;
  } else if (age <= 18) {
    rqf = r.Chance(0.3) ? 3 : 2;
  } else {
    rqf = r.Chance(0.15) ? r.Range(4, 6) : r.Range(1, 3);
  }
  if (r.Chance(0.05)) rqf = 0;
  p.set_highest_rqf_level(rqf);

  std::vector<SkillIndex> held;
  auto add = [&](SkillIndex s, int level, profiles::v1::SkillEvidence evidence) {
    if (std::find(held.begin(), held.end(), s) != held.end()) return;
    held.push_back(s);
    profiles::v1::ProfileSkill* skill = p.add_skills();
    skill->mutable_skill()->set_skill(taxonomy_->SkillUri(s));
    skill->mutable_skill()->set_level(static_cast<common::v1::Proficiency>(level));
    skill->set_evidence(evidence);
  };
  const int transversal = r.Range(2, 4);
  for (int k = 0; k < transversal; ++k) {
    add(r.Pick(transversal_), r.Range(1, 2), profiles::v1::SKILL_EVIDENCE_SELF_REPORTED);
  }
  int experience = -1;
  if (r.Chance(0.7)) {
    experience = PickMix(r.Next());
    const std::vector<std::vector<SkillIndex>> ladder = Ladder(mix_[experience].occupation);
    if (r.Chance(0.3)) {
      // A first course done, or the same through work.
      for (SkillIndex s : ladder.front()) add(s, 2, profiles::v1::SKILL_EVIDENCE_QUALIFICATION);
    } else {
      std::span<const SkillIndex> essentials =
          taxonomy_->EssentialSkills(mix_[experience].occupation);
      const int n = r.Range(2, 6);
      for (int k = 0; k < n; ++k) {
        add(essentials[r.Below(essentials.size())], r.Range(1, 2),
            profiles::v1::SKILL_EVIDENCE_WORK_EXPERIENCE);
      }
    }
  }
  if (experience >= 0 && mix_[experience].emerging && r.Chance(0.3)) {
    std::vector<GroupIndex> groups =
        taxonomy_->NearestGroups(taxonomy_->EssentialSkills(mix_[experience].occupation).front());
    std::string_view theme_label;
    for (const EmergingTheme& theme : kEmergingThemes) {
      if (absl::StrContains(ToAbsl(taxonomy_->OccupationLabel(mix_[experience].occupation)),
                            ToAbsl(theme.fragment))) {
        theme_label = theme.label;
        break;
      }
    }
    if (!groups.empty() && !theme_label.empty()) {
      profiles::v1::ProfileSkill* skill = p.add_skills();
      skill->mutable_skill()->set_level(common::v1::PROFICIENCY_BASIC);
      skill->set_evidence(profiles::v1::SKILL_EVIDENCE_SELF_REPORTED);
      skill->set_emerging_label(std::string(theme_label));
      skill->set_esco_group(taxonomy_->GroupUri(groups.front()));
    }
  }

  profiles::v1::Interests* interests = p.mutable_interests();
  if (r.Chance(0.6)) {
    const int o = experience >= 0 && r.Chance(0.7) ? experience : PickMix(r.Next());
    interests->add_occupations(taxonomy_->OccupationUri(mix_[o].occupation));
    if (r.Chance(0.3)) {
      const int other = PickMix(r.Next());
      if (other != o) interests->add_occupations(taxonomy_->OccupationUri(mix_[other].occupation));
    }
  }
  if (r.Chance(0.2)) {
    std::string_view isco = taxonomy_->OccupationIscoGroup(mix_[PickMix(r.Next())].occupation);
    if (isco.size() >= 2) {
      interests->add_occupations(StrCat("http://data.europa.eu/esco/isco/C", isco.substr(0, 2)));
    }
  }
  if (r.Chance(0.3)) interests->add_tags(std::string(kTags[r.Below(kTags.size())]));
  if (r.Chance(0.2) && !held.empty()) {
    std::vector<GroupIndex> groups = taxonomy_->NearestGroups(held.back());
    if (!groups.empty()) interests->add_skill_groups(taxonomy_->GroupUri(groups.front()));
  }

  const double mode = r.Unit();
  p.set_availability(mode < 0.6   ? common::v1::STUDY_MODE_FULL_TIME
                     : mode < 0.8 ? common::v1::STUDY_MODE_PART_TIME
                     : mode < 0.9 ? common::v1::STUDY_MODE_FLEXIBLE
                                  : common::v1::STUDY_MODE_UNSPECIFIED);
  p.set_max_travel_km(r.Chance(0.3) ? 0 : r.Range(5, 30));
  profiles::v1::Consent* consent = p.mutable_consent();
  consent->add_purposes(profiles::v1::CONSENT_PURPOSE_MATCHING);
  consent->add_purposes(profiles::v1::CONSENT_PURPOSE_AGGREGATE_STATISTICS);
  consent->mutable_given_at()->set_seconds(static_cast<int64_t>(today) * 86400);
  consent->set_given_by(profiles::v1::CONSENT_GIVER_SELF);
  return p;
}

void EconomyGenerator::ForEachEmployer(
    absl::FunctionRef<void(const demand::v1::Employer&)> fn) const {
  for (int i = 0; i < options_.employers; ++i) fn(Employer(i));
}

void EconomyGenerator::ForEachRole(absl::FunctionRef<void(const demand::v1::Role&)> fn) const {
  for (int i = 0; i < options_.roles; ++i) fn(Role(i));
}

void EconomyGenerator::ForEachProvider(
    absl::FunctionRef<void(const training::v1::Provider&)> fn) const {
  for (int i = 0; i < provider_count(); ++i) fn(Provider(i));
}

void EconomyGenerator::ForEachCourse(
    absl::FunctionRef<void(const training::v1::Course&)> fn) const {
  for (int i = 0; i < options_.courses; ++i) fn(Course(i));
}

namespace {

// The last part of a resource name: its id.
std::string IdOf(const std::string& name) { return name.substr(name.rfind('/') + 1); }

// Hands `fn` the items of each group (by_group[g]) in batches of at most
// EconomyGenerator::kMaxBatch, made by `add(batch, parent, item)`.
template <typename Batch, typename Add>
void ForEachBatch(const std::vector<std::vector<int>>& by_group,
                  const std::function<std::string(int)>& parent_of, const Add& add,
                  absl::FunctionRef<void(const Batch&)> fn) {
  for (size_t g = 0; g < by_group.size(); ++g) {
    if (by_group[g].empty()) continue;
    const std::string parent = parent_of(static_cast<int>(g));
    Batch batch;
    for (int i : by_group[g]) {
      if (batch.requests_size() == EconomyGenerator::kMaxBatch) {
        fn(batch);
        batch.Clear();
      }
      batch.set_parent(parent);
      add(batch, parent, i);
    }
    fn(batch);
  }
}

}  // namespace

void EconomyGenerator::ForEachProviderRequest(
    absl::FunctionRef<void(const training::v1::CreateProviderRequest&)> fn) const {
  ForEachProvider([&](const training::v1::Provider& provider) {
    training::v1::CreateProviderRequest request;
    request.set_provider_id(IdOf(provider.name()));
    *request.mutable_provider() = provider;
    request.mutable_provider()->clear_name();
    fn(request);
  });
}

void EconomyGenerator::ForEachCourseBatch(
    absl::FunctionRef<void(const training::v1::BatchCreateCoursesRequest&)> fn) const {
  std::vector<std::vector<int>> by_provider(provider_count());
  for (int i = 0; i < options_.courses; ++i) by_provider[CourseProvider(i)].push_back(i);
  ForEachBatch<training::v1::BatchCreateCoursesRequest>(
      by_provider, [&](int p) { return Provider(p).name(); },
      [&](training::v1::BatchCreateCoursesRequest& batch, const std::string& parent, int i) {
        training::v1::Course course = Course(i);
        training::v1::CreateCourseRequest* request = batch.add_requests();
        request->set_parent(parent);
        request->set_course_id(IdOf(course.name()));
        course.clear_name();
        *request->mutable_course() = std::move(course);
      },
      fn);
}

void EconomyGenerator::ForEachEmployerRequest(
    absl::FunctionRef<void(const demand::v1::CreateEmployerRequest&)> fn) const {
  ForEachEmployer([&](const demand::v1::Employer& employer) {
    demand::v1::CreateEmployerRequest request;
    request.set_employer_id(IdOf(employer.name()));
    *request.mutable_employer() = employer;
    request.mutable_employer()->clear_name();
    fn(request);
  });
}

void EconomyGenerator::ForEachRoleBatch(
    absl::FunctionRef<void(const demand::v1::BatchCreateRolesRequest&)> fn) const {
  std::vector<std::vector<int>> by_employer(options_.employers);
  for (int i = 0; i < options_.roles; ++i) by_employer[RoleEmployer(i)].push_back(i);
  ForEachBatch<demand::v1::BatchCreateRolesRequest>(
      by_employer, [&](int e) { return Employer(e).name(); },
      [&](demand::v1::BatchCreateRolesRequest& batch, const std::string& parent, int i) {
        demand::v1::Role role = Role(i);
        demand::v1::CreateRoleRequest* request = batch.add_requests();
        request->set_parent(parent);
        request->set_role_id(IdOf(role.name()));
        role.clear_name();
        role.clear_employer_display_name();
        *request->mutable_role() = std::move(role);
      },
      fn);
}

profiles::v1::CreateProfileRequest EconomyGenerator::ProfileRequest(int i) const {
  profiles::v1::CreateProfileRequest request;
  profiles::v1::Profile profile = Profile(i);
  request.set_profile_id(IdOf(profile.name()));
  profile.clear_name();
  *request.mutable_profile() = std::move(profile);
  return request;
}

}  // namespace pathways::generator
