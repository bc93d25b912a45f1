// SkipList: an ordered set of keys in an Arena, for the memtable.
//
// Keys are inserted, never removed or changed; the nodes live until the Arena
// that holds them is destroyed. `Key` is a small copyable, default-
// constructible value (the memtable uses `const char*` pointing at an arena
// entry); `Comparator` is a copyable
// callable `int operator()(const Key& a, const Key& b) const` returning <0, 0
// or >0 like memcmp.
//
// Thread safety: Insert() needs external synchronization (one writer at a
// time). Contains() and Iterator need none: any number of readers may run
// concurrently with each other and with the one writer, without locks.
//
// Invariants:
//   1. The level-0 list holds every inserted key, in strictly increasing order.
//   2. The level-i list (i > 0) is a subsequence of the level-(i-1) list.
//   3. A node's key never changes after the node is published, and no node
//      is unlinked or freed while the SkipList exists.
//   4. max_height_ only grows; head_ has kMaxHeight links, null until used.
//
// Memory-ordering contract:
//   - The writer fully initializes a node (key and all of its links, with
//     relaxed stores, since no reader can see it yet), then publishes it with
//     a release store into each predecessor's link, level 0 first.
//   - Readers follow links with acquire loads. A reader that reaches a node
//     therefore sees its key and the links it had when it was published
//     (or newer ones, which point to nodes published the same way).
//   - Publishing level 0 first means that a node visible at level i > 0 is
//     already visible at level 0, so a search never skips an existing key.
//   - max_height_ is relaxed: a reader that sees the new height before the
//     head's new links reads null there and descends; one that sees the old
//     height merely searches fewer levels.
//   - A reader sees every key whose Insert() returned before the reader's
//     search began (given the happens-before edge the caller established,
//     e.g. a mutex or a release/acquire on a published sequence number); it
//     may or may not see an Insert() running concurrently.

#ifndef SHALE_MEMTABLE_SKIPLIST_H_
#define SHALE_MEMTABLE_SKIPLIST_H_

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <new>

#include "util/arena.h"
#include "util/random.h"

namespace shale {

template <typename Key, class Comparator>
class SkipList {
 private:
  struct Node;

 public:
  static constexpr int kMaxHeight = 12;

  // Nodes are allocated from `arena`, which must outlive the SkipList.
  // `seed` drives node heights (the structure, never the contents).
  SkipList(Comparator compare, Arena* arena, uint64_t seed = 0x5ca1ab1e);
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // REQUIRES: no key comparing equal to `key` is in the list;
  //           external synchronization with other Insert() calls.
  void Insert(const Key& key);

  bool Contains(const Key& key) const;

  // A cursor over the list. Keys inserted while it is open may or may not be
  // seen. Movement is lock-free and safe during concurrent Insert().
  class Iterator {
   public:
    // `list` must outlive the Iterator. Not valid until positioned.
    explicit Iterator(const SkipList* list) : list_(list) {}

    bool Valid() const { return node_ != nullptr; }
    // REQUIRES: Valid()
    const Key& key() const {
      assert(Valid());
      return node_->key;
    }
    // REQUIRES: Valid()
    void Next() {
      assert(Valid());
      node_ = node_->Next(0);
    }
    // No back links: a search for the last key before this one.
    // REQUIRES: Valid()
    void Prev() {
      assert(Valid());
      node_ = list_->NodeOrNull(list_->FindLast(node_->key, /*inclusive=*/false));
    }
    // First key >= target.
    void Seek(const Key& target) { node_ = list_->FindGreaterOrEqual(target, nullptr); }
    // Last key <= target.
    void SeekForPrev(const Key& target) { node_ = list_->NodeOrNull(list_->FindLast(target, /*inclusive=*/true)); }
    void SeekToFirst() { node_ = list_->head_->Next(0); }
    void SeekToLast() { node_ = list_->NodeOrNull(list_->FindLastNode()); }

   private:
    const SkipList* list_;
    Node* node_ = nullptr;
  };

 private:
  // A node is laid out as the Node struct, padding up to the links'
  // alignment, then `height` links (head_ has kMaxHeight).
  struct Node {
    explicit Node(const Key& k) : key(k) {}

    const Key key;

    static constexpr size_t LinksOffset() {
      constexpr size_t kAlign = alignof(std::atomic<Node*>);
      return (sizeof(Node) + kAlign - 1) / kAlign * kAlign;
    }
    std::atomic<Node*>* links() {
      return reinterpret_cast<std::atomic<Node*>*>(reinterpret_cast<char*>(this) + LinksOffset());
    }

    Node* Next(int level) { return links()[level].load(std::memory_order_acquire); }
    void SetNext(int level, Node* x) { links()[level].store(x, std::memory_order_release); }
    // Only before publication, or when the ordering comes from elsewhere.
    Node* RelaxedNext(int level) { return links()[level].load(std::memory_order_relaxed); }
    void RelaxedSetNext(int level, Node* x) { links()[level].store(x, std::memory_order_relaxed); }
  };

  Node* NewNode(const Key& key, int height);
  int RandomHeight();
  int MaxHeight() const { return max_height_.load(std::memory_order_relaxed); }
  bool KeyIsAfterNode(const Key& key, Node* n) const { return n != nullptr && compare_(n->key, key) < 0; }

  // First node with key >= `key`, or null. When `prev` is non-null, fills
  // prev[level] with the last node before `key` on each level below MaxHeight().
  Node* FindGreaterOrEqual(const Key& key, Node** prev) const;
  // Last node with key < `key` (<= when `inclusive`), or head_.
  Node* FindLast(const Key& key, bool inclusive) const;
  // Last node in the list, or head_.
  Node* FindLastNode() const;
  Node* NodeOrNull(Node* n) const { return n == head_ ? nullptr : n; }

  const Comparator compare_;
  Arena* const arena_;
  Node* const head_;
  std::atomic<int> max_height_{1};
  Random rnd_;  // writer only
};

template <typename Key, class Comparator>
SkipList<Key, Comparator>::SkipList(Comparator compare, Arena* arena, uint64_t seed)
    : compare_(compare), arena_(arena), head_(NewNode(Key() /* never compared */, kMaxHeight)), rnd_(seed) {}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::NewNode(const Key& key, int height) {
  static_assert(alignof(Node) <= Arena::kAlignment && alignof(std::atomic<Node*>) <= Arena::kAlignment);
  char* mem = arena_->AllocateAligned(Node::LinksOffset() + sizeof(std::atomic<Node*>) * height);
  Node* node = new (mem) Node(key);
  for (int i = 0; i < height; i++) new (&node->links()[i]) std::atomic<Node*>(nullptr);
  return node;
}

template <typename Key, class Comparator>
int SkipList<Key, Comparator>::RandomHeight() {
  // Each level holds about a quarter of the level below it.
  int height = 1;
  while (height < kMaxHeight && rnd_.OneIn(4)) height++;
  return height;
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindGreaterOrEqual(const Key& key,
                                                                                        Node** prev) const {
  Node* x = head_;
  int level = MaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (KeyIsAfterNode(key, next)) {
      x = next;
    } else {
      if (prev != nullptr) prev[level] = x;
      if (level == 0) return next;
      level--;
    }
  }
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLast(const Key& key, bool inclusive) const {
  Node* x = head_;
  int level = MaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    const bool advance = next != nullptr && (inclusive ? compare_(next->key, key) <= 0 : compare_(next->key, key) < 0);
    if (advance) {
      x = next;
    } else {
      if (level == 0) return x;
      level--;
    }
  }
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLastNode() const {
  Node* x = head_;
  int level = MaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next != nullptr) {
      x = next;
    } else {
      if (level == 0) return x;
      level--;
    }
  }
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Insert(const Key& key) {
  Node* prev[kMaxHeight];
  Node* x = FindGreaterOrEqual(key, prev);
  assert(x == nullptr || compare_(key, x->key) != 0);  // REQUIRES: no duplicates
  (void)x;

  const int height = RandomHeight();
  const int old_height = MaxHeight();
  if (height > old_height) {
    for (int i = old_height; i < height; i++) prev[i] = head_;
    // Relaxed: see the memory-ordering contract above.
    max_height_.store(height, std::memory_order_relaxed);
  }

  Node* node = NewNode(key, height);
  for (int i = 0; i < height; i++) {
    // The writer is the only one to store links, so relaxed reads of them
    // are current; the release store below publishes the node.
    node->RelaxedSetNext(i, prev[i]->RelaxedNext(i));
    prev[i]->SetNext(i, node);
  }
}

template <typename Key, class Comparator>
bool SkipList<Key, Comparator>::Contains(const Key& key) const {
  Node* x = FindGreaterOrEqual(key, nullptr);
  return x != nullptr && compare_(key, x->key) == 0;
}

}  // namespace shale

#endif  // SHALE_MEMTABLE_SKIPLIST_H_
