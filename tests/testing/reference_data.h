// The shipped reference data (data/, PATHWAYS_DEFAULT_DATA_DIR), loaded once
// per test process on first use and shared by every test in it. A load that
// fails ends the process with the reason, rather than letting tests run
// against missing data.
#pragma once

#include "services/taxonomy/geography.h"
#include "services/taxonomy/taxonomy.h"

namespace pathways::testing {

const taxonomy::Taxonomy& TestTaxonomy();
const taxonomy::Geography& TestGeography();

}  // namespace pathways::testing
