// Reference data and real ESCO identifiers shared by the demand unit tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "pathways/common/v1/common.pb.h"
#include "services/demand/areas.h"
#include "services/demand/soc2020.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"

namespace pathways::demand::testdata {

// ESCO v1.1.1 concepts from data/esco/.
inline constexpr char kElectrician[] =
    "http://data.europa.eu/esco/occupation/4910419f-b4af-4f59-b544-9dbebc8a74f0";
inline constexpr char kElectricianUuid[] = "4910419f-b4af-4f59-b544-9dbebc8a74f0";
inline constexpr char kPlumber[] =
    "http://data.europa.eu/esco/occupation/ed3cf43d-c2c1-4c46-82fc-1375e27e0290";
inline constexpr int kElectricianEssentialSkills = 21;
inline constexpr int kElectricianOptionalSkills = 34;
// "inspect electrical supplies", essential for electricians.
inline constexpr char kInspectSupplies[] =
    "http://data.europa.eu/esco/skill/2179e0fd-7431-41a3-bbf4-76451c615ce2";
// "install heat pump".
inline constexpr char kInstallHeatPump[] =
    "http://data.europa.eu/esco/skill/00735755-adc6-4ea0-b034-b8caff339c9f";
inline constexpr char kInstallHeatPumpUuid[] = "00735755-adc6-4ea0-b034-b8caff339c9f";
// "repair wiring".
inline constexpr char kRepairWiring[] =
    "http://data.europa.eu/esco/skill/af1c7b89-679b-4fae-b67c-ed05c669719c";
// Skill group S2.8.1 "testing electrical and mechanical systems or equipment".
inline constexpr char kTestingGroup[] =
    "http://data.europa.eu/esco/skill/f7fc7bf8-f41d-44af-81e3-09b88e9779e6";
inline constexpr char kTestingGroupCode[] = "S2.8.1";

// An INVALID_ARGUMENT whose message starts with the field path and a space,
// so "role.openings" does not pass for "role.openings.now".
MATCHER_P(IsInvalidAt, field, absl::StrCat("is INVALID_ARGUMENT at ", field)) {
  *result_listener << "status is " << arg;
  return arg.code() == absl::StatusCode::kInvalidArgument &&
         absl::StartsWith(arg.message(), absl::StrCat(field, " "));
}

// The shipped reference data, loaded once for a whole test binary.
struct ReferenceData {
  std::unique_ptr<const taxonomy::Taxonomy> taxonomy;
  std::unique_ptr<const taxonomy::Geography> geography;
  std::unique_ptr<const Soc2020> soc;
  std::unique_ptr<const AreaDirectory> areas;

  static const ReferenceData& Get() {
    static const ReferenceData* data = [] {
      auto* loaded = new ReferenceData();
      auto taxonomy = taxonomy::Taxonomy::Load(PATHWAYS_DEFAULT_DATA_DIR);
      auto geography = taxonomy::Geography::Load(PATHWAYS_DEFAULT_DATA_DIR);
      auto soc = Soc2020::Load(PATHWAYS_DEFAULT_DATA_DIR);
      auto areas = AreaDirectory::Load(PATHWAYS_DEFAULT_DATA_DIR);
      EXPECT_TRUE(taxonomy.ok() && geography.ok() && soc.ok() && areas.ok());
      if (taxonomy.ok()) loaded->taxonomy = *std::move(taxonomy);
      if (geography.ok()) loaded->geography = *std::move(geography);
      if (soc.ok()) loaded->soc = *std::move(soc);
      if (areas.ok()) loaded->areas = *std::move(areas);
      return loaded;
    }();
    return *data;
  }
};

inline common::v1::Date MakeDate(int year, int month, int day) {
  common::v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

}  // namespace pathways::demand::testdata
