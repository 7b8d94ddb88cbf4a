// Matchers and values shared by the validation tests.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "pathways/common/v1/common.pb.h"

namespace pathways::testing {

// An INVALID_ARGUMENT whose message starts with the field path and a space,
// so "course.start_dates" does not pass for "course.start_dates[1]".
MATCHER_P(IsInvalidAt, field, absl::StrCat("is INVALID_ARGUMENT at ", field)) {
  *result_listener << "status is " << arg;
  return arg.code() == absl::StatusCode::kInvalidArgument &&
         absl::StartsWith(arg.message(), absl::StrCat(field, " "));
}

inline common::v1::Date MakeDate(int year, int month, int day) {
  common::v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

}  // namespace pathways::testing
