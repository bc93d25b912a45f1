// The log format: a file of fixed-size blocks holding checksummed fragments
// of records. The WAL uses it (one WriteBatch per record), and so may the
// manifest. Byte diagram: docs/format.md (wal section).
//
// A log file is a sequence of 32 KiB blocks (the last one may be partial).
// Each block holds whole fragments; a fragment never crosses a block end.
// Fragment layout (little-endian):
//
//   offset  size  field
//   0       8     checksum    XXH3-64 (util/hash.h, seed 0) of bytes [8, 19 + length)
//   8       2     length      payload bytes, <= kBlockSize - kHeaderSize
//   10      1     type        FragmentType below
//   11      8     log number  the file number of the log that wrote it
//   19      len   payload
//
// A record that fits in the rest of the current block is one FULL fragment;
// otherwise it is FIRST, MIDDLE..., LAST, each filling its block to the end.
// When fewer than kHeaderSize bytes are left in a block, the writer fills
// them with zeros (the trailer) and continues at the next block, so every
// block starts with a fragment header. Records may be empty (a FULL fragment
// with length 0).
//
// Why these choices:
//  - 64-bit checksum: the checksum is the only thing telling a torn or stale
//    write from data, and the WAL payload (WriteBatch) has none of its own.
//    XXH3 yields 64 bits anyway; storing 32 would save 4 bytes per fragment
//    (~2% of a 200-byte batch) for a 2^32 times higher chance of replaying
//    garbage. The checksum covers the length, type and log number, so a
//    flipped header field is caught like a flipped payload byte.
//  - The log number in every fragment makes recycling safe: a recycled file is
//    overwritten from offset 0 under a new, larger log number, and the first
//    fragment still left from its previous life carries an older number,
//    which ends the log cleanly.
//  - Format version: there is no file header (a recycled file would need it
//    rewritten, and the writer may start mid-file). The version is carried by
//    the type codes: version 1 is types 1-4; a later version takes new codes,
//    which a version-1 reader rejects as Corruption rather than misreading.

#ifndef SHALE_WAL_LOG_FORMAT_H_
#define SHALE_WAL_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>

#include "util/hash.h"

namespace shale::log {

enum FragmentType : uint8_t {  // on-disk
  kZeroType = 0,               // never written: zeros are trailer or preallocated space
  kFullType = 1,
  kFirstType = 2,
  kMiddleType = 3,
  kLastType = 4,
};
constexpr uint8_t kMaxFragmentType = kLastType;

constexpr size_t kBlockSize = 32 * 1024;  // on-disk

// The unit in which a file system writes back unsynced data (the Linux page
// cache's page): a page lost in a power cut reads as this many zeros, aligned
// to this size (log_reader.h, "Lost writeback").
constexpr size_t kWritebackPageSize = 4096;
constexpr size_t kHeaderSize = 8 + 2 + 1 + 8;  // on-disk

// Offsets of the header fields. on-disk
constexpr size_t kChecksumOffset = 0;
constexpr size_t kLengthOffset = 8;
constexpr size_t kTypeOffset = 10;
constexpr size_t kLogNumberOffset = 11;

// The checksum of a fragment laid out contiguously at `fragment` (header,
// then `payload_length` payload bytes); the checksum field is not read.
inline uint64_t FragmentChecksum(const char* fragment, size_t payload_length) {
  return Hash64(fragment + kLengthOffset, kHeaderSize - kLengthOffset + payload_length);
}

}  // namespace shale::log

#endif  // SHALE_WAL_LOG_FORMAT_H_
