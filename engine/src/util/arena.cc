#include "util/arena.h"

#include <cassert>
#include <cstdint>
#include <new>

namespace shale {

static_assert((Arena::kAlignment & (Arena::kAlignment - 1)) == 0, "alignment must be a power of two");

Arena::Arena() = default;

Arena::~Arena() {
  for (char* block : blocks_) ::operator delete[](block, std::align_val_t(kAlignment));
}

char* Arena::AllocateAligned(size_t bytes) {
  assert(bytes > 0);
  const size_t misalignment = reinterpret_cast<uintptr_t>(alloc_ptr_) & (kAlignment - 1);
  const size_t padding = misalignment == 0 ? 0 : kAlignment - misalignment;
  if (padding + bytes <= alloc_bytes_remaining_) {
    char* result = alloc_ptr_ + padding;
    alloc_ptr_ += padding + bytes;
    alloc_bytes_remaining_ -= padding + bytes;
    return result;
  }
  // Every block starts aligned (NewBlock), so the fallback's result is too.
  char* result = AllocateFallback(bytes);
  assert((reinterpret_cast<uintptr_t>(result) & (kAlignment - 1)) == 0);
  return result;
}

char* Arena::AllocateFallback(size_t bytes) {
  assert(bytes > 0);
  if (bytes > kBlockSize / 4) {
    // A block of its own; the current block keeps serving small requests.
    return NewBlock(bytes);
  }
  // The rest of the current block (under a quarter block) is abandoned.
  alloc_ptr_ = NewBlock(kBlockSize);
  alloc_bytes_remaining_ = kBlockSize;
  char* result = alloc_ptr_;
  alloc_ptr_ += bytes;
  alloc_bytes_remaining_ -= bytes;
  return result;
}

char* Arena::NewBlock(size_t block_bytes) {
  // Aligned operator new: some wasm mallocs only promise 8 bytes.
  char* block = static_cast<char*>(::operator new[](block_bytes, std::align_val_t(kAlignment)));
  blocks_.push_back(block);
  memory_usage_.store(MemoryUsage() + block_bytes + sizeof(char*), std::memory_order_relaxed);
  return block;
}

}  // namespace shale
