// TableOptions and TableReadOptions: the knobs of SST building and reading.
// Plain structs; every field has a default and the reason for it.

#ifndef SHALE_TABLE_TABLE_OPTIONS_H_
#define SHALE_TABLE_TABLE_OPTIONS_H_

#include <cstddef>
#include <cstdint>

#include "cache/cache.h"
#include "compression/codec.h"
#include "table/format.h"

namespace shale {

struct TableOptions {
  // ---- building ----
  // Uncompressed data-block size at which the builder cuts a block. 4 KiB:
  // one page per read, small enough that a point read decodes little, large
  // enough that the index stays about 1/100 of the data.
  size_t block_size = 4096;
  // Keys between restart points in data blocks. 16: prefix truncation keeps
  // most of its gain while a Seek scans at most 15 entries past the binary
  // search. (Index blocks always use 1, so their search is pure binary.)
  int restart_interval = 16;
  // zstd: browser storage quotas make bytes on disk expensive, and zstd at a
  // low level decompresses a 4 KiB block in microseconds. Blocks that do not
  // shrink by 1/8 are stored raw whatever this says.
  CompressionType compression = CompressionType::kZstd;
  // zstd's own default level, the usual size/speed balance.
  int compression_level = 3;
  // Bloom filter bits per user key; 0 writes no filter. 10: about 1% false
  // positives for 1.25 bytes per key.
  int bloom_bits_per_key = 10;
  // An index whose single block would exceed this many bytes is partitioned
  // (top-level index -> partitions of about block_size), so opening a big
  // table does not read and pin one huge index. 64 KiB; 0 always partitions
  // (tests).
  size_t index_partition_threshold = 64 << 10;
  // The format to write. Only kTableFormatVersion (1) exists.
  uint32_t format_version = kTableFormatVersion;

  // ---- reading ----
  // Shared cache of uncompressed, verified data blocks and index partitions.
  // Null: every read goes to the file and the iterator owns its block.
  Cache* block_cache = nullptr;
  // This table's key prefix in block_cache; 0 asks the cache for a fresh id
  // at Open. Cache keys are (cache_id, block offset).
  uint64_t cache_id = 0;
};

struct TableReadOptions {
  // Insert blocks read from the file into the block cache. False for scans
  // that would evict the working set (compaction inputs, full exports).
  bool fill_cache = true;
  // Paranoid mode: also check that keys inside each block strictly increase.
  // Checksums are verified on every read regardless.
  bool verify = false;
};

}  // namespace shale

#endif  // SHALE_TABLE_TABLE_OPTIONS_H_
