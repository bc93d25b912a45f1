// Arena: a bump allocator for memtable entries and skiplist nodes.
//
// Memory is carved from blocks of kBlockSize bytes; a request larger than a
// quarter block gets a block of its own so that the tail of the current block
// is not wasted. Nothing is freed before the Arena is destroyed, and then all
// of it at once: pointers handed out stay valid for the Arena's lifetime.
//
// Thread safety: Allocate() and AllocateAligned() need external
// synchronization (one allocating thread at a time). MemoryUsage() may be
// called from any thread at any time; it reads an atomic.

#ifndef SHALE_UTIL_ARENA_H_
#define SHALE_UTIL_ARENA_H_

#include <atomic>
#include <cstddef>
#include <vector>

namespace shale {

class Arena {
 public:
  static constexpr size_t kBlockSize = 4096;
  // Alignment of AllocateAligned(): enough for pointers, atomics and uint64_t.
  static constexpr size_t kAlignment = alignof(std::max_align_t) < 8 ? 8 : alignof(std::max_align_t);

  Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();

  // Returns `bytes` bytes with no alignment promise.
  // REQUIRES: bytes > 0
  char* Allocate(size_t bytes);

  // Returns `bytes` bytes aligned to kAlignment.
  // REQUIRES: bytes > 0
  char* AllocateAligned(size_t bytes);

  // Bytes obtained from the system allocator so far, including block
  // bookkeeping: an upper bound on what the handed-out pointers occupy.
  size_t MemoryUsage() const { return memory_usage_.load(std::memory_order_relaxed); }

 private:
  // Called when the current block cannot hold `bytes` more bytes.
  char* AllocateFallback(size_t bytes);
  char* NewBlock(size_t block_bytes);

  // The unused tail of the current block.
  char* alloc_ptr_ = nullptr;
  size_t alloc_bytes_remaining_ = 0;

  std::vector<char*> blocks_;
  // Written only by the allocating thread; relaxed is enough because readers
  // want an estimate, not a happens-before edge.
  std::atomic<size_t> memory_usage_{0};
};

inline char* Arena::Allocate(size_t bytes) {
  if (bytes <= alloc_bytes_remaining_) {
    char* result = alloc_ptr_;
    alloc_ptr_ += bytes;
    alloc_bytes_remaining_ -= bytes;
    return result;
  }
  return AllocateFallback(bytes);
}

}  // namespace shale

#endif  // SHALE_UTIL_ARENA_H_
