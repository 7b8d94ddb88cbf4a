// A fixed set of threads for blocking work (Redis calls), so gRPC reactions
// never block.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pathways {

class WorkerPool {
 public:
  // `queue_limit` bounds the work waiting for a thread; past it Submit
  // refuses, so overload turns into RESOURCE_EXHAUSTED, not unbounded memory.
  WorkerPool(int threads, size_t queue_limit);
  ~WorkerPool();  // Runs what was queued, then joins.

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `work`; false when the queue is full or the pool is shutting down.
  [[nodiscard]] bool Submit(std::function<void()> work);

  // Stops taking work, finishes what is queued and joins the threads.
  void Shutdown();

  int thread_count() const { return static_cast<int>(threads_.size()); }

 private:
  void Run();

  const size_t queue_limit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace pathways
