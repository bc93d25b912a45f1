// Hashes and checksums. Hash64 is XXH3-64 and is part of the on-disk
// formats (block and record checksums): never change it for an existing
// format version.

#ifndef SHALE_UTIL_HASH_H_
#define SHALE_UTIL_HASH_H_

#include <cstddef>
#include <cstdint>

#include "shale/slice.h"

namespace shale {

uint64_t Hash64(const char* data, size_t n, uint64_t seed = 0);
// No seed parameter here on purpose: with one, Hash64(ptr, uint64_t length)
// would be ambiguous on wasm32, where size_t is 32 bits.
inline uint64_t Hash64(const Slice& s) { return Hash64(s.data(), s.size()); }

// Streaming XXH3-64 for checksums over several pieces (header + payload)
// without copying them together. Equal to Hash64 over the concatenation.
class Hasher64 {
 public:
  explicit Hasher64(uint64_t seed = 0);
  ~Hasher64();
  Hasher64(const Hasher64&) = delete;
  Hasher64& operator=(const Hasher64&) = delete;
  void Update(const Slice& piece);
  uint64_t Digest() const;

 private:
  void* state_;  // XXH3_state_t, kept out of this header
};

}  // namespace shale

#endif  // SHALE_UTIL_HASH_H_
