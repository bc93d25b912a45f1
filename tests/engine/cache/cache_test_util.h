// Helpers shared by the cache tests: values whose deletion a test can count,
// and the list of cache factories the contract tests run against.

#ifndef SHALE_TESTS_ENGINE_CACHE_CACHE_TEST_UTIL_H_
#define SHALE_TESTS_ENGINE_CACHE_CACHE_TEST_UTIL_H_

#include <atomic>
#include <string>

#include "cache/cache.h"
#include "cache/lru_cache.h"
#include "cache/s3fifo_cache.h"

namespace shale::test {

// Counts the deletions of the values it made; each value remembers its key so
// the deleter can check it is called with the right one.
class DeleteCounter {
 public:
  struct Value {
    std::string key;
    DeleteCounter* counter;
  };

  // A fresh heap value for `key`, freed by Deleter.
  void* Make(const std::string& key) {
    made_.fetch_add(1, std::memory_order_relaxed);
    return new Value{key, this};
  }

  static void Deleter(const Slice& key, void* value) {
    auto* v = static_cast<Value*>(value);
    if (key != Slice(v->key)) v->counter->wrong_key_.fetch_add(1, std::memory_order_relaxed);
    v->counter->deleted_.fetch_add(1, std::memory_order_relaxed);
    delete v;
  }

  int made() const { return made_.load(); }
  int deleted() const { return deleted_.load(); }
  int wrong_key() const { return wrong_key_.load(); }

 private:
  std::atomic<int> made_{0};
  std::atomic<int> deleted_{0};
  std::atomic<int> wrong_key_{0};
};

inline Cache::Handle* InsertCounted(Cache* cache, const std::string& key, size_t charge, DeleteCounter* counter) {
  return cache->Insert(key, counter->Make(key), charge, &DeleteCounter::Deleter);
}

// Inserts and releases at once, as a reader filling the cache after a miss.
inline void PutCounted(Cache* cache, const std::string& key, size_t charge, DeleteCounter* counter) {
  cache->Release(InsertCounted(cache, key, charge, counter));
}

// The key a value was made for.
inline std::string KeyOf(Cache* cache, Cache::Handle* h) {
  return static_cast<DeleteCounter::Value*>(cache->Value(h))->key;
}

// Whether `key` is cached. It is a Lookup: it counts in the stats and, for
// S3-FIFO, as a reference.
inline bool Cached(Cache* cache, const std::string& key) {
  Cache::Handle* h = cache->Lookup(key);
  if (h == nullptr) return false;
  cache->Release(h);
  return true;
}

struct CacheFactory {
  const char* name;
  Cache* (*make)(size_t capacity);
};

// Every cache the Cache contract must hold for, sharded and not.
inline const CacheFactory kCacheFactories[] = {
    {"s3fifo", [](size_t c) { return NewS3FifoCache(c, 0); }},
    {"s3fifo/16 shards", [](size_t c) { return NewS3FifoCache(c, 4); }},
    {"block cache", [](size_t c) { return NewBlockCache(c); }},
    {"lru", [](size_t c) { return NewLruCache(c, 0); }},
    {"lru/16 shards", [](size_t c) { return NewLruCache(c, 4); }},
};

}  // namespace shale::test

#endif  // SHALE_TESTS_ENGINE_CACHE_CACHE_TEST_UTIL_H_
