#include "services/taxonomy/geography.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pathways::taxonomy {
namespace {

using ::testing::DoubleNear;
using ::testing::HasSubstr;
using ::testing::Optional;

class GeographyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = Geography::Load(PATHWAYS_DEFAULT_DATA_DIR);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    geography_ = loaded->release();
  }
  static void TearDownTestSuite() {
    delete geography_;
    geography_ = nullptr;
  }

  static const Geography* geography_;
};

const Geography* GeographyTest::geography_ = nullptr;

TEST(NormalizeOutcodeTest, OutcodesAndFullPostcodes) {
  EXPECT_EQ(Geography::NormalizeOutcode("M1"), "M1");
  EXPECT_EQ(Geography::NormalizeOutcode("m1"), "M1");
  EXPECT_EQ(Geography::NormalizeOutcode(" wa14 "), "WA14");
  EXPECT_EQ(Geography::NormalizeOutcode("sw1a"), "SW1A");
  EXPECT_EQ(Geography::NormalizeOutcode("M60"), "M60");
  EXPECT_EQ(Geography::NormalizeOutcode("m1 1ae"), "M1");
  EXPECT_EQ(Geography::NormalizeOutcode("M11AE"), "M1");
  EXPECT_EQ(Geography::NormalizeOutcode("SW1A 1AA"), "SW1A");
  EXPECT_EQ(Geography::NormalizeOutcode("ec1a1bb"), "EC1A");
  EXPECT_EQ(Geography::NormalizeOutcode("W1A 0AX"), "W1A");
  EXPECT_EQ(Geography::NormalizeOutcode("BL0 0AA"), "BL0");
  EXPECT_EQ(Geography::NormalizeOutcode("wa14\t2dt"), "WA14");
}

TEST(NormalizeOutcodeTest, InvalidInputGivesEmpty) {
  EXPECT_EQ(Geography::NormalizeOutcode(""), "");
  EXPECT_EQ(Geography::NormalizeOutcode("   "), "");
  EXPECT_EQ(Geography::NormalizeOutcode("1M"), "");
  EXPECT_EQ(Geography::NormalizeOutcode("MMM1"), "");  // At most two area letters.
  EXPECT_EQ(Geography::NormalizeOutcode("M"), "");
  EXPECT_EQ(Geography::NormalizeOutcode("M1AE"), "");  // Neither outcode nor postcode.
  EXPECT_EQ(Geography::NormalizeOutcode("M1 1A"), "");
  EXPECT_EQ(Geography::NormalizeOutcode("M1 1"), "");  // Not M11, another district.
  EXPECT_EQ(Geography::NormalizeOutcode("  m1   1ae "), "M1");
  EXPECT_EQ(Geography::NormalizeOutcode("M1 AAE"), "");  // Inward part starts with a digit.
  EXPECT_EQ(Geography::NormalizeOutcode("SW1A 1AA X"), "");
  EXPECT_EQ(Geography::NormalizeOutcode("M1-1AE"), "");
  EXPECT_EQ(Geography::NormalizeOutcode("M\xC3\xA9"
                                        "1"),
            "");  // Non-ASCII.
}

TEST_F(GeographyTest, LoadsEveryGbOutcode) { EXPECT_EQ(geography_->outcode_count(), 2863u); }

TEST_F(GeographyTest, FindsOutcodesAndPostcodes) {
  std::optional<OutcodeInfo> m1 = geography_->Find("M1");
  ASSERT_TRUE(m1.has_value());
  EXPECT_EQ(m1->outcode, "M1");
  EXPECT_NEAR(m1->latitude, 53.4775, 0.001);
  EXPECT_NEAR(m1->longitude, -2.2362, 0.001);
  EXPECT_EQ(m1->district_code, "E08000003");
  EXPECT_EQ(m1->district_name, "Manchester");

  std::optional<OutcodeInfo> postcode = geography_->Find("m1 1ae");
  ASSERT_TRUE(postcode.has_value());
  EXPECT_EQ(postcode->outcode, "M1");

  std::optional<OutcodeInfo> wa14 = geography_->Find("WA14");
  ASSERT_TRUE(wa14.has_value());
  EXPECT_EQ(wa14->district_name, "Trafford");

  std::optional<OutcodeInfo> sw1a = geography_->Find("sw1a 1aa");
  ASSERT_TRUE(sw1a.has_value());
  EXPECT_EQ(sw1a->district_name, "Westminster");
}

TEST_F(GeographyTest, UnknownOrInvalidIsNotFound) {
  EXPECT_EQ(geography_->Find("ZZ99"), std::nullopt);
  EXPECT_EQ(geography_->Find("BT1"), std::nullopt);  // Northern Ireland is not in the data.
  EXPECT_EQ(geography_->Find("not a postcode"), std::nullopt);
  EXPECT_EQ(geography_->Find(""), std::nullopt);
}

TEST_F(GeographyTest, ManchesterToBoltonDistance) {
  // M1 (53.47750, -2.23619) to BL1 (53.59049, -2.44489): 18.66 km by
  // haversine on the centroids; about 19 km as the crow flies on a map.
  std::optional<double> km = geography_->DistanceKm("M1", "BL1");
  EXPECT_THAT(km, Optional(DoubleNear(18.66, 0.05)));
  EXPECT_THAT(geography_->DistanceKm("BL1", "m1 1ae"), Optional(DoubleNear(*km, 1e-9)));
  EXPECT_THAT(geography_->DistanceKm("M1", "M1"), Optional(DoubleNear(0, 1e-9)));
  EXPECT_EQ(geography_->DistanceKm("M1", "ZZ99"), std::nullopt);
  // Manchester to Westminster is about 262 km.
  EXPECT_THAT(geography_->DistanceKm("M1", "SW1A"), Optional(DoubleNear(261.5, 1.0)));
}

TEST(GeographyDistanceTest, Haversine) {
  EXPECT_DOUBLE_EQ(Geography::DistanceKm(53.0, -2.0, 53.0, -2.0), 0.0);
  // One degree of latitude is about 111.2 km on the mean sphere.
  EXPECT_NEAR(Geography::DistanceKm(53.0, -2.0, 54.0, -2.0), 111.19, 0.01);
  // Antipodes: half the circumference, no NaN.
  EXPECT_NEAR(Geography::DistanceKm(0, 0, 0, 180), 20015.1, 0.1);
  EXPECT_NEAR(Geography::DistanceKm(10, 20, -10, -160), 20015.1, 0.1);
}

TEST(GeographyParseTest, ParsesCsvText) {
  auto geo = Geography::FromCsv(
      "outcode,latitude,longitude,main_lad_code,main_lad_name\n"
      "M1,53.47750,-2.23619,E08000003,Manchester\n"
      "BL1,53.59049,-2.44489,E08000001,\"Bolton\"\n");
  ASSERT_TRUE(geo.ok()) << geo.status();
  EXPECT_EQ((*geo)->outcode_count(), 2u);
  EXPECT_THAT((*geo)->DistanceKm("M1 1AE", "BL1 1AA"), Optional(DoubleNear(18.66, 0.05)));
}

TEST(GeographyParseTest, RejectsBadRows) {
  const std::string header = "outcode,latitude,longitude,main_lad_code,main_lad_name\n";
  auto bad_outcode = Geography::FromCsv(header + "m1,53.4,-2.2,E1,X\n", "t.csv");
  EXPECT_EQ(bad_outcode.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_outcode.status().message(), HasSubstr("t.csv: CSV line 2"));

  auto bad_lat = Geography::FromCsv(header + "M1,north,-2.2,E1,X\n");
  EXPECT_EQ(bad_lat.status().code(), absl::StatusCode::kInvalidArgument);
  auto out_of_range = Geography::FromCsv(header + "M1,95,-2.2,E1,X\n");
  EXPECT_EQ(out_of_range.status().code(), absl::StatusCode::kInvalidArgument);
  auto duplicate = Geography::FromCsv(header + "M1,53,-2,E1,X\nM1,53,-2,E1,X\n");
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kInvalidArgument);
  auto missing_column = Geography::FromCsv("outcode,latitude\nM1,53\n");
  EXPECT_EQ(missing_column.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing_column.status().message(), HasSubstr("longitude"));
  EXPECT_EQ(Geography::Load("/nonexistent").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace pathways::taxonomy
