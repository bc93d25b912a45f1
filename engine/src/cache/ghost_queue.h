// GhostQueue: the S3-FIFO ghost queue, a FIFO of the key hashes of entries
// recently evicted from the small queue, with their charges but no keys or
// values. A key whose hash is still here when it is inserted again was evicted
// too early, so the cache admits it straight into the main queue.
//
// Bounded by charge: it remembers entries whose charges sum to at most
// `capacity` (each counted as at least 1, so entries with zero charge cannot
// make it grow without bound), forgetting the oldest first. Hashes are full
// 64-bit Hash64 values; a collision merely admits one entry into main.
//
// Thread safety: none; the owning shard's mutex guards it.

#ifndef SHALE_CACHE_GHOST_QUEUE_H_
#define SHALE_CACHE_GHOST_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>

namespace shale {

class GhostQueue {
 public:
  explicit GhostQueue(size_t capacity) : capacity_(capacity) {}
  GhostQueue(const GhostQueue&) = delete;
  GhostQueue& operator=(const GhostQueue&) = delete;

  // Remembers `hash`, then forgets the oldest hashes until within capacity
  // (which may forget `hash` itself if its charge exceeds the capacity).
  void Add(uint64_t hash, size_t charge);

  bool Contains(uint64_t hash) const { return counts_.find(hash) != counts_.end(); }

  size_t size() const { return fifo_.size(); }
  size_t charge() const { return charge_; }

 private:
  struct Ghost {
    uint64_t hash;
    size_t charge;
  };

  const size_t capacity_;
  size_t charge_ = 0;
  std::deque<Ghost> fifo_;  // oldest at the front
  // Invariant: counts_[h] is the number of entries of fifo_ with hash h (> 0).
  std::unordered_map<uint64_t, uint32_t> counts_;
};

}  // namespace shale

#endif  // SHALE_CACHE_GHOST_QUEUE_H_
