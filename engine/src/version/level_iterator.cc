#include "version/level_iterator.h"

#include <cassert>
#include <memory>

#include "db/dbformat.h"
#include "version/version.h"

namespace shale {
namespace {

// Invariants:
//   1. file_iter_, when set, iterates files_[index_].
//   2. Valid() iff file_iter_ is set and valid.
//   3. A file iterator with an error is kept (so status() reports it) and
//      stops every move; it is replaced only by the next Seek*().
class LevelIterator final : public Iterator {
 public:
  LevelIterator(const std::vector<FileMetaData*>& files, OpenFileFunction open_file)
      : files_(&files), open_file_(std::move(open_file)) {}

  bool Valid() const override { return file_iter_ != nullptr && file_iter_->Valid(); }
  Slice key() const override {
    assert(Valid());
    return file_iter_->key();
  }
  Slice value() const override {
    assert(Valid());
    return file_iter_->value();
  }
  Status status() const override { return file_iter_ != nullptr ? file_iter_->status() : Status::OK(); }

  void Seek(const Slice& target) override {
    // The first file whose largest key is >= target holds the answer, unless
    // it holds nothing in range (then a later one does).
    OpenFile(FindFile(*files_, target));
    if (file_iter_ != nullptr) file_iter_->Seek(target);
    SkipEmptyFilesForward();
  }

  void SeekForPrev(const Slice& target) override {
    // The answer is in the last file whose smallest key is <= target: the
    // one FindFile names, or the one before when target falls in the gap
    // before it (or past the last file).
    size_t i = FindFile(*files_, target);
    if (i == files_->size() || CompareInternalKeys((*files_)[i]->smallest.Encode(), target) > 0) {
      if (i == 0) {
        OpenFile(files_->size());
        return;
      }
      i--;
    }
    OpenFile(i);
    if (file_iter_ != nullptr) file_iter_->SeekForPrev(target);
    SkipEmptyFilesBackward();
  }

  void SeekToFirst() override {
    OpenFile(0);
    if (file_iter_ != nullptr) file_iter_->SeekToFirst();
    SkipEmptyFilesForward();
  }

  void SeekToLast() override {
    OpenFile(files_->empty() ? 0 : files_->size() - 1);
    if (file_iter_ != nullptr) file_iter_->SeekToLast();
    SkipEmptyFilesBackward();
  }

  void Next() override {
    assert(Valid());
    file_iter_->Next();
    SkipEmptyFilesForward();
  }

  void Prev() override {
    assert(Valid());
    file_iter_->Prev();
    SkipEmptyFilesBackward();
  }

 private:
  bool FileFailed() const { return file_iter_ != nullptr && !file_iter_->status().ok(); }

  void SkipEmptyFilesForward() {
    while (file_iter_ != nullptr && !file_iter_->Valid()) {
      if (FileFailed()) return;
      OpenFile(index_ + 1);
      if (file_iter_ != nullptr) file_iter_->SeekToFirst();
    }
  }

  void SkipEmptyFilesBackward() {
    while (file_iter_ != nullptr && !file_iter_->Valid()) {
      if (FileFailed()) return;
      OpenFile(index_ == 0 ? files_->size() : index_ - 1);
      if (file_iter_ != nullptr) file_iter_->SeekToLast();
    }
  }

  // Points file_iter_ at files_[i], reusing the open one when it is that
  // file and healthy; i == files_->size() clears it (past either end).
  void OpenFile(size_t i) {
    if (i >= files_->size()) {
      file_iter_.reset();
      index_ = files_->size();
      return;
    }
    if (file_iter_ != nullptr && index_ == i && !FileFailed()) return;
    // Close the old file before opening the next, so at most one is pinned.
    file_iter_.reset();
    file_iter_.reset(open_file_(*(*files_)[i]));
    assert(file_iter_ != nullptr);
    index_ = i;
  }

  const std::vector<FileMetaData*>* const files_;
  const OpenFileFunction open_file_;
  std::unique_ptr<Iterator> file_iter_;
  size_t index_ = 0;
};

}  // namespace

Iterator* NewLevelIterator(const std::vector<FileMetaData*>& files, OpenFileFunction open_file) {
  return new LevelIterator(files, std::move(open_file));
}

}  // namespace shale
