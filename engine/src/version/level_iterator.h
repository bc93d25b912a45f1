// The level iterator: one ordered view over the table files of one level
// L1+ (sorted by key and disjoint, Version invariant 2), opening each file
// only when the scan reaches it.
//
// Positioning uses the files' smallest/largest keys (FindFile), so a Seek
// opens at most one file unless that file holds nothing in range; Next() and
// Prev() cross file boundaries in both directions and skip files that turn
// out empty. Yields internal keys and values, as the tables do.
//
// Ownership: the iterator keeps a pointer to `files` (not a copy) and the
// FileMetaData objects it names. Both must outlive the iterator: the DB holds
// a reference on the Version that owns them, released by a cleanup it
// registers on the iterator (cleanups run after the iterator's own members,
// including the open file iterator, are destroyed). The file iterators come
// from `open_file` and are owned and deleted by the level iterator.
//
// Errors: `open_file` reports a failure to open by returning an empty
// iterator with that status (NewEmptyIterator(s)); that error, like any error
// of a file iterator, makes the level iterator !Valid() with that status. A
// failed file is never skipped silently.
//
// Thread safety: like every Iterator, one thread at a time.

#ifndef SHALE_VERSION_LEVEL_ITERATOR_H_
#define SHALE_VERSION_LEVEL_ITERATOR_H_

#include <functional>
#include <vector>

#include "shale/iterator.h"
#include "version/file_metadata.h"

namespace shale {

// Returns a new iterator over the table `file` (never null). Called lazily,
// at most once per file visit.
using OpenFileFunction = std::function<Iterator*(const FileMetaData& file)>;

// key() and value() Slices stay valid until the iterator moves (the file
// iterator's promise).
// REQUIRES: `files` is sorted and disjoint (a level above L0); it and every
//           FileMetaData in it outlive the returned iterator.
Iterator* NewLevelIterator(const std::vector<FileMetaData*>& files, OpenFileFunction open_file);

}  // namespace shale

#endif  // SHALE_VERSION_LEVEL_ITERATOR_H_
