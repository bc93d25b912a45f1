// Executor: where the DB's background work (flushes, compactions) runs.
//
// The engine starts no threads of its own (background work is data:
// docs/architecture.md). It hands closures to an Executor: a native thread
// pool, or an inline executor whose queue runs when its owner calls
// RunPending() (a wasm host between requests, a test at chosen points).
//
// Thread safety: Schedule() may be called from any thread.

#ifndef SHALE_EXECUTOR_H_
#define SHALE_EXECUTOR_H_

#include <cstdint>
#include <functional>
#include <memory>

namespace shale {

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `work` at some later point, never inside this call.
  virtual void Schedule(std::function<void()> work) = 0;
  // True for an InlineExecutor: work runs only when its owner asks, so a DB
  // that must wait for background work does that work itself instead.
  virtual bool RunsInline() const { return false; }
};

// Queues work; runs it only in RunPending().
class InlineExecutor final : public Executor {
 public:
  InlineExecutor();
  ~InlineExecutor() override;
  void Schedule(std::function<void()> work) override;
  bool RunsInline() const override { return true; }
  // Runs queued work (including work scheduled meanwhile) until the queue is
  // empty or `budget_micros` has passed (0: no limit). Returns whether work remains.
  bool RunPending(uint64_t budget_micros = 0);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A pool of `threads` threads. Null where the platform has no threads (WASI,
// Emscripten without pthreads). Destroying it waits for running work.
std::unique_ptr<Executor> NewThreadPoolExecutor(int threads);

}  // namespace shale

#endif  // SHALE_EXECUTOR_H_
