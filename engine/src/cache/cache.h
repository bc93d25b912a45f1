// Cache: a thread-safe, byte-bounded map from keys to pinned values.
//
// Used twice: the block cache (uncompressed, verified blocks shared by all
// tables) and the table cache (open table readers, bounded because the
// browser limits how many file handles a page may hold).
//
// Contract:
//   1. Insert() and Lookup() return a Handle that pins the entry: it is not
//      freed while pinned, even if erased or evicted; Release() unpins it.
//   2. An entry's `charge` counts against the capacity; unpinned entries are
//      evicted to stay within it. Pinned entries may push usage above it.
//   3. The deleter runs exactly once per inserted entry, when it is neither
//      in the cache nor pinned.
//   4. All methods may be called from any thread.

#ifndef SHALE_CACHE_CACHE_H_
#define SHALE_CACHE_CACHE_H_

#include <cstddef>
#include <cstdint>

#include "shale/slice.h"

namespace shale {

class Cache {
 public:
  struct Handle;  // opaque
  using Deleter = void (*)(const Slice& key, void* value);

  Cache() = default;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;
  virtual ~Cache() = default;

  // Replaces any entry with the same key. The returned handle must be released.
  virtual Handle* Insert(const Slice& key, void* value, size_t charge, Deleter deleter) = 0;
  // nullptr when absent.
  virtual Handle* Lookup(const Slice& key) = 0;
  virtual void Release(Handle* handle) = 0;
  virtual void* Value(Handle* handle) = 0;
  virtual void Erase(const Slice& key) = 0;

  // A fresh id for key prefixes, so tables sharing a cache never collide.
  virtual uint64_t NewId() = 0;

  virtual size_t Capacity() const = 0;
  virtual size_t TotalCharge() const = 0;

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t inserts = 0;
    uint64_t evictions = 0;
  };
  virtual Stats GetStats() const = 0;
};

// The block cache: S3-FIFO (a small probationary FIFO, a main FIFO whose
// entries carry a 0..3 use counter that spares them while non-zero, and a
// ghost queue of recently evicted keys), which keeps one long scan from
// flushing the hot set.
Cache* NewBlockCache(size_t capacity_bytes);

// Plain LRU, for small caches of expensive objects (open tables).
Cache* NewLruCache(size_t capacity);

}  // namespace shale

#endif  // SHALE_CACHE_CACHE_H_
