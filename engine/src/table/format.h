// The SST's physical layout: block handles, the block envelope and trailer,
// the footer, and ReadBlock(), the one way a block gets from a file into
// memory (docs/format.md (sst section)).
//
// Every block on disk is
//   payload | envelope (1 byte) | checksum (fixed64 XXH3-64 of payload+envelope)
// and ReadBlock() verifies the checksum before it looks at anything else.
//
// Thread safety: plain values and free functions; ReadBlock() only calls the
// const File::Read(), so it may run concurrently on one File.

#ifndef SHALE_TABLE_FORMAT_H_
#define SHALE_TABLE_FORMAT_H_

#include <cstdint>
#include <string>

#include "compression/codec.h"
#include "shale/file_system.h"
#include "shale/slice.h"
#include "shale/status.h"

namespace shale {

// Where a block's payload lies in the file; the envelope and checksum
// follow it (kBlockTrailerSize more bytes). Encoded as two varint64s.
struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;  // payload bytes as stored (compressed, if it is)

  static constexpr size_t kMaxEncodedLength = 2 * 10;  // two varint64s

  void EncodeTo(std::string* dst) const;
  // Consumes the handle from *input; Corruption when it does not decode.
  Status DecodeFrom(Slice* input);
};

// The envelope byte: bits 0-3 compression type, bits 4-6 reserved (zero in
// v1), bit 7 "payload encrypted" (reserved for the AES-GCM issue; v1 readers
// answer NotSupported).
constexpr uint8_t kEnvelopeCompressionMask = 0x0f;  // on-disk
constexpr uint8_t kEnvelopeReservedMask = 0x70;     // on-disk
constexpr uint8_t kEnvelopeEncryptedBit = 0x80;     // on-disk

constexpr size_t kBlockTrailerSize = 1 + 8;  // on-disk: envelope byte + fixed64 checksum

// No block's payload, stored or uncompressed, may exceed this; the builder
// refuses larger blocks and readers treat larger ones as Corruption, so a
// damaged size can never make us allocate gigabytes.
constexpr uint64_t kMaxBlockSize = 256ull << 20;  // on-disk

// Footer, the last kFooterSize bytes of the file:
//   metaindex handle | index handle | zero padding to 40 bytes
//   | format version (fixed32) | checksum (fixed64) | magic (fixed64)
// The checksum is XXH3-64 of the 44 bytes before it.
constexpr size_t kFooterHandlesSize = 2 * BlockHandle::kMaxEncodedLength;  // on-disk: 40
constexpr size_t kFooterSize = kFooterHandlesSize + 4 + 8 + 8;             // on-disk: 60
constexpr uint64_t kTableMagic = 0x545353454c414853ull;                    // on-disk: "SHALESST" in file byte order
constexpr uint32_t kTableFormatVersion = 1;                                // on-disk: the only version so far

// Metaindex entries: name (bytewise order) -> BlockHandle. Readers ignore
// names they do not know, so new meta blocks need no format version.
constexpr const char* kFilterBlockName = "shale.filter";          // on-disk
constexpr const char* kPropertiesBlockName = "shale.properties";  // on-disk

struct Footer {
  BlockHandle metaindex_handle;
  BlockHandle index_handle;
  uint32_t format_version = kTableFormatVersion;

  void EncodeTo(std::string* dst) const;  // appends exactly kFooterSize bytes
  // REQUIRES: input.size() == kFooterSize.
  // Corruption for a bad magic or checksum, NotSupported for an unknown
  // format version.
  Status DecodeFrom(const Slice& input);
};

// Appends `payload` as a stored block (compressed with `type` if that saves
// at least 1/8, else as is), envelope and checksum to `*dst`. Sets *handle
// assuming `*dst` starts at file offset `base_offset`.
Status EncodeBlock(const Slice& payload, CompressionType type, int level, uint64_t base_offset, std::string* dst,
                   BlockHandle* handle);

// A block payload as read, verified and decompressed: owned bytes.
struct BlockContents {
  std::string data;
};

// Reads the block at `handle`, verifies its checksum, then decompresses.
// Corruption on a short read, checksum mismatch, bad envelope or a payload
// over kMaxBlockSize; I/O errors pass through.
Status ReadBlock(const File* file, const BlockHandle& handle, BlockContents* contents);

// The checks ReadBlock() makes on bytes already in memory: `block` holds the
// payload of `handle.size` bytes followed by the trailer. Verifies the
// checksum, then the envelope; sets `*type` to the payload's compression.
// `block` must hold handle.size + kBlockTrailerSize readable bytes.
Status VerifyBlock(const char* block, const BlockHandle& handle, CompressionType* type);

}  // namespace shale

#endif  // SHALE_TABLE_FORMAT_H_
