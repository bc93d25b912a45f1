// MemTableInserter: applies a WriteBatch to a memtable, giving its entries
// consecutive sequence numbers from `first`. Used by the write path and by
// WAL replay, so both apply a batch identically.

#ifndef SHALE_DB_MEMTABLE_INSERTER_H_
#define SHALE_DB_MEMTABLE_INSERTER_H_

#include "memtable/memtable.h"
#include "shale/write_batch.h"

namespace shale {

class MemTableInserter final : public WriteBatch::Handler {
 public:
  MemTableInserter(MemTable* mem, SequenceNumber first) : mem_(mem), seq_(first) {}
  void Put(Slice key, Slice value) override { mem_->Add(seq_++, ValueKind::kSet, key, value); }
  void Delete(Slice key) override { mem_->Add(seq_++, ValueKind::kDelete, key, Slice()); }

 private:
  MemTable* const mem_;
  SequenceNumber seq_;
};

}  // namespace shale

#endif  // SHALE_DB_MEMTABLE_INSERTER_H_
