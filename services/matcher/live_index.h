// The matcher's index as the service shares it: queries read it together,
// the change feeds write it one change at a time.
#pragma once

#include <pthread.h>

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/matcher/match_index.h"

namespace pathways::matcher {

// A readers-writer lock that lets a waiting writer in before readers that come
// after it. glibc's default, and so std::shared_mutex, lets new readers in
// while a writer waits: under a steady query load a change could wait for
// ever. Not recursive: a reader must not take it again while holding it.
class WriterPreferringMutex {
 public:
  WriterPreferringMutex() {
    pthread_rwlockattr_t attributes;
    pthread_rwlockattr_init(&attributes);
    pthread_rwlockattr_setkind_np(&attributes, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lock_, &attributes);
    pthread_rwlockattr_destroy(&attributes);
  }
  ~WriterPreferringMutex() { pthread_rwlock_destroy(&lock_); }
  WriterPreferringMutex(const WriterPreferringMutex&) = delete;
  WriterPreferringMutex& operator=(const WriterPreferringMutex&) = delete;

  void lock() { pthread_rwlock_wrlock(&lock_); }
  void unlock() { pthread_rwlock_unlock(&lock_); }
  void lock_shared() { pthread_rwlock_rdlock(&lock_); }
  // False, without waiting, while a writer holds the lock or waits for it.
  bool try_lock_shared() { return pthread_rwlock_tryrdlock(&lock_) == 0; }
  void unlock_shared() { pthread_rwlock_unlock(&lock_); }

 private:
  pthread_rwlock_t lock_;
};

class LiveIndex {
 public:
  LiveIndex(const taxonomy::Taxonomy* taxonomy, const taxonomy::Geography* geography)
      : index_(taxonomy, geography) {}

  // Runs `read` with shared access. `read` must not call Read again: a
  // writer waiting in between would block it.
  template <typename Reader>
  auto Read(Reader&& read) const {
    std::shared_lock<WriterPreferringMutex> lock(mutex_);
    return read(index_);
  }
  // Runs `write` with exclusive access and records when the index changed.
  template <typename Writer>
  auto Write(Writer&& write) {
    std::unique_lock<WriterPreferringMutex> lock(mutex_);
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
  mutable WriterPreferringMutex mutex_;
  MatchIndex index_;
  std::atomic<int64_t> last_change_nanos_{0};
};

}  // namespace pathways::matcher
