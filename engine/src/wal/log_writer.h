// log::Writer: appends records to a log file in the format of log_format.h.
//
// Thread safety: not thread-safe; one writer per file, externally
// synchronized (the DB's write path holds its mutex or is the group-commit
// leader).
//
// Durability: AddRecord() only writes; nothing is durable before Sync()
// returns OK (file_system.h contract 1).
//
// Errors are recoverable in place (a full disk must not end the log):
//   1. A failed AddRecord may leave part of its record in the file past
//      offset(), which stays where the record began. Until Rewind()
//      succeeds, AddRecord and Sync return that error.
//   2. A failed Sync changes nothing here; the caller decides whether the
//      unsynced records can still be trusted (a later Sync retries), or cuts
//      them off with Rewind().
//   3. Rewind(offset) truncates the file to a record boundary and syncs it,
//      so a record cut off never reappears after a crash, and every record
//      before the boundary is durable.

#ifndef SHALE_WAL_LOG_WRITER_H_
#define SHALE_WAL_LOG_WRITER_H_

#include <cstdint>
#include <string>

#include "shale/file_system.h"
#include "shale/slice.h"
#include "shale/status.h"

namespace shale::log {

class Writer {
 public:
  // Writes fragments tagged `log_number`, the first at byte `offset`:
  //   - a new file: offset 0;
  //   - a recycled file (an obsolete log reused in place): offset 0 and a log
  //     number larger than any the file held before;
  //   - resuming a log after recovery: offset = Reader::LastGoodOffset() and
  //     the same log number. REQUIRES then: nothing of this log lies durably
  //     beyond `offset` (call file->Truncate(offset) and file->Sync() first),
  //     or leftovers of a torn record could later read as corruption.
  // REQUIRES: `file` is open for writing and outlives the writer.
  Writer(File* file, uint64_t log_number, uint64_t offset = 0);

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Writes `record` (any size, may be empty) at offset(). Does not sync.
  Status AddRecord(const Slice& record);

  // Makes every record added so far durable.
  Status Sync();

  // Drops everything from `offset` on: truncates the file there, syncs it,
  // and writes the next record there. On error the writer needs a rewind
  // (error 1 above) to `offset`, and the call may be retried.
  // REQUIRES: offset <= offset(), and offset was offset() at some earlier
  // time (a record boundary).
  Status Rewind(uint64_t offset);

  // True after a failed AddRecord or Rewind, until a Rewind succeeds.
  bool needs_rewind() const { return !status_.ok(); }

  // Where the next record goes: the end of the last complete record.
  uint64_t offset() const { return offset_; }
  uint64_t log_number() const { return log_number_; }

 private:
  // Appends one fragment (header and payload) to buf_.
  void AppendFragment(uint8_t type, const char* payload, size_t n);

  File* const file_;
  const uint64_t log_number_;
  uint64_t offset_;
  Status status_;    // non-OK: bytes past offset_ may exist; why (error 1)
  std::string buf_;  // one fragment (plus trailer padding), written with one WriteAt
};

}  // namespace shale::log

#endif  // SHALE_WAL_LOG_WRITER_H_
