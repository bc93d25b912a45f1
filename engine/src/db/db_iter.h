// The DB iterator: the user-facing view of an internal-key iterator (in the
// DB, the merging iterator over memtables and tables), at one snapshot.
//
// It turns the stream of versioned entries into user keys and values:
//   1. Only entries with sequence <= snapshot count.
//   2. For each user key only the newest counting entry decides: a kSet is
//      yielded (key() = user key, value() = its value); a kDelete or
//      kSingleDelete hides the key.
//   3. A deciding kMerge, kBlobIndex or kRangeDelete entry stops the iterator
//      with status NotSupported: these are not final values and yielding an
//      older one instead would be wrong data. The issues "merge operators",
//      "key/value separation" and "range tombstones" resolve them here.
//   4. Bounds: only user keys in [lower, upper) are ever yielded (a null
//      bound is open). Seek() below lower starts at lower; SeekToFirst() is
//      Seek(lower) and SeekToLast() is SeekForPrev just below upper when the
//      bound is set. The bounds also end scans early.
//   5. An internal key that does not parse stops the iterator with status
//      Corruption.
//
// Seek and SeekForPrev take user keys. key() and value() Slices stay valid
// until the iterator moves.
//
// Thread safety: like every Iterator, one thread at a time.

#ifndef SHALE_DB_DB_ITER_H_
#define SHALE_DB_DB_ITER_H_

#include "db/dbformat.h"
#include "shale/iterator.h"

namespace shale {

// Takes ownership of `internal`. The bounds (either may be null) are copied.
// REQUIRES: `internal` yields internal keys in CompareInternalKeys order.
Iterator* NewDBIterator(Iterator* internal, SequenceNumber snapshot, const Slice* lower_bound,
                        const Slice* upper_bound);

}  // namespace shale

#endif  // SHALE_DB_DB_ITER_H_
