// GetDemandSummary end to end: counts follow every acknowledged write, and
// rows from fewer than five employers are withheld.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/demand/demand_fixture.h"

namespace pathways::testing {
namespace {

class DemandSummaryServiceTest : public DemandServiceTest {
 protected:
  static dv1::GetDemandSummaryRequest Request(dv1::GroupBy group_by, dv1::Horizon horizon) {
    dv1::GetDemandSummaryRequest request;
    request.set_group_by(group_by);
    request.set_horizon(horizon);
    return request;
  }

  dv1::GetDemandSummaryResponse Summary(const dv1::GetDemandSummaryRequest& request) {
    dv1::GetDemandSummaryResponse response;
    grpc::Status status = stub_->GetDemandSummary(As(service_->Token(Role::kAnalyst, "gmca")).get(),
                                                  request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // One employer per id, each with one role of `role`.
  void AddEmployers(const std::string& prefix, int count, const dv1::Role& role) {
    for (int i = 0; i < count; ++i) CreateEmployerWithRole(absl::StrCat(prefix, i), role);
  }
};

TEST_F(DemandSummaryServiceTest, FourEmployersAreSuppressedAndFiveAreShown) {
  dv1::GetDemandSummaryRequest by_occupation =
      Request(dv1::GROUP_BY_OCCUPATION, dv1::HORIZON_ONE_YEAR);
  AddEmployers("employer-", 4, MakeRole());  // 2 now + 3 within a year each.
  dv1::GetDemandSummaryResponse summary = Summary(by_occupation);
  ASSERT_EQ(summary.rows_size(), 1);
  EXPECT_EQ(summary.rows(0).key(), kElectrician);
  EXPECT_EQ(summary.rows(0).label(), "electrician");
  EXPECT_TRUE(summary.rows(0).suppressed());
  EXPECT_EQ(summary.rows(0).openings(), 0);
  EXPECT_EQ(summary.rows(0).employer_count(), 0);

  // A second role of an employer already counted changes nothing.
  dv1::Role extra;
  ASSERT_TRUE(
      CreateRole(EmployerToken("employer-0"), "employer-0", "extra", MakeRole(), &extra).ok());
  EXPECT_TRUE(Summary(by_occupation).rows(0).suppressed());

  // A fifth employer: shown at once, with every role's openings.
  CreateEmployerWithRole("employer-4", MakeRole());
  summary = Summary(by_occupation);
  ASSERT_EQ(summary.rows_size(), 1);
  EXPECT_FALSE(summary.rows(0).suppressed());
  EXPECT_EQ(summary.rows(0).openings(), 6 * 5);
  EXPECT_EQ(summary.rows(0).employer_count(), 5);
  EXPECT_GE(summary.as_of().seconds(), absl::ToUnixSeconds(absl::Now()) - 60);

  // Updates and deletions count as soon as they are acknowledged.
  dv1::UpdateRoleRequest update;
  update.mutable_role()->set_name(extra.name());
  update.mutable_role()->set_etag(extra.etag());
  update.mutable_role()->mutable_openings()->set_in_1_year(13);
  update.mutable_update_mask()->add_paths("openings.in_1_year");
  dv1::Role updated;
  ASSERT_TRUE(stub_->UpdateRole(As(admin_).get(), update, &updated).ok());
  EXPECT_EQ(Summary(by_occupation).rows(0).openings(), 6 * 5 + 10);

  dv1::DeleteRoleRequest remove;
  remove.set_name("employers/employer-4/roles/role");
  dv1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->DeleteRole(As(EmployerToken("employer-4")).get(), remove, &deleted).ok());
  summary = Summary(by_occupation);
  ASSERT_EQ(summary.rows_size(), 1);
  EXPECT_TRUE(summary.rows(0).suppressed());
  EXPECT_EQ(summary.rows(0).openings(), 0);
}

// Summaries are kept until a role changes: asking again, or asking
// something else in between, gives what a fresh pass would.
TEST_F(DemandSummaryServiceTest, RepeatedAndInterleavedSummariesAgree) {
  AddEmployers("employer-", 5, MakeRole());
  const dv1::GetDemandSummaryRequest by_occupation =
      Request(dv1::GROUP_BY_OCCUPATION, dv1::HORIZON_ONE_YEAR);
  const dv1::GetDemandSummaryRequest by_skill = Request(dv1::GROUP_BY_SKILL, dv1::HORIZON_NOW);
  const dv1::GetDemandSummaryResponse first = Summary(by_occupation);
  const dv1::GetDemandSummaryResponse skills = Summary(by_skill);
  const dv1::GetDemandSummaryResponse again = Summary(by_occupation);
  ASSERT_EQ(first.rows_size(), 1);
  EXPECT_EQ(first.rows(0).openings(), 5 * 5);
  ASSERT_GT(skills.rows_size(), 0);
  EXPECT_NE(skills.rows(0).key(), kElectrician);  // Keyed by skill, not the cached occupation rows.
  EXPECT_EQ(skills.rows(0).openings(), 5 * 2);
  ASSERT_EQ(again.rows_size(), 1);
  EXPECT_EQ(again.rows(0).openings(), first.rows(0).openings());
  EXPECT_EQ(again.rows(0).employer_count(), first.rows(0).employer_count());

  // Paging through a summary reads the same rows page after page.
  dv1::GetDemandSummaryRequest paged = by_skill;
  paged.set_page_size(1);
  int seen = 0;
  do {
    dv1::GetDemandSummaryResponse page = Summary(paged);
    ASSERT_EQ(page.rows_size(), 1);
    EXPECT_EQ(page.rows(0).key(), skills.rows(seen).key());
    ++seen;
    paged.set_page_token(page.next_page_token());
  } while (!paged.page_token().empty() && seen < skills.rows_size());
  EXPECT_EQ(seen, skills.rows_size());
}

TEST_F(DemandSummaryServiceTest, HorizonSumsThePeriodsUpToIt) {
  dv1::Role role = MakeRole();
  role.mutable_openings()->set_now(1);
  role.mutable_openings()->set_in_1_year(10);
  role.mutable_openings()->set_in_2_years(100);
  role.mutable_openings()->set_in_5_years(1000);
  AddEmployers("firm-", 5, role);
  const std::pair<dv1::Horizon, int64_t> expected[] = {{dv1::HORIZON_NOW, 5},
                                                       {dv1::HORIZON_ONE_YEAR, 55},
                                                       {dv1::HORIZON_TWO_YEARS, 555},
                                                       {dv1::HORIZON_FIVE_YEARS, 5555}};
  for (const auto& [horizon, openings] : expected) {
    dv1::GetDemandSummaryResponse summary = Summary(Request(dv1::GROUP_BY_SKILL, horizon));
    ASSERT_EQ(summary.rows_size(), 1) << horizon;
    EXPECT_EQ(summary.rows(0).key(), kInstallHeatPump);
    EXPECT_EQ(summary.rows(0).openings(), openings) << horizon;
    EXPECT_EQ(summary.rows(0).employer_count(), 5);
  }
}

TEST_F(DemandSummaryServiceTest, CountsByAreaWithinAnArea) {
  AddEmployers("manchester-", 5, MakeRole("Fitter", "M1"));
  AddEmployers("salford-", 5, MakeRole("Fitter", "M3"));
  AddEmployers("trafford-", 2, MakeRole("Fitter", "WA14"));

  dv1::GetDemandSummaryRequest by_authority =
      Request(dv1::GROUP_BY_LOCAL_AUTHORITY, dv1::HORIZON_NOW);
  dv1::GetDemandSummaryResponse summary = Summary(by_authority);
  ASSERT_EQ(summary.rows_size(), 3);
  // Equal openings: by key (Manchester E08000003 before Salford E08000006),
  // then the suppressed Trafford row.
  EXPECT_EQ(summary.rows(0).key(), "E08000003");
  EXPECT_EQ(summary.rows(0).label(), "Manchester");
  EXPECT_EQ(summary.rows(0).openings(), 10);
  EXPECT_EQ(summary.rows(1).key(), "E08000006");
  EXPECT_EQ(summary.rows(2).key(), "E08000009");
  EXPECT_TRUE(summary.rows(2).suppressed());

  dv1::GetDemandSummaryRequest in_manchester = Request(dv1::GROUP_BY_AREA, dv1::HORIZON_NOW);
  in_manchester.mutable_area()->set_local_authority("E08000003");
  summary = Summary(in_manchester);
  ASSERT_EQ(summary.rows_size(), 1);
  EXPECT_EQ(summary.rows(0).key(), "M1");
  EXPECT_EQ(summary.rows(0).label(), "M1 (Manchester)");

  dv1::GetDemandSummaryRequest in_m = Request(dv1::GROUP_BY_AREA, dv1::HORIZON_NOW);
  in_m.mutable_area()->set_postcode_area("M");
  in_m.set_page_size(1);
  summary = Summary(in_m);
  ASSERT_EQ(summary.rows_size(), 1);
  EXPECT_EQ(summary.rows(0).key(), "M1");
  ASSERT_FALSE(summary.next_page_token().empty());
  in_m.set_page_token(summary.next_page_token());
  summary = Summary(in_m);
  ASSERT_EQ(summary.rows_size(), 1);
  EXPECT_EQ(summary.rows(0).key(), "M3");
  EXPECT_TRUE(summary.next_page_token().empty());
}

TEST_F(DemandSummaryServiceTest, OpenToEveryAuthenticatedCaller) {
  AddEmployers("e", 5, MakeRole());
  dv1::GetDemandSummaryRequest request = Request(dv1::GROUP_BY_OCCUPATION, dv1::HORIZON_NOW);
  for (Role role : {Role::kAdviser, Role::kProvider, Role::kEmployer, Role::kAnalyst, Role::kAdmin,
                    Role::kService}) {
    dv1::GetDemandSummaryResponse response;
    grpc::Status status =
        stub_->GetDemandSummary(As(service_->Token(role, "org")).get(), request, &response);
    ASSERT_TRUE(status.ok()) << RoleName(role) << ": " << status.error_message();
    ASSERT_EQ(response.rows_size(), 1);
    EXPECT_EQ(response.rows(0).openings(), 10);
  }
  grpc::ClientContext anonymous;
  dv1::GetDemandSummaryResponse response;
  EXPECT_EQ(stub_->GetDemandSummary(&anonymous, request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(DemandSummaryServiceTest, BadRequestsNameTheField) {
  auto refused = [&](const dv1::GetDemandSummaryRequest& request, const std::string& field) {
    dv1::GetDemandSummaryResponse response;
    grpc::Status status = stub_->GetDemandSummary(As(admin_).get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_EQ(status.error_message().rfind(field + " ", 0), 0u) << status.error_message();
  };
  refused(Request(dv1::GROUP_BY_SKILL, dv1::HORIZON_UNSPECIFIED), "horizon");
  refused(Request(dv1::GROUP_BY_UNSPECIFIED, dv1::HORIZON_NOW), "group_by");
  dv1::GetDemandSummaryRequest request = Request(dv1::GROUP_BY_AREA, dv1::HORIZON_NOW);
  request.mutable_area()->set_local_authority("E99999999");
  refused(request, "area.local_authority");
  request = Request(dv1::GROUP_BY_AREA, dv1::HORIZON_NOW);
  request.set_page_token("forged");
  refused(request, "page_token");
}

}  // namespace
}  // namespace pathways::testing
