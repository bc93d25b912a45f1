// CompactionIterator: filters the merged inputs of a flush or compaction
// down to the entries the output must keep.
//
// It wraps an iterator over internal keys in sorted order (a memtable, or the
// merging iterator over the input files) and yields a subsequence of it. What
// it drops is invisible to every reader that can still exist: the live
// snapshots (sequences, ascending) and "latest" (any read at or after the
// current last sequence).
//
// Stripes. For one user key, an entry with sequence s belongs to the stripe of
// the smallest snapshot >= s, or to the newest stripe when s is above every
// snapshot. A reader at snapshot S sees the entries with sequence <= S, so
// every reader sees either all of a stripe or none of it.
//
// Invariants of the output:
//   1. Every kept entry is passed through unchanged (key, sequence, kind,
//      value), in input order.
//   2. Within a stripe, entries are kept from the newest down to and
//      including the first non-merge entry (kSet, kBlobIndex or kDelete);
//      every older entry of that stripe is dropped (counted as shadowed): a
//      reader of the stripe stops at that entry. With no merge operand this
//      is "only the newest entry of each stripe is kept".
//   3. kMerge entries are never dropped unless a non-merge entry of the same
//      stripe is newer, and they never cause an older entry to be dropped.
//      There is no merge operator yet, so operands are kept verbatim rather
//      than combined; when merge operators come, operands of one stripe may
//      be folded here.
//   4. When `bottommost` (no older data for these keys exists below the
//      output level), a kDelete that is the first non-merge entry of the
//      oldest stripe (sequence <= the smallest snapshot, or any sequence when
//      there are no snapshots) is dropped too (counted as a tombstone
//      dropped): by 2 it is the oldest kept entry of its key and there is
//      nothing left for it to hide. A merge operand above it then applies to
//      no value, which is what it applied to before.
//   5. Sequence numbers are not rewritten (no zeroing at the bottom level).
//
// Errors stop the iteration: Valid() becomes false and status() holds the
// error; nothing is skipped silently. Corruption for a key that does not
// parse, keys out of order, or a sequence above last_sequence; NotSupported
// for kRangeDelete and kSingleDelete, which no writer produces yet; an error
// of the input iterator is passed through.
//
// Forward only: Seek, SeekForPrev, SeekToLast and Prev end the iteration
// with NotSupported. key() and value() are the input's and stay valid until
// the iterator moves.
//
// Thread safety: none; one thread drives it (and its input).

#ifndef SHALE_COMPACTION_COMPACTION_ITERATOR_H_
#define SHALE_COMPACTION_COMPACTION_ITERATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "db/dbformat.h"
#include "shale/iterator.h"

namespace shale {

struct CompactionIteratorStats {
  uint64_t entries_in = 0;          // input entries examined
  uint64_t shadowed_dropped = 0;    // dropped by invariant 2
  uint64_t tombstones_dropped = 0;  // dropped by invariant 4
};

class CompactionIterator final : public Iterator {
 public:
  // REQUIRES: `input` outlives this iterator (which does not own it);
  // `snapshots` is sorted ascending and every snapshot <= last_sequence.
  CompactionIterator(Iterator* input, std::vector<SequenceNumber> snapshots, SequenceNumber last_sequence,
                     bool bottommost);

  bool Valid() const override { return valid_; }
  void SeekToFirst() override;
  void Next() override;
  void SeekToLast() override { Unsupported("SeekToLast"); }
  void Seek(const Slice&) override { Unsupported("Seek"); }
  void SeekForPrev(const Slice&) override { Unsupported("SeekForPrev"); }
  void Prev() override { Unsupported("Prev"); }
  Slice key() const override { return input_->key(); }
  Slice value() const override { return input_->value(); }
  Status status() const override { return status_; }

  // Counts so far (complete once the iteration has ended).
  const CompactionIteratorStats& stats() const { return stats_; }

 private:
  // Advances the input from its current entry to the next one to keep.
  void FindNextKept();
  // Index of the stripe of `seq`: 0 is the oldest, snapshots_.size() the newest.
  size_t StripeOf(SequenceNumber seq) const;
  void Stop(const Status& s);
  void Unsupported(const char* op);

  Iterator* const input_;
  const std::vector<SequenceNumber> snapshots_;
  const SequenceNumber last_sequence_;
  const bool bottommost_;

  bool valid_ = false;
  Status status_;
  CompactionIteratorStats stats_;
  // The previous input entry's internal key; empty before the first one.
  std::string prev_key_;
  size_t stripe_ = 0;
  // True once the current stripe of the current user key has had its first
  // non-merge entry: everything older in that stripe is shadowed.
  bool stripe_closed_ = false;
};

}  // namespace shale

#endif  // SHALE_COMPACTION_COMPACTION_ITERATOR_H_
