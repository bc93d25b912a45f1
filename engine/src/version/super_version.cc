#include "version/super_version.h"

#include <cassert>
#include <utility>

namespace shale {

SuperVersion::SuperVersion(MemTable* mem, std::vector<MemTable*> imm, Version* version)
    : mem_(mem), imm_(std::move(imm)), version_(version) {
  mem_->Ref();
  for (MemTable* m : imm_) m->Ref();
  version_->Ref();
}

SuperVersion::~SuperVersion() {
  mem_->Unref();
  for (MemTable* m : imm_) m->Unref();
  version_->Unref();
}

SuperVersionSlot::~SuperVersionSlot() { assert(published_ == nullptr); }

void SuperVersionSlot::Publish(SuperVersion* sv) {
  uint64_t word = 0;
  if (sv != nullptr) {
    const auto bits = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(sv));
    word = (bits & ~kPointerMask) == 0 ? bits : kMaxCount << kPointerBits;
  }
  SuperVersion* old = published_;
  published_ = sv;
  // Between the exchange and the transfer below, readers already release
  // through refs_ references the word still counted: the bias keeps refs_
  // from reaching zero meanwhile.
  if (old != nullptr) old->refs_.fetch_add(kTransferBias, std::memory_order_relaxed);
  const uint64_t old_word = word_.exchange(word, std::memory_order_acq_rel);
  if (old == nullptr) return;
  // Invariant 1: the external references become internal ones, and the
  // slot's own goes.
  const int64_t moved = (PointerOf(old_word) == old ? static_cast<int64_t>(CountOf(old_word)) : 0) - 1 - kTransferBias;
  if (old->refs_.fetch_add(moved, std::memory_order_acq_rel) + moved == 0) delete old;
}

SuperVersion* SuperVersionSlot::Acquire() {
  uint64_t word = word_.load(std::memory_order_acquire);
  while (CountOf(word) < kMaxCount) {
    SuperVersion* sv = PointerOf(word);
    if (sv == nullptr) return nullptr;
    // Succeeds only while sv is still published, hence alive (invariant 2).
    if (word_.compare_exchange_weak(word, word + kOne, std::memory_order_acquire, std::memory_order_acquire)) {
      return sv;
    }
  }
  // Saturated: count the reference in refs_, which only Publish() (excluded
  // by the mutex) could take away from the published one.
  MutexLock lock(mu_);
  SuperVersion* sv = published_;
  if (sv != nullptr) sv->refs_.fetch_add(1, std::memory_order_relaxed);
  return sv;
}

void SuperVersionSlot::Release(SuperVersion* sv) {
  uint64_t word = word_.load(std::memory_order_relaxed);
  while (PointerOf(word) == sv && CountOf(word) > 0) {
    if (word_.compare_exchange_weak(word, word - kOne, std::memory_order_release, std::memory_order_relaxed)) return;
  }
  if (sv->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    MutexLock lock(mu_);
    delete sv;
  }
}

}  // namespace shale
