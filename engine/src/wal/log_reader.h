// log::Reader: reads back the records of one log file (log_format.h), from
// offset 0, for recovery and repair.
//
// Thread safety: not thread-safe; one reader per thread. The file must not be
// written while it is read.
//
// How a log ends. Reading stops at the first of:
//   1. the end of the file;
//   2. a checksum-valid fragment with an older log number: the rest of the
//      file is left from the file's previous life as another log (recycling);
//   3. a torn tail: a fragment that is incomplete or fails its checksum (or a
//      record missing its later fragments) with no valid fragment of this log
//      after it. This is what a crash during an unsynced write leaves behind.
//      The bytes given up are counted in DroppedBytes().
// All three are clean ends: ReadRecord() returns false and status() is OK.
//
// Corruption. A bad fragment followed by a valid fragment of this log cannot
// be a torn write of synced data, so by default it stops the reader with
// status() = Corruption naming the offset. So do: a fragment of a newer log,
// an unknown fragment type with a valid checksum (a newer format version),
// and fragments out of order (MIDDLE/LAST without FIRST, FIRST inside a
// record). With skip_corruption set, the reader instead drops the damaged
// bytes (counted in DroppedBytes()), resynchronizes on the next valid
// fragment of this log and goes on; status() then reports only I/O errors.
//
// Lost writeback. After a power cut a file system may have written back some
// pages of the unsynced part of a log and not others; a page it never wrote
// reads as zeros (a hole), so valid fragments can follow damage that is no
// corruption at all. DamageIsUnwrittenPage() tells that case apart: the
// damage starts with zeros that run to the end of its kWritebackPageSize page
// (the page kept only its synced start), or it includes a whole aligned page
// of zeros.
// Only the caller knows whether the damage could lie in unsynced bytes (the
// newest log, see db_open.cc); a bit flip or a short zeroed range is never
// taken for a hole.
//
// Resynchronizing scans byte by byte for a checksum-valid header, so a
// damaged region costs one filtered pass over it (cheap: most positions fail
// the type and log-number tests before any hashing).

#ifndef SHALE_WAL_LOG_READER_H_
#define SHALE_WAL_LOG_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "shale/file_system.h"
#include "shale/slice.h"
#include "shale/status.h"

namespace shale::log {

class Reader {
 public:
  // Reads the fragments of log `log_number` in `file`.
  // REQUIRES: `file` outlives the reader.
  Reader(const File* file, uint64_t log_number, bool skip_corruption = false);

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Reads the next record into *record and returns true, or returns false at
  // the end of the log or on error (see status()). *record points into the
  // reader's buffer or into *scratch: valid until the next call or until
  // *scratch changes.
  bool ReadRecord(Slice* record, std::string* scratch);

  // OK at a clean end (see above); Corruption or an I/O error otherwise.
  const Status& status() const { return status_; }

  // The offset just past the last record returned (0 before any): where a
  // writer resumes this log after recovery (see Writer).
  uint64_t LastGoodOffset() const { return last_good_offset_; }

  // Bytes given up so far: a torn tail, and in skip mode the damaged regions
  // skipped. Trailer padding and stale bytes of an older log are not counted.
  uint64_t DroppedBytes() const { return dropped_bytes_; }

  // After status() turned Corruption: the damaged bytes [DamageOffset(),
  // DamageEnd()), from the start of the record that could not be read to the
  // next valid fragment (or to the bad fragment, for one whose checksum
  // verifies but which is not valid here).
  uint64_t DamageOffset() const { return damage_from_; }
  uint64_t DamageEnd() const { return damage_to_; }

  // After status() turned Corruption: sets *unwritten to whether the damage
  // looks like a page that was never written back (see "Lost writeback"). Reads
  // the file again; an I/O error is returned.
  Status DamageIsUnwrittenPage(bool* unwritten) const;

 private:
  enum class Outcome {
    kFragment,  // a valid fragment of this log
    kEnd,       // no more bytes
    kStale,     // a valid fragment of an older log
    kBad,       // a fragment that is not valid here
    kError,     // I/O error, in status_
  };
  struct Fragment {
    uint64_t offset = 0;  // of the header
    uint8_t type = 0;
    Slice payload;             // points into buf_
    std::string_view problem;  // for kBad
    bool definite = false;     // kBad with a valid checksum: not a torn write
  };

  Outcome NextFragment(Fragment* f);
  // After a bad fragment at the current position: moves to the next
  // checksum-valid fragment of this or an older log and says which it is
  // (kFragment or kStale), or to the end of the data (kEnd).
  Outcome Resync();
  // Whether the bytes at buf_[pos] (at most `avail`) are a checksum-valid
  // fragment of a known type and of this or an older log.
  bool PlausibleFragmentAt(size_t pos, size_t avail) const;
  Status ReadNextBlock();
  // Gives up bytes [from, to): counted in skip mode; Corruption otherwise
  // (returns false then).
  bool Drop(uint64_t from, uint64_t to, std::string_view what);
  uint64_t Position() const { return block_offset_ + pos_; }

  const File* const file_;
  const uint64_t log_number_;
  const bool skip_corruption_;
  std::unique_ptr<char[]> buf_;  // one block
  uint64_t block_offset_ = 0;    // file offset of buf_[0]
  size_t block_len_ = 0;         // bytes of the block present in buf_
  size_t pos_ = 0;               // next unread byte in buf_
  bool eof_ = false;             // buf_ holds the last (partial or empty) block
  bool loaded_ = false;          // buf_ holds a block at all
  bool done_ = false;
  Status status_;
  uint64_t last_good_offset_ = 0;
  uint64_t dropped_bytes_ = 0;
  uint64_t damage_from_ = 0;
  uint64_t damage_to_ = 0;
};

}  // namespace shale::log

#endif  // SHALE_WAL_LOG_READER_H_
