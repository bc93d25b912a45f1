// WriteTables: turns the output stream of a flush or compaction (an iterator
// over internal keys, usually a CompactionIterator) into finished, synced and
// verified SST files, and describes each in a FileMetaData for the
// VersionEdit that the DB installs afterwards.
//
// This is the "produce" half of a job (docs/architecture.md, "Background work"): it reads immutable
// inputs, writes only new files and touches no shared state, so a job that
// fails or is abandoned leaves the database as it was once its partial
// outputs are removed, which WriteTables does itself.
//
// Invariants of the outputs of one call:
//   1. Files hold consecutive, non-overlapping runs of the input, in order:
//      file i's largest key sorts before file i+1's smallest.
//   2. All entries of one user key are in one file: a file is cut only
//      between different user keys (leveled lookups and compaction input
//      selection rely on a user key living in one file per level).
//   3. A file is cut once its size (bytes written, which trails the bytes
//      added by at most one data block) reaches target_file_size (unless it
//      is the max_files-th), so a file
//      exceeds the target by at most about one data block plus the entries
//      of one user key.
//   4. Every returned file is finished, synced and closed; its directory is
//      not synced (the DB syncs it once before installing the edit).
//
// Thread safety: WriteTables may run on several threads at once for
// different jobs; the callbacks, the clock and the rate limiter must allow it.

#ifndef SHALE_COMPACTION_TABLE_OUTPUT_H_
#define SHALE_COMPACTION_TABLE_OUTPUT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "compaction/rate_limiter.h"
#include "shale/clock.h"
#include "shale/file_system.h"
#include "shale/iterator.h"
#include "table/table_options.h"
#include "version/file_metadata.h"

namespace shale {

// Allocates a file number and creates the empty, writable (and readable)
// file for it. When it fails it leaves nothing behind: WriteTables removes
// only files that new_file returned successfully.
using NewOutputFile = std::function<Status(uint64_t* number, std::unique_ptr<File>* file)>;

struct TableOutputOptions {
  TableOptions table_options;
  // Size at which an output file is cut (invariant 3). 64 MiB: large enough
  // that a level holds few files (small manifest, few open tables), small
  // enough that one compaction of a file and its overlaps stays short.
  uint64_t target_file_size = 64ull << 20;
  // The most files one call may create; the last one is then never cut and
  // grows past target_file_size. 0: no limit. A job runs with as many file
  // numbers as were reserved for it.
  uint64_t max_files = 0;
  // Source of FileMetaData::creation_time_micros (WallMicros). Required.
  Clock* clock = nullptr;
  // Paces the bytes written; null writes at full speed.
  RateLimiter* rate_limiter = nullptr;
  // Deletes an output of this call after a failure. Required.
  std::function<void(uint64_t number)> remove_file;
  // Re-read every output before returning it: open it with TableReader,
  // iterate it with paranoid checks, compare entry count and first/last key
  // with what was written. The read uses the writing handle, after Sync()
  // and before Close() (so new_file's File must be readable). True: reading back a file just written is cheap
  // next to installing a table that lost data.
  bool verify_outputs = true;
  // Called every kPollEveryEntries input entries, with no lock held. The DB
  // flushes a waiting memtable from here, so a long compaction does not stop
  // writers for its whole length (they wait for a flush when the frozen
  // memtables are full). Null: not called.
  std::function<void()> poll;
};

// 4096 entries: a few milliseconds of compaction between polls.
constexpr uint64_t kPollEveryEntries = 4096;

// Writes every entry of `input` (from SeekToFirst() on) into new tables and
// replaces *outputs with their metadata, in key order. Empty input: OK and no
// file. On any error (input, new_file, write, sync, verification) every file
// this call created is closed and removed through options.remove_file,
// *outputs is left empty, and the first error is returned.
// REQUIRES: input yields valid internal keys in strictly increasing order
// (else the builder's InvalidArgument is returned).
Status WriteTables(Iterator* input, const TableOutputOptions& options, const NewOutputFile& new_file,
                   std::vector<FileMetaData>* outputs);

}  // namespace shale

#endif  // SHALE_COMPACTION_TABLE_OUTPUT_H_
