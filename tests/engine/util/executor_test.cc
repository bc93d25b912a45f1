#include "shale/executor.h"

#include <atomic>
#include <memory>
#include <vector>

#include "shale/clock.h"
#include "test_util.h"
#include "util/mutex.h"  // SHALE_SINGLE_THREADED

namespace shale {

TEST_CASE("executor: inline work runs only in RunPending, in order, including work scheduled meanwhile", "[util]") {
  InlineExecutor executor;
  REQUIRE(executor.RunsInline());
  std::vector<int> ran;
  executor.Schedule([&] { ran.push_back(1); });
  executor.Schedule([&] {
    ran.push_back(2);
    executor.Schedule([&] { ran.push_back(4); });
  });
  executor.Schedule([&] { ran.push_back(3); });
  REQUIRE(ran.empty());  // never inside Schedule
  REQUIRE_FALSE(executor.RunPending());
  REQUIRE(ran == std::vector<int>{1, 2, 3, 4});
  REQUIRE_FALSE(executor.RunPending());  // nothing left
}

TEST_CASE("executor: a spent budget leaves the rest of the inline queue for later", "[util]") {
  InlineExecutor executor;
  std::vector<int> ran;
  // Each closure outlasts the budget, so a call runs at most one of them.
  for (int i = 0; i < 3; i++) {
    executor.Schedule([&ran, i] {
      ran.push_back(i);
      SystemClock()->SleepMicros(2000);
    });
  }
  size_t calls = 0;
  for (bool more = true; more; calls++) {
    more = executor.RunPending(1000);
    REQUIRE(ran.size() <= calls + 1);
    REQUIRE(more == (ran.size() < 3));
  }
  REQUIRE(ran == std::vector<int>{0, 1, 2});
  REQUIRE(calls >= 3);
}

#if SHALE_SINGLE_THREADED
TEST_CASE("executor: no thread pool where the platform has no threads", "[util]") {
  REQUIRE(NewThreadPoolExecutor(2) == nullptr);
}
#else
TEST_CASE("executor: a thread pool runs all work, and its destruction waits for it", "[util]") {
  std::atomic<int> ran{0};
  {
    std::unique_ptr<Executor> pool = NewThreadPoolExecutor(2);
    REQUIRE(pool != nullptr);
    REQUIRE_FALSE(pool->RunsInline());
    for (int i = 0; i < 100; i++) pool->Schedule([&] { ran++; });
  }
  REQUIRE(ran == 100);
}
#endif

}  // namespace shale
