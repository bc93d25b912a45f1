// The table cache policy: classic LRU, sharded (sharded_cache.h).
//
// Each shard keeps its unpinned entries on one list in order of last use and
// evicts from the least recently used end. Pinned entries (handles
// outstanding) are off the list, so they are never evicted and eviction is
// O(1); releasing the last pin puts an entry at the most recently used end.
//
// Meant for small caches of expensive objects, like open table readers, where
// every entry is in active use and recency is the best guide. It is not scan
// resistant: one pass over more entries than it holds flushes it (use the
// S3-FIFO block cache for blocks).
//
// Thread safety: every method may be called from any thread (Cache contract).

#ifndef SHALE_CACHE_LRU_CACHE_H_
#define SHALE_CACHE_LRU_CACHE_H_

#include <cstddef>

#include "cache/cache.h"

namespace shale {

// NewLruCache(capacity) uses as many shards (up to 16) as leave each at least
// this much capacity: with charge 1 per open table, 64 tables a shard.
constexpr size_t kLruMinShardCapacity = 64;

// An LRU cache of 2^shard_bits shards, for tests and tuning; NewLruCache
// chooses shard_bits itself. REQUIRES: 0 <= shard_bits <= 4.
Cache* NewLruCache(size_t capacity, int shard_bits);

}  // namespace shale

#endif  // SHALE_CACHE_LRU_CACHE_H_
