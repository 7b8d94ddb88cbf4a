// The gRPC edge of the matcher: authenticate, find the person (stored
// profile through the profiles service, or inline for what-if questions),
// and ask the ranking engine under a read lock on the live index.
#pragma once

#include "pathways/matcher/v1/matcher_service.grpc.pb.h"
#include "services/common/arena_messages.h"
#include "services/common/call_handler.h"
#include "services/matcher/live_index.h"
#include "services/matcher/profile_source.h"
#include "services/matcher/ranking_policy.h"
#include "services/profiles/profile_validation.h"

namespace pathways::matcher {

class MatcherService final : public v1::MatcherService::CallbackService {
 public:
  MatcherService(LiveIndex* index, const Policy* policy, ProfileSource* profiles,
                 const profiles::ProfileValidator* validator, absl::TimeZone zone,
                 CallHandler handler)
      : index_(index),
        policy_(policy),
        profiles_(profiles),
        validator_(validator),
        zone_(zone),
        handler_(handler) {
    // Answers are many small messages: each call's go on one arena.
    SetMessageAllocatorFor_RankPathways(&rank_messages_);
    SetMessageAllocatorFor_ExplainPathway(&explain_messages_);
    SetMessageAllocatorFor_SkillGaps(&skill_gaps_messages_);
    SetMessageAllocatorFor_GetProvisionGaps(&provision_gaps_messages_);
  }

  grpc::ServerUnaryReactor* RankPathways(grpc::CallbackServerContext* context,
                                         const v1::RankPathwaysRequest* request,
                                         v1::RankPathwaysResponse* response) override;
  grpc::ServerUnaryReactor* ExplainPathway(grpc::CallbackServerContext* context,
                                           const v1::ExplainPathwayRequest* request,
                                           v1::ExplainPathwayResponse* response) override;
  grpc::ServerUnaryReactor* SkillGaps(grpc::CallbackServerContext* context,
                                      const v1::SkillGapsRequest* request,
                                      v1::SkillGapsResponse* response) override;
  grpc::ServerUnaryReactor* GetProvisionGaps(grpc::CallbackServerContext* context,
                                             const v1::GetProvisionGapsRequest* request,
                                             v1::GetProvisionGapsResponse* response) override;

 private:
  // The person a request is about, checked: a stored profile must be
  // consented for matching; an inline one must be valid.
  template <typename Request>
  absl::StatusOr<profiles::v1::Profile> Person(const Request& request,
                                               const std::string& authorization) const;
  Day Today() const;
  void FillRevision(const MatchIndex& index, v1::IndexRevision* revision) const;

  LiveIndex* index_;
  const Policy* policy_;
  ProfileSource* profiles_;
  const profiles::ProfileValidator* validator_;
  absl::TimeZone zone_;
  CallHandler handler_;
  // First arena blocks of about an answer's size: ten ranked pathways take
  // 50 to 100 KB in memory.
  ArenaMessages<v1::RankPathwaysRequest, v1::RankPathwaysResponse> rank_messages_{64 << 10};
  ArenaMessages<v1::ExplainPathwayRequest, v1::ExplainPathwayResponse> explain_messages_{16 << 10};
  ArenaMessages<v1::SkillGapsRequest, v1::SkillGapsResponse> skill_gaps_messages_{16 << 10};
  ArenaMessages<v1::GetProvisionGapsRequest, v1::GetProvisionGapsResponse> provision_gaps_messages_{
      64 << 10};
};

}  // namespace pathways::matcher
