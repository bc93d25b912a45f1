#include "cache/handle_table.h"

namespace shale {

namespace {
constexpr size_t kInitialBuckets = 16;
}  // namespace

HandleTable::HandleTable() : num_buckets_(kInitialBuckets), buckets_(new Handle*[kInitialBuckets]()) {}

HandleTable::Handle** HandleTable::FindLink(const Slice& key, uint64_t hash) const {
  Handle** link = &buckets_[hash & (num_buckets_ - 1)];
  while (*link != nullptr && ((*link)->hash != hash || (*link)->key() != key)) link = &(*link)->next_hash;
  return link;
}

HandleTable::Handle* HandleTable::Lookup(const Slice& key, uint64_t hash) const { return *FindLink(key, hash); }

HandleTable::Handle* HandleTable::Insert(Handle* e) {
  Handle** link = FindLink(e->key(), e->hash);
  Handle* old = *link;
  e->next_hash = old == nullptr ? nullptr : old->next_hash;
  *link = e;
  if (old != nullptr) {
    old->next_hash = nullptr;
    return old;
  }
  if (++size_ > num_buckets_) Grow();
  return nullptr;
}

HandleTable::Handle* HandleTable::Remove(const Slice& key, uint64_t hash) {
  Handle** link = FindLink(key, hash);
  Handle* e = *link;
  if (e != nullptr) {
    *link = e->next_hash;
    e->next_hash = nullptr;
    size_--;
  }
  return e;
}

void HandleTable::Grow() {
  const size_t new_num = num_buckets_ * 2;
  std::unique_ptr<Handle*[]> fresh(new Handle*[new_num]());
  for (size_t i = 0; i < num_buckets_; i++) {
    Handle* e = buckets_[i];
    while (e != nullptr) {
      Handle* next = e->next_hash;
      Handle** head = &fresh[e->hash & (new_num - 1)];
      e->next_hash = *head;
      *head = e;
      e = next;
    }
  }
  buckets_ = std::move(fresh);
  num_buckets_ = new_num;
}

}  // namespace shale
