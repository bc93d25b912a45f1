#include <cstdint>

#include "shale/clock.h"
#include "test_util.h"

namespace shale {

TEST_CASE("system clock: one instance, monotonic, and a sleep lasts at least what was asked", "[env]") {
  Clock* clock = SystemClock();
  REQUIRE(clock != nullptr);
  REQUIRE(SystemClock() == clock);
  uint64_t last = clock->NowMicros();
  for (int i = 0; i < 1000; i++) {
    const uint64_t now = clock->NowMicros();
    REQUIRE(now >= last);
    last = now;
  }
  const uint64_t before = clock->NowMicros();
  clock->SleepMicros(2000);
  REQUIRE(clock->NowMicros() - before >= 2000);
  clock->SleepMicros(0);  // returns
}

TEST_CASE("system clock: wall time is microseconds since the Unix epoch", "[env]") {
  const uint64_t wall = SystemClock()->WallMicros();
  REQUIRE(wall > 1577836800ull * 1000000);  // after 2020-01-01
  REQUIRE(wall < 4102444800ull * 1000000);  // before 2100-01-01
}

}  // namespace shale
