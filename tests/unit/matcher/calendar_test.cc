#include "services/matcher/calendar.h"

#include "gtest/gtest.h"
#include "tests/unit/matcher/economy_fixture.h"

namespace pathways::matcher {
namespace {

using testing::Date;

TEST(CalendarTest, DaysRoundTrip) {
  EXPECT_EQ(DayFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DayFromCivil(2000, 3, 1) - DayFromCivil(2000, 2, 28), 2);  // 2000 was leap.
  EXPECT_EQ(DayFromCivil(1900, 3, 1) - DayFromCivil(1900, 2, 28), 1);  // 1900 was not.
  for (Day day = DayFromCivil(1990, 1, 1); day < DayFromCivil(2031, 1, 1); day += 17) {
    int y, m, d;
    CivilFromDay(day, &y, &m, &d);
    EXPECT_EQ(DayFromCivil(y, m, d), day);
    EXPECT_EQ(DayFromDate(DateFromDay(day)), day);
  }
}

TEST(CalendarTest, AgesTurnOnBirthdays) {
  const common::v1::Date birth = Date(2008, 9, 2);
  EXPECT_EQ(AgeOn(birth, DayFromCivil(2026, 9, 1)), 17);
  EXPECT_EQ(AgeOn(birth, DayFromCivil(2026, 9, 2)), 18);
  EXPECT_EQ(DayTurningAge(birth, 19), DayFromCivil(2027, 9, 2));
}

TEST(CalendarTest, LeapDayBirthdaysFallOnFirstOfMarch) {
  const common::v1::Date birth = Date(2008, 2, 29);
  EXPECT_EQ(DayTurningAge(birth, 17), DayFromCivil(2025, 3, 1));
  EXPECT_EQ(DayTurningAge(birth, 16), DayFromCivil(2024, 2, 29));
  EXPECT_EQ(AgeOn(birth, DayFromCivil(2025, 2, 28)), 16);
}

TEST(CalendarTest, ValidatesDates) {
  EXPECT_TRUE(IsValidDate(Date(2024, 2, 29)));
  EXPECT_FALSE(IsValidDate(Date(2025, 2, 29)));
  EXPECT_FALSE(IsValidDate(Date(2025, 13, 1)));
  EXPECT_FALSE(IsValidDate(common::v1::Date()));
}

TEST(CalendarTest, FormatsPlainly) {
  EXPECT_EQ(FormatDay(DayFromCivil(2026, 3, 3)), "3 March 2026");
}

}  // namespace
}  // namespace pathways::matcher
