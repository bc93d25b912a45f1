// NewCompactionInput: the merged input of a compaction, the same for the
// DB's own compactions (db_background.cc) and for jobs run elsewhere
// (run_compaction_job.cc): each L0 table on its own (they overlap), one
// level iterator per level above L0 (files sorted and disjoint), merged into
// one stream of internal keys.
//
// Ownership: the returned iterator owns the table iterators; `level_files`,
// `output_level_files` and the FileMetaData they point to must outlive it.
// Thread safety: like every Iterator, one thread at a time.

#ifndef SHALE_COMPACTION_COMPACTION_INPUT_H_
#define SHALE_COMPACTION_COMPACTION_INPUT_H_

#include <vector>

#include "shale/iterator.h"
#include "version/file_metadata.h"
#include "version/level_iterator.h"

namespace shale {

Iterator* NewCompactionInput(int level, const std::vector<FileMetaData*>& level_files,
                             const std::vector<FileMetaData*>& output_level_files, const OpenFileFunction& open_file);

}  // namespace shale

#endif  // SHALE_COMPACTION_COMPACTION_INPUT_H_
