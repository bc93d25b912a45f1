#include "cache/s3fifo_cache.h"

#include <cassert>

#include "cache/ghost_queue.h"
#include "cache/handle_list.h"
#include "cache/handle_table.h"
#include "cache/sharded_cache.h"
#include "util/mutex.h"

namespace shale {

namespace {

using Handle = Cache::Handle;

constexpr size_t kSmallQueueDivisor = 10;  // small gets 1/10 of the capacity
constexpr uint8_t kMaxFreq = 3;
enum Queue : uint8_t { kSmall = 0, kMain = 1 };

// One shard of the S3-FIFO cache (see s3fifo_cache.h for the policy).
//
// Invariants, under mu_:
//   1. Every entry in table_ is in exactly one of small_ and main_, and
//      Handle::queue says which; no other entry is in either.
//   2. The charge in the cache is small_.charge() + main_.charge().
class S3FifoShard {
 public:
  S3FifoShard(size_t capacity, std::atomic<uint64_t>* evictions)
      : capacity_(capacity),
        small_target_(capacity / kSmallQueueDivisor),
        ghost_(capacity - small_target_),
        evictions_(evictions) {}

  ~S3FifoShard() {
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
      Queue q = ghost_.Contains(hash) ? kMain : kSmall;
      if (Handle* old = table_.Insert(e)) {
        // A replaced key keeps its place in line: re-reading a block must not
        // demote it to probation.
        q = static_cast<Queue>(old->queue);
        Retire(old, &garbage);
      }
      e->queue = q;
      QueueOf(q).PushFront(e);
      EvictToCapacity(&garbage);
    }
    FreeHandles(garbage);
    return e;
  }

  Handle* Lookup(const Slice& key, uint64_t hash) {
    MutexLock l(&mu_);
    Handle* e = table_.Lookup(key, hash);
    if (e != nullptr) {
      if (e->freq < kMaxFreq) e->freq++;
      e->pins++;
    }
    return e;
  }

  void Release(Handle* e) {
    Handle* garbage = nullptr;
    {
      MutexLock l(&mu_);
      assert(e->pins > 0);
      if (--e->pins == 0) {
        if (!e->in_cache) AddToFreeChain(e, &garbage);
        else EvictToCapacity(&garbage);  // it may have been kept only by its pin
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
    return Usage();
  }

 private:
  size_t Usage() const { return small_.charge() + main_.charge(); }
  HandleList& QueueOf(uint8_t q) { return q == kMain ? main_ : small_; }

  // Takes `e`, already out of table_, out of its queue and the cache; it is
  // freed now if unpinned, else by its last Release.
  void Retire(Handle* e, Handle** garbage) {
    QueueOf(e->queue).Remove(e);
    e->in_cache = false;
    if (e->pins == 0) AddToFreeChain(e, garbage);
  }

  void Evict(Handle* e, Handle** garbage) {
    assert(e->pins == 0);
    table_.Remove(e->key(), e->hash);
    Retire(e, garbage);
    evictions_->fetch_add(1, std::memory_order_relaxed);
  }

  // Evicts until the usage fits the capacity or only pinned entries are left.
  // Terminates: every round frees an entry or moves one from small to main
  // (never back), and each pass below is bounded.
  void EvictToCapacity(Handle** garbage) {
    while (Usage() > capacity_) {
      const bool small_first = !small_.empty() && (small_.charge() >= small_target_ || main_.empty());
      const bool progress = small_first ? EvictFromSmall(garbage) || EvictFromMain(garbage)
                                        : EvictFromMain(garbage) || EvictFromSmall(garbage);
      if (!progress) break;
    }
  }

  // Moves on the oldest entry of small that was hit or is unpinned: to main
  // if it was hit (keeping its counter, as evidence for main's passes), else
  // out of the cache into the ghost queue. Pinned entries never hit go back to
  // the front. Returns false when a full pass over small found nothing to move.
  bool EvictFromSmall(Handle** garbage) {
    for (size_t n = small_.count(); n > 0; n--) {
      Handle* e = small_.Back();
      if (e->freq > 0) {
        small_.Remove(e);
        e->queue = kMain;
        main_.PushFront(e);
        return true;
      }
      if (e->pins > 0) {
        small_.MoveToFront(e);
        continue;
      }
      ghost_.Add(e->hash, e->charge);
      Evict(e, garbage);
      return true;
    }
    return false;
  }

  // Frees main's oldest unpinned entry with a zero counter, decrementing the
  // counters of those it passes. Returns false when main holds no unpinned
  // entry: after kMaxFreq + 1 rounds every counter is zero.
  bool EvictFromMain(Handle** garbage) {
    for (size_t n = (kMaxFreq + 1) * main_.count(); n > 0; n--) {
      Handle* e = main_.Back();
      if (e->freq > 0 || e->pins > 0) {
        if (e->freq > 0) e->freq--;
        main_.MoveToFront(e);
        continue;
      }
      Evict(e, garbage);
      return true;
    }
    return false;
  }

  const size_t capacity_;
  const size_t small_target_;
  mutable Mutex mu_;
  HandleTable table_;
  HandleList small_;
  HandleList main_;
  GhostQueue ghost_;
  std::atomic<uint64_t>* const evictions_;
};

}  // namespace

Cache* NewS3FifoCache(size_t capacity, int shard_bits) { return new ShardedCache<S3FifoShard>(capacity, shard_bits); }

Cache* NewBlockCache(size_t capacity_bytes) {
  return NewS3FifoCache(capacity_bytes, ChooseShardBits(capacity_bytes, kS3FifoMinShardCapacity));
}

}  // namespace shale
