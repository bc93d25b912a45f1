#include "cache/s3fifo_cache.h"

#include <memory>
#include <string>

#include "cache/cache_test_util.h"
#include "cache/lru_cache.h"
#include "test_util.h"

namespace shale {
namespace {

using test::Cached;
using test::DeleteCounter;
using test::PutCounted;

std::string Key(const char* prefix, int i) { return prefix + std::to_string(i); }

// The fraction of `n` hot keys still cached after warming them and then
// scanning `scan` one-time keys, as a block cache sees a long range scan:
// every scanned block is a miss, inserted, used once and released.
double HotHitRateAfterScan(Cache* cache, int n, int scan, size_t charge, DeleteCounter* counter) {
  for (int i = 0; i < n; i++) PutCounted(cache, Key("hot", i), charge, counter);
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < n; i++) REQUIRE(Cached(cache, Key("hot", i)));
  }
  for (int i = 0; i < scan; i++) {
    REQUIRE(cache->Lookup(Key("scan", i)) == nullptr);
    PutCounted(cache, Key("scan", i), charge, counter);
  }
  int hits = 0;
  for (int i = 0; i < n; i++) hits += Cached(cache, Key("hot", i)) ? 1 : 0;
  return static_cast<double>(hits) / n;
}

TEST_CASE("s3fifo: a long scan leaves the hot set cached, unlike LRU", "[cache]") {
  constexpr size_t kCapacity = 4 << 20;
  constexpr size_t kBlock = 4 << 10;  // 1024 blocks fit
  constexpr int kHot = 300;
  constexpr int kScan = 5000;  // five times the cache
  DeleteCounter counter;
  {
    std::unique_ptr<Cache> s3fifo(NewBlockCache(kCapacity));
    const double rate = HotHitRateAfterScan(s3fifo.get(), kHot, kScan, kBlock, &counter);
    INFO("s3fifo hot hit rate " << rate);
    REQUIRE(rate > 0.8);
    REQUIRE(s3fifo->TotalCharge() <= kCapacity);
  }
  {
    std::unique_ptr<Cache> lru(NewLruCache(kCapacity));
    const double rate = HotHitRateAfterScan(lru.get(), kHot, kScan, kBlock, &counter);
    INFO("lru hot hit rate " << rate);
    REQUIRE(rate < 0.2);
  }
}

TEST_CASE("s3fifo: one-hit wonders leave through the small queue", "[cache]") {
  DeleteCounter counter;
  std::unique_ptr<Cache> cache(NewS3FifoCache(100, 0));
  PutCounted(cache.get(), "referenced", 1, &counter);
  PutCounted(cache.get(), "unreferenced", 1, &counter);
  REQUIRE(Cached(cache.get(), "referenced"));
  for (int i = 0; i < 1000; i++) PutCounted(cache.get(), Key("scan", i), 1, &counter);
  REQUIRE(Cached(cache.get(), "referenced"));
  REQUIRE_FALSE(Cached(cache.get(), "unreferenced"));
}

TEST_CASE("s3fifo: a key evicted from small and inserted again goes to main", "[cache]") {
  DeleteCounter counter;
  std::unique_ptr<Cache> cache(NewS3FifoCache(100, 0));
  PutCounted(cache.get(), "x", 1, &counter);
  for (int i = 0; i < 100; i++) PutCounted(cache.get(), Key("a", i), 1, &counter);
  REQUIRE(cache->Lookup("x") == nullptr);  // the oldest in small: evicted, remembered by the ghost queue
  PutCounted(cache.get(), "x", 1, &counter);
  PutCounted(cache.get(), "y", 1, &counter);  // same age, never evicted before
  for (int i = 0; i < 150; i++) PutCounted(cache.get(), Key("b", i), 1, &counter);
  REQUIRE(Cached(cache.get(), "x"));
  REQUIRE_FALSE(Cached(cache.get(), "y"));
}

TEST_CASE("s3fifo: main evicts in FIFO order, giving referenced entries another round", "[cache]") {
  DeleteCounter counter;
  std::unique_ptr<Cache> cache(NewS3FifoCache(100, 0));  // small: 10, ghost: 90
  // g0..g89 go through small into the ghost queue, then come back into main.
  for (int i = 0; i < 190; i++) PutCounted(cache.get(), Key("g", i), 1, &counter);
  for (int i = 0; i < 90; i++) PutCounted(cache.get(), Key("g", i), 1, &counter);
  // Main now holds g0..g89 (g0 oldest); small holds g180..g189. Empty small,
  // so that further inserts make room in main.
  for (int i = 180; i < 190; i++) cache->Erase(Key("g", i));
  REQUIRE(cache->TotalCharge() == 90);
  Cache::Handle* h = cache->Lookup(Key("g", 0));  // g0's counter: 2
  cache->Release(h);
  cache->Release(cache->Lookup(Key("g", 0)));

  // g90..g179 are in the ghost queue, so they too enter main. The last 80 of
  // them each evict one entry: g0 is passed over (its counter drops), so g1..g80 go.
  for (int i = 90; i < 180; i++) PutCounted(cache.get(), Key("g", i), 1, &counter);
  REQUIRE(cache->TotalCharge() == 100);
  REQUIRE(cache->GetStats().evictions == 90 + 90 + 80);
  REQUIRE(Cached(cache.get(), Key("g", 0)));
  REQUIRE_FALSE(Cached(cache.get(), Key("g", 1)));
  REQUIRE_FALSE(Cached(cache.get(), Key("g", 80)));
  REQUIRE(Cached(cache.get(), Key("g", 81)));
  REQUIRE(Cached(cache.get(), Key("g", 179)));
}

TEST_CASE("s3fifo: NewBlockCache shards only caches large enough", "[cache]") {
  // Observable through eviction: a single shard holds exactly its capacity
  // of equal entries, while shards fill unevenly.
  DeleteCounter counter;
  std::unique_ptr<Cache> small(NewBlockCache(2 * kS3FifoMinShardCapacity - 1));
  const size_t charge = kS3FifoMinShardCapacity / 64;
  for (int i = 0; i < 1000; i++) PutCounted(small.get(), Key("k", i), charge, &counter);
  REQUIRE(small->TotalCharge() == small->Capacity() / charge * charge);
}

}  // namespace
}  // namespace shale
