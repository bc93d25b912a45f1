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
// guards the VersionSet (the DB mutex).

#ifndef SHALE_VERSION_FILE_METADATA_H_
#define SHALE_VERSION_FILE_METADATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "db/dbformat.h"

namespace shale {

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

  // "000012:4096[a#5,SET..z#3,SET]": number, size and key range.
  std::string DebugString() const;
};

// A heap copy of the persistent fields of `f`, with refs == 1.
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
