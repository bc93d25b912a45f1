// Cache::Handle: one cache entry, the same struct for every cache policy, so
// the hash table (handle_table.h) and the queues (handle_list.h) serve them all.
//
// An entry is allocated once, with its key copied in after the struct, and
// freed once: by FreeHandles(), which runs the deleter. The policy decides when.
//
// Invariants (every field is guarded by the mutex of the entry's shard; the
// immutable ones — key, hash, value, charge, deleter — are readable without it):
//   1. `pins` counts the handles given out by Insert()/Lookup() and not yet
//      released.
//   2. `in_cache` is true while the entry is in its shard's table, and then it
//      is also in exactly one of the policy's queues (LRU: only when unpinned).
//   3. The entry is freed exactly when `pins == 0 && !in_cache` first holds.
//
// Thread safety: none of its own; see the invariants.

#ifndef SHALE_CACHE_HANDLE_H_
#define SHALE_CACHE_HANDLE_H_

#include <cstddef>
#include <cstdint>

#include "cache/cache.h"
#include "shale/slice.h"

namespace shale {

struct Cache::Handle {
  void* value;
  Cache::Deleter deleter;
  // The chain of a HandleTable bucket; once out of the table, the chain of
  // entries waiting to be freed (see FreeHandles).
  Handle* next_hash;
  Handle* prev;  // position in a HandleList
  Handle* next;
  size_t charge;
  uint64_t hash;  // Hash64 of the key
  uint32_t pins;
  bool in_cache;
  uint8_t queue;  // policy-specific: which queue holds the entry
  uint8_t freq;   // policy-specific: recent references
  size_t key_size;
  char key_data[1];  // key_size bytes, allocated past the end of the struct

  Slice key() const { return Slice(key_data, key_size); }
};

// A new entry, pinned once (pins == 1), not yet in any table or queue.
Cache::Handle* NewHandle(const Slice& key, uint64_t hash, void* value, size_t charge, Cache::Deleter deleter);

// Runs the deleter of, then frees, every entry on the chain linked through
// `next_hash`. Callers collect entries under their mutex and call this after
// releasing it, so a deleter may use the cache again without deadlocking.
void FreeHandles(Cache::Handle* chain);

// Pushes `e` onto a chain for FreeHandles.
inline void AddToFreeChain(Cache::Handle* e, Cache::Handle** chain) {
  e->next_hash = *chain;
  *chain = e;
}

}  // namespace shale

#endif  // SHALE_CACHE_HANDLE_H_
