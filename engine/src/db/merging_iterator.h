// The merging iterator: one ordered view over several internal-key iterators
// (the memtables, the L0 tables and one level iterator per level L1+), the
// input of the DB iterator and of compactions.
//
// It yields every entry of every child in CompareInternalKeys order; it does
// not hide old versions or tombstones (db_iter.h does). Children are kept in
// a binary heap ordered by their current key (a min-heap moving forward, a
// max-heap moving backward), so Next() and Prev() cost O(log n) comparisons
// for n children; Seek*() and a change of direction cost O(n) child moves.
//
// Direction switching. Moving forward, every child is positioned at its first
// entry >= key(); moving backward, at its last entry <= key(). So the first
// Prev() after a Next() (and the reverse) repositions every child but the
// current one strictly before (after) key(), then steps the current one.
//
// REQUIRES: no internal key occurs in two children (the DB writes each
// sequence number once, and a Version never holds a file twice). A duplicate
// is yielded twice by a one-direction scan, but may be skipped when the
// direction changes at it.
//
// Errors: when any child reports a non-OK status after a move, the merge is
// !Valid() and status() returns the first (in child order) non-OK status; an
// erroring child is never skipped silently.
//
// Thread safety: like every Iterator, one thread at a time.

#ifndef SHALE_DB_MERGING_ITERATOR_H_
#define SHALE_DB_MERGING_ITERATOR_H_

#include "shale/iterator.h"

namespace shale {

// Takes ownership of children[0..n) (not of the array itself, which may be
// freed on return). n == 0 gives an empty iterator; n == 1 returns
// children[0] itself. key() and value() Slices stay valid until the merge
// moves (the children's promise, passed through).
// REQUIRES: n >= 0; every child iterates internal keys.
Iterator* NewMergingIterator(Iterator** children, int n);

}  // namespace shale

#endif  // SHALE_DB_MERGING_ITERATOR_H_
