#include "tests/testing/reference_data.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace pathways::testing {
namespace {

template <typename Data>
std::unique_ptr<const Data> LoadOrDie(const char* what) {
  absl::StatusOr<std::unique_ptr<const Data>> loaded = Data::Load(PATHWAYS_DEFAULT_DATA_DIR);
  if (!loaded.ok()) {
    std::fprintf(stderr, "cannot load the %s from %s: %s\n", what, PATHWAYS_DEFAULT_DATA_DIR,
                 std::string(loaded.status().ToString()).c_str());
    std::abort();
  }
  return *std::move(loaded);
}

}  // namespace

const taxonomy::Taxonomy& TestTaxonomy() {
  static const std::unique_ptr<const taxonomy::Taxonomy> taxonomy =
      LoadOrDie<taxonomy::Taxonomy>("ESCO taxonomy");
  return *taxonomy;
}

const taxonomy::Geography& TestGeography() {
  static const std::unique_ptr<const taxonomy::Geography> geography =
      LoadOrDie<taxonomy::Geography>("geography");
  return *geography;
}

}  // namespace pathways::testing
