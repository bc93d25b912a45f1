// VerifiedBlockSet: the blocks of one mapped table whose checksum has
// passed and whose restart array parsed well formed, so that a block read in
// place from a file mapping is hashed and its restarts walked on its first
// access only (a cached block is likewise verified once, when it is read). The engine never writes a table file it has mapped
// (File::MapReadOnly), so a verified (offset, size) stays verified.
//
// The one hole, accepted for native builds only: if the kernel evicts a
// mapped page and re-reads it from a device that returns different bytes,
// that page is not hashed again. A block cache has the mirror-image exposure
// (RAM, not disk); `verify()` (issue "Reliability") re-hashes everything.
//
// A fixed-size, insert-only, lock-free open-addressing set of block handles.
// When it is full, or for a handle too large to pack, Contains() answers
// false and the caller verifies again: never a wrong "yes".
//
// Thread safety: Contains() and Insert() may run concurrently.

#ifndef SHALE_TABLE_VERIFIED_BLOCK_SET_H_
#define SHALE_TABLE_VERIFIED_BLOCK_SET_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "table/format.h"

namespace shale {

class VerifiedBlockSet {
 public:
  // Room for `max_blocks` handles at most half full.
  explicit VerifiedBlockSet(uint64_t max_blocks);

  VerifiedBlockSet(const VerifiedBlockSet&) = delete;
  VerifiedBlockSet& operator=(const VerifiedBlockSet&) = delete;

  bool Contains(const BlockHandle& handle) const;
  void Insert(const BlockHandle& handle);

 private:
  // A slot holds (offset + 1) << kSizeBits | size; 0 is empty. False when
  // the handle does not fit (files over 32 GiB).
  static bool Pack(const BlockHandle& handle, uint64_t* packed);
  size_t Home(uint64_t packed) const;

  size_t mask_ = 0;  // capacity - 1; capacity is a power of two
  std::unique_ptr<std::atomic<uint64_t>[]> slots_;
};

}  // namespace shale

#endif  // SHALE_TABLE_VERIFIED_BLOCK_SET_H_
