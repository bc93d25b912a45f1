// Clock: the engine's only source of time, so tests can control it.
//
// Thread safety: implementations must be safe to call from any thread.

#ifndef SHALE_CLOCK_H_
#define SHALE_CLOCK_H_

#include <cstdint>

namespace shale {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic microseconds from an arbitrary origin.
  virtual uint64_t NowMicros() = 0;
  // Microseconds since the Unix epoch (file creation times, TTLs).
  virtual uint64_t WallMicros() = 0;
  virtual void SleepMicros(uint64_t micros) = 0;
};

// The platform clock (std::chrono). Never null, never destroyed.
Clock* SystemClock();

}  // namespace shale

#endif  // SHALE_CLOCK_H_
