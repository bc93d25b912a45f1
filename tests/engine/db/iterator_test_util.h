// Helpers shared by the iterator-stack tests (merging, level and DB
// iterators): an internal-key model, memtable-backed children, and test
// iterators that count moves or fail on demand.

#ifndef SHALE_TESTS_ENGINE_DB_ITERATOR_TEST_UTIL_H_
#define SHALE_TESTS_ENGINE_DB_ITERATOR_TEST_UTIL_H_

#include <map>
#include <memory>
#include <string>

#include "db/dbformat.h"
#include "memtable/memtable.h"
#include "shale/iterator.h"
#include "test_util.h"

namespace shale::test {

struct InternalKeyLess {
  bool operator()(const std::string& a, const std::string& b) const { return CompareInternalKeys(a, b) < 0; }
};
// internal key -> value, in CompareInternalKeys order.
using InternalModel = std::map<std::string, std::string, InternalKeyLess>;

inline std::string IKey(const std::string& user_key, SequenceNumber seq, ValueKind kind = ValueKind::kSet) {
  return InternalKey(user_key, seq, kind).Encode().ToString();
}

inline void UnrefMemTable(void* arg1, void*) { static_cast<MemTable*>(arg1)->Unref(); }

// An iterator over a fresh memtable holding `entries`; the iterator holds
// the only reference, so deleting it frees the memtable.
inline Iterator* NewMemTableIterator(const InternalModel& entries) {
  MemTable* m = new MemTable;
  m->Ref();
  for (const auto& [k, v] : entries) {
    ParsedInternalKey p;
    REQUIRE(ParseInternalKey(k, &p));
    m->Add(p.sequence, p.kind, p.user_key, v);
  }
  Iterator* it = m->NewIterator();
  it->RegisterCleanup(UnrefMemTable, m, nullptr);
  return it;
}

// Forwards to `base`, counting moves; after `moves_left` moves (-1: never)
// it fails: !Valid() with status Corruption("injected") until re-seeked
// with moves left again.
class TestIterator final : public Iterator {
 public:
  explicit TestIterator(Iterator* base, int moves_left = -1) : base_(base), moves_left_(moves_left) {}

  bool Valid() const override { return !failed_ && base_->Valid(); }
  Slice key() const override { return base_->key(); }
  Slice value() const override { return base_->value(); }
  Status status() const override { return failed_ ? Status::Corruption("injected") : base_->status(); }
  void SeekToFirst() override {
    Move([&] { base_->SeekToFirst(); });
  }
  void SeekToLast() override {
    Move([&] { base_->SeekToLast(); });
  }
  void Seek(const Slice& t) override {
    Move([&] { base_->Seek(t); });
  }
  void SeekForPrev(const Slice& t) override {
    Move([&] { base_->SeekForPrev(t); });
  }
  void Next() override {
    Move([&] { base_->Next(); });
  }
  void Prev() override {
    Move([&] { base_->Prev(); });
  }

  int moves = 0;

 private:
  template <typename F>
  void Move(F f) {
    moves++;
    failed_ = moves_left_ == 0;
    if (moves_left_ > 0) moves_left_--;
    f();
  }

  std::unique_ptr<Iterator> base_;
  int moves_left_;
  bool failed_ = false;
};

}  // namespace shale::test

#endif  // SHALE_TESTS_ENGINE_DB_ITERATOR_TEST_UTIL_H_
