// RateLimiter: a token bucket that paces background writes (flush and
// compaction output) so they leave I/O bandwidth to foreground work.
//
// Tokens are bytes. The bucket refills every refill period (10 ms by
// default) with bytes_per_sec * period worth of tokens and holds at most one
// period's worth, so after an idle spell at most that many bytes pass without
// waiting: bursts are bounded. Request(n) takes n tokens, sleeping through
// Clock::SleepMicros until the next refill whenever the bucket is empty; a
// request larger than the bucket is served across several periods. Over any
// span of T seconds the bytes granted are at most bytes_per_sec * T plus one
// period's worth.
//
// Thread safety: Request() may be called from any number of threads. Waiting
// callers do not hold the lock while they sleep; callers are not served in
// FIFO order, only the total rate is bounded. In single-threaded builds the
// same code runs without contention.

#ifndef SHALE_COMPACTION_RATE_LIMITER_H_
#define SHALE_COMPACTION_RATE_LIMITER_H_

#include <cstdint>

#include "shale/clock.h"
#include "util/mutex.h"

namespace shale {

class RateLimiter {
 public:
  // bytes_per_sec == 0: unlimited, Request() returns at once.
  // REQUIRES: clock outlives the limiter; refill_period_micros > 0;
  // bytes_per_sec * refill_period_micros < 2^63 (no overflow).
  RateLimiter(uint64_t bytes_per_sec, Clock* clock, uint64_t refill_period_micros = 10000);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Returns once `bytes` tokens have been granted. REQUIRES: bytes < 2^44
  // (token arithmetic is in byte-microseconds).
  void Request(uint64_t bytes);

  uint64_t bytes_per_sec() const { return bytes_per_sec_; }

 private:
  // Adds the tokens of every refill period that ended by `now`.
  void Refill(uint64_t now);

  const uint64_t bytes_per_sec_;
  Clock* const clock_;
  const uint64_t period_micros_;
  // Tokens per period and the bucket's capacity, in byte-microseconds (a byte
  // is 10^6 units), so slow rates are exact: 10 bytes/s is 0.1 byte per 10 ms.
  const uint64_t refill_units_;

  Mutex mu_;
  uint64_t available_units_;  // guarded by mu_; starts full
  uint64_t last_refill_;      // guarded by mu_; NowMicros of the last period boundary
};

}  // namespace shale

#endif  // SHALE_COMPACTION_RATE_LIMITER_H_
