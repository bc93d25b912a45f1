// HandleTable: the hash table from key to cache entry inside one cache shard.
//
// Chained through Handle::next_hash, so it allocates only its bucket array,
// which doubles when the table holds more entries than buckets (chains stay
// short on average). Lookups compare the stored 64-bit hash before the key.
//
// Thread safety: none; the owning shard's mutex guards it.

#ifndef SHALE_CACHE_HANDLE_TABLE_H_
#define SHALE_CACHE_HANDLE_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "cache/handle.h"

namespace shale {

class HandleTable {
 public:
  using Handle = Cache::Handle;

  HandleTable();
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  size_t size() const { return size_; }

  // nullptr when absent. REQUIRES: hash == Hash64(key).
  Handle* Lookup(const Slice& key, uint64_t hash) const;

  // Adds `e`, replacing the entry with the same key, which it returns
  // (unlinked) so the caller can retire it; nullptr when there was none.
  Handle* Insert(Handle* e);

  // Unlinks and returns the entry for `key`; nullptr when absent.
  Handle* Remove(const Slice& key, uint64_t hash);

  // Calls fn(Handle*) on every entry. fn may reuse the entry's next_hash
  // (AddToFreeChain, when the table is being destroyed) but must not
  // otherwise change the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t i = 0; i < num_buckets_; i++) {
      Handle* e = buckets_[i];
      while (e != nullptr) {
        Handle* next = e->next_hash;
        fn(e);
        e = next;
      }
    }
  }

 private:
  // The link that points at the entry for `key`, or the null link at the
  // end of its bucket's chain.
  Handle** FindLink(const Slice& key, uint64_t hash) const;
  void Grow();

  size_t num_buckets_;  // a power of two
  size_t size_ = 0;
  std::unique_ptr<Handle*[]> buckets_;
};

}  // namespace shale

#endif  // SHALE_CACHE_HANDLE_TABLE_H_
