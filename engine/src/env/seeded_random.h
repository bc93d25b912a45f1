// SeededRandom: a small deterministic generator (splitmix64) for the test
// backends, so a crash or a fault schedule is reproduced from its seed alone.
// Not for anything that needs unpredictability.
//
// Thread safety: none; callers serialize.

#ifndef SHALE_ENV_SEEDED_RANDOM_H_
#define SHALE_ENV_SEEDED_RANDOM_H_

#include <cstdint>

namespace shale {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n); 0 when n == 0.
  uint64_t Uniform(uint64_t n) { return n == 0 ? 0 : Next() % n; }

  bool OneIn(uint64_t n) { return Uniform(n) == 0; }

  // Uniform in [0, 1).
  double NextDouble() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  uint64_t state_;
};

}  // namespace shale

#endif  // SHALE_ENV_SEEDED_RANDOM_H_
