// log::Writer: appends records to a log file in the format of log_format.h.
//
// Thread safety: not thread-safe; one writer per file, externally
// synchronized (the DB's write path holds its mutex or is the group-commit
// leader).
//
// Durability: AddRecord() only writes; nothing is durable before Sync()
// returns OK (file_system.h contract 1). Errors are sticky: after a failed
// write or sync the file's state is unknown, so every later call returns the
// first error and the caller must switch to a new log.

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

  // Where the next record goes: the log's size in bytes so far.
  uint64_t offset() const { return offset_; }
  uint64_t log_number() const { return log_number_; }

 private:
  // Appends one fragment (header and payload) to buf_.
  void AppendFragment(uint8_t type, const char* payload, size_t n);

  File* const file_;
  const uint64_t log_number_;
  uint64_t offset_;
  Status status_;    // first error, sticky
  std::string buf_;  // one fragment (plus trailer padding), written with one WriteAt
};

}  // namespace shale::log

#endif  // SHALE_WAL_LOG_WRITER_H_
