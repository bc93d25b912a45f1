#include <time.h>

#include <chrono>

#include "shale/clock.h"

namespace shale {
namespace {

class StdClock final : public Clock {
 public:
  uint64_t NowMicros() override {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
  }
  uint64_t WallMicros() override {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
  }
  void SleepMicros(uint64_t micros) override {
    // nanosleep rather than std::this_thread: libc++ for WASI is built without threads.
    timespec ts{static_cast<time_t>(micros / 1000000), static_cast<long>((micros % 1000000) * 1000)};
    while (nanosleep(&ts, &ts) != 0) {
    }
  }
};

}  // namespace

Clock* SystemClock() {
  static StdClock* clock = new StdClock();  // never destroyed: usable during static teardown
  return clock;
}

}  // namespace shale
