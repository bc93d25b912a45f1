// The Cache contract (cache.h), checked against every cache implementation.

#include "cache/cache.h"

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cache/cache_test_util.h"
#include "test_util.h"
#include "util/mutex.h"

#if !SHALE_SINGLE_THREADED
#include <thread>
#endif

namespace shale {
namespace {

using test::DeleteCounter;
using test::kCacheFactories;

std::string Key(int i) { return "key" + std::to_string(i); }

TEST_CASE("cache: insert, lookup and erase", "[cache]") {
  for (const auto& factory : kCacheFactories) {
    INFO(factory.name);
    DeleteCounter counter;
    {
      std::unique_ptr<Cache> cache(factory.make(1000));
      const std::string binary_key("\0\xff\x01", 3);
      for (const std::string& key : {std::string("a"), std::string(), binary_key}) {
        Cache::Handle* h = test::InsertCounted(cache.get(), key, 1, &counter);
        REQUIRE(test::KeyOf(cache.get(), h) == key);
        cache->Release(h);
      }
      for (const std::string& key : {std::string("a"), std::string(), binary_key}) {
        Cache::Handle* h = cache->Lookup(key);
        REQUIRE(h != nullptr);
        REQUIRE(test::KeyOf(cache.get(), h) == key);
        cache->Release(h);
      }
      REQUIRE(cache->Lookup("b") == nullptr);
      REQUIRE(cache->Lookup(std::string("\0\xff", 2)) == nullptr);

      cache->Erase("a");
      REQUIRE(cache->Lookup("a") == nullptr);
      REQUIRE(counter.deleted() == 1);
      cache->Erase("a");  // absent: no effect
      cache->Erase("never there");
      REQUIRE(counter.deleted() == 1);
      REQUIRE(test::Cached(cache.get(), binary_key));
    }
    REQUIRE(counter.deleted() == 3);
    REQUIRE(counter.wrong_key() == 0);
  }
}

TEST_CASE("cache: charges add up, and replacing or erasing gives them back", "[cache]") {
  for (const auto& factory : kCacheFactories) {
    INFO(factory.name);
    DeleteCounter counter;
    std::unique_ptr<Cache> cache(factory.make(1000));
    REQUIRE(cache->Capacity() == 1000);
    REQUIRE(cache->TotalCharge() == 0);
    test::PutCounted(cache.get(), "a", 10, &counter);
    test::PutCounted(cache.get(), "b", 20, &counter);
    test::PutCounted(cache.get(), "c", 0, &counter);
    REQUIRE(cache->TotalCharge() == 30);
    test::PutCounted(cache.get(), "a", 5, &counter);  // replaces a
    REQUIRE(cache->TotalCharge() == 25);
    cache->Erase("b");
    REQUIRE(cache->TotalCharge() == 5);
    cache->Erase("a");
    REQUIRE(cache->TotalCharge() == 0);
    REQUIRE(test::Cached(cache.get(), "c"));
  }
}

TEST_CASE("cache: usage stays within capacity once entries are released", "[cache]") {
  for (const auto& factory : kCacheFactories) {
    INFO(factory.name);
    DeleteCounter counter;
    {
      std::unique_ptr<Cache> cache(factory.make(5000));
      std::mt19937 rng(7);
      for (int i = 0; i < 3000; i++) {
        test::PutCounted(cache.get(), Key(rng() % 1500), 1 + rng() % 40, &counter);
        REQUIRE(cache->TotalCharge() <= cache->Capacity());
      }
      // Pinned entries may push usage above capacity...
      std::vector<Cache::Handle*> pinned;
      for (int i = 0; i < 200; i++)
        pinned.push_back(test::InsertCounted(cache.get(), "pinned" + std::to_string(i), 50, &counter));
      REQUIRE(cache->TotalCharge() > cache->Capacity());
      // ...until they are released.
      for (Cache::Handle* h : pinned) cache->Release(h);
      REQUIRE(cache->TotalCharge() <= cache->Capacity());
      REQUIRE(cache->TotalCharge() > cache->Capacity() / 2);  // it still caches
    }
    REQUIRE(counter.deleted() == counter.made());
  }
}

TEST_CASE("cache: an entry larger than the capacity lives only while pinned", "[cache]") {
  for (const auto& factory : kCacheFactories) {
    INFO(factory.name);
    DeleteCounter counter;
    std::unique_ptr<Cache> cache(factory.make(100));
    Cache::Handle* h = test::InsertCounted(cache.get(), "huge", 1000, &counter);
    REQUIRE(test::KeyOf(cache.get(), h) == "huge");
    REQUIRE(counter.deleted() == 0);
    cache->Release(h);
    REQUIRE(counter.deleted() == 1);
    REQUIRE(cache->Lookup("huge") == nullptr);
    REQUIRE(cache->TotalCharge() == 0);
  }
}

TEST_CASE("cache: a zero-capacity cache keeps nothing unpinned", "[cache]") {
  for (const auto& factory : kCacheFactories) {
    INFO(factory.name);
    DeleteCounter counter;
    std::unique_ptr<Cache> cache(factory.make(0));
    Cache::Handle* h = test::InsertCounted(cache.get(), "a", 1, &counter);
    Cache::Handle* again = cache->Lookup("a");  // still there while pinned
    REQUIRE(again == h);
    cache->Release(again);
    cache->Release(h);
    REQUIRE(counter.deleted() == 1);
    REQUIRE(cache->Lookup("a") == nullptr);
  }
}

TEST_CASE("cache: pinned entries survive eviction until released", "[cache]") {
  for (const auto& factory : kCacheFactories) {
    INFO(factory.name);
    DeleteCounter pinned_counter;
    DeleteCounter others;
    std::unique_ptr<Cache> cache(factory.make(1000));
    Cache::Handle* pinned = test::InsertCounted(cache.get(), "pinned", 10, &pinned_counter);
    for (int i = 0; i < 2000; i++) test::PutCounted(cache.get(), Key(i), 10, &others);
    REQUIRE(others.deleted() > 1000);  // the cache did evict
    REQUIRE(pinned_counter.deleted() == 0);
    REQUIRE(test::KeyOf(cache.get(), pinned) == "pinned");
    // Once released, it is an ordinary unreferenced entry and soon evicted.
    cache->Release(pinned);
    REQUIRE(pinned_counter.deleted() == 0);
    for (int i = 2000; i < 4000; i++) test::PutCounted(cache.get(), Key(i), 10, &others);
    REQUIRE(pinned_counter.deleted() == 1);
    REQUIRE(cache->Lookup("pinned") == nullptr);
  }
}

TEST_CASE("cache: pinned entries stay findable while others are evicted", "[cache]") {
  for (const auto& factory : kCacheFactories) {
    INFO(factory.name);
    DeleteCounter counter;
    std::unique_ptr<Cache> cache(factory.make(1000));
    Cache::Handle* pinned = test::InsertCounted(cache.get(), "pinned", 10, &counter);
    for (int i = 0; i < 2000; i++) {
      test::PutCounted(cache.get(), Key(i), 10, &counter);
      if (i % 100 != 0) continue;
      Cache::Handle* found = cache->Lookup("pinned");
      REQUIRE(found == pinned);
      cache->Release(found);
    }
    cache->Release(pinned);
  }
}

TEST_CASE("cache: pinned entries survive erase and replacement until released", "[cache]") {
  for (const auto& factory : kCacheFactories) {
    INFO(factory.name);
    DeleteCounter first;
    DeleteCounter second;
    DeleteCounter third;
    {
      std::unique_ptr<Cache> cache(factory.make(1000));
      Cache::Handle* h1 = test::InsertCounted(cache.get(), "k", 10, &first);
      void* v1 = cache->Value(h1);

      Cache::Handle* h2 = test::InsertCounted(cache.get(), "k", 20, &second);  // replaces while pinned
      REQUIRE(cache->TotalCharge() == 20);
      REQUIRE(cache->Value(h1) == v1);
      REQUIRE(first.deleted() == 0);
      Cache::Handle* found = cache->Lookup("k");
      REQUIRE(found == h2);
      cache->Release(found);
      cache->Release(h1);
      REQUIRE(first.deleted() == 1);

      cache->Erase("k");  // erased while pinned
      REQUIRE(cache->Lookup("k") == nullptr);
      REQUIRE(cache->TotalCharge() == 0);
      REQUIRE(second.deleted() == 0);
      REQUIRE(test::KeyOf(cache.get(), h2) == "k");
      // A new entry under the same key does not disturb the erased one.
      test::PutCounted(cache.get(), "k", 30, &third);
      cache->Release(h2);
      REQUIRE(second.deleted() == 1);
      REQUIRE(test::Cached(cache.get(), "k"));
      REQUIRE(third.deleted() == 0);
    }
    REQUIRE(third.deleted() == 1);  // on destruction
    REQUIRE(first.wrong_key() + second.wrong_key() + third.wrong_key() == 0);
  }
}

TEST_CASE("cache: the deleter runs exactly once per entry", "[cache]") {
  for (const auto& factory : kCacheFactories) {
    INFO(factory.name);
    DeleteCounter counter;
    {
      std::unique_ptr<Cache> cache(factory.make(500));
      std::mt19937 rng(11);
      std::vector<Cache::Handle*> held;
      for (int i = 0; i < 4000; i++) {
        const std::string key = Key(rng() % 300);
        switch (rng() % 4) {
          case 0: held.push_back(test::InsertCounted(cache.get(), key, 1 + rng() % 5, &counter)); break;
          case 1: cache->Erase(key); break;
          case 2:
            if (Cache::Handle* h = cache->Lookup(key)) held.push_back(h);
            break;
          default:
            if (!held.empty()) {
              const size_t j = rng() % held.size();
              cache->Release(held[j]);
              held[j] = held.back();
              held.pop_back();
            }
        }
        REQUIRE(counter.deleted() <= counter.made());
      }
      for (Cache::Handle* h : held) cache->Release(h);
      REQUIRE(cache->TotalCharge() <= cache->Capacity());
    }
    REQUIRE(counter.made() > 500);
    REQUIRE(counter.deleted() == counter.made());
    REQUIRE(counter.wrong_key() == 0);
  }
}

TEST_CASE("cache: NewId never repeats", "[cache]") {
  for (const auto& factory : kCacheFactories) {
    INFO(factory.name);
    std::unique_ptr<Cache> cache(factory.make(100));
    std::set<uint64_t> ids;
    for (int i = 0; i < 1000; i++) REQUIRE(ids.insert(cache->NewId()).second);
  }
}

TEST_CASE("cache: stats count hits, misses, inserts and evictions", "[cache]") {
  for (const auto& factory : kCacheFactories) {
    INFO(factory.name);
    DeleteCounter counter;
    std::unique_ptr<Cache> cache(factory.make(1000));
    for (int i = 0; i < 100; i++) test::PutCounted(cache.get(), Key(i), 1, &counter);
    for (int i = 0; i < 150; i++) {
      if (Cache::Handle* h = cache->Lookup(Key(i))) cache->Release(h);
    }
    Cache::Stats s = cache->GetStats();
    REQUIRE(s.inserts == 100);
    REQUIRE(s.hits == 100);
    REQUIRE(s.misses == 50);
    REQUIRE(s.evictions == 0);

    for (int i = 100; i < 3000; i++) test::PutCounted(cache.get(), Key(i), 1, &counter);
    cache->Erase(Key(2999));  // an erase is not an eviction
    s = cache->GetStats();
    REQUIRE(s.inserts == 3000);
    REQUIRE(s.evictions == 3000 - 1 - cache->TotalCharge());
    REQUIRE(static_cast<uint64_t>(counter.deleted()) == s.evictions + 1);
  }
}

#if !SHALE_SINGLE_THREADED
TEST_CASE("cache: concurrent lookups, inserts, erases and releases", "[cache]") {
  for (const auto& factory : kCacheFactories) {
    INFO(factory.name);
    DeleteCounter counter;
    std::atomic<int> wrong_values{0};
    {
      std::unique_ptr<Cache> cache(factory.make(2000));
      auto worker = [&](uint32_t seed) {
        std::mt19937 rng(seed);
        std::vector<Cache::Handle*> held;
        for (int i = 0; i < 6000; i++) {
          const std::string key = Key(rng() % 400);
          const uint32_t op = rng() % 16;
          if (op < 9) {
            if (Cache::Handle* h = cache->Lookup(key)) {
              if (test::KeyOf(cache.get(), h) != key) wrong_values++;
              held.push_back(h);
            }
          } else if (op < 13) {
            held.push_back(test::InsertCounted(cache.get(), key, 1 + rng() % 10, &counter));
          } else if (op < 14) {
            cache->Erase(key);
          } else if (!held.empty()) {
            const size_t j = rng() % held.size();
            if (test::KeyOf(cache.get(), held[j]).compare(0, 3, "key") != 0) wrong_values++;
            cache->Release(held[j]);
            held[j] = held.back();
            held.pop_back();
          }
          // Keep only a few pins per thread, like readers do.
          while (held.size() > 8) {
            cache->Release(held.front());
            held.erase(held.begin());
          }
        }
        for (Cache::Handle* h : held) cache->Release(h);
      };
      std::vector<std::thread> threads;
      for (uint32_t t = 0; t < 4; t++) threads.emplace_back(worker, 100 + t);
      for (auto& t : threads) t.join();
      REQUIRE(cache->TotalCharge() <= cache->Capacity());
      const Cache::Stats s = cache->GetStats();
      REQUIRE(s.inserts == static_cast<uint64_t>(counter.made()));
      REQUIRE(s.hits > 0);
    }
    REQUIRE(wrong_values == 0);
    REQUIRE(counter.deleted() == counter.made());
    REQUIRE(counter.wrong_key() == 0);
  }
}
#endif

}  // namespace
}  // namespace shale
