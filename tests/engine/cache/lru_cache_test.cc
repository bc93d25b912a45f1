#include "cache/lru_cache.h"

#include <memory>
#include <string>

#include "cache/cache_test_util.h"
#include "test_util.h"

namespace shale {
namespace {

using test::Cached;
using test::DeleteCounter;
using test::PutCounted;

std::string Key(int i) { return "k" + std::to_string(i); }

TEST_CASE("lru: evicts the least recently used entry", "[cache]") {
  DeleteCounter counter;
  std::unique_ptr<Cache> cache(NewLruCache(3, 0));
  PutCounted(cache.get(), Key(1), 1, &counter);
  PutCounted(cache.get(), Key(2), 1, &counter);
  PutCounted(cache.get(), Key(3), 1, &counter);
  REQUIRE(Cached(cache.get(), Key(1)));  // now k2 is the least recently used
  PutCounted(cache.get(), Key(4), 1, &counter);
  REQUIRE_FALSE(Cached(cache.get(), Key(2)));
  REQUIRE(Cached(cache.get(), Key(1)));
  REQUIRE(Cached(cache.get(), Key(3)));
  REQUIRE(Cached(cache.get(), Key(4)));
  REQUIRE(counter.deleted() == 1);
}

TEST_CASE("lru: a release counts as the latest use", "[cache]") {
  DeleteCounter counter;
  std::unique_ptr<Cache> cache(NewLruCache(3, 0));
  Cache::Handle* h1 = test::InsertCounted(cache.get(), Key(1), 1, &counter);
  PutCounted(cache.get(), Key(2), 1, &counter);
  PutCounted(cache.get(), Key(3), 1, &counter);
  cache->Release(h1);  // k1 was inserted first but released last
  PutCounted(cache.get(), Key(4), 1, &counter);
  REQUIRE(Cached(cache.get(), Key(1)));
  REQUIRE_FALSE(Cached(cache.get(), Key(2)));
}

TEST_CASE("lru: pinned entries are skipped, the next oldest goes", "[cache]") {
  DeleteCounter counter;
  std::unique_ptr<Cache> cache(NewLruCache(2, 0));
  Cache::Handle* h1 = test::InsertCounted(cache.get(), Key(1), 1, &counter);
  PutCounted(cache.get(), Key(2), 1, &counter);
  PutCounted(cache.get(), Key(3), 1, &counter);
  REQUIRE_FALSE(Cached(cache.get(), Key(2)));
  Cache::Handle* found = cache->Lookup(Key(1));
  REQUIRE(found == h1);
  cache->Release(found);
  cache->Release(h1);
  REQUIRE(cache->TotalCharge() == 2);
}

TEST_CASE("lru: NewLruCache keeps a small table cache in one shard", "[cache]") {
  // 100 open tables of charge 1: one shard holds exactly 100, whatever their hashes.
  DeleteCounter counter;
  std::unique_ptr<Cache> cache(NewLruCache(2 * kLruMinShardCapacity - 1));
  for (int i = 0; i < 1000; i++) PutCounted(cache.get(), Key(i), 1, &counter);
  REQUIRE(cache->TotalCharge() == cache->Capacity());
  for (int i = 1000 - static_cast<int>(cache->Capacity()); i < 1000; i++) REQUIRE(Cached(cache.get(), Key(i)));
}

}  // namespace
}  // namespace shale
