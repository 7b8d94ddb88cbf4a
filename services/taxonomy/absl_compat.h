// Bridges std::string_view and absl::string_view.
//
// Debian 12's Abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW 0, so
// absl::string_view is a separate class with no conversion to or from
// std::string_view. This library's API uses std::string_view; these helpers
// convert at the calls into Abseil's string functions.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace pathways::taxonomy::internal {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

// Passes everything absl::StrCat takes through unchanged and converts
// std::string_view, which it does not take.
template <typename T>
decltype(auto) StrCatArg(const T& value) {
  if constexpr (std::is_convertible_v<const T&, std::string_view> &&
                !std::is_convertible_v<const T&, absl::string_view>) {
    return ToAbsl(value);
  } else {
    return (value);
  }
}

// absl::StrCat that also accepts std::string_view arguments.
template <typename... Args>
std::string StrCat(const Args&... args) {
  return absl::StrCat(StrCatArg(args)...);
}

}  // namespace pathways::taxonomy::internal
