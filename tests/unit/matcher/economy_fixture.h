// Hand-built economies for the matcher's tests: real ESCO occupations and
// skills (looked up by their preferred labels) and real outcodes, with
// courses and roles small enough to know the best answer by hand.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "pathways/demand/v1/demand_service.pb.h"
#include "pathways/profiles/v1/profiles_service.pb.h"
#include "pathways/training/v1/training_service.pb.h"
#include "services/matcher/calendar.h"
#include "services/matcher/match_index.h"
#include "services/matcher/ranking_policy.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"

namespace pathways::matcher::testing {

// The reference data, loaded once for the whole test binary.
const taxonomy::Taxonomy& Taxonomy();
const taxonomy::Geography& Geography();

// ESCO URIs by preferred label; a missing label fails the test.
std::string SkillUri(std::string_view label);
SkillIndex Skill(std::string_view label);
std::string OccupationUri(std::string_view label);
// The first `n` essential skills ESCO lists for an occupation.
std::vector<std::string> EssentialSkillLabels(std::string_view occupation, size_t n);

common::v1::Date Date(int year, int month, int day);

// "Today" in every hand-built test: 1 September 2025.
inline constexpr int kYear = 2025;
Day Today();

struct SkillSpec {
  std::string label = {};
  int level = 2;
};

struct RoleSpec {
  std::string name = {};        // "employers/e/roles/r"
  std::string occupation = {};  // ESCO label
  std::string outcode = "M1";
  std::vector<SkillSpec> essential = {};
  std::vector<SkillSpec> optional = {};
  int openings_now = 3;
  int in_1_year = 0;
  int in_2_years = 0;
  int in_5_years = 0;
  int64_t annual_pay_pence = 2'500'000;
  int entry_rqf = 0;
  bool emerging = false;
  bool apprenticeship = false;
  common::v1::StudyMode mode = common::v1::STUDY_MODE_FULL_TIME;
};
demand::v1::Role MakeRole(const RoleSpec& spec);

struct CourseSpec {
  std::string name = {};  // "providers/p/courses/c"
  std::string title = "A course";
  std::vector<SkillSpec> taught = {};
  std::vector<SkillSpec> entry = {};
  int min_age = 0;
  int min_rqf = 0;
  int rqf_awarded = 2;
  int weeks = 10;
  int64_t cost_pence = 0;
  std::vector<training::v1::Funding> funding = {};
  std::string outcode = "M1";
  bool online = false;
  std::vector<common::v1::Date> starts = {};  // Empty: starts any day.
  int places = 20;
  common::v1::StudyMode mode = common::v1::STUDY_MODE_FULL_TIME;
};
training::v1::Course MakeCourse(const CourseSpec& spec);

struct PersonSpec {
  common::v1::Date birth = {};  // Default: 17 on Today().
  std::string outcode = "M1";
  std::vector<SkillSpec> skills = {};
  int rqf = 2;
  int max_travel_km = 0;
  std::vector<std::string> interest_occupations = {};  // ESCO labels.
};
profiles::v1::Profile MakeProfile(const PersonSpec& spec);

// A fresh index over the shared reference data.
std::unique_ptr<MatchIndex> NewIndex();

}  // namespace pathways::matcher::testing
