#include "services/matcher/ranking_policy.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/taxonomy/absl_compat.h"

namespace pathways::matcher {
namespace {

using taxonomy::internal::StrCat;

absl::Status SetIf(bool has, double value, double min, double max, std::string_view field,
                   std::string_view name, double* out) {
  if (!has) return absl::OkStatus();
  if (!std::isfinite(value) || value < min || value > max) {
    return absl::InvalidArgumentError(StrCat(field, ".", name, " must be ", min, "..", max));
  }
  *out = value;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Policy> ApplyWeights(const Policy& base, const v1::Weights& w,
                                    std::string_view field) {
  Policy p = base;
  absl::Status s;
#define PATHWAYS_SET(msg, name, min, max, out, prefix)                   \
  s = SetIf(msg.has_##name(), msg.name(), min, max, prefix, #name, out); \
  if (!s.ok()) return s
  PATHWAYS_SET(w, demand, 0, 5, &p.demand_weight, field);
  PATHWAYS_SET(w, pay, 0, 5, &p.pay_weight, field);
  PATHWAYS_SET(w, time, 0, 5, &p.time_weight, field);
  PATHWAYS_SET(w, cost, 0, 5, &p.cost_weight, field);
  PATHWAYS_SET(w, distance, 0, 5, &p.distance_weight, field);
  PATHWAYS_SET(w, interest, 0, 5, &p.interest_weight, field);
  const std::string credit_field = StrCat(field, ".partial_credit");
  const v1::PartialCredit& c = w.partial_credit();
  PATHWAYS_SET(c, lower_level, 0, kMaxLowerLevelCredit, &p.credit.lower_level, credit_field);
  PATHWAYS_SET(c, related_broader, 0, kMaxRelatedCredit, &p.credit.related_broader, credit_field);
  PATHWAYS_SET(c, related_sibling, 0, kMaxRelatedCredit, &p.credit.related_sibling, credit_field);
  PATHWAYS_SET(c, essential_weight, 1, 10, &p.essential_weight, credit_field);
  PATHWAYS_SET(c, min_coverage, 0, 1, &p.min_coverage, credit_field);
  const std::string discount_field = StrCat(field, ".horizon_discount");
  const v1::HorizonDiscount& d = w.horizon_discount();
  PATHWAYS_SET(d, one_year, 0, 1, &p.discount_one_year, discount_field);
  PATHWAYS_SET(d, two_years, 0, 1, &p.discount_two_years, discount_field);
  PATHWAYS_SET(d, five_years, 0, 1, &p.discount_five_years, discount_field);
#undef PATHWAYS_SET
  return p;
}

void ToWeights(const Policy& p, v1::Weights* w) {
  w->set_demand(p.demand_weight);
  w->set_pay(p.pay_weight);
  w->set_time(p.time_weight);
  w->set_cost(p.cost_weight);
  w->set_distance(p.distance_weight);
  w->set_interest(p.interest_weight);
  v1::PartialCredit* c = w->mutable_partial_credit();
  c->set_lower_level(p.credit.lower_level);
  c->set_related_broader(p.credit.related_broader);
  c->set_related_sibling(p.credit.related_sibling);
  c->set_essential_weight(p.essential_weight);
  c->set_min_coverage(p.min_coverage);
  v1::HorizonDiscount* d = w->mutable_horizon_discount();
  d->set_one_year(p.discount_one_year);
  d->set_two_years(p.discount_two_years);
  d->set_five_years(p.discount_five_years);
}

}  // namespace pathways::matcher
