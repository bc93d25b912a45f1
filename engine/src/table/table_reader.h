// TableReader: an open, verified SST. Open() reads the footer, metaindex,
// properties, filter and top-level index (all checksum-verified) and keeps
// them; data blocks and index partitions are read on demand, through the
// block cache when there is one. Where the File can be mapped (native POSIX),
// uncompressed blocks are read in place from the mapping instead, like
// LevelDB's mmap reads: no syscall, no copy, no cache slot; each one's
// checksum is verified on its first access (VerifiedBlockSet).
//
// Thread safety: after Open() a TableReader is immutable (but for the
// internally synchronized VerifiedBlockSet); Get(),
// NewIterator() and ApproximateOffsetOf() may be called concurrently.
// Iterators (and the File) must not outlive the TableReader.

#ifndef SHALE_TABLE_TABLE_READER_H_
#define SHALE_TABLE_TABLE_READER_H_

#include <cstdint>
#include <memory>

#include "filter/filter_policy.h"
#include "shale/file_system.h"
#include "shale/iterator.h"
#include "table/block.h"
#include "table/format.h"
#include "table/table_options.h"
#include "table/table_properties.h"
#include "table/verified_block_set.h"

namespace shale {

class TableReader {
 public:
  // Reads the table's fixed parts from `file`, whose size is `file_size`.
  // Corruption when anything fails to verify or decode; NotSupported for a
  // format version this build cannot read. `file` must outlive the reader.
  static Status Open(const TableOptions& options, const File* file, uint64_t file_size,
                     std::unique_ptr<TableReader>* table);

  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;
  ~TableReader();

  // An iterator over every entry, in internal key order.
  Iterator* NewIterator(const TableReadOptions& options) const;

  // Called for each entry from the first one >= the lookup key, while the
  // user key matches and the callback returns true. `internal_key` and
  // `value` are valid only during the call.
  using GetCallback = bool (*)(void* arg, const Slice& internal_key, const Slice& value);

  // Point lookup of `internal_lookup_key` (LookupKey::internal_key()). The
  // filter is checked on its user key first; a negative answer touches no
  // data block. OK whether or not anything matched: the callback tells.
  Status Get(const TableReadOptions& options, const Slice& internal_lookup_key, void* arg, GetCallback callback) const;

  // True unless the filter proves `user_key` absent (always true without a
  // filter).
  bool KeyMayMatch(const Slice& user_key) const;

  // The file offset where the data for `internal_key` would start: 0 for
  // keys before the table, about the data size for keys after it.
  uint64_t ApproximateOffsetOf(const Slice& internal_key) const;

  const TableProperties& properties() const { return props_; }

 private:
  TableReader(const TableOptions& options, const File* file, uint64_t file_size);
  Status ReadMetaBlocks(const Footer& footer);
  // Corruption unless the block and its trailer lie before the footer.
  Status CheckHandle(const BlockHandle& handle) const;
  // ReadBlock(), after CheckHandle().
  Status ReadBlockChecked(const BlockHandle& handle, BlockContents* contents) const;
  // An iterator over the data block or index partition `index_value` names.
  Iterator* BlockIterator(const TableReadOptions& options, const Slice& index_value) const;
  // The uncompressed block at `handle` (CheckHandle() passed), read in place
  // from mapped_; its checksum and restart array are verified unless
  // verified_ has it.
  Iterator* MappedBlockIterator(const TableReadOptions& options, const BlockHandle& handle) const;
  // Over (separator -> data block handle), through partitions if any.
  Iterator* NewIndexIterator(const TableReadOptions& options) const;

  const TableOptions options_;
  const File* const file_;
  const uint64_t file_size_;
  uint64_t cache_id_ = 0;
  // The whole file when the backend maps it (File::MapReadOnly), else empty.
  // Valid while file_ lives, which outlives the reader and its iterators.
  Slice mapped_;
  std::unique_ptr<VerifiedBlockSet> verified_;  // with mapped_: the blocks whose checksum passed
  TableProperties props_;
  std::unique_ptr<Block> index_block_;  // single index, or the top level of a partitioned one
  std::string filter_data_;             // owned by the reader; filter_ borrows it
  std::unique_ptr<FilterReader> filter_;
};

}  // namespace shale

#endif  // SHALE_TABLE_TABLE_READER_H_
