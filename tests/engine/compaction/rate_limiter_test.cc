#include "compaction/rate_limiter.h"

#include <algorithm>
#include <vector>

#include "compaction_test_helpers.h"
#include "util/mutex.h"

#if !SHALE_SINGLE_THREADED
#include <thread>
#endif

namespace shale {
namespace {

using test::FakeClock;

TEST_CASE("rate limiter: zero is unlimited", "[compaction]") {
  FakeClock clock;
  RateLimiter limiter(0, &clock);
  for (int i = 0; i < 100; i++) limiter.Request(1 << 20);
  REQUIRE(clock.Sleeps().empty());
}

TEST_CASE("rate limiter: holds the rate with sleeps of at most one period", "[compaction]") {
  FakeClock clock;
  const uint64_t rate = 1 << 20;  // 1 MiB/s: 10,485 bytes per 10 ms period, initially in the bucket
  RateLimiter limiter(rate, &clock);
  const uint64_t start = clock.NowMicros();
  uint64_t total = 0;
  for (int i = 0; i < 200; i++) {
    const uint64_t n = 1000 + (i * 7919) % 20000;  // some requests larger than the bucket
    limiter.Request(n);
    total += n;
  }
  const uint64_t elapsed = clock.NowMicros() - start;
  const uint64_t burst_micros = 10000;  // the initial bucket is free
  const uint64_t expected = total * 1000000 / rate;
  REQUIRE(elapsed + burst_micros >= expected);
  REQUIRE(elapsed <= expected + 10000);  // never slower than the rate by more than a period
  const std::vector<uint64_t> sleeps = clock.Sleeps();
  REQUIRE(!sleeps.empty());
  REQUIRE(*std::max_element(sleeps.begin(), sleeps.end()) <= 10000);
}

TEST_CASE("rate limiter: an idle spell allows one bucket of burst, not more", "[compaction]") {
  FakeClock clock;
  RateLimiter limiter(100000, &clock);  // 1000 bytes per 10 ms period
  limiter.Request(1000);                // the initial bucket
  REQUIRE(clock.Sleeps().empty());
  clock.Advance(10 * 1000000);  // idle for 10 s: still only one period's worth
  limiter.Request(1000);
  REQUIRE(clock.Sleeps().empty());
  limiter.Request(1);
  REQUIRE(clock.Sleeps().size() == 1);
}

TEST_CASE("rate limiter: slow rates are exact", "[compaction]") {
  FakeClock clock;
  RateLimiter limiter(10, &clock);  // a tenth of a byte per period
  const uint64_t start = clock.NowMicros();
  limiter.Request(1);  // more than the 0.1-byte bucket: waits
  limiter.Request(20);
  const uint64_t elapsed = clock.NowMicros() - start;
  REQUIRE(elapsed >= 2000000);  // 21 bytes at 10 B/s minus the 0.1-byte bucket
  REQUIRE(elapsed <= 2100000);
}

#if !SHALE_SINGLE_THREADED
TEST_CASE("rate limiter: concurrent callers share the rate", "[compaction]") {
  FakeClock clock;
  const uint64_t rate = 1 << 20;
  RateLimiter limiter(rate, &clock);
  const uint64_t start = clock.NowMicros();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&limiter] {
      for (int i = 0; i < 50; i++) limiter.Request(4096);
    });
  }
  for (std::thread& t : threads) t.join();
  // Concurrent sleeps each advance the fake clock, so time can only overshoot.
  const uint64_t expected = 4 * 50 * 4096ull * 1000000 / rate;
  REQUIRE(clock.NowMicros() - start + 10000 >= expected);
}
#endif

}  // namespace
}  // namespace shale
