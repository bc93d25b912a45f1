#include "util/arena.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "test_util.h"
#include "util/random.h"

namespace shale {

TEST_CASE("arena: a new arena has allocated nothing", "[util][arena]") {
  Arena arena;
  REQUIRE(arena.MemoryUsage() == 0);
}

TEST_CASE("arena: allocations keep their bytes and usage bounds them", "[util][arena]") {
  Arena arena;
  Random rnd(301);
  std::vector<std::pair<size_t, char*>> allocated;
  size_t total = 0;
  for (int i = 0; i < 2000; i++) {
    // Mostly small, a few larger than a block, like memtable entries.
    size_t size = i % 200 == 0 ? 6000 + rnd.Uniform(3000) : 1 + rnd.Skewed(10);
    char* p = rnd.OneIn(2) ? arena.AllocateAligned(size) : arena.Allocate(size);
    // Fill with a pattern that depends on the allocation's index.
    std::memset(p, i & 0xff, size);
    allocated.emplace_back(size, p);
    total += size;
    REQUIRE(arena.MemoryUsage() >= total);
  }
  // Every allocation kept its bytes...
  for (size_t i = 0; i < allocated.size(); i++) {
    const auto& [size, p] = allocated[i];
    for (size_t b = 0; b < size; b++) REQUIRE(static_cast<unsigned char>(p[b]) == (i & 0xff));
  }
  // ...and none overlaps the next one in address order.
  std::vector<std::pair<uintptr_t, size_t>> ranges;
  for (const auto& [size, p] : allocated) ranges.emplace_back(reinterpret_cast<uintptr_t>(p), size);
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); i++) REQUIRE(ranges[i - 1].first + ranges[i - 1].second <= ranges[i].first);
  // Slack is bounded: abandoned block tails are under a quarter block each.
  REQUIRE(arena.MemoryUsage() < total * 2 + Arena::kBlockSize);
}

TEST_CASE("arena: aligned allocations are aligned after odd-sized ones", "[util][arena]") {
  Arena arena;
  for (size_t odd = 1; odd < 40; odd++) {
    arena.Allocate(odd);
    char* p = arena.AllocateAligned(odd);
    REQUIRE(reinterpret_cast<uintptr_t>(p) % Arena::kAlignment == 0);
  }
  // A large aligned allocation gets its own block, aligned too.
  char* big = arena.AllocateAligned(Arena::kBlockSize * 3);
  REQUIRE(reinterpret_cast<uintptr_t>(big) % Arena::kAlignment == 0);
  REQUIRE(Arena::kAlignment >= alignof(uint64_t));
  REQUIRE(Arena::kAlignment >= alignof(void*));
}

TEST_CASE("arena: a large allocation does not abandon the current block", "[util][arena]") {
  Arena arena;
  char* a = arena.Allocate(100);
  const size_t after_small = arena.MemoryUsage();
  REQUIRE(after_small >= Arena::kBlockSize);
  char* big = arena.Allocate(Arena::kBlockSize);  // over a quarter block: own block
  REQUIRE(arena.MemoryUsage() >= after_small + Arena::kBlockSize);
  char* b = arena.Allocate(100);
  // b continues the first block right after a.
  REQUIRE(b == a + 100);
  REQUIRE((big < a || big >= a + Arena::kBlockSize));
}

}  // namespace shale
