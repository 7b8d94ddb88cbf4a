#include "services/matcher/calendar.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace pathways::matcher {
namespace {

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0);
}

}  // namespace

bool IsValidDate(const common::v1::Date& date) {
  return date.year() >= 1900 && date.year() <= 2200 && date.month() >= 1 && date.month() <= 12 &&
         date.day() >= 1 && date.day() <= DaysInMonth(date.year(), date.month());
}

// Howard Hinnant's days_from_civil.
Day DayFromCivil(int year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const int yoe = year - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Day DayFromDate(const common::v1::Date& date) {
  return DayFromCivil(date.year(), date.month(), date.day());
}

void CivilFromDay(Day z, int* year, int* month, int* day_of_month) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  *day_of_month = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = yoe + era * 400 + (*month <= 2 ? 1 : 0);
}

common::v1::Date DateFromDay(Day day) {
  int y, m, d;
  CivilFromDay(day, &y, &m, &d);
  common::v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

Day DayTurningAge(const common::v1::Date& birth, int years) {
  int year = birth.year() + years;
  if (birth.month() == 2 && birth.day() == 29 && !IsLeap(year)) return DayFromCivil(year, 3, 1);
  return DayFromCivil(year, birth.month(), birth.day());
}

int AgeOn(const common::v1::Date& birth, Day day) {
  int y, m, d;
  CivilFromDay(day, &y, &m, &d);
  int age = y - birth.year();
  if (day < DayTurningAge(birth, age)) --age;
  return age;
}

std::string FormatDay(Day day) {
  static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
  int y, m, d;
  CivilFromDay(day, &y, &m, &d);
  return absl::StrCat(d, " ", kMonths[m - 1], " ", y);
}

}  // namespace pathways::matcher
