// The matcher's index as the service shares it: queries read it together,
// the change feeds write it one change at a time.
#pragma once

#include <atomic>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/matcher/match_index.h"

namespace pathways::matcher {

class LiveIndex {
 public:
  LiveIndex(const taxonomy::Taxonomy* taxonomy, const taxonomy::Geography* geography)
      : index_(taxonomy, geography) {}

  // Runs `read` with shared access.
  template <typename Reader>
  auto Read(Reader&& read) const {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    return read(index_);
  }
  // Runs `write` with exclusive access and records when the index changed.
  template <typename Writer>
  auto Write(Writer&& write) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    last_change_nanos_.store(absl::ToUnixNanos(absl::Now()));
    return write(index_);
  }

  // Before a full relisting of one feed: drop what it had delivered.
  void ClearRoles() {
    Write([](MatchIndex& index) {
      std::vector<std::string> names;
      for (size_t id = 0; id < index.role_slots(); ++id) {
        if (index.role(static_cast<RoleId>(id)).live) names.push_back(index.role(id).name);
      }
      for (const std::string& name : names) index.RemoveRole(name);
    });
  }
  void ClearCourses() {
    Write([](MatchIndex& index) {
      std::vector<std::string> names;
      for (size_t id = 0; id < index.course_slots(); ++id) {
        if (index.course(static_cast<CourseId>(id)).live) names.push_back(index.course(id).name);
      }
      for (const std::string& name : names) index.RemoveCourse(name);
    });
  }

  absl::Time last_change() const { return absl::FromUnixNanos(last_change_nanos_.load()); }

 private:
  mutable std::shared_mutex mutex_;
  MatchIndex index_;
  std::atomic<int64_t> last_change_nanos_{0};
};

}  // namespace pathways::matcher
