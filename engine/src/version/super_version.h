// SuperVersion: everything a read consults, pinned together by one
// reference: the mutable memtable, the frozen memtables (newest first) and
// the current Version. The DB builds a new one under its mutex whenever any
// of the three changes and publishes it in its SuperVersionSlot; a read takes
// one reference with one atomic operation, then runs without the mutex.
//
// SuperVersionSlot counts references in two places (split reference counts,
// as in lock-free stacks). While a SuperVersion is published, the slot's
// packed word holds its pointer and an "external" count of the references
// taken through the word; the SuperVersion's own refs_ holds the slot's
// reference plus those taken or released outside the word. Replacing it moves
// the external count into refs_, so whichever release brings refs_ to zero,
// the installer's or the last reader's, deletes it.
//
// Invariants (E = the word's count while sv is published, R = sv->refs_):
//   1. Readers hold E + R - 1 references while sv is published, R after.
//   2. A reader releases through R only when E is 0 or sv is no longer
//      published, so R >= 1 while sv is published: a published SuperVersion
//      is never deleted, which makes the Acquire compare-and-swap safe.
//      While Publish() moves E into R, R carries a bias larger than any
//      reference count, so releases racing the move cannot reach zero.
//   3. A SuperVersion is published at most once.
//
// Thread safety: Acquire() and Release() may run concurrently with each
// other and with Publish(), which REQUIRES the DB mutex given to the slot.
// Deleting a SuperVersion takes that mutex (Version::Unref needs it), so
// Acquire() and Release() REQUIRE that the caller does not hold it.

#ifndef SHALE_VERSION_SUPER_VERSION_H_
#define SHALE_VERSION_SUPER_VERSION_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "memtable/memtable.h"
#include "util/mutex.h"
#include "version/version.h"

namespace shale {

class SuperVersion {
 public:
  // Takes a reference on every memtable and on the version.
  // REQUIRES: the mutex of the VersionSet that owns `version`.
  SuperVersion(MemTable* mem, std::vector<MemTable*> imm, Version* version);
  SuperVersion(const SuperVersion&) = delete;
  SuperVersion& operator=(const SuperVersion&) = delete;

  MemTable* mem() const { return mem_; }
  const std::vector<MemTable*>& imm() const { return imm_; }  // newest first
  Version* version() const { return version_; }

 private:
  friend class SuperVersionSlot;
  // Drops the references. REQUIRES: the VersionSet's mutex.
  ~SuperVersion();

  MemTable* const mem_;
  const std::vector<MemTable*> imm_;
  Version* const version_;
  std::atomic<int64_t> refs_{1};  // R: starts with the slot's reference
};

class SuperVersionSlot {
 public:
  // `mu` guards Publish() and the Versions (the DB mutex); it must outlive
  // the slot.
  explicit SuperVersionSlot(Mutex* mu) : mu_(mu) {}
  SuperVersionSlot(const SuperVersionSlot&) = delete;
  SuperVersionSlot& operator=(const SuperVersionSlot&) = delete;
  // REQUIRES: Publish(nullptr) was called (or nothing was ever published).
  ~SuperVersionSlot();

  // Makes `sv` (which may be null: the DB is closed) what Acquire() returns
  // and releases the slot's reference on the previous one.
  // REQUIRES: *mu held; `sv` was never published before.
  void Publish(SuperVersion* sv);

  // A reference to the published SuperVersion, or null when none is.
  // One compare-and-swap; takes *mu only when the external count is
  // saturated (tens of thousands of live references).
  // REQUIRES: *mu not held by the caller.
  SuperVersion* Acquire();

  // Gives back a reference Acquire() returned; the last one deletes the
  // SuperVersion (under *mu).
  // REQUIRES: *mu not held by the caller.
  void Release(SuperVersion* sv);

 private:
  // The word: pointer in the low kPointerBits, external count above. A
  // pointer that does not fit is published as (null, saturated), which sends
  // every Acquire() to the locked path.
  static constexpr int kPointerBits = sizeof(void*) == 8 ? 48 : 32;
  static constexpr uint64_t kPointerMask = (uint64_t{1} << kPointerBits) - 1;
  static constexpr uint64_t kOne = uint64_t{1} << kPointerBits;
  static constexpr uint64_t kMaxCount = ~uint64_t{0} >> kPointerBits;
  // More than any number of references outstanding at once.
  static constexpr int64_t kTransferBias = int64_t{1} << 40;

  static SuperVersion* PointerOf(uint64_t word) {
    return reinterpret_cast<SuperVersion*>(static_cast<uintptr_t>(word & kPointerMask));
  }
  static uint64_t CountOf(uint64_t word) { return word >> kPointerBits; }

  Mutex* const mu_;
  std::atomic<uint64_t> word_{0};
  SuperVersion* published_ = nullptr;  // guarded by *mu_
};

}  // namespace shale

#endif  // SHALE_VERSION_SUPER_VERSION_H_
