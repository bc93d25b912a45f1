// Block compression. The codec id is stored in every block's envelope
// (docs/format.md), so ids are on-disk constants: never reuse or renumber.

#ifndef SHALE_COMPRESSION_CODEC_H_
#define SHALE_COMPRESSION_CODEC_H_

#include <cstdint>
#include <string>

#include "shale/slice.h"
#include "shale/status.h"

namespace shale {

enum class CompressionType : uint8_t {
  kNone = 0,  // on-disk
  kZstd = 1,  // on-disk
};

// Appends the compressed form of `input` to `*output`. `level` is the codec's
// own scale (zstd: 1..19, negative for faster).
Status Compress(CompressionType type, int level, const Slice& input, std::string* output);

// Replaces `*output` with the decompressed form of `input`. Anything that does
// not decode to at most `max_size` bytes is Corruption, never a crash.
Status Decompress(CompressionType type, const Slice& input, size_t max_size, std::string* output);

}  // namespace shale

#endif  // SHALE_COMPRESSION_CODEC_H_
