#include "db/merging_iterator.h"

#include <cassert>
#include <memory>
#include <string>
#include <vector>

#include "db/dbformat.h"

namespace shale {
namespace {

// Invariants:
//   1. heap_ holds the indices of exactly the valid children, as a binary
//      heap under Before(): heap_[0] is the current child.
//   2. direction_ == kForward: every valid child is at its first entry >=
//      key(); kReverse: at its last entry <= key().
//   3. failed_ iff a child moved since the last Seek*() reported an error;
//      then Valid() is false.
//   4. children_[i].key caches children_[i].iter->key() while it is valid.
class MergingIterator final : public Iterator {
 public:
  MergingIterator(Iterator** children, int n) {
    children_.resize(n);
    for (int i = 0; i < n; i++) children_[i].iter.reset(children[i]);
    heap_.reserve(n);
  }

  bool Valid() const override { return !failed_ && !heap_.empty(); }

  Slice key() const override {
    assert(Valid());
    return children_[heap_[0]].key;
  }
  Slice value() const override {
    assert(Valid());
    return children_[heap_[0]].iter->value();
  }
  Status status() const override {
    for (const Child& c : children_) {
      Status s = c.iter->status();
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

  void SeekToFirst() override {
    for (size_t i = 0; i < children_.size(); i++) children_[i].iter->SeekToFirst();
    Rebuild(kForward);
  }
  void SeekToLast() override {
    for (size_t i = 0; i < children_.size(); i++) children_[i].iter->SeekToLast();
    Rebuild(kReverse);
  }
  void Seek(const Slice& target) override {
    for (size_t i = 0; i < children_.size(); i++) children_[i].iter->Seek(target);
    Rebuild(kForward);
  }
  void SeekForPrev(const Slice& target) override {
    for (size_t i = 0; i < children_.size(); i++) children_[i].iter->SeekForPrev(target);
    Rebuild(kReverse);
  }

  void Next() override {
    assert(Valid());
    if (direction_ != kForward) {
      SwitchDirection(kForward);
      if (!Valid()) return;
    }
    const int cur = heap_[0];
    children_[cur].iter->Next();
    ReplaceTop(cur);
  }

  void Prev() override {
    assert(Valid());
    if (direction_ != kReverse) {
      SwitchDirection(kReverse);
      if (!Valid()) return;
    }
    const int cur = heap_[0];
    children_[cur].iter->Prev();
    ReplaceTop(cur);
  }

 private:
  enum Direction { kForward, kReverse };

  struct Child {
    std::unique_ptr<Iterator> iter;
    Slice key;
  };

  // Reads child i's state after a move; true when it is valid.
  bool Refresh(int i) {
    Child& c = children_[i];
    if (c.iter->Valid()) {
      c.key = c.iter->key();
      return true;
    }
    if (!c.iter->status().ok()) failed_ = true;
    return false;
  }

  // Whether child a comes out of the heap before child b. Ties (duplicate
  // keys, outside the contract) break by child index so the order is total.
  bool Before(int a, int b) const {
    const int r = CompareInternalKeys(children_[a].key, children_[b].key);
    if (direction_ == kForward) return r < 0 || (r == 0 && a < b);
    return r > 0 || (r == 0 && a > b);
  }

  void SiftDown(size_t pos) {
    const size_t n = heap_.size();
    const int item = heap_[pos];
    while (true) {
      size_t child = 2 * pos + 1;
      if (child >= n) break;
      if (child + 1 < n && Before(heap_[child + 1], heap_[child])) child++;
      if (!Before(heap_[child], item)) break;
      heap_[pos] = heap_[child];
      pos = child;
    }
    heap_[pos] = item;
  }

  // After the top child `cur` moved: keep it in the heap at its new place,
  // or drop it when it is exhausted (or failed).
  void ReplaceTop(int cur) {
    if (Refresh(cur)) {
      SiftDown(0);
    } else {
      heap_[0] = heap_.back();
      heap_.pop_back();
      if (!heap_.empty()) SiftDown(0);
    }
  }

  // Rebuilds the heap from every child after they were all repositioned.
  void Rebuild(Direction direction) {
    direction_ = direction;
    failed_ = false;
    heap_.clear();
    for (size_t i = 0; i < children_.size(); i++) {
      if (Refresh(static_cast<int>(i))) heap_.push_back(static_cast<int>(i));
    }
    for (size_t pos = heap_.size() / 2; pos-- > 0;) SiftDown(pos);
  }

  // Restores invariant 2 for the other direction: every child but the
  // current one moves to the other side of key(); the current one stays on
  // key() and so becomes the top of the rebuilt heap.
  void SwitchDirection(Direction direction) {
    const int cur = heap_[0];
    // The current child does not move, so its key stays valid meanwhile.
    const Slice target = children_[cur].key;
    for (size_t i = 0; i < children_.size(); i++) {
      if (static_cast<int>(i) == cur) continue;
      Iterator* it = children_[i].iter.get();
      if (direction == kForward) {
        it->Seek(target);
        if (it->Valid() && CompareInternalKeys(it->key(), target) == 0) it->Next();
      } else {
        it->SeekForPrev(target);
        if (it->Valid() && CompareInternalKeys(it->key(), target) == 0) it->Prev();
      }
    }
    Rebuild(direction);
  }

  std::vector<Child> children_;
  std::vector<int> heap_;
  Direction direction_ = kForward;
  bool failed_ = false;
};

}  // namespace

Iterator* NewMergingIterator(Iterator** children, int n) {
  assert(n >= 0);
  if (n == 0) return NewEmptyIterator();
  if (n == 1) return children[0];
  return new MergingIterator(children, n);
}

}  // namespace shale
