// FileMetaData: what the version set knows about one table file.
//
// One FileMetaData is shared by every Version that contains the file (a
// compaction that leaves a file alone does not copy it); `refs` counts those
// holders and the last UnrefFile() frees it. Only the persistent fields are
// written to the manifest (version_edit.h); `being_compacted` and `refs` are
// process state.
//
// Thread safety: the persistent fields are immutable once the file is in a
// Version. `refs` and `being_compacted` change only under the mutex that
// guards the VersionSet (the DB mutex); `allowed_seeks` is atomic, charged
// by reads without that mutex.

#ifndef SHALE_VERSION_FILE_METADATA_H_
#define SHALE_VERSION_FILE_METADATA_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "db/dbformat.h"

namespace shale {

// An atomic counter that copies by value (FileMetaData is copied by edits
// and builders).
struct SeekCounter {
  SeekCounter() = default;
  SeekCounter(const SeekCounter& o) : n(o.n.load(std::memory_order_relaxed)) {}
  SeekCounter& operator=(const SeekCounter& o) {
    n.store(o.n.load(std::memory_order_relaxed), std::memory_order_relaxed);
    return *this;
  }
  std::atomic<int64_t> n{0};
};

struct FileMetaData {
  // Persistent (manifest) fields.
  uint64_t number = 0;
  uint64_t file_size = 0;
  InternalKey smallest;  // smallest internal key in the file
  InternalKey largest;   // largest internal key in the file
  SequenceNumber smallest_seqno = 0;
  SequenceNumber largest_seqno = 0;
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;
  uint64_t creation_time_micros = 0;  // wall clock (Clock::WallMicros) when written

  // Process state.
  bool being_compacted = false;  // an input of a running compaction
  int refs = 0;                  // Versions (and builders) holding this object
  // Point reads that searched this file in vain before finding their key
  // deeper may still charge it before it is due for a seek compaction
  // (LevelDB's rule: one wasted search costs about what compacting 16 KiB
  // does). Set by NewFileRef().
  SeekCounter allowed_seeks;

  // "000012:4096[a#5,SET..z#3,SET]": number, size and key range.
  std::string DebugString() const;
};

// File bytes one wasted point-read search is worth (LevelDB's measure), and
// the least number of searches a file is allowed.
constexpr uint64_t kSeekCompactionBytesPerSeek = 16 << 10;
constexpr int64_t kMinAllowedSeeks = 100;

// A heap copy of the persistent fields of `f`, with refs == 1 and a fresh
// allowed_seeks budget (file_size / kSeekCompactionBytesPerSeek, at least
// kMinAllowedSeeks).
FileMetaData* NewFileRef(const FileMetaData& f);
void RefFile(FileMetaData* f);
// Frees `f` when its last reference goes.
void UnrefFile(FileMetaData* f);

uint64_t TotalFileSize(const std::vector<FileMetaData*>& files);

// True when [f.smallest.user_key, f.largest.user_key] intersects
// [*begin, *end]; a null bound is unbounded on that side.
bool FileOverlapsUserRange(const FileMetaData& f, const Slice* begin, const Slice* end);

}  // namespace shale

#endif  // SHALE_VERSION_FILE_METADATA_H_
