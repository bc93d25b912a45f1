// HandleList: an intrusive doubly-linked queue of cache entries, through
// Handle::prev/next, that also sums the charge of what it holds. The LRU
// list and the S3-FIFO small and main queues are all HandleLists.
//
// The front is the newest end, the back the oldest. Every operation is O(1)
// and allocates nothing. An entry is in at most one list at a time.
//
// Thread safety: none; the owning shard's mutex guards it.

#ifndef SHALE_CACHE_HANDLE_LIST_H_
#define SHALE_CACHE_HANDLE_LIST_H_

#include <cassert>
#include <cstddef>

#include "cache/handle.h"

namespace shale {

class HandleList {
 public:
  using Handle = Cache::Handle;

  HandleList() = default;
  HandleList(const HandleList&) = delete;
  HandleList& operator=(const HandleList&) = delete;

  bool empty() const { return front_ == nullptr; }
  size_t count() const { return count_; }
  size_t charge() const { return charge_; }

  // nullptr when empty.
  Handle* Back() const { return back_; }

  // REQUIRES: e is in no list.
  void PushFront(Handle* e) {
    e->prev = nullptr;
    e->next = front_;
    if (front_ != nullptr) front_->prev = e;
    else back_ = e;
    front_ = e;
    count_++;
    charge_ += e->charge;
  }

  // REQUIRES: e is in this list.
  void Remove(Handle* e) {
    assert(count_ > 0);
    if (e->prev != nullptr) e->prev->next = e->next;
    else front_ = e->next;
    if (e->next != nullptr) e->next->prev = e->prev;
    else back_ = e->prev;
    e->prev = e->next = nullptr;
    count_--;
    charge_ -= e->charge;
  }

  // REQUIRES: e is in this list.
  void MoveToFront(Handle* e) {
    Remove(e);
    PushFront(e);
  }

 private:
  Handle* front_ = nullptr;
  Handle* back_ = nullptr;
  size_t count_ = 0;
  size_t charge_ = 0;
};

}  // namespace shale

#endif  // SHALE_CACHE_HANDLE_LIST_H_
