#include "shale/iterator.h"

namespace shale {

Iterator::~Iterator() {
  // Registered last, released first: later cleanups may depend on earlier ones.
  while (cleanups_ != nullptr) {
    Cleanup* c = cleanups_;
    cleanups_ = c->next;
    c->function(c->arg1, c->arg2);
    delete c;
  }
}

void Iterator::RegisterCleanup(CleanupFunction function, void* arg1, void* arg2) {
  cleanups_ = new Cleanup{function, arg1, arg2, cleanups_};
}

namespace {

class EmptyIterator final : public Iterator {
 public:
  explicit EmptyIterator(Status status) : status_(std::move(status)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(const Slice&) override {}
  void SeekForPrev(const Slice&) override {}
  void Next() override {}
  void Prev() override {}
  Slice key() const override { return Slice(); }
  Slice value() const override { return Slice(); }
  Status status() const override { return status_; }

 private:
  const Status status_;
};

}  // namespace

Iterator* NewEmptyIterator(Status status) { return new EmptyIterator(std::move(status)); }

}  // namespace shale
