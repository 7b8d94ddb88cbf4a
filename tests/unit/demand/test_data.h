// Reference data shared by the demand unit tests, with the real ESCO
// concepts and the matchers they use.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "services/demand/areas.h"
#include "services/demand/soc2020.h"
#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"
#include "tests/testing/esco_fixtures.h"
#include "tests/testing/matchers.h"
#include "tests/testing/reference_data.h"

namespace pathways::demand::testdata {

// The shipped reference data, loaded once for a whole test binary.
struct ReferenceData {
  const taxonomy::Taxonomy* taxonomy = &::pathways::testing::TestTaxonomy();
  const taxonomy::Geography* geography = &::pathways::testing::TestGeography();
  std::unique_ptr<const Soc2020> soc;
  std::unique_ptr<const AreaDirectory> areas;

  static const ReferenceData& Get() {
    static const ReferenceData* data = [] {
      auto* loaded = new ReferenceData();
      auto soc = Soc2020::Load(PATHWAYS_DEFAULT_DATA_DIR);
      auto areas = AreaDirectory::Load(PATHWAYS_DEFAULT_DATA_DIR);
      EXPECT_TRUE(soc.ok() && areas.ok());
      if (soc.ok()) loaded->soc = *std::move(soc);
      if (areas.ok()) loaded->areas = *std::move(areas);
      return loaded;
    }();
    return *data;
  }
};

}  // namespace pathways::demand::testdata
