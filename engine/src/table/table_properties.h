// TableProperties: facts about one SST, computed by the builder and stored in
// its properties block, read back at Open. Compaction pickers, stats and
// tools use them without reading data blocks.
//
// Encoding (docs/format.md (sst section), "Properties block"): a block (bytewise
// order) of name -> value entries, names "shale.*", integers as varint64,
// keys as raw bytes. Readers ignore names they do not know and leave fields
// whose names are missing at their defaults, so properties can be added
// without a format version change.
//
// Thread safety: a value type.

#ifndef SHALE_TABLE_TABLE_PROPERTIES_H_
#define SHALE_TABLE_TABLE_PROPERTIES_H_

#include <cstdint>
#include <string>

#include "compression/codec.h"
#include "shale/slice.h"
#include "shale/status.h"

namespace shale {

struct TableProperties {
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;  // point tombstones (DEL and SINGLEDEL)
  uint64_t num_merges = 0;
  uint64_t num_range_deletions = 0;  // 0 until range tombstones have their block
  std::string smallest_key;          // internal keys; empty for an empty table
  std::string largest_key;
  uint64_t smallest_seqno = 0;
  uint64_t largest_seqno = 0;
  uint64_t raw_key_size = 0;  // sum of internal key sizes as added
  uint64_t raw_value_size = 0;
  // Stored bytes, block trailers included.
  uint64_t data_size = 0;   // also where the data blocks end
  uint64_t index_size = 0;  // top-level index plus partitions
  uint64_t filter_size = 0;
  uint64_t num_data_blocks = 0;
  uint64_t num_index_partitions = 0;                     // 0: the index is a single block
  CompressionType compression = CompressionType::kNone;  // as configured; a block may still be raw
  uint64_t creation_time = 0;                            // micros since the epoch, from the builder's caller
  uint32_t format_version = 0;

  // "entries=10 deletions=2 ..." for logs and tools.
  std::string ToString() const;
};

// The properties block payload.
std::string EncodeTableProperties(const TableProperties& props);

// Corruption when the block or a known entry's value does not decode.
Status DecodeTableProperties(const Slice& payload, TableProperties* props);

}  // namespace shale

#endif  // SHALE_TABLE_TABLE_PROPERTIES_H_
