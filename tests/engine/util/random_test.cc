#include "util/random.h"

#include <vector>

#include "test_util.h"

namespace shale {

TEST_CASE("random: the same seed gives the same sequence", "[util][random]") {
  Random a(42), b(42), c(43);
  int differs = 0;
  for (int i = 0; i < 1000; i++) {
    const uint64_t x = a.Next64();
    REQUIRE(x == b.Next64());
    if (x != c.Next64()) differs++;
  }
  REQUIRE(differs > 990);
}

TEST_CASE("random: the sequence is stable across platforms and builds", "[util][random]") {
  // Pinned so model-test seeds reproduce everywhere: a change here breaks
  // every saved failing seed.
  Random rnd(0);
  const uint64_t first = rnd.Next64();
  Random again(0);
  REQUIRE(again.Next64() == first);
  // xoshiro256** from splitmix64(0): golden value computed once.
  REQUIRE(first == 0x99ec5f36cb75f2b4ull);
}

TEST_CASE("random: Uniform stays in range and is roughly uniform", "[util][random]") {
  Random rnd(7);
  constexpr int kBuckets = 10;
  constexpr int kDraws = 100000;
  std::vector<int> counts(kBuckets, 0);
  for (int i = 0; i < kDraws; i++) {
    const uint64_t v = rnd.Uniform(kBuckets);
    REQUIRE(v < kBuckets);
    counts[v]++;
  }
  // Expected 10000 per bucket, standard deviation ~95: 5% is ~5 sigma.
  for (int n : counts) {
    REQUIRE(n > kDraws / kBuckets * 95 / 100);
    REQUIRE(n < kDraws / kBuckets * 105 / 100);
  }
  REQUIRE(rnd.Uniform(1) == 0);
  // A range that does not divide 2^64 still stays in range.
  const uint64_t odd = (1ull << 63) + 12345;
  for (int i = 0; i < 1000; i++) REQUIRE(rnd.Uniform(odd) < odd);
}

TEST_CASE("random: OneIn(n) is true about 1/n of the time", "[util][random]") {
  Random rnd(11);
  int hits = 0;
  for (int i = 0; i < 40000; i++) hits += rnd.OneIn(4) ? 1 : 0;
  REQUIRE(hits > 9500);
  REQUIRE(hits < 10500);
  for (int i = 0; i < 100; i++) REQUIRE(rnd.OneIn(1));
}

TEST_CASE("random: Skewed favours small values and reaches the maximum range", "[util][random]") {
  Random rnd(5);
  int small = 0;
  uint64_t largest = 0;
  for (int i = 0; i < 10000; i++) {
    const uint64_t v = rnd.Skewed(16);
    REQUIRE(v < (1u << 16));
    if (v < 256) small++;
    if (v > largest) largest = v;
  }
  // Bits <= 8 in 9 of 17 cases, so over half the draws are below 256.
  REQUIRE(small > 5000);
  REQUIRE(largest >= (1u << 15));
  for (int i = 0; i < 100; i++) REQUIRE(rnd.Skewed(0) == 0);
}

}  // namespace shale
