#include "memtable/memtable.h"

#include <cassert>
#include <cstdint>
#include <cstring>

#include "util/coding.h"

namespace shale {

namespace {

// The varint32-length-prefixed bytes at `p`, which lies inside an entry
// written by MemTable::Add() or SearchEntry; the Slice points into it.
Slice LengthPrefixed(const char* p) {
  // Trusted memory: the decoder reads byte by byte and stops at the varint's
  // last byte, which is inside the entry, so it never reads the whole window.
  Slice in(p, kMaxVarint32Bytes);
  uint32_t length = 0;
  const bool ok = GetVarint32(&in, &length);
  assert(ok);
  (void)ok;
  return Slice(in.data(), length);
}

// The internal key at the front of an entry.
Slice EntryKey(const char* entry) { return LengthPrefixed(entry); }

// The value that follows `key`, a Slice returned by EntryKey().
Slice EntryValue(const Slice& key) { return LengthPrefixed(key.data() + key.size()); }

// An internal key in entry form (length prefix, no value), to search the
// skiplist with: the comparator only reads the key part. Short keys stay on
// the stack so point lookups do not allocate.
class SearchEntry {
 public:
  // REQUIRES: internal_key.size() >= kInternalKeyTrailerSize
  explicit SearchEntry(const Slice& internal_key) {
    assert(internal_key.size() >= kInternalKeyTrailerSize);
    const size_t needed = kMaxVarint32Bytes + internal_key.size();
    char* dst = space_;
    if (needed > sizeof(space_)) {
      heap_.resize(needed);
      dst = heap_.data();
    }
    char* p = EncodeVarint32(dst, static_cast<uint32_t>(internal_key.size()));
    std::memcpy(p, internal_key.data(), internal_key.size());
    data_ = dst;
  }
  SearchEntry(const SearchEntry&) = delete;
  SearchEntry& operator=(const SearchEntry&) = delete;

  const char* data() const { return data_; }

 private:
  char space_[256];
  std::string heap_;
  const char* data_;
};

}  // namespace

int MemTable::EntryComparator::operator()(const char* a, const char* b) const {
  return CompareInternalKeys(EntryKey(a), EntryKey(b));
}

// Slices it returns point into the arena: valid while the MemTable lives.
class MemTable::MemTableIterator final : public Iterator {
 public:
  explicit MemTableIterator(const Table* table) : iter_(table) {}

  bool Valid() const override { return iter_.Valid(); }
  void SeekToFirst() override { iter_.SeekToFirst(); }
  void SeekToLast() override { iter_.SeekToLast(); }
  // REQUIRES: target is an internal key.
  void Seek(const Slice& target) override {
    SearchEntry entry(target);
    iter_.Seek(entry.data());
  }
  // REQUIRES: target is an internal key.
  void SeekForPrev(const Slice& target) override {
    SearchEntry entry(target);
    iter_.SeekForPrev(entry.data());
  }
  void Next() override { iter_.Next(); }
  void Prev() override { iter_.Prev(); }
  Slice key() const override { return EntryKey(iter_.key()); }
  Slice value() const override { return EntryValue(EntryKey(iter_.key())); }
  // Memory cannot fail a read.
  Status status() const override { return Status::OK(); }

 private:
  Table::Iterator iter_;
};

MemTable::MemTable() : table_(EntryComparator(), &arena_) {}

void MemTable::Unref() {
  const int previous = refs_.fetch_sub(1, std::memory_order_acq_rel);
  assert(previous > 0);
  if (previous == 1) delete this;
}

void MemTable::Add(SequenceNumber seq, ValueKind kind, const Slice& user_key, const Slice& value) {
  assert(kind != ValueKind::kRangeDelete && kind <= kMaxValueKind);
  assert(seq <= kMaxSequenceNumber);
  const size_t key_size = user_key.size() + kInternalKeyTrailerSize;
  assert(key_size <= UINT32_MAX && value.size() <= UINT32_MAX);
  const size_t entry_size = VarintLength(key_size) + key_size + VarintLength(value.size()) + value.size();

  char* const entry = arena_.Allocate(entry_size);
  char* p = EncodeVarint32(entry, static_cast<uint32_t>(key_size));
  std::memcpy(p, user_key.data(), user_key.size());
  p += user_key.size();
  EncodeFixed64(p, PackTrailer(seq, kind));
  p += kInternalKeyTrailerSize;
  p = EncodeVarint32(p, static_cast<uint32_t>(value.size()));
  std::memcpy(p, value.data(), value.size());
  assert(p + value.size() == entry + entry_size);
  table_.Insert(entry);

  // One writer: load-then-store needs no read-modify-write.
  num_entries_.store(NumEntries() + 1, std::memory_order_relaxed);
  if (kind == ValueKind::kDelete || kind == ValueKind::kSingleDelete) {
    num_deletes_.store(NumDeletes() + 1, std::memory_order_relaxed);
  }
  if (seq < SmallestSequence()) smallest_seq_.store(seq, std::memory_order_relaxed);
  if (seq > LargestSequence()) largest_seq_.store(seq, std::memory_order_relaxed);
}

bool MemTable::Get(const LookupKey& key, std::string* value, Status* s, SequenceNumber* found_seq) const {
  // The lookup key sorts just before the newest version visible at its
  // snapshot, so the first entry at or after it is that version, if the
  // user key matches.
  SearchEntry target(key.internal_key());
  Table::Iterator iter(&table_);
  iter.Seek(target.data());
  if (!iter.Valid()) return false;
  const Slice found = EntryKey(iter.key());
  if (ExtractUserKey(found) != key.user_key()) return false;

  switch (ExtractKind(found)) {
    case ValueKind::kSet: {
      const Slice v = EntryValue(found);
      value->assign(v.data(), v.size());
      *s = Status::OK();
      break;
    }
    case ValueKind::kDelete:
    case ValueKind::kSingleDelete: *s = Status::NotFound(); break;
    case ValueKind::kMerge:
      *s = Status::NotSupported("memtable: merge operand found; merge resolution is not implemented");
      break;
    case ValueKind::kBlobIndex:
      *s = Status::NotSupported("memtable: blob index found; key/value separation is not implemented");
      break;
    case ValueKind::kRangeDelete:
      // Add() never stores one (REQUIRES); reaching here is a bug.
      assert(false);
      *s = Status::Corruption("memtable: range tombstone in the point-entry skiplist");
      break;
  }
  if (found_seq != nullptr) *found_seq = ExtractSequence(found);
  return true;
}

Iterator* MemTable::NewIterator() { return new MemTableIterator(&table_); }

}  // namespace shale
