// Calendar arithmetic on whole days, so the planner can compare and add dates
// as integers instead of proto Date messages.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "pathways/common/v1/common.pb.h"

namespace pathways::matcher {

// Days since 1970-01-01 in the proleptic Gregorian calendar.
using Day = int32_t;

inline constexpr Day kNoDay = std::numeric_limits<Day>::max();

// Whether the date is a real calendar day in 1900..2200.
bool IsValidDate(const common::v1::Date& date);
Day DayFromCivil(int year, int month, int day);
// `date` must be valid.
Day DayFromDate(const common::v1::Date& date);
common::v1::Date DateFromDay(Day day);
void CivilFromDay(Day day, int* year, int* month, int* day_of_month);

// The first day on which someone born on `birth` is `years` old. A 29
// February birthday falls on 1 March in other years, as in English law.
Day DayTurningAge(const common::v1::Date& birth, int years);
// Whole years of age on `day`.
int AgeOn(const common::v1::Date& birth, Day day);

// "3 March 2026".
std::string FormatDay(Day day);

}  // namespace pathways::matcher
