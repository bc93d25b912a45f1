// MemTable: the in-memory, sorted write buffer in front of the SST files.
//
// Holds internal keys (db/dbformat.h) with their values in an Arena-backed
// SkipList ordered by CompareInternalKeys. Entries are only added; the whole
// table is dropped once it has been flushed. Range tombstones are not stored
// here (issue "range tombstones").
//
// Entry in the arena (in memory only; layout in docs/format.md (memtable section)):
//   varint32 internal-key length | internal key | varint32 value length | value
//
// Thread safety: Add() needs external synchronization (the DB's single
// writer). Get(), NewIterator(), the iterators and every accessor may run on
// any thread concurrently with each other and with the one Add().
//
// Lifetime (reference counting), invariants:
//   1. A MemTable is created with zero references; its creator calls Ref().
//   2. Whoever uses it (the DB's mutable/immutable slots, a Get in progress,
//      an iterator, a flush job) holds a reference for as long as it does.
//   3. The Unref() that drops the count to zero deletes the MemTable; its
//      destructor is private so nothing else can.
//   4. An Iterator from NewIterator() does not hold a reference by itself:
//      its owner must, e.g. Ref() and RegisterCleanup(Unref) on the iterator.

#ifndef SHALE_MEMTABLE_MEMTABLE_H_
#define SHALE_MEMTABLE_MEMTABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "db/dbformat.h"
#include "memtable/skiplist.h"
#include "shale/iterator.h"
#include "shale/slice.h"
#include "shale/status.h"
#include "util/arena.h"

namespace shale {

class MemTable {
 public:
  MemTable();
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Deletes the MemTable when the last reference goes.
  void Unref();

  // Adds the entry (user_key, seq, kind) -> value. For deletes, `value` is
  // normally empty.
  // REQUIRES: kind != ValueKind::kRangeDelete; no entry with the same
  //           user_key, seq and kind was added before (the DB gives each
  //           write its own sequence); user_key.size() + 8 and value.size()
  //           fit in 32 bits; external synchronization with other Add()s.
  void Add(SequenceNumber seq, ValueKind kind, const Slice& user_key, const Slice& value);

  // Looks up the newest version of key.user_key() with sequence <= the
  // lookup's snapshot. Returns true when this memtable decides the lookup:
  //   - a Set:                 *value = its value, *s = OK
  //   - a Delete/SingleDelete: *s = NotFound
  //   - a Merge operand or a BlobIndex: *s = NotSupported. These are not
  //     final values and this memtable cannot resolve them yet; failing the
  //     read beats returning an older, overwritten value from a lower level.
  //     The issues "merge operators" and "key/value separation" replace this
  //     outcome with operand collection / blob resolution.
  // In all of these, *found_seq (if non-null) = the entry's sequence.
  // Returns false, leaving *value, *s and *found_seq alone, when the key has
  // no version visible at the snapshot: the caller looks in older data.
  bool Get(const LookupKey& key, std::string* value, Status* s, SequenceNumber* found_seq = nullptr) const;

  // An iterator over the internal keys, in CompareInternalKeys order: key()
  // is the internal key, value() the value. Seek/SeekForPrev take internal
  // keys. The returned Slices point into the arena and stay valid as long as
  // the MemTable lives (longer than Iterator's contract promises). Entries
  // added while the iterator is open may or may not be seen.
  // REQUIRES: the caller holds a reference for the iterator's lifetime
  //           (invariant 4). The caller deletes the iterator.
  Iterator* NewIterator();

  // Bytes the arena holds (entries, nodes, slack). Any thread, any time.
  size_t ApproximateMemoryUsage() const { return arena_.MemoryUsage(); }

  uint64_t NumEntries() const { return num_entries_.load(std::memory_order_relaxed); }
  // Point tombstones: kDelete and kSingleDelete entries.
  uint64_t NumDeletes() const { return num_deletes_.load(std::memory_order_relaxed); }
  bool Empty() const { return NumEntries() == 0; }
  // Smallest and largest sequence added; kMaxSequenceNumber and 0 while Empty().
  SequenceNumber SmallestSequence() const { return smallest_seq_.load(std::memory_order_relaxed); }
  SequenceNumber LargestSequence() const { return largest_seq_.load(std::memory_order_relaxed); }

 private:
  // Orders arena entries by their internal keys.
  struct EntryComparator {
    int operator()(const char* a, const char* b) const;
  };
  using Table = SkipList<const char*, EntryComparator>;
  class MemTableIterator;

  ~MemTable() = default;  // only Unref() deletes (invariant 3)

  std::atomic<int> refs_{0};
  Arena arena_;
  Table table_;
  std::atomic<uint64_t> num_entries_{0};
  std::atomic<uint64_t> num_deletes_{0};
  std::atomic<SequenceNumber> smallest_seq_{kMaxSequenceNumber};
  std::atomic<SequenceNumber> largest_seq_{0};
};

}  // namespace shale

#endif  // SHALE_MEMTABLE_MEMTABLE_H_
