// Runs the retention purge on its own thread: once at start, then every
// interval, until stopped. Stopping wakes the thread at once (a condition
// variable, not a sleep) and waits for a sweep in progress to finish.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/time/time.h"

namespace pathways::profiles {

class RetentionSweeper {
 public:
  // `sweep` is called on the sweeper's thread, never concurrently with
  // itself.
  RetentionSweeper(std::function<void()> sweep, absl::Duration interval);
  ~RetentionSweeper();  // Stops.

  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

  void Start();
  // Idempotent.
  void Stop();

 private:
  void Run();

  const std::function<void()> sweep_;
  const absl::Duration interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pathways::profiles
