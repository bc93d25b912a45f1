// TableBuilder: writes one SST from internal keys added in order.
//
// File layout (docs/format.md (sst section)):
//   data block* | filter block? | index partition* | index | properties
//   | metaindex | footer
// Every block carries the envelope + checksum trailer (format.h).
//
// The builder appends to `file` and never syncs it: the caller syncs (and
// syncs the directory) before it publishes the table.
//
// Thread safety: none; one thread drives a builder.

#ifndef SHALE_TABLE_TABLE_BUILDER_H_
#define SHALE_TABLE_TABLE_BUILDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "filter/filter_policy.h"
#include "shale/file_system.h"
#include "table/block_builder.h"
#include "table/format.h"
#include "table/table_options.h"
#include "table/table_properties.h"

namespace shale {

class TableBuilder {
 public:
  // REQUIRES: `file` is empty and outlives the builder; block offsets are
  // counted from 0. `creation_time_micros` goes into the properties.
  TableBuilder(const TableOptions& options, File* file, uint64_t creation_time_micros);
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;
  // REQUIRES: Finish() or Abandon() was called.
  ~TableBuilder();

  // REQUIRES: `internal_key` is a valid internal key that sorts strictly
  // after every key added before (CompareInternalKeys). A violation makes
  // status() InvalidArgument and the table unfinishable.
  void Add(const Slice& internal_key, const Slice& value);

  // The first error so far (write, compression, misuse); once not OK, Add()
  // does nothing and Finish() returns it.
  Status status() const { return status_; }

  // Writes the remaining blocks and the footer. The table is complete once
  // this returns OK (and the caller has synced the file).
  Status Finish();

  // Stops building; the caller removes the file.
  void Abandon();

  uint64_t NumEntries() const { return props_.num_entries; }
  // Bytes written so far; after Finish(), the file size.
  uint64_t FileSize() const { return offset_; }
  // Complete after Finish() returns OK.
  const TableProperties& properties() const { return props_; }

 private:
  void FlushDataBlock();
  // Encodes, compresses (with `type`) and appends one block.
  void WriteBlock(const Slice& payload, CompressionType type, BlockHandle* handle);
  void WriteIndex(BlockHandle* index_handle);

  const TableOptions options_;
  File* const file_;
  std::unique_ptr<FilterPolicy> filter_policy_;  // null: no filter
  Status status_;
  bool closed_ = false;
  uint64_t offset_ = 0;

  BlockBuilder data_block_;
  std::string last_key_;
  // Invariant: pending_index_entry_ iff a data block was flushed and its
  // index entry waits for the next key (to compute a short separator).
  bool pending_index_entry_ = false;
  BlockHandle pending_handle_;
  std::vector<std::pair<std::string, std::string>> index_entries_;  // separator -> encoded handle
  std::vector<uint64_t> filter_hashes_;                             // one per distinct user key
  std::string block_buffer_;
  TableProperties props_;
};

}  // namespace shale

#endif  // SHALE_TABLE_TABLE_BUILDER_H_
