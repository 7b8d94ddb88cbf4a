// The index lock lets a waiting writer in ahead of readers that come after
// it, so a feed change is not held back for as long as queries keep coming.
#include "services/matcher/live_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace pathways::matcher {
namespace {

using Clock = std::chrono::steady_clock;

// Polls until a new reader is turned away: the writer is then queued. False
// if that does not happen within the deadline.
bool WaitUntilReadersAreHeldBack(WriterPreferringMutex& mutex) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    if (!mutex.try_lock_shared()) return true;
    mutex.unlock_shared();
    std::this_thread::yield();
  }
  return false;
}

TEST(WriterPreferringMutexTest, ReadersShareTheLock) {
  WriterPreferringMutex mutex;
  std::shared_lock<WriterPreferringMutex> first(mutex);
  ASSERT_TRUE(mutex.try_lock_shared());
  mutex.unlock_shared();
}

TEST(WriterPreferringMutexTest, AWaitingWriterGoesBeforeLaterReaders) {
  WriterPreferringMutex mutex;
  std::vector<char> order;  // Written under the lock.
  mutex.lock_shared();      // A query in progress.

  std::thread writer([&] {
    std::unique_lock<WriterPreferringMutex> lock(mutex);
    order.push_back('w');
  });
  // While the writer waits for the query, a new query must not get in.
  ASSERT_TRUE(WaitUntilReadersAreHeldBack(mutex));
  std::atomic<bool> reader_started = false;
  std::thread reader([&] {
    reader_started = true;
    std::shared_lock<WriterPreferringMutex> lock(mutex);
    order.push_back('r');
  });
  while (!reader_started) std::this_thread::yield();
  mutex.unlock_shared();  // The query ends.
  writer.join();
  reader.join();
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0], 'w');
  EXPECT_EQ(order[1], 'r');
}

}  // namespace
}  // namespace pathways::matcher
