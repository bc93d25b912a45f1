// WriteBatchInternal: the engine's access to a WriteBatch's encoding, which
// is also the payload of a WAL record (docs/format.md (wal section)):
//
//   rep     := sequence (fixed64) | count (fixed32) | entry{count}
//   entry   := kind (1 byte, ValueKind of db/dbformat.h) | body
//   body    := kSet:    varint32 key length | key | varint32 value length | value
//              kDelete: varint32 key length | key
//
// `sequence` is the sequence number of the first entry; entry i gets
// sequence + i. Other kinds are reserved for later entry types, whose bodies
// are defined with them (kMerge: key | value; kRangeDelete: start | end, each
// varint32-length-prefixed); this version rejects them as Corruption.
//
// Thread safety: as WriteBatch.

#ifndef SHALE_DB_WRITE_BATCH_INTERNAL_H_
#define SHALE_DB_WRITE_BATCH_INTERNAL_H_

#include <cstddef>
#include <cstdint>

#include "db/dbformat.h"
#include "shale/slice.h"
#include "shale/status.h"
#include "shale/write_batch.h"

namespace shale {

class WriteBatchInternal {
 public:
  static constexpr size_t kHeaderSize = 12;  // on-disk: fixed64 sequence + fixed32 count

  static SequenceNumber Sequence(const WriteBatch& batch);
  static void SetSequence(WriteBatch* batch, SequenceNumber seq);

  // The count stored in the header (what Count() returns).
  static uint32_t Count(const WriteBatch& batch);
  static void SetCount(WriteBatch* batch, uint32_t count);

  // The encoding; valid until `batch` is next modified or destroyed.
  static Slice Contents(const WriteBatch& batch) { return Slice(batch.rep_); }
  static size_t ByteSize(const WriteBatch& batch) { return batch.rep_.size(); }

  // Replaces the batch with a copy of `contents` (a WAL record payload).
  // Corruption (batch unchanged) if it is shorter than the header; the entries
  // are checked by WriteBatch::Iterate(), which reports Corruption for
  // malformed ones.
  static Status SetContents(WriteBatch* batch, const Slice& contents);
};

}  // namespace shale

#endif  // SHALE_DB_WRITE_BATCH_INTERNAL_H_
