#include "table/verified_block_set.h"

namespace shale {
namespace {

constexpr int kSizeBits = 29;  // kMaxBlockSize (256 MiB) fits
static_assert(kMaxBlockSize < (uint64_t{1} << kSizeBits));
// At most this many slots (16 MiB of memory): a table that needs more is
// verified again on later accesses once the set fills.
constexpr uint64_t kMaxSlots = uint64_t{1} << 21;

}  // namespace

VerifiedBlockSet::VerifiedBlockSet(uint64_t max_blocks) {
  size_t capacity = 16;
  while (capacity < kMaxSlots && capacity < 2 * max_blocks) capacity *= 2;
  mask_ = capacity - 1;
  slots_.reset(new std::atomic<uint64_t>[capacity]);
  for (size_t i = 0; i < capacity; i++) slots_[i].store(0, std::memory_order_relaxed);
}

bool VerifiedBlockSet::Pack(const BlockHandle& handle, uint64_t* packed) {
  if (handle.size >= (uint64_t{1} << kSizeBits) || handle.offset >= (uint64_t{1} << (64 - kSizeBits)) - 1) {
    return false;
  }
  *packed = (handle.offset + 1) << kSizeBits | handle.size;
  return true;
}

size_t VerifiedBlockSet::Home(uint64_t packed) const {
  return static_cast<size_t>((packed * 0x9e3779b97f4a7c15ull) >> 32) & mask_;
}

bool VerifiedBlockSet::Contains(const BlockHandle& handle) const {
  uint64_t packed;
  if (!Pack(handle, &packed)) return false;
  for (size_t i = Home(packed), probes = 0; probes <= mask_; i = (i + 1) & mask_, probes++) {
    const uint64_t slot = slots_[i].load(std::memory_order_acquire);
    if (slot == packed) return true;
    if (slot == 0) return false;
  }
  return false;
}

void VerifiedBlockSet::Insert(const BlockHandle& handle) {
  uint64_t packed;
  if (!Pack(handle, &packed)) return;
  for (size_t i = Home(packed), probes = 0; probes <= mask_; i = (i + 1) & mask_, probes++) {
    uint64_t slot = slots_[i].load(std::memory_order_acquire);
    if (slot == 0 && slots_[i].compare_exchange_strong(slot, packed, std::memory_order_acq_rel)) return;
    if (slot == packed) return;  // already there, or another thread just put it there
  }
}

}  // namespace shale
