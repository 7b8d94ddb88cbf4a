// GB postcode districts (outcodes) with their centroids, for straight-line
// travel distances between people, employers and colleges. Loaded from
// data/geo/outcodes.csv (OS Code-Point Open; see data/ATTRIBUTION.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/taxonomy/csv.h"

namespace pathways::taxonomy {

// One outcode. The string_views point into the Geography that returned it.
struct OutcodeInfo {
  std::string_view outcode;  // e.g. "M1", "WA14", "SW1A"
  double latitude = 0;       // WGS84 degrees, mean of the outcode's postcodes
  double longitude = 0;
  std::string_view district_code;  // ONS GSS code of the main local authority
  std::string_view district_name;  // e.g. "Manchester"
};

// Immutable after loading; safe to share between threads.
class Geography {
 public:
  // Reads `data_dir`/geo/outcodes.csv.
  static absl::StatusOr<std::unique_ptr<const Geography>> Load(const std::string& data_dir);
  // Parses CSV text with the columns of outcodes.csv; `source_name` labels
  // errors.
  static absl::StatusOr<std::unique_ptr<const Geography>> FromCsv(
      std::string_view csv_text, std::string_view source_name = "outcodes");

  Geography(const Geography&) = delete;
  Geography& operator=(const Geography&) = delete;

  // The outcode of user input: upper-cased, spaces removed, and a full
  // postcode ("m1 1ae", "M11AE") cut to its outward part ("M1"). Returns ""
  // for input that is neither an outcode nor a full postcode in shape
  // (this checks the form only, not that the outcode exists).
  static std::string NormalizeOutcode(std::string_view input);

  // Looks up an outcode or full postcode in any case and spacing.
  std::optional<OutcodeInfo> Find(std::string_view outcode_or_postcode) const;

  // Great-circle (haversine) distance on a sphere of the Earth's mean radius;
  // within 0.5% of the true ellipsoidal distance.
  static double DistanceKm(double lat1, double lon1, double lat2, double lon2);
  // Distance between two outcodes or postcodes' centroids; nullopt when
  // either is unknown.
  std::optional<double> DistanceKm(std::string_view a, std::string_view b) const;

  size_t outcode_count() const { return entries_.size(); }

 private:
  struct Entry {
    std::string outcode;
    double latitude;
    double longitude;
    std::string district_code;
    std::string district_name;
  };

  Geography() = default;

  static absl::StatusOr<std::unique_ptr<const Geography>> Parse(CsvReader& reader,
                                                                std::string_view source_name);

  // A few thousand rows: plain strings cost little and keep this simple.
  std::vector<Entry> entries_;
  absl::flat_hash_map<std::string, uint32_t> by_outcode_;
};

}  // namespace pathways::taxonomy
