// Early-return helpers for absl::Status and absl::StatusOr (Debian's Abseil
// 20220623 has none of its own).
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PATHWAYS_CONCAT_INNER(a, b) a##b
#define PATHWAYS_CONCAT(a, b) PATHWAYS_CONCAT_INNER(a, b)

// Returns the status from the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)                            \
  do {                                                   \
    ::absl::Status pathways_status_ = (expr);            \
    if (!pathways_status_.ok()) return pathways_status_; \
  } while (0)

// Declares or assigns `lhs` from a StatusOr, or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(PATHWAYS_CONCAT(pathways_statusor_, __LINE__), lhs, expr)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
