#include "shale/executor.h"

#include <deque>
#include <vector>

#include "shale/clock.h"
#include "util/mutex.h"

#if !SHALE_SINGLE_THREADED
#include <thread>
#endif

namespace shale {

struct InlineExecutor::State {
  Mutex mu;
  std::deque<std::function<void()>> queue;
};

InlineExecutor::InlineExecutor() : state_(std::make_unique<State>()) {}
InlineExecutor::~InlineExecutor() = default;

void InlineExecutor::Schedule(std::function<void()> work) {
  MutexLock lock(&state_->mu);
  state_->queue.push_back(std::move(work));
}

bool InlineExecutor::RunPending(uint64_t budget_micros) {
  const uint64_t start = SystemClock()->NowMicros();
  for (;;) {
    std::function<void()> work;
    {
      MutexLock lock(&state_->mu);
      if (state_->queue.empty()) return false;
      if (budget_micros != 0 && SystemClock()->NowMicros() - start >= budget_micros) return true;
      work = std::move(state_->queue.front());
      state_->queue.pop_front();
    }
    work();
  }
}

#if SHALE_SINGLE_THREADED

std::unique_ptr<Executor> NewThreadPoolExecutor(int) { return nullptr; }

#else

namespace {

// Invariant: after the destructor sets stopping_, workers drain the queue and exit.
class ThreadPoolExecutor final : public Executor {
 public:
  explicit ThreadPoolExecutor(int threads) : cv_(&mu_) {
    for (int i = 0; i < threads; i++) threads_.emplace_back([this] { Loop(); });
  }

  ~ThreadPoolExecutor() override {
    {
      MutexLock lock(&mu_);
      stopping_ = true;
      cv_.SignalAll();
    }
    for (auto& t : threads_) t.join();
  }

  void Schedule(std::function<void()> work) override {
    MutexLock lock(&mu_);
    queue_.push_back(std::move(work));
    cv_.Signal();
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> work;
      {
        MutexLock lock(&mu_);
        while (queue_.empty() && !stopping_) cv_.Wait();
        if (queue_.empty()) return;
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      work();
    }
  }

  Mutex mu_;
  CondVar cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

std::unique_ptr<Executor> NewThreadPoolExecutor(int threads) {
  if (threads <= 0) return nullptr;
  return std::make_unique<ThreadPoolExecutor>(threads);
}

#endif

}  // namespace shale
