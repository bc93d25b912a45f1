// A two-level iterator: an index iterator whose values name blocks, and a
// function that opens an iterator over the block an index value names. It
// yields the concatenation of those blocks in index order. Tables use it
// twice: index -> data blocks, and for partitioned indexes top-level index
// -> index partitions.
//
// REQUIRES of the index: entry i's key is >= every key of block i and < every
// key of block i+1 (a separator), so Seek and SeekForPrev need to look at one
// block, plus its neighbours when a block holds nothing in range.
//
// Errors: an index or block error makes the iterator !Valid() with that
// status; it never skips a damaged block silently.
//
// Thread safety: like every Iterator, one thread at a time.

#ifndef SHALE_TABLE_TWO_LEVEL_ITERATOR_H_
#define SHALE_TABLE_TWO_LEVEL_ITERATOR_H_

#include <functional>

#include "shale/iterator.h"

namespace shale {

// Returns a new iterator over the block `index_value` names (never null; an
// empty iterator with an error status on failure).
using BlockFunction = std::function<Iterator*(const Slice& index_value)>;

// Takes ownership of `index_iter`.
Iterator* NewTwoLevelIterator(Iterator* index_iter, BlockFunction block_function);

}  // namespace shale

#endif  // SHALE_TABLE_TWO_LEVEL_ITERATOR_H_
