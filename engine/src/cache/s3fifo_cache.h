// The block cache policy: S3-FIFO (Yang et al., "FIFO queues are all you need
// for cache eviction", SOSP 2023), sharded.
//
// Each shard keeps three FIFO queues:
//   small  (~10% of the shard's capacity) where new entries start on probation;
//   main   (~90%) for entries that proved themselves; each entry has a
//          frequency counter (0..3), bumped by every hit;
//   ghost  hashes (no keys, no values) of entries recently evicted from small,
//          bounded to the main queue's capacity in charge (ghost_queue.h).
// Insert puts a key into small, or straight into main when its hash is in the
// ghost queue (it was evicted before it could prove itself). To make room the
// shard evicts from small while small holds at least its 10%, else from main:
//   - small's oldest entry moves to main if it was hit while in small, or else
//     leaves the cache and its hash joins the ghost queue;
//   - main's oldest entry, if its counter is non-zero, is decremented and
//     reinserted at the front instead of being evicted (a bounded CLOCK).
// Pinned entries (handles outstanding) are never freed: eviction passes over
// them, giving them another round in their queue.
//
// Why S3-FIFO for blocks:
//   - Scan resistance. Most blocks a long scan or a compaction-time read touches
//     are used once. They enter small, are never hit there, and leave through
//     it without touching main, where the hot set lives. An LRU of the same
//     size would lose its whole working set to one scan larger than itself.
//   - Cheap hits. A hit increments a saturating counter and changes no list;
//     LRU must move the entry to the front on every hit. Hits take only the
//     key's shard mutex, never a cache-wide lock.
//   - Quick demotion: one-hit wonders (the common case in a block cache) are
//     dropped after a short stay in small instead of aging through the
//     whole cache.
//
// Known weaknesses:
//   - An entry whose second use comes later than small's turnover (~10% of the
//     capacity in inserted bytes) pays one extra miss: it goes to the ghost
//     queue and only its re-insertion lands it in main.
//   - A 2-bit counter cannot tell very hot from warm, and after a shift in the
//     working set, stale main entries need up to three passes of main to drain.
//   - Recency-heavy workloads (a working set that moves steadily) do slightly
//     worse than under LRU, since main ignores the order of hits.
//   - Per-shard capacity: a shard evicts on its own, so with few entries per
//     shard, or skewed hashing, the cache holds less than its capacity.
//   - Many pinned entries make eviction slower: it walks over them.
//
// Thread safety: every method may be called from any thread (Cache contract).

#ifndef SHALE_CACHE_S3FIFO_CACHE_H_
#define SHALE_CACHE_S3FIFO_CACHE_H_

#include <cstddef>

#include "cache/cache.h"

namespace shale {

// NewBlockCache(capacity) uses as many shards (up to 16) as leave each at
// least this much, so a cache under twice this size has a single shard: tiny
// shards would have a small queue of only a few blocks.
constexpr size_t kS3FifoMinShardCapacity = 512 << 10;

// An S3-FIFO cache of 2^shard_bits shards, for tests and tuning; NewBlockCache
// chooses shard_bits itself. REQUIRES: 0 <= shard_bits <= 4.
Cache* NewS3FifoCache(size_t capacity, int shard_bits);

}  // namespace shale

#endif  // SHALE_CACHE_S3FIFO_CACHE_H_
