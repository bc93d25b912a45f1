#include "table/two_level_iterator.h"

#include <cassert>
#include <memory>
#include <string>

namespace shale {
namespace {

// Invariants:
//   1. data_iter_, when set, iterates the block named by data_handle_.
//   2. Valid() iff data_iter_ is set and valid.
class TwoLevelIterator final : public Iterator {
 public:
  TwoLevelIterator(Iterator* index_iter, BlockFunction block_function)
      : index_iter_(index_iter), block_function_(std::move(block_function)) {}

  bool Valid() const override { return data_iter_ != nullptr && data_iter_->Valid(); }
  Slice key() const override {
    assert(Valid());
    return data_iter_->key();
  }
  Slice value() const override {
    assert(Valid());
    return data_iter_->value();
  }
  Status status() const override {
    if (!index_iter_->status().ok()) return index_iter_->status();
    if (data_iter_ != nullptr && !data_iter_->status().ok()) return data_iter_->status();
    return Status::OK();
  }

  void Seek(const Slice& target) override {
    index_iter_->Seek(target);
    InitDataBlock();
    if (data_iter_ != nullptr) data_iter_->Seek(target);
    SkipEmptyBlocksForward();
  }

  void SeekForPrev(const Slice& target) override {
    // The first block whose separator is >= target holds the answer, unless
    // all its keys are > target: then it is the last key of an earlier block.
    index_iter_->Seek(target);
    if (!index_iter_->Valid() && index_iter_->status().ok()) index_iter_->SeekToLast();
    InitDataBlock();
    if (data_iter_ != nullptr) data_iter_->SeekForPrev(target);
    SkipEmptyBlocksBackward();
  }

  void SeekToFirst() override {
    index_iter_->SeekToFirst();
    InitDataBlock();
    if (data_iter_ != nullptr) data_iter_->SeekToFirst();
    SkipEmptyBlocksForward();
  }

  void SeekToLast() override {
    index_iter_->SeekToLast();
    InitDataBlock();
    if (data_iter_ != nullptr) data_iter_->SeekToLast();
    SkipEmptyBlocksBackward();
  }

  void Next() override {
    assert(Valid());
    data_iter_->Next();
    SkipEmptyBlocksForward();
  }

  void Prev() override {
    assert(Valid());
    data_iter_->Prev();
    SkipEmptyBlocksBackward();
  }

 private:
  bool DataFailed() const { return data_iter_ != nullptr && !data_iter_->status().ok(); }

  void SkipEmptyBlocksForward() {
    while (data_iter_ == nullptr || !data_iter_->Valid()) {
      if (DataFailed() || !index_iter_->Valid()) {
        if (!DataFailed()) data_iter_.reset();
        return;
      }
      index_iter_->Next();
      InitDataBlock();
      if (data_iter_ != nullptr) data_iter_->SeekToFirst();
    }
  }

  void SkipEmptyBlocksBackward() {
    while (data_iter_ == nullptr || !data_iter_->Valid()) {
      if (DataFailed() || !index_iter_->Valid()) {
        if (!DataFailed()) data_iter_.reset();
        return;
      }
      index_iter_->Prev();
      InitDataBlock();
      if (data_iter_ != nullptr) data_iter_->SeekToLast();
    }
  }

  // Points data_iter_ at the block the index is on (or clears it).
  void InitDataBlock() {
    if (!index_iter_->Valid()) {
      data_iter_.reset();
      return;
    }
    const Slice handle = index_iter_->value();
    if (data_iter_ != nullptr && !DataFailed() && handle == Slice(data_handle_)) return;  // same block
    data_iter_.reset(block_function_(handle));
    data_handle_.assign(handle.data(), handle.size());
  }

  std::unique_ptr<Iterator> index_iter_;
  BlockFunction block_function_;
  std::unique_ptr<Iterator> data_iter_;
  std::string data_handle_;
};

}  // namespace

Iterator* NewTwoLevelIterator(Iterator* index_iter, BlockFunction block_function) {
  return new TwoLevelIterator(index_iter, std::move(block_function));
}

}  // namespace shale
