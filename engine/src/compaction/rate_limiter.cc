#include "compaction/rate_limiter.h"

#include <algorithm>

namespace shale {

namespace {
constexpr uint64_t kUnitsPerByte = 1000000;  // tokens are counted in byte-microseconds
}  // namespace

RateLimiter::RateLimiter(uint64_t bytes_per_sec, Clock* clock, uint64_t refill_period_micros)
    : bytes_per_sec_(bytes_per_sec),
      clock_(clock),
      period_micros_(refill_period_micros),
      refill_units_(bytes_per_sec * refill_period_micros),
      available_units_(refill_units_),
      last_refill_(bytes_per_sec == 0 ? 0 : clock->NowMicros()) {}

void RateLimiter::Refill(uint64_t now) {
  if (now < last_refill_ + period_micros_) return;
  const uint64_t periods = (now - last_refill_) / period_micros_;
  last_refill_ += periods * period_micros_;
  // The capacity is one period's worth, so any refill fills the bucket.
  available_units_ = refill_units_;
}

void RateLimiter::Request(uint64_t bytes) {
  if (bytes_per_sec_ == 0) return;
  uint64_t remaining = bytes * kUnitsPerByte;
  while (true) {
    uint64_t wait_micros;
    {
      MutexLock lock(&mu_);
      const uint64_t now = clock_->NowMicros();
      Refill(now);
      const uint64_t take = std::min(remaining, available_units_);
      available_units_ -= take;
      remaining -= take;
      if (remaining == 0) return;
      const uint64_t next = last_refill_ + period_micros_;
      wait_micros = next > now ? next - now : 0;
    }
    if (wait_micros > 0) clock_->SleepMicros(wait_micros);
  }
}

}  // namespace shale
