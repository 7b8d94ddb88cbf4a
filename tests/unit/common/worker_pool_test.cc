#include "services/common/worker_pool.h"

#include <atomic>
#include <latch>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "gtest/gtest.h"

namespace pathways {
namespace {

// Occupies every thread of a pool until released, so tests can fill the
// queue deterministically. The tasks share ownership of the latches, so a
// worker still returning from a wait never touches a destroyed latch.
class BusyWorkers {
 public:
  BusyWorkers(WorkerPool& pool, int threads) : gates_(std::make_shared<Gates>(threads)) {
    for (int i = 0; i < threads; ++i) {
      bool queued = pool.Submit([gates = gates_] {
        gates->started.count_down();
        gates->release.wait();
      });
      EXPECT_TRUE(queued);
      if (!queued) gates_->started.count_down();  // Fail the test, don't hang it.
    }
    gates_->started.wait();  // Every thread is now inside a task; the queue is empty.
  }
  ~BusyWorkers() { Release(); }

  void Release() {
    if (!gates_->released.exchange(true)) gates_->release.count_down();
  }

 private:
  struct Gates {
    explicit Gates(int threads) : started(threads) {}
    std::latch started;
    std::latch release{1};
    std::atomic<bool> released{false};
  };

  std::shared_ptr<Gates> gates_;
};

TEST(WorkerPoolTest, RunsAllSubmittedWork) {
  std::atomic<int> done{0};
  WorkerPool pool(4, 1000);
  EXPECT_EQ(pool.thread_count(), 4);
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(pool.Submit([&done] { done.fetch_add(1); }));
  }
  pool.Shutdown();
  EXPECT_EQ(done.load(), 500);
}

TEST(WorkerPoolTest, RunsWorkOnThePoolsThreads) {
  std::mutex mutex;
  std::set<std::thread::id> ids;
  std::latch finished(8);
  WorkerPool pool(2, 100);
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(pool.Submit([&] {
      {
        std::lock_guard<std::mutex> lock(mutex);
        ids.insert(std::this_thread::get_id());
      }
      finished.count_down();
    }));
  }
  finished.wait();
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
  EXPECT_LE(ids.size(), 2u);
}

TEST(WorkerPoolTest, RefusesWhenTheQueueIsFull) {
  std::atomic<int> done{0};
  WorkerPool pool(2, 3);
  BusyWorkers busy(pool, 2);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(pool.Submit([&done] { done.fetch_add(1); })) << i;
  }
  EXPECT_FALSE(pool.Submit([&done] { done.fetch_add(100); }));
  EXPECT_FALSE(pool.Submit([&done] { done.fetch_add(100); }));

  busy.Release();
  pool.Shutdown();
  EXPECT_EQ(done.load(), 3);  // The queued work ran; the refused work never did.
}

TEST(WorkerPoolTest, AcceptsAgainOnceTheQueueDrains) {
  WorkerPool pool(1, 1);
  {
    BusyWorkers busy(pool, 1);
    ASSERT_TRUE(pool.Submit([] {}));
    EXPECT_FALSE(pool.Submit([] {}));
  }
  std::latch ran(1);
  // The queue drains once the worker is released; retry until it has room.
  while (!pool.Submit([&ran] { ran.count_down(); })) std::this_thread::yield();
  ran.wait();
}

TEST(WorkerPoolTest, ShutdownFinishesQueuedWork) {
  std::atomic<int> done{0};
  WorkerPool pool(2, 100);
  BusyWorkers busy(pool, 2);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(pool.Submit([&done] { done.fetch_add(1); }));
  busy.Release();
  pool.Shutdown();
  EXPECT_EQ(done.load(), 20);
}

TEST(WorkerPoolTest, DestructorFinishesQueuedWork) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(1, 100);
    BusyWorkers busy(pool, 1);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.Submit([&done] { done.fetch_add(1); }));
    busy.Release();
  }
  EXPECT_EQ(done.load(), 10);
}

TEST(WorkerPoolTest, RefusesAfterShutdown) {
  std::atomic<int> done{0};
  WorkerPool pool(2, 100);
  pool.Shutdown();
  EXPECT_EQ(pool.thread_count(), 0);
  EXPECT_FALSE(pool.Submit([&done] { done.fetch_add(1); }));
  pool.Shutdown();  // A second Shutdown (and the destructor's) is harmless.
  EXPECT_EQ(done.load(), 0);
}

}  // namespace
}  // namespace pathways
