#include "services/profiles/retention_sweeper.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "gtest/gtest.h"

namespace pathways::profiles {
namespace {

// Counts sweeps and lets a test wait for a number of them.
class SweepCounter {
 public:
  void Sweep() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++count_;
    changed_.notify_all();
  }
  bool WaitFor(int count, std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return count_ >= count; });
  }
  int count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

TEST(RetentionSweeperTest, SweepsAtStartThenEveryInterval) {
  SweepCounter counter;
  RetentionSweeper sweeper([&] { counter.Sweep(); }, absl::Milliseconds(20));
  sweeper.Start();
  EXPECT_TRUE(counter.WaitFor(3, std::chrono::seconds(30)));
  sweeper.Stop();
  int after_stop = counter.count();
  // Stop joined the thread: no sweep can follow it.
  EXPECT_EQ(counter.count(), after_stop);
}

TEST(RetentionSweeperTest, StopWakesTheThreadWithoutWaitingTheInterval) {
  SweepCounter counter;
  RetentionSweeper sweeper([&] { counter.Sweep(); }, absl::Hours(1));
  sweeper.Start();
  ASSERT_TRUE(counter.WaitFor(1, std::chrono::seconds(30)));
  auto started = std::chrono::steady_clock::now();
  sweeper.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(counter.count(), 1);
  sweeper.Stop();  // Idempotent.
}

TEST(RetentionSweeperTest, NeverStartedStopsCleanly) {
  SweepCounter counter;
  {
    RetentionSweeper sweeper([&] { counter.Sweep(); }, absl::Seconds(1));
  }
  EXPECT_EQ(counter.count(), 0);
}

}  // namespace
}  // namespace pathways::profiles
