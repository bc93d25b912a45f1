#include "compaction/compaction_iterator.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace shale {

CompactionIterator::CompactionIterator(Iterator* input, std::vector<SequenceNumber> snapshots,
                                       SequenceNumber last_sequence, bool bottommost)
    : input_(input), snapshots_(std::move(snapshots)), last_sequence_(last_sequence), bottommost_(bottommost) {
  assert(std::is_sorted(snapshots_.begin(), snapshots_.end()));
  assert(snapshots_.empty() || snapshots_.back() <= last_sequence_);
}

void CompactionIterator::SeekToFirst() {
  status_ = Status::OK();
  stats_ = CompactionIteratorStats();
  prev_key_.clear();
  input_->SeekToFirst();
  FindNextKept();
}

void CompactionIterator::Next() {
  assert(valid_);
  input_->Next();
  FindNextKept();
}

size_t CompactionIterator::StripeOf(SequenceNumber seq) const {
  return static_cast<size_t>(std::lower_bound(snapshots_.begin(), snapshots_.end(), seq) - snapshots_.begin());
}

void CompactionIterator::Stop(const Status& s) {
  valid_ = false;
  status_ = s;
}

void CompactionIterator::Unsupported(const char* op) {
  Stop(Status::NotSupported(std::string("compaction iterator is forward only: ") + op));
}

void CompactionIterator::FindNextKept() {
  valid_ = false;
  if (!status_.ok()) return;
  for (; input_->Valid(); input_->Next()) {
    const Slice ikey = input_->key();
    ParsedInternalKey parsed;
    if (!ParseInternalKey(ikey, &parsed)) {
      return Stop(Status::Corruption("compaction input: unparsable internal key " + ikey.ToEscaped()));
    }
    stats_.entries_in++;
    if (!prev_key_.empty() && CompareInternalKeys(prev_key_, ikey) >= 0) {
      return Stop(Status::Corruption("compaction input out of order: " + InternalKeyToString(prev_key_) + " then " +
                                     InternalKeyToString(ikey)));
    }
    if (parsed.sequence > last_sequence_) {
      return Stop(Status::Corruption("compaction input: " + InternalKeyToString(ikey) +
                                     " is newer than the last sequence " + std::to_string(last_sequence_)));
    }
    if (parsed.kind == ValueKind::kRangeDelete || parsed.kind == ValueKind::kSingleDelete) {
      return Stop(Status::NotSupported(std::string("compaction of ") + ValueKindName(parsed.kind) + " entries"));
    }

    const bool same_user_key = !prev_key_.empty() && ExtractUserKey(prev_key_) == parsed.user_key;
    const size_t stripe = StripeOf(parsed.sequence);
    if (!same_user_key || stripe != stripe_) {
      stripe_ = stripe;
      stripe_closed_ = false;
    }
    prev_key_.assign(ikey.data(), ikey.size());

    if (stripe_closed_) {  // invariant 2
      stats_.shadowed_dropped++;
      continue;
    }
    if (parsed.kind == ValueKind::kMerge) {  // invariant 3
      valid_ = true;
      return;
    }
    stripe_closed_ = true;
    if (parsed.kind == ValueKind::kDelete && bottommost_ && stripe == 0) {  // invariant 4
      stats_.tombstones_dropped++;
      continue;
    }
    valid_ = true;
    return;
  }
  status_ = input_->status();
}

}  // namespace shale
