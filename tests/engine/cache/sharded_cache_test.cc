#include "cache/sharded_cache.h"

#include <limits>
#include <memory>

#include "cache/cache_test_util.h"
#include "test_util.h"

namespace shale {
namespace {

TEST_CASE("sharded_cache: shard bits leave each shard its minimum", "[cache]") {
  REQUIRE(ChooseShardBits(0, 100) == 0);
  REQUIRE(ChooseShardBits(199, 100) == 0);
  REQUIRE(ChooseShardBits(200, 100) == 1);
  REQUIRE(ChooseShardBits(799, 100) == 2);
  REQUIRE(ChooseShardBits(1600, 100) == 4);
  REQUIRE(ChooseShardBits(std::numeric_limits<size_t>::max(), 100) == kMaxCacheShardBits);
}

TEST_CASE("sharded_cache: shard capacities add up to the capacity", "[cache]") {
  // 16 shards of 6 or 7 one-unit entries: filled, the cache holds exactly 103.
  test::DeleteCounter counter;
  std::unique_ptr<Cache> cache(NewLruCache(103, 4));
  for (int i = 0; i < 5000; i++) test::PutCounted(cache.get(), "k" + std::to_string(i), 1, &counter);
  REQUIRE(cache->Capacity() == 103);
  REQUIRE(cache->TotalCharge() == 103);
}

}  // namespace
}  // namespace shale
