#include "db/db_iter.h"

#include <cassert>
#include <memory>
#include <string>

namespace shale {
namespace {

// Invariants:
//   1. direction_ == kForward and valid_: iter_ is at the deciding kSet entry
//      of the current user key; key() and value() come from iter_.
//   2. direction_ == kReverse and valid_: the current entry is copied into
//      saved_key_ (the user key) and saved_value_, and iter_ is at the last
//      entry whose user key is < saved_key_ (or !Valid() when there is none).
//   3. !status_.ok() implies !valid_.
class DBIter final : public Iterator {
 public:
  DBIter(Iterator* internal, SequenceNumber snapshot, const Slice* lower, const Slice* upper)
      : iter_(internal),
        snapshot_(snapshot),
        has_lower_(lower != nullptr),
        has_upper_(upper != nullptr),
        lower_(lower != nullptr ? lower->ToString() : std::string()),
        upper_(upper != nullptr ? upper->ToString() : std::string()) {}

  bool Valid() const override { return valid_; }
  Slice key() const override {
    assert(valid_);
    return direction_ == kForward ? ExtractUserKey(iter_->key()) : Slice(saved_key_);
  }
  Slice value() const override {
    assert(valid_);
    return direction_ == kForward ? iter_->value() : Slice(saved_value_);
  }
  Status status() const override { return status_.ok() ? iter_->status() : status_; }

  void Seek(const Slice& target) override {
    Slice t = target;
    if (has_lower_ && t.compare(lower_) < 0) t = lower_;
    SeekForward(t);
  }

  void SeekForPrev(const Slice& target) override {
    if (has_upper_ && target.compare(upper_) >= 0) {
      SeekBelowUpper();
      return;
    }
    Reset();
    // (target, 0, kDelete) is the last internal key with user key target.
    saved_key_.clear();
    AppendInternalKey(&saved_key_, target, 0, ValueKind::kDelete);
    iter_->SeekForPrev(saved_key_);
    FindPrevUserEntry();
  }

  void SeekToFirst() override {
    if (has_lower_) {
      SeekForward(lower_);
      return;
    }
    Reset();
    iter_->SeekToFirst();
    FindNextUserEntry(false);
  }

  void SeekToLast() override {
    if (has_upper_) {
      SeekBelowUpper();
      return;
    }
    Reset();
    iter_->SeekToLast();
    FindPrevUserEntry();
  }

  void Next() override {
    assert(valid_);
    if (direction_ == kReverse) {
      // iter_ is before every entry of saved_key_ (invariant 2): step onto
      // them, then skip them all.
      direction_ = kForward;
      if (iter_->Valid()) {
        iter_->Next();
      } else {
        iter_->SeekToFirst();
      }
    } else {
      SaveCurrentUserKey();
      iter_->Next();
    }
    FindNextUserEntry(true);
  }

  void Prev() override {
    assert(valid_);
    if (direction_ == kForward) {
      // Walk back over the current entry and the newer, invisible versions
      // of its user key, to restore invariant 2 for the current key.
      SaveCurrentUserKey();
      for (iter_->Prev(); iter_->Valid(); iter_->Prev()) {
        ParsedInternalKey ikey;
        if (!ParseInternalKey(iter_->key(), &ikey)) {
          SetCorruption(iter_->key());
          return;
        }
        if (ikey.user_key.compare(saved_key_) < 0) break;
      }
    }
    FindPrevUserEntry();
  }

 private:
  enum Direction { kForward, kReverse };

  void Reset() {
    status_ = Status::OK();
    valid_ = false;
  }

  // REQUIRES: direction_ == kForward and valid_ (so iter_->key() parsed).
  void SaveCurrentUserKey() {
    const Slice user_key = ExtractUserKey(iter_->key());
    saved_key_.assign(user_key.data(), user_key.size());
  }

  void SetCorruption(const Slice& internal_key) {
    if (status_.ok()) status_ = Status::Corruption("bad internal key " + internal_key.ToEscaped());
    valid_ = false;
  }

  // Records NotSupported for a deciding entry the iterator cannot resolve
  // yet (rule 3 in db_iter.h).
  void SetNotSupported(const ParsedInternalKey& ikey) {
    status_ = Status::NotSupported(std::string("iterator reached a ") + ValueKindName(ikey.kind) + " entry for key " +
                                   ikey.user_key.ToEscaped());
    valid_ = false;
  }

  // Forward from the first internal entry >= (target, snapshot).
  void SeekForward(const Slice& target) {
    Reset();
    saved_key_.clear();
    AppendInternalKey(&saved_key_, target, snapshot_, kValueKindForSeek);
    iter_->Seek(saved_key_);
    FindNextUserEntry(false);
  }

  // Reverse from the last internal entry whose user key is < upper_.
  void SeekBelowUpper() {
    Reset();
    // (upper, max, kValueKindForSeek) is the first internal key with user key upper.
    saved_key_.clear();
    AppendInternalKey(&saved_key_, upper_, kMaxSequenceNumber, kValueKindForSeek);
    iter_->SeekForPrev(saved_key_);
    FindPrevUserEntry();
  }

  // Moves iter_ forward from where it is to the deciding kSet of the next
  // user key that has one; with `skipping`, user keys <= saved_key_ are
  // passed over (they were already yielded or decided).
  void FindNextUserEntry(bool skipping) {
    direction_ = kForward;
    valid_ = false;
    for (; iter_->Valid(); iter_->Next()) {
      ParsedInternalKey ikey;
      if (!ParseInternalKey(iter_->key(), &ikey)) {
        SetCorruption(iter_->key());
        return;
      }
      if (has_upper_ && ikey.user_key.compare(upper_) >= 0) return;
      if (ikey.sequence > snapshot_) continue;
      if (skipping && ikey.user_key.compare(saved_key_) <= 0) continue;
      switch (ikey.kind) {
        case ValueKind::kSet: valid_ = true; return;
        case ValueKind::kDelete:
        case ValueKind::kSingleDelete:
          // Older versions of this key are hidden.
          saved_key_.assign(ikey.user_key.data(), ikey.user_key.size());
          skipping = true;
          break;
        case ValueKind::kMerge:
        case ValueKind::kBlobIndex:
        case ValueKind::kRangeDelete: SetNotSupported(ikey); return;
      }
    }
  }

  // Moves iter_ backward from where it is, collecting for each user key its
  // newest counting entry (the last one met walking backward), until a user
  // key whose newest counting entry is a kSet has been seen whole. Sets
  // direction_ = kReverse and restores invariant 2.
  void FindPrevUserEntry() {
    direction_ = kReverse;
    valid_ = false;
    // saved_key_/saved_value_ hold a candidate: the newest counting entry so
    // far of saved_key_, when it is not a tombstone.
    bool pending = false;
    ParsedInternalKey deciding;
    for (; iter_->Valid(); iter_->Prev()) {
      ParsedInternalKey ikey;
      if (!ParseInternalKey(iter_->key(), &ikey)) {
        SetCorruption(iter_->key());
        return;
      }
      if (pending && ikey.user_key.compare(saved_key_) < 0) break;  // candidate seen whole
      if (has_lower_ && ikey.user_key.compare(lower_) < 0) break;
      if (has_upper_ && ikey.user_key.compare(upper_) >= 0) continue;
      if (ikey.sequence > snapshot_) continue;
      // A newer counting entry of the same user key replaces the candidate.
      pending = ikey.kind != ValueKind::kDelete && ikey.kind != ValueKind::kSingleDelete;
      if (pending) {
        deciding = ikey;
        saved_key_.assign(ikey.user_key.data(), ikey.user_key.size());
        saved_value_.assign(iter_->value().data(), iter_->value().size());
      }
    }
    if (!iter_->status().ok() || !pending) return;
    if (deciding.kind != ValueKind::kSet) {
      deciding.user_key = saved_key_;
      SetNotSupported(deciding);
      return;
    }
    valid_ = true;
  }

  const std::unique_ptr<Iterator> iter_;
  const SequenceNumber snapshot_;
  const bool has_lower_;
  const bool has_upper_;
  const std::string lower_;
  const std::string upper_;
  Direction direction_ = kForward;
  bool valid_ = false;
  Status status_;
  // Reverse: the current user key. Forward: the user key being skipped, or
  // a seek target.
  std::string saved_key_;
  std::string saved_value_;
};

}  // namespace

Iterator* NewDBIterator(Iterator* internal, SequenceNumber snapshot, const Slice* lower_bound,
                        const Slice* upper_bound) {
  return new DBIter(internal, snapshot, lower_bound, upper_bound);
}

}  // namespace shale
