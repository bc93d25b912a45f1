#include "cache/lru_cache.h"

#include <cassert>

#include "cache/handle_list.h"
#include "cache/handle_table.h"
#include "cache/sharded_cache.h"
#include "util/mutex.h"

namespace shale {

namespace {

using Handle = Cache::Handle;

// One shard of the LRU cache.
//
// Invariants, under mu_:
//   1. An entry in table_ is on lru_ exactly when it is unpinned.
//   2. usage_ is the sum of the charges of the entries in table_.
class LruShard {
 public:
  LruShard(size_t capacity, std::atomic<uint64_t>* evictions) : capacity_(capacity), evictions_(evictions) {}

  ~LruShard() {
    Handle* garbage = nullptr;
    table_.ForEach([&](Handle* e) {
      assert(e->pins == 0);  // REQUIRES of ~Cache: no outstanding handles
      AddToFreeChain(e, &garbage);
    });
    FreeHandles(garbage);
  }

  Handle* Insert(const Slice& key, uint64_t hash, void* value, size_t charge, Cache::Deleter deleter) {
    Handle* e = NewHandle(key, hash, value, charge, deleter);
    Handle* garbage = nullptr;
    {
      MutexLock l(&mu_);
      e->in_cache = true;
      usage_ += charge;
      if (Handle* old = table_.Insert(e)) Retire(old, &garbage);
      EvictToCapacity(&garbage);
    }
    FreeHandles(garbage);
    return e;
  }

  Handle* Lookup(const Slice& key, uint64_t hash) {
    MutexLock l(&mu_);
    Handle* e = table_.Lookup(key, hash);
    if (e != nullptr && e->pins++ == 0) lru_.Remove(e);
    return e;
  }

  void Release(Handle* e) {
    Handle* garbage = nullptr;
    {
      MutexLock l(&mu_);
      assert(e->pins > 0);
      if (--e->pins == 0) {
        if (!e->in_cache) {
          AddToFreeChain(e, &garbage);
        } else {
          lru_.PushFront(e);
          EvictToCapacity(&garbage);  // it may have been kept only by its pin
        }
      }
    }
    FreeHandles(garbage);
  }

  void Erase(const Slice& key, uint64_t hash) {
    Handle* garbage = nullptr;
    {
      MutexLock l(&mu_);
      if (Handle* e = table_.Remove(key, hash)) Retire(e, &garbage);
    }
    FreeHandles(garbage);
  }

  size_t TotalCharge() const {
    MutexLock l(&mu_);
    return usage_;
  }

 private:
  // Takes `e`, already out of table_, out of the cache; it is freed now if
  // unpinned, else by its last Release.
  void Retire(Handle* e, Handle** garbage) {
    e->in_cache = false;
    usage_ -= e->charge;
    if (e->pins == 0) {
      lru_.Remove(e);
      AddToFreeChain(e, garbage);
    }
  }

  void EvictToCapacity(Handle** garbage) {
    while (usage_ > capacity_ && !lru_.empty()) {
      Handle* e = lru_.Back();
      table_.Remove(e->key(), e->hash);
      Retire(e, garbage);
      evictions_->fetch_add(1, std::memory_order_relaxed);
    }
  }

  const size_t capacity_;
  mutable Mutex mu_;
  HandleTable table_;
  HandleList lru_;  // unpinned entries, most recently used at the front
  size_t usage_ = 0;
  std::atomic<uint64_t>* const evictions_;
};

}  // namespace

Cache* NewLruCache(size_t capacity, int shard_bits) { return new ShardedCache<LruShard>(capacity, shard_bits); }

Cache* NewLruCache(size_t capacity) { return NewLruCache(capacity, ChooseShardBits(capacity, kLruMinShardCapacity)); }

}  // namespace shale
