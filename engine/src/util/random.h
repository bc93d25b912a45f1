// Random: a small, fast, seeded pseudo-random generator for skiplist heights,
// tests and model tests. Not for anything that must be unpredictable.
//
// The same seed gives the same sequence on every platform and build (native,
// Emscripten, WASI), so a failing model test is reproduced from its seed.
// The state is xoshiro256** (Blackman and Vigna), filled from the seed by a
// splitmix64 sequence so that nearby seeds give unrelated streams.
//
// Thread safety: none; give each thread its own Random.

#ifndef SHALE_UTIL_RANDOM_H_
#define SHALE_UTIL_RANDOM_H_

#include <cassert>
#include <cstdint>

namespace shale {

class Random {
 public:
  explicit Random(uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t& word : s_) word = SplitMix64(&x);
  }

  // 64 uniformly distributed bits.
  uint64_t Next64() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n), without modulo bias.
  // REQUIRES: n > 0
  uint64_t Uniform(uint64_t n) {
    assert(n > 0);
    // Values below `threshold` would make the low residues more likely.
    const uint64_t threshold = (0 - n) % n;
    uint64_t r;
    do {
      r = Next64();
    } while (r < threshold);
    return r % n;
  }

  // True with probability 1/n.
  // REQUIRES: n > 0
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }

  // Picks a bit count uniformly in [0, max_log], then a value uniform in
  // [0, 2^bits): small values are much more likely than large ones, which
  // makes for varied key and value sizes in tests.
  // REQUIRES: 0 <= max_log <= 63
  uint64_t Skewed(int max_log) {
    assert(max_log >= 0 && max_log <= 63);
    const int bits = static_cast<int>(Uniform(static_cast<uint64_t>(max_log) + 1));
    return Uniform(uint64_t{1} << bits);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  static uint64_t SplitMix64(uint64_t* x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  // Never all zero: splitmix64 output is a bijection of distinct inputs.
  uint64_t s_[4];
};

}  // namespace shale

#endif  // SHALE_UTIL_RANDOM_H_
