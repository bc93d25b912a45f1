// Iterator: an ordered cursor over key/value entries. Memtables, blocks,
// tables, levels, the merging iterator and the DB's user-facing iterator all
// implement it, so they compose.
//
// Contract:
//   1. A new iterator is not Valid() until positioned.
//   2. key() and value() REQUIRE Valid(); the Slices they return stay valid
//      until the iterator moves or is destroyed.
//   3. An error (I/O, Corruption) makes the iterator !Valid() with a non-OK
//      status(); a clean end of range leaves status() OK.
//   4. Not thread-safe: one thread uses an iterator at a time.

#ifndef SHALE_ITERATOR_H_
#define SHALE_ITERATOR_H_

#include "shale/slice.h"
#include "shale/status.h"

namespace shale {

class Iterator {
 public:
  Iterator() = default;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  // Runs the registered cleanups, in reverse order of registration.
  virtual ~Iterator();

  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First entry with key >= target.
  virtual void Seek(const Slice& target) = 0;
  // Last entry with key <= target.
  virtual void SeekForPrev(const Slice& target) = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual Slice key() const = 0;
  virtual Slice value() const = 0;
  virtual Status status() const = 0;

  // Runs `function(arg1, arg2)` when the iterator is destroyed: how pinned
  // blocks and table handles are released.
  using CleanupFunction = void (*)(void* arg1, void* arg2);
  void RegisterCleanup(CleanupFunction function, void* arg1, void* arg2);

 private:
  struct Cleanup {
    CleanupFunction function;
    void* arg1;
    void* arg2;
    Cleanup* next;
  };
  Cleanup* cleanups_ = nullptr;
};

// An iterator over nothing, with the given status (OK by default).
Iterator* NewEmptyIterator(Status status = Status::OK());

}  // namespace shale

#endif  // SHALE_ITERATOR_H_
