// ShardedCache<Shard>: the Cache interface over 2^k independent shards, each
// with its own mutex, table and eviction queues. A key's shard is picked by the
// top bits of its Hash64 (the tables use the low bits), so operations on
// different shards never contend and no operation takes a cache-wide lock.
// Both cache policies (s3fifo_cache.cc, lru_cache.cc) are a Shard type plugged
// into this template; it owns what they share: hashing, shard selection,
// per-shard capacity, stats and ids.
//
// Capacity is split evenly (the shard capacities sum to exactly the total), and
// each shard evicts on its own, so the cache as a whole never holds more than
// its capacity in unpinned entries, but a shard may evict while another still
// has room: with few entries per shard the effective capacity is lower. Hence
// small caches get fewer shards (ChooseShardBits).
//
// A Shard provides (all thread-safe, `hash` is Hash64(key)):
//   Shard(size_t capacity, std::atomic<uint64_t>* evictions);
//   Handle* Insert(const Slice& key, uint64_t hash, void* value, size_t charge, Deleter deleter);
//   Handle* Lookup(const Slice& key, uint64_t hash);   // nullptr when absent
//   void Release(Handle* handle);
//   void Erase(const Slice& key, uint64_t hash);
//   size_t TotalCharge() const;
// and its destructor frees every entry. REQUIRES: no handle is outstanding
// when the cache is destroyed.
//
// Thread safety: as Cache: every method may be called from any thread.

#ifndef SHALE_CACHE_SHARDED_CACHE_H_
#define SHALE_CACHE_SHARDED_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "cache/cache.h"
#include "cache/handle.h"
#include "util/hash.h"

namespace shale {

constexpr int kMaxCacheShardBits = 4;  // 16 shards

// The most shard bits (up to kMaxCacheShardBits) that leave every shard at
// least `min_shard_capacity`.
inline int ChooseShardBits(size_t capacity, size_t min_shard_capacity) {
  int bits = 0;
  while (bits < kMaxCacheShardBits && (capacity >> (bits + 1)) >= min_shard_capacity) bits++;
  return bits;
}

template <typename Shard>
class ShardedCache final : public Cache {
 public:
  // REQUIRES: 0 <= shard_bits <= kMaxCacheShardBits
  ShardedCache(size_t capacity, int shard_bits) : capacity_(capacity), shard_bits_(shard_bits) {
    const size_t n = size_t{1} << shard_bits;
    slots_.reserve(n);
    for (size_t i = 0; i < n; i++) {
      const size_t shard_capacity = capacity / n + (i < capacity % n ? 1 : 0);
      slots_.push_back(std::make_unique<Slot>(shard_capacity));
    }
  }

  Handle* Insert(const Slice& key, void* value, size_t charge, Deleter deleter) override {
    const uint64_t hash = Hash64(key);
    Slot& slot = SlotFor(hash);
    slot.inserts.fetch_add(1, std::memory_order_relaxed);
    return slot.shard.Insert(key, hash, value, charge, deleter);
  }

  Handle* Lookup(const Slice& key) override {
    const uint64_t hash = Hash64(key);
    Slot& slot = SlotFor(hash);
    Handle* h = slot.shard.Lookup(key, hash);
    (h != nullptr ? slot.hits : slot.misses).fetch_add(1, std::memory_order_relaxed);
    return h;
  }

  void Release(Handle* handle) override { SlotFor(handle->hash).shard.Release(handle); }

  void* Value(Handle* handle) override { return handle->value; }

  void Erase(const Slice& key) override {
    const uint64_t hash = Hash64(key);
    SlotFor(hash).shard.Erase(key, hash);
  }

  uint64_t NewId() override { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  size_t Capacity() const override { return capacity_; }

  size_t TotalCharge() const override {
    size_t total = 0;
    for (const auto& slot : slots_) total += slot->shard.TotalCharge();
    return total;
  }

  Stats GetStats() const override {
    Stats s;
    for (const auto& slot : slots_) {
      s.hits += slot->hits.load(std::memory_order_relaxed);
      s.misses += slot->misses.load(std::memory_order_relaxed);
      s.inserts += slot->inserts.load(std::memory_order_relaxed);
      s.evictions += slot->evictions.load(std::memory_order_relaxed);
    }
    return s;
  }

 private:
  // One shard and its counters, on cache lines of their own so that threads
  // working on different shards do not bounce a shared line.
  struct alignas(64) Slot {
    explicit Slot(size_t capacity) : shard(capacity, &evictions) {}
    std::atomic<uint64_t> hits{0};
    std::atomic<uint64_t> misses{0};
    std::atomic<uint64_t> inserts{0};
    std::atomic<uint64_t> evictions{0};
    Shard shard;
  };

  Slot& SlotFor(uint64_t hash) { return *slots_[shard_bits_ == 0 ? 0 : hash >> (64 - shard_bits_)]; }

  const size_t capacity_;
  const int shard_bits_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace shale

#endif  // SHALE_CACHE_SHARDED_CACHE_H_
